"""The whole course cycle through nbgrader's own commands, notebooks in a real (sandboxed) kernel, every assignment.

`autograder demo` releases through a local exchange, three students fetch and
submit, and the instructor collects, autogrades, writes feedback and exports.
"""
import csv
import re
import shutil

import nbformat
import pytest

from autograder import assignments, cli, demo, notebooks, paths, reports, variants
from autograder.course import Course

pytestmark = pytest.mark.xdist_group("e2e")


GRADED = [a.name for a in assignments.available()]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """One course, every assignment, the demo class: ada (reference), bob (stub), cy (partly wrong)."""
    root = tmp_path_factory.mktemp("course")
    rows = demo.run(root, GRADED, progress=lambda _: None).rows
    return Course(root), rows


def scores(rows, assignment="maxpool"):
    return {student: (score, max_score) for student, a, _, score, max_score in rows if a == assignment}


def parts_of(rows, student, assignment):
    return next(ps for s, a, ps, _, _ in rows if s == student and a == assignment)


@pytest.mark.parametrize("assignment", GRADED)
def test_demo_grades_reference_full_stub_zero_and_partly_wrong_in_between(course, assignment):
    _, rows = course
    s = scores(rows, assignment)
    assert s["ada"][0] == s["ada"][1] > 0
    assert s["bob"][0] == 0
    assert 0 < s["cy"][0] < s["cy"][1]


@pytest.mark.parametrize("assignment", GRADED)
def test_partly_wrong_student_loses_points_only_where_the_mistakes_are(course, assignment):
    _, rows = course
    a = assignments.get(assignment)
    mistakes = [v for v in variants.for_assignment(assignment) if v.name in a.graders.DEMO_MISTAKES]
    lost = {p.removeprefix("test_") for p, (score, max_score) in parts_of(rows, "cy", assignment).items()
            if score < max_score}
    assert lost == {v.part for v in mistakes}


def test_grades_csv_comes_from_nbgraders_export(course):
    c, rows = course
    with open(c.root / "grades.csv") as f:
        # raw_score: before the late penalty (cy hands in late; tests/test_class_grading.py checks it)
        table = {(r["assignment"], r["student_id"]): float(r["raw_score"]) for r in csv.DictReader(f)}
    for assignment in GRADED:
        for student, (score, _) in scores(rows, assignment).items():
            assert table[(assignment, student)] == pytest.approx(score)


@pytest.mark.parametrize("assignment", GRADED)
def test_feedback_shows_failed_checks_but_no_hidden_test_code(course, assignment):
    c, _ = course
    # what students may see anyway: the release, and the reference answer (ada submitted it as her own)
    public = (paths.RELEASE / assignment / f"{assignment}.ipynb").read_text() + (
        paths.SOLUTIONS / f"{assignment}.py").read_text().replace('"', '\\"')
    graders_lines = set()
    for path in (paths.GRADERS / assignment).glob("*.py"):
        for line in path.read_text().splitlines():
            line = line.strip()
            if (len(line) > 30 and not line.startswith(("#", '"""')) and '"""' not in line
                    and line.replace('"', '\\"') not in public):
                graders_lines.add(line)
    for student in ("ada", "bob", "cy"):
        html = (c.root / "feedback" / student / assignment / f"{assignment}.html").read_text()
        text = re.sub(r"<[^>]+>", "", html).replace("&quot;", '"').replace("&#39;", "'")
        assert "BEGIN HIDDEN TESTS" not in text
        assert "grade(" not in text
        leaked = [line for line in graders_lines if line in text]
        assert not leaked, f"graders' code in {student}'s feedback: {leaked[:3]}"
    assert "FAILED" in (c.root / "feedback" / "cy" / assignment / f"{assignment}.html").read_text()


@pytest.mark.parametrize("assignment", GRADED)
def test_graded_cells_hold_the_trusted_result_and_nothing_on_stderr(course, assignment):
    c, _ = course
    for student in ("ada", "bob", "cy"):
        nb = notebooks.read(c.root / "autograded" / student / assignment / f"{assignment}.ipynb")
        for cell, _, part, _ in notebooks.graded_parts(nb):
            kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
            assert kinds == [("stream", "stdout"), ("execute_result", None)], (student, part)
        if student == "bob":
            assert nb.metadata["autograder"][assignment]["points"] == 0


def test_a_broken_submission_does_not_stop_the_others(course, capsys):
    c, _ = course
    shutil.copytree(c.root / "submitted" / "ada", c.root / "submitted" / "dan")
    (c.root / "submitted" / "dan" / "maxpool" / "maxpool.ipynb").write_text("{not a notebook")
    # the others are graded; the exit status says one could not be
    assert cli.main(["grade", "maxpool", "--course", str(c.root), "--no-progress"]) == 1
    captured = capsys.readouterr()
    assert "could not grade dan (maxpool): " in captured.out and "already graded" in captured.out
    assert "1 submission(s) could not be graded" in captured.err
    s = scores(c.table(["maxpool"]))
    assert s["ada"] == (12, 12) and s["bob"][0] == 0
    assert "dan" not in s          # a submission that could not be graded is not in the gradebook


def test_grade_in_the_kernel_outside_autograde_grades_the_saved_notebook(tmp_path, monkeypatch):
    # the instructor's source notebook (it has the hidden regions), with one mistake in the answers
    source_nb = notebooks.read(paths.SOURCE / "maxpool" / "maxpool.ipynb")
    mistake = next(v for v in variants.for_assignment("maxpool") if v.name == "zero_padding_max")
    nbformat.write(variants.filled_notebook(source_nb, source_nb, mistake), str(tmp_path / "maxpool.ipynb"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    from autograder import grade
    assert grade("maxpool", "forward_avg") == 2
    assert 0 < grade("maxpool", "forward_max") < 3
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert grade("maxpool", "forward_max") == 0


# -- the course's workflow around the grades (late penalties, feedback, releases, exports, similarity) --------

WRITTEN = ("feature_maps", "pooling_comparison")       # the assignments with an answer graded by hand


def written_grade(gb, assignment, student):
    sub = gb.find_submission_notebook(assignment, assignment, student)
    return next(g for g in sub.grades if g.cell.cell_type == "markdown")


def set_written_score(c, assignment, student, score, *, graded=True):
    from nbgrader.api import Gradebook
    with Gradebook(c.db_url) as gb:
        grade = written_grade(gb, assignment, student)
        grade.manual_score, grade.needs_manual_grade = score, not graded
        gb.db.commit()


def penalty_and_score(c, assignment, student):
    from nbgrader.api import Gradebook
    with Gradebook(c.db_url) as gb:
        sub = gb.find_submission(assignment, student)
        return sub.late_submission_penalty, sub.score


def grades_csv(c):
    c.export(progress=lambda _: None)
    with open(c.root / "grades.csv") as f:
        return {(r["assignment"], r["student_id"]): r for r in csv.DictReader(f)}


@pytest.mark.parametrize("assignment", WRITTEN)
def test_the_late_penalty_is_a_percentage_of_the_whole_score_hand_graded_points_included(course, assignment):
    c, _ = course
    penalty, score = penalty_and_score(c, assignment, "cy")     # the demo graded the written answer by hand
    assert penalty == pytest.approx(round(0.2 * score, 2)) and score > 3
    try:
        set_written_score(c, assignment, "cy", 1.0)             # the instructor changes the hand-graded points
        row = grades_csv(c)[(assignment, "cy")]                 # nbgrader export (the kit's exporter)
        assert float(row["late_submission_penalty"]) == pytest.approx(round(0.2 * float(row["raw_score"]), 2))
        assert float(row["late_submission_penalty"]) < penalty
    finally:
        set_written_score(c, assignment, "cy", 3.0)
        grades_csv(c)


@pytest.mark.parametrize("assignment", GRADED)
def test_every_feedback_file_agrees_with_the_gradebook_and_was_released(course, assignment):
    from nbgrader.api import Gradebook

    from autograder.exchange_guards import feedback_problem
    c, _ = course
    with Gradebook(c.db_url) as gb:
        for student in ("ada", "bob", "cy"):
            page = (c.root / "feedback" / student / assignment / f"{assignment}.html").read_text()
            assert feedback_problem(page, gb, assignment, student, assignment) is None, (student, assignment)
    released = list((c.root / "exchange" / c.coursedir.course_id / "feedback").glob("*.html"))
    assert len(released) == 3 * len(GRADED)


def test_feedback_waits_for_grading_by_hand_and_stale_feedback_is_not_released(course):
    from autograder.build import BuildError
    c, _ = course
    a = "feature_maps"
    try:
        set_written_score(c, a, "cy", 2.0)               # graded again by hand after the feedback went out
        with pytest.raises(BuildError, match="(?s)refusing to release feedback.*cy/feature_maps.*generate the feedback"):
            c.nbgrader("release_feedback", a, progress=lambda _: None)
        set_written_score(c, a, "cy", None, graded=False)     # back to "needs grading by hand"
        with pytest.raises(BuildError, match="wait for grading by hand"):
            c.nbgrader("generate_feedback", a, "--force", "--student=cy", progress=lambda _: None)
        # the grading service's feedback on submit: provisional, and it says so; its score agrees, so it goes out
        c.nbgrader("generate_feedback", a, "--force", "--student=cy", "--HoldFeedbackUntilGraded.provisional=True",
                   progress=lambda _: None)
        assert "Provisional feedback" in (c.root / "feedback" / "cy" / a / f"{a}.html").read_text()
        c.nbgrader("release_feedback", a, "--student=cy", progress=lambda _: None)
        done = c.feedback(a, release=False, progress=lambda _: None)
        assert done.waiting == {"cy": 1} and "cy" not in done.written
        assert not (c.root / "feedback" / "cy" / a).exists()
        assert "cy (1)" in reports.summary(c, [a])
        set_written_score(c, a, "cy", 2.0)
        assert cli.main(["feedback", a, "--course", str(c.root), "--release"]) == 0
        page = (c.root / "feedback" / "cy" / a / f"{a}.html").read_text()
        penalty, score = penalty_and_score(c, a, "cy")
        assert f"Late submission penalty (Score: -{penalty:g}" in page.replace(".0)", ")")
    finally:
        set_written_score(c, a, "cy", 3.0)
        c.feedback(a, release=True, progress=lambda _: None)


def test_a_release_that_carries_an_earlier_solution_waits_for_its_due_date(course):
    from autograder.build import BuildError
    c, _ = course
    # the demo's due dates are days ahead: feature_maps carries lenet5's and receptive_fields' reference code
    with pytest.raises(BuildError, match=r"(?s)refusing to release feature_maps.*lenet5 \(LeNet5, train_one_epoch.*"
                                         r"course_models.py.*receptive_fields"):
        c.nbgrader("release_assignment", "feature_maps", "--force", progress=lambda _: None)
    c.nbgrader("release_assignment", "maxpool", "--force", progress=lambda _: None)     # carries nothing
    c.nbgrader("db", "assignment", "add", "lenet5", "--duedate=2026-01-01 00:00:00 UTC", progress=lambda _: None)
    c.nbgrader("db", "assignment", "add", "receptive_fields", "--duedate=2026-01-01 00:00:00 UTC",
               progress=lambda _: None)
    try:
        c.nbgrader("release_assignment", "feature_maps", "--force", progress=lambda _: None)   # both due: released
    finally:
        for a in ("lenet5", "receptive_fields"):
            c.nbgrader("db", "assignment", "add", a, f"--duedate={demo.DUE_DATE}", progress=lambda _: None)


def test_canvas_csv_and_similarity_reports_are_in_reports(course):
    c, _ = course
    with open(c.root / "reports" / "canvas.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1][0] == "Points Possible"
    by_login = {r[3]: dict(zip(rows[0], r)) for r in rows[2:]}
    assert set(by_login) == {"ada", "bob", "cy"} and by_login["ada"]["Student"] == "Lovelace, Ada"
    table = grades_csv(c)
    for a in GRADED:
        assert float(by_login["cy"][a]) == pytest.approx(float(table[(a, "cy")]["score"]))
    for a in GRADED:
        assert (c.root / "reports" / "similarity" / f"{a}.html").exists()
        with open(c.root / "reports" / "similarity" / f"{a}.csv", newline="") as f:
            pairs = {(r["student_a"], r["student_b"]): r for r in csv.DictReader(f)}
        assert len(pairs) == 3


def test_the_course_moves_with_its_folder(course, tmp_path):
    """A copy of the graded course grades and exports in its new place, with the same grades."""
    c, rows = course
    copy = Course(tmp_path / "moved")
    shutil.copytree(c.root, copy.root, symlinks=True)
    shutil.rmtree(copy.root / "submitted" / "dan", ignore_errors=True)    # the broken hand-in of a test above
    assert str(c.root) not in (copy.root / "nbgrader_config.py").read_text()
    assert cli.main(["grade", "maxpool", "--course", str(copy.root), "--regrade", "--no-progress"]) == 0
    assert scores(copy.table(["maxpool"])) == scores(c.table(["maxpool"]))
    assert grades_csv(copy)[("maxpool", "ada")]["score"] == grades_csv(c)[("maxpool", "ada")]["score"]
    assert (copy.root / "autograded" / "ada" / "maxpool").stat().st_mtime > (
        c.root / "autograded" / "ada" / "maxpool").stat().st_mtime      # graded there, not read from here
