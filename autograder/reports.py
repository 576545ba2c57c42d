"""What a grading run tells the instructor, written under `<course>/reports/`.

- checks.csv: for every hidden check, how many graded students failed it and
  the most common failure message (which concepts did not land);
- score_histogram.png and assignment_scores.png: the class's distributions;
- students/<student>.html: each student's failed checks with their messages,
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
import html
import json
from pathlib import Path

from . import late, similarity
from .course import format_table


def check_results(course, assignments):
    """{(student, assignment): {part: [check dicts]}} from the graded notebooks' trusted reports."""
    found = {}
    for a in assignments:
        for nb_path in sorted((course.root / "autograded").glob(f"*/{a}/*.ipynb")):
            student = nb_path.parent.parent.name
            try:
                meta = json.loads(nb_path.read_text()).get("metadata", {}).get("autograder", {})
            except (OSError, ValueError):
                continue
            for result in meta.values():
                parts = found.setdefault((student, a), {})
                for part, data in result.get("parts", {}).items():
                    checks = data.get("checks") or [{"check": "(part)", "title": "the part could be graded",
                                                     "passed": False, "message": data.get("error", "")}]
                    parts[part] = checks
    return found


NOT_ATTEMPTED = "not written yet"     # the harness's message for an answer still raising NotImplementedError


def check_table(results):
    """Rows (assignment, part, check title, failed, not attempted, graded, most common message).

    Sorted by how many students who attempted the check failed it; the message
    is the most common one among those attempts.
    """
    tally = collections.defaultdict(lambda: [0, 0, 0, collections.Counter()])
    for (_, a), parts in results.items():
        for part, checks in parts.items():
            for c in checks:
                row = tally[(a, part, c["title"])]
                row[2] += 1
                if not c["passed"]:
                    row[0] += 1
                    message = (c.get("message") or "").strip()
                    if message.startswith(NOT_ATTEMPTED):
                        row[1] += 1
                    else:
                        row[3][message.splitlines()[0][:160] if message else ""] += 1
    rows = [(a, part, title, failed, unattempted, graded, messages.most_common(1)[0][0] if messages else "")
            for (a, part, title), (failed, unattempted, graded, messages) in tally.items()]
    return sorted(rows, key=lambda r: (-(r[3] - r[4]) / max(r[5] - r[4], 1), r[0], r[1], r[2]))


def write(course, assignments, run=None):
    """Write every report; return {name: path}."""
    out = course.root / "reports"
    (out / "students").mkdir(parents=True, exist_ok=True)
    late.refresh_penalties(course.db_url, course.config, assignments)
    results = check_results(course, assignments)
    rows = course.table(assignments)
    written = {"checks": out / "checks.csv"}
    with open(written["checks"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["assignment", "part", "check", "failed", "not_attempted", "graded", "most_common_message"])
        w.writerows(check_table(results))
    written.update(_plots(rows, out))
    lateness = course.lateness(assignments)
    for student in sorted({s for s, *_ in rows}):
        path = out / "students" / f"{student}.html"
        path.write_text(_student_page(course, student, [r for r in rows if r[0] == student], results, lateness))
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


def _student_page(course, student, rows, results, late):
    esc = html.escape
    body = [f"<h1>{esc(student)}</h1>"]
    for _, a, parts, score, max_score in rows:
        seconds_late, penalty = late.get((student, a), (0, 0))
        late_note = (f" &mdash; submitted {seconds_late / 86400:.1f} days late, "
                     f"penalty {penalty:g} points" if seconds_late > 0 else "")
        body.append(f"<h2>{esc(a)}: {score - (penalty or 0):g} / {max_score:g}{late_note}</h2>")
        feedback = Path("..", "..", "feedback", student, a, f"{a}.html")
        body.append(f'<p><a href="{esc(feedback.as_posix())}">nbgrader feedback for {esc(a)}</a></p><ul>')
        failed = [(part, c) for part, checks in results.get((student, a), {}).items() for c in checks
                  if not c["passed"]]
        for part, c in failed:
            body.append(f"<li><b>{esc(part)}</b>: {esc(c['title'])}<br><pre>{esc(c.get('message') or '')}</pre></li>")
        if not failed:
            body.append("<li>every check passed</li>")
        body.append("</ul>")
    return ("<!doctype html><meta charset='utf-8'><title>" + esc(student) + "</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:auto} pre{white-space:pre-wrap}</style>"
            + "\n".join(body))


def summary(course, assignments, run=None, top_checks=8):
    """The text printed at the end of a grading run."""
    rows = course.table(assignments)
    lines = ["Gradebook (points per graded part):", format_table(rows, course)]
    table = check_table(check_results(course, assignments))
    missed = [r for r in table if r[3] > r[4]][:top_checks]
    if missed:
        lines += ["", "Checks the class failed most (failed / attempted; not attempted left out):"]
        lines += [f"  {f - n}/{g - n}  {a}.{p}: {t}" + (f"\n         e.g. {m}" if m else "")
                  for a, p, t, f, n, g, m in missed]
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
