"""Reference solution of the `feature_maps` exercise (from source/feature_maps/feature_maps.ipynb).

Generated from the notebook by `autograder build`; do not edit."""


# --- cell setup ---
# %matplotlib inline
import math

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from matplotlib.figure import Figure


class VGGLike(nn.Module):
    """The lecture's three-block network (section 2.1): each block halves the resolution."""
    def __init__(self):
        super().__init__()
        self.block1 = nn.Sequential(
            nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.block2 = nn.Sequential(
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.block3 = nn.Sequential(
            nn.Conv2d(128, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))

    def forward(self, x):
        f1 = self.block1(x)
        f2 = self.block2(f1)
        f3 = self.block3(f2)
        return f1, f2, f3


# --- cell extract ---
def extract_feature_maps(model, x, layers):
    """{name: output of the submodule `name` of `model` on `x`} for each name in `layers`, in that order.

    One forward pass in evaluation mode without a graph; the outputs are detached CPU copies.
    Afterwards the model has the hooks and the train/eval modes it had before, also if the pass fails.
    An unknown name raises KeyError naming it, before anything runs.
    """
    modules = dict(model.named_modules())
    unknown = [name for name in layers if name not in modules]
    if unknown:
        raise KeyError(f"{type(model).__name__} has no submodule named {unknown[0]!r}")
    outputs = {}

    def keep(name):
        def hook(module, inputs, output):
            outputs[name] = output.detach().cpu().clone()
        return hook

    modes = [(module, module.training) for module in model.modules()]
    handles = []
    try:
        for name in layers:
            handles.append(modules[name].register_forward_hook(keep(name)))
        model.eval()
        with torch.no_grad():
            model(x)
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    return {name: outputs[name] for name in layers}


# --- cell normalize ---
def normalize_maps(maps):
    """Each channel of a (C, H, W) or (N, C, H, W) tensor scaled to [0, 1] on its own
    (its minimum becomes 0, its maximum 1); a constant channel becomes zeros."""
    maps = torch.as_tensor(maps).detach()
    if maps.dim() not in (3, 4):
        raise ValueError(f"expected a (C, H, W) or (N, C, H, W) tensor, got shape {tuple(maps.shape)}")
    if not maps.is_floating_point():
        maps = maps.float()
    low = maps.amin(dim=(-2, -1), keepdim=True)
    span = maps.amax(dim=(-2, -1), keepdim=True) - low
    span = torch.where(span > 0, span, torch.ones_like(span))     # a constant channel: 0 / 1
    return (maps - low) / span


# --- cell plot_maps ---
def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """A Figure with one image panel per channel of `maps` (the first `max_channels` channels),
    each normalized on its own, axes hidden, in a grid of `ncols` columns (fewer if fewer panels)."""
    maps = torch.as_tensor(maps).detach().cpu()
    if maps.dim() == 4:
        maps = maps[0]                     # the first sample of a batch
    if maps.dim() != 3:
        raise ValueError(f"expected (C, H, W) or (N, C, H, W) feature maps, got shape {tuple(maps.shape)}")
    shown = normalize_maps(maps[:max_channels])
    n = len(shown)
    cols = max(1, min(ncols, n))
    rows = max(1, math.ceil(n / cols))
    fig = Figure(figsize=(1.25 * cols, 1.25 * rows + (0.4 if title else 0.0)))
    for i, image in enumerate(shown):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(image.numpy(), cmap="viridis", vmin=0.0, vmax=1.0)
        ax.set_title(str(i), fontsize=7)
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return fig


# --- cell plot_filters ---
def plot_filters(conv, ncols=8):
    """A Figure with one panel per output filter of the Conv2d `conv`: its kernel (averaged over the
    input channels), normalized on its own, axes hidden, in a grid of `ncols` columns."""
    kernels = conv.weight.detach().cpu().mean(dim=1)          # (out_channels, kH, kW)
    return plot_feature_maps(kernels, max_channels=len(kernels), ncols=ncols,
                             title=f"{len(kernels)} filters, {kernels.shape[1]}x{kernels.shape[2]}")
