"""Alternative (UNSURE on the list): gap_vs_flatten_params returns a two-element LIST, Subsample
returns a contiguous copy (`x[..., ::2, ::2].contiguous()`), and compare_pooling builds its
DataLoader before seeding and counts only trainable parameters.

Targets graders that over-specify:
- the container of the pair: "`gap_vs_flatten_params(...)`: the pair `(flatten, gap)` of the
  classifier's weight counts ... Two Python `int`s." A list of two ints is a pair of two Python
  ints that unpacks exactly like a tuple (`flat, gap = ...`). UNSURE: the text writes the pair in
  tuple notation; a grader comparing `result == (a, b)` rejects a list.
- memory layout / view-ness of Subsample's output: the values are exactly those of
  `x[:, :, ::2, ::2]` ("keeps every second row and column (rows and columns 0, 2, 4, ...)"); here
  they are returned as a contiguous tensor (a copy, not a view), and `...` also accepts a single
  (C, H, W) map.
- the order of setup steps in compare_pooling: the DataLoader has its own seeded generator
  (`torch.Generator().manual_seed(seed)`), so creating it before `torch.manual_seed(seed)` changes
  nothing: step 1 ("`torch.manual_seed(seed)`, then build `PoolingNet(kind, head)`") is kept, the
  model is built right after the seed.
- "params" (the network's parameter count) is counted over parameters with requires_grad (all of
  them in PoolingNet).
"""
import itertools
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases)."""
    return [int(channels * height * width * num_classes), int(channels * num_classes)]


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        return x[..., ::2, ::2].contiguous()


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    builders = {
        "max": lambda: nn.MaxPool2d(kernel_size=2, stride=2),
        "avg": lambda: nn.AvgPool2d(kernel_size=2, stride=2),
        "lp": lambda: nn.LPPool2d(norm_type=2, kernel_size=2, stride=2),
        "stride_conv": lambda: nn.Conv2d(channels, channels, kernel_size=3, stride=2, padding=1, bias=True),
        "subsample": lambda: Subsample(),
    }
    try:
        return builders[kind]()
    except (KeyError, TypeError):
        raise ValueError(f"unknown downsampling kind {kind!r}: choose one of {', '.join(map(repr, KINDS))}") from None


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    with torch.no_grad():
        f_x = module(x)
        f_s = module(torch.roll(x, shifts=shift, dims=3))
        per_sample = [torch.norm(f_x[n] - f_s[n]) / torch.norm(f_x[n]) for n in range(len(x))]
    return float(torch.stack(per_sample).mean())


class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        layers = []
        for c_in, c_out in ((1, 16), (16, 32)):
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), make_downsample(kind, c_out)]
        self.features = nn.Sequential(*layers)
        heads = {
            "flatten": lambda: [nn.Flatten(), nn.Linear(32 * 8 * 8, num_classes)],
            "gap": lambda: [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes)],
        }
        if head not in heads:
            raise ValueError(f"unknown head {head!r}: choose 'flatten' or 'gap'")
        self.head = nn.Sequential(*heads[head]())

    def forward(self, x):
        return self.head(self.features(x))


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    combinations = [(k, h) for k, h in itertools.product(kinds, heads)]
    rows = []
    for kind, head in (combinations if progress is None else progress(combinations)):
        loader = DataLoader(TensorDataset(*train_data), batch_size=BATCH_SIZE, shuffle=True,
                            generator=torch.Generator().manual_seed(seed))
        torch.manual_seed(seed)
        model = PoolingNet(kind, head)
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        tic = time.perf_counter()
        for _ in range(epochs):
            train_one_epoch(model, loader, optimizer)
        toc = time.perf_counter()
        row = {"kind": kind, "head": head,
               "params": sum(p.numel() for p in model.parameters() if p.requires_grad)}
        row["accuracy"] = accuracy(model, test_data[0], test_data[1])
        row["seconds"] = toc - tic
        row["shift_sensitivity"] = shift_sensitivity(model, test_data[0][:500], 1)
        rows.append(row)
    return rows


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    heads = list(dict.fromkeys(r["head"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4), constrained_layout=True)
    x = np.arange(len(kinds))
    n = max(1, len(heads))
    width = 0.8 / n
    for ax, (key, ylabel) in zip(axes, (("accuracy", "held-out accuracy"), ("params", "parameters"),
                                        ("shift_sensitivity", "shift sensitivity"))):
        for i, head in enumerate(heads):
            series = {r["kind"]: r[key] for r in rows if r["head"] == head}
            ax.bar(x + (i - (n - 1) / 2) * width, [series.get(k, np.nan) for k in kinds], width, label=head)
        ax.set_xticks(x, labels=kinds)
        ax.set_ylabel(ylabel)
        ax.set_title(ylabel)
        ax.legend()
    axes[1].set_yscale("log")
    return fig
