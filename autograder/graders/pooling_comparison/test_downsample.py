"""Hidden checks for `make_downsample` (part: downsample).

Each kind's module runs in the student's process on inputs made here (odd sizes
included, negative values included); a learned module's weights are first set to
the same deterministic values as the reference's, then outputs are compared here.
"""
import numpy as np
import pytest

from autograder.harness.checks import CheckFailed, expect, expect_array

from . import _probes
from .reference import run_reference

SHAPES = [(2, 3, 8, 8), (1, 2, 7, 9), (2, 4, 5, 6), (1, 1, 3, 3), (3, 5, 12, 10)]
LECTURE = np.arange(1, 17, dtype=np.float32).reshape(1, 1, 4, 4)


def inputs(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def run(student, kind, x, fill=False):
    got = student.probe(_probes.downsample, kind, x.shape[1], x, fill, timeout=60)
    expect(got["module"], f"make_downsample({kind!r}, {x.shape[1]}) must return an nn.Module, "
                          f"got {got.get('type')}")
    return got


def compare_kind(student, kind, *, fill=False):
    for i, shape in enumerate(SHAPES):
        x = inputs(shape, i)
        got = run(student, kind, x, fill)
        want = run_reference(_probes.downsample, kind, shape[1], x, fill)
        if got["out"] is None:
            raise CheckFailed(f"make_downsample({kind!r}, {shape[1]}): the module did not return a tensor")
        expect_array(got["out"], want["out"], what=f"make_downsample({kind!r}, {shape[1]}) on input {shape}",
                     rtol=1e-4, atol=1e-5)


@pytest.mark.needs("test_max", "test_avg")
def test_lecture_example(student):
    """the lecture's 4x4 example: max pooling gives [[6, 8], [14, 16]], average pooling [[3.5, 5.5], [11.5, 13.5]]"""
    for kind in ("max", "avg"):
        got = run(student, kind, LECTURE)
        expect_array(got["out"], run_reference(_probes.downsample, kind, 1, LECTURE, False)["out"],
                     what=f"make_downsample({kind!r}, 1) on the lecture's 4x4 input")


def test_max(student):
    """"max": 2x2 max pooling, stride 2 (odd sizes included)"""
    compare_kind(student, "max")


def test_avg(student):
    """"avg": 2x2 average pooling, stride 2 (odd sizes included)"""
    compare_kind(student, "avg")


def test_lp(student):
    """"lp": 2x2 power-average pooling with p = 2, stride 2 (odd sizes included)"""
    compare_kind(student, "lp")


def test_stride_conv(student):
    """"stride_conv": 3x3 convolution, stride 2, padding 1, channels to channels, with bias (odd sizes included)"""
    compare_kind(student, "stride_conv", fill=True)


def test_subsample(student):
    """"subsample": keeps rows and columns 0, 2, 4, ... (odd sizes included)"""
    compare_kind(student, "subsample")


@pytest.mark.needs("test_stride_conv")
def test_parameter_counts(student):
    """only "stride_conv" has parameters: channels x channels x 3 x 3 weights plus channels biases, all trainable"""
    x = inputs((1, 6, 8, 8), 7)
    for kind in ("max", "avg", "lp", "stride_conv", "subsample"):
        got = run(student, kind, x)
        want = run_reference(_probes.downsample, kind, 6, x, False)
        expect(got["params"] == want["params"], f"make_downsample({kind!r}, 6) has {got['params']} parameters")
        expect(all(got["trainable"]), f"make_downsample({kind!r}, 6): its parameters must be trainable")


@pytest.mark.needs("test_stride_conv")
def test_new_module_each_call(student):
    """each call returns a new module (two stride convolutions never share weights)"""
    for kind in ("stride_conv", "max"):
        got = student.probe(_probes.downsample_twice, kind, 4)
        expect(not got["shared_parameters"] and (kind != "stride_conv" or not got["same_object"]),
               f"make_downsample({kind!r}, 4) called twice returned modules that share weights")


@pytest.mark.needs("test_max")
def test_unknown_kind(student):
    """any other kind raises ValueError naming the valid kinds"""
    for kind in ("median", "Max", "stride-conv", ""):
        got = student.probe(_probes.downsample_error, kind)
        expect(got["raised"] == "ValueError",
               f"make_downsample({kind!r}, 4) must raise ValueError, "
               + (f"it raised {got['raised']}" if got["raised"] else "it raised nothing"))
        missing = [k for k in ("max", "avg", "lp", "stride_conv", "subsample") if k not in got["message"]]
        expect(not missing, f"make_downsample({kind!r}, 4): the ValueError's message should list the valid "
                            f"kinds; it does not mention {', '.join(missing)}")
