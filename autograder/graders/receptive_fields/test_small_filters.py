"""Hidden checks for `stacked_rf` and `stack_weights` (part: small_filters).

The lecture counts weights only: three 3x3 convolutions with 64 channels have
110,592 of them, one 7x7 convolution 200,704.
"""
import numpy as np
import pytest

from autograder.harness.checks import expect


def test_stacked_rf(student):
    """stacked_rf: n stacked k x k convolutions (stride 1) see n * (k - 1) + 1 pixels"""
    rng = np.random.default_rng(321)
    cases = [(3, 1), (3, 2), (3, 3), (5, 1), (7, 1), (1, 4)] + [
        (int(rng.integers(1, 12)), int(rng.integers(1, 20))) for _ in range(10)]
    for k, n in cases:
        got = student.stacked_rf(k, n)
        expect(got == n * (k - 1) + 1, f"stacked_rf({k}, {n}) = {got!r} is wrong")


@pytest.mark.needs("test_stack_weights")
def test_lecture_comparison(student):
    """stack_weights gives the lecture's counts: three 3x3 against one 7x7, 64 channels (weights only)"""
    for k, n in ((3, 3), (7, 1)):
        got = student.stack_weights(k, n, 64)
        expect(got == n * k * k * 64 * 64, f"stack_weights({k}, {n}, 64) = {got!r} is wrong")


def test_stack_weights(student):
    """stack_weights for other kernels, depths and channel counts (two 3x3 against one 5x5, ...)"""
    rng = np.random.default_rng(322)
    cases = [(3, 2, 64), (5, 1, 64), (3, 2, 1), (1, 1, 7)] + [
        (int(rng.integers(1, 8)), int(rng.integers(1, 6)), int(rng.integers(1, 600))) for _ in range(10)]
    for k, n, c in cases:
        got = student.stack_weights(k, n, c)
        expect(got == n * k * k * c * c, f"stack_weights({k}, {n}, {c}) = {got!r} is wrong")
