"""Grader-written code that runs in the student's process (this module is shipped as source by `student.probe`).

Each probe in `PROBES` takes the answer module first: it builds models from
plain-data specs (see `_specs.py`), hands them to the answer's functions and
returns what came back as plain data. It never judges anything: the checks
compare on the trusted side, which also imports `build` from here to build the
very same models. The module must stay self-contained: it imports only what the
answer process has.
"""
from collections import OrderedDict

import torch
import torch.nn as nn

PROBES = ("rf", "empirical", "empirical_leaves_model", "net", "table", "table_patched")


# -- models from specs -------------------------------------------------------------

def build(spec):
    """The torch module a spec describes (here and in the answer's process alike)."""
    if isinstance(spec, list):
        return nn.Sequential(*[build(s) for s in spec])
    t = spec["type"]
    if t == "seq":
        return nn.Sequential(OrderedDict((name, build(s)) for name, s in spec["layers"]))
    if t == "conv":
        return _conv(spec)
    if t == "max":
        return nn.MaxPool2d(spec["k"], stride=spec.get("s"), padding=spec.get("p", 0),
                            dilation=spec.get("d", 1), ceil_mode=spec.get("ceil", False))
    if t == "avg":
        return nn.AvgPool2d(spec["k"], stride=spec.get("s"), padding=spec.get("p", 0))
    if t == "bn":
        bn = nn.BatchNorm2d(spec["c"])
        if spec.get("zero"):
            with torch.no_grad():
                bn.weight.zero_()
        return bn.eval() if spec.get("eval") else bn
    simple = {"relu": nn.ReLU, "tanh": nn.Tanh, "drop": lambda: nn.Dropout(0.5),
              "drop2d": lambda: nn.Dropout2d(0.3), "identity": nn.Identity,
              "lrn": lambda: nn.LocalResponseNorm(5), "leaky": lambda: nn.LeakyReLU(0.1),
              "upsample": lambda: nn.Upsample(scale_factor=2), "flatten": nn.Flatten,
              "adaptive": lambda: nn.AdaptiveAvgPool2d(1), "convT": lambda: nn.ConvTranspose2d(2, 2, 3)}
    if t in simple:
        return simple[t]()
    if t == "linear":
        return nn.Linear(spec["in"], spec["out"])
    raise KeyError(t)


def _conv(spec):
    conv = nn.Conv2d(spec["in"], spec["out"], spec["k"], stride=spec.get("s", 1),
                     padding=spec.get("p", 0), dilation=spec.get("d", 1))
    with torch.no_grad():
        w = spec.get("weights")
        if w == "edges_cancel":
            # edge taps +1 from even input channels, -1 from odd ones; inner taps 1:
            # paths to the outermost input pixels cancel exactly (in-channels even)
            conv.weight.fill_(1.0)
            sign = torch.tensor([1.0 if c % 2 == 0 else -1.0 for c in range(spec["in"])])
            edge = torch.zeros(conv.weight.shape[-2:], dtype=torch.bool)
            edge[0, :] = edge[-1, :] = edge[:, 0] = edge[:, -1] = True
            conv.weight[:, :, edge] = sign[None, :, None]
        elif w == "ones":
            conv.weight.fill_(1.0)
        elif w == "edges_zero":
            conv.weight[:, :, 0, :] = 0
            conv.weight[:, :, -1, :] = 0
            conv.weight[:, :, :, 0] = 0
            conv.weight[:, :, :, -1] = 0
        if "bias" in spec:
            conv.bias.fill_(spec["bias"])
    return conv


# -- receptive_field and empirical_receptive_field ------------------------------------

def rf(answer, spec, size, as_list):
    """receptive_field on the model a spec describes (passed as a list of its modules if `as_list`)."""
    model = build(spec)
    return _records(answer.receptive_field(list(model) if as_list else model, size))


def empirical(answer, spec, size):
    result = answer.empirical_receptive_field(build(spec), size)
    return _pair(result)


def empirical_leaves_model(answer, spec, size):
    """The model's state before and after empirical_receptive_field."""
    model = build(spec)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    modes = [m.training for m in model.modules()]
    answer.empirical_receptive_field(model, size)
    changed = [k for k, v in model.state_dict().items() if k not in before or not torch.equal(v, before[k])]
    return {"changed": changed, "modes_same": modes == [m.training for m in model.modules()],
            "types": [type(m).__name__ for m in model.modules()]}


def _pair(v):
    try:
        return tuple(float(x) for x in v)
    except Exception:  # noqa: BLE001 - reported as it is
        return repr(v)[:80]


def _record(r):
    out = {}
    for key in ("name", "size", "rf", "jump", "start"):
        try:
            v = r[key] if isinstance(r, dict) else getattr(r, key)
        except Exception:  # noqa: BLE001
            out[key] = "<missing>"
            continue
        out[key] = (v if isinstance(v, str) else repr(v)[:80]) if key == "name" else _pair(v)
    return out


def _records(result):
    if isinstance(result, (list, tuple)):
        return [_record(r) for r in result]
    return {"not_a_list": type(result).__name__}


# -- the classic networks and the architecture table ----------------------------------

class no_init:
    # skips torch.nn.init's random fills while a network is built (shapes and counts
    # do not depend on them, and filling VGG16's 138M parameters takes seconds)
    names = ("uniform_", "normal_", "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_",
             "xavier_normal_", "trunc_normal_", "constant_", "zeros_", "ones_")

    def __enter__(self):
        self.saved = {n: getattr(nn.init, n) for n in self.names}
        for n in self.names:
            setattr(nn.init, n, lambda tensor, *a, **k: tensor)

    def __exit__(self, *exc):
        for n, f in self.saved.items():
            setattr(nn.init, n, f)


def net(answer, which, num_classes, input_hw):
    """The answer's "alexnet" / "vgg16" (num_classes None: the default), summarised."""
    make = getattr(answer, which)
    with no_init():
        model = make() if num_classes is None else make(num_classes=num_classes)
    return _net_summary(model, input_hw)


def _net_summary(model, input_hw):
    # parameters, state_dict layout, leaf layers of `features`, output shape on a small batch
    info = {"params": sum(p.numel() for p in model.parameters()),
            "state": [(k, tuple(v.shape)) for k, v in model.state_dict().items()],
            "children": [n for n, _ in model.named_children()],
            "types": {n: type(getattr(model, n, None)).__name__ for n in ("features", "classifier")}}
    for part in ("features", "classifier"):
        sub = getattr(model, part, None)
        info[part] = ([(n, _leaf_geometry(m)) for n, m in sub.named_modules() if not list(m.children())]
                      if isinstance(sub, nn.Module) else None)
    model.eval()
    with torch.no_grad():
        out = model(torch.zeros(2, 3, input_hw, input_hw))
    info["out_shape"] = tuple(out.shape)
    return info


def _leaf_geometry(m):
    g = [type(m).__name__]
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                 "in_features", "out_features", "output_size", "p", "ceil_mode"):
        if hasattr(m, attr):
            v = getattr(m, attr)
            g.append((attr, v if isinstance(v, (int, float, str, bool, type(None))) else tuple(v)))
    return g


def table(answer):
    with no_init():
        return answer.architecture_table()


def table_patched(answer):
    """The table from three small stand-in networks."""
    saved = {n: getattr(answer, n) for n in ("LeNet5", "alexnet", "vgg16")}

    def standin(channels):
        def make(num_classes=1000):
            features = nn.Sequential(nn.Conv2d(channels, 5, 7, stride=2), nn.ReLU(), nn.MaxPool2d(3, 2))
            return answer.ClassicCNN(features, nn.AdaptiveAvgPool2d(1), nn.Sequential(nn.Linear(5, 7)))
        return make

    try:
        for n in saved:
            setattr(answer, n, standin(1 if n == "LeNet5" else 3))
        return answer.architecture_table()
    finally:
        for n, f in saved.items():
            setattr(answer, n, f)
