"""Hidden checks for `train_one_epoch` (part: train_one_epoch).

The probes train a small fixed network (not the student's LeNet5, so a mistake
there does not cost points here) on fixed batches with a plain SGD optimizer,
and record what the optimizer sees at each step; the same probes run on the
grader's reference `train_one_epoch` give the expected values.
"""
import math

import numpy as np
import pytest

from autograder.harness.checks import expect, expect_array
from autograder.graders.lenet5.reference import run_reference

N_SAMPLES, BATCH = 22, 8          # batches of 8, 8 and 6: the last one is smaller


# -- probe (runs in the answer process: self-contained, imports inside) -------------

def train_probe(answer, x, y, epochs, batch_size, start_in_eval, dropout):
    """Train a small seeded network with answer.train_one_epoch; record returns, steps and gradients."""
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset
    torch.manual_seed(0)
    layers = [nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten()]
    if dropout:
        layers.append(nn.Dropout(0.5))
    layers.append(nn.Linear(3 * 6 * 6, 4))
    model = nn.Sequential(*layers)
    modes = []
    model.register_forward_hook(lambda m, i, o: modes.append([bool(m.training), torch.is_grad_enabled()]))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    steps = []

    def before_step(opt, args, kwargs):
        steps.append(torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1)
                                for p in model.parameters()]).detach().numpy().copy())
    optimizer.register_step_pre_hook(before_step)
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=batch_size,
                        generator=torch.Generator().manual_seed(0))
    if start_in_eval:
        model.eval()
    returned = []

    def true_loss():
        """The model's mean loss on all the samples, computed here (not what train_one_epoch says)."""
        training = model.training
        model.eval()
        with torch.no_grad():
            value = float(nn.CrossEntropyLoss()(model(torch.from_numpy(x)), torch.from_numpy(y)))
        model.train(training)
        return value
    true_losses = [true_loss()]
    del modes[:]                       # that forward pass is the probe's, not the student's
    for _ in range(epochs):
        value = answer.train_one_epoch(model, loader, optimizer, nn.CrossEntropyLoss())
        returned.append(value.detach().numpy() if isinstance(value, torch.Tensor) else value)
        mode_count = len(modes)
        true_losses.append(true_loss())
        del modes[mode_count:]
    weights = torch.cat([p.detach().reshape(-1) for p in model.parameters()]).numpy().copy()
    return {"returned": returned, "types": [type(v).__name__ for v in returned], "steps": steps,
            "modes": modes, "weights": weights, "true_losses": true_losses}


# -- checks ---------------------------------------------------------------------------

def _data(seed=0, n=N_SAMPLES):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 4, size=n).astype(np.int64)
    return x, y


def _run(student, *, epochs=1, start_in_eval=False, dropout=False, seed=0, n=N_SAMPLES):
    x, y = _data(seed, n)
    args = (x, y, epochs, BATCH, start_in_eval, dropout)
    return student.probe(train_probe, *args, timeout=60), run_reference(train_probe, *args)


@pytest.mark.needs("test_mean_loss_per_sample")
def test_returns_a_float(student):
    """train_one_epoch returns a Python float (use loss.item()), not a tensor"""
    got, _ = _run(student)
    expect(got["types"] == ["float"], f"train_one_epoch returned a {got['types'][0]}, expected a Python float")


@pytest.mark.needs("test_loss_falls_over_epochs")
def test_one_step_per_batch(student):
    """train_one_epoch calls optimizer.step() once per batch"""
    got, want = _run(student)
    expect(len(got["steps"]) == len(want["steps"]),
           f"on a loader of {N_SAMPLES} samples in batches of {BATCH} ({len(want['steps'])} batches), "
           f"optimizer.step() ran {len(got['steps'])} times")


def test_fresh_gradients_each_step(student):
    """each step sees only its own batch's gradient (optimizer.zero_grad() before backward)"""
    got, want = _run(student)
    expect(len(got["steps"]) == len(want["steps"]),
           f"optimizer.step() ran {len(got['steps'])} times for {len(want['steps'])} batches")
    for i, (g, w) in enumerate(zip(got["steps"], want["steps"])):
        expect_array(g, w, what=f"the gradient the optimizer sees at step {i + 1} "
                                "(did you clear the previous batch's gradient?)", rtol=1e-4, atol=1e-6)


def test_mean_loss_per_sample(student):
    """the return value is the mean loss per sample over the epoch (batches weighted by their size)"""
    got, want = _run(student)
    value = got["returned"][0]
    expect(isinstance(value, (int, float)) or (isinstance(value, np.ndarray) and value.size == 1),
           f"train_one_epoch returned a {got['types'][0]}, not a number")
    value = float(np.asarray(value).reshape(()))
    expect(math.isfinite(value), "train_one_epoch returned NaN or inf")
    expect(math.isclose(value, want["returned"][0], rel_tol=1e-5, abs_tol=1e-6),
           f"on {N_SAMPLES} samples in batches of {BATCH}, 8 and 6, the value returned is not the mean loss "
           "per sample (weight each batch's mean loss by its size; use the loss computed before each step)")


def test_weights_after_one_epoch(student):
    """after one epoch the weights are those of one SGD step per batch, in loader order"""
    got, want = _run(student, seed=1)
    expect_array(got["weights"], want["weights"], what="the weights after one epoch", rtol=1e-4, atol=1e-6)


@pytest.mark.needs("test_loss_falls_over_epochs")
def test_train_mode(student):
    """the forward passes run in training mode, even if the model was left in eval mode"""
    got, _ = _run(student, start_in_eval=True, dropout=True)
    expect(len(got["modes"]) > 0, "the model was never called")
    expect(all(m[0] for m in got["modes"]), "the model was in evaluation mode during training "
                                             "(call model.train() at the start of train_one_epoch)")
    expect(all(m[1] for m in got["modes"]), "gradients were disabled during training")


def test_loss_falls_over_epochs(student):
    """repeated epochs on a fixed batch set lower the model's loss, and the returned loss says so"""
    got, want = _run(student, epochs=6, seed=2)
    first, last = got["true_losses"][0], got["true_losses"][-1]
    expect(math.isfinite(last) and last < 0.8 * first,
           "over 6 epochs on the same 22 samples the model's own loss on them did not fall: train_one_epoch "
           "does not train (is there a backward pass before each optimizer.step()?)")
    values = [float(np.asarray(v).reshape(())) if np.asarray(v).size == 1 else math.nan for v in got["returned"]]
    expect(all(math.isfinite(v) for v in values), "train_one_epoch returned a value that is not a finite number")
    expect(values[-1] < 0.8 * values[0], "over 6 epochs on the same 22 samples the returned loss did not fall "
                                        "(is optimizer.step() called?)")
