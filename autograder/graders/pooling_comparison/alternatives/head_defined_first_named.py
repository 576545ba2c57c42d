"""Alternative: PoolingNet registers `self.head` BEFORE `self.features` (the layers are still created
in forward order), both Sequentials have named layers (OrderedDict), and compare_pooling measures
the shift sensitivity before the accuracy.

Targets graders that over-specify:
- the order of attribute registration. The text: "`PoolingNet(kind, head="flatten",
  num_classes=10)` is a fixed, small CNN for (N, 1, 32, 32) inputs, in two `nn.Sequential`
  attributes, with the layers in this order: `self.features`: ...; `self.head` ...".
  The order of the layers inside each Sequential and the data flow (features, then head) are
  respected, and the layers are even *created* in that order (so a fixed seed gives the same
  initial weights as a features-first network: "the same initial weights wherever the layers are
  the same"); only the attributes are *registered* head first, so `parameters()`, `state_dict()`
  and `named_modules()` list the head's Linear before the convolutions. A grader that compares the
  ordered list of parameters with the reference's would over-specify.
- layer names: "conv1", "relu1", "down1", ... instead of "0", "1", ... (the text names the
  attributes `features` and `head`, never the layers inside).
- the order of the measurements after training (shift sensitivity, then accuracy; neither changes
  the network, and both run it in eval mode or without gradients).

Other choices: an unknown head is rejected before any layer is built.
"""
import itertools
import time
from collections import OrderedDict

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases)."""
    gap = channels * num_classes
    return int(gap * height * width), int(gap)


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        return x[:, :, 0::2, 0::2]


_FACTORIES = {
    "max": lambda channels: nn.MaxPool2d(2),
    "avg": lambda channels: nn.AvgPool2d(2),
    "lp": lambda channels: nn.LPPool2d(2, 2),
    "stride_conv": lambda channels: nn.Conv2d(channels, channels, 3, stride=2, padding=1),
    "subsample": lambda channels: Subsample(),
}


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if not isinstance(kind, str) or kind not in KINDS or kind not in _FACTORIES:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return _FACTORIES[kind](channels)


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    with torch.no_grad():
        reference = module(x).flatten(start_dim=1)
        shifted = module(x.roll(shift, 3)).flatten(start_dim=1)
        ratios = torch.linalg.vector_norm(reference - shifted, dim=1) / torch.linalg.vector_norm(reference, dim=1)
    return ratios.mean().item()


class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        if head == "flatten":
            head_layers = lambda: [("flatten", nn.Flatten()), ("fc", nn.Linear(32 * 8 * 8, num_classes))]
        elif head == "gap":
            head_layers = lambda: [("gap", nn.AdaptiveAvgPool2d(1)), ("flatten", nn.Flatten()),
                                   ("fc", nn.Linear(32, num_classes))]
        else:
            raise ValueError(f"head must be one of {HEADS}, got {head!r}")
        # The layers are created in forward order (features, then head), so that under a fixed
        # seed every network draws its initial weights in the same order; the two Sequentials are
        # then registered head first.
        features = nn.Sequential(OrderedDict([
            ("conv1", nn.Conv2d(1, 16, 3, padding=1)),
            ("relu1", nn.ReLU()),
            ("down1", make_downsample(kind, 16)),
            ("conv2", nn.Conv2d(16, 32, 3, padding=1)),
            ("relu2", nn.ReLU()),
            ("down2", make_downsample(kind, 32)),
        ]))
        head_module = nn.Sequential(OrderedDict(head_layers()))
        self.head = head_module
        self.features = features

    def forward(self, x):
        return self.head(self.features(x))


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    combos = list(itertools.product(kinds, heads))
    iterator = combos if progress is None else progress(combos)
    train_images, train_labels = train_data
    test_images, test_labels = test_data
    rows = []
    for kind, head in iterator:
        torch.manual_seed(seed)
        net = PoolingNet(kind, head)
        batches = DataLoader(TensorDataset(train_images, train_labels), batch_size=BATCH_SIZE,
                             shuffle=True, generator=torch.Generator().manual_seed(seed))
        opt = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
        t0 = time.perf_counter()
        for epoch in range(epochs):
            train_one_epoch(net, batches, opt)
        elapsed = time.perf_counter() - t0
        net.eval()
        sensitivity = shift_sensitivity(net, test_images[:500], 1)
        acc = accuracy(net, test_images, test_labels)
        rows.append(dict(kind=kind, head=head, params=sum(p.numel() for p in net.parameters()),
                         accuracy=acc, seconds=elapsed, shift_sensitivity=sensitivity))
    return rows


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    kinds, heads = [], []
    for r in rows:
        if r["kind"] not in kinds:
            kinds.append(r["kind"])
        if r["head"] not in heads:
            heads.append(r["head"])
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    centers = np.arange(len(kinds), dtype=float)
    width = 0.8 / len(heads) if heads else 0.8
    for ax, key, name in zip(axes, ("accuracy", "params", "shift_sensitivity"),
                             ("accuracy (held out)", "parameters", "shift sensitivity")):
        for i, head in enumerate(heads):
            heights = []
            for kind in kinds:
                match = [r[key] for r in rows if r["kind"] == kind and r["head"] == head]
                heights.append(match[0] if match else np.nan)
            ax.bar(centers - 0.4 + width * (i + 0.5), heights, width=width, label=head)
        ax.set_xticks(centers, kinds)
        ax.set_ylabel(name)
        ax.set_title(name)
        if key == "params":
            ax.set_yscale("log")
        ax.legend(title="head")
    fig.tight_layout()
    return fig
