"""Buggy answers to the pooling_comparison exercise that the graders must catch (`autograder check`).

Each is the reference solution (solutions/pooling_comparison.py) with a few exact
edits of its code; `part` names the graded part that must lose points.
"""
from autograder.variants import Variant

_SEED = "        torch.manual_seed(seed)                              # the same initial weights for every combination\n"

VARIANTS = (
    # ---------------------------------------------------------------- gap_params
    Variant(
        "gap_counts_positions", "gap_params",
        "the GAP head's count keeps the spatial size: channels x height x width instead of channels x classes",
        (("    gap = channels * num_classes\n", "    gap = channels * height * width\n"),),
    ),
    Variant(
        "flatten_with_biases", "gap_params",
        "the flatten count includes the Linear layer's biases",
        (("    flatten = channels * height * width * num_classes\n",
          "    flatten = channels * height * width * num_classes + num_classes\n"),),
    ),
    Variant(
        "pair_swapped", "gap_params",
        "returns (gap, flatten) instead of (flatten, gap)",
        (("    return flatten, gap\n", "    return gap, flatten\n"),),
    ),
    # ---------------------------------------------------------------- downsample
    Variant(
        "overlapping_3x3_max", "downsample",
        "max pooling over overlapping 3x3 windows (stride 2, padding 1) instead of 2x2 blocks: same shapes for even sizes",
        (("nn.MaxPool2d(kernel_size=2, stride=2)", "nn.MaxPool2d(kernel_size=3, stride=2, padding=1)"),),
    ),
    Variant(
        "lp_p1", "downsample",
        "power-average pooling with p = 1 (a sum pooling) instead of p = 2",
        (("nn.LPPool2d(norm_type=2, kernel_size=2, stride=2)", "nn.LPPool2d(norm_type=1, kernel_size=2, stride=2)"),),
    ),
    Variant(
        "stride_conv_no_padding", "downsample",
        "the strided convolution has no padding (8 -> 3 instead of 4)",
        (("nn.Conv2d(channels, channels, kernel_size=3, stride=2, padding=1)",
          "nn.Conv2d(channels, channels, kernel_size=3, stride=2)"),),
    ),
    Variant(
        "stride_conv_no_bias", "downsample",
        "the strided convolution has no bias",
        (("nn.Conv2d(channels, channels, kernel_size=3, stride=2, padding=1)",
          "nn.Conv2d(channels, channels, kernel_size=3, stride=2, padding=1, bias=False)"),),
    ),
    Variant(
        "avg_ceil_mode", "downsample",
        "average pooling with ceil_mode=True: an odd last row or column is kept (7 -> 4, not 3)",
        (("nn.AvgPool2d(kernel_size=2, stride=2)", "nn.AvgPool2d(kernel_size=2, stride=2, ceil_mode=True)"),),
    ),
    Variant(
        "subsample_odd_rows", "downsample",
        "subsampling keeps rows and columns 1, 3, 5, ... instead of 0, 2, 4, ...",
        (("        return x[:, :, ::2, ::2]\n", "        return x[:, :, 1::2, 1::2]\n"),),
    ),
    Variant(
        "unknown_kind_falls_back", "downsample",
        "an unknown kind silently gets max pooling instead of a ValueError",
        (('    raise ValueError(f"unknown downsampling kind {kind!r}: choose one of {\', \'.join(KINDS)}")\n',
          "    return nn.MaxPool2d(2)\n"),),
    ),
    # ---------------------------------------------------------------- shift_sensitivity
    Variant(
        "sensitivity_shifted_norm", "shift_sensitivity",
        "the change is divided by the norm of the shifted input's output instead of the unshifted one's",
        (("    size = out.flatten(start_dim=1).norm(dim=1)\n", "    size = shifted.flatten(start_dim=1).norm(dim=1)\n"),),
    ),
    Variant(
        "sensitivity_whole_batch", "shift_sensitivity",
        "one ratio of norms over the whole batch instead of the mean of the per-sample ratios",
        (("    return (change / size).mean().item()\n", "    return ((out - shifted).norm() / out.norm()).item()\n"),),
    ),
    Variant(
        "sensitivity_shifts_height", "shift_sensitivity",
        "the input is shifted along the height (dims=2) instead of the width",
        (("torch.roll(x, shifts=shift, dims=3)", "torch.roll(x, shifts=shift, dims=2)"),),
    ),
    Variant(
        "sensitivity_squared_norms", "shift_sensitivity",
        "squared norms: ||f(x) - f(x_s)||^2 / ||f(x)||^2",
        (("    return (change / size).mean().item()\n", "    return (change ** 2 / size ** 2).mean().item()\n"),),
    ),
    # ---------------------------------------------------------------- pooling_net
    Variant(
        "gap_head_keeps_positions", "pooling_net",
        "the GAP head pools to 2x2 and counts those positions: AdaptiveAvgPool2d(2), Linear(32 * 2 * 2, ...)",
        (("nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes))",
          "nn.Sequential(nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32 * 2 * 2, num_classes))"),),
    ),
    Variant(
        "no_relu_after_second_conv", "pooling_net",
        "no ReLU after the second convolution (same shapes and parameter counts)",
        (("nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), make_downsample(kind, 32),",
          "nn.Conv2d(16, 32, 3, padding=1), make_downsample(kind, 32),"),),
    ),
    Variant(
        "num_classes_ignored", "pooling_net",
        "the flatten head always has 10 outputs, whatever num_classes is",
        (("nn.Linear(32 * 8 * 8, num_classes)", "nn.Linear(32 * 8 * 8, 10)"),),
    ),
    # ---------------------------------------------------------------- compare
    Variant(
        "unseeded_training", "compare",
        "torch is never seeded: every run starts from other initial weights",
        ((_SEED, ""),),
    ),
    Variant(
        "seeded_once", "compare",
        "torch is seeded once before the loop, so each combination starts from other initial weights",
        (("    rows = []\n    for kind, head in", "    rows = []\n    torch.manual_seed(seed)\n    for kind, head in"),
         (_SEED, "")),
    ),
    Variant(
        "seed_argument_ignored", "compare",
        "every call starts from seed 0, whatever seed it is given",
        ((_SEED, _SEED.replace("manual_seed(seed)", "manual_seed(0)")),
         ("generator=torch.Generator().manual_seed(seed))", "generator=torch.Generator().manual_seed(0))")),
    ),
    Variant(
        "accuracy_on_training_data", "compare",
        "the accuracy is measured on the training images, not the test images",
        (('"accuracy": accuracy(model, test_images, test_labels)', '"accuracy": accuracy(model, train_images, train_labels)'),),
    ),
    Variant(
        "sensitivity_before_training", "compare",
        "shift sensitivity measured on the untrained network",
        (("        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)\n",
          "        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)\n"
          "        untrained = shift_sensitivity(model, test_images[:500])\n"),
         ('"shift_sensitivity": shift_sensitivity(model, test_images[:500])})', '"shift_sensitivity": untrained})')),
    ),
    Variant(
        "first_head_only", "compare",
        "only the first head is trained for each kind",
        (("combinations = list(itertools.product(kinds, heads))", "combinations = list(itertools.product(kinds, heads[:1]))"),),
    ),
    # ---------------------------------------------------------------- plot
    Variant(
        "plot_unlabelled_series", "plot",
        "the bar series have no labels (and so no legend names the heads)",
        (("heights, width, label=head)", "heights, width)"),
         ('    axes[0].legend(title="head", ncol=len(heads), loc="upper center")\n', "")),
    ),
    Variant(
        "plot_seconds_for_params", "plot",
        "the parameters axes shows the training time",
        (('("params", "parameters")', '("seconds", "parameters")'),),
    ),
    Variant(
        "plot_kinds_sorted", "plot",
        "the kinds are sorted alphabetically instead of kept in the rows' order",
        (('kinds = list(dict.fromkeys(r["kind"] for r in rows))', 'kinds = sorted({r["kind"] for r in rows})'),),
    ),
)
