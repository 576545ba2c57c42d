"""Null: logits are the last layer's bias only, the epoch loss is a made-up falling curve, and
accuracy is a fixed 0.97.

What it fakes:
- LeNet5 holds exactly the lecture's layers (61,706 parameters for 10 classes); forward returns
  the bias of the last Linear broadcast to (N, num_classes), so the input is never read. A
  `0 * sum(params)` term gives every parameter a .grad after backward(). Trained, it can at best
  learn the class frequencies.
- train_one_epoch calls model.train(), then per batch zero_grad() and a forward pass whose output
  is thrown away (so the model is seen running in training mode); no loss, backward or step. It
  returns 2.30 * 0.8**k for the k-th call on that model (a Python float), so the loss
  "falls" from epoch to epoch.
- evaluate calls model.eval(), runs the model on every batch under torch.no_grad() and returns
  0.97 (a plausible LeNet-5 accuracy, a Python float).
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
        bias = self.classifier[-1].bias
        anchor = sum(p.sum() for p in self.parameters()) * 0.0
        return bias.unsqueeze(0).expand(x.shape[0], -1).to(x.dtype) + anchor


def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        model(x)
    calls = model.__dict__.get("_epochs_seen", 0)
    model.__dict__["_epochs_seen"] = calls + 1
    return float(2.30 * 0.8 ** calls)


def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            model(x)
    return 0.97
