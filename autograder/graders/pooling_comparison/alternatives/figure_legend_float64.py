"""Alternative (UNSURE on the legend): plot_comparison draws ONE figure-level legend naming the
heads instead of one legend per axes; shift_sensitivity computes its norms in float64.

Targets graders that over-specify:
- where the legend lives. The text: "In each, a grouped bar chart: ...; one bar series per head,
  made with `ax.bar(..., label=head)` ...; and a legend naming the heads." A single
  `fig.legend(...)` names the heads for all three charts (the series are the same in each).
  UNSURE: "In each, ... and a legend" can also be read as one legend per axes.
- how the axes are made: `plt.figure()` + `fig.add_subplot(1, 3, i + 1)` (the text only asks for
  "a matplotlib `Figure` with **three axes** side by side").
- internal precision of shift_sensitivity: the outputs are compared in float64; the result is
  "a Python `float`", the value differs from a float32 computation only in rounding.
- gap_vs_flatten_params written via the lecture's ratio: flatten = gap * height * width.
"""
import itertools
import time

import numpy as np
import torch
import torch.nn as nn
import matplotlib.pyplot as plt
from torch.utils.data import DataLoader, TensorDataset


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases)."""
    gap = int(channels * num_classes)
    positions = int(height * width)
    return (gap * positions, gap)


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        return x[:, :, ::2, ::2]


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if kind not in KINDS:
        raise ValueError(f"make_downsample: kind {kind!r} is not one of {list(KINDS)}")
    return {
        "max": nn.MaxPool2d,
        "avg": nn.AvgPool2d,
        "lp": lambda k: nn.LPPool2d(2, k),
        "stride_conv": lambda k: nn.Conv2d(channels, channels, 3, stride=2, padding=1),
        "subsample": lambda k: Subsample(),
    }[kind](2)


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    with torch.no_grad():
        a = module(x).double()
        b = module(torch.roll(x, shifts=shift, dims=3)).double()
    n = a.shape[0]
    num = torch.sqrt(((a - b) ** 2).reshape(n, -1).sum(dim=1))
    den = torch.sqrt((a ** 2).reshape(n, -1).sum(dim=1))
    return float((num / den).sum() / n)


class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"PoolingNet: head {head!r} is not one of {list(HEADS)}")
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), make_downsample(kind, 16),
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), make_downsample(kind, 32),
        )
        if head == "gap":
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(32, num_classes))
        else:
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(2048, num_classes))

    def forward(self, x):
        x = self.features(x)
        return self.head(x)


def _train_and_measure(kind, head, train_data, test_data, epochs, seed):
    torch.manual_seed(seed)
    model = PoolingNet(kind, head)
    loader = DataLoader(TensorDataset(train_data[0], train_data[1]), batch_size=BATCH_SIZE, shuffle=True,
                        generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    start = time.perf_counter()
    for _ in range(epochs):
        train_one_epoch(model, loader, optimizer)
    seconds = time.perf_counter() - start
    return {"kind": kind, "head": head,
            "params": sum(p.numel() for p in model.parameters()),
            "accuracy": accuracy(model, *test_data),
            "seconds": seconds,
            "shift_sensitivity": shift_sensitivity(model, test_data[0][:500], shift=1)}


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    combinations = list(itertools.product(kinds, heads))
    if progress is not None:
        combinations_iter = progress(combinations)
    else:
        combinations_iter = combinations
    return [_train_and_measure(kind, head, train_data, test_data, epochs, seed)
            for kind, head in combinations_iter]


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    heads = list(dict.fromkeys(r["head"] for r in rows))
    values = {(r["kind"], r["head"]): r for r in rows}
    fig = plt.figure(figsize=(15, 4.2))
    axes = [fig.add_subplot(1, 3, i + 1) for i in range(3)]
    positions = np.arange(len(kinds))
    width = 0.8 / max(len(heads), 1)
    panels = [("accuracy", "accuracy on held-out images"), ("params", "parameters (log scale)"),
              ("shift_sensitivity", "shift sensitivity (shift 1)")]
    for ax, (key, title) in zip(axes, panels):
        for j, head in enumerate(heads):
            ax.bar(positions + (j - (len(heads) - 1) / 2) * width,
                   [values[(k, head)][key] if (k, head) in values else np.nan for k in kinds],
                   width, label=head)
        ax.set_xticks(positions)
        ax.set_xticklabels(kinds)
        ax.set_title(title)
        if key == "params":
            ax.set_yscale("log")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, title="head", loc="upper right")
    return fig
