"""Alternative: Sequentials filled with `.append`, gradients cleared once before the loop and
again after every step, and an accuracy computed on `torch.cat` of all predictions.

Targets graders that over-specify:
- how the two `nn.Sequential` attributes are built. The text asks for "exactly these layers, in
  this order, in two `nn.Sequential` attributes"; here each starts empty and the layers are
  appended one by one (`nn.Sequential.append`). The result is the same module tree (children
  named "0" .. "5"); a grader that inspects the source of `__init__` for `nn.Sequential(` with
  arguments over-specifies.
- *when* gradients are cleared. Step 1 says "clear the gradients left by the previous batch
  (`optimizer.zero_grad()`): PyTorch **adds** new gradients to the old ones". Clearing once before
  the loop and then right after each `optimizer.step()` means every batch's `backward()` starts
  from zero gradients, so "each step sees only its own batch's gradient" exactly as with clearing
  at the top of the loop. The visible difference: after the epoch the parameters' `.grad` are
  cleared (None with PyTorch's default `set_to_none=True`), and `zero_grad` is called
  (batches + 1) times. A grader that reads `.grad` after the epoch, or that counts exactly one
  `zero_grad` per batch, or that requires `zero_grad` to be called before each forward pass,
  over-specifies.
- how the accuracy is reduced. All predictions and labels are concatenated with `torch.cat` and
  compared once at the end; the count is turned into a Python int before dividing, so the result
  is a Python float ("a `float` in [0, 1]") with no float32 rounding (7/10 is exactly 0.7).

Decided where the text leaves it open: a loader with no batches returns 0.0 (no samples, nothing
to average) rather than dividing by zero; evaluate leaves the model in eval mode.
"""


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al., 1998) as in the lecture: (N, 1, 32, 32) -> (N, num_classes) logits."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential()
        self.features.append(nn.Conv2d(1, 6, 5))
        self.features.append(nn.ReLU())
        self.features.append(nn.AvgPool2d(2))
        self.features.append(nn.Conv2d(6, 16, 5))
        self.features.append(nn.ReLU())
        self.features.append(nn.AvgPool2d(2))

        self.classifier = nn.Sequential()
        self.classifier.append(nn.Flatten())
        for n_in, n_out in ((400, 120), (120, 84)):
            self.classifier.append(nn.Linear(n_in, n_out))
            self.classifier.append(nn.ReLU())
        self.classifier.append(nn.Linear(84, num_classes))

    def forward(self, x):
        features = self.features(x)
        return self.classifier(features)
def train_one_epoch(model, loader, optimizer, loss_fn):
    """One pass over `loader` in training mode; returns the mean loss per sample (a float)."""
    model.train()
    optimizer.zero_grad()                 # nothing left over from before this epoch
    weighted, seen = 0.0, 0
    for inputs, targets in loader:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()             # the next batch starts from zero gradients
        size = targets.shape[0]
        weighted += loss.item() * size
        seen += size
    return weighted / seen if seen else 0.0
def evaluate(model, loader):
    """Accuracy of `model` over `loader` as a fraction in [0, 1], in eval mode and without gradients."""
    model.eval()
    predicted, truth = [], []
    with torch.no_grad():
        for inputs, targets in loader:
            predicted.append(model(inputs).argmax(dim=1))
            truth.append(targets)
    if not truth:
        return 0.0
    predicted, truth = torch.cat(predicted), torch.cat(truth)
    return int((predicted == truth).sum()) / truth.numel()
