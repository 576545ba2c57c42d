"""Student stub of the `receptive_fields` exercise (from release/receptive_fields/receptive_fields.ipynb).

Generated from the notebook by `autograder build`; do not edit."""


# --- cell setup ---
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn


@dataclass
class LayerRF:
    """What one spatial layer's output units see. Every field but `name` is an (h, w) pair."""
    name: str       # the module's qualified name, as in model.named_modules(): "features.0", "3", ...
    size: tuple     # output height, width
    rf: tuple       # receptive field height, width, in input pixels
    jump: tuple     # effective stride: input pixels between neighbouring output units
    start: tuple    # input coordinate of the centre of the first output unit's field (may be .5 or negative)


class LeNet5(nn.Module):
    """The lecture's LeNet-5 (section 3.1)."""
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class ClassicCNN(nn.Module):
    """features -> avgpool -> flatten -> classifier, the layout of torchvision's AlexNet and VGG."""
    def __init__(self, features, avgpool, classifier):
        super().__init__()
        self.features = features
        self.avgpool = avgpool
        self.classifier = classifier

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# --- cell helpers ---
# Layers that leave the geometry alone: receptive_field passes over them.
PASS_THROUGH = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Identity,
                nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)


def _pair(value, name):
    """An int or an (h, w) pair of ints as a tuple of two Python ints; ValueError otherwise."""
    # YOUR CODE HERE
    raise NotImplementedError()


def spatial_layers(model, prefix=""):
    """Yield (qualified name, module) for every leaf module of `model` in forward order.

    `model` is a module or a list of modules. Containers (nn.Sequential, nn.ModuleList
    and other modules with children) are walked recursively; names are joined with
    dots, as model.named_modules() names them ("features.0"); list items are "0", "1", ...
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def layer_geometry(layer, name):
    """(kernel, stride, padding, dilation), each an (h, w) pair, of a spatial layer;
    None for a pass-through layer; ValueError naming the layer for anything else.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell receptive_field ---
def receptive_field(model, input_size):
    """One LayerRF per spatial layer (Conv2d, MaxPool2d, AvgPool2d) of `model`, in forward order,
    for an input of `input_size` (an int or an (h, w) pair)."""
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell empirical ---
def empirical_receptive_field(model, input_size):
    """Receptive field (h, w) of the centre output unit (index (Ho // 2, Wo // 2)) of `model`'s
    last spatial layer, measured by backpropagation. Leaves `model` unchanged."""
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell networks ---
def alexnet(num_classes=1000):
    """AlexNet as torchvision lays it out: `features`, `avgpool`, `classifier`."""
    # YOUR CODE HERE
    raise NotImplementedError()


def vgg16(num_classes=1000):
    """VGG16 (configuration D, no batch norm) as torchvision lays it out: `features`, `avgpool`, `classifier`."""
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell small_filters ---
def stacked_rf(kernel_size, num_layers):
    """Receptive field (one side) of `num_layers` stacked kernel_size x kernel_size convolutions, stride 1."""
    # YOUR CODE HERE
    raise NotImplementedError()


def stack_weights(kernel_size, num_layers, channels):
    """Weights (no biases, as the lecture counts) of `num_layers` stacked kernel_size x kernel_size
    convolutions, each with `channels` input and `channels` output channels."""
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell table ---
def architecture_table():
    """One row per network, in order LeNet-5, AlexNet, VGG16: a dict with keys
    model, year, depth, params, input_size, rf (see the text above)."""
    # YOUR CODE HERE
    raise NotImplementedError()
