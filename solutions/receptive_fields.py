"""Reference solution of the `receptive_fields` exercise (from source/receptive_fields/receptive_fields.ipynb).

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
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in pair):
        raise ValueError(f"{name} must be an int or an (h, w) pair of ints, got {value!r}")
    return int(pair[0]), int(pair[1])


def spatial_layers(model, prefix=""):
    """Yield (qualified name, module) for every leaf module of `model` in forward order.

    `model` is a module or a list of modules. Containers (nn.Sequential, nn.ModuleList
    and other modules with children) are walked recursively; names are joined with
    dots, as model.named_modules() names them ("features.0"); list items are "0", "1", ...
    """
    if isinstance(model, (list, tuple)):
        children = [(str(i), m) for i, m in enumerate(model)]
    elif isinstance(model, nn.Module):
        children = list(model.named_children())
        if not children:
            yield prefix, model
            return
    else:
        raise ValueError(f"{prefix or 'model'}: expected an nn.Module or a list of modules, "
                         f"got {type(model).__name__}")
    for name, child in children:
        yield from spatial_layers(child, f"{prefix}.{name}" if prefix else name)


def layer_geometry(layer, name):
    """(kernel, stride, padding, dilation), each an (h, w) pair, of a spatial layer;
    None for a pass-through layer; ValueError naming the layer for anything else.
    """
    if isinstance(layer, PASS_THROUGH):
        return None
    if isinstance(layer, nn.Conv2d):
        k, s, d = _pair(layer.kernel_size, "kernel_size"), _pair(layer.stride, "stride"), _pair(layer.dilation, "dilation")
        if layer.padding == "valid":
            p = (0, 0)
        elif isinstance(layer.padding, str):
            raise ValueError(f"{name}: Conv2d with padding={layer.padding!r} is not supported")
        else:
            p = _pair(layer.padding, "padding")
        return k, s, p, d
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        if layer.ceil_mode:
            raise ValueError(f"{name}: {type(layer).__name__} with ceil_mode=True is not supported")
        k = _pair(layer.kernel_size, "kernel_size")
        s = k if layer.stride is None else _pair(layer.stride, "stride")
        d = _pair(layer.dilation, "dilation") if isinstance(layer, nn.MaxPool2d) else (1, 1)
        return k, s, _pair(layer.padding, "padding"), d
    raise ValueError(f"{name}: cannot analyse a {type(layer).__name__} layer "
                     "(only Conv2d, MaxPool2d, AvgPool2d and layers that keep the geometry)")


# --- cell receptive_field ---
def receptive_field(model, input_size):
    """One LayerRF per spatial layer (Conv2d, MaxPool2d, AvgPool2d) of `model`, in forward order,
    for an input of `input_size` (an int or an (h, w) pair)."""
    size = _pair(input_size, "input_size")
    if min(size) < 1:
        raise ValueError(f"input_size must be positive, got {input_size!r}")
    rf, jump, start = (1, 1), (1, 1), (0.0, 0.0)
    records = []
    for name, layer in spatial_layers(model):
        geometry = layer_geometry(layer, name)
        if geometry is None:
            continue
        k, s, p, d = geometry
        span = tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))           # dilated kernel extent
        size = tuple((n + 2 * pi - e) // si + 1 for n, pi, e, si in zip(size, p, span, s))
        if min(size) < 1:
            raise ValueError(f"{name}: the input is too small for this layer (output size {size})")
        start = tuple(st + ((e - 1) / 2 - pi) * j for st, e, pi, j in zip(start, span, p, jump))
        rf = tuple(r + (e - 1) * j for r, e, j in zip(rf, span, jump))
        jump = tuple(j * si for j, si in zip(jump, s))
        records.append(LayerRF(name, size, rf, jump, start))
    return records


# --- cell empirical ---
def empirical_receptive_field(model, input_size):
    """Receptive field (h, w) of the centre output unit (index (Ho // 2, Wo // 2)) of `model`'s
    last spatial layer, measured by backpropagation. Leaves `model` unchanged."""
    h, w = _pair(input_size, "input_size")
    # A single-channel copy of the geometry with all-ones kernels: every path from an
    # input pixel to the output has weight 1, so nothing cancels, and pooling becomes
    # an all-ones convolution with the pool's window, whose gradient reaches every pixel.
    surrogate = []
    for name, layer in spatial_layers(model):
        geometry = layer_geometry(layer, name)
        if geometry is None:
            continue
        k, s, p, d = geometry
        conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False).double()
        nn.init.ones_(conv.weight)
        surrogate.append(conv)
    if not surrogate:
        raise ValueError("the model has no spatial layer")
    x = torch.ones(1, 1, h, w, dtype=torch.float64, requires_grad=True)
    out = nn.Sequential(*surrogate)(x)
    Ho, Wo = out.shape[-2:]
    out[0, 0, Ho // 2, Wo // 2].backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


# --- cell networks ---
def alexnet(num_classes=1000):
    """AlexNet as torchvision lays it out: `features`, `avgpool`, `classifier`."""
    features = nn.Sequential(
        nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
    )
    head = nn.Sequential(
        nn.Dropout(p=0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
        nn.Dropout(p=0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
        nn.Linear(4096, num_classes),
    )
    return ClassicCNN(features, nn.AdaptiveAvgPool2d((6, 6)), head)


def vgg16(num_classes=1000):
    """VGG16 (configuration D, no batch norm) as torchvision lays it out: `features`, `avgpool`, `classifier`."""
    layers, in_channels = [], 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if v == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [nn.Conv2d(in_channels, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            in_channels = v
    head = nn.Sequential(
        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(p=0.5),
        nn.Linear(4096, num_classes),
    )
    return ClassicCNN(nn.Sequential(*layers), nn.AdaptiveAvgPool2d((7, 7)), head)


# --- cell small_filters ---
def stacked_rf(kernel_size, num_layers):
    """Receptive field (one side) of `num_layers` stacked kernel_size x kernel_size convolutions, stride 1."""
    return num_layers * (kernel_size - 1) + 1


def stack_weights(kernel_size, num_layers, channels):
    """Weights (no biases, as the lecture counts) of `num_layers` stacked kernel_size x kernel_size
    convolutions, each with `channels` input and `channels` output channels."""
    return num_layers * kernel_size * kernel_size * channels * channels


# --- cell table ---
def architecture_table():
    """One row per network, in order LeNet-5, AlexNet, VGG16: a dict with keys
    model, year, depth, params, input_size, rf (see the text above)."""
    rows = []
    for label, year, make, input_size in (("LeNet-5", 1998, LeNet5, 32), ("AlexNet", 2012, alexnet, 224),
                                          ("VGG16", 2014, vgg16, 224)):
        model = make()
        depth = sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())
        count = sum(p.numel() for p in model.parameters())
        rf = receptive_field(model.features, input_size)[-1].rf
        rows.append(dict(model=label, year=year, depth=depth, params=count, input_size=input_size, rf=rf))
    return rows
