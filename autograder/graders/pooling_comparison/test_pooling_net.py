"""Hidden checks for `PoolingNet` (part: pooling_net).

The probe builds the student's network, sets its parameters to deterministic
values in parameter order (the same the reference gets) and returns its
parameter count, parameter shapes and logits on fixed inputs.
"""
import numpy as np
import pytest

from autograder.harness.checks import CheckFailed, expect, expect_array

from . import _probes
from .reference import HEADS, KINDS, reference_params, run_reference

X = np.random.default_rng(11).standard_normal((3, 1, 32, 32)).astype(np.float32)


def build(student, kind, head, num_classes=10):
    got = student.probe(_probes.net, kind, head, num_classes, X, timeout=60)
    expect(got["module"], f"PoolingNet({kind!r}, head={head!r}) is not an nn.Module")
    return got


def check_outputs(student, head):
    for kind in KINDS:
        got = build(student, kind, head)
        want = run_reference(_probes.net, kind, head, 10, X)
        if got["out"] is None:
            raise CheckFailed(f"PoolingNet({kind!r}, head={head!r}) did not return a tensor")
        expect(got["shapes"] == want["shapes"],
               f"PoolingNet({kind!r}, head={head!r}): the layers' parameter shapes (in order) are not the specified ones")
        expect_array(got["out"], want["out"], what=f"PoolingNet({kind!r}, head={head!r}) logits for 3 images "
                     "(parameters set to the same fixed values)", rtol=1e-4, atol=1e-4)


@pytest.mark.needs("test_flatten_head")
def test_parameter_counts(student):
    """parameter counts for every kind and head"""
    for kind in KINDS:
        for head in HEADS:
            got = build(student, kind, head)
            expect(got["params"] == reference_params(kind, head),
                   f"PoolingNet({kind!r}, head={head!r}) has {got['params']:,} parameters")


@pytest.mark.needs("test_flatten_head")
def test_num_classes(student):
    """num_classes sets the number of logits (and the last layer's size)"""
    for kind, head, n in (("max", "flatten", 7), ("stride_conv", "gap", 3), ("subsample", "gap", 10)):
        got = build(student, kind, head, n)
        expect(got["out"] is not None and got["out"].shape == (3, n),
               f"PoolingNet({kind!r}, head={head!r}, num_classes={n}) gives logits of shape "
               f"{None if got['out'] is None else got['out'].shape}")
        expect(got["params"] == reference_params(kind, head, n),
               f"PoolingNet({kind!r}, head={head!r}, num_classes={n}) has {got['params']:,} parameters")


def test_flatten_head(student):
    """the flatten head: the specified layers, same logits as the reference for every kind"""
    check_outputs(student, "flatten")


def test_gap_head(student):
    """the global-average-pooling head: the specified layers, same logits as the reference for every kind"""
    check_outputs(student, "gap")


@pytest.mark.needs("test_flatten_head")
def test_layout(student):
    """two nn.Sequential attributes, `features` and `head`"""
    got = build(student, "max", "gap")
    expect(got["children"] == {"features": "Sequential", "head": "Sequential"},
           f"PoolingNet's `features` and `head` must be nn.Sequential, got {got['children']}")


@pytest.mark.needs("test_flatten_head")
def test_unknown_head_or_kind(student):
    """an unknown head or kind raises ValueError"""
    for kind, head in (("max", "mlp"), ("median", "flatten")):
        got = student.probe(_probes.net_error, kind, head)
        expect(got == "ValueError", f"PoolingNet({kind!r}, head={head!r}) must raise ValueError, "
                                    + (f"it raised {got}" if got else "it raised nothing"))
