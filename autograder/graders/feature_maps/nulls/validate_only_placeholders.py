"""Null: every function only validates its arguments (raising the errors the text asks for) and
returns a placeholder of the right type.

What it fakes:
- extract_feature_maps raises KeyError naming an unknown layer (before anything runs; it never
  hooks, never runs, never changes a mode) and otherwise returns a dict keyed by `layers` in order,
  each value an empty detached CPU float tensor.
- normalize_maps raises ValueError for shapes other than (C, H, W) / (N, C, H, W) and otherwise
  returns a mid-grey placeholder: the input's shape and floating dtype, every value 0.5.
- plot_feature_maps / plot_filters validate (the maps' dimensions; a Conv2d) and return a bare
  matplotlib Figure with the suptitle and no axes at all (no panel, so no panel can show axes).
"""
import torch
import torch.nn as nn
from matplotlib.figure import Figure


def extract_feature_maps(model, x, layers):
    """A dict keyed by `layers`, in order, of empty placeholder tensors."""
    layers = list(layers)
    known = {name for name, _ in model.named_modules()}
    for name in layers:
        if name not in known:
            raise KeyError(f"unknown layer {name!r}")
    return {name: torch.empty(0) for name in layers}


def normalize_maps(maps):
    """0.5 everywhere, the input's shape and floating dtype."""
    if maps.dim() not in (3, 4):
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    dtype = maps.dtype if maps.is_floating_point() else torch.float32
    return torch.full(maps.shape, 0.5, dtype=dtype)


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """A bare Figure (with the suptitle)."""
    if len(maps.shape) not in (3, 4):
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    if max_channels < 1 or ncols < 1:
        raise ValueError("max_channels and ncols must be positive")
    fig = Figure(figsize=(8, 2))
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """A bare Figure."""
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"expected an nn.Conv2d, got {type(conv).__name__}")
    return plot_feature_maps(torch.zeros(conv.out_channels, *conv.kernel_size), ncols=ncols)
