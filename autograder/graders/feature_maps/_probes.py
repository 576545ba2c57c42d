"""Grader-written code that runs in the student's process (this module is shipped as source by `student.probe`).

Each probe in `PROBES` takes the answer module first: it builds models by name and
seed, hands them (and tensors made from the arrays it is given) to the answer's
functions, and returns what came back as plain data: arrays, flags, hook ids,
figure contents. It never judges anything: the checks compare on the trusted
side, which also imports `build` from here to build the very same models. The
module must stay self-contained: it imports only what the answer process has.
"""
import io
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

PROBES = ("extract", "normalize", "normalize_raises", "plot_maps", "plot_filters")


def build(kind, seed):
    """A model of the grader's, by name and seed (here and in the answer's process alike)."""
    class VGGLike(nn.Module):                      # the lecture's, as the notebook gives it
        def __init__(self):
            super().__init__()
            self.block1 = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.block2 = nn.Sequential(nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
            self.block3 = nn.Sequential(nn.Conv2d(128, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))

        def forward(self, x):
            f1 = self.block1(x)
            f2 = self.block2(f1)
            f3 = self.block3(f2)
            return f1, f2, f3

    class Boom(nn.Module):
        """Fails in the forward pass, after the layers before it ran."""
        def forward(self, x):
            raise RuntimeError("this layer always fails")

    torch.manual_seed(seed)
    if kind == "vgglike":
        return VGGLike()
    if kind == "lenet":                         # LeNet-5 with a dropout in the classifier
        model = nn.Sequential(OrderedDict(
            features=nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.AvgPool2d(2),
                                   nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2)),
            classifier=nn.Sequential(nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Dropout(0.5),
                                     nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))))
        return model
    if kind == "nested":                        # batch norm, dropout, in-place ReLUs, three levels
        model = nn.Sequential(OrderedDict(
            stem=nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(inplace=True)),
            body=nn.Sequential(OrderedDict(
                block=nn.Sequential(OrderedDict(conv=nn.Conv2d(4, 8, 3), act=nn.ReLU(inplace=True),
                                                drop=nn.Dropout2d(0.5))),
                pool=nn.MaxPool2d(2))),
            head=nn.Sequential(nn.Conv2d(8, 5, 1), nn.Dropout(0.5))))
        with torch.no_grad():                   # batch norm with statistics of its own
            bn = model.stem[1]
            bn.running_mean.copy_(torch.linspace(-0.5, 0.5, 4))
            bn.running_var.copy_(torch.linspace(0.5, 2.0, 4))
            bn.weight.copy_(torch.linspace(0.5, 1.5, 4))
            bn.bias.copy_(torch.linspace(-0.2, 0.2, 4))
        return model
    if kind == "boom":
        return nn.Sequential(OrderedDict(conv=nn.Conv2d(1, 3, 3), act=nn.ReLU(), drop=nn.Dropout(0.3),
                                         boom=Boom(), head=nn.Conv2d(3, 2, 1)))
    raise KeyError(kind)


# -- extract_feature_maps: the model's state (hooks, modes, weights) before and after --

def extract(answer, kind, seed, x, layers, mode, x_grad=False, catch=False):
    """extract_feature_maps on a fresh model: what it returned, raised and left behind."""
    model = build(kind, seed)
    _set_modes(model, mode)
    seen = _watch(model)
    hooks_before = _hook_state(model)
    modes_before = [m.training for m in model.modules()]
    state_before = {k: v.clone() for k, v in model.state_dict().items()}
    inp = torch.from_numpy(x)
    if x_grad:
        inp.requires_grad_(True)
    out = {"raised": None}
    result = _extract_catching(answer, model, inp, layers, catch, out)
    out["calls"] = seen["calls"]
    out["grad_in_forward"] = seen["grad"]        # the lists themselves: the check below adds to them
    out["training_in_forward"] = seen["training"]
    out["hooks_same"] = _hook_state(model) == hooks_before
    out["modes_same"] = [m.training for m in model.modules()] == modes_before
    out["mode_names"] = [n or "<model>" for n, m in model.named_modules()]
    out["modes_after"] = [m.training for m in model.modules()]
    out["modes_before"] = modes_before
    after = model.state_dict()
    out["changed"] = [k for k, v in state_before.items() if k not in after or not torch.equal(after[k], v)]
    out["param_grads"] = [n for n, p in model.named_parameters() if p.grad is not None]
    if result is not None:
        out.update(_describe_result(result))
        out["hooks_still_fire"] = _hooks_still_fire(model, inp, seen)
    return out


def _extract_catching(answer, model, inp, layers, catch, out):
    """The answer's result; if `catch`, what it raised goes into `out` (else the harness reports it, with the line)."""
    try:
        return answer.extract_feature_maps(model, inp, layers)
    except BaseException as exc:  # noqa: BLE001 - reported as it is
        if not catch:
            raise
        out["raised"] = type(exc).__name__
        out["raised_kind"] = [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"][:1]
        try:
            out["message"] = str(exc)[:300]
        except Exception:  # noqa: BLE001
            out["message"] = ""
        return None


def _describe_result(result):
    out = {"type": type(result).__name__}
    if isinstance(result, dict):
        out["keys"] = [k if isinstance(k, str) else repr(k)[:40] for k in result]
        out["items"] = {k: _describe_tensor(v) for k, v in result.items() if isinstance(k, str)}
    return out


def _hooks_still_fire(model, inp, seen):
    """Whether the grader's own hooks still work after the call."""
    calls = seen["calls"]
    model.eval()
    with torch.no_grad():
        try:
            model(inp.detach())
        except Exception:  # noqa: BLE001
            pass
    return seen["calls"] == calls + 1


def _hook_state(model):
    state = {}
    for name, m in model.named_modules():
        state[name or "<model>"] = [sorted(getattr(m, attr).keys()) for attr in (
            "_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")
            if hasattr(m, attr)]
    mod = torch.nn.modules.module
    state["<global>"] = [sorted(getattr(mod, attr).keys()) for attr in (
        "_global_forward_hooks", "_global_forward_pre_hooks", "_global_backward_hooks",
        "_global_backward_pre_hooks") if hasattr(mod, attr)]
    return state


def _set_modes(model, mode):
    if mode == "train":
        model.train()
    elif mode == "eval":
        model.eval()
    else:                                       # mixed: some layers frozen in eval mode
        model.train()
        for i, m in enumerate(model.modules()):
            if i % 3 == 1:
                m.eval()


def _watch(model):
    """Hooks of the grader's own, there before the call: they must be there after it."""
    seen = {"calls": 0, "grad": [], "training": []}

    def pre(module, inputs):
        seen["calls"] += 1
        seen["grad"].append(torch.is_grad_enabled())
        seen["training"].append([m.training for m in model.modules()])

    handles = [model.register_forward_pre_hook(pre)]
    first_leaf = next(m for m in model.modules() if not list(m.children()))
    handles.append(first_leaf.register_forward_hook(lambda m, i, o: None))
    return seen


def _describe_tensor(t):
    if not isinstance(t, torch.Tensor):
        return {"type": type(t).__name__}
    return {"type": "Tensor", "requires_grad": bool(t.requires_grad), "grad_fn": t.grad_fn is not None,
            "device": str(t.device), "dtype": str(t.dtype).replace("torch.", ""),
            "shape": list(t.shape), "values": t.detach().cpu().double().numpy()}


# -- normalize_maps -------------------------------------------------------------------

def normalize(answer, arr):
    t = torch.from_numpy(arr.copy())
    before = t.clone()
    result = answer.normalize_maps(t)
    out = _describe_tensor(result)
    out["input_same"] = torch.equal(t, before)
    return out


def normalize_raises(answer, arr):
    try:
        answer.normalize_maps(torch.from_numpy(arr))
    except ValueError:
        return "ValueError"
    except BaseException as exc:  # noqa: BLE001
        return type(exc).__name__
    return None


# -- figures --------------------------------------------------------------------------

def plot_maps(answer, maps, kwargs):
    return _describe_figure(answer.plot_feature_maps(torch.from_numpy(maps), **kwargs))


def plot_filters(answer, weight, kwargs):
    conv = nn.Conv2d(weight.shape[1], weight.shape[0], tuple(weight.shape[2:]))
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weight))
    before = conv.weight.detach().clone()
    info = _describe_figure(answer.plot_filters(conv, **kwargs))
    info["weights_same"] = torch.equal(conv.weight.detach(), before)
    return info


def _describe_figure(fig):
    from matplotlib.figure import Figure
    info = {"type": type(fig).__name__, "is_figure": isinstance(fig, Figure)}
    if not info["is_figure"]:
        return info
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=40)
        info["png"] = len(buf.getvalue()) > 0
    except Exception as exc:  # noqa: BLE001
        info["png"] = f"{type(exc).__name__}: {str(exc)[:200]}"
    panels, empty = [], 0
    for ax in fig.axes:
        images = ax.get_images()
        if images:
            panels.append(_describe_panel(ax, images))
        elif ax.get_visible() and ax.axison:
            empty += 1
    info["panels"] = panels
    info["empty"] = empty
    suptitle = getattr(fig, "_suptitle", None)
    info["suptitle"] = suptitle.get_text() if suptitle is not None else None
    try:
        import matplotlib.pyplot as plt
        plt.close(fig)
    except Exception:  # noqa: BLE001
        pass
    return info


def _describe_panel(ax, images):
    im = images[-1]
    arr = np.ma.getdata(im.get_array())
    try:
        arr = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError):
        arr = np.zeros((0,))
    ticks = len(ax.get_xticks()) + len(ax.get_yticks()) if ax.axison else 0
    spines = any(s.get_visible() for s in ax.spines.values()) if ax.axison else False
    box = ax.get_position()
    return {"array": arr, "clim": [float(c) for c in im.get_clim()],
            "hidden": (not ax.axison) or (ticks == 0 and not spines),
            "box": [float(box.x0), float(box.y0), float(box.x1), float(box.y1)],
            "images": len(images)}
