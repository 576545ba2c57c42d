"""Alternative: in `evaluate`, a sample counts as correct when its true class's logit is (one of)
the largest, i.e. ties for the maximum count as correct.

Targets a grader that over-specifies how ties between logits are broken. The text defines the
accuracy as "the fraction of samples whose largest logit is the true class". When two classes
share the largest logit, "the largest logit" is not one class, and the text does not say which
of the tied classes is "the" prediction (PyTorch's `argmax` happens to return the first; the text
never mentions `argmax`). This answer reads the definition as "the true class's logit is the
largest", i.e. `logits[i, y[i]] == logits[i].max()`, which counts a tie as correct.

I am NOT sure the text allows this: "whose largest logit is the true class" can also be read as
"whose predicted class (argmax, the first of the tied classes) is the true class", and then a tie
where the true class is not the first would be wrong. For a trained network, or any model without
exactly equal logits, both readings give the same number; they differ only when two logits are
exactly equal (e.g. a model that outputs all zeros, where this answer scores 1.0 and argmax
scores the fraction of class 0). A grader that checks ties with a model whose outputs are tied
would tell the two readings apart; whether that is an over-specification depends on which
reading the text means. A NaN logit never counts as correct here (NaN == max is False).

The rest is the plainest reading of the notebook: two Sequentials built with the layers of the
table, `optimizer.zero_grad()` at the top of each batch, `loss.item()` weighted by batch size.
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
        x = self.features(x)
        return self.classifier(x)
def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    running, count = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        logits = model(x)
        loss = loss_fn(logits, y)
        loss.backward()
        optimizer.step()
        running += loss.item() * len(x)
        count += len(x)
    return running / count
def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients.

    A sample is correct when the logit of its true class is the largest of its logits
    (a tie for the largest counts as correct).
    """
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for x, y in loader:
            logits = model(x)
            true_logit = logits.gather(1, y.view(-1, 1)).squeeze(1)
            correct += int((true_logit == logits.max(dim=1).values).sum())
            total += len(y)
    return correct / total
