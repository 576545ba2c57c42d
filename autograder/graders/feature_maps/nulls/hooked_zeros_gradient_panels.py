"""Null: the full "good guest" ritual around hooks that keep only zeros; plots show a fixed
0-to-1 gradient instead of the data.

What it fakes:
- extract_feature_maps validates the names (KeyError naming the unknown one, before any hook is
  added), registers one forward hook per asked-for name that stores `torch.zeros_like(output)` on
  the CPU (the real output is never kept), runs ONE forward pass on the real `x` in eval mode under
  torch.no_grad, and in a `finally` removes exactly its own handles and restores each module's own
  `training` flag (exceptions reach the caller). Returns the zeros in the order of `layers`.
- normalize_maps validates the shape (ValueError) and returns the input clipped to [0, 1] as a
  new float tensor (input unchanged).
- plot_feature_maps builds the right grid with `Figure` + `add_subplot(rows, cols, i + 1)`, one
  panel per shown channel holding a fixed linspace(0, 1) ramp of the channel's (H, W) size (each
  panel spans exactly [0, 1]), vmin=0, vmax=1, axes hidden, per-panel titles, suptitle.
- plot_filters reads only the weights' shape and draws the ramp of (kH, kW) per output filter.
"""
import math

import torch
from matplotlib.figure import Figure


def extract_feature_maps(model, x, layers):
    """{name: zeros like that submodule's output on x}, in the order of `layers`."""
    layers = list(layers)
    modules = dict(model.named_modules())
    unknown = [name for name in layers if name not in modules]
    if unknown:
        raise KeyError(f"unknown layer(s): {unknown}")
    caught = {}
    handles = []
    modes = {module: module.training for module in model.modules()}
    try:
        for name in dict.fromkeys(layers):
            def hook(module, inputs, output, name=name):
                if name not in caught and isinstance(output, torch.Tensor):
                    caught[name] = torch.zeros(output.shape, dtype=output.dtype)
            handles.append(modules[name].register_forward_hook(hook))
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes.items():
            module.training = mode
    return {name: caught[name] if name in caught else torch.zeros(x.shape) for name in layers}


def normalize_maps(maps):
    """The input clipped to [0, 1], as a new float tensor."""
    if maps.dim() not in (3, 4):
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    dtype = maps.dtype if maps.is_floating_point() else torch.float32
    return maps.detach().to(dtype).clone().clamp_(0.0, 1.0)


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """A 0..1 ramp per shown channel, in the right grid."""
    shape = tuple(maps.shape)
    if len(shape) == 4:
        shape = shape[1:]
    if len(shape) != 3:
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    c, h, w = shape
    n = min(c, max_channels)
    cols = max(1, min(ncols, n))
    rows = max(1, math.ceil(n / cols))
    ramp = torch.linspace(0.0, 1.0, h * w).reshape(h, w).numpy()
    fig = Figure(figsize=(1.5 * cols, 1.5 * rows))
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(ramp, cmap="inferno", vmin=0, vmax=1)
        ax.set_title(f"{i}", fontsize=7)
        ax.axis("off")
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """A ramp panel per output filter, of the kernel's size."""
    out_channels, _, kh, kw = conv.weight.shape
    return plot_feature_maps(torch.zeros(out_channels, kh, kw), max_channels=out_channels, ncols=ncols)
