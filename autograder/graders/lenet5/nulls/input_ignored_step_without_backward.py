"""Null: the network runs on a blank image instead of the input, training steps without a backward
pass, and "accuracy" is the share of the most frequent label.

What it fakes:
- LeNet5 holds exactly the lecture's layers (61,706 parameters for 10 classes) and its forward
  really runs features + classifier, but on torch.ones_like(x) (a constant image): every row of
  the (N, num_classes) output is the same, whatever the digit. Gradients reach every parameter,
  non-zero (a zero image would leave the first convolution's weights without gradient), so a real
  training loop would lower the loss (towards the class prior) and never read a pixel.
- train_one_epoch calls model.train(), then per batch zero_grad(), a forward pass, the loss and
  optimizer.step() -- but never loss.backward(), so step() has no gradients and nothing changes.
  It returns a falling fake loss (2.2 * 0.85**k for the k-th call on that model, a Python float).
- evaluate calls model.eval() and, under torch.no_grad(), runs the model on every batch but only
  counts the labels: it returns (count of the most frequent label) / (number of samples), as a
  Python float. On the notebook's always-3 check that is exactly 0.7.
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
        return self.classifier(self.features(torch.ones_like(x)))


def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        optimizer.step()
    calls = model.__dict__.get("_epochs_seen", 0)
    model.__dict__["_epochs_seen"] = calls + 1
    return float(2.2 * 0.85 ** calls)


def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    counts = {}
    total = 0
    with torch.no_grad():
        for x, y in loader:
            model(x)
            for label in y.tolist():
                counts[label] = counts.get(label, 0) + 1
            total += len(y)
    if total == 0:
        return 0.0
    return max(counts.values()) / total
