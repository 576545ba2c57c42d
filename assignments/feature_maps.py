"""Student stub of the `feature_maps` exercise (from release/feature_maps/feature_maps.ipynb).

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
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell normalize ---
def normalize_maps(maps):
    """Each channel of a (C, H, W) or (N, C, H, W) tensor scaled to [0, 1] on its own
    (its minimum becomes 0, its maximum 1); a constant channel becomes zeros."""
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell plot_maps ---
def plot_feature_maps(maps, max_channels=16, ncols=8, title=None):
    """A Figure with one image panel per channel of `maps` (the first `max_channels` channels),
    each normalized on its own, axes hidden, in a grid of `ncols` columns (fewer if fewer panels)."""
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell plot_filters ---
def plot_filters(conv, ncols=8):
    """A Figure with one panel per output filter of the Conv2d `conv`: its kernel (averaged over the
    input channels), normalized on its own, axes hidden, in a grid of `ncols` columns."""
    # YOUR CODE HERE
    raise NotImplementedError()
