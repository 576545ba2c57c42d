"""Hidden checks for `gap_vs_flatten_params` (part: gap_params)."""
import pytest

from autograder.harness.checks import expect

from . import _probes
from .reference import gap_vs_flatten_params as expected

CASES = [(32, 8, 8, 10), (256, 6, 6, 1000), (64, 3, 5, 7), (3, 13, 7, 2), (1, 1, 1, 1), (2048, 7, 7, 1000)]


def pair(student, case):
    got = student.probe(_probes.gap, *case)
    expect(isinstance(got, list) and len(got) == 2,
           f"gap_vs_flatten_params{case} must return a pair (flatten, gap), got {got if isinstance(got, str) else len(got)}"
           + ("" if isinstance(got, str) else " values"))
    expect(all(isinstance(v, int) for v in got), f"gap_vs_flatten_params{case} must return two ints, got {got}")
    return got


@pytest.mark.needs("test_flatten_counts", "test_gap_counts")
def test_lecture_numbers(student):
    """the lecture's numbers: 512x7x7 features and 1,000 classes"""
    got = pair(student, (512, 7, 7, 1000))
    expect(tuple(got) == expected(512, 7, 7, 1000),
           f"gap_vs_flatten_params(512, 7, 7, 1000) returned {tuple(got)}: not the lecture's counts")


@pytest.mark.needs("test_flatten_counts", "test_gap_counts")
def test_returns_a_pair_of_ints(student):
    """returns a pair of Python ints"""
    pair(student, (32, 8, 8, 10))


def test_flatten_counts(student):
    """the flatten + Linear count, for other sizes and numbers of classes"""
    for case in CASES:
        got = pair(student, case)
        expect(got[0] == expected(*case)[0], f"gap_vs_flatten_params{case}: the flatten + Linear count is wrong")


def test_gap_counts(student):
    """the global-average-pooling + Linear count, for other sizes and numbers of classes"""
    for case in CASES:
        got = pair(student, case)
        expect(got[1] == expected(*case)[1], f"gap_vs_flatten_params{case}: the GAP + Linear count is wrong")


def test_non_square_and_order(student):
    """non-square features (height and width differ), flatten's count first"""
    for case in ((64, 3, 5, 7), (3, 13, 7, 2)):
        got = pair(student, case)
        expect(tuple(got) == expected(*case), f"gap_vs_flatten_params{case} returned {tuple(got)}")
