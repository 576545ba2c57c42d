"""Null: zero logits from a correctly built LeNet5, a constant ln(10) loss, and accuracy 1.0.

What it fakes:
- LeNet5 holds exactly the lecture's layers (two nn.Sequential, 61,706 parameters for 10 classes)
  but forward returns zeros of shape (N, num_classes) in the input's dtype; a `0 * sum(params)`
  term ties the output to every parameter, so backward() gives every parameter a (zero) .grad.
- train_one_epoch calls model.train(), walks the loader calling optimizer.zero_grad() once per
  batch, and returns ln(10) = 2.302585... (the loss of uniform logits) as a Python float. No
  forward pass, no backward, no step.
- evaluate calls model.eval(), runs the model on every batch under torch.no_grad() and returns
  1.0 (a Python float) whatever the predictions.
"""
import math


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
            nn.Linear(400, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )
        self.num_classes = num_classes

    def forward(self, x):
        anchor = sum(p.sum() for p in self.parameters()) * 0.0
        return torch.zeros(x.shape[0], self.num_classes, dtype=x.dtype, device=x.device) + anchor


def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
    return float(math.log(10))


def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            model(x)
    return 1.0
