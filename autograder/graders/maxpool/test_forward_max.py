"""Hidden checks for `max_pool2d` (part: forward_max).

Expected values come from torch.nn.functional.max_pool2d, computed here on the
trusted side; the student's code is only ever called through the `student` fixture.
"""
import time

import numpy as np
import torch
import torch.nn.functional as F

from autograder.harness.checks import expect, expect_array
from autograder.harness.student import StudentError

FUNC = "max_pool2d"
BIG_SHAPE = (32, 64, 56, 56)
# Measured through the harness on one core: vectorized ~0.1-0.2 s, a loop over output
# positions or channels (numpy inside) 0.3-0.55 s, a Python loop over every output 3.6-4.5 s.
TIME_LIMIT = 1.5           # seconds for the big case, see test_speed_big_batch
HARD_TIMEOUT = 20.0        # the call is stopped after this long


# -- helpers -------------------------------------------------------------------

def describe(shape, kernel_size, kwargs, *, dtype=np.float64, note=""):
    """The case as the student would write the call, e.g. for failure messages."""
    x = f"x of shape {tuple(shape)}"
    if np.dtype(dtype) != np.float64:
        x += f" and dtype {np.dtype(dtype).name}"
    args = [x, f"kernel_size={kernel_size!r}"] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{FUNC}({', '.join(args)})" + (f" {note}" if note else "")


def expected_max(x, kernel_size, stride=None, padding=0):
    out = F.max_pool2d(torch.from_numpy(x.copy()), kernel_size, stride=stride, padding=padding)
    return out.numpy()


def pair(rng, a, b):
    """An int when both are equal (usually), else an (h, w) tuple; python ints."""
    a, b = int(a), int(b)
    return a if a == b and rng.random() < 0.7 else (a, b)


def random_case(rng, max_hw=12):
    """(shape, kernel_size, stride, padding) for a valid random pooling call."""
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


# hand-picked cases: non-square kernels, overlapping windows (k > s), gapped windows
# (k < s), padding, odd sizes, H != W, N and C above 1
FIXED_CASES = [
    ((2, 3, 7, 5), (3, 2), (2, 1), (1, 0)),
    ((1, 2, 6, 6), 3, 1, 1),
    ((2, 1, 9, 7), 3, 2, 1),
    ((1, 3, 8, 10), 2, 3, 0),
    ((3, 2, 7, 11), (2, 4), (3, 1), (1, 2)),
    ((1, 1, 5, 5), 1, 2, 0),
    ((2, 2, 6, 3), (1, 3), (2, 1), (0, 1)),
    ((1, 2, 11, 4), (5, 2), (1, 3), (2, 1)),
    ((2, 3, 4, 9), 2, 1, 0),
]


# -- checks (the speed check stays last: a timeout ends the part's later calls) --

def test_lecture_example(student):
    """max_pool2d gives [[6, 8], [14, 16]] on the lecture's example (1..16 as 4x4, kernel 2, stride 2)"""
    x = np.arange(1, 17, dtype=np.float64).reshape(1, 1, 4, 4)
    out = student.max_pool2d(x, 2, stride=2)
    expect_array(out, np.array([[[[6.0, 8.0], [14.0, 16.0]]]]),
                 what="max_pool2d(x = 1..16 as a (1, 1, 4, 4) array, kernel_size=2, stride=2)")


def test_matches_torch_on_many_cases(student):
    """max_pool2d matches torch for many shapes, kernels, strides and paddings"""
    rng = np.random.default_rng(101)
    cases = FIXED_CASES + [random_case(rng) for _ in range(30)]
    for shape, k, s, p in cases:
        x = rng.standard_normal(shape)
        out = student.max_pool2d(x, k, stride=s, padding=p)
        expect_array(out, expected_max(x, k, s, p), what=describe(shape, k, dict(stride=s, padding=p)))


def test_output_shape(student):
    """max_pool2d's output has floor((H + 2p - k) / s) + 1 rows and floor((W + 2p - k) / s) + 1 columns"""
    rng = np.random.default_rng(102)
    # most of these have (H + 2p - k) not divisible by s, so that rounding up is wrong
    cases = [((1, 1, 7, 7), 2, 2, 0), ((1, 2, 5, 8), 2, 4, 0), ((2, 1, 10, 6), 3, 2, 1),
             ((1, 1, 3, 9), 3, 1, 0), ((1, 1, 9, 4), (4, 2), (3, 3), (2, 1)),
             ((1, 1, 6, 13), (2, 5), (5, 2), (0, 2)), ((1, 1, 1, 8), (1, 3), (1, 4), 0)]
    cases += [random_case(rng, max_hw=16) for _ in range(25)]
    for shape, k, s, p in cases:
        x = rng.standard_normal(shape)
        out = student.max_pool2d(x, k, stride=s, padding=p)
        what = describe(shape, k, dict(stride=s, padding=p))
        expected = expected_max(x, k, s, p).shape
        if not isinstance(out, np.ndarray):
            expect_array(out, np.zeros(expected), what=what)      # reports the type it got
        expect(out.shape == expected, f"{what}: output shape {out.shape}, expected {expected}")


def test_float32_and_float64(student):
    """max_pool2d keeps the input's dtype (float32 and float64) and is correct for both"""
    rng = np.random.default_rng(103)
    for dtype in (np.float32, np.float64):
        for shape, k, s, p in [((2, 3, 8, 7), 3, 2, 1), ((1, 2, 6, 9), (2, 3), (2, 2), (1, 0))]:
            x = rng.standard_normal(shape).astype(dtype)
            out = student.max_pool2d(x, k, stride=s, padding=p)
            expect_array(out, expected_max(x, k, s, p),
                         what=describe(shape, k, dict(stride=s, padding=p), dtype=dtype))


def test_padding_never_wins(student):
    """with padding, padded positions never win the max (all-negative input: pad with -inf, not 0)"""
    rng = np.random.default_rng(104)
    cases = [((1, 1, 4, 4), 2, 2, 1), ((2, 2, 5, 6), 3, 1, 1), ((1, 3, 7, 7), 3, 2, 1),
             ((2, 1, 6, 5), (4, 2), (2, 1), (2, 1)), ((1, 1, 5, 5), 5, 1, 2)]
    for shape, k, s, p in cases:
        x = -1.0 - rng.random(shape) * 10.0            # every value below -1
        out = student.max_pool2d(x, k, stride=s, padding=p)
        expect_array(out, expected_max(x, k, s, p),
                     what=describe(shape, k, dict(stride=s, padding=p), note="with all-negative x"))


def test_default_stride_is_kernel_size(student):
    """max_pool2d with stride omitted or None uses stride = kernel_size"""
    rng = np.random.default_rng(105)
    for shape, k, kwargs in [((1, 2, 6, 6), 2, {}), ((2, 1, 9, 7), 3, {}),
                             ((1, 2, 8, 9), (2, 3), {"stride": None}),
                             ((2, 2, 7, 7), 3, {"stride": None, "padding": 1})]:
        x = rng.standard_normal(shape)
        out = student.max_pool2d(x, k, **kwargs)
        expect_array(out, expected_max(x, k, None, kwargs.get("padding", 0)),
                     what=describe(shape, k, kwargs))


def test_input_not_modified(student):
    """max_pool2d does not change its input array"""
    rng = np.random.default_rng(106)
    for shape, k, s, p, dtype in [((2, 3, 7, 6), 3, 2, 1, np.float64), ((2, 2, 8, 8), 2, 2, 0, np.float32),
                                  ((1, 2, 6, 7), (3, 2), 1, (1, 1), np.float64)]:
        x = rng.standard_normal(shape).astype(dtype)
        result = student.call_full(FUNC, x, k, stride=s, padding=p)
        what = describe(shape, k, dict(stride=s, padding=p), dtype=dtype)
        after = result.args_after[0]
        changed = (not isinstance(after, np.ndarray) or after.shape != x.shape
                   or after.dtype != x.dtype or not np.array_equal(after, x))
        expect(not changed, f"{what} changed its input x: work on new arrays (or a copy), "
                            "never write into x")


def test_speed_big_batch(student):
    """max_pool2d is fast on a (32, 64, 56, 56) batch: use whole-array numpy operations, not a Python loop over every output"""
    rng = np.random.default_rng(107)
    x = rng.standard_normal(BIG_SHAPE, dtype=np.float32)
    what = describe(BIG_SHAPE, 3, dict(stride=2, padding=1), dtype=np.float32)
    # A warm-up call makes sure the answer's process is running, so that only the big call
    # is timed. Timed here around `call` rather than with call_full().seconds, which would
    # also count sending the 25 MB input back. The message leaves out the measured time so that
    # grading the same answer twice gives the same messages.
    try:
        student.call(FUNC, rng.standard_normal((1, 1, 4, 4)), 2, stride=2, padding=0)
    except StudentError:
        raise
    except Exception:  # noqa: BLE001 - the small case is graded elsewhere; only speed counts here
        pass
    started = time.perf_counter()
    out = student.call(FUNC, x, 3, stride=2, padding=1, timeout=HARD_TIMEOUT)
    seconds = time.perf_counter() - started
    expect(seconds <= TIME_LIMIT,
           f"{what} took more than {TIME_LIMIT:g} s: vectorize it, with numpy "
           "operations on whole arrays (slicing, sliding_window_view, ...) instead of a Python "
           "loop over every output position")
    expect_array(out, expected_max(x, 3, 2, 1), what=what)
