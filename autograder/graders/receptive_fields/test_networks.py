"""Hidden checks for `alexnet` and `vgg16` (part: networks).

The expected layout is torchvision's (state_dict keys and shapes, layer
geometry), written out here as specs; the student's networks are built and
summarised in the student's process by the probe.
"""
import functools

import pytest

from autograder.harness.checks import expect

from . import _probes
from ._specs import ALEXNET_FEATURES, vgg16_features

TIMEOUT = 60.0
PARAMS = {"alexnet": 61_100_840, "vgg16": 138_357_544}
SMALL_INPUT = {"alexnet": 64, "vgg16": 32}       # the smallest inputs that pass every layer


def expected_state(which, num_classes=1000):
    import torch.nn as nn
    features = _probes.build(ALEXNET_FEATURES if which == "alexnet" else vgg16_features())
    if which == "alexnet":
        classifier = nn.Sequential(nn.Dropout(), nn.Linear(256 * 36, 4096), nn.ReLU(), nn.Dropout(),
                                   nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, num_classes))
    else:
        classifier = nn.Sequential(nn.Linear(512 * 49, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, 4096),
                                   nn.ReLU(), nn.Dropout(), nn.Linear(4096, num_classes))
    state = [(f"features.{k}", tuple(v.shape)) for k, v in features.state_dict().items()]
    return state + [(f"classifier.{k}", tuple(v.shape)) for k, v in classifier.state_dict().items()], features


@functools.lru_cache(maxsize=None)
def summary(student, which, num_classes=None):
    return student.probe(_probes.net, which, num_classes, SMALL_INPUT[which], timeout=TIMEOUT)


def call(which, num_classes=None):
    return f"{which}({'' if num_classes is None else f'num_classes={num_classes}'})"


def check_params(student, which):
    got = summary(student, which)["params"]
    expect(got == PARAMS[which], f"{call(which)} has {got:,} parameters, which is not the lecture's network")


def check_layout(student, which):
    info = summary(student, which)
    state, features = expected_state(which)
    expect(info["types"] == {"features": "Sequential", "classifier": "Sequential"},
           f"{call(which)}: `features` and `classifier` must be nn.Sequential, got {info['types']}")
    keys = [k for k, _ in info["state"]]
    missing = [k for k, _ in state if k not in keys]
    extra = [k for k in keys if k not in dict(state)]
    expect(not missing and not extra,
           f"{call(which)}: its state_dict is not laid out as torchvision's "
           + (f"(missing {', '.join(missing[:3])}" if missing else "(")
           + ("; " if missing and extra else "") + (f"unexpected {', '.join(extra[:3])}" if extra else "") + ")")
    for key, shape in state:
        got = dict(info["state"])[key]
        expect(got == shape, f"{call(which)}: {key} has shape {got}, which is wrong")
    spatial = [(n, g) for n, g in info["features"] if g[0] in ("Conv2d", "MaxPool2d")]
    wanted = [(n, type(m).__name__) for n, m in features.named_modules() if type(m).__name__ in ("Conv2d", "MaxPool2d")]
    expect([(n, g[0]) for n, g in spatial] == wanted,
           f"{call(which)}: the convolution and pooling layers of `features` are not torchvision's")
    for (name, g), (_, m) in zip(spatial, [(n, m) for n, m in features.named_modules() if n in dict(wanted)]):
        attrs = dict(g[1:])
        for attr in ("kernel_size", "stride", "padding"):
            mine = getattr(m, attr)
            as_pair = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (v, v)  # noqa: E731
            expect(as_pair(attrs.get(attr)) == as_pair(mine),
                   f"{call(which)}: features.{name} has {attr}={attrs.get(attr)!r}, which is wrong")


@pytest.mark.needs("test_alexnet_layout")
def test_alexnet_parameters(student):
    """alexnet() has torchvision's 61,100,840 parameters"""
    check_params(student, "alexnet")


@pytest.mark.needs("test_vgg16_layout")
def test_vgg16_parameters(student):
    """vgg16() has torchvision's 138,357,544 parameters"""
    check_params(student, "vgg16")


def test_alexnet_layout(student):
    """alexnet() is laid out as torchvision's: `features` and `classifier`, same state_dict keys, shapes, geometry"""
    check_layout(student, "alexnet")


def test_vgg16_layout(student):
    """vgg16() is laid out as torchvision's: `features` and `classifier`, same state_dict keys, shapes, geometry"""
    check_layout(student, "vgg16")


@pytest.mark.needs("test_alexnet_layout", "test_vgg16_layout")
def test_forward_and_num_classes(student):
    """both networks run forward on a batch and give num_classes outputs (1000 by default)"""
    for which in ("alexnet", "vgg16"):
        for num_classes in (None, 10):
            info = summary(student, which, num_classes)
            wanted = (2, 1000 if num_classes is None else num_classes)
            n = SMALL_INPUT[which]
            expect(info["out_shape"] == wanted,
                   f"{call(which, num_classes)} on a batch of shape (2, 3, {n}, {n}): output shape "
                   f"{info['out_shape']}, expected {wanted}")
