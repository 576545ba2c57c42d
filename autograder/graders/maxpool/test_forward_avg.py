"""Hidden checks for `avg_pool2d` (part: forward_avg).

Expected values come from torch.nn.functional.avg_pool2d with its defaults
(zero padding counted in the mean), computed in float64 on the trusted side.
"""
import numpy as np
import pytest

from autograder.graders.maxpool._cases import (
    check_float32_and_float64, check_inputs_not_modified, check_lecture_example, check_speed_big_batch,
    describe, expected_avg, random_case,
)
from autograder.harness.checks import CheckFailed, expect_array

FUNC = "avg_pool2d"
# Measured through the harness on one core: vectorized ~0.1-0.3 s, a loop over output
# positions or channels (numpy inside) 0.15-0.35 s, a Python loop over every output ~7 s.
TIME_LIMIT = 1.5           # CPU seconds for the big case, see test_speed_big_batch


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
    check_lecture_example(student, FUNC, [[[[3.5, 5.5], [11.5, 13.5]]]])


def test_matches_torch_without_padding(student):
    """avg_pool2d matches torch for many shapes, kernels and strides (no padding)"""
    rng = np.random.default_rng(201)
    cases = FIXED_CASES + [random_case(rng, padded=False) for _ in range(25)]
    for shape, k, s, p in cases:
        x = rng.standard_normal(shape)
        out = student.avg_pool2d(x, k, stride=s, padding=p)
        expect_array(out, expected_avg(x, k, s, p), what=describe(FUNC, shape, k, dict(stride=s, padding=p)))


def test_padding_counts_in_mean(student):
    """with padding, avg_pool2d pads with zeros and divides every window by the full kernel area, as torch does"""
    rng = np.random.default_rng(202)
    cases = PADDED_CASES + [c for c in (random_case(rng) for _ in range(60)) if c[3] not in (0, (0, 0))][:20]
    for shape, k, s, p in cases:
        x = rng.random(shape) + 1.0          # positive: zeros in the mean matter
        out = student.avg_pool2d(x, k, stride=s, padding=p)
        try:
            expect_array(out, expected_avg(x, k, s, p), what=describe(FUNC, shape, k, dict(stride=s, padding=p)))
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
        expect_array(out, expected, what=describe(FUNC, shape, k, kwargs))


def test_float32_and_float64(student):
    """avg_pool2d keeps the input's dtype (float32 and float64) and is correct for both"""
    check_float32_and_float64(student, FUNC, 204)


@pytest.mark.weight(0.5)
def test_input_not_modified(student):
    """avg_pool2d does not change its input array"""
    check_inputs_not_modified(student, FUNC, 205)


def test_speed_big_batch(student):
    """avg_pool2d is fast on a (32, 64, 56, 56) batch: use whole-array numpy operations, not a Python loop over every output"""
    check_speed_big_batch(student, FUNC, 206, TIME_LIMIT)
