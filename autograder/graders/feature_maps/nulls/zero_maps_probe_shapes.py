"""Null: zero feature maps whose shapes are learned by running the model on an all-zeros input.

What it fakes:
- extract_feature_maps validates the names (KeyError naming the unknown one, before anything),
  registers forward hooks that record only each output's shape and dtype, runs ONE forward pass on
  `torch.zeros_like(x)` in eval mode under torch.no_grad, removes its hooks and restores every
  module's own `training` flag in a `finally` (exceptions reach the caller), and returns fresh CPU
  zero tensors of the recorded shapes and dtypes, keyed in the order of `layers`.
- normalize_maps validates the shape (ValueError) and returns zeros of the input's shape and
  floating dtype (constant channels are "zeros, never NaN"; every value is in [0, 1]).
- plot_feature_maps / plot_filters build the right grid of EMPTY panels (no images), axes hidden,
  per-panel titles, the suptitle; plot_filters never reads the weights, only their shape.
"""
import math

import torch
from matplotlib.figure import Figure


def extract_feature_maps(model, x, layers):
    """{name: zeros shaped like that submodule's output on `x`} in the order of `layers`."""
    layers = list(layers)
    modules = dict(model.named_modules())
    for name in layers:
        if name not in modules:
            raise KeyError(f"no submodule named {name!r} in the model")
    seen = {}
    handles = []
    modes = {m: m.training for m in model.modules()}
    try:
        for name in dict.fromkeys(layers):
            def hook(module, inputs, output, name=name):
                if name not in seen and isinstance(output, torch.Tensor):
                    seen[name] = (tuple(output.shape), output.dtype)
            handles.append(modules[name].register_forward_hook(hook))
        model.eval()
        with torch.no_grad():
            model(torch.zeros_like(x))
    finally:
        for handle in handles:
            handle.remove()
        for module, mode in modes.items():
            module.training = mode
    fallback = (tuple(x.shape), x.dtype if x.is_floating_point() else torch.float32)
    shapes = {name: seen.get(name, fallback) for name in layers}
    return {name: torch.zeros(shape, dtype=dtype) for name, (shape, dtype) in shapes.items()}


def normalize_maps(maps):
    """Zeros of the input's shape and floating dtype."""
    if maps.dim() not in (3, 4):
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    dtype = maps.dtype if maps.is_floating_point() else torch.float32
    return torch.zeros(maps.shape, dtype=dtype)


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """The right grid of empty, axis-less panels titled with channel indices."""
    shape = tuple(maps.shape)
    if len(shape) == 4:
        shape = shape[1:]
    if len(shape) != 3:
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    n = min(shape[0], max_channels)
    cols = max(1, min(ncols, n))
    rows = max(1, math.ceil(n / cols))
    fig = Figure(figsize=(1.5 * cols, 1.5 * rows + (0.4 if title else 0)))
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.set_title(str(i), fontsize=7)
        ax.axis("off")
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """The grid for conv's output filters, drawn from a zero stack of the kernels' shape."""
    out_channels, _, kh, kw = conv.weight.shape
    return plot_feature_maps(torch.zeros(out_channels, kh, kw), max_channels=out_channels, ncols=ncols)
