"""Alternative: everything computed one axis at a time. The arithmetic is a 1-D helper applied to
height and width; the measurement backpropagates through two 1-D stand-in networks (F.conv1d with
ones kernels), one for the rows and one for the columns.

Targets graders that over-specify the measurement method. The text: "One way: build a stand-in
network with the same geometry (each convolution or pooling layer becomes a single-channel
convolution with the layer's kernel size, stride, padding and dilation, all weights 1, no bias
...), feed it an image of ones in float64, backpropagate from the output unit, and measure the
extent (from the first to the last non-zero row, and column) of the input gradient."
A 2-D all-ones kernel is the outer product of two 1-D all-ones kernels, and zero padding, stride
and dilation act on each axis separately, so the 2-D input gradient of the centre unit is the outer
product of the two 1-D gradients: its first/last non-zero row and column are exactly those of the
1-D gradients. The result is still measured by backpropagation ("measured by backpropagation",
docstring), only cheaper.

Other choices:
- `start` values are floats; `spatial_layers` walks `model._modules` recursively (the same
  names and order as `named_children`).
- The rows of `architecture_table` are built with `dict(zip(KEYS, values))`.
- `stacked_rf` reuses the 1-D arithmetic helper.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

PASS_THROUGH = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Identity,
                nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)


def _pair(value, name):
    """An int or an (h, w) pair of ints as a tuple of two Python ints; ValueError otherwise."""
    values = list(value) if isinstance(value, (tuple, list)) else [value, value]
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{name}: expected an int or an (h, w) pair of ints, got {value!r}")
    return tuple(int(v) for v in values)


def spatial_layers(model, prefix=""):
    """Yield (qualified name, module) for every leaf module of `model` in forward order."""
    if isinstance(model, (list, tuple)):
        items = [(str(i), m) for i, m in enumerate(model)]
    elif isinstance(model, nn.Module):
        items = [(n, m) for n, m in model._modules.items() if m is not None]
        if not items:
            yield prefix, model
            return
    else:
        raise ValueError(f"{prefix or 'model'}: expected a module or a list of modules, got {type(model).__name__}")
    for name, child in items:
        yield from spatial_layers(child, name if not prefix else prefix + "." + name)


def layer_geometry(layer, name):
    """(kernel, stride, padding, dilation), each an (h, w) pair, of a spatial layer;
    None for a pass-through layer; ValueError naming the layer for anything else."""
    if isinstance(layer, PASS_THROUGH):
        return None
    kind = type(layer).__name__
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)) and layer.ceil_mode:
        raise ValueError(f"cannot analyse layer {name} ({kind} with ceil_mode=True)")
    if isinstance(layer, nn.Conv2d):
        if isinstance(layer.padding, str) and layer.padding != "valid":
            raise ValueError(f"cannot analyse layer {name} ({kind} with padding={layer.padding!r})")
        pad = (0, 0) if layer.padding == "valid" else _pair(layer.padding, name)
        return _pair(layer.kernel_size, name), _pair(layer.stride, name), pad, _pair(layer.dilation, name)
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        k = _pair(layer.kernel_size, name)
        s = k if layer.stride is None else _pair(layer.stride, name)
        d = _pair(layer.dilation, name) if isinstance(layer, nn.MaxPool2d) else (1, 1)
        return k, s, _pair(layer.padding, name), d
    raise ValueError(f"cannot analyse layer {name} ({kind}): not a convolution, a pooling or a pass-through layer")


def _spatial(model):
    return [(n, g) for n, l in spatial_layers(model) for g in [layer_geometry(l, n)] if g is not None]


def _axis_step(state, k, s, p, d):
    """One layer on one axis: (n, rf, jump, start) -> the same after the layer."""
    n, rf, jump, start = state
    ke = d * (k - 1) + 1
    return ((n + 2 * p - ke) // s + 1, rf + (ke - 1) * jump, jump * s, start + ((ke - 1) / 2 - p) * jump)


def receptive_field(model, input_size):
    """One LayerRF per spatial layer (Conv2d, MaxPool2d, AvgPool2d) of `model`, in forward order,
    for an input of `input_size` (an int or an (h, w) pair)."""
    size = _pair(input_size, "input_size")
    if min(size) <= 0:
        raise ValueError(f"input_size must be positive, got {input_size!r}")
    states = [(size[0], 1, 1, 0.0), (size[1], 1, 1, 0.0)]
    records = []
    for name, (k, s, p, d) in _spatial(model):
        states = [_axis_step(states[a], k[a], s[a], p[a], d[a]) for a in (0, 1)]
        if states[0][0] < 1 or states[1][0] < 1:
            raise ValueError(f"layer {name}: input of size {size} too small (output {states[0][0]}x{states[1][0]})")
        h, w = states
        records.append(LayerRF(name, (h[0], w[0]), (h[1], w[1]), (h[2], w[2]), (float(h[3]), float(w[3]))))
    return records


def _measure_axis(layers, n):
    """Extent of the gradient of the centre unit of a 1-D stand-in (ones kernels) over n pixels."""
    x = torch.ones(1, 1, n, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, p, d in layers:
        y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, padding=p, dilation=d)
    y[0, 0, y.shape[-1] // 2].backward()
    nz = torch.nonzero(x.grad[0, 0]).flatten()
    return int(nz.max() - nz.min()) + 1


def empirical_receptive_field(model, input_size):
    """Receptive field (h, w) of the centre output unit (index (Ho // 2, Wo // 2)) of `model`'s
    last spatial layer, measured by backpropagation. Leaves `model` unchanged."""
    size = _pair(input_size, "input_size")
    geometries = [g for _, g in _spatial(model)]
    if not geometries:
        raise ValueError("no convolution or pooling layer in the model")
    return tuple(_measure_axis([(k[a], s[a], p[a], d[a]) for k, s, p, d in geometries], size[a])
                 for a in (0, 1))


def _conv_relu(c_in, c_out, **kw):
    return [nn.Conv2d(c_in, c_out, **kw), nn.ReLU(inplace=True)]


def alexnet(num_classes=1000):
    """AlexNet as torchvision lays it out: `features`, `avgpool`, `classifier`."""
    features = nn.Sequential(
        *_conv_relu(3, 64, kernel_size=11, stride=4, padding=2), nn.MaxPool2d(kernel_size=3, stride=2),
        *_conv_relu(64, 192, kernel_size=5, padding=2), nn.MaxPool2d(kernel_size=3, stride=2),
        *_conv_relu(192, 384, kernel_size=3, padding=1),
        *_conv_relu(384, 256, kernel_size=3, padding=1),
        *_conv_relu(256, 256, kernel_size=3, padding=1), nn.MaxPool2d(kernel_size=3, stride=2),
    )
    classifier = nn.Sequential(nn.Dropout(), nn.Linear(9216, 4096), nn.ReLU(inplace=True),
                               nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
                               nn.Linear(4096, num_classes))
    return ClassicCNN(features, nn.AdaptiveAvgPool2d((6, 6)), classifier)


def vgg16(num_classes=1000):
    """VGG16 (configuration D, no batch norm) as torchvision lays it out."""
    blocks = [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]
    layers, c_in = [], 3
    for width, repeat in blocks:
        for _ in range(repeat):
            layers += _conv_relu(c_in, width, kernel_size=3, padding=1)
            c_in = width
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    classifier = nn.Sequential(nn.Linear(25088, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
                               nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),
                               nn.Linear(4096, num_classes))
    return ClassicCNN(nn.Sequential(*layers), nn.AdaptiveAvgPool2d((7, 7)), classifier)


def stacked_rf(kernel_size, num_layers):
    """Receptive field (one side) of `num_layers` stacked kernel_size x kernel_size convolutions, stride 1."""
    state = (10 ** 9, 1, 1, 0.0)          # size is irrelevant for rf; any large input
    for _ in range(num_layers):
        state = _axis_step(state, kernel_size, 1, 0, 1)
    return state[1]


def stack_weights(kernel_size, num_layers, channels):
    """Weights (no biases) of `num_layers` stacked k x k convolutions with `channels` in and out."""
    return int(np.prod([num_layers, kernel_size, kernel_size, channels, channels], dtype=object))


KEYS = ("model", "year", "depth", "params", "input_size", "rf")


def architecture_table():
    """One row per network, in order LeNet-5, AlexNet, VGG16."""
    rows = []
    for name, year, factory, size in (("LeNet-5", 1998, "LeNet5", 32), ("AlexNet", 2012, "alexnet", 224),
                                      ("VGG16", 2014, "vgg16", 224)):
        net = globals()[factory]()
        depth = sum(1 for m in net.modules() if isinstance(m, (nn.Linear, nn.Conv2d)))
        params = sum(p.numel() for p in net.parameters())
        rf = receptive_field(net.features, size)[-1].rf
        rows.append(dict(zip(KEYS, (name, year, depth, params, size, rf))))
    return rows
