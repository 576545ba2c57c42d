"""Alternative: panels placed with a GridSpec, tuple/list outputs copied element by element,
`torch.aminmax` for the channel ranges, and filters averaged in float64.

Targets graders that over-specify:
- the subplot API: "make the figure with `matplotlib.figure.Figure(figsize=...)` and
  `fig.add_subplot(rows, cols, i + 1)` ... or with `plt.subplots`" -- here a `Figure` with
  `fig.add_gridspec(rows, cols)` and `fig.add_subplot(gs[r, c])`: same grid, same panels.
- the dtype of the filter images: the mean over input channels is taken in float64
  (the text: "its kernel averaged over the input channels", nothing about precision).
- outputs that are not a single tensor: a hooked module that returns a tuple or list (e.g. the
  whole `VGGLike`, `""`) gets a tuple/list of detached CPU copies, each `.detach().cpu().clone()`;
  for tensor outputs this is exactly the text's rule.

Behaviours the text leaves open and that this file decides:
- A submodule that runs more than once: the LAST output is kept.
- A requested submodule that never runs: left out of the result.
- normalize_maps: integer input becomes float32; colormap "gray"; panel titles "#0", "#1", ...
"""
import math

import torch
import torch.nn as nn
from matplotlib.figure import Figure


def _copy(output):
    if isinstance(output, torch.Tensor):
        return output.detach().cpu().clone()
    if isinstance(output, (tuple, list)):
        return type(output)(_copy(o) for o in output)
    return output


def extract_feature_maps(model, x, layers):
    """{name: output of the submodule `name` of `model` on `x`} for each name in `layers`, in that order."""
    submodules = dict(model.named_modules())
    unknown = next((name for name in layers if name not in submodules), None)
    if unknown is not None:
        raise KeyError(unknown)
    training = {id(m): (m, m.training) for m in model.modules()}
    caught, handles = {}, []

    def make_hook(name):
        def hook(module, inputs, output):
            caught[name] = _copy(output)
        return hook

    try:
        for name in layers:
            handles.append(submodules[name].register_forward_hook(make_hook(name)))
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        while handles:
            handles.pop().remove()
        for module, mode in training.values():
            module.training = mode
    return {name: caught[name] for name in layers if name in caught}


def normalize_maps(maps):
    """Each channel of a (C, H, W) or (N, C, H, W) tensor scaled to [0, 1] on its own."""
    if maps.ndim not in (3, 4):
        raise ValueError(f"normalize_maps: shape {tuple(maps.shape)} is neither (C, H, W) nor (N, C, H, W)")
    x = maps.float() if not torch.is_floating_point(maps) else maps
    flat = x.flatten(start_dim=-2)
    low, high = torch.aminmax(flat, dim=-1)
    low, span = low[..., None, None], (high - low)[..., None, None]
    safe = torch.where(span == 0, torch.ones_like(span), span)
    return ((x - low) / safe) * (span != 0)


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """A Figure with one image panel per channel of `maps` (the first `max_channels` channels)."""
    first = maps[0] if maps.ndim == 4 else maps
    if first.ndim != 3:
        raise ValueError(f"plot_feature_maps: expected (C, H, W) or (N, C, H, W), got {tuple(maps.shape)}")
    panels = min(first.shape[0], max_channels)
    cols = min(ncols, panels) or 1
    rows = math.ceil(panels / cols) or 1
    fig = Figure(figsize=(1.4 * cols, 1.4 * rows + 0.3))
    grid = fig.add_gridspec(rows, cols)
    pictures = normalize_maps(first[:panels].detach().cpu())
    for i in range(panels):
        ax = fig.add_subplot(grid[i // cols, i % cols])
        ax.imshow(pictures[i], cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"#{i}", fontsize=6)
        ax.axis("off")
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """A Figure with one panel per output filter of the Conv2d `conv`, averaged over input channels."""
    stack = conv.weight.detach().to(torch.float64).mean(dim=1)
    return plot_feature_maps(stack, max_channels=stack.shape[0], ncols=ncols)
