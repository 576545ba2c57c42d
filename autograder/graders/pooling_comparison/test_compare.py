"""Hidden checks for `compare_pooling` (part: compare).

One probe runs the student's `compare_pooling` three times in the student's
process, on 1,000 digits of the released MNIST sample (one epoch) and 500 of the
held-out digits students never get: seed 0, seed 0 again after the probe reseeds
torch's global generator differently (only the answer's own seeding can make the
two runs agree), and seed 1 with the first combination only (whether the seed is
used shows in the first network's initial weights). The probe also keeps each
`PoolingNet` the answer builds (by wrapping the class while the call runs) and
returns the trained
networks' predictions on the held-out digits, their initial first-layer weights
and the answer's own `shift_sensitivity` of their logits; the checks compare all
of that with the rows here. About 8 s for the reference.
"""
import itertools
import math

import numpy as np
import pytest

from autograder.harness.checks import CheckFailed, expect

from . import _probes
from .reference import reference_params, training_data

KINDS = ("stride_conv", "max")
HEADS = ("gap", "flatten")
COMBINATIONS = list(itertools.product(KINDS, HEADS))
CALLS = [(0, 11, KINDS, HEADS), (0, 2024, KINDS, HEADS), (1, 11, KINDS[:1], HEADS[:1])]
# each (seed, torch's global seed before the call, kinds, heads)
KEYS = ("kind", "head", "params", "accuracy", "seconds", "shift_sensitivity")
FLATTEN_THRESHOLD = 0.6                    # the reference gets about 0.75 to 0.85; chance is 0.1
TIMEOUT = 300.0


@pytest.fixture(scope="module")
def runs(student):
    train_x, train_y, test_x, test_y = training_data()
    try:
        results = student.probe(_probes.compare, train_x, train_y, test_x, test_y, 1, CALLS,
                                timeout=TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - every check of this part reports the same failure
        return {"error": exc}
    return {"results": results, "labels": test_y}


def combinations_of(i):
    """The (kind, head) pairs call i asked for, and how the call is written in messages."""
    _, _, kinds, heads = CALLS[i]
    return list(itertools.product(kinds, heads)), f"compare_pooling({list(kinds)}, {list(heads)}, ...)"


def rows_of(runs, i=0):
    if "error" in runs:
        raise runs["error"]
    combinations, call = combinations_of(i)
    rows = runs["results"][i]["rows"]
    if isinstance(rows, str):
        raise CheckFailed(f"compare_pooling must return a list of dicts, got {rows}")
    for r in rows:
        if not isinstance(r, dict):
            raise CheckFailed(f"compare_pooling must return a list of dicts, got a row that is {r}")
        missing = [k for k in KEYS if k not in r]
        expect(not missing, f"a row of compare_pooling has no {', '.join(repr(m) for m in missing)}")
    expect(len(rows) == len(combinations),
           f"{call} returned {len(rows)} rows, "
           f"one per combination of kind and head expected")
    return rows


def models_of(runs, i=0):
    if "error" in runs:
        raise runs["error"]
    combinations, call = combinations_of(i)
    models = runs["results"][i]["models"]
    expect(len(models) == len(combinations),
           f"{call} built {len(models)} PoolingNets; "
           f"it must build and train one PoolingNet per combination")
    return models


@pytest.mark.needs("test_far_above_chance")
def test_one_row_per_combination(student, runs):
    """one row per (kind, head), in the order of itertools.product(kinds, heads), with the six keys"""
    rows = rows_of(runs)
    got = [(r["kind"], r["head"]) for r in rows]
    expect(got == COMBINATIONS, f"compare_pooling({list(KINDS)}, {list(HEADS)}, ...) rows are for {got}")


@pytest.mark.needs("test_far_above_chance")
def test_params(student, runs):
    """params is each combination's parameter count"""
    for r in rows_of(runs):
        want = reference_params(r["kind"], r["head"])
        expect(r["params"] == want, f"the row for ({r['kind']!r}, {r['head']!r}) has params = {r['params']}")


@pytest.mark.needs("test_far_above_chance")
def test_accuracy_of_the_trained_network(student, runs):
    """accuracy is the trained network's accuracy on test_data, a fraction in [0, 1]"""
    rows, models = rows_of(runs), models_of(runs)
    labels = runs["labels"]
    for r, m in zip(rows, models):
        measured = float((np.asarray(m["predictions"]) == labels).mean())
        expect(isinstance(r["accuracy"], float) and 0 <= r["accuracy"] <= 1,
               f"the row for ({r['kind']!r}, {r['head']!r}) has accuracy = {r['accuracy']}, not a fraction")
        expect(abs(r["accuracy"] - measured) <= 0.5 / len(labels),
               f"the row for ({r['kind']!r}, {r['head']!r}) says accuracy {r['accuracy']:.4f}, but its trained "
               f"network classifies {measured:.4f} of the test images correctly")


def test_far_above_chance(student, runs):
    """the trained networks with the flatten head classify held-out digits far above chance (10 %)"""
    rows_of(runs)    # the rows must be well formed before the networks behind them are judged
    models = models_of(runs)
    for (kind, head), m in zip(COMBINATIONS, models):
        if head == "flatten":
            measured = float((np.asarray(m["predictions"]) == runs["labels"]).mean())
            expect(measured >= FLATTEN_THRESHOLD,
                   f"after one epoch on 1,000 digits, PoolingNet({kind!r}, 'flatten') classifies {measured:.1%} "
                   f"of 500 held-out digits correctly; this check needs {FLATTEN_THRESHOLD:.0%}")


@pytest.mark.needs("test_far_above_chance")
def test_deterministic(student, runs):
    """the same seed gives the same rows (all but seconds), whatever torch's global generator holds"""
    first, again = rows_of(runs, 0), rows_of(runs, 1)
    for a, b in zip(first, again):
        for key in KEYS:
            if key != "seconds":
                expect(a[key] == b[key], f"compare_pooling run twice with seed=0 gave different {key} for "
                                         f"({a['kind']!r}, {a['head']!r})")
    for a, b in zip(models_of(runs, 0), models_of(runs, 1)):
        expect(a["initial"] is not None and b["initial"] is not None and np.array_equal(a["initial"], b["initial"]),
               "compare_pooling run twice with seed=0 started from different initial weights")


@pytest.mark.needs("test_far_above_chance")
def test_same_start_for_every_combination(student, runs):
    """every combination starts from the same seed: the first convolution's initial weights are the same"""
    models = models_of(runs)
    first = models[0]["initial"]
    for (kind, head), m in zip(COMBINATIONS, models):
        expect(m["initial"] is not None and first is not None and m["initial"].shape == first.shape
               and np.array_equal(m["initial"], first),
               f"PoolingNet({kind!r}, {head!r}) did not start from the same initial weights as the first "
               "combination: seed torch before building each network")


@pytest.mark.needs("test_far_above_chance")
def test_seed_is_used(student, runs):
    """another seed gives other initial weights"""
    a, b = models_of(runs, 0), models_of(runs, 2)
    expect(not np.array_equal(a[0]["initial"], b[0]["initial"]),
           "compare_pooling with seed=0 and seed=1 started from the same initial weights")


@pytest.mark.needs("test_far_above_chance")
def test_shift_sensitivity_of_trained_logits(student, runs):
    """shift_sensitivity is your shift_sensitivity of the trained network's logits on the first 500 test images"""
    for r, m in zip(rows_of(runs), models_of(runs)):
        measured = m["sensitivity"]
        if not isinstance(measured, float):
            raise CheckFailed(f"shift_sensitivity of the trained network could not be measured ({measured})")
        got = r["shift_sensitivity"]
        expect(isinstance(got, float) and math.isclose(got, measured, rel_tol=1e-4, abs_tol=1e-6),
               f"the row for ({r['kind']!r}, {r['head']!r}) has shift_sensitivity = {got}, but your "
               f"shift_sensitivity of its trained network on the first 500 test images is {measured:.6g}")


@pytest.mark.needs("test_far_above_chance")
def test_seconds(student, runs):
    """seconds is the training time, a positive number"""
    for r in rows_of(runs):
        expect(isinstance(r["seconds"], float) and 0 < r["seconds"] < TIMEOUT,
               f"the row for ({r['kind']!r}, {r['head']!r}) has seconds = {r['seconds']}")
