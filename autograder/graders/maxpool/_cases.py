"""Helpers shared by the maxpool graders (not a graded part: its name has no test_ prefix).

Case generation, case descriptions for failure messages, torch reference results
(computed here on the trusted side), and the checks that every pooling function gets
in the same form: lecture example, float32 and float64, inputs not modified, speed.
Functions are named by the student's function name, e.g. "avg_pool2d_backward";
`kind` is "max" or "avg".
"""
import time

import numpy as np
import torch
import torch.nn.functional as F

from autograder.harness.checks import CheckFailed, expect, expect_array
from autograder.harness.student import StudentError

BIG_SHAPE = (32, 64, 56, 56)
BIG_OUT_SHAPE = (32, 64, 28, 28)   # its output with kernel 3, stride 2, padding 1
HARD_TIMEOUT = 20.0                # the big call is stopped after this long

LECTURE_X = np.arange(1, 17, dtype=np.float64).reshape(1, 1, 4, 4)
LECTURE_WHAT = "x = 1..16 as a (1, 1, 4, 4) array, kernel_size=2, stride=2"
# The lecture's numbers in another order (no longer a ramp, on which any two opposite corners average to the
# window's mean): an answer that returns the lecture's result whatever x is, or reads one corner, fails here.
SHUFFLED_X = np.array([[[[7, 12, 1, 14], [2, 16, 11, 5], [13, 3, 8, 10], [9, 6, 15, 4]]]], dtype=np.float64)
SHUFFLED_WHAT = "x = [[7, 12, 1, 14], [2, 16, 11, 5], [13, 3, 8, 10], [9, 6, 15, 4]], kernel_size=2, stride=2"

_POOLS = {"max": F.max_pool2d, "avg": F.avg_pool2d}


def is_backward(func):
    return func.endswith("_backward")


# -- descriptions ----------------------------------------------------------------

def describe(func, shape, kernel_size, kwargs, *, dtype=np.float64, note=""):
    """The case as the student would write the call, e.g. for failure messages."""
    x = f"x of shape {tuple(shape)}"
    if np.dtype(dtype) != np.float64:
        x += f" and dtype {np.dtype(dtype).name}"
    args = (["dout"] if is_backward(func) else []) + [x, f"kernel_size={kernel_size!r}"]
    args += [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{func}({', '.join(args)})" + (f" {note}" if note else "")


# -- cases -----------------------------------------------------------------------

def pair(rng, a, b):
    """An int when both are equal (usually), else an (h, w) tuple; python ints."""
    a, b = int(a), int(b)
    return a if a == b and rng.random() < 0.7 else (a, b)


def random_case(rng, max_hw=12, padded=True):
    """(shape, kernel_size, stride, padding) for a valid random pooling call."""
    kh, kw = (int(v) for v in rng.integers(1, 5, size=2))
    if rng.random() < 0.4:
        kw = kh
    sh, sw = (int(v) for v in rng.integers(1, 5, size=2))
    if rng.random() < 0.4:
        sw = sh
    ph, pw = int(rng.integers(0, kh // 2 + 1)), int(rng.integers(0, kw // 2 + 1))
    if not padded:
        ph = pw = 0
    H = int(rng.integers(max(1, kh - 2 * ph), max_hw + 1))
    W = int(rng.integers(max(1, kw - 2 * pw), max_hw + 1))
    N, C = (int(v) for v in rng.integers(1, 4, size=2))
    return (N, C, H, W), pair(rng, kh, kw), pair(rng, sh, sw), pair(rng, ph, pw)


# hand-picked cases for both backward functions
BACKWARD_CASES = [
    ((2, 3, 7, 7), 3, 1, 0),            # overlapping, k3 s1
    ((2, 2, 9, 8), 3, 2, 1),            # overlapping, k3 s2, padding
    ((1, 2, 6, 6), 3, 1, 1),
    ((2, 3, 7, 5), (3, 2), (2, 1), (1, 0)),
    ((1, 3, 8, 10), 2, 3, 0),           # gapped windows: some inputs get no gradient
    ((3, 2, 7, 11), (2, 4), (3, 1), (1, 2)),
    ((1, 2, 11, 4), (5, 2), (1, 3), (2, 1)),
    ((2, 2, 4, 6), 2, 2, 0),
]


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def output_shape(x_shape, kernel_size, stride=None, padding=0):
    """The forward output's shape for valid arguments (stride None meaning kernel_size)."""
    (kh, kw), (ph, pw) = _pair(kernel_size), _pair(padding)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    N, C, H, W = x_shape
    return (N, C, (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1)


# -- torch references ------------------------------------------------------------
# max pooling is computed in x's dtype; average pooling in float64 (the forward result
# is returned in x's dtype, gradients stay float64).

def _tensor(kind, x):
    return torch.from_numpy(x.astype(np.float64) if kind == "avg" else x.copy())


def expected_pool(kind, x, kernel_size, stride=None, padding=0):
    """torch's max_pool2d or avg_pool2d (with its defaults) of x, in x's dtype."""
    out = _POOLS[kind](_tensor(kind, x), kernel_size, stride=stride, padding=padding).numpy()
    return out.astype(x.dtype) if kind == "avg" else out


def expected_max(x, kernel_size, stride=None, padding=0):
    return expected_pool("max", x, kernel_size, stride, padding)


def expected_avg(x, kernel_size, stride=None, padding=0):
    """torch's result, computed in float64 and returned in x's dtype."""
    return expected_pool("avg", x, kernel_size, stride, padding)


def expected_grad(kind, dout, x, kernel_size, stride=None, padding=0):
    """torch autograd's gradient of sum(dout * pool(x)) with respect to x."""
    xt = _tensor(kind, x).requires_grad_(True)
    out = _POOLS[kind](xt, kernel_size, stride=stride, padding=padding)
    out.backward(torch.from_numpy(dout.astype(np.float64 if kind == "avg" else x.dtype)))
    return xt.grad.numpy()


def numeric_grad(kind, dout, x, kernel_size, stride=None, padding=0, *, eps):
    """Central differences of sum(dout * pool(x)), all perturbations in one batch."""
    n = x.size
    shifts = np.eye(n).reshape((n,) + x.shape) * eps                    # (n, N, C, H, W)
    batch = np.concatenate([x[None] + shifts, x[None] - shifts]).reshape((-1,) + x.shape[1:])
    out = _POOLS[kind](torch.from_numpy(batch), kernel_size, stride=stride, padding=padding).numpy()
    out = out.reshape((2, n) + dout.shape)
    f = (out * dout).reshape(2, n, -1).sum(axis=2)
    return ((f[0] - f[1]) / (2 * eps)).reshape(x.shape)


def expected_result(func, *args):
    """The reference result of `func` ("max_pool2d", ..., "avg_pool2d_backward") on args."""
    kind = func[:3]
    return expected_grad(kind, *args) if is_backward(func) else expected_pool(kind, *args)


# -- checks shared by several parts ------------------------------------------------

def call_and_compare(student, func, dout, x, k, s, p, *, note="", expected=None, hint="",
                     rtol=1e-5, atol=1e-6):
    """Calls a backward function and compares with autograd (or `expected`); `hint` is
    added to the message when the output has the right shape but wrong values."""
    out = student.call(func, dout, x, k, stride=s, padding=p)
    if expected is None:
        expected = expected_result(func, dout, x, k, s, p)
    try:
        what = describe(func, x.shape, k, dict(stride=s, padding=p), dtype=x.dtype, note=note)
        expect_array(out, expected, what=what, rtol=rtol, atol=atol, check_dtype=False)
    except CheckFailed as exc:
        if hint and isinstance(out, np.ndarray) and out.shape == expected.shape:
            raise CheckFailed(f"{exc} ({hint})") from None
        raise


def check_lecture_example(student, func, expected):
    """The lecture's example gives `expected`, and the same numbers in another order give what torch gives."""
    out = student.call(func, LECTURE_X.copy(), 2, stride=2)
    expect_array(out, np.array(expected), what=f"{func}({LECTURE_WHAT})")
    out = student.call(func, SHUFFLED_X.copy(), 2, stride=2)
    expect_array(out, expected_result(func, SHUFFLED_X, 2, 2), what=f"{func}({SHUFFLED_WHAT})")


def check_float32_and_float64(student, func, seed):
    rng = np.random.default_rng(seed)
    for dtype in (np.float32, np.float64):
        for shape, k, s, p in [((2, 3, 8, 7), 3, 2, 1), ((1, 2, 6, 9), (2, 3), (2, 2), (1, 0))]:
            x = rng.standard_normal(shape).astype(dtype)
            out = student.call(func, x, k, stride=s, padding=p)
            expect_array(out, expected_result(func, x, k, s, p),
                         what=describe(func, shape, k, dict(stride=s, padding=p), dtype=dtype))


def check_inputs_not_modified(student, func, seed):
    """The array arguments (x; dout and x for backward) are the same after the call, and its result is right
    (a hygiene check: leaving the input alone earns nothing for a function that computes nothing)."""
    rng = np.random.default_rng(seed)
    for shape, k, s, p, dtype in [((2, 3, 7, 6), 3, 2, 1, np.float64), ((2, 2, 8, 8), 2, 2, 0, np.float32),
                                  ((1, 2, 6, 7), (3, 2), 1, (1, 1), np.float64)]:
        if is_backward(func):
            dtype = np.float64                       # the backward functions are checked in float64
        x = rng.standard_normal(shape).astype(dtype)
        if is_backward(func):
            args, names = (rng.standard_normal(output_shape(shape, k, s, p)), x), ("dout", "x")
        else:
            args, names = (x,), ("x",)
        result = student.call_full(func, *args, k, stride=s, padding=p)
        what = describe(func, shape, k, dict(stride=s, padding=p), dtype=dtype)
        for name, before, after in zip(names, args, result.args_after):
            changed = (not isinstance(after, np.ndarray) or after.shape != before.shape
                       or after.dtype != before.dtype or not np.array_equal(after, before))
            expect(not changed, f"{what} changed its input {name}: work on new arrays (or a copy), "
                                f"never write into {name}")
        try:
            expect_array(result.value, expected_result(func, *args, k, s, p), what=what,
                         check_dtype=not is_backward(func))
        except CheckFailed as exc:
            raise CheckFailed(f"{exc} (this check counts only when the result is right too)") from None


# CPU seconds the trusted expected_result takes on the big case, measured on the 2-core
# grading machine. Speed is judged on the CPU time the kernel counts to the answer's processes
# for the call, which other gradings sharing the cores do not inflate as they do wall time; the
# limit still grows by how much slower this machine computes the same case than that one did.
# A Python loop over every output (20-70x slower) fails either way.
BASELINE_CPU_SECONDS = {"max_pool2d": 0.15, "avg_pool2d": 0.11, "max_pool2d_backward": 1.2,
                        "avg_pool2d_backward": 0.18}


def check_speed_big_batch(student, func, seed, time_limit):
    """The big case (kernel 3, stride 2, padding 1 on BIG_SHAPE, float32) within time_limit seconds."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(BIG_SHAPE, dtype=np.float32)
    if is_backward(func):
        args = (rng.standard_normal(BIG_OUT_SHAPE, dtype=np.float32), x)
        small = (np.ones((1, 1, 2, 2)), rng.standard_normal((1, 1, 4, 4)))
    else:
        args, small = (x,), (rng.standard_normal((1, 1, 4, 4)),)
    what = describe(func, BIG_SHAPE, 3, dict(stride=2, padding=1), dtype=np.float32)
    # A warm-up call makes sure the answer's process is running, so that only the big call
    # is measured. Measured around `call` rather than `call_full`, which would also count
    # encoding the 25 MB input back. The message leaves out the measured time so that
    # grading the same answer twice gives the same messages.
    try:
        student.call(func, *small, 2, stride=2, padding=0)
    except StudentError:
        raise
    except Exception:  # noqa: BLE001 - the small case is graded elsewhere; only speed counts here
        pass
    used_before = student.cpu_seconds()
    out = student.call(func, *args, 3, stride=2, padding=1, timeout=HARD_TIMEOUT)
    seconds = student.cpu_seconds() - used_before
    # after the answer's call, not before: an answer that raises (a stub) costs no reference computation
    started = time.process_time()
    expected = expected_result(func, *args, 3, 2, 1)
    slowdown = max(1.0, (time.process_time() - started) / BASELINE_CPU_SECONDS[func])
    expect(seconds <= time_limit * slowdown,
           f"{what} used more than {time_limit:g} s of CPU time: vectorize it, with numpy "
           "operations on whole arrays (slicing, sliding_window_view, ...) instead of a Python "
           "loop over every output position")
    expect_array(out, expected, what=what, check_dtype=not is_backward(func))
