"""Null: memorises the answers of the notebook's visible checks (and the text's numbers) and
looks them up; nothing is computed.

What it fakes:
- receptive_field: a lookup keyed by (the leaf modules' type names, input size) holding the
  records of every network the visible checks use (LeNet-5 on 32, the 21x40 non-square net, the
  max-pool net on 37, the dead-ReLU net on 11, three 3x3 convs on 9); a Linear anywhere raises
  ValueError naming it (the visible check); anything else gets the VGG16 records if the input is
  224, else LeNet-5's.
- empirical_receptive_field: a lookup by input size of the visible checks' answers (37 -> 11x11,
  32 -> 16x16, 11 -> 5x5), default 16x16; the model is not touched.
- alexnet / vgg16: the right features.0 (VGG16's weight shape is checked), the right avgpool and
  an nn.Embedding in the classifier whose size makes the total exactly the visible 61,100,840 /
  138,357,544 (num_classes ignored).
- stacked_rf / stack_weights: the visible checks' values by argument, default 0.
- architecture_table: typed in from the visible check and the notebook's text.
"""
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn

PASS_THROUGH = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU,
                nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Hardtanh, nn.Identity,
                nn.Dropout, nn.Dropout2d, nn.BatchNorm2d, nn.LocalResponseNorm)


def _R(*rows):
    return [LayerRF(*row) for row in rows]


_LENET = (('0', (28, 28), (5, 5), (1, 1), (2, 2)), ('2', (14, 14), (6, 6), (2, 2), (2.5, 2.5)),
          ('3', (10, 10), (14, 14), (2, 2), (6.5, 6.5)), ('5', (5, 5), (16, 16), (4, 4), (7.5, 7.5)))
_VGG16 = (('0', (224, 224), (3, 3), (1, 1), (0, 0)), ('2', (224, 224), (5, 5), (1, 1), (0, 0)),
          ('4', (112, 112), (6, 6), (2, 2), (0.5, 0.5)), ('5', (112, 112), (10, 10), (2, 2), (0.5, 0.5)),
          ('7', (112, 112), (14, 14), (2, 2), (0.5, 0.5)), ('9', (56, 56), (16, 16), (4, 4), (1.5, 1.5)),
          ('10', (56, 56), (24, 24), (4, 4), (1.5, 1.5)), ('12', (56, 56), (32, 32), (4, 4), (1.5, 1.5)),
          ('14', (56, 56), (40, 40), (4, 4), (1.5, 1.5)), ('16', (28, 28), (44, 44), (8, 8), (3.5, 3.5)),
          ('17', (28, 28), (60, 60), (8, 8), (3.5, 3.5)), ('19', (28, 28), (76, 76), (8, 8), (3.5, 3.5)),
          ('21', (28, 28), (92, 92), (8, 8), (3.5, 3.5)), ('23', (14, 14), (100, 100), (16, 16), (7.5, 7.5)),
          ('24', (14, 14), (132, 132), (16, 16), (7.5, 7.5)), ('26', (14, 14), (164, 164), (16, 16), (7.5, 7.5)),
          ('28', (14, 14), (196, 196), (16, 16), (7.5, 7.5)), ('30', (7, 7), (212, 212), (32, 32), (15.5, 15.5)))

_MEMO = {
    (("Conv2d", "ReLU", "AvgPool2d", "Conv2d", "ReLU", "AvgPool2d"), (32, 32)): _LENET,
    (("Conv2d", "ReLU", "MaxPool2d", "Conv2d"), (21, 40)):
        (('0', (21, 18), (3, 5), (1, 2), (0, 2)), ('2.0', (10, 8), (5, 9), (2, 4), (1, 4)),
         ('2.1', (8, 4), (9, 25), (2, 4), (3, 12))),
    (("Conv2d", "ReLU", "MaxPool2d", "Conv2d", "MaxPool2d"), (37, 37)):
        (('0', (37, 37), (3, 3), (1, 1), (0, 0)), ('2', (18, 18), (5, 5), (2, 2), (1, 1)),
         ('3', (16, 16), (9, 9), (2, 2), (3, 3)), ('4', (8, 8), (11, 11), (4, 4), (4, 4))),
    (("Conv2d", "ReLU", "Conv2d", "ReLU"), (11, 11)):
        (('0', (9, 9), (3, 3), (1, 1), (1, 1)), ('2', (7, 7), (5, 5), (1, 1), (2, 2))),
    (("Conv2d", "Conv2d", "Conv2d"), (9, 9)):
        (('0', (7, 7), (3, 3), (1, 1), (1, 1)), ('1', (5, 5), (5, 5), (1, 1), (2, 2)),
         ('2', (3, 3), (7, 7), (1, 1), (3, 3))),
}


def _pair(value, name):
    """An int or an (h, w) pair of ints as a tuple of two Python ints; ValueError otherwise."""
    if isinstance(value, (tuple, list)):
        return (int(value[0]), int(value[1]))
    return (int(value), int(value))


def spatial_layers(model, prefix=""):
    """Leaf modules, named as named_modules() names them."""
    if isinstance(model, (list, tuple)):
        model = nn.Sequential(*model)
    for name, module in model.named_modules(prefix=prefix):
        if not list(module.children()):
            yield name, module


def layer_geometry(layer, name):
    """Looked up, not computed: the lecture's 3x3 convolution."""
    if isinstance(layer, PASS_THROUGH):
        return None
    if isinstance(layer, nn.Linear):
        raise ValueError(f"layer {name} (Linear) cannot be analysed")
    return ((3, 3), (1, 1), (1, 1), (1, 1))


def receptive_field(model, input_size):
    leaves = list(spatial_layers(model))
    for name, layer in leaves:
        if isinstance(layer, nn.Linear):
            raise ValueError(f"layer {name} (Linear) cannot be analysed")
    size = _pair(input_size, "input_size")
    key = (tuple(type(m).__name__ for _, m in leaves), size)
    if key in _MEMO:
        return _R(*_MEMO[key])
    return _R(*(_VGG16 if size == (224, 224) else _LENET))


_EMPIRICAL = {37: (11, 11), 32: (16, 16), 11: (5, 5), 224: (212, 212)}


def empirical_receptive_field(model, input_size):
    return _EMPIRICAL.get(_pair(input_size, "input_size")[0], (16, 16))


def _with_embedding(first_conv, pool, total):
    have = sum(p.numel() for p in first_conv.parameters())
    return ClassicCNN(nn.Sequential(first_conv), pool, nn.Sequential(nn.Embedding(total - have, 1)))


def alexnet(num_classes=1000):
    return _with_embedding(nn.Conv2d(3, 64, 11, stride=4, padding=2), nn.AdaptiveAvgPool2d((6, 6)), 61_100_840)


def vgg16(num_classes=1000):
    return _with_embedding(nn.Conv2d(3, 64, 3, padding=1), nn.AdaptiveAvgPool2d((7, 7)), 138_357_544)


def stacked_rf(kernel_size, num_layers):
    return {(3, 2): 5, (3, 3): 7, (7, 1): 7}.get((kernel_size, num_layers), 0)


def stack_weights(kernel_size, num_layers, channels):
    return {(3, 3, 64): 110_592, (7, 1, 64): 200_704}.get((kernel_size, num_layers, channels), 0)


def architecture_table():
    return [
        {"model": "LeNet-5", "year": 1998, "depth": 5, "params": 61_706, "input_size": 32, "rf": (16, 16)},
        {"model": "AlexNet", "year": 2012, "depth": 8, "params": 61_100_840, "input_size": 224, "rf": (212, 212)},
        {"model": "VGG16", "year": 2014, "depth": 16, "params": 138_357_544, "input_size": 224, "rf": (212, 212)},
    ]
