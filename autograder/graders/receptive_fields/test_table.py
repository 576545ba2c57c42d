"""Hidden checks for `architecture_table` (part: table).

The last check replaces LeNet5, alexnet and vgg16 in the student's module by a
small stand-in network (inside the student's process, restored afterwards): a
table that is computed changes with them, a typed one does not.
"""
import functools

import pytest

from autograder.harness.checks import CheckFailed, expect

from . import _probes

TIMEOUT = 60.0
EXPECTED = [dict(model="LeNet-5", year=1998, depth=5, params=61_706, input_size=32, rf=(16, 16)),
            dict(model="AlexNet", year=2012, depth=8, params=61_100_840, input_size=224, rf=(195, 195)),
            dict(model="VGG16", year=2014, depth=16, params=138_357_544, input_size=224, rf=(212, 212))]
# the stand-in (_probes.py): Conv2d(c, 5, 7, stride=2), ReLU, MaxPool2d(3, 2) | AdaptiveAvgPool2d(1) | Linear(5, 7)
# (1 input channel for LeNet-5, 3 for the others): depth 2, receptive field 11, parameters unlike any real row's


@functools.lru_cache(maxsize=None)
def table(student):
    return student.probe(_probes.table, timeout=TIMEOUT)


def rows(student, *, patched=False):
    got = student.probe(_probes.table_patched, timeout=TIMEOUT) if patched else table(student)
    if not isinstance(got, list) or not all(isinstance(r, dict) for r in got):
        raise CheckFailed(f"architecture_table() must return a list of dicts, got {type(got).__name__}")
    expect(len(got) == 3, f"architecture_table() returned {len(got)} rows, expected 3 (LeNet-5, AlexNet, VGG16)")
    return got


def field(row, key, i):
    if key not in row:
        raise CheckFailed(f"architecture_table(): row {i} has no key {key!r}")
    return row[key]


def check_column(student, key, *, as_pair=False):
    for i, (row, want) in enumerate(zip(rows(student), EXPECTED)):
        got = field(row, key, i)
        if as_pair:
            ok = isinstance(got, (tuple, list)) and len(got) == 2 and tuple(got) == want[key]
        else:
            ok = got == want[key] and not isinstance(got, bool)
        expect(ok, f"architecture_table(): {want['model']}'s {key} = {got!r} is wrong")


@pytest.mark.needs("test_table_is_computed")
def test_rows(student):
    """one row per network, in the order LeNet-5, AlexNet, VGG16, with the model's name and year"""
    for i, (row, want) in enumerate(zip(rows(student), EXPECTED)):
        for key in ("model", "year"):
            got = field(row, key, i)
            expect(got == want[key], f"architecture_table(): row {i} {key} = {got!r}, expected {want[key]!r}")


@pytest.mark.needs("test_table_is_computed")
def test_depth(student):
    """depth counts the layers with weights (convolutions and fully connected layers)"""
    check_column(student, "depth")


@pytest.mark.needs("test_table_is_computed")
def test_parameters(student):
    """params is the number of parameters of each network"""
    check_column(student, "params")


@pytest.mark.needs("test_table_is_computed")
def test_receptive_field(student):
    """rf is the receptive field of the features' output, at input_size 32 (LeNet-5) or 224"""
    check_column(student, "input_size")
    check_column(student, "rf", as_pair=True)


# What the table part is for: a table computed from the networks. The column checks above count only when
# this one passes (a table typed in from the lecture computes nothing). It asks that each column change with
# the networks, not that it be right on the stand-in: a mistake in one column is that column's check's.
def test_table_is_computed(student):
    """the table is computed from LeNet5, alexnet and vgg16 (not typed in): it changes when they change"""
    def columns(row, i):
        return {key: (tuple(field(row, key, i)) if key == "rf" else field(row, key, i))
                for key in ("depth", "params", "rf")}
    for i, (row, changed) in enumerate(zip(rows(student), rows(student, patched=True))):
        model = EXPECTED[i]["model"]
        before, after = columns(row, i), columns(changed, i)
        same = [key for key in before if before[key] == after[key]]
        expect(not same, f"architecture_table() does not follow the networks LeNet5, alexnet and vgg16 return "
                         f"when they change ({model}'s {', '.join(same)} did not)")
