"""Grading a whole class: parallel, on a Dask cluster, resumed after a kill, into PostgreSQL, reported.

One small course (the demo class on exercise 1, graded by two local workers) is
graded again in the other ways; every way must give the same grades.
"""
import csv
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import sqlalchemy
from nbgrader.api import Gradebook

from autograder import build, demo, late
from autograder.course import Course
from autograder.grading import grade_class
from autograder.grading.coordinator import ClassRun, new_tasks, submissions_to_grade, template_gradebooks
from autograder.grading.ledger import Ledger
from autograder.grading.task import grade_task, run_measured
from autograder.harness.template_process import TemplateProcess

pytestmark = pytest.mark.xdist_group("class-grading")

ASSIGNMENT = "maxpool"


def grades(course):
    """Everything a grade is made of, per student: parts, total, lateness, trusted reports."""
    rows = {s: (parts, score, max_score) for s, _, parts, score, max_score in course.table([ASSIGNMENT])}
    reports = {}
    for s in rows:
        nb = json.loads((course.root / "autograded" / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
        reports[s] = nb["metadata"]["autograder"]
    return rows, course.lateness([ASSIGNMENT]), reports


def ledger_entries(course):
    folder = course.root / ".kit" / "graded" / ASSIGNMENT
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}


def _tasks(course):
    """A Task per collected submission of the course, as `./run grade --regrade` makes them."""
    run = ClassRun()
    return new_tasks(course, submissions_to_grade(course, [ASSIGNMENT], Ledger(course.root), run, regrade=True), run)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    demo.run(root, [ASSIGNMENT], progress=lambda _: None, workers=2)
    course = Course(root)
    return course, grades(course)


def test_two_workers_grade_the_class_as_one_does(course):
    c, first = course
    run = grade_class(c, [ASSIGNMENT], workers=1, regrade=True, progress=False, log=lambda _: None)
    assert len(run.graded) == 3 and not run.failed
    assert grades(c) == first
    rows, _, _ = first
    assert rows["ada"][1] == rows["ada"][2] > 0 and rows["bob"][1] == 0 and 0 < rows["cy"][1] < rows["cy"][2]


def test_grading_forked_from_the_warm_template_gives_what_new_interpreters_give(course):
    c, _ = course
    tasks = _tasks(c)
    assert sorted(t.student for t in tasks) == ["ada", "bob", "cy"]

    ahead = []

    def graded(task):
        outcome = grade_task(task)
        assert outcome.ok, outcome.reason
        how = "forked from this warm process" if task.warm else "in a new interpreter"
        assert f"Hidden graders of {ASSIGNMENT} started ({how}" in outcome.log
        ahead.append("in a kernel started ahead of it" in outcome.log)
        nb = json.loads(outcome.autograded[f"{ASSIGNMENT}.ipynb"])
        # every cell's outputs, the notebook's own checks included: the kernel started ahead shows the same
        # (but the figures of the notebook's timing cell, which vary run to run)
        return nb["metadata"]["autograder"], [[{**out, "text": re.sub(r"\d+", "#", "".join(out["text"]))}
                                               if out.get("output_type") == "stream" else out
                                               for out in cell.get("outputs", [])] for cell in nb["cells"]]

    for task in tasks:
        assert task.warm
        warm = graded(task)
        assert TemplateProcess._shared is not None and TemplateProcess._shared.alive(), TemplateProcess.unavailable
        task.warm = False
        assert graded(task) == warm, task.student
    # after the first, each warm grading's notebook ran in a kernel a standby had started; never a cold one's
    assert ahead[0::2][1:] == [True, True] and ahead[1::2] == [False] * 3


def test_grading_a_submission_leaves_nothing_in_the_temporary_folder(course, monkeypatch):
    """A grading service grades for months: a kernel's copy of the notebook or a kernelspec left per
    submission would fill the disk."""
    c, _ = course
    task = _tasks(c)[0]
    tmp = tempfile.mkdtemp(prefix="kit-test-tmpdir-")
    os.chmod(tmp, 0o711)         # as /tmp: the sandboxes' uids pass through it
    monkeypatch.setenv("TMPDIR", tmp)
    monkeypatch.setattr(tempfile, "tempdir", None)
    try:
        for warm in (True, False):
            task.warm = warm
            for _ in range(2):
                outcome = grade_task(task)
                assert outcome.ok, outcome.reason
            if warm:
                # its standbys wait with their kernels' folders for the next submissions; they go with it
                TemplateProcess._shared.close()
            left = [p.name for p in Path(tmp).iterdir() if not p.name.startswith("torchinductor")]   # torch's cache
            assert left == [], f"warm={warm}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rows_without_ids(db):
    """{table: sorted rows} of an nbgrader gradebook, without the ids each new gradebook draws afresh."""
    with sqlite3.connect(db) as conn:
        tables = [t for (t,) in conn.execute("select name from sqlite_master where type = 'table'")]
        out = {}
        for table in tables:
            columns = [c for _, c, *_ in conn.execute(f"pragma table_info({table})") if c != "id" and
                       not c.endswith("_id")]
            out[table] = sorted(map(repr, conn.execute(f"select {', '.join(columns) or 'count(*)'} from {table}")))
    return out


def test_the_template_gradebooks_hold_what_nbgrader_generate_assignment_writes(course, tmp_path):
    """Made for all assignments in one process (no `nbgrader` and `alembic` interpreters per assignment), a
    template must be the gradebook nbgrader's own command makes, with the course's due date."""
    c, _ = course
    made, failed = template_gradebooks(c, ["receptive_fields", ASSIGNMENT])
    assert not failed and sorted(made) == [ASSIGNMENT, "receptive_fields"]
    with Gradebook(c.db_url, c.coursedir.course_id) as gb:
        due = gb.find_assignment(ASSIGNMENT).duedate
    assert due is not None
    for a in made:
        ours = tmp_path / f"{a}-ours.db"
        ours.write_bytes(made[a])
        theirs = tmp_path / f"{a}-nbgrader.db"
        (tmp_path / a).mkdir()
        build.nbgrader("generate_assignment", a, "--force", f"--CourseDirectory.root={tmp_path / a}",
                       f"--CourseDirectory.source_directory={c.directory('source')}",
                       f"--CourseDirectory.db_url=sqlite:///{theirs}",
                       f"--CourseDirectory.course_id={c.coursedir.course_id}", cwd=c.root)
        if a == ASSIGNMENT:
            with Gradebook(f"sqlite:///{theirs}", c.coursedir.course_id) as gb:
                gb.update_or_create_assignment(a, duedate=due)
        expected = _rows_without_ids(theirs)
        assert expected["grade_cells"] and expected["alembic_version"]
        assert _rows_without_ids(ours) == expected, a
    # an assignment whose source cannot be generated is said, the others made
    made, failed = template_gradebooks(c, ["no_such_assignment", ASSIGNMENT])
    assert list(made) == [ASSIGNMENT] and list(failed) == ["no_such_assignment"] and failed["no_such_assignment"]


def test_unchanged_submissions_are_not_graded_again_and_a_changed_one_is(course):
    c, first = course
    run = grade_class(c, [ASSIGNMENT], workers=2, progress=False, log=lambda _: None)
    assert run.graded == [] and sorted(s for _, s in run.skipped) == ["ada", "bob", "cy"]
    stamp = c.root / "submitted" / "bob" / ASSIGNMENT / "timestamp.txt"
    stamp.write_text(stamp.read_text())    # same bytes: still unchanged
    assert grade_class(c, [ASSIGNMENT], progress=False, log=lambda _: None).graded == []
    assert grades(c) == first


def test_a_grading_lost_to_a_fault_of_the_machine_is_graded_again_in_the_same_run(course, monkeypatch):
    """As the service does: a grading process that ended without a word is graded once more before the
    submission counts as one that could not be graded; the grades are those of a run without the fault."""
    from autograder.grading import coordinator
    from autograder.grading.task import Outcome
    c, first = course
    calls = []

    def bob_lost_once(task):
        calls.append(task.student)
        if task.student == "bob" and calls.count("bob") == 1:
            return Outcome(task.assignment, task.student, task.digest, ok=False, machine_fault=True,
                           reason="the grading process ended (exit code -9) without a word in its log")
        return grade_task(task)
    monkeypatch.setattr(coordinator, "grade_task", bob_lost_once)
    run = grade_class(c, [ASSIGNMENT], workers=2, regrade=True, progress=False, log=lambda _: None)
    assert sorted(calls) == ["ada", "bob", "bob", "cy"]
    assert sorted(o.student for o in run.graded) == ["ada", "bob", "cy"] and not run.failed
    assert grades(c) == first


def test_a_second_fault_of_the_machine_is_reported_not_retried_again(course, tmp_path, monkeypatch):
    from autograder.grading import coordinator
    from autograder.grading.task import Outcome
    c = ungraded_copy(course[0], tmp_path / "faulty")
    calls = []

    def always_lost(task):
        calls.append(task.student)
        return Outcome(task.assignment, task.student, task.digest, ok=False, machine_fault=True,
                       reason="the grading process ended (exit code -9) without a word in its log")
    monkeypatch.setattr(coordinator, "grade_task", always_lost)
    run = grade_class(c, [ASSIGNMENT], workers=2, progress=False, log=lambda _: None)
    assert sorted(calls) == ["ada", "ada", "bob", "bob", "cy", "cy"]
    assert sorted(s for _, s in run.failed) == ["ada", "bob", "cy"] and not run.graded
    assert all("without a word" in reason for reason in run.failed.values())
    assert not ledger_entries(c)            # nothing remembered against the submissions: graded next run


def ungraded_copy(course, root):
    """A new course with the same submissions collected and nothing graded yet."""
    copy = Course(root).create()
    copy.nbgrader("generate_assignment", ASSIGNMENT, "--force", progress=lambda _: None)
    copy.nbgrader("db", "assignment", "add", ASSIGNMENT, f"--duedate={demo.DUE_DATE}", progress=lambda _: None)
    shutil.copytree(course.root / "submitted", copy.root / "submitted")
    return copy


def test_a_class_graded_after_the_grader_was_killed_half_way_ends_as_if_graded_once(course, tmp_path):
    _, first = course
    c = ungraded_copy(course[0], tmp_path / "resumed")
    cmd = [sys.executable, "-m", "autograder", "grade", ASSIGNMENT, "--course", str(c.root),
           "--workers", "1", "--no-progress"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while not ledger_entries(c):
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done_before = set(ledger_entries(c))
    assert 1 <= len(done_before) < 3, "killed half way: some, not all, graded"

    lines = []
    run = grade_class(c, [ASSIGNMENT], workers=2, progress=False, log=lines.append)
    assert {s for _, s in run.skipped} == done_before and not run.failed
    assert {o.student for o in run.graded} == {"ada", "bob", "cy"} - done_before
    assert any("already graded" in line for line in lines)
    assert grades(c) == first
    with Gradebook(c.db_url) as gb:      # one submission per student, nothing counted twice
        assert sorted(s.student.id for s in gb.find_assignment(ASSIGNMENT).submissions) == ["ada", "bob", "cy"]
        assert gb.db.execute(sqlalchemy.text("select count(*) from submitted_assignment")).scalar() == 3
    assert not list((c.root / "autograded").glob("*/.*.incoming"))


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    """A real Dask scheduler and two workers on loopback, each in its own directory."""
    pytest.importorskip("distributed")
    from autograder.grading.cluster import local_cluster
    with local_cluster(2, tmp_path_factory.mktemp("dask")) as address:
        yield address


def test_a_dask_cluster_grades_the_class_as_one_local_worker_does(course, dask_cluster):
    c, first = course
    run = grade_class(c, [ASSIGNMENT], scheduler=dask_cluster, regrade=True, progress=False, log=lambda _: None)
    assert len(run.graded) == 3 and not run.failed
    assert len({o.worker for o in run.graded}) == 2, "both Dask workers took submissions"
    assert grades(c) == first


def test_the_same_class_graded_into_postgresql_gets_the_same_grades(course, postgres_url, tmp_path, monkeypatch):
    _, first = course
    demo.run(tmp_path / "pg", [ASSIGNMENT], progress=lambda _: None, workers=2, db_url=postgres_url)
    pg = Course(tmp_path / "pg")
    assert pg.db_url.startswith("postgresql://") and not (pg.root / "gradebook.db").exists()
    assert grades(pg) == first
    with open(pg.root / "grades.csv") as f:
        assert {r["student_id"] for r in csv.DictReader(f)} == {"ada", "bob", "cy"}


def test_late_submissions_lose_the_configured_percentage_per_started_day():
    assert late.penalty(10, 0, 10, 50) == 0
    assert late.penalty(10, 10 * 60, 10, 50, grace_minutes=15) == 0
    assert late.penalty(10, 3600, 10, 50) == 1.0                      # one started day
    assert late.penalty(10, 1.5 * 86400, 10, 50) == 2.0               # two started days
    assert late.penalty(10, 30 * 86400, 10, 50) == 5.0                # capped
    assert late.penalty(0, 30 * 86400, 10, 50) == 0


def test_the_late_student_is_penalized_in_the_gradebook_and_grades_csv(course):
    c, (rows, lateness, _) = course
    seconds, penalty = lateness[("cy", ASSIGNMENT)]
    assert seconds == pytest.approx(1.5 * 86400, abs=60)
    assert penalty == pytest.approx(round(rows["cy"][1] * 0.2, 2))
    assert lateness[("ada", ASSIGNMENT)] == (0, 0)
    with open(c.root / "grades.csv") as f:
        cy = next(r for r in csv.DictReader(f) if r["student_id"] == "cy")
    assert float(cy["late_submission_penalty"]) == pytest.approx(penalty)
    assert float(cy["score"]) == pytest.approx(float(cy["raw_score"]) - penalty)


def test_reports_show_which_checks_the_class_failed_and_each_students_failures(course):
    c, _ = course
    reports = c.root / "reports"
    with open(reports / "checks.csv") as f:
        checks = list(csv.DictReader(f))
    assert checks and all(int(r["graded"]) == 3 for r in checks)
    # bob's untouched stub fails everything without having attempted it
    assert all(int(r["not_attempted"]) == 1 for r in checks)
    # the demo's mistakes (padding with 0; gradient to every tied maximum) top the table
    top = {r["check"] for r in checks[:8] if int(r["failed"]) > int(r["not_attempted"])}
    assert any("pad with -inf" in t for t in top) and any("first maximum" in t for t in top)
    assert all(r["most_common_message"] for r in checks if int(r["failed"]) > int(r["not_attempted"]))
    for image in ("score_histogram.png", "assignment_scores.png"):
        assert (reports / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (reports / "students" / "cy.html").read_text()
    assert "pad with -inf" in page and "days late" in page and "feedback/cy/maxpool/maxpool.html" in page
    assert "every check passed" in (reports / "students" / "ada.html").read_text()


def test_a_gradings_peak_memory_counts_every_process_of_its_tree_not_only_the_largest():
    # three processes of ~100 MiB each: the largest alone is ~100, the tree ~300
    # ...measured from a coordinator that is itself large (400 MiB), which must not count
    coordinator_ballast = bytearray(400 << 20)
    coordinator_ballast[::4096] = b"x" * len(coordinator_ballast[::4096])
    hold = ("import time, subprocess, sys; b = bytearray(100 << 20); b[::4096] = b'x' * len(b[::4096]); "
            "time.sleep(3)")
    parent = f"import subprocess, sys; ps = [subprocess.Popen([sys.executable, '-c', {hold!r}]) for _ in range(2)]; " \
             f"exec({hold!r}); [p.wait() for p in ps]"
    code, _, largest, total = run_measured([sys.executable, "-c", parent], os.getcwd(), dict(os.environ), 60)
    assert code == 0
    assert 90 <= largest < 200
    assert total >= 280


def test_submissions_of_assignments_that_took_longest_before_are_graded_first(tmp_path):
    from autograder.grading.coordinator import longest_first
    from autograder.grading.ledger import Ledger
    from autograder.grading.task import Outcome, Task

    ledger = Ledger(tmp_path)
    for assignment, seconds in (("quick", 10), ("quick", 14), ("slow", 90), ("medium", 40), ("medium", 60)):
        ledger.mark(Outcome(assignment, f"s{seconds}", "digest", ok=True, seconds=seconds))
    assert ledger.typical_seconds("medium") == 50 and ledger.typical_seconds("new") is None
    tasks = [Task(a, s, {}, b"", "d") for a, s in
             (("quick", "ann"), ("medium", "bob"), ("slow", "cy"), ("new", "dee"), ("quick", "eve"))]
    ordered = [(t.assignment, t.student) for t in longest_first(tasks, ledger)]
    assert ordered == [("new", "dee"), ("slow", "cy"), ("medium", "bob"), ("quick", "ann"), ("quick", "eve")]


def test_the_course_config_sets_the_gradings_niceness(tmp_path):
    """c.ClassGrading.nice reaches each Task (and so its environment, harness/priority.py); 10 unless set."""
    from autograder.course import Course
    from autograder.grading.coordinator import new_task
    course = Course(tmp_path / "course").create()
    assert new_task(course, "maxpool", "ada", {}, b"").nice == 10
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write("c.ClassGrading.nice = 7\n")
    assert new_task(Course(course.root), "maxpool", "ada", {}, b"").nice == 7


def test_the_course_config_says_whether_standbys_start_answer_servers(tmp_path):
    """c.ClassGrading.answer_servers_ahead reaches each Task (and so the environment its standbys see); on unless
    set."""
    from autograder.course import Course
    from autograder.grading.coordinator import new_task
    course = Course(tmp_path / "course").create()
    assert new_task(course, "maxpool", "ada", {}, b"").answer_server_ahead is True
    with open(course.root / "nbgrader_config.py", "a") as config:
        config.write("c.ClassGrading.answer_servers_ahead = False\n")
    assert new_task(Course(course.root), "maxpool", "ada", {}, b"").answer_server_ahead is False


def test_a_grading_process_that_ends_without_a_word_is_reported_as_the_machines_fault(monkeypatch):
    """Not 'unknown error' (a student would read it on a feedback page): the machine's fault, graded again."""
    from autograder.grading import task as task_module
    monkeypatch.setattr(task_module, "run_measured", lambda *args, **kwargs: (-9, "", 0.0, 0.0))
    outcome = task_module.grade_task(task_module.Task("maxpool", "ada", {}, b"", "digest", warm=False))
    assert not outcome.ok and outcome.machine_fault
    assert outcome.reason.startswith("the grading process ended (exit code -9) without a word in its log")
