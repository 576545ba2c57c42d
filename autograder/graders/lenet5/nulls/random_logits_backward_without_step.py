"""Null: random logits, a training loop that back-propagates but never updates the weights, and a
fixed accuracy of 0.97.

What it fakes:
- LeNet5 holds exactly the lecture's layers (61,706 parameters for 10 classes); forward returns
  random normal logits of shape (N, num_classes) in the input's dtype, drawn from a private
  generator (the global RNG is untouched), plus `0 * sum(params)` so every parameter gets a .grad.
- train_one_epoch calls model.train(), then per batch optimizer.zero_grad(), forward, loss and
  loss.backward() -- but never optimizer.step(), so the weights never change. It returns the
  size-weighted mean of loss.item() over the epoch (a Python float): an honest report of a model
  that does not learn.
- evaluate calls model.eval(), runs the model on every batch under torch.no_grad() and returns
  0.97 (a Python float).
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
        self._noise = torch.Generator().manual_seed(1234)

    def forward(self, x):
        noise = torch.randn(x.shape[0], self.num_classes, generator=self._noise)
        anchor = sum(p.sum() for p in self.parameters()) * 0.0
        return noise.to(dtype=x.dtype, device=x.device) + anchor


def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        total += loss.item() * len(y)
        count += len(y)
    return total / count if count else 0.0


def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            model(x)
    return 0.97
