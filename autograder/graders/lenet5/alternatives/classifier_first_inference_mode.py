"""Alternative: `self.classifier` assigned before `self.features`, a forward that loops over the
layers explicitly, `zero_grad(set_to_none=False)`, and `torch.inference_mode()` in evaluate.

Targets graders that over-specify:
- the order in which the two attributes are created. The text asks for "exactly these layers, in
  this order, in two `nn.Sequential` attributes: `self.features`: ...; `self.classifier`: ...".
  "In this order" is the order of the layers inside each Sequential, which is kept; it says
  nothing about which attribute is assigned first. Here `classifier` is registered first, so
  `model.parameters()`, `state_dict()` and `named_children()` list the classifier's tensors before
  the features', and (because the layers are built in that order) the seeded random initial
  weights differ from a features-first model's. A grader that zips `parameters()` with a
  reference's, loads a reference state_dict positionally, or expects bit-identical training under
  `torch.manual_seed`, over-specifies.
- how forward composes the layers: an explicit `for layer in ...` loop over both Sequentials
  instead of calling them; a grader that counts calls to `self.features` / `self.classifier`
  (e.g. with forward hooks on the Sequentials) over-specifies.
- how gradients are cleared. "clear the gradients left by the previous batch
  (`optimizer.zero_grad()`)": `optimizer.zero_grad(set_to_none=False)` clears them by filling
  them with zeros instead of setting `.grad` to None; a grader that expects `p.grad is None`
  after clearing over-specifies.
- the no-graph context. "**without building a graph** (`with torch.no_grad():`)":
  `torch.inference_mode()` builds no graph either (it is the stricter, faster form of no_grad);
  a grader that patches or checks `torch.no_grad` specifically, or that expects
  `torch.is_inference_mode_enabled()` to be False, over-specifies.

Decided where the text leaves it open: evaluate leaves the model in evaluation mode (as
`model.eval()` does), train_one_epoch leaves it in training mode; the epoch loss is accumulated
as a Python float from `loss.item() * batch size`.
"""


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) as in the lecture: (N, 1, 32, 32) -> (N, num_classes) logits."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(400, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, num_classes),
        )
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5),
            nn.ReLU(),
            nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.AvgPool2d(2),
        )

    def forward(self, x):
        for layer in self.features:
            x = layer(x)
        for layer in self.classifier:
            x = layer(x)
        return x
def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    loss_sum = 0.0
    n_samples = 0
    for x, y in loader:
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(y)
        n_samples += len(y)
    return loss_sum / n_samples
def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    correct = 0
    count = 0
    with torch.inference_mode():
        for x, y in loader:
            predictions = model(x).argmax(dim=1)
            correct += (predictions == y).sum().item()
            count += len(y)
    return correct / count
