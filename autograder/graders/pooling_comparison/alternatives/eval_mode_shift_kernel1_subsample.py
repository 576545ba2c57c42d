"""Alternative: shift_sensitivity evaluates the module in eval mode (restoring its mode after),
Subsample is written as a 1x1 max pooling with stride 2, the epochs loop re-uses one DataLoader,
and the plot uses categorical offsets computed per head.

Targets graders that over-specify:
- how Subsample keeps "rows and columns 0, 2, 4, ...": `F.max_pool2d(x, kernel_size=1, stride=2)`
  picks exactly the element at (2i, 2j) of each map (a 1x1 window has one element), for odd sizes
  too (7 -> 4), with the same gradient. A grader that inspects the source for slicing, or expects a
  view of the input, would over-specify; values are identical.
- the module's mode during shift_sensitivity: the text fixes "computed without gradients, leaving
  `x` unchanged" and is silent on train/eval mode. This version measures the module as used at
  inference (eval mode) and then restores the module's own mode of every submodule. For every
  module of the notebook (no dropout, no batch norm) the value is the same.
- gap_vs_flatten_params: integer arithmetic via `math.prod`.
"""
import itertools
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases)."""
    return int(math.prod((channels, height, width, num_classes))), int(math.prod((channels, num_classes)))


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        return F.max_pool2d(x, kernel_size=1, stride=2)


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if kind == "stride_conv":
        return nn.Conv2d(channels, channels, 3, 2, 1)
    simple = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}
    if kind in ("max", "avg"):
        return simple[kind](2)
    if kind == "lp":
        return nn.LPPool2d(2, 2)
    if kind == "subsample":
        return Subsample()
    raise ValueError(f"kind={kind!r} is not valid; the valid kinds are {KINDS}")


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        with torch.no_grad():
            base = module(x)
            moved = module(x.roll(shifts=shift, dims=-1))
    finally:
        for m, mode in modes:
            m.training = mode
    dims = tuple(range(1, base.dim()))
    change = torch.sqrt(((base - moved) ** 2).sum(dim=dims))
    size = torch.sqrt((base ** 2).sum(dim=dims))
    return (change / size).mean().item()


class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        if head not in ("flatten", "gap"):
            raise ValueError(f"head={head!r} is not valid; the valid heads are {HEADS}")
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            make_downsample(kind, 16),
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            make_downsample(kind, 32),
        )
        self.head = (nn.Sequential(nn.Flatten(), nn.Linear(32 * 8 * 8, num_classes)) if head == "flatten"
                     else nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes)))

    def forward(self, x):
        features = self.features(x)
        return self.head(features)


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    todo = list(itertools.product(kinds, heads))
    if progress is not None:
        todo_iter = progress(todo)
    else:
        todo_iter = todo
    dataset = TensorDataset(*train_data)
    test_x, test_y = test_data
    out = []
    for kind, head in todo_iter:
        torch.manual_seed(seed)
        model = PoolingNet(kind, head)
        n_params = sum(p.numel() for p in model.parameters())
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        generator = torch.Generator().manual_seed(seed)
        loader = DataLoader(dataset, batch_size=BATCH_SIZE, shuffle=True, generator=generator)
        t = time.perf_counter()
        epoch = 0
        while epoch < epochs:
            train_one_epoch(model, loader, optimizer)
            epoch += 1
        t = time.perf_counter() - t
        out.append({"kind": kind, "head": head, "params": n_params,
                    "accuracy": float(accuracy(model, test_x, test_y)), "seconds": t,
                    "shift_sensitivity": shift_sensitivity(model, test_x[:500], shift=1)})
    return out


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    kinds = list(dict.fromkeys(row["kind"] for row in rows))
    heads = list(dict.fromkeys(row["head"] for row in rows))
    index = {k: i for i, k in enumerate(kinds)}
    fig, axs = plt.subplots(ncols=3, figsize=(16, 4))
    bar_w = 0.35 if len(heads) <= 2 else 0.8 / len(heads)
    metrics = {"accuracy": "accuracy", "params": "parameters", "shift_sensitivity": "shift sensitivity"}
    for ax, (key, label) in zip(axs, metrics.items()):
        for j, head in enumerate(heads):
            mine = {row["kind"]: row[key] for row in rows if row["head"] == head}
            offset = (j - (len(heads) - 1) / 2) * bar_w
            ax.bar([index[k] + offset for k in kinds], [mine.get(k, float("nan")) for k in kinds],
                   bar_w, label=head)
        ax.set_xticks(range(len(kinds)))
        ax.set_xticklabels(kinds)
        ax.set_title(label)
        ax.legend(loc="best")
        if key == "params":
            ax.set_yscale("log")
            ax.set_ylabel("parameters (log)")
        else:
            ax.set_ylabel(label)
    return fig
