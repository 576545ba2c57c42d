"""The graders themselves: right answers get full marks, wrong ones lose points where they are wrong."""
import functools

import pytest

from autograder import assignments, paths, sample_answers, selfcheck, variants
from autograder.harness import runner

GRADED = assignments.available()
# One test per variant; the variants of one part are graded in one batch (one
# pytest start), on the xdist worker that holds that part's group.
VARIANTS = [pytest.param(a, v, id=f"{a.name}-{v.name}", marks=pytest.mark.xdist_group(f"variants-{a.name}-{v.part}"))
            for a in GRADED for v in variants.for_assignment(a.name)]


@functools.cache
def graded_variants(assignment_name, part):
    a = assignments.get(assignment_name)
    chosen = [v for v in variants.for_assignment(assignment_name) if v.part == part]
    return {outcome.subject: (outcome, result) for outcome, result in selfcheck.check_variants(a, chosen)}


# One test per correct alternative and per null answer; each assignment's set is graded in one batch.
SAMPLES = {kind: [pytest.param(a, s, id=f"{a.name}-{s.name}", marks=pytest.mark.xdist_group(f"{kind}-{a.name}"))
                  for a in GRADED for s in sample_answers.of(a, kind)]
           for kind in sample_answers.KINDS}


@functools.cache
def graded_samples(assignment_name, kind):
    a = assignments.get(assignment_name)
    run = selfcheck.check_alternatives if kind == "alternatives" else selfcheck.check_nulls
    return {outcome.subject.split(" ", 1)[1]: (outcome, result) for outcome, result in run(a)}


@pytest.mark.parametrize("assignment", GRADED, ids=lambda a: a.name)
def test_reference_solution_gets_full_marks(assignment):
    outcome, result = selfcheck.check_reference(assignment)
    assert outcome.ok, result.report()


@pytest.mark.parametrize("assignment", GRADED, ids=lambda a: a.name)
def test_untouched_stub_gets_zero_without_grader_errors(assignment):
    outcome, result = selfcheck.check_stub(assignment)
    assert outcome.ok, result.report()
    assert all(p.checks for p in result.parts.values())


@pytest.mark.parametrize("assignment, variant", VARIANTS)
def test_buggy_variant_loses_points_on_its_part(assignment, variant):
    outcome, result = graded_variants(assignment.name, variant.part)[f"variant {variant.name}"]
    assert outcome.ok, f"{variant.description}\n{result.report()}"


@pytest.mark.parametrize("assignment, sample", SAMPLES["alternatives"])
def test_correct_alternative_gets_full_marks(assignment, sample):
    """A correct answer in another style than the reference's: a lost point is a grader that over-specifies."""
    outcome, result = graded_samples(assignment.name, "alternatives")[sample.name]
    assert outcome.ok, f"{sample.summary}\n{result.report()}"


@pytest.mark.parametrize("assignment, sample", SAMPLES["nulls"])
def test_null_answer_gets_zero(assignment, sample):
    """An answer that computes nothing gets nothing (but on the parts that grade argument validation alone)."""
    outcome, result = graded_samples(assignment.name, "nulls")[sample.name]
    assert outcome.ok, f"{sample.summary}\n{result.report()}"
    assert all(p.points == 0 for name, p in result.parts.items()
               if name not in sample_answers.validation_parts(assignment))


def test_every_assignment_has_five_alternatives_and_five_nulls_each_described():
    for a in GRADED:
        for kind in sample_answers.KINDS:
            chosen = sample_answers.of(a, kind)
            assert len(chosen) >= 5, f"{a.name} has {len(chosen)} {kind}"
            undescribed = [s.name for s in chosen if s.summary == s.name]
            assert not undescribed, f"{a.name}'s {kind} without a docstring: {undescribed}"
        assert set(sample_answers.validation_parts(a)) <= set(a.parts), a.name


def test_a_batch_grades_each_answer_as_if_it_were_graded_alone():
    """The batch that serves the variant tests: same results, message for message, as one run per answer."""
    a = assignments.get("maxpool")
    solution = (paths.SOLUTIONS / "maxpool.py").read_text()
    chosen = [v for v in variants.for_assignment("maxpool") if v.part == "forward_max"][:2]
    sources = [variants.apply(v, solution) for v in chosen] + [solution, (paths.STUBS / "maxpool.py").read_text()]
    together = runner.grade_sources(a, sources, parts=["forward_max"])
    alone = [runner.grade_source(a, source, parts=["forward_max"]) for source in sources]
    assert [r.to_json() for r in together] == [r.to_json() for r in alone]
    wrong, also_wrong, right, stub = together
    assert wrong.points < wrong.max_points and also_wrong.points < also_wrong.max_points
    assert right.points == right.max_points > 0 and stub.points == 0


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


def test_checks_are_not_parametrized():
    """A batch names a check by its function: a parametrized check's cases would merge into one."""
    parametrized = [f.name for f in paths.GRADERS.glob("*/test_*.py") if "parametrize" in f.read_text()]
    assert not parametrized, f"parametrized checks in {parametrized}"


def test_readme_fairness_table_counts_what_the_kit_has():
    """The README's fairness table (from `./run check`) names every assignment with the panels it has now.

    Whether each panel meets its expectation is what the tests above assert; this catches a table left
    behind when an answer is added or removed.
    """
    text = (paths.KIT_ROOT / "README.md").read_text()
    rows = {}
    for line in text.splitlines():
        cells = line.split()
        if cells and cells[0] in {a.name for a in GRADED} and len(cells) >= 4 and "/" in cells[1]:
            rows[cells[0]] = cells[1:4]
    assert set(rows) == {a.name for a in GRADED}, "the README's fairness table misses assignments"
    for a in GRADED:
        counts = [len(sample_answers.of(a, "alternatives")), len(variants.for_assignment(a.name)),
                  len(sample_answers.of(a, "nulls"))]
        assert rows[a.name] == [f"{n}/{n}" for n in counts], f"{a.name}: README says {rows[a.name]}, the kit has {counts}"
