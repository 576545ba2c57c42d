"""Student stub of the `pooling_comparison` exercise (from release/pooling_comparison/pooling_comparison.ipynb).

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
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell downsample ---
class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError()


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell shift_sensitivity ---
def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell pooling_net ---
class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head: (N, 1, 32, 32) -> logits."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError()

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError()


# --- cell compare ---
def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    # YOUR CODE HERE
    raise NotImplementedError()


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    # YOUR CODE HERE
    raise NotImplementedError()
