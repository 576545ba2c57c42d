"""Buggy answers to the lenet5 exercise that the graders must catch (`autograder check`).

Each is the reference solution (solutions/lenet5.py) with a few exact edits of
its code; `part` names the graded part that must lose points.
"""
from autograder.variants import Variant

_CONV1 = "nn.Conv2d(1, 6, 5), nn.ReLU(), nn.AvgPool2d(2),"
_CONV2 = "nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2),"

VARIANTS = (
    # ---------------------------------------------------------------- model
    Variant(
        "maxpool_instead_of_avgpool", "model",
        "MaxPool2d(2) instead of the lecture's AvgPool2d(2) (same shapes and parameter count)",
        ((_CONV1, "nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),"),
         (_CONV2, "nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),")),
    ),
    Variant(
        "missing_relu", "model",
        "no ReLU after Linear(120, 84) (same shapes and parameter count)",
        (("nn.Linear(120, 84), nn.ReLU(),", "nn.Linear(120, 84),"),),
    ),
    Variant(
        "wrong_flatten_size", "model",
        "Linear(16 * 4 * 4, 120) after the flatten: the feature map size is miscounted",
        (("nn.Linear(16 * 5 * 5, 120)", "nn.Linear(16 * 4 * 4, 120)"),),
    ),
    Variant(
        "num_classes_ignored", "model",
        "the last layer always has 10 outputs, whatever num_classes is",
        (("nn.Linear(84, num_classes)", "nn.Linear(84, 10)"),),
    ),
    Variant(
        "softmax_output", "model",
        "forward returns probabilities (a Softmax at the end) instead of logits",
        (("nn.Linear(84, num_classes),\n", "nn.Linear(84, num_classes), nn.Softmax(dim=1),\n"),),
    ),
    Variant(
        "padding_same", "model",
        "the convolutions pad by 2 (\"same\" size), so the classifier gets 16 * 6 * 6 features",
        ((_CONV1, "nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),"),
         (_CONV2, "nn.Conv2d(6, 16, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),"),
         ("nn.Linear(16 * 5 * 5, 120)", "nn.Linear(16 * 8 * 8, 120)")),
    ),
    # ---------------------------------------------------------------- train_one_epoch
    Variant(
        "no_zero_grad", "train_one_epoch",
        "optimizer.zero_grad() is never called: gradients accumulate across batches",
        (("        optimizer.zero_grad()\n", ""),),
    ),
    Variant(
        "no_optimizer_step", "train_one_epoch",
        "optimizer.step() is never called: the weights never change",
        (("        optimizer.step()\n", ""),),
    ),
    Variant(
        "no_train_mode", "train_one_epoch",
        "train_one_epoch does not call model.train() (trains in whatever mode the model was left)",
        (("    model.train()\n", ""),),
    ),
    Variant(
        "mean_of_batch_means", "train_one_epoch",
        "returns the mean of the batch losses, not the mean per sample (wrong when the last batch is smaller)",
        (("total += loss.item() * len(y)\n        count += len(y)", "total += loss.item()\n        count += 1"),),
    ),
    Variant(
        "returns_tensor", "train_one_epoch",
        "accumulates loss (a tensor) instead of loss.item(): returns a tensor and keeps every graph alive",
        (("total += loss.item() * len(y)", "total += loss * len(y)"),),
    ),
    Variant(
        "one_batch_per_epoch", "training",
        "a `return` inside the loop: each epoch trains on the first batch only",
        (("        count += len(y)\n    return total / count", "        count += len(y)\n        return total / count"),),
    ),
    # ---------------------------------------------------------------- evaluate
    Variant(
        "evaluate_train_mode", "evaluate",
        "evaluate leaves the model in training mode (dropout, batch norm stay on)",
        (("    model.eval()\n    correct", "    correct"),),
    ),
    Variant(
        "evaluate_builds_graph", "evaluate",
        "evaluate runs without torch.no_grad(): a graph is built for every batch",
        (("    with torch.no_grad():\n        for x, y in loader:\n            pred = model(x).argmax(dim=1)\n"
          "            correct += (pred == y).sum().item()\n            count += len(y)\n",
          "    for x, y in loader:\n        pred = model(x).argmax(dim=1)\n"
          "        correct += (pred == y).sum().item()\n        count += len(y)\n"),),
    ),
    Variant(
        "evaluate_percent", "evaluate",
        "evaluate returns a percentage (0 to 100) instead of a fraction",
        (("    return correct / count\n", "    return 100 * correct / count\n"),),
    ),
    Variant(
        "evaluate_count", "evaluate",
        "evaluate returns the number of correct predictions instead of the fraction",
        (("    return correct / count\n", "    return correct\n"),),
    ),
    Variant(
        "evaluate_last_batch_only", "evaluate",
        "evaluate resets its counts in the loop: the accuracy of the last batch only",
        (("            pred = model(x).argmax(dim=1)\n",
          "            pred = model(x).argmax(dim=1)\n            correct, count = 0, 0\n"),),
    ),
)
