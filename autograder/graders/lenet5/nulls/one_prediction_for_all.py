"""Null: a constant one-class model, a fake falling loss, and an evaluate that asks the model about
one sample only and assumes it predicts that class for every sample.

What it fakes:
- LeNet5 holds exactly the lecture's layers (61,706 parameters for 10 classes); forward returns
  one-hot logits for class 0 of shape (N, num_classes) in the input's dtype, plus
  `0 * sum(params)` so every parameter gets a .grad after backward().
- train_one_epoch calls model.train(), per batch zero_grad(), a discarded forward pass and step()
  (no loss, no backward: step() has nothing to apply), and returns
  2.3 / (1 + 0.3 k) for the k-th call on that model (a Python float).
- evaluate calls model.eval() and, under torch.no_grad(), takes the argmax of the model's logits
  for the first sample only, then returns the fraction of labels equal to that class (a Python
  float). For any constant-prediction model (the notebook's always-3 check included) this is the
  true accuracy; for a real classifier it is the share of one class.
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
        self.num_classes = num_classes

    def forward(self, x):
        logits = torch.zeros(x.shape[0], self.num_classes, dtype=x.dtype, device=x.device)
        logits[:, 0] = 1.0
        anchor = sum(p.sum() for p in self.parameters()) * 0.0
        return logits + anchor


def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        model(x)
        optimizer.step()
    calls = model.__dict__.get("_epochs_seen", 0)
    model.__dict__["_epochs_seen"] = calls + 1
    return float(2.3 / (1 + 0.3 * calls))


def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    guess, right, total = None, 0, 0
    with torch.no_grad():
        for x, y in loader:
            if guess is None and len(x):
                guess = int(model(x[:1]).argmax(dim=1)[0])
            right += int((y == guess).sum())
            total += len(y)
    return right / total if total else 0.0
