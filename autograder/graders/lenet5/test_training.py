"""Hidden end-to-end check (part: training).

The student's `LeNet5`, trained with the student's `train_one_epoch` on the
4,000 training digits of the MNIST sample (Adam, learning rate 0.003 times 0.75
after each epoch, batches of 32, 10 epochs, seeded: about 0.964 for the reference,
0.961 to 0.966 over initialisation seeds), then classifies 1,000 held-out digits that students never
get; the accuracy is computed here from the predictions. Full credit from 0.95;
each lower threshold passed is partial credit.

The probe gets padded, normalized images (the data layer's `pad_and_normalize`)
and returns the per-epoch losses and the predicted classes; the held-out labels
stay on this side.
"""
import math

import numpy as np
import pytest

from autograder.harness.checks import expect
from autograder.graders.lenet5.reference import REFERENCE, training_and_heldout

# the course's training recipe (its one home: the setup cell of source/lenet5/lenet5.ipynb)
EPOCHS, BATCH = REFERENCE.GRADED_EPOCHS, REFERENCE.BATCH_SIZE
LR, GAMMA = REFERENCE.LEARNING_RATE, REFERENCE.LR_DECAY
TIMEOUT = 240.0                 # about 20 s for the reference on one core; a slow machine gets slack


# -- probe (runs in the answer process: self-contained, imports inside) -------------

def train_and_predict(answer, x, y, heldout_x, epochs, batch_size, lr, gamma):
    import time

    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
    torch.manual_seed(0)
    model = answer.LeNet5()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma)
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=batch_size,
                        shuffle=True, generator=torch.Generator().manual_seed(0))
    started = time.perf_counter()
    losses = []
    for _ in range(epochs):
        value = answer.train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss())
        losses.append(float(value) if isinstance(value, (int, float, torch.Tensor)) and
                      (not isinstance(value, torch.Tensor) or value.numel() == 1) else float("nan"))
        schedule.step()
    seconds = time.perf_counter() - started
    model.eval()                        # the grader's own evaluation
    with torch.no_grad():
        held = torch.from_numpy(heldout_x)
        pred = torch.cat([model(held[i:i + 250]).argmax(dim=1) for i in range(0, len(held), 250)])
    return {"losses": losses, "predictions": pred.numpy(),
            "seconds": seconds}


@pytest.fixture(scope="module")
def trained(student):
    md, train_x, train_y, held_x, held_y = training_and_heldout()
    x = md.pad_and_normalize(train_x)
    h = md.pad_and_normalize(held_x)
    try:
        result = student.probe(train_and_predict, x, train_y.astype(np.int64), h, EPOCHS, BATCH, LR, GAMMA,
                               timeout=TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - every check of this part reports the same failure
        return {"error": exc}
    pred = np.asarray(result["predictions"]).reshape(-1)
    accuracy = float((pred == held_y).mean()) if pred.shape == held_y.shape else math.nan
    return {**result, "accuracy": accuracy}


def _result(trained):
    if "error" in trained:
        raise trained["error"]
    return trained


@pytest.mark.needs("test_heldout_accuracy_80")
def test_training_runs(student, trained):
    """your LeNet5 trains with your train_one_epoch on 4,000 digits and returns a finite loss each epoch"""
    r = _result(trained)
    expect(all(math.isfinite(v) for v in r["losses"]),
           "train_one_epoch returned a value that is not a finite number during training")


@pytest.mark.needs("test_heldout_accuracy_80")
def test_loss_falls(student, trained):
    """the training loss falls over the 10 epochs"""
    r = _result(trained)
    losses = r["losses"]
    expect(all(math.isfinite(v) for v in losses) and losses[-1] < 0.5 * losses[0],
           "the mean training loss of the last epoch is not below half of the first epoch's")


def _accuracy_check(trained, threshold):
    r = _result(trained)
    acc = r["accuracy"]
    expect(math.isfinite(acc), "the trained model's predictions on the held-out digits could not be read")
    expect(acc >= threshold, f"after {EPOCHS} epochs on the training digits, your LeNet-5 classifies "
                             f"{acc:.1%} of 1,000 held-out digits correctly; this check needs {threshold:.0%}")


def test_heldout_accuracy_80(student, trained):
    """held-out accuracy after training is at least 80 %"""
    _accuracy_check(trained, 0.80)


def test_heldout_accuracy_90(student, trained):
    """held-out accuracy after training is at least 90 %"""
    _accuracy_check(trained, 0.90)


def test_heldout_accuracy_95(student, trained):
    """held-out accuracy after training is at least 95 % (full credit)"""
    _accuracy_check(trained, 0.95)
