"""`autograder check`: are the graders themselves right?

For each assignment: the reference solution gets full marks, the untouched stub
gets zero (and the run survives it), and every buggy variant loses points on the
part it targets.
"""
from dataclasses import dataclass

from . import assignments, paths, variants
from .harness import runner


@dataclass
class Outcome:
    assignment: str
    subject: str
    expectation: str
    result: str
    ok: bool


def check_reference(assignment):
    ref = runner.grade_source(assignment, (paths.SOLUTIONS / f"{assignment.name}.py").read_text())
    return Outcome(assignment.name, "reference solution", "full marks",
                   f"{ref.points:g}/{ref.max_points:g}", ref.points == ref.max_points), ref


def check_stub(assignment):
    stub = runner.grade_source(assignment, (paths.STUBS / f"{assignment.name}.py").read_text())
    ok = stub.points == 0 and not any(p.error for p in stub.parts.values())
    return Outcome(assignment.name, "student stub", "zero, no grader error",
                   f"{stub.points:g}/{stub.max_points:g}", ok), stub


def check_variants(assignment, chosen):
    """[(Outcome, GradeResult)] for each variant, graded only on the part it targets (where it must lose
    points); the variants of one part are graded in one batch."""
    solution = (paths.SOLUTIONS / f"{assignment.name}.py").read_text()
    graded = {}
    for part in dict.fromkeys(v.part for v in chosen):
        batch = [v for v in chosen if v.part == part]
        sources = [variants.apply(v, solution) for v in batch]
        for v, res in zip(batch, runner.grade_sources(assignment, sources, parts=[part])):
            graded[v.name] = res
    return [(_variant_outcome(assignment, v, graded[v.name]), graded[v.name]) for v in chosen]


def _variant_outcome(assignment, variant, res):
    part = res.parts.get(variant.part)
    lost = part is not None and part.points < part.max_points
    shown = f"{part.points:g}/{part.max_points:g} on {variant.part}" if part else f"no part {variant.part}"
    return Outcome(assignment.name, f"variant {variant.name}", f"loses points on {variant.part}", shown, lost)


def check_assignment(assignment, progress=print):
    outcomes = []
    for subject, run in [("reference solution", lambda: check_reference(assignment)),
                         ("student stub", lambda: check_stub(assignment))]:
        progress(f"[check {assignment.name}] {subject}")
        outcome, result = run()
        if not outcome.ok:
            progress(result.report())
        outcomes.append(outcome)
    chosen = variants.for_assignment(assignment.name)
    progress(f"[check {assignment.name}] {len(chosen)} buggy variants, one batch per part")
    for outcome, result in check_variants(assignment, chosen):
        if not outcome.ok:
            progress(f"{outcome.subject}:\n{result.report()}")
        outcomes.append(outcome)
    return outcomes


def check(names=None, progress=print):
    chosen = [assignments.get(n) for n in names] if names else assignments.available()
    outcomes = []
    for a in chosen:
        outcomes += check_assignment(a, progress)
    return outcomes


def format_outcomes(outcomes):
    width = max(len(o.subject) for o in outcomes)
    lines = [f"{'OK ' if o.ok else 'BAD'} {o.assignment:<10} {o.subject:<{width}}  {o.result:<22} (expected {o.expectation})"
             for o in outcomes]
    bad = sum(not o.ok for o in outcomes)
    lines.append(f"{len(outcomes) - bad} of {len(outcomes)} expectations met")
    return "\n".join(lines)
