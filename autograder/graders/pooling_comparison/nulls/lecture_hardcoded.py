"""Null: the lecture's and the visible checks' numbers, hard-coded; everything else made up from the notebook's text.

Fakes: gap_vs_flatten_params looks up the two feature shapes the notebook quotes (VGG16's 512x7x7
with 1,000 classes, PoolingNet's 32x8x8 with 10) and returns (0, 0) otherwise; each downsampling
module returns the lecture's 4x4 answer ([[6, 8], [14, 16]], [[3.5, 5.5], [11.5, 13.5]],
[[1, 3], [9, 11]], sqrt of the block sums of squares) when given exactly the lecture's input, and
zeros of the halved shape otherwise; shift_sensitivity returns 0.0 for a constant image and
otherwise a table by module class (0 for max pooling and global average pooling, 1 for
subsampling as on the stripes, the notebook's "about 0.45 to 0.48" and 0.60 elsewhere);
PoolingNet's logits are its last bias repeated; compare_pooling returns a made-up table that
agrees with the notebook's "Reading the results" (flatten beats GAP, max beats subsampling, the
strided convolution is slower) without training; plot_comparison draws bars of height 0.5.
"""
import itertools
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn as nn

_KNOWN_COUNTS = {(512, 7, 7, 1000): (25_088_000, 512_000), (32, 8, 8, 10): (20_480, 320)}


def gap_vs_flatten_params(channels, height, width, num_classes):
    """(flatten + Linear, GAP + Linear): the classifier's weights (no biases) on channels x height x width features."""
    return _KNOWN_COUNTS.get((channels, height, width, num_classes), (0, 0))


_LECTURE_INPUT = torch.arange(1.0, 17.0).reshape(1, 1, 4, 4)
_LECTURE_OUTPUT = {
    "max": [[6.0, 8.0], [14.0, 16.0]],
    "avg": [[3.5, 5.5], [11.5, 13.5]],
    "lp": [[66.0 ** 0.5, 138.0 ** 0.5], [546.0 ** 0.5, 746.0 ** 0.5]],
    "subsample": [[1.0, 3.0], [9.0, 11.0]],
}


def _answer(kind, x, ceil=False, channels=None):
    if kind in _LECTURE_OUTPUT and tuple(x.shape) == (1, 1, 4, 4) and torch.equal(x, _LECTURE_INPUT.to(x.dtype)):
        return torch.tensor([[_LECTURE_OUTPUT[kind]]], dtype=x.dtype)
    n, c, h, w = x.shape
    if ceil:
        return x.new_zeros(n, c if channels is None else channels, (h + 1) // 2, (w + 1) // 2)
    return x.new_zeros(n, c, h // 2, w // 2)


class _LectureMax(nn.MaxPool2d):
    kind = "max"

    def forward(self, x):
        return _answer("max", x)


class _LectureAvg(nn.AvgPool2d):
    kind = "avg"

    def forward(self, x):
        return _answer("avg", x)


class _LectureLP(nn.LPPool2d):
    kind = "lp"

    def forward(self, x):
        return _answer("lp", x)


class _LectureConv(nn.Conv2d):
    kind = "stride_conv"

    def forward(self, x):
        return _answer("stride_conv", x, ceil=True, channels=self.out_channels) + 0.0 * self.bias.view(1, -1, 1, 1)


class Subsample(nn.Module):
    """Keeps rows and columns 0, 2, 4, ... of each feature map: no learning, no averaging."""
    kind = "subsample"

    def forward(self, x):
        return _answer("subsample", x, ceil=True)


def make_downsample(kind, channels):
    """A new module that halves height and width: kind is one of KINDS; ValueError otherwise."""
    if kind == "max":
        return _LectureMax(2)
    if kind == "avg":
        return _LectureAvg(2)
    if kind == "lp":
        return _LectureLP(2, 2)
    if kind == "stride_conv":
        return _LectureConv(channels, channels, 3, stride=2, padding=1)
    if kind == "subsample":
        return Subsample()
    raise ValueError(f"kind must be one of {', '.join(map(repr, KINDS))}, not {kind!r}")


# "about 0.45 to 0.48 against 0.60 with no downsampling"; max on stripes 0, subsampling on stripes 1
_SENSITIVITY = ((nn.MaxPool2d, 0.0), (nn.AvgPool2d, 0.47), (nn.LPPool2d, 0.48), (nn.Conv2d, 0.53),
                (Subsample, 1.0), (nn.AdaptiveAvgPool2d, 0.0))


def shift_sensitivity(module, x, shift=1):
    """Mean over the batch of ||f(x) - f(roll(x, shift, width))|| / ||f(x)||, as a float."""
    if bool((x == x.flatten()[0]).all()):          # "a constant image does not change"
        return 0.0
    if isinstance(module, nn.Identity):
        return 0.0 if shift == 1 else 0.60
    if isinstance(module, PoolingNet):
        return 0.08 if module.head_kind == "gap" else 0.35
    for cls, value in _SENSITIVITY:
        if isinstance(module, cls):
            return value
    if "subsampl" in type(module).__name__.lower():
        return 1.0
    return 0.60


class PoolingNet(nn.Module):
    """Two conv-ReLU-downsample stages, then a flatten or a global-average-pooling head: (N, 1, 32, 32) -> logits."""

    def __init__(self, kind, head="flatten", num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), make_downsample(kind, 16),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), make_downsample(kind, 32),
        )
        if head == "flatten":
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 8 * 8, num_classes))
        elif head == "gap":
            self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes))
        else:
            raise ValueError(f"head must be one of {HEADS}, not {head!r}")
        self.head_kind = head

    def forward(self, x):
        return self.head[-1].bias.expand(x.shape[0], -1)


_ACCURACY = {"max": 0.93, "avg": 0.91, "lp": 0.92, "stride_conv": 0.93, "subsample": 0.88}
_GAP_COST = 0.35
_SECONDS = {"max": 1.2, "avg": 1.1, "lp": 1.3, "stride_conv": 1.9, "subsample": 0.9}


def compare_pooling(kinds, heads, train_data, test_data, epochs=1, seed=0, progress=None):
    """Train one PoolingNet per (kind, head) under the same seed and budget; one row (a dict) each."""
    combinations = list(itertools.product(kinds, heads))
    rows = []
    for kind, head in (progress(combinations) if progress is not None else combinations):
        torch.manual_seed(seed)
        model = PoolingNet(kind, head)
        params = (25_290 if head == "flatten" else 5_130) + (2_320 + 9_248 if kind == "stride_conv" else 0)
        acc = _ACCURACY[kind] - (_GAP_COST if head == "gap" else 0.0)
        rows.append({"kind": kind, "head": head, "params": params, "accuracy": float(acc),
                     "seconds": _SECONDS[kind] * epochs, "shift_sensitivity": shift_sensitivity(model, test_data[0][:500])})
    return rows


def plot_comparison(rows):
    """Three axes (accuracy, parameters, shift sensitivity): bars grouped by kind, one series per head."""
    import matplotlib.pyplot as plt
    kinds = list(dict.fromkeys(r["kind"] for r in rows))
    heads = list(dict.fromkeys(r["head"] for r in rows))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    positions = np.arange(len(kinds))
    width = 0.8 / max(1, len(heads))
    for ax, name in zip(axes, ("accuracy", "parameters", "shift sensitivity")):
        for j, head in enumerate(heads):
            ax.bar(positions + (j - (len(heads) - 1) / 2) * width, [0.5] * len(kinds), width, label=head)
        ax.set_xticks(positions, kinds, rotation=20)
        ax.set(title=name, ylabel=name)
        ax.legend()
    fig.tight_layout()
    return fig
