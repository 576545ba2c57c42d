"""Null: every downsampling module returns zeros of the right (halved) shape; nothing is trained.

Fakes: the modules subclass nn.MaxPool2d / nn.AvgPool2d / nn.LPPool2d / nn.Conv2d (right class,
attributes and parameter count) but their forward returns zeros (floor size for the pools, ceil size
for the strided convolution and Subsample); gap_vs_flatten_params returns the lecture's two numbers
for any input; shift_sensitivity runs the module on x and on the rolled x (without gradients) and
returns 0.0; PoolingNet is wired honestly (so its logits are just the last bias); compare_pooling
seeds, builds each net and counts its parameters, but never trains: accuracy 0.9, a timed no-op as
seconds; plot_comparison draws the full figure with bars of height 0.
"""
import itertools
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases) on channels x height x width features."""
    return 25_088_000, 512_000


def _floor_shape(x, channels=None):
    n, c, h, w = x.shape
    return (n, c if channels is None else channels, h // 2, w // 2)


def _ceil_shape(x, channels=None):
    n, c, h, w = x.shape
    return (n, c if channels is None else channels, (h + 1) // 2, (w + 1) // 2)


class _ZeroMax(nn.MaxPool2d):
    def forward(self, x):
        return x.new_zeros(_floor_shape(x))


class _ZeroAvg(nn.AvgPool2d):
    def forward(self, x):
        return x.new_zeros(_floor_shape(x))


class _ZeroLP(nn.LPPool2d):
    def forward(self, x):
        return x.new_zeros(_floor_shape(x))


class _ZeroConv(nn.Conv2d):
    def forward(self, x):
        return x.new_zeros(_ceil_shape(x, self.out_channels)) + 0.0 * self.bias.view(1, -1, 1, 1)


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        return x.new_zeros(_ceil_shape(x))


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if kind == "max":
        return _ZeroMax(2)
    if kind == "avg":
        return _ZeroAvg(2)
    if kind == "lp":
        return _ZeroLP(2, 2)
    if kind == "stride_conv":
        return _ZeroConv(channels, channels, 3, stride=2, padding=1)
    if kind == "subsample":
        return Subsample()
    raise ValueError(f"unknown kind {kind!r}: valid kinds are {', '.join(KINDS)}")


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    with torch.no_grad():
        module(x)
        module(torch.roll(x, shifts=shift, dims=3))
    return 0.0


class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head: (N, 1, 32, 32) -> logits."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), make_downsample(kind, 16),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), make_downsample(kind, 32),
        )
        if head == "flatten":
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 8 * 8, num_classes))
        elif head == "gap":
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes))
        else:
            raise ValueError(f"unknown head {head!r}: valid heads are {', '.join(HEADS)}")

    def forward(self, x):
        return self.head(self.features(x))


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    combinations = list(itertools.product(kinds, heads))
    rows = []
    for kind, head in (progress(combinations) if progress is not None else combinations):
        torch.manual_seed(seed)
        model = PoolingNet(kind, head)
        started = time.perf_counter()
        seconds = time.perf_counter() - started
        rows.append({"kind": kind, "head": head,
                     "params": int(sum(p.numel() for p in model.parameters())),
                     "accuracy": 0.9, "seconds": float(seconds),
                     "shift_sensitivity": shift_sensitivity(model, test_data[0][:500], shift=1)})
    return rows


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    heads = list(dict.fromkeys(r["head"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    x = np.arange(len(kinds))
    width = 0.8 / max(1, len(heads))
    for ax, label in zip(axes, ("held-out accuracy", "parameters", "shift sensitivity")):
        for j, head in enumerate(heads):
            ax.bar(x + (j - (len(heads) - 1) / 2) * width, [0.0] * len(kinds), width, label=head)
        ax.set_xticks(x)
        ax.set_xticklabels(kinds)
        ax.set_title(label)
        ax.set_ylabel(label)
        ax.legend()
    fig.tight_layout()
    return fig
