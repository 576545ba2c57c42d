"""Buggy answers to the receptive_fields exercise that the graders must catch (`autograder check`).

Each is the reference solution (solutions/receptive_fields.py) with a few exact
edits of its code; `part` names the graded part that must lose points.
"""
from autograder.variants import Variant

_RF_UPDATE = "        rf = tuple(r + (e - 1) * j for r, e, j in zip(rf, span, jump))\n"
_JUMP_UPDATE = "        jump = tuple(j * si for j, si in zip(jump, s))\n"
_START_UPDATE = ("        start = tuple(st + ((e - 1) / 2 - pi) * j for st, e, pi, j in zip(start, span, p, jump))\n")
_SURROGATE = ("        conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d, bias=False).double()\n"
              "        nn.init.ones_(conv.weight)\n"
              "        surrogate.append(conv)\n")
_VGG_CONFIG = '(64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")'


VARIANTS = (
    # ------------------------------------------------------------ receptive_field
    Variant(
        "rf_off_by_one", "receptive_field",
        "the input's own receptive field starts at 0 instead of 1 (every rf one too small)",
        (("rf, jump, start = (1, 1), (1, 1), (0.0, 0.0)", "rf, jump, start = (0, 0), (1, 1), (0.0, 0.0)"),),
    ),
    Variant(
        "jump_updated_first", "receptive_field",
        "the jump is multiplied by the layer's stride before rf and start use it (wrong order)",
        ((_START_UPDATE + _RF_UPDATE + _JUMP_UPDATE, _JUMP_UPDATE + _START_UPDATE + _RF_UPDATE),),
    ),
    Variant(
        "jump_not_multiplied", "receptive_field",
        "the jump is the layer's own stride, not the product of all strides so far",
        ((_JUMP_UPDATE, "        jump = tuple(si for j, si in zip(jump, s))\n"),),
    ),
    Variant(
        "padding_ignored_in_start", "receptive_field",
        "start ignores the padding (the first field's centre is placed as if p = 0)",
        ((_START_UPDATE, _START_UPDATE.replace("((e - 1) / 2 - pi) * j", "((e - 1) / 2) * j")),),
    ),
    Variant(
        "dilation_ignored", "receptive_field",
        "dilation is ignored: a dilated kernel is taken to span k pixels",
        (("span = tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))", "span = tuple(ki for ki, di in zip(k, d))"),),
    ),
    Variant(
        "kernel_hw_swapped", "receptive_field",
        "a convolution's (h, w) kernel size is read as (w, h)",
        (('k, s, d = _pair(layer.kernel_size, "kernel_size"), ',
          'k, s, d = _pair(layer.kernel_size, "kernel_size")[::-1], '),),
    ),
    Variant(
        "pass_through_counted", "receptive_field",
        "ReLU, BatchNorm, Dropout... get a record too (as 1x1 layers with stride 1)",
        (("    if isinstance(layer, PASS_THROUGH):\n        return None\n",
          "    if isinstance(layer, PASS_THROUGH):\n        return (1, 1), (1, 1), (0, 0), (1, 1)\n"),),
    ),
    Variant(
        "nested_not_walked", "receptive_field",
        "only the model's direct children are looked at: a nested Sequential is taken for a layer",
        (("        yield from spatial_layers(child, f\"{prefix}.{name}\" if prefix else name)",
          "        yield (f\"{prefix}.{name}\" if prefix else name), child"),),
    ),
    Variant(
        "short_names", "receptive_field",
        "records are named by the layer's own name only (\"0\" instead of \"features.0\")",
        (('yield from spatial_layers(child, f"{prefix}.{name}" if prefix else name)',
          'yield from spatial_layers(child, name)'),),
    ),
    Variant(
        "size_ceil", "receptive_field",
        "output size rounded up instead of down",
        (("size = tuple((n + 2 * pi - e) // si + 1 for",
          "size = tuple(-(-(n + 2 * pi - e) // si) + 1 for"),),
    ),
    Variant(
        "unknown_layers_passed_over", "receptive_field",
        "layers it cannot analyse are silently passed over instead of raising ValueError",
        (('    raise ValueError(f"{name}: cannot analyse a {type(layer).__name__} layer "\n'
          '                     "(only Conv2d, MaxPool2d, AvgPool2d and layers that keep the geometry)")',
          "    return None"),),
    ),
    # ------------------------------------------------------------ empirical
    Variant(
        "empirical_through_the_model", "empirical",
        "backpropagates through the model as it is (random input, its own weights, real max pooling)",
        (("        if geometry is None:\n            continue\n        k, s, p, d = geometry\n" + _SURROGATE,
          "        surrogate.append(layer)\n"),
         ("    x = torch.ones(1, 1, h, w, dtype=torch.float64, requires_grad=True)\n",
          "    channels = next(m.in_channels for m in surrogate if isinstance(m, nn.Conv2d))\n"
          "    x = torch.randn(1, channels, h, w, requires_grad=True)\n"),
         ("    out[0, 0, Ho // 2, Wo // 2].backward()\n    rows, cols = np.nonzero(x.grad[0, 0].numpy())",
          "    out[0, :, Ho // 2, Wo // 2].sum().backward()\n    rows, cols = np.nonzero(x.grad[0].abs().sum(0).numpy())")),
    ),
    Variant(
        "empirical_real_max_pooling", "empirical",
        "the stand-in network keeps max pooling as max pooling (its gradient reaches one pixel per window)",
        ((_SURROGATE,
          "        if isinstance(layer, nn.MaxPool2d):\n"
          "            surrogate.append(nn.MaxPool2d(k, s, p, d))\n"
          "            continue\n" + _SURROGATE),),
    ),
    Variant(
        "empirical_corner_unit", "empirical",
        "measures the first output unit (0, 0), whose field is cut by the image border",
        (("    out[0, 0, Ho // 2, Wo // 2].backward()", "    out[0, 0, 0, 0].backward()"),),
    ),
    Variant(
        "empirical_changes_model", "empirical",
        "sets the model's own convolution weights to 1 instead of working on a copy",
        (("        nn.init.ones_(conv.weight)\n",
          "        nn.init.ones_(conv.weight)\n"
          "        if isinstance(layer, nn.Conv2d):\n"
          "            nn.init.ones_(layer.weight)\n"),),
    ),
    Variant(
        "empirical_dilation_ignored", "empirical",
        "the stand-in convolutions leave out the layers' dilation",
        (("stride=s, padding=p, dilation=d, bias=False)", "stride=s, padding=p, bias=False)"),),
    ),
    # ------------------------------------------------------------ networks
    Variant(
        "vgg16_one_conv_short", "networks",
        "VGG16 with two convolutions in its last block (a VGG with 15 weight layers)",
        ((_VGG_CONFIG, _VGG_CONFIG.replace('512, 512, 512, "M")', '512, 512, "M")')),),
    ),
    Variant(
        "alexnet_96_channels", "networks",
        "AlexNet with the original paper's 96 first-layer channels instead of torchvision's 64",
        (("nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2)", "nn.Conv2d(3, 96, kernel_size=11, stride=4, padding=2)"),
         ("nn.Conv2d(64, 192, kernel_size=5, padding=2)", "nn.Conv2d(96, 192, kernel_size=5, padding=2)")),
    ),
    Variant(
        "vgg16_no_dropout", "networks",
        "VGG16's classifier without its Dropout layers (same parameters, but torchvision's layer indices shift)",
        (("        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True), nn.Dropout(p=0.5),\n",
          "        nn.Linear(512 * 7 * 7, 4096), nn.ReLU(inplace=True),\n"),
         ("        nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Dropout(p=0.5),\n        nn.Linear(4096, num_classes),\n    )\n    return ClassicCNN(nn.Sequential(*layers)",
          "        nn.Linear(4096, 4096), nn.ReLU(inplace=True),\n        nn.Linear(4096, num_classes),\n    )\n    return ClassicCNN(nn.Sequential(*layers)")),
    ),
    Variant(
        "num_classes_ignored", "networks",
        "both networks always have 1000 outputs",
        (("        nn.Linear(4096, num_classes),\n    )\n    return ClassicCNN(features",
          "        nn.Linear(4096, 1000),\n    )\n    return ClassicCNN(features"),
         ("        nn.Linear(4096, num_classes),\n    )\n    return ClassicCNN(nn.Sequential(*layers)",
          "        nn.Linear(4096, 1000),\n    )\n    return ClassicCNN(nn.Sequential(*layers)")),
    ),
    # ------------------------------------------------------------ small_filters
    Variant(
        "stack_weights_with_biases", "small_filters",
        "stack_weights counts the biases too (the lecture counts weights only)",
        (("    return num_layers * kernel_size * kernel_size * channels * channels",
          "    return num_layers * (kernel_size * kernel_size * channels * channels + channels)"),),
    ),
    Variant(
        "stacked_rf_sums_kernels", "small_filters",
        "stacked_rf adds the kernel sizes (3 + 3 = 6 for two 3x3)",
        (("    return num_layers * (kernel_size - 1) + 1", "    return num_layers * kernel_size"),),
    ),
    # ------------------------------------------------------------ table
    Variant(
        "table_typed_in", "table",
        "the table's numbers are typed in, not computed",
        (("    rows = []\n    for label, year, make, input_size in",
          "    return [dict(model='LeNet-5', year=1998, depth=5, params=61706, input_size=32, rf=(16, 16)),\n"
          "            dict(model='AlexNet', year=2012, depth=8, params=61100840, input_size=224, rf=(195, 195)),\n"
          "            dict(model='VGG16', year=2014, depth=16, params=138357544, input_size=224, rf=(212, 212))]\n"
          "    rows = []\n    for label, year, make, input_size in"),),
    ),
    Variant(
        "table_depth_convolutions_only", "table",
        "depth counts the convolutions only (2, 5, 13)",
        (("isinstance(m, (nn.Conv2d, nn.Linear))", "isinstance(m, nn.Conv2d)"),),
    ),
    Variant(
        "table_rf_of_last_conv", "table",
        "rf is the last convolution's, not the output of features (after the last pooling)",
        (("receptive_field(model.features, input_size)[-1].rf", "receptive_field(model.features, input_size)[-2].rf"),),
    ),
)
