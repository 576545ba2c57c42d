"""The suite's own distribution: tests that share an expensive module fixture stay on one worker.

A whole class graded once per module (adversarial, e2e, class grading) and one
batch per part of buggy variants rely on `--dist loadgroup`. pytest 9.2 broke it
silently (pytest-xdist#1386): every worker then graded the same class again.
"""
import os

import pytest


@pytest.mark.xdist_group("grouping-check")
def test_a_marked_test_is_scheduled_with_its_group(request):
    if "PYTEST_XDIST_WORKER" not in os.environ:
        pytest.skip("not run under pytest-xdist")
    assert request.node.nodeid.endswith("@grouping-check"), (
        f"{request.node.nodeid}: xdist_group marks are ignored (pytest 9.2 with pytest-xdist 3.8?)")
