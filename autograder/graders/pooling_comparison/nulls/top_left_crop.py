"""Null: every downsampling module returns the top-left corner of its input, cropped to the halved shape.

Fakes: the pools return x[:, :, :H//2, :W//2] (a copy), Subsample and the strided convolution
(an nn.Conv2d subclass with the right weights and bias, unused) x[:, :, :ceil(H/2), :ceil(W/2)];
gap_vs_flatten_params returns (0, 0); shift_sensitivity always returns 1.0 ("all ones become all
zeros"); PoolingNet has the specified layers but its forward returns zero logits (kept attached to
the last bias); compare_pooling returns rows with accuracy 1.0, hard-coded parameter counts (the
notebook's 25,290 / 5,130, plus 2,320 + 9,248 for the strided convolutions), 1.0 second and
sensitivity 1.0; plot_comparison draws bars of height 1 everywhere.
"""
import itertools
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases) on channels x height x width features."""
    return 0, 0


def _crop_floor(x):
    return x[:, :, : x.shape[2] // 2, : x.shape[3] // 2].clone()


def _crop_ceil(x):
    return x[:, :, : (x.shape[2] + 1) // 2, : (x.shape[3] + 1) // 2].clone()


class _CropMax(nn.MaxPool2d):
    def forward(self, x):
        return _crop_floor(x)


class _CropAvg(nn.AvgPool2d):
    def forward(self, x):
        return _crop_floor(x)


class _CropLP(nn.LPPool2d):
    def forward(self, x):
        return _crop_floor(x)


class _CropConv(nn.Conv2d):
    def forward(self, x):
        return _crop_ceil(x) + 0.0 * self.bias.sum()


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        return _crop_ceil(x)


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if kind == "max":
        return _CropMax(2)
    if kind == "avg":
        return _CropAvg(2)
    if kind == "lp":
        return _CropLP(2, 2)
    if kind == "stride_conv":
        return _CropConv(channels, channels, 3, stride=2, padding=1)
    if kind == "subsample":
        return Subsample()
    raise ValueError(f"unknown kind {kind!r}; the valid kinds are {KINDS}")


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    return 1.0


class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head: (N, 1, 32, 32) -> logits."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}; the valid heads are {HEADS}")
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), make_downsample(kind, 16),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), make_downsample(kind, 32),
        )
        if head == "flatten":
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 8 * 8, num_classes))
        else:
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes))
        self.num_classes = num_classes

    def forward(self, x):
        return x.new_zeros(x.shape[0], self.num_classes) + 0.0 * self.head[-1].bias


_PARAMS = {"flatten": 25_290, "gap": 5_130}


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    combinations = list(itertools.product(kinds, heads))
    rows = []
    for kind, head in (progress(combinations) if progress is not None else combinations):
        torch.manual_seed(seed)
        PoolingNet(kind, head)
        params = _PARAMS[head] + (2_320 + 9_248 if kind == "stride_conv" else 0)
        rows.append({"kind": kind, "head": head, "params": params, "accuracy": 1.0,
                     "seconds": 1.0, "shift_sensitivity": 1.0})
    return rows


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    heads = list(dict.fromkeys(r["head"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    x = np.arange(len(kinds))
    width = 0.8 / max(1, len(heads))
    for ax, (title, ylabel) in zip(axes, (("accuracy", "held-out accuracy"), ("parameters", "parameters"),
                                          ("shift sensitivity", "shift sensitivity"))):
        for j, head in enumerate(heads):
            ax.bar(x + j * width, np.ones(len(kinds)), width, label=head)
        ax.set_xticks(x + width * (len(heads) - 1) / 2, kinds)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        ax.legend(title="head")
    axes[1].set_yscale("log")
    fig.tight_layout()
    return fig
