"""Null: every function only validates (raises the ValueErrors the text asks for) and otherwise
returns placeholders.

What it fakes:
- _pair / spatial_layers / layer_geometry: real argument checks and layer walk, so that
  receptive_field raises ValueError naming the layer for Linear, adaptive pooling, upsampling,
  transposed convolutions, ceil_mode pooling, padding="same" and any other unknown module, and
  for an input smaller than some layer's (padded, dilated) kernel or not an int/(h, w) pair.
- receptive_field: after validation, one LayerRF per conv/pool layer with the right name and all
  pairs (0, 0).
- empirical_receptive_field: the same validation, then (0, 0); the model is not touched.
- alexnet / vgg16: num_classes checked, then a ClassicCNN with an empty features Sequential, the
  right adaptive pooling and a one-Linear classifier with num_classes outputs.
- stacked_rf / stack_weights: positive ints checked, then 0.
- architecture_table: builds LeNet5(), alexnet(), vgg16() and runs receptive_field on their
  features (the calls the text asks for), then returns placeholder rows.
"""
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

PASS_THROUGH = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Identity,
                nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)


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


def receptive_field(model, input_size):
    return [LayerRF(name=name, size=(0, 0), rf=(0, 0), jump=(0, 0), start=(0, 0))
            for name in _validate(model, input_size)]


def empirical_receptive_field(model, input_size):
    names = _validate(model, input_size)
    if not names:
        raise ValueError("the model has no convolution or pooling layer")
    return (0, 0)


def _check_classes(num_classes):
    if not _is_int(num_classes) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive int, not {num_classes!r}")


def alexnet(num_classes=1000):
    _check_classes(num_classes)
    return ClassicCNN(nn.Sequential(), nn.AdaptiveAvgPool2d((6, 6)),
                      nn.Sequential(nn.Linear(1, num_classes)))


def vgg16(num_classes=1000):
    _check_classes(num_classes)
    return ClassicCNN(nn.Sequential(), nn.AdaptiveAvgPool2d((7, 7)),
                      nn.Sequential(nn.Linear(1, num_classes)))


def _check_positive(**values):
    for key, v in values.items():
        if not _is_int(v) or v < 1:
            raise ValueError(f"{key} must be a positive int, not {v!r}")


def stacked_rf(kernel_size, num_layers):
    _check_positive(kernel_size=kernel_size, num_layers=num_layers)
    return 0


def stack_weights(kernel_size, num_layers, channels):
    _check_positive(kernel_size=kernel_size, num_layers=num_layers, channels=channels)
    return 0


def architecture_table():
    rows = []
    for label, year, make, size in (("LeNet-5", 1998, LeNet5, 32), ("AlexNet", 2012, alexnet, 224),
                                    ("VGG16", 2014, vgg16, 224)):
        net = make()
        receptive_field(net.features, size)
        rows.append({"model": label, "year": year, "depth": 0, "params": 0,
                     "input_size": size, "rf": (0, 0)})
    return rows
