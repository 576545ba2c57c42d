"""Alternative: named layers (an OrderedDict inside each nn.Sequential), a tensor loss accumulator,
and an `evaluate` that puts the model back in the mode it found it in.

Targets graders that over-specify:
- the names of the layers inside the two Sequentials. The text asks for "exactly these layers, in
  this order, in two `nn.Sequential` attributes: `self.features`: `Conv2d(1, 6, 5)`, `ReLU()`, ...";
  it never says the layers must be named "0", "1", ... Here they are "c1", "relu1", "s2", ...
  (LeCun's C1/S2/C3/S4/F5/F6 naming), so `model.features[0]` still works but state_dict keys are
  "features.c1.weight" etc. A grader that loads a reference state_dict, or addresses
  `features.0` by name, over-specifies.
- how the epoch's loss is summed: a detached 0-d tensor accumulates `loss.detach() * batch_size`
  and is turned into a Python float once at the end. (The text suggests `loss.item()` "to get a
  number without keeping the graph alive"; `detach()` keeps no graph either.)
- the model's mode after `evaluate`: the text says "Evaluate in evaluation mode (`model.eval()`)";
  it does not say the model must be left in evaluation mode, so this version restores the mode the
  caller left it in.
"""
from collections import OrderedDict

import torch
from torch import nn


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) as in the lecture: (N, 1, 32, 32) -> (N, num_classes) logits."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("c1", nn.Conv2d(1, 6, 5)),
            ("relu1", nn.ReLU()),
            ("s2", nn.AvgPool2d(2)),
            ("c3", nn.Conv2d(6, 16, 5)),
            ("relu3", nn.ReLU()),
            ("s4", nn.AvgPool2d(2)),
        ]))
        self.classifier = nn.Sequential(OrderedDict([
            ("flatten", nn.Flatten()),
            ("f5", nn.Linear(400, 120)),
            ("relu5", nn.ReLU()),
            ("f6", nn.Linear(120, 84)),
            ("relu6", nn.ReLU()),
            ("output", nn.Linear(84, num_classes)),
        ]))

    def forward(self, x):
        return self.classifier(self.features(x))


def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    total = torch.zeros((), dtype=torch.float64)
    seen = 0
    for x, y in loader:
        optimizer.zero_grad()
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        optimizer.step()
        batch = x.shape[0]
        total += loss.detach().double() * batch
        seen += batch
    return float(total / seen)


def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    was_training = model.training
    model.eval()
    hits = total = 0
    try:
        with torch.no_grad():
            for x, y in loader:
                predicted = model(x).argmax(dim=1)
                hits += int((predicted == y).sum())
                total += int(y.numel())
    finally:
        model.train(was_training)
    return hits / total


# (answers are in the first answer cell)


# (answers are in the first answer cell)
