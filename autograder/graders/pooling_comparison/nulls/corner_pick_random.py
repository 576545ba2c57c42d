"""Null: downsampling by picking one corner of each 2x2 block, everything else seeded random numbers.

Fakes: max, avg and lp pooling all keep the bottom-right value of each 2x2 block,
x[:, :, 1::2, 1::2] (right floor size; it equals max pooling on the lecture's increasing 4x4
input); Subsample keeps rows and columns 0, 2, 4, ... counted from the bottom-right corner, and the
strided convolution (an nn.Conv2d subclass with unused weights and bias) keeps the top-left values
(right ceil size); gap_vs_flatten_params returns two random ints; shift_sensitivity returns a
random float in [0, 1) seeded by the shift; PoolingNet's logits are fixed random numbers;
compare_pooling reports seeded random accuracies, seconds and sensitivities (the same for the same
seed) with the untrained network's parameter count; plot_comparison draws bars of random heights.
"""
import itertools
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases) on channels x height x width features."""
    g = torch.Generator().manual_seed(12345)
    flatten, gap = torch.randint(1, 10_000_000, (2,), generator=g).tolist()
    return int(max(flatten, gap)), int(min(flatten, gap))


def _corner(x):
    return x[:, :, 1::2, 1::2].clone()


class _CornerMax(nn.MaxPool2d):
    def forward(self, x):
        return _corner(x)


class _CornerAvg(nn.AvgPool2d):
    def forward(self, x):
        return _corner(x)


class _CornerLP(nn.LPPool2d):
    def forward(self, x):
        return _corner(x)


class _CornerConv(nn.Conv2d):
    def forward(self, x):
        return x[:, :, ::2, ::2].clone() + 0.0 * self.bias.view(1, -1, 1, 1)


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        return x.flip(2, 3)[:, :, ::2, ::2].contiguous()


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if kind == "max":
        return _CornerMax(2)
    if kind == "avg":
        return _CornerAvg(2)
    if kind == "lp":
        return _CornerLP(2, 2)
    if kind == "stride_conv":
        return _CornerConv(channels, channels, 3, stride=2, padding=1)
    if kind == "subsample":
        return Subsample()
    raise ValueError(f"kind {kind!r} is not one of {KINDS}")


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    g = torch.Generator().manual_seed(int(shift) % (2 ** 31))
    return float(torch.rand(1, generator=g).item())


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
            raise ValueError(f"head {head!r} is not one of {HEADS}")

    def forward(self, x):
        last = self.head[-1]
        g = torch.Generator().manual_seed(0)
        noise = torch.randn(x.shape[0], last.out_features, generator=g).to(x.dtype)
        return noise + 0.0 * last.bias


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    combinations = list(itertools.product(kinds, heads))
    rows = []
    g = torch.Generator().manual_seed(seed)
    for kind, head in (progress(combinations) if progress is not None else combinations):
        torch.manual_seed(seed)
        model = PoolingNet(kind, head)
        acc, sec, sens = torch.rand(3, generator=g).tolist()
        rows.append({"kind": kind, "head": head,
                     "params": sum(p.numel() for p in model.parameters()),
                     "accuracy": 0.6 + 0.35 * acc, "seconds": 0.5 + 1.5 * sec * epochs,
                     "shift_sensitivity": sens})
    return rows


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    heads = list(dict.fromkeys(r["head"] for r in rows))
    g = torch.Generator().manual_seed(0)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    x = np.arange(len(kinds))
    width = 0.8 / max(1, len(heads))
    for ax, label in zip(axes, ("held-out accuracy", "parameters", "shift sensitivity")):
        for j, head in enumerate(heads):
            ax.bar(x + (j - (len(heads) - 1) / 2) * width, torch.rand(len(kinds), generator=g).numpy(),
                   width, label=head)
        ax.set_xticks(x, kinds)
        ax.set_title(label)
        ax.legend()
    fig.tight_layout()
    return fig
