"""The graders themselves: right answers get full marks, wrong ones lose points where they are wrong."""
import pytest

from autograder import assignments, paths, selfcheck, variants

GRADED = assignments.available()
VARIANTS = [(a, v) for a in GRADED for v in variants.for_assignment(a.name)]


@pytest.mark.parametrize("assignment", GRADED, ids=lambda a: a.name)
def test_reference_solution_gets_full_marks(assignment):
    outcome, result = selfcheck.check_reference(assignment)
    assert outcome.ok, result.report()


@pytest.mark.parametrize("assignment", GRADED, ids=lambda a: a.name)
def test_untouched_stub_gets_zero_without_grader_errors(assignment):
    outcome, result = selfcheck.check_stub(assignment)
    assert outcome.ok, result.report()
    assert all(p.checks for p in result.parts.values())


@pytest.mark.parametrize("assignment, variant", VARIANTS, ids=lambda x: getattr(x, "name", ""))
def test_buggy_variant_loses_points_on_its_part(assignment, variant):
    outcome, result = selfcheck.check_variant(assignment, variant)
    assert outcome.ok, f"{variant.description}\n{result.report()}"


def test_every_assignment_with_graders_has_a_variant_panel():
    for a in GRADED:
        assert len(variants.for_assignment(a.name)) >= 8, a.name


def test_same_submission_same_score():
    """Determinism: a partly wrong answer graded twice gets identical results, message for message."""
    a = assignments.get("maxpool")
    source = variants.apply(variants.for_assignment("maxpool")[0], (paths.SOLUTIONS / "maxpool.py").read_text())
    first = selfcheck.runner.grade_source(a, source)
    second = selfcheck.runner.grade_source(a, source)
    assert first.to_json() == second.to_json()
