"""Null: the worst case: every part's cheapest trick at once (hard-coded lecture records behind
the text's ValueError validation, forward-capable padded networks, lookups, a typed-in table).

What it fakes:
- receptive_field: validates like a real answer (ValueError naming any layer the text says cannot
  be analysed, or an input smaller than a kernel), then returns the lecture's LeNet-5 / AlexNet /
  VGG16 records typed in, picked by the number of conv/pool layers; input_size ignored.
- empirical_receptive_field: the same validation, then the last rf of those records; the model
  is not touched.
- alexnet / vgg16: the right first convolution and avgpool, a torchvision-shaped classifier
  ending in Linear(4096, num_classes) (a forward pass gives num_classes outputs), and a dummy
  parameter making the total 61,100,840 / 138,357,544 (+4097 per class beyond 1000).
- stacked_rf / stack_weights: lookups of the lecture's 3x3-vs-7x7 numbers.
- architecture_table: the lecture's table typed in (after calling the networks for show).
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


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _pair(value, name):
    """An int or an (h, w) pair of ints as a tuple of two Python ints; ValueError otherwise."""
    if _is_int(value):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        return (int(value[0]), int(value[1]))
    raise ValueError(f"{name}: {value!r} is not an int or an (h, w) pair of ints")


def spatial_layers(model, prefix=""):
    """Yield (qualified name, module) for every leaf module of `model` in forward order."""
    if isinstance(model, (list, tuple)):
        children = [(str(i), m) for i, m in enumerate(model)]
    elif isinstance(model, nn.Module):
        children = list(model.named_children())
        if not children:
            if not isinstance(model, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
                yield prefix, model
            return
    else:
        raise ValueError(f"{prefix or 'model'}: {type(model).__name__} is not a module")
    for name, child in children:
        yield from spatial_layers(child, f"{prefix}.{name}" if prefix else name)


def layer_geometry(layer, name):
    """(kernel, stride, padding, dilation) read off the layer, None for a pass-through layer;
    ValueError naming the layer for anything else."""
    if isinstance(layer, PASS_THROUGH):
        return None
    if type(layer) is nn.Conv2d:
        if isinstance(layer.padding, str):
            if layer.padding != "valid":
                raise ValueError(f"layer {name} ({layer}): padding={layer.padding!r} cannot be analysed")
            padding = (0, 0)
        else:
            padding = _pair(layer.padding, name)
        return (_pair(layer.kernel_size, name), _pair(layer.stride, name), padding,
                _pair(layer.dilation, name))
    if type(layer) in (nn.MaxPool2d, nn.AvgPool2d):
        if layer.ceil_mode:
            raise ValueError(f"layer {name} ({layer}): ceil_mode=True cannot be analysed")
        stride = layer.stride if layer.stride is not None else layer.kernel_size
        dilation = getattr(layer, "dilation", 1)
        return (_pair(layer.kernel_size, name), _pair(stride, name), _pair(layer.padding, name),
                _pair(dilation, name))
    raise ValueError(f"layer {name} ({type(layer).__name__}) cannot be analysed")


def _validate(model, input_size):
    h, w = _pair(input_size, "input_size")
    if h < 1 or w < 1:
        raise ValueError(f"input_size {input_size!r} is too small")
    names = []
    for name, layer in spatial_layers(model):
        geometry = layer_geometry(layer, name)
        if geometry is None:
            continue
        (kh, kw), _, (ph, pw), (dh, dw) = geometry
        if h + 2 * ph < dh * (kh - 1) + 1 or w + 2 * pw < dw * (kw - 1) + 1:
            raise ValueError(f"input {h}x{w} is too small for layer {name}")
        names.append(name)
    return names


def _copy(records):
    return [LayerRF(r.name, r.size, r.rf, r.jump, r.start) for r in records]


def receptive_field(model, input_size):
    """Validated, then looked up by the number of conv/pool layers."""
    count = len(_validate(model, input_size))
    if count == len(_VGG16):
        return _copy(_VGG16)
    if count == len(_ALEXNET):
        return _copy(_ALEXNET)
    return _copy(_LENET)


def empirical_receptive_field(model, input_size):
    return tuple(receptive_field(model, input_size)[-1].rf)


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


_LECTURE_RF = {(3, 1): 3, (3, 2): 5, (3, 3): 7, (5, 1): 5, (7, 1): 7}
_LECTURE_WEIGHTS = {(3, 3, 64): 110_592, (7, 1, 64): 200_704}


def stacked_rf(kernel_size, num_layers):
    return _LECTURE_RF.get((kernel_size, num_layers), 7)


def stack_weights(kernel_size, num_layers, channels):
    return _LECTURE_WEIGHTS.get((kernel_size, num_layers, channels), 110_592)


def architecture_table():
    for make in (LeNet5, alexnet, vgg16):
        make()
    return [
        {"model": "LeNet-5", "year": 1998, "depth": 5, "params": 61_706, "input_size": 32, "rf": (16, 16)},
        {"model": "AlexNet", "year": 2012, "depth": 8, "params": 61_100_840, "input_size": 224, "rf": (195, 195)},
        {"model": "VGG16", "year": 2014, "depth": 16, "params": 138_357_544, "input_size": 224, "rf": (212, 212)},
    ]
