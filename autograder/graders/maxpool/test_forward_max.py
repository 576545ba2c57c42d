"""Hidden checks for `max_pool2d` (part: forward_max).

Expected values come from torch.nn.functional.max_pool2d, computed here on the
trusted side; the student's code is only ever called through the `student` fixture.
"""
import numpy as np
import pytest

from autograder.graders.maxpool._cases import (
    check_float32_and_float64, check_inputs_not_modified, check_lecture_example, check_speed_big_batch,
    describe, expected_max, output_shape, random_case,
)
from autograder.harness.checks import expect, expect_array

FUNC = "max_pool2d"
# Measured through the harness on one core: vectorized ~0.1-0.2 s, a loop over output
# positions or channels (numpy inside) 0.3-0.55 s, a Python loop over every output 3.6-4.5 s.
TIME_LIMIT = 1.5           # CPU seconds for the big case, see test_speed_big_batch


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
    check_lecture_example(student, FUNC, [[[[6.0, 8.0], [14.0, 16.0]]]])


def test_matches_torch_on_many_cases(student):
    """max_pool2d matches torch for many shapes, kernels, strides and paddings"""
    rng = np.random.default_rng(101)
    cases = FIXED_CASES + [random_case(rng) for _ in range(30)]
    for shape, k, s, p in cases:
        x = rng.standard_normal(shape)
        out = student.max_pool2d(x, k, stride=s, padding=p)
        expect_array(out, expected_max(x, k, s, p), what=describe(FUNC, shape, k, dict(stride=s, padding=p)))


def test_output_shape(student):
    """max_pool2d's output has floor((H + 2p - k) / s) + 1 rows and floor((W + 2p - k) / s) + 1 columns, and the right values"""
    rng = np.random.default_rng(102)
    # most of these have (H + 2p - k) not divisible by s, so that rounding up is wrong
    cases = [((1, 1, 7, 7), 2, 2, 0), ((1, 2, 5, 8), 2, 4, 0), ((2, 1, 10, 6), 3, 2, 1),
             ((1, 1, 3, 9), 3, 1, 0), ((1, 1, 9, 4), (4, 2), (3, 3), (2, 1)),
             ((1, 1, 6, 13), (2, 5), (5, 2), (0, 2)), ((1, 1, 1, 8), (1, 3), (1, 4), 0)]
    cases += [random_case(rng, max_hw=16) for _ in range(25)]
    for shape, k, s, p in cases:
        x = rng.standard_normal(shape)
        out = student.max_pool2d(x, k, stride=s, padding=p)
        what = describe(FUNC, shape, k, dict(stride=s, padding=p))
        expected = output_shape(shape, k, s, p)
        if not isinstance(out, np.ndarray):
            expect_array(out, np.zeros(expected), what=what)      # reports the type it got
        expect(out.shape == expected, f"{what}: output shape {out.shape}, expected {expected}")
        expect_array(out, expected_max(x, k, s, p), what=what)


def test_float32_and_float64(student):
    """max_pool2d keeps the input's dtype (float32 and float64) and is correct for both"""
    check_float32_and_float64(student, FUNC, 103)


def test_padding_never_wins(student):
    """with padding, padded positions never win the max (all-negative input: pad with -inf, not 0)"""
    rng = np.random.default_rng(104)
    cases = [((1, 1, 4, 4), 2, 2, 1), ((2, 2, 5, 6), 3, 1, 1), ((1, 3, 7, 7), 3, 2, 1),
             ((2, 1, 6, 5), (4, 2), (2, 1), (2, 1)), ((1, 1, 5, 5), 5, 1, 2)]
    for shape, k, s, p in cases:
        x = -1.0 - rng.random(shape) * 10.0            # every value below -1
        out = student.max_pool2d(x, k, stride=s, padding=p)
        expect_array(out, expected_max(x, k, s, p),
                     what=describe(FUNC, shape, k, dict(stride=s, padding=p), note="with all-negative x"))


def test_default_stride_is_kernel_size(student):
    """max_pool2d with stride omitted or None uses stride = kernel_size"""
    rng = np.random.default_rng(105)
    for shape, k, kwargs in [((1, 2, 6, 6), 2, {}), ((2, 1, 9, 7), 3, {}),
                             ((1, 2, 8, 9), (2, 3), {"stride": None}),
                             ((2, 2, 7, 7), 3, {"stride": None, "padding": 1})]:
        x = rng.standard_normal(shape)
        out = student.max_pool2d(x, k, **kwargs)
        expect_array(out, expected_max(x, k, None, kwargs.get("padding", 0)),
                     what=describe(FUNC, shape, k, kwargs))


@pytest.mark.weight(0.5)
def test_input_not_modified(student):
    """max_pool2d does not change its input array"""
    check_inputs_not_modified(student, FUNC, 106)


def test_speed_big_batch(student):
    """max_pool2d is fast on a (32, 64, 56, 56) batch: use whole-array numpy operations, not a Python loop over every output"""
    check_speed_big_batch(student, FUNC, 107, TIME_LIMIT)
