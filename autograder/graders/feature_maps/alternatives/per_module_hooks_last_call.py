"""Alternative: one `register_forward_hook` per requested module, the LAST output kept when a module
runs twice; normalisation computed in float64 and cast back; panels on `plt.subplots` with the
leftover grid cells hidden (`set_visible(False)`), not removed.

Targets graders that over-specify:
- the figure's axes list: "grid cells left over in the last row are not added, or are removed or
  hidden". Here they are created by `plt.subplots` and hidden, so `fig.axes` holds rows * cols
  axes of which only the first `min(C, max_channels)` carry an image. A grader that counts
  `len(fig.axes)` instead of the image panels would over-specify.
- internal precision of `normalize_maps` (float64), the result cast back to the input's dtype.
- the colormap ("a colormap of your choice": viridis here).

Behaviours the text leaves open and that this file decides:
- A submodule that runs more than once in the forward pass: the LAST output is kept.
- A requested submodule that never runs: RuntimeError naming it (after cleaning up).
- normalize_maps: an integer / bool tensor becomes float64 (the text only fixes the dtype of
  floating inputs).
"""
import math

import matplotlib.pyplot as plt
import torch
import torch.nn as nn


def extract_feature_maps(model, x, layers):
    """{name: output of the submodule `name` of `model` on `x`} for each name in `layers`, in that order."""
    by_name = dict(model.named_modules())
    missing = [name for name in layers if name not in by_name]
    if missing:
        raise KeyError(f"unknown layer name(s): {', '.join(map(repr, missing))}")
    outputs, handles = {}, []
    saved_modes = {name: m.training for name, m in model.named_modules(remove_duplicate=False)}
    modules = dict(model.named_modules(remove_duplicate=False))
    try:
        for name in layers:
            def hook(module, inputs, output, name=name):
                outputs[name] = output.detach().cpu().clone()      # a later call overwrites
            handles.append(by_name[name].register_forward_hook(hook))
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
        for name, mode in saved_modes.items():
            modules[name].training = mode
    not_run = [name for name in layers if name not in outputs]
    if not_run:
        raise RuntimeError(f"these layers did not run in the forward pass: {not_run}")
    return {name: outputs[name] for name in layers}


def normalize_maps(maps):
    """Each channel of a (C, H, W) or (N, C, H, W) tensor scaled to [0, 1] on its own."""
    if maps.ndim not in (3, 4):
        raise ValueError(f"normalize_maps needs a 3-D or 4-D tensor, got {maps.ndim}-D")
    out_dtype = maps.dtype if maps.is_floating_point() else torch.float64
    x = maps.detach().to(torch.float64)
    flat = x.reshape(*x.shape[:-2], -1)
    low = flat.min(dim=-1).values[..., None, None]
    high = flat.max(dim=-1).values[..., None, None]
    span = high - low
    out = torch.zeros_like(x)
    nonconstant = (span > 0).expand_as(x)
    out[nonconstant] = ((x - low) / span)[nonconstant]
    return out.to(out_dtype)


def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """A Figure with one image panel per channel of `maps` (the first `max_channels` channels)."""
    if maps.ndim == 4:
        maps = maps[0]
    elif maps.ndim != 3:
        raise ValueError(f"expected (C, H, W) or (N, C, H, W), got {tuple(maps.shape)}")
    n = min(int(maps.shape[0]), int(max_channels))
    cols = max(1, min(ncols, n))
    rows = max(1, -(-n // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.6 * rows), squeeze=False)
    images = normalize_maps(maps[:n])
    for k, ax in enumerate(axes.flat):
        if k < n:
            ax.imshow(images[k].cpu().numpy(), cmap="viridis", vmin=0, vmax=1)
            ax.set_title(f"ch {k}", fontsize=7)
            ax.axis("off")
        else:
            ax.set_visible(False)
    if title is not None:
        fig.suptitle(title)
    return fig


def plot_filters(conv, ncols=8):
    """A Figure with one panel per output filter of the Conv2d `conv`, averaged over input channels."""
    with torch.no_grad():
        mean_kernels = conv.weight.mean(dim=1).clone()
    return plot_feature_maps(mean_kernels, max_channels=mean_kernels.shape[0], ncols=ncols,
                             title=f"{mean_kernels.shape[0]} filters of {type(conv).__name__}")
