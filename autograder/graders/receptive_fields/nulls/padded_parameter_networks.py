"""Null: one-convolution networks padded with a dummy parameter to the exact parameter counts, and
per-layer records that echo each layer's own kernel/stride/padding (no receptive-field arithmetic).

What it fakes:
- alexnet / vgg16: the right first convolution (features.0), the right avgpool and a torchvision-
  shaped classifier ending in Linear(4096, num_classes), so a forward pass gives (N, num_classes);
  a dummy parameter on the model makes the total exactly 61,100,840 / 138,357,544 for 1000
  classes, and follows num_classes (4097 per class).
- receptive_field: one LayerRF per conv/pool layer with the right name, but size is the input
  size, rf the layer's kernel_size, jump its stride, start its padding (nothing accumulated).
- empirical_receptive_field: the kernel size of the last conv/pool layer; the model is not touched.
- stacked_rf / stack_weights: the lecture's 3x3 kernel and 64 channels hard-coded
  (2 * num_layers + 1 and 9 * 64 * 64 * num_layers), kernel_size and channels ignored.
- architecture_table: typed in: depth read off the names (5, 8, 16), the visible 61,706 for
  LeNet-5 and the lecture's rounded ~61M / ~138M, rf from the notebook's text.
"""
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

PASS_THROUGH = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Identity,
                nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)

_SPATIAL = (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)


def _pair(value, name):
    """An int or an (h, w) pair of ints as a tuple of two Python ints; ValueError otherwise."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name}: {value!r} is not an (h, w) pair")
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
    """The layer's attributes, echoed."""
    if not isinstance(layer, _SPATIAL):
        return None
    return (_pair(layer.kernel_size, name), _pair(layer.stride, name),
            _pair(layer.padding, name), _pair(getattr(layer, "dilation", 1), name))


def receptive_field(model, input_size):
    """Each layer on its own: rf = kernel, jump = stride, start = padding, size = input size."""
    size = _pair(input_size, "input_size")
    records = []
    for name, layer in spatial_layers(model):
        geometry = layer_geometry(layer, name)
        if geometry is None:
            continue
        kernel, stride, padding, _ = geometry
        records.append(LayerRF(name=name, size=size, rf=kernel, jump=stride, start=padding))
    return records


def empirical_receptive_field(model, input_size):
    """The last spatial layer's kernel size."""
    records = receptive_field(model, input_size)
    return tuple(records[-1].rf) if records else (1, 1)


def _pad_to(model, total):
    have = sum(p.numel() for p in model.parameters())
    model.register_parameter("pad", nn.Parameter(torch.zeros(total - have)))
    return model


def alexnet(num_classes=1000):
    model = ClassicCNN(
        nn.Sequential(nn.Conv2d(3, 64, 11, stride=4, padding=2)),
        nn.AdaptiveAvgPool2d((6, 6)),
        nn.Sequential(nn.Dropout(p=0.5), nn.Linear(64 * 6 * 6, 4096), nn.ReLU(inplace=True),
                      nn.Dropout(p=0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
                      nn.Linear(4096, num_classes)))
    return _pad_to(model, 61_100_840 + 4097 * (num_classes - 1000))


def vgg16(num_classes=1000):
    model = ClassicCNN(
        nn.Sequential(nn.Conv2d(3, 64, 3, padding=1)),
        nn.AdaptiveAvgPool2d((7, 7)),
        nn.Sequential(nn.Linear(64 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=0.5),
                      nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=0.5),
                      nn.Linear(4096, num_classes)))
    return _pad_to(model, 138_357_544 + 4097 * (num_classes - 1000))


def stacked_rf(kernel_size, num_layers):
    return 2 * num_layers + 1


def stack_weights(kernel_size, num_layers, channels):
    return 9 * 64 * 64 * num_layers


_DEPTH = {"LeNet-5": 5, "AlexNet": 8, "VGG16": 16}


def architecture_table():
    return [
        {"model": "LeNet-5", "year": 1998, "depth": _DEPTH["LeNet-5"], "params": 61_706,
         "input_size": 32, "rf": (16, 16)},
        {"model": "AlexNet", "year": 2012, "depth": _DEPTH["AlexNet"], "params": 61_000_000,
         "input_size": 224, "rf": (224, 224)},
        {"model": "VGG16", "year": 2014, "depth": _DEPTH["VGG16"], "params": 138_000_000,
         "input_size": 224, "rf": (212, 212)},
    ]
