"""Alternative: gradients cleared with `model.zero_grad()` instead of `optimizer.zero_grad()`,
and in-place ReLUs (`nn.ReLU(inplace=True)`).

Targets graders that over-specify:
- which object clears the gradients. Step 1 says "clear the gradients left by the previous batch
  (`optimizer.zero_grad()`): PyTorch **adds** new gradients to the old ones". The requirement is
  that the gradients are cleared; the parenthesis names one way to do it. `model.zero_grad()`
  clears the `.grad` of every parameter of the model, which for an optimizer built on
  `model.parameters()` (as in every cell of the notebook and "the same settings" of the graded
  training run) is the same set of tensors. A grader that counts calls to a mock optimizer's
  `zero_grad`, or that gives the optimizer parameters outside the model, over-specifies.
- the ReLU's `inplace` flag. The table and the text list `ReLU()`; `nn.ReLU(inplace=True)` is the
  same layer type computing the same function (it overwrites its input, which here is always a
  fresh Conv2d/Linear output, so autograd stays correct), with no parameters. A grader that
  compares `repr()` of the layers or checks `layer.inplace is False` over-specifies.

Decided where the text leaves it open: the epoch's loss is summed as `loss.item() * batch size`,
the number of samples is counted from the labels; evaluate counts argmax hits.
"""


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) as in the lecture: (N, 1, 32, 32) -> (N, num_classes) logits."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.ReLU(inplace=True),
            nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(inplace=True),
            nn.AvgPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(400, 120),
            nn.ReLU(inplace=True),
            nn.Linear(120, 84),
            nn.ReLU(inplace=True),
            nn.Linear(84, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))
def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    sum_loss = 0.0
    samples = 0
    for batch_x, batch_y in loader:
        model.zero_grad()
        loss = loss_fn(model(batch_x), batch_y)
        loss.backward()
        optimizer.step()
        sum_loss += loss.item() * batch_y.numel()
        samples += batch_y.numel()
    return sum_loss / samples
def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    hits = 0
    seen = 0
    with torch.no_grad():
        for batch_x, batch_y in loader:
            hits += (model(batch_x).argmax(1) == batch_y).sum().item()
            seen += batch_y.numel()
    return hits / seen
