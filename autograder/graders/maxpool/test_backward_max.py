"""Hidden checks for `max_pool2d_backward` (part: backward_max).

Expected gradients come from torch autograd (CPU: ties go to the first maximum in
row-major order within each window) and, independently, from central differences.
"""
import numpy as np
import pytest

from autograder.graders.maxpool._cases import (
    BACKWARD_CASES, call_and_compare, check_inputs_not_modified, check_speed_big_batch, describe,
    expected_grad, numeric_grad, output_shape, random_case,
)
from autograder.harness.checks import CheckFailed, expect_array

FUNC = "max_pool2d_backward"
# Measured through the harness on one core: vectorized ~0.5 s, a loop over output
# positions (numpy inside) 0.4-1.0 s, a Python loop over every output ~11 s.
TIME_LIMIT = 2.5           # CPU seconds for the big case, see test_speed_big_batch


# -- checks (the speed check stays last: a timeout ends the part's later calls) --

def test_matches_autograd(student):
    """max_pool2d_backward matches torch autograd on random inputs (overlapping windows, gaps, padding, non-square)"""
    rng = np.random.default_rng(301)
    cases = BACKWARD_CASES + [random_case(rng, max_hw=10) for _ in range(25)]
    for i, (shape, k, s, p) in enumerate(cases):
        x = rng.standard_normal(shape)
        note = ""
        if i % 4 == 3:                      # some all-negative inputs: padding must never win
            x = -1.0 - np.abs(x)
            note = "with all-negative x"
        dout = rng.standard_normal(output_shape(shape, k, s, p))
        call_and_compare(student, FUNC, dout, x, k, s, p, note=note)


def test_overlapping_windows_add_up(student):
    """an input that is the maximum of several overlapping windows receives the sum of their gradients"""
    rng = np.random.default_rng(302)
    for shape, k, s, p in [((1, 1, 5, 5), 3, 1, 0), ((2, 2, 7, 7), 3, 2, 1),
                           ((1, 2, 6, 5), (3, 2), 1, (1, 0))]:
        x = rng.random(shape)
        x[..., shape[2] // 2, shape[3] // 2] = 2.0        # one big value in the middle
        dout = rng.random(output_shape(shape, k, s, p)) + 0.5
        out = student.max_pool2d_backward(dout, x, k, stride=s, padding=p)
        expected = expected_grad("max", dout, x, k, s, p)
        try:
            expect_array(out, expected, what=describe(FUNC, shape, k, dict(stride=s, padding=p),
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
        dout = rng.standard_normal(output_shape(shape, k, s, p))
        call_and_compare(student, FUNC, dout, x, k, s, p, note="with many tied values (integers 0..2)")
    for shape, k, s, p, value in [((1, 1, 4, 4), 2, 2, 0, 1.0), ((1, 2, 5, 5), 3, 1, 1, 1.0),
                                  ((1, 1, 6, 6), 3, 2, 1, -2.0)]:
        x = np.full(shape, value)
        dout = rng.standard_normal(output_shape(shape, k, s, p))
        call_and_compare(student, FUNC, dout, x, k, s, p, note=f"with x constant {value:g} everywhere")


def test_matches_numeric_gradient(student):
    """max_pool2d_backward agrees with a numerical (finite-difference) gradient"""
    rng = np.random.default_rng(304)
    for shape, k, s, p in [((1, 2, 5, 6), 3, 2, 1), ((2, 1, 6, 5), 2, 1, 0),
                           ((1, 1, 7, 6), (3, 2), (2, 3), (1, 1))]:
        # well separated values: the max of every window stays put under a small nudge
        x = rng.permutation(np.prod(shape)).reshape(shape) * 0.1 - 1.0
        dout = rng.standard_normal(output_shape(shape, k, s, p))
        call_and_compare(student, FUNC, dout, x, k, s, p, rtol=1e-5, atol=1e-5,
                         expected=numeric_grad("max", dout, x, k, s, p, eps=1e-4))


@pytest.mark.weight(0.5)
def test_inputs_not_modified(student):
    """max_pool2d_backward does not change dout or x"""
    check_inputs_not_modified(student, FUNC, 305)


def test_speed_big_batch(student):
    """max_pool2d_backward is fast on a (32, 64, 56, 56) batch: use whole-array numpy operations, not a Python loop over every output"""
    check_speed_big_batch(student, FUNC, 306, TIME_LIMIT)
