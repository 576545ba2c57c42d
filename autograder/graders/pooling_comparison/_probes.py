"""Grader-written code that runs in the student's process (this module is shipped as source by `student.probe`).

Each probe in `PROBES` takes the answer module first: it builds the answer's
modules, networks and figures, runs them and returns what it saw as plain data
(numbers, strings, arrays). It never judges anything: the checks compare on the
trusted side, where the same probe also runs on the reference. The module must
stay self-contained: it imports only what the answer process has.
"""
import numpy as np
import torch
import torch.nn as nn

PROBES = ("gap", "downsample", "downsample_twice", "downsample_error", "sensitivity", "net", "net_error",
          "compare", "plot")


def _in_text_order(module):
    # the text names `features` then `head`: their parameters in that order, whatever order the
    # attributes were registered in (the layers' order within each is the text's too)
    parts = [getattr(module, n, None) for n in ("features", "head")]
    if all(isinstance(m, nn.Module) for m in parts):
        return [p for m in parts for p in m.parameters()]
    return list(module.parameters())


def _fill(module):
    # deterministic parameters, in the text's order: the same for any correct answer
    with torch.no_grad():
        for i, p in enumerate(_in_text_order(module)):
            rng = np.random.default_rng(1000 + i)
            fan_in = int(np.prod(p.shape[1:])) if p.dim() > 1 else 4
            values = rng.standard_normal(tuple(p.shape)) / np.sqrt(fan_in)
            p.copy_(torch.from_numpy(values).to(p.dtype))
    return module


def _count(module):
    return int(sum(p.numel() for p in module.parameters()))


def _number(value):
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return float(value.item())
    if isinstance(value, (bool, np.bool_)):
        return repr(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return f"a {type(value).__name__}"


# -- gap_vs_flatten_params, make_downsample, shift_sensitivity --------------------------

def gap(answer, channels, height, width, num_classes):
    result = answer.gap_vs_flatten_params(channels, height, width, num_classes)
    if isinstance(result, (tuple, list)):
        return [int(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else repr(v)[:60]
                for v in result]
    return f"a {type(result).__name__}"


def downsample(answer, kind, channels, x, fill_weights):
    """x is float32 numpy; with fill_weights, the module's parameters are the grader's."""
    module = answer.make_downsample(kind, channels)
    if not isinstance(module, nn.Module):
        return {"module": False, "type": type(module).__name__}
    if fill_weights:
        _fill(module)
    with torch.no_grad():
        out = module(torch.from_numpy(x))
    return {"module": True, "type": type(module).__name__, "params": _count(module),
            "out": out.detach().numpy() if isinstance(out, torch.Tensor) else None,
            "trainable": [p.requires_grad for p in module.parameters()]}


def downsample_twice(answer, kind, channels):
    """Do two calls give two modules?"""
    a, b = answer.make_downsample(kind, channels), answer.make_downsample(kind, channels)
    shared = any(p is q for p in a.parameters() for q in b.parameters())
    return {"same_object": a is b, "shared_parameters": shared}


def downsample_error(answer, kind):
    try:
        answer.make_downsample(kind, 4)
    except ValueError as exc:
        return {"raised": "ValueError", "message": str(exc)[:500]}
    except Exception as exc:  # noqa: BLE001 - reported by type
        return {"raised": type(exc).__name__, "message": ""}
    return {"raised": None, "message": ""}


class Subsample(nn.Module):
    def forward(self, t):
        return t[:, :, ::2, ::2]


def sensitivity(answer, spec, x, shift):
    """shift_sensitivity of a known module (by name) on x; shift None: the default."""
    if spec == "identity":
        module = nn.Identity()
    elif spec == "max":
        module = nn.MaxPool2d(2)
    elif spec == "avg":
        module = nn.AvgPool2d(2)
    elif spec == "subsample":
        module = Subsample()
    elif spec == "gap":
        module = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())
    elif spec == "conv":
        module = _fill(nn.Sequential(nn.Conv2d(x.shape[1], 3, 3, stride=2), nn.ReLU()))
    else:
        raise KeyError(spec)
    before = x.copy()
    t = torch.from_numpy(x)
    value = answer.shift_sensitivity(module, t) if shift is None else answer.shift_sensitivity(module, t, shift)
    return {"value": _number(value), "python_float": type(value) is float,
            "input_unchanged": bool(np.array_equal(t.numpy(), before))}


# -- PoolingNet ---------------------------------------------------------------------------

def net(answer, kind, head, num_classes, x):
    model = answer.PoolingNet(kind, head=head, num_classes=num_classes)
    info = {"module": isinstance(model, nn.Module)}
    if not info["module"]:
        return info
    info["params"] = _count(model)
    info["shapes"] = [tuple(p.shape) for p in _in_text_order(model)]
    info["children"] = {n: type(getattr(model, n, None)).__name__ for n in ("features", "head")}
    _fill(model)
    model.eval()
    with torch.no_grad():
        out = model(torch.from_numpy(x))
    info["out"] = out.detach().numpy() if isinstance(out, torch.Tensor) else None
    return info


def net_error(answer, kind, head):
    try:
        answer.PoolingNet(kind, head=head)
    except ValueError:
        return "ValueError"
    except Exception as exc:  # noqa: BLE001
        return type(exc).__name__
    return None


# -- compare_pooling ----------------------------------------------------------------------

def compare(answer, train_x, train_y, test_x, test_y, epochs, calls):
    """compare_pooling once per (seed, global_seed, kinds, heads) in `calls`, with every PoolingNet it makes kept."""
    train = (torch.from_numpy(train_x), torch.from_numpy(train_y))
    test = (torch.from_numpy(test_x), torch.from_numpy(test_y))
    original = answer.PoolingNet
    made = []
    results = []
    answer.PoolingNet = _recording(original, made)
    try:
        for seed, global_seed, kinds, heads in calls:
            torch.manual_seed(global_seed)     # only the answer's own seeding can make runs repeat
            made.clear()
            rows = answer.compare_pooling(kinds, heads, train, test, epochs=epochs, seed=seed)
            models = [_trained_model(answer, model, initial, test) for model, initial in made]
            results.append({"rows": _plain_rows(rows), "models": models})
    finally:
        answer.PoolingNet = original
    return results


def _recording(original, made):
    """Stands in for the answer's PoolingNet: each model made goes into `made`, with its first weight as made."""
    if isinstance(original, type):
        class Recording(original):
            def __init__(self, *a, **k):
                super().__init__(*a, **k)
                first = next(iter(_in_text_order(self)), None)     # the first convolution's weight
                made.append((self, None if first is None else first.detach().clone()))
        return Recording

    def Recording(*a, **k):  # noqa: N802 - stands in for a class
        model = original(*a, **k)
        first = next(iter(_in_text_order(model)), None)
        made.append((model, None if first is None else first.detach().clone()))
        return model
    return Recording


def _trained_model(answer, model, initial, test):
    """A model compare_pooling trained: its held-out predictions, shift sensitivity and size."""
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(test[0][i:i + 250]).argmax(dim=1)
                          for i in range(0, len(test[0]), 250)])
        try:
            sens = answer.shift_sensitivity(model, test[0][:500])
            sens = _number(sens)
        except Exception as exc:  # noqa: BLE001
            sens = f"raised {type(exc).__name__}"
    return {"predictions": pred.numpy(), "sensitivity": sens, "params": _count(model),
            "initial": None if initial is None else initial.numpy()}


def _plain_rows(rows):
    if not isinstance(rows, (list, tuple)):
        return f"a {type(rows).__name__}"
    rows = [dict(r) if isinstance(r, dict) else f"a {type(r).__name__}" for r in rows]
    return [{k: (_number(v) if k not in ("kind", "head") else v) for k, v in r.items()}
            if isinstance(r, dict) else r for r in rows]


# -- plot_comparison ----------------------------------------------------------------------

def plot(answer, rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    fig = answer.plot_comparison(rows)
    if not isinstance(fig, Figure):
        return {"figure": False, "type": type(fig).__name__}
    try:
        fig.canvas.draw()
        axes = [_describe_axes(ax) for ax in fig.get_axes()]
        figure_legend = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
        return {"figure": True, "axes": axes, "figure_legend": figure_legend,
                "suptitle": fig._suptitle.get_text() if fig._suptitle else ""}
    finally:
        plt.close(fig)


def _describe_axes(ax):
    from matplotlib.container import BarContainer
    groups = []
    for c in ax.containers:
        if isinstance(c, BarContainer):
            bars = [(float(r.get_x() + r.get_width() / 2), float(r.get_height())) for r in c.patches]
            groups.append({"label": str(c.get_label()), "bars": bars})
    legend = ax.get_legend()
    return {"title": ax.get_title(), "ylabel": ax.get_ylabel(), "xlabel": ax.get_xlabel(),
            "groups": groups,
            "ticks": [(float(t), lab.get_text()) for t, lab in zip(ax.get_xticks(), ax.get_xticklabels())],
            "legend": [t.get_text() for t in legend.get_texts()] if legend else []}
