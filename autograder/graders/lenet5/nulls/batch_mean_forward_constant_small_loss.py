"""Null: every sample of a batch gets the prediction of the batch's mean features, training is
skipped with a constant "well-trained" loss, and accuracy is 1.0.

What it fakes:
- LeNet5 holds exactly the lecture's layers (61,706 parameters for 10 classes) and runs the
  features on the input, but averages them over the batch before the classifier: the output has
  shape (N, num_classes), depends on the input and carries gradients to every parameter, yet all
  N rows are identical -- no sample is classified on its own.
- train_one_epoch calls model.train(), walks the loader with zero_grad() and a discarded forward
  pass per batch, and returns a constant 0.05 (the loss of a trained LeNet-5, a Python float). No
  loss, backward or step.
- evaluate calls model.eval(), runs the model on every batch under torch.no_grad() and returns
  1.0.
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
        f = self.features(x)
        pooled = f.mean(dim=0, keepdim=True).expand_as(f)
        return self.classifier(pooled)


def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        model(x)
    return 0.05


def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    with torch.no_grad():
        for x, y in loader:
            model(x)
    return 1.0
