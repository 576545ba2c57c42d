"""Null: every answer has the right type and structure, filled with constants (ones and zeros).

What it fakes:
- receptive_field: one LayerRF per Conv2d/MaxPool2d/AvgPool2d, with the right qualified names and
  forward order (from named_modules), but every pair is (1, 1) and start is (0, 0).
- empirical_receptive_field: always (1, 1), a tuple of two Python ints; the model is not touched.
- alexnet / vgg16: a ClassicCNN with nn.Sequential features/classifier of one layer each and the
  right AdaptiveAvgPool2d; the parameter counts are wrong.
- stacked_rf: always 1; stack_weights: always 0 (Python ints).
- architecture_table: three dicts with the right keys, names, years and input sizes; depth and
  params 0, rf (1, 1).
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
    return (1, 1)


def spatial_layers(model, prefix=""):
    """Leaf modules with their names (a lazy named_modules walk)."""
    if isinstance(model, (list, tuple)):
        model = nn.Sequential(*model)
    for name, module in model.named_modules(prefix=prefix):
        if not list(module.children()):
            yield name, module


def layer_geometry(layer, name):
    """Constant geometry."""
    if isinstance(layer, PASS_THROUGH):
        return None
    return ((1, 1), (1, 1), (0, 0), (1, 1))


def receptive_field(model, input_size):
    """One constant LayerRF per spatial layer."""
    return [LayerRF(name=name, size=(1, 1), rf=(1, 1), jump=(1, 1), start=(0, 0))
            for name, layer in spatial_layers(model) if isinstance(layer, _SPATIAL)]


def empirical_receptive_field(model, input_size):
    """Always (1, 1)."""
    return (1, 1)


def alexnet(num_classes=1000):
    """A one-conv stand-in with AlexNet's attribute names."""
    return ClassicCNN(nn.Sequential(nn.Conv2d(3, 64, 11, stride=4, padding=2)),
                      nn.AdaptiveAvgPool2d((6, 6)),
                      nn.Sequential(nn.Linear(64 * 6 * 6, num_classes)))


def vgg16(num_classes=1000):
    """A one-conv stand-in with VGG16's attribute names."""
    return ClassicCNN(nn.Sequential(nn.Conv2d(3, 64, 3, padding=1)),
                      nn.AdaptiveAvgPool2d((7, 7)),
                      nn.Sequential(nn.Linear(64 * 7 * 7, num_classes)))


def stacked_rf(kernel_size, num_layers):
    return 1


def stack_weights(kernel_size, num_layers, channels):
    return 0


def architecture_table():
    rows = []
    for model, year, size in (("LeNet-5", 1998, 32), ("AlexNet", 2012, 224), ("VGG16", 2014, 224)):
        rows.append({"model": model, "year": year, "depth": 0, "params": 0,
                     "input_size": size, "rf": (1, 1)})
    return rows
