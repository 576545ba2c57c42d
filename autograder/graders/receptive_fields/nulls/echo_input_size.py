"""Null: every answer echoes its input: "each unit sees the whole image", identity networks.

What it fakes:
- receptive_field: one LayerRF per conv/pool layer with the right name, each saying the unit sees
  the whole input: size = rf = input size, jump (1, 1), start at the image centre.
- empirical_receptive_field: the input size as an (h, w) pair of ints (a "measurement" that the
  whole image is seen); the model is not touched.
- alexnet / vgg16: ClassicCNNs made of nn.Identity (features and classifier are nn.Sequentials of
  one nn.Identity); no parameters.
- stacked_rf: echoes kernel_size; stack_weights: echoes channels.
- architecture_table: right keys, names, years, input sizes; rf echoes the input size, depth 1,
  params 0.
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
        return (int(value[0]), int(value[1]))
    return (int(value), int(value))


def spatial_layers(model, prefix=""):
    """Recursive walk, names joined with dots; list items are "0", "1", ..."""
    children = (((str(i), m) for i, m in enumerate(model)) if isinstance(model, (list, tuple))
                else model.named_children())
    empty = True
    for name, child in children:
        empty = False
        full = f"{prefix}.{name}" if prefix else name
        yield from spatial_layers(child, full)
    if empty and not isinstance(model, (list, tuple)):
        yield prefix, model


def layer_geometry(layer, name):
    """The whole image, one step."""
    if isinstance(layer, PASS_THROUGH):
        return None
    return ((1, 1), (1, 1), (0, 0), (1, 1))


def receptive_field(model, input_size):
    h, w = _pair(input_size, "input_size")
    return [LayerRF(name=name, size=(h, w), rf=(h, w), jump=(1, 1), start=((h - 1) / 2, (w - 1) / 2))
            for name, layer in spatial_layers(model) if isinstance(layer, _SPATIAL)]


def empirical_receptive_field(model, input_size):
    return _pair(input_size, "input_size")


def alexnet(num_classes=1000):
    return ClassicCNN(nn.Sequential(nn.Identity()), nn.Identity(), nn.Sequential(nn.Identity()))


def vgg16(num_classes=1000):
    return ClassicCNN(nn.Sequential(nn.Identity()), nn.Identity(), nn.Sequential(nn.Identity()))


def stacked_rf(kernel_size, num_layers):
    return kernel_size


def stack_weights(kernel_size, num_layers, channels):
    return channels


def architecture_table():
    return [
        {"model": name, "year": year, "depth": 1, "params": 0, "input_size": size, "rf": (size, size)}
        for name, year, size in (("LeNet-5", 1998, 32), ("AlexNet", 2012, 224), ("VGG16", 2014, 224))
    ]
