"""`autograder check`: are the graders themselves right?

For each assignment: the reference solution gets full marks, the untouched stub
gets zero (and the run survives it), every buggy variant loses points on the
part it targets, every correct alternative gets full marks and every null answer
gets zero (`sample_answers.py`). `fairness` sums these up per assignment.
"""
from dataclasses import dataclass

from . import assignments, paths, sample_answers, variants
from .harness import runner


@dataclass
class SampleOutcome:
    """What one of the kit's own answers (reference, stub, variant, alternative, null) scored, against what
    it must score. (Not grading/task.py's Outcome: a student's submission graded by a worker.)"""
    assignment: str
    subject: str           # "variant zero_padding_max", "null zeros", ...
    expectation: str
    result: str
    ok: bool
    kind: str = ""         # reference, stub, variant, alternative or null
    points: float = 0.0    # what the answer scored (on the variant's part, for a variant)


def check_reference(assignment):
    ref = runner.grade_source(assignment, (paths.SOLUTIONS / f"{assignment.name}.py").read_text())
    return SampleOutcome(assignment.name, "reference solution", "full marks",
                   f"{ref.points:g}/{ref.max_points:g}", ref.points == ref.max_points, "reference", ref.points), ref


def check_stub(assignment):
    stub = runner.grade_source(assignment, (paths.STUBS / f"{assignment.name}.py").read_text())
    ok = stub.points == 0 and not any(p.error for p in stub.parts.values())
    return SampleOutcome(assignment.name, "student stub", "zero, no grader error",
                   f"{stub.points:g}/{stub.max_points:g}", ok, "stub", stub.points), stub


def check_variants(assignment, chosen):
    """[(SampleOutcome, GradeResult)] for each variant, graded only on the part it targets (where it must lose
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
    return SampleOutcome(assignment.name, f"variant {variant.name}", f"loses points on {variant.part}", shown, lost,
                   "variant", part.points if part else 0.0)


def check_alternatives(assignment):
    """[(SampleOutcome, GradeResult)]: each correct alternative must get full marks (graded in one batch)."""
    chosen = sample_answers.of(assignment, "alternatives")
    graded = runner.grade_sources(assignment, [s.source(assignment) for s in chosen]) if chosen else []
    return [(SampleOutcome(assignment.name, f"alternative {s.name}", "full marks", f"{r.points:g}/{r.max_points:g}",
                     r.points == r.max_points, "alternative", r.points), r) for s, r in zip(chosen, graded)]


def check_nulls(assignment):
    """[(SampleOutcome, GradeResult)]: each null answer must get zero on every part but the validation parts."""
    chosen = sample_answers.of(assignment, "nulls")
    allowed = sample_answers.validation_parts(assignment)
    graded = runner.grade_sources(assignment, [s.source(assignment) for s in chosen]) if chosen else []
    outcomes = []
    for s, r in zip(chosen, graded):
        scored = {p: part.points for p, part in r.parts.items() if part.points > 0}
        shown = f"{r.points:g}/{r.max_points:g}" + "".join(f" {p} {v:g}" for p, v in scored.items())
        expectation = "zero" + (f" (or points on {', '.join(allowed)}: validation only)" if allowed else "")
        ok = not any(p not in allowed for p in scored) and not any(part.error for part in r.parts.values())
        outcomes.append((SampleOutcome(assignment.name, f"null {s.name}", expectation, shown, ok, "null", r.points), r))
    return outcomes


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
    batches = [(f"{len(chosen)} buggy variants, one batch per part", lambda: check_variants(assignment, chosen))]
    for kind, run in [("alternatives", check_alternatives), ("nulls", check_nulls)]:
        count = len(sample_answers.of(assignment, kind))
        batches.append((f"{count} {'correct alternatives' if kind == 'alternatives' else 'null answers'}, "
                        "one batch", lambda run=run: run(assignment)))
    for title, run in batches:
        progress(f"[check {assignment.name}] {title}")
        for outcome, result in run():
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


@dataclass
class Fairness:
    """One assignment's line of the fairness report."""
    assignment: str
    alternatives_full: int
    alternatives: int
    variants_caught: int
    variants: int
    nulls_zero: int
    nulls: int
    largest_null: str       # "p/max" of the best-scoring null answer, with where it scored

    @property
    def row(self):
        return (self.assignment, f"{self.alternatives_full}/{self.alternatives}",
                f"{self.variants_caught}/{self.variants}", f"{self.nulls_zero}/{self.nulls}", self.largest_null)


FAIRNESS_HEADER = ("assignment", "correct alternatives at full marks", "buggy variants caught",
                   "null answers at zero", "largest null score")


def fairness(outcomes):
    """[Fairness] per assignment, from `check`'s outcomes."""
    rows = []
    for name in dict.fromkeys(o.assignment for o in outcomes):
        def of(kind):
            chosen = [o for o in outcomes if o.assignment == name and o.kind == kind]
            return sum(o.ok for o in chosen), len(chosen)
        nulls = [o for o in outcomes if o.assignment == name and o.kind == "null"]
        largest = max(nulls, key=lambda o: o.points, default=None)
        rows.append(Fairness(name, *of("alternative"), *of("variant"), *of("null"),
                             "-" if largest is None else largest.result if largest.points else "0"))
    return rows


def format_fairness(rows):
    table = [FAIRNESS_HEADER] + [r.row for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(FAIRNESS_HEADER))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in table)


def format_outcomes(outcomes):
    width = max(len(o.subject) for o in outcomes)
    lines = [f"{'OK ' if o.ok else 'BAD'} {o.assignment:<10} {o.subject:<{width}}  {o.result:<22} (expected {o.expectation})"
             for o in outcomes]
    bad = sum(not o.ok for o in outcomes)
    lines.append(f"{len(outcomes) - bad} of {len(outcomes)} expectations met")
    return "\n".join(lines)
