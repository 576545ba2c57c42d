"""Null: every function only validates its arguments (raising the errors the text asks for) and returns placeholders.

Fakes: gap_vs_flatten_params checks for positive ints and returns (0, 0); make_downsample raises
ValueError naming KINDS for an unknown kind and otherwise returns nn.Identity() (the input echoed,
no parameters, not halved); Subsample checks for a 4-d input and echoes it; shift_sensitivity
checks its input and returns 0.0; PoolingNet raises ValueError for an unknown kind or head, has
empty `features` and `head` Sequentials and returns zero logits; compare_pooling checks kinds,
heads and data and returns rows with the six keys in order and zero values; plot_comparison returns
three titled axes with one empty bar series per head, the kinds as tick labels and a legend.
"""
import itertools
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases) on channels x height x width features."""
    for name, value in (("channels", channels), ("height", height), ("width", width), ("num_classes", num_classes)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return 0, 0


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        if x.dim() != 4:
            raise ValueError(f"expected an (N, C, H, W) input, got shape {tuple(x.shape)}")
        return x


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    return Subsample() if kind == "subsample" else nn.Identity()


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    if x.dim() != 4:
        raise ValueError(f"expected an (N, C, H, W) input, got shape {tuple(x.shape)}")
    if int(shift) != shift:
        raise ValueError(f"shift must be an integer number of pixels, got {shift!r}")
    return 0.0


class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head: (N, 1, 32, 32) -> logits."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}")
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; valid heads: {', '.join(HEADS)}")
        self.features = nn.Sequential()
        self.head = nn.Sequential()
        self.num_classes = num_classes

    def forward(self, x):
        if x.dim() != 4 or x.shape[1] != 1:
            raise ValueError(f"expected an (N, 1, 32, 32) input, got shape {tuple(x.shape)}")
        return x.new_zeros(x.shape[0], self.num_classes)


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    for head in heads:
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; valid heads: {', '.join(HEADS)}")
    for images, labels in (train_data, test_data):
        if len(images) != len(labels):
            raise ValueError("images and labels differ in length")
    combinations = list(itertools.product(kinds, heads))
    rows = []
    for kind, head in (progress(combinations) if progress is not None else combinations):
        rows.append({"kind": kind, "head": head, "params": 0, "accuracy": 0.0, "seconds": 0.0,
                     "shift_sensitivity": 0.0})
    return rows


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    if not rows:
        raise ValueError("no rows to plot")
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    heads = list(dict.fromkeys(r["head"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for ax, label in zip(axes, ("accuracy", "parameters", "shift sensitivity")):
        for head in heads:
            ax.bar([], [], label=head)
        ax.set_xticks(np.arange(len(kinds)), kinds)
        ax.set_title(label)
        ax.legend()
    return fig
