"""Reference solution of the `lenet5` exercise (from source/lenet5/lenet5.ipynb).

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
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


# --- cell train_one_epoch ---
def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


# --- cell evaluate ---
def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    correct, count = 0, 0
    with torch.no_grad():
        for x, y in loader:
            pred = model(x).argmax(dim=1)
            correct += (pred == y).sum().item()
            count += len(y)
    return correct / count
