"""Hidden checks for `normalize_maps` (part: normalize).

Inputs are stacks of channels with very different ranges and offsets; the
expected result is computed here in float64.
"""
import numpy as np
import pytest

from autograder.harness.checks import expect, expect_array
from autograder.harness.results import NOT_WRITTEN

from . import _probes
from ._cases import channel_stack, normalized


def run(student, maps, what):
    got = student.probe(_probes.normalize, maps)
    expect(got["type"] == "Tensor", f"{what} returned a {got['type']}, expected a torch tensor")
    expect(tuple(got["shape"]) == maps.shape, f"{what}: output shape {tuple(got['shape'])}, expected {maps.shape}")
    return got


def check(student, maps, what):
    got = run(student, maps, what)
    values = got["values"]
    expect(not np.isnan(values).any(), f"{what}: the output has NaN (a constant channel must become zeros)")
    expect_array(values, normalized(maps), what=what, rtol=1e-5, atol=1e-6, check_dtype=False)
    return got


def test_each_channel_on_its_own(student):
    """(C, H, W): each channel is scaled to [0, 1] with its own minimum and maximum"""
    rng = np.random.default_rng(40)
    for c, h, w in ((3, 5, 5), (8, 7, 4), (1, 6, 9)):
        check(student, channel_stack(rng, c, h, w), f"normalize_maps(a ({c}, {h}, {w}) tensor)")


def test_batches_each_sample_and_channel_on_its_own(student):
    """(N, C, H, W): each channel of each sample is scaled with its own minimum and maximum"""
    rng = np.random.default_rng(41)
    for n, c in ((2, 3), (4, 6)):
        maps = np.stack([channel_stack(rng, c, 6, 5) for _ in range(n)])
        check(student, maps, f"normalize_maps(a ({n}, {c}, 6, 5) tensor)")


def test_range_is_exactly_0_to_1(student):
    """every channel that is not constant has minimum 0 and maximum 1"""
    rng = np.random.default_rng(42)
    maps = channel_stack(rng, 12, 8, 8)
    got = check(student, maps, "normalize_maps(a (12, 8, 8) tensor)")
    lows, highs = got["values"].min(axis=(1, 2)), got["values"].max(axis=(1, 2))
    expect(np.allclose(lows, 0, atol=1e-6) and np.allclose(highs, 1, atol=1e-6),
           "normalize_maps(a (12, 8, 8) tensor): some channels do not span exactly [0, 1]")


def test_constant_channel_becomes_zeros(student):
    """a constant channel (zeros, a positive or a negative constant) becomes zeros, never NaN"""
    rng = np.random.default_rng(43)
    for value in (0.0, 4.5, -3.0):
        maps = channel_stack(rng, 4, 5, 5)
        maps[2] = value
        check(student, maps, f"normalize_maps(a (4, 5, 5) tensor whose channel 2 is constant {value})")
    maps = np.stack([channel_stack(rng, 3, 4, 4), np.full((3, 4, 4), 7.0, dtype=np.float32)])
    check(student, maps, "normalize_maps(a (2, 3, 4, 4) tensor whose second sample is constant)")
    check(student, np.zeros((2, 3, 3), dtype=np.float32), "normalize_maps(zeros of shape (2, 3, 3))")


def test_tiny_and_huge_ranges(student):
    """channels spanning 1e-3 or 1e5 are scaled exactly as well (no epsilon in the division)"""
    rng = np.random.default_rng(44)
    maps = rng.standard_normal((4, 6, 6))
    maps *= np.array([1e-3, 1.0, 1e5, 2e-3])[:, None, None]
    maps += np.array([1.0, -2.0, 3e5, 0.0])[:, None, None]
    check(student, maps.astype(np.float64), "normalize_maps(a float64 tensor with tiny and huge ranges)")


def test_dtype_kept_and_input_unchanged(student):
    """float32 stays float32, float64 stays float64, and the input tensor is left unchanged"""
    rng = np.random.default_rng(45)
    for dtype in (np.float32, np.float64):
        maps = channel_stack(rng, 3, 4, 4).astype(dtype)
        what = f"normalize_maps(a {np.dtype(dtype).name} tensor)"
        got = check(student, maps, what)
        expect(got["dtype"] == np.dtype(dtype).name, f"{what} returned {got['dtype']}, expected the input's dtype")
        expect(got["input_same"], f"{what} changed its input (work on a copy)")


@pytest.mark.needs("test_each_channel_on_its_own")
def test_other_shapes_raise_value_error(student):
    """a tensor that is not (C, H, W) or (N, C, H, W) raises ValueError"""
    for shape in ((5, 5), (1, 2, 3, 4, 5)):
        got = student.probe(_probes.normalize_raises, np.ones(shape, dtype=np.float32))
        expect(got != "NotImplementedError", NOT_WRITTEN)
        expect(got == "ValueError", f"normalize_maps(a tensor of shape {shape}): "
                                    + ("no error" if got is None else f"raised {got}") + ", expected ValueError")
