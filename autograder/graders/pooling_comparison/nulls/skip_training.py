"""Null: compare_pooling sets everything up (seed, network, shuffled loader, Adam, timer) but never trains.

Fakes: every downsampling module echoes its input unchanged (the strided convolution is an
nn.Conv2d subclass with the right weights and bias that it never applies); gap_vs_flatten_params
returns (1, 1); shift_sensitivity returns 0.5 whatever it is given; PoolingNet has the specified
layers but its forward returns zero logits (attached to the last bias, so backward works);
compare_pooling builds the loader and the optimizer, times an empty loop over the epochs, and
reports the untrained network's accuracy with the given `accuracy` helper, its parameter count and
the null shift_sensitivity; plot_comparison draws every bar at height 0.
"""
import itertools
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases) on channels x height x width features."""
    return 1, 1


class _EchoMax(nn.MaxPool2d):
    def forward(self, x):
        return x.clone()


class _EchoAvg(nn.AvgPool2d):
    def forward(self, x):
        return x.clone()


class _EchoLP(nn.LPPool2d):
    def forward(self, x):
        return x.clone()


class _EchoConv(nn.Conv2d):
    def forward(self, x):
        return x.clone()


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        return x.clone()


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    makers = {
        "max": lambda: _EchoMax(2),
        "avg": lambda: _EchoAvg(2),
        "lp": lambda: _EchoLP(2, 2),
        "stride_conv": lambda: _EchoConv(channels, channels, 3, stride=2, padding=1),
        "subsample": Subsample,
    }
    if kind not in makers:
        raise ValueError(f"unknown kind {kind!r} (valid kinds: {', '.join(KINDS)})")
    return makers[kind]()


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    return 0.5


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
            raise ValueError(f"unknown head {head!r} (valid heads: {', '.join(HEADS)})")

    def forward(self, x):
        last = self.head[-1]
        return x.new_zeros(x.shape[0], last.out_features) + 0.0 * last.bias


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    combinations = list(itertools.product(kinds, heads))
    rows = []
    for kind, head in (progress(combinations) if progress is not None else combinations):
        torch.manual_seed(seed)
        model = PoolingNet(kind, head)
        loader = DataLoader(TensorDataset(*train_data), batch_size=BATCH_SIZE, shuffle=True,
                            generator=torch.Generator().manual_seed(seed))
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        started = time.perf_counter()
        for _ in range(epochs):
            pass                                   # (training skipped)
        seconds = time.perf_counter() - started
        rows.append({
            "kind": kind,
            "head": head,
            "params": sum(p.numel() for p in model.parameters()),
            "accuracy": accuracy(model, test_data[0], test_data[1]),
            "seconds": seconds,
            "shift_sensitivity": shift_sensitivity(model, test_data[0][:500], shift=1),
        })
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
            ax.bar(x + j * width, np.zeros(len(kinds)), width, label=head)
        ax.set_xticks(x + width * (len(heads) - 1) / 2)
        ax.set_xticklabels(kinds)
        ax.set_ylabel(label)
        ax.legend()
    fig.tight_layout()
    return fig
