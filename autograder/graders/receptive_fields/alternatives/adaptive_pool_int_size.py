"""Alternative (moderately UNSURE on one point): the adaptive average pools are written with an int
size, `nn.AdaptiveAvgPool2d(6)` and `nn.AdaptiveAvgPool2d(7)`, and `nn.Dropout()` with its default
p (0.5); the measurement backpropagates a one-hot-weighted sum of the stand-in's output.

Targets graders that over-specify module constructor spelling. The text lists "`avgpool`:
`AdaptiveAvgPool2d((6, 6))`" and asks to "Build both networks as `torchvision.models` lays them
out (so that torchvision's pretrained weights would load into them)". `AdaptiveAvgPool2d(6)` is the
same layer: PyTorch documents an int output size as "a square image H x H", it has no parameters,
computes exactly the same output, and torchvision's state_dict loads unchanged. Only its repr /
`output_size` attribute differs (6 instead of (6, 6)). UNSURE: the text writes the tuple form
literally, so a strict reader may call the int form a deviation; functionally it is identical.
Likewise "dropout has `p=0.5`": `nn.Dropout()` has p=0.5 by default.

Other choices:
- `receptive_field` keeps per-axis lists and returns tuples; `start` values are floats.
- `architecture_table` counts weighted layers over `named_modules()` and params over
  `state_dict()` entries that are parameters (same numbers: none of these networks has buffers).
"""
import numpy as np
import torch
import torch.nn as nn

PASS_THROUGH = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Identity,
                nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)


def _pair(value, name):
    """An int or an (h, w) pair of ints as a tuple of two Python ints; ValueError otherwise."""
    ok = lambda v: isinstance(v, (int, np.integer)) and not isinstance(v, bool)
    if ok(value):
        return (int(value),) * 2
    if isinstance(value, (tuple, list)) and len(value) == 2 and ok(value[0]) and ok(value[1]):
        return (int(value[0]), int(value[1]))
    raise ValueError(f"{name}: need an int or an (h, w) pair of ints, not {value!r}")


def spatial_layers(model, prefix=""):
    """Yield (qualified name, module) for every leaf module of `model` in forward order."""
    if isinstance(model, nn.Module):
        named = list(model.named_children())
        if not named:
            yield prefix, model
            return
    elif isinstance(model, (list, tuple)):
        named = [(str(i), m) for i, m in enumerate(model)]
    else:
        raise ValueError(f"{prefix or 'model'}: cannot walk a {type(model).__name__}")
    for child_name, child in named:
        yield from spatial_layers(child, ".".join(filter(None, [prefix, child_name])))


def layer_geometry(layer, name):
    """(kernel, stride, padding, dilation), each an (h, w) pair, of a spatial layer;
    None for a pass-through layer; ValueError naming the layer for anything else."""
    if isinstance(layer, PASS_THROUGH):
        return None
    if isinstance(layer, nn.Conv2d):
        if layer.padding == "valid":
            padding = (0, 0)
        elif isinstance(layer.padding, str):
            raise ValueError(f"{name} ({type(layer).__name__}): padding={layer.padding!r} cannot be analysed")
        else:
            padding = _pair(layer.padding, name)
        return _pair(layer.kernel_size, name), _pair(layer.stride, name), padding, _pair(layer.dilation, name)
    if isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
        if layer.ceil_mode:
            raise ValueError(f"{name} ({type(layer).__name__}): ceil_mode=True cannot be analysed")
        k = _pair(layer.kernel_size, name)
        s = _pair(layer.stride, name) if layer.stride is not None else k
        d = _pair(getattr(layer, "dilation", 1), name) if isinstance(layer, nn.MaxPool2d) else (1, 1)
        return k, s, _pair(layer.padding, name), d
    raise ValueError(f"{name} ({type(layer).__name__}) cannot be analysed: not a conv, pool or pass-through layer")


def receptive_field(model, input_size):
    """One LayerRF per spatial layer (Conv2d, MaxPool2d, AvgPool2d) of `model`, in forward order,
    for an input of `input_size` (an int or an (h, w) pair)."""
    size = list(_pair(input_size, "input_size"))
    if size[0] < 1 or size[1] < 1:
        raise ValueError(f"input_size must be at least 1, got {input_size!r}")
    rf, jump, start = [1, 1], [1, 1], [0.0, 0.0]
    out = []
    for name, layer in spatial_layers(model):
        geometry = layer_geometry(layer, name)
        if geometry is None:
            continue
        k, s, p, d = geometry
        for a in (0, 1):
            span = d[a] * (k[a] - 1) + 1
            size[a] = (size[a] + 2 * p[a] - span) // s[a] + 1
            start[a] += ((span - 1) / 2 - p[a]) * jump[a]
            rf[a] += (span - 1) * jump[a]
            jump[a] *= s[a]
        if min(size) < 1:
            raise ValueError(f"{name}: input {input_size!r} too small (this layer's output would be {tuple(size)})")
        out.append(LayerRF(name, tuple(size), tuple(rf), tuple(jump), tuple(float(v) for v in start)))
    return out


def empirical_receptive_field(model, input_size):
    """Receptive field (h, w) of the centre output unit (index (Ho // 2, Wo // 2)) of `model`'s
    last spatial layer, measured by backpropagation. Leaves `model` unchanged."""
    h, w = _pair(input_size, "input_size")
    geometries = [g for n, l in spatial_layers(model) if (g := layer_geometry(l, n)) is not None]
    if not geometries:
        raise ValueError("nothing to measure: the model has no convolution or pooling layer")
    x = torch.ones(1, 1, h, w, dtype=torch.float64, requires_grad=True)
    y = x
    for k, s, p, d in geometries:
        y = torch.conv2d(y, torch.ones(1, 1, *k, dtype=torch.float64), None, s, p, d)
    pick = torch.zeros_like(y)
    pick[0, 0, y.shape[2] // 2, y.shape[3] // 2] = 1
    (y * pick).sum().backward()
    g = x.grad[0, 0].numpy()
    rows = np.nonzero(g.any(axis=1))[0]
    cols = np.nonzero(g.any(axis=0))[0]
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def alexnet(num_classes=1000):
    """AlexNet as torchvision lays it out: `features`, `avgpool`, `classifier`."""
    features = nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, 2),
    )
    classifier = nn.Sequential(
        nn.Dropout(), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(),
        nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(),
        nn.Linear(4096, num_classes),
    )
    return ClassicCNN(features, nn.AdaptiveAvgPool2d(6), classifier)


def vgg16(num_classes=1000):
    """VGG16 (configuration D, no batch norm) as torchvision lays it out."""
    layers, c_in = [], 3
    for block in ([64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]):
        for c_out in block:
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]
            c_in = c_out
        layers += [nn.MaxPool2d(2, 2)]
    classifier = nn.Sequential(
        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Dropout(),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(),
        nn.Linear(4096, num_classes),
    )
    return ClassicCNN(nn.Sequential(*layers), nn.AdaptiveAvgPool2d(7), classifier)


def stacked_rf(kernel_size, num_layers):
    """Receptive field (one side) of `num_layers` stacked kernel_size x kernel_size convolutions, stride 1."""
    return (kernel_size - 1) * num_layers + 1


def stack_weights(kernel_size, num_layers, channels):
    """Weights (no biases) of `num_layers` stacked k x k convolutions with `channels` in and out."""
    return num_layers * channels * channels * kernel_size * kernel_size


def architecture_table():
    """One row per network, in order LeNet-5, AlexNet, VGG16."""
    table = []
    for name, year, size, build in (("LeNet-5", 1998, 32, LeNet5), ("AlexNet", 2012, 224, alexnet),
                                    ("VGG16", 2014, 224, vgg16)):
        net = build()
        parameter_names = {n for n, _ in net.named_parameters()}
        table.append({
            "model": name,
            "year": year,
            "depth": sum(isinstance(m, (nn.Conv2d, nn.Linear)) for _, m in net.named_modules()),
            "params": sum(t.numel() for n, t in net.state_dict().items() if n in parameter_names),
            "input_size": size,
            "rf": receptive_field(net.features, size)[-1].rf,
        })
    return table
