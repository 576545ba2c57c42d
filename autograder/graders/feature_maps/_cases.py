"""Trusted side: the expected feature maps (submodules run by hand), normalized maps and figure checks.

Not a graded part (no test_ prefix). Models are built by name and seed with the
same code the probes run in the student's process (`_probes.build`), so both
sides hold identical weights.
"""
import math

import numpy as np
import torch

from autograder.harness.checks import CheckFailed, expect

from . import _probes

RTOL, ATOL = 1e-4, 1e-5
TIMEOUT = 60.0          # importing matplotlib in a fresh sandbox can take a while


def inputs(kind, n=1, seed=0):
    rng = np.random.default_rng(seed)
    shape = {"vgglike": (n, 3, 64, 64), "lenet": (n, 1, 32, 32), "nested": (n, 3, 12, 12),
             "boom": (n, 1, 8, 8)}[kind]
    return rng.standard_normal(shape).astype(np.float32)


def by_hand(kind, seed, x):
    """{qualified name: output} for every submodule, running them one by one in evaluation mode.

    Each output is copied as soon as it is made, so a later in-place layer cannot change it.
    """
    model = _probes.build(kind, seed).eval()
    out = {}

    def run(module, h, prefix):
        for name, child in module.named_children():
            qualified = f"{prefix}.{name}" if prefix else name
            if list(child.children()):
                h = run(child, h, qualified)
            else:
                h = child(h)
            out[qualified] = h.clone()
        return h

    with torch.no_grad():
        run(model, torch.from_numpy(x), "")
    return {k: v.double().numpy() for k, v in out.items()}


def call(layers, what="the model"):
    return f"extract_feature_maps({what}, x, {list(layers)!r})"


def extract(student, kind, layers, *, seed=0, n=1, mode="eval", x_grad=False, catch=False, label=None):
    """Runs the student's extract_feature_maps in their process; returns (result, x, description)."""
    x = inputs(kind, n, seed=seed + 7)
    got = student.probe(_probes.extract, kind, seed, x, list(layers), mode, x_grad, catch, timeout=TIMEOUT)
    what = call(layers, label or {"vgglike": "VGGLike()", "lenet": "a LeNet-5", "nested": "a nested model",
                                  "boom": "a model whose 4th layer raises"}[kind])
    if mode != "eval":
        what += f" (model in {'training' if mode == 'train' else 'mixed train/eval'} mode)"
    return got, x, what


def expect_returned(got, what):
    if got["raised"]:
        raise CheckFailed(f"{what} raised {got['raised']}: {got.get('message', '')}")
    expect(got["type"] == "dict", f"{what} returned a {got['type']}, expected a dict")


def expect_maps(got, kind, seed, x, layers, what):
    """The returned dict holds each layer's output as the grader computed it by hand."""
    expect_returned(got, what)
    missing = [name for name in layers if name not in got["items"]]
    expect(not missing, f"{what}: no entry for {', '.join(repr(m) for m in missing)}")
    want = by_hand(kind, seed, x)
    for name in layers:
        item = got["items"][name]
        expect(item["type"] == "Tensor", f"{what}[{name!r}] is a {item['type']}, expected a torch tensor")
        expect(tuple(item["shape"]) == want[name].shape,
               f"{what}[{name!r}] has shape {tuple(item['shape'])}, which is not the shape of that submodule's "
               "output")
        values = item["values"]
        ok = np.allclose(values, want[name], rtol=RTOL, atol=ATOL)
        expect(ok, f"{what}[{name!r}]: the values differ from the output of that submodule (run by hand in "
                   f"evaluation mode) at {int((~np.isclose(values, want[name], rtol=RTOL, atol=ATOL)).sum())} "
                   f"of {values.size} positions")


# -- normalization -----------------------------------------------------------------------

def normalized(maps):
    """The reference: each (H, W) map scaled to [0, 1] on its own; a constant map becomes zeros."""
    maps = np.asarray(maps, dtype=np.float64)
    low = maps.min(axis=(-2, -1), keepdims=True)
    span = maps.max(axis=(-2, -1), keepdims=True) - low
    return np.where(span > 0, (maps - low) / np.where(span > 0, span, 1.0), 0.0)


def channel_stack(rng, c, h, w, *, constant=None, scales=True):
    """c random channels of very different ranges and offsets (channel `constant`, if given, is constant)."""
    maps = rng.standard_normal((c, h, w))
    if scales:
        maps *= 10.0 ** rng.uniform(-3, 3, size=(c, 1, 1))
        maps += rng.uniform(-50, 50, size=(c, 1, 1))
    if constant is not None:
        maps[constant] = float(rng.uniform(-5, 5))
    return maps.astype(np.float32)


# -- figures ---------------------------------------------------------------------------------

def expect_figure(info, what):
    expect(info["is_figure"], f"{what} returned a {info['type']}, expected a matplotlib Figure")
    expect(info["png"] is True, f"{what}: the figure could not be drawn without a display ({info['png']})")


def displayed(panel):
    """What a panel shows, as values in [0, 1]: the image array mapped through its colour limits."""
    arr = panel["array"]
    lo, hi = panel["clim"]
    if arr.ndim != 2:
        return None
    if not hi > lo:
        return np.zeros_like(arr)
    return np.clip((arr - lo) / (hi - lo), 0.0, 1.0)


def match_channels(info, expected):
    """For each panel, the index of the expected (normalized) channel it shows, or None."""
    found = []
    for panel in info["panels"]:
        shown = displayed(panel)
        index = None
        if shown is not None:
            for k, want in enumerate(expected):
                if shown.shape == want.shape and np.allclose(shown, want, rtol=1e-4, atol=2e-4):
                    index = k
                    break
        found.append(index)
    return found


def expect_panel_count(info, n, what, per="shown channel"):
    count = len(info["panels"])
    expect(count == n, f"{what}: {count} image panels, expected one per {per}")


def _clusters(values, tol=0.01):
    """Sorted representatives of values closer than tol."""
    reps = []
    for v in sorted(values):
        if not reps or v - reps[-1] > tol:
            reps.append(v)
    return reps


def grid_position(info):
    """(row, column) of each panel from its place in the figure, rows from the top."""
    xs = _clusters([p["box"][0] for p in info["panels"]])
    ys = _clusters([-(p["box"][1] + p["box"][3]) / 2 for p in info["panels"]])

    def index(reps, v):
        return min(range(len(reps)), key=lambda i: abs(reps[i] - v))

    return [(index(ys, -(p["box"][1] + p["box"][3]) / 2), index(xs, p["box"][0])) for p in info["panels"]], \
        len(ys), len(xs)


def expect_grid(info, n, ncols, what, expected=None):
    expect_panel_count(info, n, what)
    cols = min(ncols, n)
    rows = math.ceil(n / cols)
    positions, got_rows, got_cols = grid_position(info)
    expect((got_rows, got_cols) == (rows, cols),
           f"{what}: the panels are laid out in {got_rows} rows and {got_cols} columns, "
           f"expected a grid of {ncols} columns (fewer if fewer panels) and as many rows as needed")
    order = match_channels(info, expected) if expected is not None else [None]
    channels = order if all(k is not None for k in order) and len(set(order)) == len(order) else range(n)
    for k, pos in zip(channels, positions):
        expect(pos == (k // cols, k % cols),
               f"{what}: channel {k} is in row {pos[0]}, column {pos[1]}: channels go in order, "
               "left to right, then top to bottom")


def expect_hidden_axes(info, what):
    shown = [i for i, p in enumerate(info["panels"]) if not p["hidden"]]
    expect(not shown, f"{what}: {len(shown)} of {len(info['panels'])} panels still show their axes (ticks, frame)")
    expect(info["empty"] == 0, f"{what}: {info['empty']} empty panels with visible axes are left in the figure "
                               "(remove or hide the unused grid cells)")


def expect_contents(info, expected, what):
    order = match_channels(info, expected)
    bad = [i for i, k in enumerate(order) if k is None]
    expect(not bad, f"{what}: {len(bad)} of {len(order)} panels do not show a channel scaled to [0, 1] on its "
                    "own (each panel's lowest value must be the darkest colour, its highest the brightest)")
    expect(sorted(order) == list(range(len(expected))),
           f"{what}: the panels do not show the first channels once each, in order")
