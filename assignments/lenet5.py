"""Student stub of the `lenet5` exercise (from release/lenet5/lenet5.ipynb).

Generated from the notebook by `autograder build`; do not edit."""


# --- cell setup ---
import numpy as np
import torch
from torch import nn

# The course's training recipe: section 5 below, exercises 4 and 5 and the hidden grader train with it
LEARNING_RATE = 3e-3    # Adam's learning rate in the first epoch...
LR_DECAY = 0.75         # ...multiplied by this after each epoch (ExponentialLR's gamma)
BATCH_SIZE = 32
GRADED_EPOCHS = 10      # the hidden grader trains your LeNet5 for this many epochs


# --- cell lenet5 ---
class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) as in the lecture: (N, 1, 32, 32) -> (N, num_classes) logits."""

    def __init__(self, num_classes=10):
        super().__init__()
        # YOUR CODE HERE
        raise NotImplementedError()

    def forward(self, x):
        # YOUR CODE HERE
        raise NotImplementedError()


# --- cell train_one_epoch ---
def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell evaluate ---
def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    # YOUR CODE HERE
    raise NotImplementedError()
