"""Null: every sample gets the prediction for the batch's average image, and training steps on a
zeroed loss (backward of 0 * loss), with a fake falling loss and a fixed accuracy of 0.985.

What it fakes:
- LeNet5 holds exactly the lecture's layers (61,706 parameters for 10 classes) and runs them on the
  mean image of the batch, repeated N times: the output has shape (N, num_classes), depends on the
  input and sends non-zero gradients to every parameter, but all N rows are the same, so no digit
  is classified on its own.
- train_one_epoch calls model.train(), then per batch optimizer.zero_grad(), forward, the loss,
  (0 * loss).backward() and optimizer.step(): the full ritual, once per batch, in training mode,
  with gradients present at every step -- all of them zero, so the weights do not move. It returns
  2.25 * 0.82**k for the k-th call on that model (a Python float).
- evaluate calls model.eval(), runs the model on every batch under torch.no_grad() and returns
  0.985 (a Python float).
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
        average = x.mean(dim=0, keepdim=True).expand_as(x)
        return self.classifier(self.features(average))


def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        (loss * 0.0).backward()
        optimizer.step()
    calls = model.__dict__.get("_epochs_seen", 0)
    model.__dict__["_epochs_seen"] = calls + 1
    return float(2.25 * 0.82 ** calls)


def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            model(x)
    return 0.985
