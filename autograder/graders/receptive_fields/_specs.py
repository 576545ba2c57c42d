"""Trusted side: models as plain-data specs, and the expected receptive fields.

A spec is a list (an nn.Sequential), a {"type": "seq", "layers": [(name, spec), ...]}
(a Sequential with named children) or one layer, e.g. conv(3, 8, 3, p=1). The same
spec is built into torch modules here (for the expected values) and in the
student's process (by `_probes.build`, which does the building in both places).
"""
import numpy as np
import torch
import torch.nn as nn

from autograder.graders.lenet5 import reference as lenet5_reference
from autograder.harness.checks import CheckFailed, expect

from . import _probes


# -- specs -----------------------------------------------------------------------

def conv(cin, cout, k, s=1, p=0, d=1, **extra):
    return dict(type="conv", **{"in": cin, "out": cout}, k=k, s=s, p=p, d=d, **extra)


def maxpool(k, s=None, p=0, d=1):
    return dict(type="max", k=k, s=s, p=p, d=d)


def avgpool(k, s=None, p=0):
    return dict(type="avg", k=k, s=s, p=p)


def layer(t, **kw):
    return dict(type=t, **kw)


def seq(*named):
    return dict(type="seq", layers=list(named))


RELU = layer("relu")



def spec_of(layers):
    """The spec of an nn.Sequential of convolutions, poolings and ReLUs (pairs of equal values as one int)."""
    def one(v):
        pair = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
        return pair[0] if pair[0] == pair[1] else pair

    spec = []
    for m in layers:
        if isinstance(m, nn.Conv2d):
            spec.append(conv(m.in_channels, m.out_channels, one(m.kernel_size), one(m.stride), one(m.padding),
                             one(m.dilation)))
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            k, s, p = one(m.kernel_size), one(m.stride), one(m.padding)
            s = None if s == k else s
            spec.append(maxpool(k, s, p, one(m.dilation)) if isinstance(m, nn.MaxPool2d) else avgpool(k, s, p))
        elif isinstance(m, nn.ReLU):
            spec.append(RELU)
        else:
            raise TypeError(f"grader bug: no spec for {type(m).__name__}")
    return spec


# exercise 2's network, from its one home (the lenet5 reference answer)
LENET5_FEATURES = spec_of(lenet5_reference.REFERENCE.LeNet5().features)

ALEXNET_FEATURES = [conv(3, 64, 11, 4, 2), RELU, maxpool(3, 2), conv(64, 192, 5, p=2), RELU, maxpool(3, 2),
                    conv(192, 384, 3, p=1), RELU, conv(384, 256, 3, p=1), RELU, conv(256, 256, 3, p=1), RELU,
                    maxpool(3, 2)]


def vgg16_features(until=None):
    layers, cin = [], 3
    for v in (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"):
        if v == "M":
            layers.append(maxpool(2, 2))
        else:
            layers += [conv(cin, v, 3, p=1), RELU]
            cin = v
    return layers[:until]


# -- expected values ---------------------------------------------------------------

def _p(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def expected_records(spec, size, *, verify=True):
    """The records receptive_field must return, as dicts; sizes are cross-checked by a forward pass
    (shapes only: on the meta device, so a VGG16 costs nothing)."""
    model = _probes.build(spec)
    h, w = _p(size)
    rf, jump, start = (1, 1), (1, 1), (0.0, 0.0)
    out = []
    shapes = {}
    if verify:
        hooks = [m.register_forward_hook(lambda m, i, o, n=n: shapes.__setitem__(n, tuple(o.shape[-2:])))
                 for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d))]
        cin = next((m.in_channels for m in model.modules() if isinstance(m, nn.Conv2d)), 2)
        with torch.no_grad():
            model.to("meta").eval()(torch.zeros(1, cin, h, w, device="meta"))
        for hook in hooks:
            hook.remove()
    cur = (h, w)
    for name, m in model.named_modules():
        if not isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
            continue
        k, s, p = _p(m.kernel_size), _p(m.stride or m.kernel_size), _p(m.padding)
        d = _p(m.dilation) if hasattr(m, "dilation") else (1, 1)
        span = tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))
        cur = tuple((n + 2 * pi - e) // si + 1 for n, pi, e, si in zip(cur, p, span, s))
        if min(cur) < 1:
            raise ValueError(f"input too small at {name}")
        if verify and cur != shapes[name]:
            raise RuntimeError(f"grader bug: size {cur} != forward {shapes[name]} at {name}")
        start = tuple(st + ((e - 1) / 2 - pi) * j for st, e, pi, j in zip(start, span, p, jump))
        rf = tuple(r + (e - 1) * j for r, e, j in zip(rf, span, jump))
        jump = tuple(j * si for j, si in zip(jump, s))
        out.append(dict(name=name, size=cur, rf=rf, jump=jump, start=start))
    return out


def centre_field_inside(spec, size, *, verify=True):
    """The last layer's record if its centre unit's field lies inside the input, else None."""
    rec = expected_records(spec, size, verify=verify)[-1]
    for n, o, r, j, st in zip(_p(size), rec["size"], rec["rf"], rec["jump"], rec["start"]):
        c = st + (o // 2) * j
        if c - (r - 1) / 2 < 0 or c + (r - 1) / 2 > n - 1:
            return None
    return rec


def random_stack(rng, *, pools=True, dilation=True, asymmetric=True):
    """A random spec of 2 to 6 spatial layers with pass-through layers between them."""
    def pair(lo, hi):
        a = int(rng.integers(lo, hi + 1))
        if asymmetric and rng.random() < 0.4:
            return (a, int(rng.integers(lo, hi + 1)))
        return a

    spec, cin = [], 2
    for _ in range(int(rng.integers(2, 7))):
        kind = rng.choice(["conv", "conv", "max", "avg"]) if pools else "conv"
        k = pair(1, 5)
        s = pair(1, 3)
        kk = _p(k)
        if kind == "conv":
            cout = int(rng.integers(1, 4))
            d = pair(1, 3) if dilation else 1
            spec.append(conv(cin, cout, k, s, pair(0, 2), d))
            cin = cout
        else:
            p = tuple(int(rng.integers(0, ki // 2 + 1)) for ki in kk)
            p = p[0] if p[0] == p[1] and rng.random() < 0.5 else p
            spec.append(maxpool(k, s, p, pair(1, 2) if dilation else 1) if kind == "max" else avgpool(k, s, p))
        if rng.random() < 0.5:
            spec.append(layer(str(rng.choice(["relu", "tanh", "drop", "identity", "leaky"]))))
    return spec


def big_enough(spec, rng, *, inside=False, lo=8, hi=64):
    """An input size (h, w) that every layer fits (and, if `inside`, the centre field too)."""
    for size in [*range(lo, max(lo, hi)), *range(max(lo, hi), 1500, 7)]:
        hw = (size, size + int(rng.integers(0, 7)))
        try:
            if inside and centre_field_inside(spec, hw, verify=False) is None:
                continue
            expected_records(spec, hw, verify=False)
        except (RuntimeError, ValueError):
            continue
        try:
            expected_records(spec, hw)
            return hw
        except (RuntimeError, ValueError):
            continue
    raise RuntimeError("grader bug: no input size fits")


# -- comparisons -----------------------------------------------------------------

FIELDS = ("name", "size", "rf", "jump", "start")


def expect_records(got, expected, what, fields=FIELDS):
    if isinstance(got, dict) and "not_a_list" in got:
        raise CheckFailed(f"{what}: expected a list of LayerRF records, got {got['not_a_list']}")
    expect(len(got) == len(expected),
           f"{what}: {len(got)} records; there must be one per Conv2d, MaxPool2d and AvgPool2d layer "
           f"({len(expected)} here)")
    for i, (g, e) in enumerate(zip(got, expected)):
        for f in fields:
            value = g[f]
            if f == "name":
                ok = value == e[f]
            else:
                ok = isinstance(value, tuple) and len(value) == 2 and np.allclose(value, e[f], rtol=0, atol=1e-9)
            if not ok:
                shown = value if isinstance(value, str) else (tuple(_num(v) for v in value)
                                                              if isinstance(value, tuple) else value)
                raise CheckFailed(f"{what}: record {i} (layer {e['name']!r}): {f} = {shown!r} is wrong"
                                  + (" (an (h, w) pair was expected)" if f != "name" and not (
                                      isinstance(value, tuple) and len(value) == 2) else ""))


def _num(v):
    return int(v) if float(v).is_integer() else v


def describe(spec):
    """A short, student-readable description of a spec."""
    def one(s):
        if isinstance(s, list):
            return "Sequential(" + ", ".join(one(x) for x in s) + ")"
        t = s["type"]
        if t == "seq":
            return "Sequential(" + ", ".join(f"{n}={one(x)}" for n, x in s["layers"]) + ")"
        if t == "conv":
            args = [str(s["in"]), str(s["out"]), repr(s["k"])] + [
                f"{a}={s[k]!r}" for a, k, default in (("stride", "s", 1), ("padding", "p", 0), ("dilation", "d", 1))
                if s.get(k, default) != default]
            return f"Conv2d({', '.join(args)})"
        if t in ("max", "avg"):
            args = [repr(s["k"])] + [f"{a}={s[k]!r}" for a, k, default in (
                ("stride", "s", None), ("padding", "p", 0), ("dilation", "d", 1)) if s.get(k, default) != default]
            return f"{'MaxPool2d' if t == 'max' else 'AvgPool2d'}({', '.join(args)})"
        return {"relu": "ReLU()", "tanh": "Tanh()", "drop": "Dropout()", "drop2d": "Dropout2d()",
                "identity": "Identity()", "lrn": "LocalResponseNorm(5)", "leaky": "LeakyReLU()",
                "bn": "BatchNorm2d()", "upsample": "Upsample(scale_factor=2)", "flatten": "Flatten()",
                "adaptive": "AdaptiveAvgPool2d(1)", "linear": "Linear()", "convT": "ConvTranspose2d()"}[t]
    return one(spec)
