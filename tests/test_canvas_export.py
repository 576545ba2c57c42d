"""The Canvas export: `nbgrader export --exporter=autograder.exports.CanvasExport` on a real gradebook.

One course directory: a gradebook built with nbgrader's own API (assignments with
due dates and graded cells, submissions with auto and manual scores and late
penalties) and a roster in Canvas's gradebook export format. Each test runs
nbgrader's real `export` command in it and reads the CSV it wrote.
"""
import csv
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

from autograder.build import tool_env

pytestmark = [pytest.mark.xdist_group("canvas_export"),
              # nbgrader's own add_submission, building the gradebook
              pytest.mark.filterwarnings("ignore:Object of type <Submitted")]

REPO = Path(__file__).resolve().parent.parent
EXPORTER = "autograder.exports.CanvasExport"
IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]

# Canvas's own export: a byte-order mark, an extra identity column, the assignments
# already in Canvas and the read-only totals, its "Points Possible" row (indented, as
# Canvas writes it), the Test Student (no SIS Login ID) and a name with a comma.
ROSTER = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Integration ID,Section,Quiz 1 (900),Current Score\n"
    "    Points Possible,,,,,,10,(read only)\n"
    '"Lovelace, Ada",101,S-0101,ada,,Section A,9,90\n'
    '"Babbage, Bob",102,S-0102,bob,,Section B,7,70\n'
    '"Cyr, Cy",103,S-0103,cy,,Section A,,\n'
    '"Dahl, Dan",104,S-0104,dan,,Section B,,\n'
    '"Student, Test",999,,,,Section A,,\n'
)
ROSTER_IDENTITY = {          # SIS Login ID -> the identity cells the export must copy
    "ada": ["Lovelace, Ada", "101", "S-0101", "ada", "Section A"],
    "bob": ["Babbage, Bob", "102", "S-0102", "bob", "Section B"],
    "cy": ["Cyr, Cy", "103", "S-0103", "cy", "Section A"],
    "dan": ["Dahl, Dan", "104", "S-0104", "dan", "Section B"],
}
GRADEBOOK_ORDER = ["zeta_intro", "pool", "alpha", "lenet"]      # due date, then name
MAX_SCORES = ["4", "12", "2.5", "13"]


def day(d):
    return datetime.datetime(2024, 1, d, 12, 0)


def build_gradebook(db_url):
    """Four assignments (added out of order), five students, submissions with penalties."""
    with Gradebook(db_url, course_id="canvas-test") as gb:
        cells = {   # assignment -> due day, [(cell, max score, cell type)]
            "lenet": (20, [("train", 10, "code"), ("explain", 3, "markdown")]),
            "alpha": (20, [("only", 2.5, "code")]),
            "pool": (10, [("forward", 5, "code"), ("backward", 7, "code")]),
            "zeta_intro": (5, [("hello", 4, "code")]),
        }
        for name, (due, grade_cells) in cells.items():
            gb.add_assignment(name, duedate=day(due))
            gb.add_notebook(name, name)
            for cell, points, cell_type in grade_cells:
                gb.add_grade_cell(cell, name, name, max_score=points, cell_type=cell_type)
        for sid, first, last in [("ada", "Ada", "Lovelace"), ("bob", "Bob", "Babbage"), ("cy", "Cy", "Cyr"),
                                 ("eve", "Eve", "Outsider")]:
            gb.add_student(sid, first_name=first, last_name=last)

        def submit(name, sid, scores, on_day, penalty=0.0, manual=None):
            gb.add_submission(name, sid, timestamp=day(on_day))
            for cell, points in scores.items():
                gb.find_grade(cell, name, name, sid).auto_score = points
            for cell, points in (manual or {}).items():
                gb.find_grade(cell, name, name, sid).manual_score = points
            gb.find_submission_notebook(name, name, sid).late_submission_penalty = penalty
            gb.db.commit()

        # ada: on time; a manual score overrides an auto score (3 -> 4.5)
        submit("zeta_intro", "ada", {"hello": 4}, 4)
        submit("pool", "ada", {"forward": 3, "backward": 7}, 9, manual={"forward": 4.5})
        submit("alpha", "ada", {"only": 2.5}, 19)
        submit("lenet", "ada", {"train": 10}, 19, manual={"explain": 2})
        # bob: two days late on pool (12 - 30 % = 8.4), a fraction on lenet, eight days late on alpha (all of it);
        # the penalties written here are what autograde left, and wrong: the export assigns them again
        submit("pool", "bob", {"forward": 5, "backward": 7}, 12, penalty=1.0)
        submit("lenet", "bob", {"train": 25 / 3, "explain": 0}, 20)
        submit("alpha", "bob", {"only": 1}, 28, penalty=0.1)
        # cy: only zeta_intro, scored zero (a zero, not a missing submission)
        submit("zeta_intro", "cy", {"hello": 0}, 5)
        # eve: in the gradebook, not in Canvas's roster
        submit("pool", "eve", {"forward": 5, "backward": 7}, 9)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("canvas_course")
    db_url = "sqlite:///" + str(root / "gradebook.db")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.db_url = {db_url!r}\n"
        "c.CourseDirectory.course_id = 'canvas-test'\n"
        # the export assigns the late penalties again from the current scores (late.py), by this policy:
        # 15 % per started day, up to all of it
        "c.AssignLatePenalties.plugin_class = 'autograder.late.PercentPerDayLate'\n"
        "c.PercentPerDayLate.percent_per_day = 15\n"
        "c.PercentPerDayLate.max_percent = 100\n"
        "c.PercentPerDayLate.grace_minutes = 0\n")
    path = os.environ.get("PATH")
    os.environ["PATH"] = tool_env()["PATH"]      # a new gradebook runs nbgrader's `alembic`
    try:
        build_gradebook(db_url)
    finally:
        if path is None:
            del os.environ["PATH"]
        else:
            os.environ["PATH"] = path
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    return root


def export(course, *args, to="canvas.csv", roster="roster.csv"):
    """Run `nbgrader export` with the Canvas exporter: (process, output text, rows or None)."""
    out = course / to
    if out.exists():
        out.unlink()
    cmd = [sys.executable, "-m", "nbgrader", "export", f"--exporter={EXPORTER}", f"--to={to}"]
    if roster is not None:
        cmd.append(f"--CanvasExport.roster={roster}")
    env = tool_env()
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(cmd + list(args), cwd=course, env=env, capture_output=True, text=True, timeout=300)
    text = proc.stdout + proc.stderr
    rows = None
    if out.exists():
        with open(out, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
    return proc, text, rows


def by_login(rows):
    """SIS Login ID -> the row's assignment cells."""
    return {row[3]: row[len(IDENTITY):] for row in rows[2:]}


@pytest.fixture(scope="module")
def default_export(course):
    proc, text, rows = export(course)
    assert proc.returncode == 0, text
    return text, rows


def test_header_is_the_identity_columns_then_the_assignments_by_due_date_then_name(default_export):
    _, rows = default_export
    assert rows[0] == IDENTITY + GRADEBOOK_ORDER


def test_points_possible_row_has_each_assignments_max_score(default_export):
    _, rows = default_export
    assert rows[1] == ["Points Possible", "", "", "", ""] + MAX_SCORES


def test_one_row_per_roster_student_in_roster_order_identity_copied(default_export):
    _, rows = default_export
    assert [row[:len(IDENTITY)] for row in rows[2:]] == list(ROSTER_IDENTITY.values())
    assert all(len(row) == len(rows[0]) for row in rows)


def test_roster_points_possible_row_and_test_student_are_not_written(default_export):
    text, rows = default_export
    assert [row[0].strip() for row in rows].count("Points Possible") == 1
    assert "Points Possible" not in text            # skipped as Canvas's row, not warned about as a student
    assert not any(row[0] == "    Points Possible" for row in rows)
    assert not any(row[0] == "Student, Test" for row in rows)
    assert "Student, Test" in text and "no SIS Login ID" in text


def test_scores_are_the_score_minus_the_late_penalty_floored_at_zero(default_export):
    _, rows = default_export
    cells = by_login(rows)
    # zeta_intro, pool, alpha, lenet
    assert cells["ada"] == ["4", "11.5", "2.5", "12"]       # pool: manual 4.5 + auto 7; lenet: 10 + manual 2
    assert cells["bob"][1] == "8.4"                         # 12 - 3.6 late
    assert cells["bob"][2] == "0"                           # 1 - 2 late: not below zero
    assert cells["bob"][3] == "8.33"                        # 25/3: two decimals


def test_missing_submissions_get_zero_by_default(default_export):
    _, rows = default_export
    cells = by_login(rows)
    assert cells["bob"][0] == "0"
    assert cells["cy"] == ["0", "0", "0", "0"]
    assert cells["dan"] == ["0", "0", "0", "0"]             # in the roster, not in the gradebook


@pytest.mark.parametrize("value", ["", "EX"])
def test_missing_submission_value_is_configurable(course, value):
    proc, text, rows = export(course, f"--CanvasExport.missing_submission={value}", to=f"missing_{value}.csv")
    assert proc.returncode == 0, text
    cells = by_login(rows)
    assert cells["dan"] == [value] * 4
    assert cells["cy"] == ["0", value, value, value]        # a submitted zero stays a zero
    assert cells["bob"] == [value, "8.4", "0", "8.33"]
    assert cells["ada"] == ["4", "11.5", "2.5", "12"]


def test_missing_submission_typo_is_an_error(course):
    proc, text, rows = export(course, "--CanvasExport.missing_submission=excused", to="typo.csv")
    assert proc.returncode != 0
    assert "CanvasExport.missing_submission" in text and "'excused'" in text
    assert rows is None


def test_gradebook_student_outside_the_roster_is_left_out_with_a_warning(default_export):
    text, rows = default_export
    assert "eve" not in {row[3] for row in rows}
    assert not any("Outsider" in cell for row in rows for cell in row)
    warnings = [line for line in text.splitlines() if "WARNING" in line and "eve" in line]
    assert warnings and "not in the roster" in warnings[0], text


def test_assignment_columns_map_titles_and_order(course):
    proc, text, rows = export(course, "--CanvasExport.assignment_columns=lenet=Exercise 2: LeNet-5 (222)",
                              "--CanvasExport.assignment_columns=pool=Exercise 1: max pooling (111)",
                              to="mapped.csv")
    assert proc.returncode == 0, text
    assert rows[0] == IDENTITY + ["Exercise 2: LeNet-5 (222)", "Exercise 1: max pooling (111)", "zeta_intro", "alpha"]
    assert rows[1][len(IDENTITY):] == ["13", "12", "4", "2.5"]
    assert by_login(rows)["ada"] == ["12", "11.5", "4", "2.5"]
    assert by_login(rows)["bob"] == ["8.33", "8.4", "0", "0"]


def test_student_and_assignment_filters(course):
    proc, text, rows = export(course, "--assignment=pool", "--student=bob", to="filtered.csv")
    assert proc.returncode == 0, text
    assert rows == [IDENTITY + ["pool"],
                    ["Points Possible", "", "", "", "", "12"],
                    ROSTER_IDENTITY["bob"] + ["8.4"]]
    assert "eve" not in text                    # filtered out: no warning about her either


def bad_roster(course, name, text):
    (course / name).write_text(text, encoding="utf-8")
    return name


@pytest.mark.parametrize("case", ["no match column", "match column not in roster", "no roster", "unreadable roster",
                                  "no required column", "duplicate ids"])
def test_bad_input_is_a_clear_error_and_writes_nothing(course, case):
    args, roster = [], "roster.csv"
    if case == "no match column":       # a roster without SIS Login ID, the default match column
        roster = bad_roster(course, "no_login.csv", "Student,ID,SIS User ID,Section\n\"Lovelace, Ada\",101,S-0101,A\n")
        expected = ["'SIS Login ID'"]
    elif case == "match column not in roster":
        args = ["--CanvasExport.match_column=Email"]
        expected = ["CanvasExport.match_column", "'Email'"]
    elif case == "no roster":
        roster = None
        expected = ["CanvasExport.roster"]
    elif case == "unreadable roster":
        roster = "does_not_exist.csv"
        expected = ["CanvasExport.roster", "does_not_exist.csv"]
    elif case == "no required column":
        roster = bad_roster(course, "no_section.csv", "Student,ID,SIS User ID,SIS Login ID\nAda,101,S-0101,ada\n")
        expected = ["'Section'"]
    else:
        roster = bad_roster(course, "dupes.csv", ROSTER + '"Lovelace, Ada (again)",105,S-0105,ada,,Section C,,\n')
        expected = ["duplicate", "'ada'"]
    proc, text, rows = export(course, *args, roster=roster, to="bad.csv")
    assert proc.returncode != 0, text
    assert "Canvas export:" in text and all(word in text for word in expected), text
    assert "Traceback" not in text
    assert rows is None
