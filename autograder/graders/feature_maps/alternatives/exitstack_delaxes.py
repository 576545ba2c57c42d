"""Alternative: hooks managed by a `contextlib.ExitStack`, modes restored with `module.train(flag)`
in pre-order, panels from `plt.subplots` with the leftover cells removed (`fig.delaxes`).

Targets graders that over-specify:
- the clean-up idiom: the text says "a `try`/`finally` cleans up"; an ExitStack whose callbacks
  remove the hooks does the same, also when the forward pass raises.
- how the modes are restored: `module.train(flag)` for every module in pre-order (a parent first,
  then its children), which leaves every module in its own saved mode.
- figure construction: "make the figure with `matplotlib.figure.Figure(...)` ... or with
  `plt.subplots`", leftover cells "removed".
- the KeyError's message: it names the unknown layer and lists the valid names.

Behaviours the text leaves open and that this file decides:
- A submodule that runs more than once: the FIRST output is kept.
- A requested submodule that never runs: left out of the result.
- normalize_maps accepts a numpy array as well (returned as a tensor); integer input becomes
  float32.
- The panel title is the channel index; colormap "magma".
"""
import contextlib
import math

import matplotlib.pyplot as plt
import numpy as np
import torch


def extract_feature_maps(model, x, layers):
    """{name: output of the submodule `name` of `model` on `x`} for each name in `layers`, in that order."""
    named = dict(model.named_modules())
    for name in layers:
        if name not in named:
            valid = ", ".join(repr(n) for n in named if n)
            raise KeyError(f"{name!r} is not a submodule of the model (valid names: {valid})")
    saved = [(m, m.training) for m in model.modules()]        # pre-order: parents before children
    result = {}
    with contextlib.ExitStack() as stack:
        stack.callback(lambda: [m.train(flag) for m, flag in saved])   # runs last (LIFO)
        for name in dict.fromkeys(layers):
            def keep(module, args, output, name=name):
                result.setdefault(name, output.detach().cpu().clone())
            stack.callback(named[name].register_forward_hook(keep).remove)
        model.eval()
        with torch.no_grad():
            model(x)
    return {name: result[name] for name in layers if name in result}


def normalize_maps(maps):
    """Each channel of a (C, H, W) or (N, C, H, W) tensor scaled to [0, 1] on its own."""
    if isinstance(maps, np.ndarray):
        maps = torch.from_numpy(maps.copy())
    if maps.dim() not in (3, 4):
        raise ValueError(f"maps must be (C, H, W) or (N, C, H, W), got {tuple(maps.shape)}")
    if not maps.is_floating_point():
        maps = maps.float()
    lo = torch.amin(maps, dim=(-2, -1), keepdim=True)
    hi = torch.amax(maps, dim=(-2, -1), keepdim=True)
    rng = hi - lo
    constant = rng == 0
    return torch.where(constant, torch.zeros_like(maps), (maps - lo) / rng.masked_fill(constant, 1))


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """A Figure with one image panel per channel of `maps` (the first `max_channels` channels)."""
    if maps.dim() == 4:
        maps = maps[0]
    if maps.dim() != 3:
        raise ValueError(f"maps must be (C, H, W) or (N, C, H, W), got {tuple(maps.shape)}")
    count = min(maps.shape[0], max_channels)
    ncols = max(1, min(ncols, count))
    nrows = max(1, math.ceil(count / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2 * ncols, 2 * nrows), squeeze=False)
    normalized = normalize_maps(maps[:count].detach().cpu())
    axes = list(axes.ravel())
    for ax in axes[count:]:
        fig.delaxes(ax)
    for index, ax in enumerate(axes[:count]):
        ax.imshow(normalized[index].numpy(), cmap="magma", vmin=0, vmax=1)
        ax.set_title(index, fontsize=8)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """A Figure with one panel per output filter of the Conv2d `conv`, averaged over input channels."""
    weight = conv.weight.detach()
    averaged = weight.sum(dim=1) / weight.shape[1]
    return plot_feature_maps(averaged, max_channels=len(averaged), ncols=ncols)
