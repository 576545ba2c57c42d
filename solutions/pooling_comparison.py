"""Reference solution of the `pooling_comparison` exercise (from source/pooling_comparison/pooling_comparison.ipynb).

Generated from the notebook by `autograder build`; do not edit."""


# --- cell setup ---
import itertools
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

KINDS = ("max", "avg", "lp", "stride_conv", "subsample")   # the downsampling modules compared
HEADS = ("flatten", "gap")                                 # the classifier heads compared
LEARNING_RATE, BATCH_SIZE = 3e-3, 32                       # compare_pooling's optimizer settings


def train_one_epoch(model, loader, optimizer):
    """Exercise 2's loop: one pass over `loader` with cross-entropy; returns the mean loss per sample."""
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    total, count = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


def accuracy(model, images, labels, batch_size=500):
    """Fraction of `images` (N, 1, 32, 32) whose largest logit is the label (eval mode, no gradients)."""
    model.eval()
    with torch.no_grad():
        predicted = torch.cat([model(images[i:i + batch_size]).argmax(dim=1)
                               for i in range(0, len(images), batch_size)])
    return (predicted == labels).float().mean().item()


# --- cell gap_params ---
def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases) on channels x height x width features."""
    flatten = channels * height * width * num_classes
    gap = channels * num_classes
    return flatten, gap


# --- cell downsample ---
class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        return x[:, :, ::2, ::2]


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if kind == "max":
        return nn.MaxPool2d(kernel_size=2, stride=2)
    if kind == "avg":
        return nn.AvgPool2d(kernel_size=2, stride=2)
    if kind == "lp":
        return nn.LPPool2d(norm_type=2, kernel_size=2, stride=2)
    if kind == "stride_conv":
        return nn.Conv2d(channels, channels, kernel_size=3, stride=2, padding=1)
    if kind == "subsample":
        return Subsample()
    raise ValueError(f"unknown downsampling kind {kind!r}: choose one of {', '.join(KINDS)}")


# --- cell shift_sensitivity ---
def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    with torch.no_grad():
        out = module(x)
        shifted = module(torch.roll(x, shifts=shift, dims=3))
    change = (out - shifted).flatten(start_dim=1).norm(dim=1)
    size = out.flatten(start_dim=1).norm(dim=1)
    return (change / size).mean().item()


# --- cell pooling_net ---
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
            raise ValueError(f"unknown head {head!r}: choose one of {', '.join(HEADS)}")

    def forward(self, x):
        return self.head(self.features(x))


# --- cell compare ---
def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    train_images, train_labels = train_data
    test_images, test_labels = test_data
    combinations = list(itertools.product(kinds, heads))
    rows = []
    for kind, head in (combinations if progress is None else progress(combinations)):
        torch.manual_seed(seed)                              # the same initial weights for every combination
        model = PoolingNet(kind, head)
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        batches = DataLoader(TensorDataset(train_images, train_labels), batch_size=BATCH_SIZE, shuffle=True,
                             generator=torch.Generator().manual_seed(seed))    # and the same batches
        started = time.perf_counter()
        for _ in range(epochs):
            train_one_epoch(model, batches, optimizer)
        seconds = time.perf_counter() - started
        rows.append({"kind": kind, "head": head,
                     "params": sum(p.numel() for p in model.parameters()),
                     "accuracy": accuracy(model, test_images, test_labels),
                     "seconds": seconds,
                     "shift_sensitivity": shift_sensitivity(model, test_images[:500])})
    return rows


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    heads = list(dict.fromkeys(r["head"] for r in rows))
    value = {(r["kind"], r["head"]): r for r in rows}
    metrics = (("accuracy", "held-out accuracy"), ("params", "parameters"),
               ("shift_sensitivity", "shift sensitivity (1 pixel)"))
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    positions = np.arange(len(kinds))
    width = 0.8 / len(heads)
    for ax, (key, title) in zip(axes, metrics):
        for i, head in enumerate(heads):
            heights = [value[(k, head)][key] if (k, head) in value else np.nan for k in kinds]
            ax.bar(positions + (i - (len(heads) - 1) / 2) * width, heights, width, label=head)
        ax.set_xticks(positions, kinds, rotation=20)
        ax.set_title(title)
        ax.set_ylabel(title)
    axes[1].set_yscale("log")
    axes[0].set_ylim(0, 1.2)
    axes[0].legend(title="head", ncol=len(heads), loc="upper center")
    fig.tight_layout()
    return fig
