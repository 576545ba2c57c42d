"""Alternative: `start` is an int where it is a whole number (2, not 2.0), the walk over the model
uses `named_modules()` (leaves only) instead of recursion, the stand-in network is an
nn.Sequential of real nn.Conv2d modules filled with ones, and VGG16 is written out layer by layer.

Targets graders that over-specify:
- the numeric type of `start`. The text: "`start`, where the centre of the field of the first unit
  (index 0) lies ... It may be a half-integer ... or negative". Whole-number starts are returned
  as Python ints (2, 6, -1), half-integers as floats (2.5). Equal values compare equal
  (`2 == 2.0`), and the visible check writes `(2, 2)` itself.
- how `spatial_layers` walks the model ("an nn.Sequential (nested ones too, in forward order),
  any module with children, or a plain list of modules"): leaves of `named_modules()`, which are
  listed in the same order and with the same qualified names.
- how the gradient is taken: `torch.autograd.functional.vjp` on the stand-in network.
- ReLUs: AlexNet's are `inplace=True` ("All ReLUs may be `inplace=True` or not").

Behaviours the text leaves open and that this file decides:
- `input_size` of 0 or less raises ValueError; a model without spatial layers gives [] from
  `receptive_field` and a ValueError from `empirical_receptive_field`.
"""
import numpy as np
import torch
import torch.nn as nn

PASS_THROUGH = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Identity,
                nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)


def _pair(value, name):
    """An int or an (h, w) pair of ints as a tuple of two Python ints; ValueError otherwise."""
    def is_int(v):
        return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
    if is_int(value):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or an (h, w) pair of ints, got {value!r}")


def spatial_layers(model, prefix=""):
    """Yield (qualified name, module) for every leaf module of `model` in forward order."""
    if isinstance(model, (list, tuple)):
        parts = [(f"{prefix}.{i}" if prefix else str(i), m) for i, m in enumerate(model)]
    else:
        parts = [(prefix, model)]
    for base, module in parts:
        if not isinstance(module, nn.Module):
            raise ValueError(f"{base or 'model'}: not an nn.Module ({type(module).__name__})")
        for name, sub in module.named_modules(prefix=base):
            if next(sub.children(), None) is None:
                yield name, sub


def layer_geometry(layer, name):
    """(kernel, stride, padding, dilation), each an (h, w) pair, of a spatial layer;
    None for a pass-through layer; ValueError naming the layer for anything else."""
    if isinstance(layer, PASS_THROUGH):
        return None
    if isinstance(layer, nn.Conv2d):
        padding = layer.padding
        if padding == "valid":
            padding = 0
        elif isinstance(padding, str):
            raise ValueError(f"{name}: {layer} uses padding={padding!r}, which cannot be analysed")
        return (_pair(layer.kernel_size, name), _pair(layer.stride, name),
                _pair(padding, name), _pair(layer.dilation, name))
    if isinstance(layer, nn.MaxPool2d):
        if layer.ceil_mode:
            raise ValueError(f"{name}: {layer} uses ceil_mode=True, which cannot be analysed")
        k = _pair(layer.kernel_size, name)
        return k, (k if layer.stride is None else _pair(layer.stride, name)), \
            _pair(layer.padding, name), _pair(layer.dilation, name)
    if isinstance(layer, nn.AvgPool2d):
        if layer.ceil_mode:
            raise ValueError(f"{name}: {layer} uses ceil_mode=True, which cannot be analysed")
        k = _pair(layer.kernel_size, name)
        return k, (k if layer.stride is None else _pair(layer.stride, name)), _pair(layer.padding, name), (1, 1)
    raise ValueError(f"{name}: {type(layer).__name__} cannot be analysed by receptive-field arithmetic")


def _number(v):
    """A whole number as an int, a half-integer as a float."""
    return int(v) if float(v).is_integer() else float(v)


def receptive_field(model, input_size):
    """One LayerRF per spatial layer (Conv2d, MaxPool2d, AvgPool2d) of `model`, in forward order,
    for an input of `input_size` (an int or an (h, w) pair)."""
    size = _pair(input_size, "input_size")
    if size[0] < 1 or size[1] < 1:
        raise ValueError(f"input_size must be positive, got {input_size!r}")
    rf, jump, start = (1, 1), (1, 1), (0, 0)
    records = []
    for name, layer in spatial_layers(model):
        geometry = layer_geometry(layer, name)
        if geometry is None:
            continue
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = geometry
        eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
        size = ((size[0] + 2 * ph - eh) // sh + 1, (size[1] + 2 * pw - ew) // sw + 1)
        if size[0] <= 0 or size[1] <= 0:
            raise ValueError(f"{name}: input {input_size!r} is too small, this layer's output would be {size}")
        start = (_number(start[0] + ((eh - 1) / 2 - ph) * jump[0]),
                 _number(start[1] + ((ew - 1) / 2 - pw) * jump[1]))
        rf = (rf[0] + (eh - 1) * jump[0], rf[1] + (ew - 1) * jump[1])
        jump = (jump[0] * sh, jump[1] * sw)
        records.append(LayerRF(name=name, size=size, rf=rf, jump=jump, start=start))
    return records


def empirical_receptive_field(model, input_size):
    """Receptive field (h, w) of the centre output unit (index (Ho // 2, Wo // 2)) of `model`'s
    last spatial layer, measured by backpropagation. Leaves `model` unchanged."""
    h, w = _pair(input_size, "input_size")
    stand_in = nn.Sequential()
    for name, layer in spatial_layers(model):
        geometry = layer_geometry(layer, name)
        if geometry is None:
            continue
        k, s, p, d = geometry
        conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False).double()
        with torch.no_grad():
            conv.weight.fill_(1.0)
        stand_in.append(conv)
    if len(stand_in) == 0:
        raise ValueError("no convolution or pooling layer: there is no receptive field to measure")
    image = torch.ones(1, 1, h, w, dtype=torch.float64)
    out = stand_in(image)
    Ho, Wo = out.shape[-2:]
    seed = torch.zeros_like(out)
    seed[0, 0, Ho // 2, Wo // 2] = 1.0
    _, grad = torch.autograd.functional.vjp(stand_in, image, seed)
    rows = np.flatnonzero((grad[0, 0] != 0).any(dim=1).numpy())
    cols = np.flatnonzero((grad[0, 0] != 0).any(dim=0).numpy())
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def alexnet(num_classes=1000):
    """AlexNet as torchvision lays it out: `features`, `avgpool`, `classifier`."""
    return ClassicCNN(
        nn.Sequential(
            nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        ),
        nn.AdaptiveAvgPool2d((6, 6)),
        nn.Sequential(
            nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes),
        ),
    )


def vgg16(num_classes=1000):
    """VGG16 (configuration D, no batch norm) as torchvision lays it out."""
    features = nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2, stride=2),
        nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2, stride=2),
        nn.Conv2d(128, 256, 3, padding=1), nn.ReLU(), nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2, stride=2),
        nn.Conv2d(256, 512, 3, padding=1), nn.ReLU(), nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(),
        nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2, stride=2),
        nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(), nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(),
        nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2, stride=2),
    )
    classifier = nn.Sequential(
        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(),
        nn.Linear(4096, num_classes),
    )
    return ClassicCNN(features, nn.AdaptiveAvgPool2d((7, 7)), classifier)


def stacked_rf(kernel_size, num_layers):
    """Receptive field (one side) of `num_layers` stacked kernel_size x kernel_size convolutions, stride 1."""
    rf = 1
    for _ in range(num_layers):
        rf += kernel_size - 1          # jump stays 1 with stride 1
    return rf


def stack_weights(kernel_size, num_layers, channels):
    """Weights (no biases) of `num_layers` stacked k x k convolutions with `channels` in and out."""
    per_layer = kernel_size ** 2 * channels ** 2
    return per_layer * num_layers


def _depth(model):
    return len([name for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))])


def architecture_table():
    """One row per network, in order LeNet-5, AlexNet, VGG16."""
    specs = [("LeNet-5", 1998, 32, lambda: LeNet5()),
             ("AlexNet", 2012, 224, lambda: alexnet()),
             ("VGG16", 2014, 224, lambda: vgg16())]
    table = []
    for name, year, size, build in specs:
        net = build()
        table.append(dict(model=name, year=year, depth=_depth(net),
                          params=sum(t.numel() for t in net.parameters()),
                          input_size=size, rf=receptive_field(net.features, size)[-1].rf))
    return table
