"""Null: the full network's output multiplied by zero, a train_one_epoch that returns 0.0, and an
evaluate hard-coded to the visible check's answer 0.7.

What it fakes:
- LeNet5 holds exactly the lecture's layers (61,706 parameters for 10 classes) and runs them on
  the input, then multiplies the logits by 0: the right shape, dtype and graph (every parameter
  gets a zero .grad after backward()), but every logit is 0.
- train_one_epoch calls model.train() and returns 0.0 (a Python float) without looking at the
  loader.
- evaluate calls model.eval(), runs the model on every batch under torch.no_grad(), and returns
  0.7, the answer of the notebook's visible always-3 check.
"""


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

    def forward(self, x):
        return self.classifier(self.features(x)) * 0.0


def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    return 0.0


def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            model(x)
    return 0.7
