"""The trusted side's own answers (expected values) and the data of the training check.

Probes (`_probes.py`) run the student's code in the student's process; the checks
run the same probes here on `REFERENCE`, a namespace with these definitions, and
compare. Independent of the generated solutions/pooling_comparison.py on purpose.
"""
import functools
import types

import numpy as np
import torch
from torch import nn

from autograder.graders import reference_runs

KINDS = ("max", "avg", "lp", "stride_conv", "subsample")
HEADS = ("flatten", "gap")


def gap_vs_flatten_params(channels, height, width, num_classes):
    return channels * height * width * num_classes, channels * num_classes


class Subsample(nn.Module):
    def forward(self, x):
        return x[:, :, ::2, ::2]


def make_downsample(kind, channels):
    modules = {"max": lambda: nn.MaxPool2d(2), "avg": lambda: nn.AvgPool2d(2),
               "lp": lambda: nn.LPPool2d(2, 2),
               "stride_conv": lambda: nn.Conv2d(channels, channels, 3, stride=2, padding=1),
               "subsample": Subsample}
    if kind not in modules:
        raise ValueError(f"unknown kind {kind!r}: one of {', '.join(KINDS)}")
    return modules[kind]()


def shift_sensitivity(module, x, shift=1):
    with torch.no_grad():
        out = module(x)
        moved = module(torch.roll(x, shifts=shift, dims=3))
    change = (out - moved).flatten(1).norm(dim=1)
    return (change / out.flatten(1).norm(dim=1)).mean().item()


class PoolingNet(nn.Module):
    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), make_downsample(kind, 16),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), make_downsample(kind, 32))
        if head == "flatten":
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 8 * 8, num_classes))
        elif head == "gap":
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes))
        else:
            raise ValueError(f"unknown head {head!r}")

    def forward(self, x):
        return self.head(self.features(x))


REFERENCE = types.SimpleNamespace(KINDS=KINDS, HEADS=HEADS, gap_vs_flatten_params=gap_vs_flatten_params,
                                  make_downsample=make_downsample, shift_sensitivity=shift_sensitivity,
                                  PoolingNet=PoolingNet)


run_reference = functools.partial(reference_runs.run_reference, REFERENCE)


def reference_params(kind, head, num_classes=10):
    return sum(p.numel() for p in PoolingNet(kind, head, num_classes).parameters())


def training_data(train_per_class=100, test_count=500):
    """(train_x, train_y, test_x, test_y) for the training check: the first `train_per_class`
    digits of each class of the released MNIST sample, and `test_count` of the 1,000 held-out
    digits that students never get (every other one), as LeNet-5 tensors in numpy."""
    from autograder.graders.lenet5.reference import training_and_heldout
    md, train_x, train_y, held_x, held_y = training_and_heldout()
    idx = np.sort(np.concatenate([np.flatnonzero(train_y == c)[:train_per_class] for c in range(10)]))
    step = max(1, len(held_y) // test_count)
    return (md.pad_and_normalize(train_x[idx]), train_y[idx].astype(np.int64),
            md.pad_and_normalize(held_x[::step][:test_count]), held_y[::step][:test_count].astype(np.int64))
