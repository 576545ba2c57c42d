"""The trusted side's own LeNet-5, training and evaluation (expected values), and the data.

Probes run the student's code in the student's process; the checks run the same
probes here on `REFERENCE`, a namespace with these definitions, and compare.
"""
import importlib.util
import types
from pathlib import Path

import numpy as np
import torch
from torch import nn

from autograder import paths

HELDOUT_DIR = Path(__file__).with_name("data")


class LeNet5(nn.Module):
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
        return self.classifier(self.features(x))


def train_one_epoch(model, loader, optimizer, loss_fn):
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        count += len(y)
    return total / count


def evaluate(model, loader):
    model.eval()
    correct, count = 0, 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(dim=1) == y).sum().item()
            count += len(y)
    return correct / count


REFERENCE = types.SimpleNamespace(LeNet5=LeNet5, train_one_epoch=train_one_epoch, evaluate=evaluate)


def run_reference(probe, *args, **kwargs):
    """What `student.probe(probe, ...)` returns for a correct answer, as plain data."""
    torch.manual_seed(0)
    return to_plain(probe(REFERENCE, *args, **kwargs))


def to_plain(value):
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_plain(v) for v in value)
    return value


def mnist_data():
    """The kit's data layer (its one home is source/lenet5/mnist_data.py)."""
    spec = importlib.util.spec_from_file_location("kit_mnist_data", paths.SOURCE / "lenet5" / "mnist_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def training_and_heldout():
    """(train_images, train_labels, heldout_images, heldout_labels): the sample's 4,000 released
    training digits and the 1,000 held-out digits only the graders have, uint8 (N, 28, 28)."""
    md = mnist_data()
    train_x = md.read_images(md.SAMPLE_DIR / md.SAMPLE_FILES["images"])
    train_y = md.read_labels(md.SAMPLE_DIR / md.SAMPLE_FILES["labels"])
    held_x = md.read_images(HELDOUT_DIR / "mnist-heldout-images-idx3-ubyte.gz")
    held_y = md.read_labels(HELDOUT_DIR / "mnist-heldout-labels-idx1-ubyte.gz")
    return md, train_x, train_y, held_x, held_y


def state_dict_arrays(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def seeded_reference_model(num_classes=10, seed=0):
    torch.manual_seed(seed)
    return LeNet5(num_classes)


def numpy_in(array):
    return np.ascontiguousarray(array)
