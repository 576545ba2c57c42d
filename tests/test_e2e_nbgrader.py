"""The whole course cycle through nbgrader's own commands, notebooks in a real (sandboxed) kernel, every assignment.

`autograder demo` releases through a local exchange, three students fetch and
submit, and the instructor collects, autogrades, writes feedback and exports.
"""
import csv
import re
import shutil

import nbformat
import pytest

from autograder import assignments, cli, demo, notebooks, paths, variants
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
    assert "dan" not in s or s["dan"][0] == 0


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
