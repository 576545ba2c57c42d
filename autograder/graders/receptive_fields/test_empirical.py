"""Hidden checks for `empirical_receptive_field` (part: empirical).

Expected values are the formula's (`_specs.expected_records`, trusted), only for
stacks whose centre unit's field lies inside the input, where the two must agree.
Some models have weights chosen to fool a measurement that backpropagates
through the model as it is: cancelling or zero edge weights, dead ReLUs, a zeroed
BatchNorm, max pooling's one-element gradient.
"""
import numpy as np
import pytest

from autograder.harness.checks import expect

from . import _probes
from ._specs import (ALEXNET_FEATURES, RELU, avgpool, big_enough, centre_field_inside, conv, describe, layer,
                     maxpool, random_stack, vgg16_features)

TIMEOUT = 30.0


def check(student, spec, size, label=None, note=""):
    rec = centre_field_inside(spec, size)
    if rec is None:
        raise RuntimeError(f"grader bug: the centre field is not inside for {describe(spec)} at {size}")
    got = student.probe(_probes.empirical, spec, size, timeout=TIMEOUT)
    what = f"empirical_receptive_field({label or describe(spec)}, {size!r}){note}"
    expect(isinstance(got, tuple) and len(got) == 2, f"{what}: expected an (h, w) pair, got {got!r}")
    shown = tuple(int(v) if float(v).is_integer() else v for v in got)
    expect(np.allclose(got, rec["rf"], rtol=0, atol=1e-9),
           f"{what} = {shown}: does not agree with the receptive field the formula gives")


def test_simple_stacks(student):
    """agrees with receptive_field on small stacks with the layers' own random weights"""
    check(student, [conv(1, 2, 3), RELU, conv(2, 2, 3)], 15)
    check(student, [conv(3, 4, 5, s=2, p=2), RELU, avgpool(2), conv(4, 2, 3, p=1)], 40)
    check(student, [conv(1, 3, (3, 5), p=(1, 2)), layer("tanh"), conv(3, 1, (1, 3), s=(2, 1))], (21, 31))


def test_cancelling_weights(student):
    """cannot be fooled by weights whose contributions cancel at the edge of the field"""
    spec = [conv(1, 4, 3, weights="ones", bias=0.0), RELU, conv(4, 2, 3, weights="edges_cancel"), RELU,
            conv(2, 2, 3, p=1)]
    check(student, spec, 21, label="a conv stack whose edge weights cancel across channels")
    spec = [conv(2, 3, 5, weights="edges_zero"), RELU, maxpool(2), conv(3, 1, 3, weights="edges_zero")]
    check(student, spec, 30, label="a conv stack whose kernels have zero edge weights")


def test_dead_relu(student):
    """cannot be fooled by a ReLU that is never active (a large negative bias)"""
    spec = [conv(1, 2, 3), RELU, conv(2, 2, 3, bias=-1000.0), RELU, conv(2, 1, 3)]
    check(student, spec, 17, label="a conv stack with a dead ReLU")


def test_zeroed_batchnorm(student):
    """cannot be fooled by a BatchNorm whose scale is zero"""
    spec = [conv(1, 3, 3), layer("bn", c=3, zero=True, eval=True), RELU, conv(3, 2, 5, s=2)]
    check(student, spec, 23, label="a conv stack with a zero-scale BatchNorm2d")


def test_max_pooling(student):
    """cannot be fooled by max pooling, whose gradient reaches one input of each window"""
    check(student, [conv(1, 2, 3, p=1), RELU, maxpool(3, 2), conv(2, 2, 3), RELU, maxpool(2)], 37)
    check(student, [conv(2, 2, 3), maxpool(3, 1, 1, d=2), conv(2, 1, (3, 1)), maxpool((2, 3), (1, 2))], (27, 33))


def test_dilation_and_strides(student):
    """dilated and strided stacks (the field has gaps, its extent is what counts)"""
    check(student, [conv(1, 2, 3, d=3), RELU, conv(2, 2, 2, s=3), conv(2, 1, 3, d=(1, 2))], (29, 33))
    check(student, [conv(1, 1, 1, s=2), conv(1, 1, 3, s=2), conv(1, 1, 2)], 31)


def test_classic_stacks(student):
    """VGG16 up to pool3 on 64x64 and AlexNet up to pool2 on 127x127"""
    check(student, vgg16_features(17), 64, label="VGG16 features[:17]")
    check(student, ALEXNET_FEATURES[:6], 127, label="AlexNet features[:6]")


def test_random_stacks(student):
    """agrees with the formula on random stacks of convolutions and pooling layers"""
    rng = np.random.default_rng(311)
    for _ in range(10):
        spec = random_stack(rng)
        check(student, spec, big_enough(spec, rng, inside=True, lo=int(rng.integers(8, 30))))


@pytest.mark.needs("test_simple_stacks")
def test_model_is_left_unchanged(student):
    """leaves the model as it was: same weights, buffers, layers and train/eval modes"""
    spec = [conv(1, 4, 3), layer("bn", c=4), RELU, maxpool(2), layer("drop"), conv(4, 2, 3)]
    before = _probes.build(spec)
    got = student.probe(_probes.empirical_leaves_model, spec, 20, timeout=TIMEOUT)
    what = f"empirical_receptive_field({describe(spec)}, 20)"
    expect(not got["changed"], f"{what} changed the model's {', '.join(got['changed'][:4])}: work on a copy")
    expect(got["modes_same"], f"{what} changed the train/eval mode of the model's layers: work on a copy")
    expect(got["types"] == [type(m).__name__ for m in before.modules()],
           f"{what} replaced layers of the model: work on a copy")
