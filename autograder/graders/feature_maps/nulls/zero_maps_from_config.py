"""Null: zero feature maps whose shapes are worked out from the layers' configuration, without
running anything.

What it fakes:
- extract_feature_maps validates the names (KeyError naming the unknown one, before anything),
  then walks the model's leaf modules in registration order as if they were applied one after the
  other, applying each one's shape arithmetic (Conv2d: out_channels, kernel/stride/padding/
  dilation; Max/AvgPool2d; adaptive pools; Flatten; Linear; everything else keeps the shape). A
  container's shape is the shape after its last leaf. Returns fresh CPU zeros of those shapes, in
  the order of `layers`. The model is never called, hooked or switched to eval mode, so its hooks
  and modes are trivially "as before".
- normalize_maps validates the shape (ValueError) and returns zeros of the input's shape and
  floating dtype.
- plot_feature_maps draws an all-zeros image (vmin=0, vmax=1) per shown channel with
  fig.add_subplot(rows, cols, i + 1), axes hidden, per-panel titles, suptitle; plot_filters hands
  it a zero stack of the kernels' shape.
"""
import math

import numpy as np
import torch
import torch.nn as nn
from matplotlib.figure import Figure


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _spatial(size, k, s, p, d, ceil=False):
    num = size + 2 * p - d * (k - 1) - 1
    out = (-(-num // s) if ceil else num // s) + 1
    return max(out, 0)


def _next_shape(module, shape):
    shape = tuple(shape)
    if isinstance(module, nn.Conv2d) and len(shape) >= 3:
        kh, kw = module.kernel_size
        sh, sw = module.stride
        dh, dw = module.dilation
        if isinstance(module.padding, str):
            if module.padding == "same":
                return shape[:-3] + (module.out_channels,) + shape[-2:]
            ph = pw = 0
        else:
            ph, pw = module.padding
        return shape[:-3] + (module.out_channels,
                             _spatial(shape[-2], kh, sh, ph, dh), _spatial(shape[-1], kw, sw, pw, dw))
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)) and len(shape) >= 3:
        kh, kw = _pair(module.kernel_size)
        sh, sw = _pair(module.stride if module.stride is not None else module.kernel_size)
        ph, pw = _pair(module.padding)
        dh, dw = _pair(getattr(module, "dilation", 1))
        ceil = module.ceil_mode
        return shape[:-2] + (_spatial(shape[-2], kh, sh, ph, dh, ceil), _spatial(shape[-1], kw, sw, pw, dw, ceil))
    if isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        oh, ow = _pair(module.output_size)
        return shape[:-2] + (oh or shape[-2], ow or shape[-1])
    if isinstance(module, nn.Flatten):
        start = module.start_dim % len(shape)
        end = module.end_dim % len(shape)
        return shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:]
    if isinstance(module, nn.Linear):
        return shape[:-1] + (module.out_features,)
    return shape


def extract_feature_maps(model, x, layers):
    """{name: zeros of that submodule's (computed-from-config) output shape} in the order of `layers`."""
    layers = list(layers)
    modules = dict(model.named_modules())
    for name in layers:
        if name not in modules:
            raise KeyError(f"model has no layer called {name!r}")
    shapes = {}
    shape = tuple(x.shape)
    for name, module in model.named_modules():
        if next(module.children(), None) is None:
            shape = _next_shape(module, shape)
            prefix = name
            while True:
                shapes[prefix] = shape
                if "." not in prefix:
                    break
                prefix = prefix.rsplit(".", 1)[0]
    shapes[""] = shape
    dtype = x.dtype if x.is_floating_point() else torch.float32
    return {name: torch.zeros(shapes.get(name, tuple(x.shape)), dtype=dtype) for name in layers}


def normalize_maps(maps):
    """Zeros of the input's shape and floating dtype."""
    if maps.dim() not in (3, 4):
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    return torch.zeros_like(maps, dtype=maps.dtype if maps.is_floating_point() else torch.float32)


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """One zero image per shown channel, in the right grid."""
    shape = tuple(maps.shape)
    if len(shape) == 4:
        shape = shape[1:]
    if len(shape) != 3:
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    c, h, w = shape
    n = min(c, max_channels)
    cols = max(1, min(ncols, n))
    rows = max(1, math.ceil(n / cols))
    fig = Figure(figsize=(1.4 * cols, 1.4 * rows))
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(np.zeros((h, w)), cmap="gray", vmin=0, vmax=1)
        ax.set_title(str(i), fontsize=7)
        ax.axis("off")
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """One zero panel per output filter, of the kernel's size."""
    out_channels, _, kh, kw = conv.weight.shape
    return plot_feature_maps(torch.zeros(out_channels, kh, kw), max_channels=out_channels, ncols=ncols)
