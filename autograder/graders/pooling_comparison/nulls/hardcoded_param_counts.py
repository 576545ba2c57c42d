"""Null: parameter counts hard-coded to the notebook's numbers, held in flat parameter blobs; outputs all ones.

Fakes: gap_vs_flatten_params returns the lecture's (25,088,000, 512,000) for any shape; the pools
and Subsample return ones of the halved shape (floor for the pools, ceil for Subsample); the
strided convolution is a module holding one flat parameter of channels * channels * 9 + channels
numbers and returning ones of the ceil shape; PoolingNet's `features` and `head` are
nn.Sequential blobs whose parameter counts are the notebook's 25,290 (flatten) or 5,130 (GAP), plus
2,320 + 9,248 for the strided convolutions, scaled for num_classes, and its forward returns
uniform logits; shift_sensitivity returns 0.0; compare_pooling returns chance accuracy 0.1, the
hard-coded counts, 0.5 seconds and sensitivity 0.0; plot_comparison draws bars of height 0.
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


class _Ones(nn.Module):
    def __init__(self, ceil=False):
        super().__init__()
        self.ceil = ceil

    def forward(self, x):
        n, c, h, w = x.shape
        if self.ceil:
            return x.new_ones(n, c, (h + 1) // 2, (w + 1) // 2)
        return x.new_ones(n, c, h // 2, w // 2)


class _ParamBlob(nn.Module):
    """Holds `count` trainable numbers; returns ones of the ceil-halved shape."""

    def __init__(self, count, channels):
        super().__init__()
        self.blob = nn.Parameter(torch.zeros(count))
        self.channels = channels

    def forward(self, x):
        n, c, h, w = x.shape
        return x.new_ones(n, self.channels, (h + 1) // 2, (w + 1) // 2) + 0.0 * self.blob.sum()


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        n, c, h, w = x.shape
        return x.new_ones(n, c, (h + 1) // 2, (w + 1) // 2)


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if kind in ("max", "avg", "lp"):
        return _Ones()
    if kind == "stride_conv":
        return _ParamBlob(channels * channels * 9 + channels, channels)
    if kind == "subsample":
        return Subsample()
    raise ValueError(f"unknown kind {kind!r}: choose from {', '.join(KINDS)}")


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    return 0.0


def _count(kind, head, num_classes=10):
    # conv1 160 + conv2 4,640 = 4,800; flatten Linear 2,048 * k + k, GAP Linear 32 * k + k
    body = 4_800 + (2_320 + 9_248 if kind == "stride_conv" else 0)
    return body + ((2_048 if head == "flatten" else 32) + 1) * num_classes


class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head: (N, 1, 32, 32) -> logits."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"unknown head {head!r}: choose from {', '.join(HEADS)}")
        stages = [make_downsample(kind, 16), make_downsample(kind, 32)]
        self.features = nn.Sequential(_ParamBlob(4_800, 32), *stages)
        self.head = nn.Sequential(_ParamBlob(_count(kind, head, num_classes) - _count(kind, head, 0), num_classes))
        self.num_classes = num_classes

    def forward(self, x):
        return x.new_zeros(x.shape[0], self.num_classes) + 0.0 * self.head[0].blob.sum()


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    combinations = list(itertools.product(kinds, heads))
    rows = []
    for kind, head in (progress(combinations) if progress is not None else combinations):
        torch.manual_seed(seed)
        PoolingNet(kind, head)
        rows.append({"kind": kind, "head": head, "params": _count(kind, head), "accuracy": 0.1,
                     "seconds": 0.5, "shift_sensitivity": 0.0})
    return rows


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    heads = list(dict.fromkeys(r["head"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    x = np.arange(len(kinds))
    width = 0.8 / max(1, len(heads))
    for ax, label in zip(axes, ("accuracy", "parameters", "shift sensitivity")):
        for j, head in enumerate(heads):
            ax.bar(x + j * width, [0] * len(kinds), width, label=head)
        ax.set_xticks(x + width * (len(heads) - 1) / 2, kinds)
        ax.set_title(label)
        ax.legend()
    return fig
