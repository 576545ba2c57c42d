"""Exercise 3 (receptive_fields): the reference answer and the graders' own expected values agree.

The graders compute expected records from specs (`graders/receptive_fields/_specs.py`);
here they are checked against the reference solution, against a measurement by
backpropagation, and against the lecture's numbers.
"""

import numpy as np
import pytest

from autograder import paths
from autograder.modules import load_module
from autograder.graders.receptive_fields import _specs as S
from autograder.graders.receptive_fields._probes import build


@pytest.fixture(scope="module")
def ref():
    return load_module(paths.SOLUTIONS / "receptive_fields.py", "rf_reference")


def test_parameter_counts_are_torchvisions(ref):
    assert sum(p.numel() for p in ref.alexnet().parameters()) == 61_100_840
    assert sum(p.numel() for p in ref.vgg16().parameters()) == 138_357_544
    assert sum(p.numel() for p in ref.LeNet5().parameters()) == 61_706


def test_lecture_numbers(ref):
    assert [r["rf"][0] for r in S.expected_records(S.LENET5_FEATURES, 32)] == [5, 6, 14, 16]
    alex = S.expected_records(S.ALEXNET_FEATURES, 224)
    assert [r["rf"][0] for r in alex] == [11, 19, 51, 67, 99, 131, 163, 195] and alex[-1]["jump"] == (32, 32)
    vgg = {r["name"]: r["rf"][0] for r in S.expected_records(S.vgg16_features(), 224)}
    assert (vgg["0"], vgg["4"], vgg["9"], vgg["16"], vgg["23"], vgg["28"], vgg["30"]) == (3, 6, 16, 44, 100, 196, 212)
    assert ref.stack_weights(3, 3, 64) == 110_592 and ref.stack_weights(7, 1, 64) == 200_704


def plain(records):
    return [dict(name=r.name, size=tuple(r.size), rf=tuple(r.rf), jump=tuple(r.jump), start=tuple(r.start))
            for r in records]


def test_graders_expected_values_are_the_references(ref):
    rng = np.random.default_rng(7)
    for _ in range(30):
        spec = S.random_stack(rng)
        size = S.big_enough(spec, rng, lo=int(rng.integers(6, 40)))
        assert plain(ref.receptive_field(build(spec), size)) == S.expected_records(spec, size)
    for spec, size in ((S.ALEXNET_FEATURES, 224), (S.vgg16_features(), 224), (S.LENET5_FEATURES, 32)):
        assert plain(ref.receptive_field(build(spec), size)) == S.expected_records(spec, size)


def measured_by_hand(spec, size):
    """The centre unit's field from a float64 copy with positive weights, pools as average pools."""
    import torch
    import torch.nn as nn
    model = build(spec).double().eval()
    layers = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            with torch.no_grad():
                m.weight.fill_(1.0)
                m.bias.zero_()
            layers.append(m)
        elif isinstance(m, nn.MaxPool2d):   # an all-ones depthwise conv over the pool window

            def pool(x, m=m):
                w = torch.ones(x.shape[1], 1, *nn.modules.utils._pair(m.kernel_size), dtype=x.dtype)
                return nn.functional.conv2d(x, w, stride=m.stride, padding=m.padding, dilation=m.dilation,
                                            groups=x.shape[1])
            layers.append(pool)
        elif isinstance(m, nn.AvgPool2d):
            layers.append(m)
    cin = next((m.in_channels for m in model.modules() if isinstance(m, nn.Conv2d)), 2)
    h, w = S._p(size)
    x = torch.ones(1, cin, h, w, dtype=torch.float64, requires_grad=True)
    out = x
    for f in layers:
        out = f(out)
    Ho, Wo = out.shape[-2:]
    out[0, :, Ho // 2, Wo // 2].sum().backward()
    rows, cols = np.nonzero(x.grad[0].abs().sum(0).numpy())
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_formula_agrees_with_an_independent_measurement_where_the_field_is_inside(ref):
    rng = np.random.default_rng(8)
    for _ in range(15):
        spec = S.random_stack(rng)
        size = S.big_enough(spec, rng, inside=True, lo=int(rng.integers(8, 30)))
        expected = S.centre_field_inside(spec, size)["rf"]
        assert measured_by_hand(spec, size) == expected, S.describe(spec)
        assert ref.empirical_receptive_field(build(spec), size) == expected, S.describe(spec)


def test_table(ref):
    rows = ref.architecture_table()
    assert [(r["model"], r["depth"], r["params"], r["rf"]) for r in rows] == [
        ("LeNet-5", 5, 61_706, (16, 16)), ("AlexNet", 8, 61_100_840, (195, 195)),
        ("VGG16", 16, 138_357_544, (212, 212))]


def test_graders_sizes_are_a_cpu_forward_pass():
    """The graders verify sizes on the meta device; here the same on real tensors."""
    import torch
    import torch.nn as nn
    rng = np.random.default_rng(9)
    for _ in range(15):
        spec = S.random_stack(rng)
        h, w = S.big_enough(spec, rng, lo=int(rng.integers(6, 40)))
        model = build(spec).eval()
        shapes = []
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
                m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[-2:])))
        with torch.no_grad():
            model(torch.zeros(1, 2, h, w))
        assert shapes == [r["size"] for r in S.expected_records(spec, (h, w))], S.describe(spec)
