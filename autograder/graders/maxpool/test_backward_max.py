"""Hidden checks for `max_pool2d_backward` (part: backward_max).

Expected gradients come from torch autograd (CPU: ties go to the first maximum in
row-major order within each window) and, independently, from central differences.
"""
import time

import numpy as np
import torch
import torch.nn.functional as F

from autograder.harness.checks import CheckFailed, expect, expect_array
from autograder.harness.student import StudentError

FUNC = "max_pool2d_backward"
BIG_SHAPE = (32, 64, 56, 56)
# Measured through the harness on one core: vectorized ~0.5 s, a loop over output
# positions (numpy inside) 0.4-1.0 s, a Python loop over every output ~11 s.
TIME_LIMIT = 2.5           # seconds for the big case, see test_speed_big_batch
HARD_TIMEOUT = 20.0        # the call is stopped after this long


# -- helpers -------------------------------------------------------------------

def describe(shape, kernel_size, kwargs, *, dtype=np.float64, note=""):
    x = f"x of shape {tuple(shape)}"
    if np.dtype(dtype) != np.float64:
        x += f" and dtype {np.dtype(dtype).name}"
    args = ["dout", x, f"kernel_size={kernel_size!r}"] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{FUNC}({', '.join(args)})" + (f" {note}" if note else "")


def forward(x, kernel_size, stride=None, padding=0):
    return F.max_pool2d(torch.from_numpy(x.copy()), kernel_size, stride=stride, padding=padding).numpy()


def expected_grad(dout, x, kernel_size, stride=None, padding=0):
    """torch autograd's gradient of sum(dout * max_pool2d(x)) with respect to x."""
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    out = F.max_pool2d(xt, kernel_size, stride=stride, padding=padding)
    out.backward(torch.from_numpy(dout.astype(x.dtype)))
    return xt.grad.numpy()


def numeric_grad(dout, x, kernel_size, stride=None, padding=0, eps=1e-4):
    """Central differences of sum(dout * max_pool2d(x)), all perturbations in one batch."""
    n = x.size
    shifts = np.eye(n).reshape((n,) + x.shape) * eps                    # (n, N, C, H, W)
    batch = np.concatenate([x[None] + shifts, x[None] - shifts]).reshape((-1,) + x.shape[1:])
    out = F.max_pool2d(torch.from_numpy(batch), kernel_size, stride=stride, padding=padding).numpy()
    out = out.reshape((2, n) + dout.shape)
    f = (out * dout).reshape(2, n, -1).sum(axis=2)
    return ((f[0] - f[1]) / (2 * eps)).reshape(x.shape)


def call_and_compare(student, dout, x, k, s, p, *, note="", rtol=1e-5, atol=1e-6, expected=None):
    out = student.max_pool2d_backward(dout, x, k, stride=s, padding=p)
    if expected is None:
        expected = expected_grad(dout, x, k, s, p)
    what = describe(x.shape, k, dict(stride=s, padding=p), dtype=x.dtype, note=note)
    expect_array(out, expected, what=what, rtol=rtol, atol=atol, check_dtype=False)


def pair(rng, a, b):
    a, b = int(a), int(b)
    return a if a == b and rng.random() < 0.7 else (a, b)


def random_case(rng, max_hw=10):
    kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
    if rng.random() < 0.4:
        kw = kh
    sh, sw = (int(v) for v in rng.integers(1, 5, size=2))
    if rng.random() < 0.4:
        sw = sh
    ph, pw = int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1))
    H = int(rng.integers(max(1, kh - 2 * ph), max_hw + 1))
    W = int(rng.integers(max(1, kw - 2 * pw), max_hw + 1))
    N, C = (int(v) for v in rng.integers(1, 4, size=2))
    return (N, C, H, W), pair(rng, kh, kw), pair(rng, sh, sw), pair(rng, ph, pw)


FIXED_CASES = [
    ((2, 3, 7, 7), 3, 1, 0),            # overlapping, k3 s1
    ((2, 2, 9, 8), 3, 2, 1),            # overlapping, k3 s2, padding
    ((1, 2, 6, 6), 3, 1, 1),
    ((2, 3, 7, 5), (3, 2), (2, 1), (1, 0)),
    ((1, 3, 8, 10), 2, 3, 0),           # gapped windows: some inputs get no gradient
    ((3, 2, 7, 11), (2, 4), (3, 1), (1, 2)),
    ((1, 2, 11, 4), (5, 2), (1, 3), (2, 1)),
    ((2, 2, 4, 6), 2, 2, 0),
]


# -- checks (the speed check stays last: a timeout ends the part's later calls) --

def test_matches_autograd(student):
    """max_pool2d_backward matches torch autograd on random inputs (overlapping windows, gaps, padding, non-square)"""
    rng = np.random.default_rng(301)
    cases = FIXED_CASES + [random_case(rng) for _ in range(25)]
    for i, (shape, k, s, p) in enumerate(cases):
        x = rng.standard_normal(shape)
        note = ""
        if i % 4 == 3:                      # some all-negative inputs: padding must never win
            x = -1.0 - np.abs(x)
            note = "with all-negative x"
        dout = rng.standard_normal(forward(x, k, s, p).shape)
        call_and_compare(student, dout, x, k, s, p, note=note)


def test_overlapping_windows_add_up(student):
    """an input that is the maximum of several overlapping windows receives the sum of their gradients"""
    rng = np.random.default_rng(302)
    for shape, k, s, p in [((1, 1, 5, 5), 3, 1, 0), ((2, 2, 7, 7), 3, 2, 1),
                           ((1, 2, 6, 5), (3, 2), 1, (1, 0))]:
        x = rng.random(shape)
        x[..., shape[2] // 2, shape[3] // 2] = 2.0        # one big value in the middle
        dout = rng.random(forward(x, k, s, p).shape) + 0.5
        out = student.max_pool2d_backward(dout, x, k, stride=s, padding=p)
        expected = expected_grad(dout, x, k, s, p)
        try:
            expect_array(out, expected, what=describe(shape, k, dict(stride=s, padding=p),
                                                      note="with one large value in the middle"),
                         check_dtype=False)
        except CheckFailed as exc:
            raise CheckFailed(f"{exc} (where windows overlap, add the gradients up: `+=`, not `=`)") from None


def test_ties_go_to_first_maximum(student):
    """with tied maxima, each window's gradient goes only to its first maximum in row-major order, as torch does"""
    rng = np.random.default_rng(303)
    cases = [((1, 1, 4, 4), 2, 2, 0), ((2, 2, 6, 6), 3, 1, 1), ((1, 3, 7, 8), 3, 2, 1),
             ((2, 1, 6, 7), (2, 3), (1, 2), (1, 0)), ((1, 2, 5, 9), 2, 1, 0)]
    for shape, k, s, p in cases:
        x = rng.integers(0, 3, size=shape).astype(np.float64)   # many ties
        dout = rng.standard_normal(forward(x, k, s, p).shape)
        call_and_compare(student, dout, x, k, s, p, note="with many tied values (integers 0..2)")
    for shape, k, s, p, value in [((1, 1, 4, 4), 2, 2, 0, 1.0), ((1, 2, 5, 5), 3, 1, 1, 1.0),
                                  ((1, 1, 6, 6), 3, 2, 1, -2.0)]:
        x = np.full(shape, value)
        dout = rng.standard_normal(forward(x, k, s, p).shape)
        call_and_compare(student, dout, x, k, s, p, note=f"with x constant {value:g} everywhere")


def test_matches_numeric_gradient(student):
    """max_pool2d_backward agrees with a numerical (finite-difference) gradient"""
    rng = np.random.default_rng(304)
    for shape, k, s, p in [((1, 2, 5, 6), 3, 2, 1), ((2, 1, 6, 5), 2, 1, 0),
                           ((1, 1, 7, 6), (3, 2), (2, 3), (1, 1))]:
        # well separated values: the max of every window stays put under a small nudge
        x = rng.permutation(np.prod(shape)).reshape(shape) * 0.1 - 1.0
        dout = rng.standard_normal(forward(x, k, s, p).shape)
        call_and_compare(student, dout, x, k, s, p, rtol=1e-5, atol=1e-5,
                         expected=numeric_grad(dout, x, k, s, p))


def test_inputs_not_modified(student):
    """max_pool2d_backward does not change dout or x"""
    rng = np.random.default_rng(305)
    for shape, k, s, p in [((2, 3, 7, 6), 3, 2, 1), ((2, 2, 8, 8), 2, 2, 0),
                           ((1, 2, 6, 7), (3, 2), 1, (1, 1))]:
        x = rng.standard_normal(shape)
        dout = rng.standard_normal(forward(x, k, s, p).shape)
        result = student.call_full(FUNC, dout, x, k, stride=s, padding=p)
        what = describe(shape, k, dict(stride=s, padding=p))
        for name, before, after in (("dout", dout, result.args_after[0]), ("x", x, result.args_after[1])):
            changed = (not isinstance(after, np.ndarray) or after.shape != before.shape
                       or after.dtype != before.dtype or not np.array_equal(after, before))
            expect(not changed, f"{what} changed its input {name}: work on new arrays (or a copy), "
                                f"never write into {name}")


def test_speed_big_batch(student):
    """max_pool2d_backward is fast on a (32, 64, 56, 56) batch: use whole-array numpy operations, not a Python loop over every output"""
    rng = np.random.default_rng(306)
    x = rng.standard_normal(BIG_SHAPE, dtype=np.float32)
    dout = rng.standard_normal((32, 64, 28, 28), dtype=np.float32)
    what = describe(BIG_SHAPE, 3, dict(stride=2, padding=1), dtype=np.float32)
    # A warm-up call makes sure the answer's process is running, so that only the big call
    # is timed. Timed here around `call` rather than with call_full().seconds, which would
    # also count sending the 25 MB input back. The message leaves out the measured time so that
    # grading the same answer twice gives the same messages.
    try:
        student.call(FUNC, np.ones((1, 1, 2, 2)), rng.standard_normal((1, 1, 4, 4)), 2, stride=2, padding=0)
    except StudentError:
        raise
    except Exception:  # noqa: BLE001 - the small case is graded elsewhere; only speed counts here
        pass
    started = time.perf_counter()
    out = student.call(FUNC, dout, x, 3, stride=2, padding=1, timeout=HARD_TIMEOUT)
    seconds = time.perf_counter() - started
    expect(seconds <= TIME_LIMIT,
           f"{what} took more than {TIME_LIMIT:g} s: vectorize it, with numpy "
           "operations on whole arrays (slicing, sliding_window_view, ...) instead of a Python "
           "loop over every output position")
    expect_array(out, expected_grad(dout, x, 3, 2, 1), what=what, check_dtype=False)
