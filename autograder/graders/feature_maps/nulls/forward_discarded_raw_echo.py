"""Null: a well-behaved forward pass whose result is thrown away; the "maps" are zeros shaped like
the input, the plots echo the raw (unnormalized) data.

What it fakes:
- extract_feature_maps validates the names (KeyError naming the unknown one, before anything),
  remembers every module's own `training` flag, switches to eval, runs the model ONCE on `x` under
  torch.no_grad inside try/finally (so its exceptions reach the caller and every mode is restored),
  registers no hook at all (hooks trivially "as before"), discards the output and returns
  {name: zeros shaped like x} (detached CPU tensors) in the order of `layers`.
- normalize_maps validates the shape (ValueError) and returns the input binarized at 0
  ((maps > 0) as floats: every value in {0, 1}, a negative constant channel becomes zeros).
- plot_feature_maps shows the first sample's first `max_channels` channels AS GIVEN (no
  normalization), vmin=0, vmax=1, in the right grid, axes hidden, titles; plot_filters echoes each
  filter's kernel for the FIRST input channel (weight[:, 0], detached copy; nothing averaged).
"""
import math

import torch
from matplotlib.figure import Figure


def extract_feature_maps(model, x, layers):
    """{name: zeros like x} for each name in `layers`, after one discarded forward pass."""
    layers = list(layers)
    modules = dict(model.named_modules())
    for name in layers:
        if name not in modules:
            raise KeyError(f"layer {name!r} not found")
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for module, mode in modes:
            module.training = mode
    dtype = x.dtype if x.is_floating_point() else torch.float32
    return {name: torch.zeros(x.shape, dtype=dtype) for name in layers}


def normalize_maps(maps):
    """The input binarized at zero, as floats."""
    if maps.dim() not in (3, 4):
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    dtype = maps.dtype if maps.is_floating_point() else torch.float32
    return (maps.detach() > 0).to(dtype)


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """The raw channels, unnormalized, in the right grid."""
    if maps.dim() == 4:
        maps = maps[0]
    if maps.dim() != 3:
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got shape {tuple(maps.shape)}")
    n = min(maps.shape[0], max_channels)
    cols = max(1, min(ncols, n))
    rows = max(1, math.ceil(n / cols))
    raw = maps[:n].detach().cpu().clone().numpy()
    fig = Figure(figsize=(1.5 * cols, 1.5 * rows))
    for i in range(n):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(raw[i], cmap="viridis", vmin=0, vmax=1)
        ax.set_title(str(i), fontsize=7)
        ax.axis("off")
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """Each filter's first-input-channel kernel, as given."""
    first = conv.weight.detach()[:, 0].cpu().clone()
    return plot_feature_maps(first, max_channels=first.shape[0], ncols=ncols)
