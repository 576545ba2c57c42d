"""Null: empty answers of the right types: empty networks, an empty record list, zeros.

What it fakes:
- alexnet / vgg16: a ClassicCNN whose features and classifier are empty nn.Sequentials, with the
  right AdaptiveAvgPool2d ((6, 6) / (7, 7)); no parameters at all.
- receptive_field: an empty list (no LayerRF), whatever the model.
- empirical_receptive_field: (0, 0); the model is not touched.
- stacked_rf / stack_weights: 0.
- architecture_table: three dicts with the right keys, names, years and input sizes, zeros elsewhere.
"""
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

PASS_THROUGH = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Identity,
                nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)


def _pair(value, name):
    """An int or an (h, w) pair of ints as a tuple of two Python ints; ValueError otherwise."""
    return (0, 0)


def spatial_layers(model, prefix=""):
    """Nothing to walk."""
    return iter(())


def layer_geometry(layer, name):
    """No geometry."""
    return None


def receptive_field(model, input_size):
    return []


def empirical_receptive_field(model, input_size):
    return (0, 0)


def alexnet(num_classes=1000):
    return ClassicCNN(nn.Sequential(), nn.AdaptiveAvgPool2d((6, 6)), nn.Sequential())


def vgg16(num_classes=1000):
    return ClassicCNN(nn.Sequential(), nn.AdaptiveAvgPool2d((7, 7)), nn.Sequential())


def stacked_rf(kernel_size, num_layers):
    return 0


def stack_weights(kernel_size, num_layers, channels):
    return 0


def architecture_table():
    return [
        {"model": "LeNet-5", "year": 1998, "depth": 0, "params": 0, "input_size": 32, "rf": (0, 0)},
        {"model": "AlexNet", "year": 2012, "depth": 0, "params": 0, "input_size": 224, "rf": (0, 0)},
        {"model": "VGG16", "year": 2014, "depth": 0, "params": 0, "input_size": 224, "rf": (0, 0)},
    ]
