"""Hidden checks for `avg_pool2d` (part: forward_avg).

Expected values come from torch.nn.functional.avg_pool2d with its defaults
(zero padding counted in the mean), computed in float64 on the trusted side.
"""
import time

import numpy as np
import torch
import torch.nn.functional as F

from autograder.harness.checks import CheckFailed, expect, expect_array
from autograder.harness.student import StudentError

FUNC = "avg_pool2d"
BIG_SHAPE = (32, 64, 56, 56)
# Measured through the harness on one core: vectorized ~0.1-0.3 s, a loop over output
# positions or channels (numpy inside) 0.15-0.35 s, a Python loop over every output ~7 s.
TIME_LIMIT = 1.5           # seconds for the big case, see test_speed_big_batch
HARD_TIMEOUT = 20.0        # the call is stopped after this long


# -- helpers -------------------------------------------------------------------

def describe(shape, kernel_size, kwargs, *, dtype=np.float64, note=""):
    x = f"x of shape {tuple(shape)}"
    if np.dtype(dtype) != np.float64:
        x += f" and dtype {np.dtype(dtype).name}"
    args = [x, f"kernel_size={kernel_size!r}"] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{FUNC}({', '.join(args)})" + (f" {note}" if note else "")


def expected_avg(x, kernel_size, stride=None, padding=0):
    """torch's result, computed in float64 and returned in x's dtype."""
    t = torch.from_numpy(x.astype(np.float64))
    out = F.avg_pool2d(t, kernel_size, stride=stride, padding=padding)
    return out.numpy().astype(x.dtype)


def pair(rng, a, b):
    a, b = int(a), int(b)
    return a if a == b and rng.random() < 0.7 else (a, b)


def random_case(rng, max_hw=12, padded=True):
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


FIXED_CASES = [
    ((2, 3, 7, 5), (3, 2), (2, 1), 0),
    ((1, 2, 6, 6), 3, 1, 0),
    ((2, 1, 9, 7), 3, 2, 0),
    ((1, 3, 8, 10), 2, 3, 0),
    ((3, 2, 7, 11), (2, 4), (3, 1), 0),
    ((1, 1, 5, 5), 1, 2, 0),
    ((2, 2, 6, 3), (1, 3), (2, 1), 0),
    ((2, 3, 4, 9), 2, 1, 0),
]

PADDED_CASES = [
    ((1, 1, 4, 4), 2, 2, 1),
    ((2, 3, 7, 5), (3, 2), (2, 1), (1, 0)),
    ((1, 2, 6, 6), 3, 1, 1),
    ((2, 1, 9, 7), 3, 2, 1),
    ((3, 2, 7, 11), (2, 4), (3, 1), (1, 2)),
    ((1, 2, 11, 4), (5, 2), (1, 3), (2, 1)),
    ((1, 1, 5, 5), 5, 1, 2),
]


# -- checks (the speed check stays last: a timeout ends the part's later calls) --

def test_lecture_example(student):
    """avg_pool2d gives [[3.5, 5.5], [11.5, 13.5]] on the lecture's example (1..16 as 4x4, kernel 2, stride 2)"""
    x = np.arange(1, 17, dtype=np.float64).reshape(1, 1, 4, 4)
    out = student.avg_pool2d(x, 2, stride=2)
    expect_array(out, np.array([[[[3.5, 5.5], [11.5, 13.5]]]]),
                 what="avg_pool2d(x = 1..16 as a (1, 1, 4, 4) array, kernel_size=2, stride=2)")


def test_matches_torch_without_padding(student):
    """avg_pool2d matches torch for many shapes, kernels and strides (no padding)"""
    rng = np.random.default_rng(201)
    cases = FIXED_CASES + [random_case(rng, padded=False) for _ in range(25)]
    for shape, k, s, p in cases:
        x = rng.standard_normal(shape)
        out = student.avg_pool2d(x, k, stride=s, padding=p)
        expect_array(out, expected_avg(x, k, s, p), what=describe(shape, k, dict(stride=s, padding=p)))


def test_padding_counts_in_mean(student):
    """with padding, avg_pool2d pads with zeros and divides every window by the full kernel area, as torch does"""
    rng = np.random.default_rng(202)
    cases = PADDED_CASES + [c for c in (random_case(rng) for _ in range(60)) if c[3] not in (0, (0, 0))][:20]
    for shape, k, s, p in cases:
        x = rng.random(shape) + 1.0          # positive: zeros in the mean matter
        out = student.avg_pool2d(x, k, stride=s, padding=p)
        try:
            expect_array(out, expected_avg(x, k, s, p), what=describe(shape, k, dict(stride=s, padding=p)))
        except CheckFailed as exc:
            if isinstance(out, np.ndarray) and out.shape == expected_avg(x, k, s, p).shape:
                raise CheckFailed(f"{exc} (the padded zeros count: divide each window's sum "
                                  "by kernel height * kernel width)") from None
            raise


def test_output_shape_and_default_stride(student):
    """avg_pool2d's output size is floor((H + 2p - k) / s) + 1 by floor((W + 2p - k) / s) + 1, stride None meaning kernel_size"""
    rng = np.random.default_rng(203)
    cases = [((1, 1, 7, 7), 2, {"stride": 2}), ((1, 2, 5, 8), 2, {"stride": 4}),
             ((2, 1, 10, 6), 3, {"stride": 2, "padding": 1}),
             ((1, 1, 9, 4), (4, 2), {"stride": (3, 3), "padding": (2, 1)}),
             ((1, 1, 6, 13), (2, 5), {"stride": (5, 2), "padding": (0, 2)}),
             ((1, 2, 7, 9), 2, {}), ((2, 1, 8, 11), (3, 2), {"stride": None}),
             ((1, 1, 7, 5), 3, {"stride": None, "padding": 1})]
    for _ in range(20):
        shape, k, s, p = random_case(rng, max_hw=16)
        cases.append((shape, k, {"stride": s, "padding": p}))
    for shape, k, kwargs in cases:
        x = rng.standard_normal(shape)
        out = student.avg_pool2d(x, k, **kwargs)
        expected = expected_avg(x, k, kwargs.get("stride"), kwargs.get("padding", 0))
        expect_array(out, expected, what=describe(shape, k, kwargs))


def test_float32_and_float64(student):
    """avg_pool2d keeps the input's dtype (float32 and float64) and is correct for both"""
    rng = np.random.default_rng(204)
    for dtype in (np.float32, np.float64):
        for shape, k, s, p in [((2, 3, 8, 7), 3, 2, 1), ((1, 2, 6, 9), (2, 3), (2, 2), (1, 0))]:
            x = rng.standard_normal(shape).astype(dtype)
            out = student.avg_pool2d(x, k, stride=s, padding=p)
            expect_array(out, expected_avg(x, k, s, p),
                         what=describe(shape, k, dict(stride=s, padding=p), dtype=dtype))


def test_input_not_modified(student):
    """avg_pool2d does not change its input array"""
    rng = np.random.default_rng(205)
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
    """avg_pool2d is fast on a (32, 64, 56, 56) batch: use whole-array numpy operations, not a Python loop over every output"""
    rng = np.random.default_rng(206)
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
    expect_array(out, expected_avg(x, 3, 2, 1), what=what)
