"""Hidden checks for `receptive_field` (part: receptive_field).

Models are specs (plain data, `_specs.py`) built in the student's process by the
probe; the expected records are computed here, with sizes from a real forward pass.
"""
import re

import numpy as np
import pytest

from autograder.harness.checks import CheckFailed, expect

from . import _probes
from ._specs import (ALEXNET_FEATURES, LENET5_FEATURES, RELU, avgpool, big_enough, conv, describe,
                     expect_records, expected_records, layer, maxpool, random_stack, seq, vgg16_features)


def check(student, spec, size, *, as_list=False, fields=None, label=None):
    got = student.probe(_probes.rf, spec, size, as_list)
    what = f"receptive_field({label or describe(spec)}{' as a list' if as_list else ''}, {size!r})"
    expect_records(got, expected_records(spec, size), what, **({"fields": fields} if fields else {}))


@pytest.mark.needs("test_stride_and_padding")
def test_lenet5_features(student):
    """LeNet-5's feature stack on 32x32 (receptive fields 5, 6, 14, 16)"""
    check(student, LENET5_FEATURES, 32, label="LeNet-5 features")


@pytest.mark.needs("test_stride_and_padding")
def test_alexnet_features(student):
    """AlexNet's feature stack on 224x224 (receptive fields 11 to 195, jump 32 at the end)"""
    check(student, ALEXNET_FEATURES, 224, label="AlexNet features")


@pytest.mark.needs("test_stride_and_padding")
def test_vgg16_features(student):
    """VGG16's feature stack on 224x224 (3 at conv1_1, 212 at pool5)"""
    check(student, vgg16_features(), 224, label="VGG16 features")


def test_sizes_match_a_forward_pass(student):
    """`size` is the output height and width a forward pass gives, for many stacks and input sizes"""
    rng = np.random.default_rng(301)
    for _ in range(12):
        spec = random_stack(rng)
        check(student, spec, big_enough(spec, rng, lo=int(rng.integers(6, 30))), fields=("size",))


def test_dilation(student):
    """dilated convolutions and max pooling (dilation d spreads a kernel k over d * (k - 1) + 1 pixels)"""
    cases = [([conv(1, 2, 3, d=2), RELU, conv(2, 2, 3, d=4)], 32),
             ([conv(1, 2, 3, p=2, d=2), maxpool(2, 2, d=2), conv(2, 1, (3, 5), d=(3, 1))], (40, 36)),
             ([conv(1, 1, 1), conv(1, 1, 3, s=2, p=3, d=3), maxpool(3, 1, 1, d=2)], 25)]
    for spec, size in cases:
        check(student, spec, size)


def test_stride_and_padding(student):
    """strides and paddings: the jump multiplies, padding moves `start` (stride above and below the kernel)"""
    cases = [([conv(1, 2, 3, s=2, p=1), maxpool(3, 2, 1), conv(2, 2, 3, p=1)], 33),
             ([conv(1, 1, 2, s=3), avgpool(2, 4), conv(1, 1, 5, s=1, p=2)], 50),
             ([avgpool(3, 1, 1), conv(1, 3, 7, s=2, p=3), maxpool(2), conv(3, 1, 1, s=2)], 37),
             ([conv(1, 1, 4, s=2, p=1), conv(1, 1, 4, s=2, p=1), conv(1, 1, 4, s=2, p=1)], 64)]
    for spec, size in cases:
        check(student, spec, size)


def test_non_square(student):
    """non-square kernels, strides, paddings and inputs: height and width are kept apart"""
    cases = [([conv(1, 2, (1, 5)), conv(2, 2, (5, 1), s=(1, 2))], (20, 30)),
             ([conv(1, 1, (3, 7), s=(2, 1), p=(1, 3)), maxpool((2, 3), (2, 1), (1, 0)), conv(1, 1, 3, s=(1, 3))],
              (17, 41)),
             ([avgpool((4, 2), (3, 1), (2, 0)), conv(1, 1, (2, 3), d=(2, 1), p=(0, 1))], (23, 9))]
    for spec, size in cases:
        check(student, spec, size)


def test_pass_through_layers_are_skipped(student):
    """ReLU, Tanh, BatchNorm, Dropout, LocalResponseNorm and Identity get no record"""
    spec = [conv(1, 4, 3), layer("relu"), layer("bn", c=4), layer("drop"), conv(4, 4, 3, s=2),
            layer("tanh"), layer("lrn"), layer("drop2d"), maxpool(2), layer("identity"), layer("leaky"),
            conv(4, 2, 3)]
    check(student, spec, 30)


def test_nested_sequentials_and_names(student):
    """nested nn.Sequential stacks are walked in order, and records carry qualified names ("block1.conv")"""
    spec = seq(("stem", conv(1, 4, 5, s=2, p=2)),
               ("block1", seq(("conv", conv(4, 4, 3, p=1)), ("act", RELU), ("pool", maxpool(2)))),
               ("block2", [conv(4, 8, 3, p=1), RELU, [conv(8, 8, 3, d=2), RELU], avgpool(2)]),
               ("head", conv(8, 2, 1)))
    check(student, spec, 64)


def test_list_of_modules_and_input_sizes(student):
    """a list of modules works like an nn.Sequential; input_size is an int or an (h, w) pair"""
    spec = [conv(1, 2, 5, s=2), RELU, maxpool(3, 2), [conv(2, 2, 3, p=1), RELU], conv(2, 2, 3)]
    check(student, spec, 45, as_list=True)
    check(student, spec, (45, 61))
    check(student, spec, [61, 45])


def test_random_stacks(student):
    """random stacks of convolutions and pooling layers (all fields)"""
    rng = np.random.default_rng(302)
    for _ in range(20):
        spec = random_stack(rng)
        check(student, spec, big_enough(spec, rng, lo=int(rng.integers(6, 40))))


@pytest.mark.needs("test_stride_and_padding")
def test_unsupported_layer_raises_value_error(student):
    """a layer that changes the geometry in another way raises ValueError naming the layer"""
    cases = [(seq(("stem", conv(1, 2, 3)), ("up", seq(("act", RELU), ("grow", layer("upsample"))))), "up.grow"),
             (seq(("features", [conv(1, 2, 3), RELU]), ("pool", layer("adaptive")),
                  ("classifier", [layer("flatten"), layer("linear", **{"in": 2, "out": 3})])), "pool"),
             (seq(("a", conv(2, 2, 3)), ("b", layer("convT"))), "b")]
    for spec, name in cases:
        what = f"receptive_field({describe(spec)}, 16)"
        try:
            got = student.probe(_probes.rf, spec, 16, False)
        except ValueError as exc:
            expect(name in re.split(r"[\s'\"`:;,()\[\]]+", str(exc)),
                   f"{what} raised ValueError, but its message does not name the layer: {exc}")
            continue
        raise CheckFailed(f"{what}: expected ValueError naming the layer, "
                          + (f"got {len(got)} records" if isinstance(got, list) else "got no exception"))


@pytest.mark.needs("test_stride_and_padding")
def test_input_too_small_raises_value_error(student):
    """an input too small for a layer raises ValueError"""
    for spec, size in [([conv(1, 2, 5), maxpool(2), conv(2, 2, 5)], 12), ([conv(1, 1, 3, s=2)], (9, 2))]:
        with pytest.raises(ValueError):
            student.probe(_probes.rf, spec, size, False)
            raise CheckFailed(f"receptive_field({describe(spec)}, {size!r}): expected ValueError "
                              "(the input is too small), got no exception")
