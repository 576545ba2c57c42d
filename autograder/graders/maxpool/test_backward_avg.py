"""Hidden checks for `avg_pool2d_backward` (part: backward_avg).

Expected gradients come from torch autograd of avg_pool2d with its defaults
(zero padding counted in the mean) and, independently, from central differences.
"""
import numpy as np
import pytest

from autograder.graders.maxpool._cases import (
    BACKWARD_CASES, call_and_compare, check_inputs_not_modified, check_speed_big_batch,
    numeric_grad, output_shape, random_case,
)

FUNC = "avg_pool2d_backward"
# Measured through the harness on one core: vectorized ~0.3 s, a loop over output
# positions (numpy inside) 0.35-0.7 s, a Python loop over every output 5-6 s.
TIME_LIMIT = 2.5           # CPU seconds for the big case, see test_speed_big_batch


# -- checks (the speed check stays last: a timeout ends the part's later calls) --

def test_matches_autograd(student):
    """avg_pool2d_backward matches torch autograd on random inputs (overlapping windows, gaps, padding, non-square)"""
    rng = np.random.default_rng(401)
    cases = BACKWARD_CASES + [random_case(rng, max_hw=10) for _ in range(25)]
    for shape, k, s, p in cases:
        x = rng.standard_normal(shape)
        dout = rng.standard_normal(output_shape(shape, k, s, p))
        call_and_compare(student, FUNC, dout, x, k, s, p)


def test_padding_counts_in_mean(student):
    """with padding, each window passes dout / (kernel height * kernel width) to each of its real inputs"""
    rng = np.random.default_rng(402)
    for shape, k, s, p in [((1, 1, 4, 4), 2, 2, 1), ((1, 2, 5, 5), 3, 1, 1), ((2, 1, 7, 6), 3, 2, 1),
                           ((1, 2, 6, 9), (2, 4), (1, 2), (1, 2))]:
        x = rng.standard_normal(shape)
        dout = rng.random(output_shape(shape, k, s, p)) + 0.5
        call_and_compare(student, FUNC, dout, x, k, s, p,
                         hint="padded zeros count in the mean, so divide by the full kernel area")


def test_overlapping_windows_add_up(student):
    """an input inside several overlapping windows receives the sum of their gradients"""
    rng = np.random.default_rng(403)
    for shape, k, s, p in [((1, 1, 5, 5), 3, 1, 0), ((2, 2, 7, 7), 3, 2, 0), ((1, 2, 6, 5), (3, 2), 1, 0)]:
        x = rng.standard_normal(shape)
        dout = rng.random(output_shape(shape, k, s, p)) + 0.5
        call_and_compare(student, FUNC, dout, x, k, s, p,
                         hint="where windows overlap, add the gradients up: `+=`, not `=`")


def test_matches_numeric_gradient(student):
    """avg_pool2d_backward agrees with a numerical (finite-difference) gradient"""
    rng = np.random.default_rng(404)
    for shape, k, s, p in [((1, 2, 5, 6), 3, 2, 1), ((2, 1, 6, 5), 2, 1, 0),
                           ((1, 1, 7, 6), (3, 2), (2, 3), (1, 1))]:
        x = rng.standard_normal(shape)
        dout = rng.standard_normal(output_shape(shape, k, s, p))
        call_and_compare(student, FUNC, dout, x, k, s, p,
                         expected=numeric_grad("avg", dout, x, k, s, p, eps=1e-3))


@pytest.mark.weight(0.5)
def test_inputs_not_modified(student):
    """avg_pool2d_backward does not change dout or x"""
    check_inputs_not_modified(student, FUNC, 405)


def test_speed_big_batch(student):
    """avg_pool2d_backward is fast on a (32, 64, 56, 56) batch: use whole-array numpy operations, not a Python loop over every output"""
    check_speed_big_batch(student, FUNC, 406, TIME_LIMIT)
