"""Null: the notebook's and lecture's own numbers, hard-coded and returned whatever the input.

What it fakes:
- receptive_field: the worked LeNet-5 records (32x32), or the VGG16 / AlexNet records on 224x224
  typed in from the lecture, picked by how many conv/pool layers the model has; input_size and the
  layers' geometry are ignored.
- empirical_receptive_field: the last rf of those hard-coded records (so it always "agrees with
  the formula" of this same file); the model is not touched.
- alexnet / vgg16: one correct first convolution plus a dummy parameter sized so that the total is
  the lecture's 61,100,840 / 138,357,544, whatever num_classes.
- stacked_rf / stack_weights: a lookup of the lecture's 3x3-vs-7x7 numbers, with a default.
- architecture_table: calls LeNet5, alexnet, vgg16 and receptive_field (and discards the results),
  then returns the lecture's table typed in.
"""
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

PASS_THROUGH = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Identity,
                nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)

_LENET = [
    LayerRF('0', (28, 28), (5, 5), (1, 1), (2, 2)),
    LayerRF('2', (14, 14), (6, 6), (2, 2), (2.5, 2.5)),
    LayerRF('3', (10, 10), (14, 14), (2, 2), (6.5, 6.5)),
    LayerRF('5', (5, 5), (16, 16), (4, 4), (7.5, 7.5)),
]
_ALEXNET = [
    LayerRF('0', (55, 55), (11, 11), (4, 4), (3, 3)),
    LayerRF('2', (27, 27), (19, 19), (8, 8), (7, 7)),
    LayerRF('3', (27, 27), (51, 51), (8, 8), (7, 7)),
    LayerRF('5', (13, 13), (67, 67), (16, 16), (15, 15)),
    LayerRF('6', (13, 13), (99, 99), (16, 16), (15, 15)),
    LayerRF('8', (13, 13), (131, 131), (16, 16), (15, 15)),
    LayerRF('10', (13, 13), (163, 163), (16, 16), (15, 15)),
    LayerRF('12', (6, 6), (195, 195), (32, 32), (31, 31)),
]
_VGG16 = [
    LayerRF('0', (224, 224), (3, 3), (1, 1), (0, 0)),
    LayerRF('2', (224, 224), (5, 5), (1, 1), (0, 0)),
    LayerRF('4', (112, 112), (6, 6), (2, 2), (0.5, 0.5)),
    LayerRF('5', (112, 112), (10, 10), (2, 2), (0.5, 0.5)),
    LayerRF('7', (112, 112), (14, 14), (2, 2), (0.5, 0.5)),
    LayerRF('9', (56, 56), (16, 16), (4, 4), (1.5, 1.5)),
    LayerRF('10', (56, 56), (24, 24), (4, 4), (1.5, 1.5)),
    LayerRF('12', (56, 56), (32, 32), (4, 4), (1.5, 1.5)),
    LayerRF('14', (56, 56), (40, 40), (4, 4), (1.5, 1.5)),
    LayerRF('16', (28, 28), (44, 44), (8, 8), (3.5, 3.5)),
    LayerRF('17', (28, 28), (60, 60), (8, 8), (3.5, 3.5)),
    LayerRF('19', (28, 28), (76, 76), (8, 8), (3.5, 3.5)),
    LayerRF('21', (28, 28), (92, 92), (8, 8), (3.5, 3.5)),
    LayerRF('23', (14, 14), (100, 100), (16, 16), (7.5, 7.5)),
    LayerRF('24', (14, 14), (132, 132), (16, 16), (7.5, 7.5)),
    LayerRF('26', (14, 14), (164, 164), (16, 16), (7.5, 7.5)),
    LayerRF('28', (14, 14), (196, 196), (16, 16), (7.5, 7.5)),
    LayerRF('30', (7, 7), (212, 212), (32, 32), (15.5, 15.5)),
]


def _pair(value, name):
    """An int or an (h, w) pair of ints as a tuple of two Python ints; ValueError otherwise."""
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value, value)


def spatial_layers(model, prefix=""):
    """Leaf modules, named as named_modules() names them."""
    if isinstance(model, (list, tuple)):
        model = nn.Sequential(*model)
    for name, module in model.named_modules(prefix=prefix):
        if not list(module.children()):
            yield name, module


def layer_geometry(layer, name):
    """The lecture's 3x3 / stride 1 / padding 1 convolution, for every layer."""
    if isinstance(layer, PASS_THROUGH):
        return None
    return ((3, 3), (1, 1), (1, 1), (1, 1))


def _copy(records):
    return [LayerRF(r.name, r.size, r.rf, r.jump, r.start) for r in records]


def receptive_field(model, input_size):
    """The lecture's records for the network that has this many conv/pool layers."""
    count = sum(isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)) for _, m in spatial_layers(model))
    if count == len(_VGG16):
        return _copy(_VGG16)
    if count == len(_ALEXNET):
        return _copy(_ALEXNET)
    return _copy(_LENET)


def empirical_receptive_field(model, input_size):
    """The hard-coded formula value: the same as receptive_field(...)[-1].rf."""
    return tuple(receptive_field(model, input_size)[-1].rf)


def _padded(first_conv, pool, params):
    model = ClassicCNN(nn.Sequential(first_conv), pool, nn.Sequential())
    have = sum(p.numel() for p in model.parameters())
    model.register_parameter("lecture_params", nn.Parameter(torch.zeros(params - have)))
    return model


def alexnet(num_classes=1000):
    """The lecture's ~61M parameters, in one conv plus a dummy parameter."""
    return _padded(nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.AdaptiveAvgPool2d((6, 6)), 61_100_840)


def vgg16(num_classes=1000):
    """The lecture's ~138M parameters, in one conv plus a dummy parameter."""
    return _padded(nn.Conv2d(3, 64, 3, padding=1), nn.AdaptiveAvgPool2d((7, 7)), 138_357_544)


_LECTURE_RF = {(3, 1): 3, (3, 2): 5, (3, 3): 7, (5, 1): 5, (7, 1): 7}
_LECTURE_WEIGHTS = {(3, 3, 64): 110_592, (7, 1, 64): 200_704}


def stacked_rf(kernel_size, num_layers):
    return _LECTURE_RF.get((kernel_size, num_layers), 7)


def stack_weights(kernel_size, num_layers, channels):
    return _LECTURE_WEIGHTS.get((kernel_size, num_layers, channels), 110_592)


def architecture_table():
    """Calls the networks (for show), returns the lecture's numbers."""
    for make, size in ((LeNet5, 32), (alexnet, 224), (vgg16, 224)):
        net = make()
        receptive_field(net.features, size)
        del net
    return [
        {"model": "LeNet-5", "year": 1998, "depth": 5, "params": 61_706, "input_size": 32, "rf": (16, 16)},
        {"model": "AlexNet", "year": 2012, "depth": 8, "params": 61_100_840, "input_size": 224, "rf": (195, 195)},
        {"model": "VGG16", "year": 2014, "depth": 16, "params": 138_357_544, "input_size": 224, "rf": (212, 212)},
    ]
