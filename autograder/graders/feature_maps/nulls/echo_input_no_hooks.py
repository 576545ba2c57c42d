"""Null: every "feature map" is a detached CPU copy of the input; no hook, no forward pass ever.

What it fakes:
- extract_feature_maps checks the names (KeyError naming the unknown one, before anything runs),
  then returns {name: x.detach().cpu().clone()} in the order of `layers`. It never registers a hook
  and never calls the model, so the hooks are trivially "exactly as before" and every layer's
  train/eval mode is trivially "restored"; the outputs are detached CPU copies.
- normalize_maps validates the shape (ValueError) and returns the input unchanged (a float copy).
- plot_feature_maps uses plt.subplots with the right rows x cols, removes the leftover cells, and
  draws an all-zeros image (vmin=0, vmax=1) in each panel, axes hidden, per-panel titles, suptitle.
- plot_filters hands a zero (out_channels, kH, kW) stack to plot_feature_maps.
"""
import math

import matplotlib.pyplot as plt
import numpy as np
import torch


def extract_feature_maps(model, x, layers):
    """{name: a copy of x} for each name in `layers`, in that order."""
    layers = list(layers)
    known = dict(model.named_modules())
    missing = [name for name in layers if name not in known]
    if missing:
        raise KeyError(f"unknown layer name(s): {', '.join(map(repr, missing))}")
    return {name: x.detach().cpu().clone() for name in layers}


def normalize_maps(maps):
    """The input, copied (as floats)."""
    if maps.dim() not in (3, 4):
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    out = maps.detach().clone()
    return out if out.is_floating_point() else out.to(torch.float32)


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """A grid of zero images, one per shown channel."""
    shape = tuple(maps.shape)
    if len(shape) == 4:
        shape = shape[1:]
    if len(shape) != 3:
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    c, h, w = shape
    n = min(c, max_channels)
    cols = max(1, min(ncols, n))
    rows = max(1, math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.5 * cols, 1.5 * rows), squeeze=False)
    blank = np.zeros((h, w), dtype=np.float32)
    for i, ax in enumerate(axes.flat):
        if i < n:
            ax.imshow(blank, cmap="viridis", vmin=0, vmax=1)
            ax.set_title(str(i), fontsize=7)
            ax.axis("off")
        else:
            fig.delaxes(ax)
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """One zero panel per output filter, of the kernel's size."""
    out_channels, _, kh, kw = conv.weight.shape
    return plot_feature_maps(torch.zeros(out_channels, kh, kw), max_channels=out_channels, ncols=ncols)
