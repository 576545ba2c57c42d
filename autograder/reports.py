"""What a grading run tells the instructor, written under `<course>/reports/`.

- checks.csv: for every hidden check, how many graded students failed it and
  the most common failure message (which concepts did not land);
- score_histogram.png and assignment_scores.png: the class's distributions;
- students/<student>.html (templates/student.html): each student's failed checks with their messages,
  next to nbgrader's own feedback;
- similarity/<assignment>.csv and .html: pairs of students whose answer code
  overlaps (`similarity.py`: pairs to look at, never a verdict);
- the summary printed at the end of `autograder grade`: the gradebook, the
  checks the class failed most, the answers waiting for grading by hand, the
  similar pairs above the threshold.

Late penalties are assigned again from the current scores first (late.py).

Everything is read back from nbgrader's gradebook and the graded notebooks, so a
report can be written again at any time (`autograder report`).
"""
import collections
import csv
import functools
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import jinja2

from . import late, similarity
from .harness.results import CheckResult, GradeResult


def check_results(course, assignments):
    """{(student, assignment): {part: [CheckResult]}} from the graded notebooks' trusted reports."""
    found = {}
    for student, a, meta in _graded_metadata(course, assignments):
        for result in meta.values():
            parts = found.setdefault((student, a), {})
            for part, data in GradeResult.from_json(result).parts.items():
                parts[part] = data.checks or [CheckResult("(part)", "the part could be graded", passed=False,
                                                          message=data.error)]
    return found


def _graded_metadata(course, assignments):
    """(student, assignment, the kit's metadata) of every autograded notebook that can be read."""
    for a in assignments:
        for student in course.students(a):
            for nb_path in sorted(course.directory("autograded", student, a).glob("*.ipynb")):
                try:
                    yield student, a, json.loads(nb_path.read_text()).get("metadata", {}).get("autograder", {})
                except (OSError, ValueError):
                    continue


@dataclass
class CheckTally:
    """One line of checks.csv: how the class did on one check."""
    assignment: str
    part: str
    check: str                  # the check's title
    failed: int = 0             # students who did not pass it, attempted or not
    not_attempted: int = 0      # ... of whom had not written the function yet
    graded: int = 0
    most_common_message: str = ""       # among the attempts that failed

    @property
    def failed_attempts(self):
        return self.failed - self.not_attempted

    @property
    def attempts(self):
        return self.graded - self.not_attempted


CSV_FIELDS = [f.name for f in fields(CheckTally)]
MESSAGE_CHARS = 160             # a message's first line, this long at most, names its kind in the tally


def check_table(results):
    """[CheckTally], sorted by how many students who attempted the check failed it."""
    tallies, messages = {}, collections.defaultdict(collections.Counter)
    for (_, a), parts in results.items():
        for part, checks in parts.items():
            for c in checks:
                key = (a, part, c.title)
                tally = tallies.setdefault(key, CheckTally(*key))
                tally.graded += 1
                if c.passed:
                    continue
                tally.failed += 1
                if not c.attempted:
                    tally.not_attempted += 1
                else:
                    message = c.message.strip()
                    messages[key][message.splitlines()[0][:MESSAGE_CHARS] if message else ""] += 1
    for key, tally in tallies.items():
        tally.most_common_message = messages[key].most_common(1)[0][0] if messages[key] else ""
    return sorted(tallies.values(), key=lambda t: (-t.failed_attempts / max(t.attempts, 1),
                                                   t.assignment, t.part, t.check))


def write(course, assignments, run=None):
    """Write every report; return {name: path}."""
    out = course.root / "reports"
    (out / "students").mkdir(parents=True, exist_ok=True)
    late.refresh_penalties(course.db_url, course.config, assignments)
    results = check_results(course, assignments)
    rows = course.table(assignments)
    written = {"checks": out / "checks.csv"}
    with open(written["checks"], "w", newline="") as f:
        w = csv.DictWriter(f, CSV_FIELDS)
        w.writeheader()
        w.writerows(asdict(t) for t in check_table(results))
    written.update(_plots(rows, out))
    lateness = course.lateness(assignments)
    by_student = collections.defaultdict(list)
    for student, *row in rows:          # course.table's rows: (student, assignment, parts, score, max score)
        by_student[student].append(row)
    for student, graded in sorted(by_student.items()):
        (out / "students" / f"{student}.html").write_text(_student_page(course, student, graded, results, lateness))
    written["students"] = out / "students"
    for a in assignments:
        if course.students(a):
            similarity.report(course.root, a, config=course.config)
    written["similarity"] = out / "similarity"
    if run is not None:
        (out / "last_run.json").write_text(json.dumps({
            "graded": len(run.graded), "skipped": len(run.skipped),
            "failed": {f"{s}/{a}": why for (a, s), why in run.failed.items()},
            "seconds_per_submission": round(run.seconds_per_submission, 2)}, indent=1))
    return written


def _plots(rows, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = {}
    by_student = collections.defaultdict(lambda: [0.0, 0.0])
    by_assignment = collections.defaultdict(list)
    for student, a, _, score, max_score in rows:
        by_student[student][0] += score
        by_student[student][1] += max_score
        by_assignment[a].append(100 * score / max_score if max_score else 0.0)
    if not rows:
        return written
    fig, ax = plt.subplots(figsize=(6, 3.5))
    totals = [100 * s / m if m else 0.0 for s, m in by_student.values()]
    ax.hist(totals, bins=[i * 5 for i in range(21)], color="#4c72b0", edgecolor="white")
    ax.set(xlabel="score (% of the points of the graded assignments)", ylabel="students",
           title=f"Score distribution ({len(totals)} students)")
    fig.tight_layout()
    written["histogram"] = out / "score_histogram.png"
    fig.savefig(written["histogram"], dpi=100)
    plt.close(fig)

    names = sorted(by_assignment)
    fig, ax = plt.subplots(figsize=(1.6 * len(names) + 2, 3.5))
    ax.boxplot([by_assignment[n] for n in names], showmeans=True)
    ax.set_xticks(range(1, len(names) + 1), names, rotation=15)
    ax.set(ylabel="score (%)", ylim=(-5, 105), title="Scores per assignment")
    fig.tight_layout()
    written["assignments"] = out / "assignment_scores.png"
    fig.savefig(written["assignments"], dpi=100)
    plt.close(fig)
    return written


def _student_page(course, student, graded, results, lateness):
    """The HTML page of one student: per assignment (`graded`: assignment, parts, score, max score), the
    score, lateness and every failed check."""
    shown = []
    for a, _, score, max_score in graded:
        seconds_late, penalty = lateness.get((student, a), (0, 0))
        penalty = penalty or 0
        shown.append({"name": a, "score": score - penalty, "max_score": max_score,
                      "days_late": seconds_late / late.SECONDS_PER_DAY, "penalty": penalty,
                      "feedback": Path(os.path.relpath(course.directory("feedback", student, a) / f"{a}.html",
                                                       course.root / "reports" / "students")).as_posix(),
                      "failed": [(part, c) for part, checks in results.get((student, a), {}).items()
                                 for c in checks if not c.passed]})
    return _templates().get_template("student.html").render(student=student, assignments=shown)


@functools.cache
def _templates():
    # autoescaping: titles and messages carry what the student's code printed or raised
    return jinja2.Environment(loader=jinja2.PackageLoader("autograder", "templates"),
                              autoescape=jinja2.select_autoescape(["html"]), undefined=jinja2.StrictUndefined)


def summary(course, assignments, run=None, top_checks=8):
    """The text printed at the end of a grading run."""
    rows = course.table(assignments)
    lines = ["Gradebook (points per graded part):", format_table(rows, course)]
    table = check_table(check_results(course, assignments))
    missed = [t for t in table if t.failed_attempts > 0][:top_checks]
    if missed:
        lines += ["", "Checks the class failed most (failed / attempted; not attempted left out):"]
        lines += [f"  {t.failed_attempts}/{t.attempts}  {t.assignment}.{t.part}: {t.check}"
                  + (f"\n         e.g. {t.most_common_message}" if t.most_common_message else "") for t in missed]
    waiting = {a: course.waiting_for_hand_grading(a) for a in assignments}
    if any(waiting.values()):
        lines += ["", "Waiting for grading by hand (no feedback until then; formgrader, Manual Grading; then "
                      "`./run feedback <assignment>`):"]
        lines += [f"  {a}: {', '.join(f'{s} ({n})' for s, n in sorted(w.items()))}" for a, w in waiting.items() if w]
    flagged = similar_pairs(course, assignments)
    if flagged:
        lines += ["", "Similar answers to look at (not a finding: reports/similarity/<assignment>.html):"]
        lines += [f"  {a}: {p['student_a']} and {p['student_b']}, {float(p['similarity']):.2f}" for a, p in flagged]
    if run is not None:
        lines += ["", f"This run: {len(run.graded)} graded, {len(run.skipped)} already graded, "
                      f"{len(run.failed)} could not be graded"
                      + (f"; {run.seconds_per_submission:.1f} s per submission on a worker" if run.graded else "")]
        for (a, s), why in sorted(run.failed.items()):
            lines.append(f"  could not grade {s} ({a}): {why}")
    return "\n".join(lines)


def similar_pairs(course, assignments):
    """[(assignment, CSV row)] of the pairs above the threshold, as the last similarity report wrote them."""
    found = []
    for a in assignments:
        path = course.root / "reports" / "similarity" / f"{a}.csv"
        if path.exists():
            with open(path, newline="") as f:
                found += [(a, row) for row in csv.DictReader(f) if row["above_threshold"].lower() == "true"]
    return found


def format_table(rows, course=None):
    """One line per student and assignment; with `course`, how its code was isolated."""
    if not rows:
        return "(no graded submissions)"
    parts = sorted({p for _, _, ps, _, _ in rows for p in ps})
    short = [p.removeprefix("test_") for p in parts]
    lateness = course.lateness(sorted({a for _, a, _, _, _ in rows})) if course else {}
    show_late = any(seconds > 0 for seconds, _ in lateness.values())
    header = ["student", "assignment", *short, "total"] + (["late"] if show_late else []) + (
        ["isolation"] if course else [])
    lines = []
    for student, assignment, ps, score, max_score in rows:
        cells = [f"{ps[p][0]:g}/{ps[p][1]:g}" if p in ps else "-" for p in parts]
        line = [student, assignment, *cells, f"{score:g}/{max_score:g}"]
        if show_late:
            seconds, penalty = lateness.get((student, assignment), (0, 0))
            line.append(f"{seconds / late.SECONDS_PER_DAY:.1f} d, -{penalty:g}" if seconds > 0 else "")
        if course:
            line.append(course.isolation(student, assignment) or "-")
        lines.append(line)
    widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths))  # noqa: E731
    return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, lines)])
