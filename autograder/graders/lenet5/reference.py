"""The trusted side's expected values: exercise 2's reference answer, and the data.

Probes run the student's code in the student's process; the checks run the same
probes here on `REFERENCE` and compare. `REFERENCE` is the answer module of the
source notebook (solutions/lenet5.py, which `./run build` makes from
source/lenet5/lenet5.ipynb and the drift test keeps current): the notebook is
the one home of LeNet5, train_one_epoch, evaluate and the training recipe.
"""
import functools
from pathlib import Path

import torch

from autograder import paths
from autograder.graders import reference_runs
from autograder.modules import data_layer, load_module

HELDOUT_DIR = Path(__file__).with_name("data")

REFERENCE = load_module(paths.SOLUTIONS / "lenet5.py", "kit_lenet5_reference")


run_reference = functools.partial(reference_runs.run_reference, REFERENCE)


def training_and_heldout():
    """(train_images, train_labels, heldout_images, heldout_labels): the sample's 4,000 released
    training digits and the 1,000 held-out digits only the graders have, uint8 (N, 28, 28)."""
    md = data_layer()
    train_x = md.read_images(md.SAMPLE_DIR / md.SAMPLE_FILES["images"])
    train_y = md.read_labels(md.SAMPLE_DIR / md.SAMPLE_FILES["labels"])
    held_x = md.read_images(HELDOUT_DIR / "mnist-heldout-images-idx3-ubyte.gz")
    held_y = md.read_labels(HELDOUT_DIR / "mnist-heldout-labels-idx1-ubyte.gz")
    return md, train_x, train_y, held_x, held_y


def state_dict_arrays(model):
    return {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}


def seeded_reference_model(num_classes=10, seed=0):
    torch.manual_seed(seed)
    return REFERENCE.LeNet5(num_classes)
