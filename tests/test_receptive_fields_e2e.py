"""Exercise 3 (receptive_fields) through nbgrader's own cycle, notebooks in a real kernel.

The same demo class as tests/test_e2e_nbgrader.py (ada submits the reference, bob
the untouched stub, cy two of the graders' buggy variants), for this assignment only.
"""
import csv
import re

import pytest

from autograder import demo, notebooks, paths
from autograder.course import Course
from autograder.graders.receptive_fields import DEMO_MISTAKES
from autograder.variants import for_assignment

pytestmark = pytest.mark.xdist_group("receptive_fields_e2e")   # one demo course, one worker

NAME = "receptive_fields"
TOTAL = 13


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    rows = demo.run(root, [NAME], progress=lambda _: None)
    return Course(root), rows


def scores(rows):
    return {student: (score, max_score) for student, _, _, score, max_score in rows}


def test_reference_full_marks_stub_zero_partly_wrong_in_between(course):
    _, rows = course
    s = scores(rows)
    assert s["ada"][0] == s["ada"][1] == TOTAL
    assert s["bob"][0] == 0
    assert 0 < s["cy"][0] < s["cy"][1]


def test_partly_wrong_student_loses_points_only_where_the_mistakes_are(course):
    _, rows = course
    parts = {student: ps for student, _, ps, _, _ in rows}["cy"]
    lost = {p for p, (score, max_score) in parts.items() if score < max_score}
    wanted = {f"test_{v.part}" for v in for_assignment(NAME) if v.name in DEMO_MISTAKES}
    assert lost == wanted


def test_grades_csv(course):
    c, rows = course
    with open(c.root / "grades.csv") as f:
        table = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)}
    assert table == {"ada": float(TOTAL), "bob": 0.0, "cy": pytest.approx(scores(rows)["cy"][0])}


def test_feedback_has_no_hidden_test_code(course):
    c, _ = course
    public = (paths.RELEASE / NAME / f"{NAME}.ipynb").read_text()
    # the graders' trusted formula repeats lines of the reference answer, which ada submits as her own
    answer = (paths.SOLUTIONS / f"{NAME}.py").read_text()
    graders_lines = set()
    for path in (paths.GRADERS / NAME).glob("*.py"):
        for line in path.read_text().splitlines():
            line = line.strip()
            if (len(line) > 30 and not line.startswith(("#", '"""')) and '"""' not in line
                    and line.replace('"', '\\"') not in public and line not in answer):
                graders_lines.add(line)
    for student in ("ada", "bob", "cy"):
        html = (c.root / "feedback" / student / NAME / f"{NAME}.html").read_text()
        text = re.sub(r"<[^>]+>", "", html).replace("&quot;", '"').replace("&#39;", "'")
        assert "BEGIN HIDDEN TESTS" not in text and "grade(" not in text
        leaked = [line for line in graders_lines if line in text]
        assert not leaked, f"graders' code in {student}'s feedback: {leaked[:3]}"
    assert "FAILED" in (c.root / "feedback" / "cy" / NAME / f"{NAME}.html").read_text()


def test_graded_cells_hold_the_trusted_result_and_nothing_on_stderr(course):
    c, _ = course
    for student in ("ada", "bob"):
        nb = notebooks.read(c.root / "autograded" / student / NAME / f"{NAME}.ipynb")
        for cell, _, part, _ in notebooks.graded_parts(nb):
            kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
            assert kinds == [("stream", "stdout"), ("execute_result", None)], (student, part)
        assert all(o.get("name") != "stderr" for cell in nb.cells for o in cell.get("outputs", [])), student
