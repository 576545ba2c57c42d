"""Null: zero maps whose shapes come from a deep copy of the model run on the meta device.

What it fakes:
- extract_feature_maps validates the names (KeyError naming the unknown one, before anything),
  then never touches the caller's model: it deep-copies it, moves the COPY to the meta device (no
  data, no arithmetic), hooks the copy, runs it once in eval mode under torch.no_grad on a meta
  tensor shaped like `x`, and keeps only each output's shape and dtype. If the meta run fails, it
  retries on a fresh CPU copy with an all-zeros input, and that run's exception reaches the caller.
  The original model's hooks and modes are never changed, so they are trivially "as before".
  Returns fresh CPU zeros of the recorded shapes, in the order of `layers`.
- normalize_maps validates the shape (ValueError) and returns the input clipped to [0, 1] (a float
  copy; the input is unchanged).
- plot_feature_maps draws a fixed diagonal 0/1 pattern of each channel's (H, W) size (so each
  panel's image spans exactly [0, 1]) in the right grid, axes hidden, leftover cells hidden with
  set_visible(False), per-panel titles, suptitle. plot_filters uses only the kernels' shape.
"""
import copy
import math

import numpy as np
import torch
from matplotlib.figure import Figure


def _shapes_on_copy(model, x, names, device):
    clone = copy.deepcopy(model)
    if device == "meta":
        clone = clone.to("meta")
        probe = torch.empty(x.shape, dtype=x.dtype, device="meta")
    else:
        probe = torch.zeros_like(x)
    modules = dict(clone.named_modules())
    seen = {}
    for name in names:
        def hook(module, inputs, output, name=name):
            if name not in seen and isinstance(output, torch.Tensor):
                seen[name] = (tuple(output.shape), output.dtype)
        modules[name].register_forward_hook(hook)
    clone.eval()
    with torch.no_grad():
        clone(probe)
    return seen


def extract_feature_maps(model, x, layers):
    """{name: zeros shaped like that submodule's output} in the order of `layers`."""
    layers = list(layers)
    modules = dict(model.named_modules())
    for name in layers:
        if name not in modules:
            raise KeyError(f"{name!r} is not a submodule of the model")
    names = list(dict.fromkeys(layers))
    try:
        seen = _shapes_on_copy(model, x, names, "meta")
    except Exception:
        seen = _shapes_on_copy(model, x, names, "cpu")
    fallback = (tuple(x.shape), x.dtype if x.is_floating_point() else torch.float32)
    shapes = {name: seen.get(name, fallback) for name in layers}
    return {name: torch.zeros(shape, dtype=dtype) for name, (shape, dtype) in shapes.items()}


def normalize_maps(maps):
    """The input clipped to [0, 1]."""
    if maps.dim() not in (3, 4):
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    out = maps.detach().clone()
    if not out.is_floating_point():
        out = out.to(torch.float32)
    return out.clamp(0.0, 1.0)


def _pattern(h, w):
    img = np.zeros((h, w), dtype=np.float32)
    for i in range(min(h, w)):
        img[i, i] = 1.0
    return img


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """The right grid, each panel a fixed 0/1 pattern of the channel's size."""
    shape = tuple(maps.shape)
    if len(shape) == 4:
        shape = shape[1:]
    if len(shape) != 3:
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    c, h, w = shape
    n = min(c, max_channels)
    cols = max(1, min(ncols, n))
    rows = max(1, math.ceil(n / cols))
    fig = Figure(figsize=(1.5 * cols, 1.5 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    img = _pattern(h, w)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(img, cmap="magma", vmin=0, vmax=1)
            ax.set_title(f"ch {i}", fontsize=7)
        else:
            ax.set_visible(False)
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """One pattern panel per output filter, of the kernel's size."""
    out_channels, _, kh, kw = conv.weight.shape
    return plot_feature_maps(torch.zeros(out_channels, kh, kw), max_channels=out_channels, ncols=ncols)
