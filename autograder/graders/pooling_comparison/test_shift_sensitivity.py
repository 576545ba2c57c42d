"""Hidden checks for `shift_sensitivity` (part: shift_sensitivity).

Known modules (built in the student's process by the probe) on constructed inputs:
constant images (zero), stripes (exactly 0 for max pooling, exactly 1 for
subsampling), and random batches whose samples have different scales, compared
with the reference's value.
"""
import math

import numpy as np
import pytest

from autograder.harness.checks import CheckFailed, expect

from . import _probes
from .reference import run_reference


def batch(shape, seed, scales=None):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    if scales is not None:
        x *= np.asarray(scales, dtype=np.float32).reshape(-1, 1, 1, 1)
    return x


def stripes(height=8, width=16, n=2):
    x = np.zeros((n, 1, height, width), dtype=np.float32)
    x[..., ::2] = 1.0                       # columns 0, 2, 4, ... are 1, the others 0
    return x


def value(student, spec, x, shift):
    got = student.probe(_probes.sensitivity, spec, x, shift, timeout=60)
    v = got["value"]
    if not isinstance(v, float):
        raise CheckFailed(f"shift_sensitivity must return a number, got {v}")
    return v, got


def close_to_reference(student, spec, x, shift, what):
    v, _ = value(student, spec, x, shift)
    want = run_reference(_probes.sensitivity, spec, x, shift)["value"]
    shown = "" if shift is None else f", shift={shift}"
    expect(math.isclose(v, want, rel_tol=1e-4, abs_tol=1e-6),
           f"shift_sensitivity({what}{shown}) = {v:.6g} is not the expected value")


@pytest.mark.needs("test_identity_exact")
def test_constant_image_is_zero(student):
    """zero for a constant image (any module: shifting it changes nothing)"""
    x = np.full((3, 2, 8, 10), 0.7, dtype=np.float32)
    for spec in ("max", "avg", "subsample", "identity"):
        v, _ = value(student, spec, x, 1)
        expect(abs(v) < 1e-6, f"shift_sensitivity of a {spec} module on a constant image is {v:.6g}, not 0")


@pytest.mark.needs("test_identity_exact")
def test_global_average_is_shift_invariant(student):
    """zero (up to rounding) for global average pooling, which a circular shift cannot change"""
    v, _ = value(student, "gap", batch((4, 3, 8, 8), 1), 3)
    expect(abs(v) < 1e-5, f"shift_sensitivity of global average pooling is {v:.6g}, not 0")


@pytest.mark.needs("test_identity_exact")
def test_stripes(student):
    """on vertical stripes one pixel wide: 0 for 2x2 max pooling, exactly 1 for subsampling"""
    v, _ = value(student, "max", stripes(), 1)
    expect(abs(v) < 1e-6, f"shift_sensitivity of max pooling on stripes, shift 1, is {v:.6g}, not 0")
    v, _ = value(student, "subsample", stripes(), 1)
    expect(abs(v - 1) < 1e-6, f"shift_sensitivity of subsampling on stripes, shift 1, is {v:.6g}, not 1")


def test_identity_exact(student):
    """the exact value for the identity on random images, shifts 1, 2 and 5"""
    x = batch((3, 2, 6, 9), 2, scales=(1.0, 4.0, 0.25))
    for shift in (1, 2, 5):
        close_to_reference(student, "identity", x, shift, "identity, random (3, 2, 6, 9) input")


def test_subsample_exact(student):
    """the exact value for subsampling on random images whose samples differ in scale"""
    x = batch((4, 3, 8, 8), 3, scales=(1.0, 10.0, 0.1, 3.0))
    for shift in (1, 3):
        close_to_reference(student, "subsample", x, shift, "subsampling, random (4, 3, 8, 8) input")


def test_conv_exact(student):
    """the exact value for a strided convolution with known weights (the shift is along the width)"""
    x = batch((5, 2, 9, 12), 4, scales=(1.0, 2.0, 0.5, 5.0, 1.5))
    x[:, :, :, :4] *= 3.0                    # not symmetric: height and width are told apart
    close_to_reference(student, "conv", x, 1, "a stride-2 convolution, random (5, 2, 9, 12) input")
    close_to_reference(student, "conv", x, 2, "a stride-2 convolution, random (5, 2, 9, 12) input")


@pytest.mark.needs("test_identity_exact")
def test_default_shift_is_one(student):
    """shift defaults to 1 pixel"""
    x = batch((2, 1, 8, 8), 5, scales=(1.0, 3.0))
    close_to_reference(student, "subsample", x, None, "subsampling, random (2, 1, 8, 8) input, shift not given")


@pytest.mark.needs("test_identity_exact")
def test_returns_float_and_leaves_input(student):
    """returns a Python float and leaves the input unchanged"""
    v, got = value(student, "max", batch((2, 1, 8, 8), 6), 1)
    expect(got["python_float"], "shift_sensitivity must return a Python float (use .item() or float())")
    expect(got["input_unchanged"], "shift_sensitivity changed its input x")
