"""Hidden checks for `evaluate` (part: evaluate).

The probe evaluates a linear model with given weights (so its predictions are
known here) over a loader whose last batch is smaller, with forward hooks that
record the mode and whether a graph was being built.
"""
import math

import numpy as np
import pytest

from autograder.harness.checks import expect
from autograder.graders.lenet5.reference import run_reference


# -- probe (runs in the answer process: self-contained, imports inside) -------------

def evaluate_probe(answer, x, y, weight, bias, batch_size, dropout):
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
    linear = nn.Linear(weight.shape[1], weight.shape[0])
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(weight))
        linear.bias.copy_(torch.from_numpy(bias))
    layers = [nn.Flatten()] + ([nn.Dropout(0.9)] if dropout else []) + [linear]
    model = nn.Sequential(*layers)
    model.train()                      # the caller left it in training mode
    records = []
    model.register_forward_hook(lambda m, i, o: records.append([bool(m.training), torch.is_grad_enabled()]))
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=batch_size)
    value = answer.evaluate(model, loader)
    kind = type(value).__name__
    if isinstance(value, torch.Tensor):
        value = value.detach().numpy()
    return {"value": value, "type": kind, "records": records}


# -- checks ---------------------------------------------------------------------------

def _case(seed, n=45, classes=5, features=12):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1, 3, 4)).astype(np.float32)
    weight = rng.standard_normal((classes, features)).astype(np.float32)
    bias = rng.standard_normal(classes).astype(np.float32)
    logits = x.reshape(n, -1) @ weight.T + bias
    pred = logits.argmax(axis=1)
    # labels: about 60 % of them the model's prediction, the rest another class
    y = np.where(rng.random(n) < 0.6, pred, (pred + rng.integers(1, classes, n)) % classes).astype(np.int64)
    return x, y, weight, bias


def _number(got):
    v = got["value"]
    if isinstance(v, (bool, np.bool_)):
        return None
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    if isinstance(v, np.ndarray) and v.size == 1:
        return float(v.reshape(()))
    return None


def _run(student, seed=0, batch=8, dropout=False):
    x, y, w, b = _case(seed)
    args = (x, y, w, b, batch, dropout)
    return student.probe(evaluate_probe, *args), run_reference(evaluate_probe, *args)


def test_accuracy_of_known_predictions(student):
    """evaluate returns the fraction of correct predictions of a model with known outputs"""
    for seed, batch in ((0, 8), (1, 45), (2, 7)):
        got, want = _run(student, seed, batch)
        value = _number(got)
        expect(value is not None, f"evaluate returned a {got['type']}, not a number")
        expect(math.isclose(value, want["value"], rel_tol=1e-9, abs_tol=1e-9),
               f"on 45 samples in batches of {batch}, evaluate returned {value:.4g}, which is not the "
               "fraction of samples whose largest logit is the true class")


@pytest.mark.needs("test_accuracy_of_known_predictions")
def test_fraction_not_percent(student):
    """evaluate returns a fraction in [0, 1], not a percentage or a count"""
    got, want = _run(student, 3, 10)
    value = _number(got)
    expect(value is not None, f"evaluate returned a {got['type']}, not a number")
    expect(0.0 <= value <= 1.0, f"evaluate returned {value:.4g}: accuracy must be a fraction in [0, 1] "
                                "(not a percentage, not a count of correct samples)")


@pytest.mark.needs("test_accuracy_of_known_predictions")
def test_returns_a_float(student):
    """evaluate returns a Python float (not a tensor or an int)"""
    got, _ = _run(student, 4, 8)
    expect(got["type"] in ("float", "float64"), f"evaluate returned a {got['type']}, expected a float")


def test_eval_mode(student):
    """the model runs in evaluation mode (dropout off), even if it was left in training mode"""
    got, want = _run(student, 5, 8, dropout=True)
    expect(len(got["records"]) > 0, "the model was never called")
    expect(not any(r[0] for r in got["records"]), "the model was in training mode during evaluation "
                                                  "(call model.eval() first)")
    value = _number(got)
    expect(value is not None and math.isclose(value, want["value"], abs_tol=1e-9),
           "with dropout in the model, the accuracy is not that of the model in evaluation mode")


@pytest.mark.needs("test_accuracy_of_known_predictions")
def test_no_graph(student):
    """the forward passes run without building a graph (torch.no_grad())"""
    got, _ = _run(student, 6, 8)
    expect(len(got["records"]) > 0, "the model was never called")
    expect(not any(r[1] for r in got["records"]), "gradients were enabled during evaluation "
                                                  "(wrap the loop in `with torch.no_grad():`)")
