"""The grading service (`autograder serve`) through nbgrader's real exchange: students submit with
`nbgrader submit`, the service grades, students `nbgrader fetch_feedback`."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import nbformat
import pytest

from autograder import build, demo, notebooks, paths, variants
from autograder.course import Course
from autograder.service import FairQueue, GradingService, Submission

pytestmark = pytest.mark.xdist_group("service")
A = "maxpool"


# -- the queue, on its own ------------------------------------------------------------------------------------

def sub(student, minute, assignment=A):
    return Submission(student, assignment, datetime(2026, 12, 1, 12, minute), f"{student}+{assignment}+{minute}")


def test_the_student_waiting_longest_goes_first_and_one_of_each_student_at_a_time():
    q = FairQueue()
    for i, s in enumerate([sub("ada", 1), sub("ada", 2, "lenet5"), sub("bob", 3), sub("cy", 4)]):
        q.offer(s, now=100 + i)
    first = q.next(now=200)
    assert first.key == ("ada", A)
    assert q.next(now=200).student == "bob"           # ada's other assignment waits: ada is in flight
    assert q.next(now=200).student == "cy"
    assert q.next(now=200) is None
    q.done(first, now=210)
    assert q.next(now=210).key == ("ada", "lenet5")


def test_a_newer_submission_replaces_the_queued_one_and_keeps_its_place():
    q = FairQueue()
    q.offer(sub("ada", 1), now=100)
    q.offer(sub("bob", 2), now=101)
    assert q.offer(sub("ada", 5), now=150)             # ada hands in again before she was graded
    assert not q.offer(sub("ada", 3), now=151)         # an older one never replaces a newer one
    assert len(q) == 2
    nxt = q.next(now=200)
    assert nxt.student == "ada" and nxt.timestamp.minute == 5


def test_the_per_hour_limit_holds_a_student_back_and_lets_the_others_through():
    q = FairQueue(per_hour=2)
    for t in (0, 10):
        q.offer(sub("ada", t // 10), now=t)
        q.done(q.next(now=t), now=t + 5)
    q.offer(sub("ada", 9), now=20)
    q.offer(sub("bob", 9), now=30)
    assert q.next(now=40).student == "bob"
    assert q.next(now=40) is None and q.limited("ada", now=40) == pytest.approx(3600 + 5 - 40)
    assert q.next(now=3606).student == "ada"


def test_a_free_worker_takes_the_next_submission_before_the_one_done_gets_its_feedback(course):
    """The loop's order: a worker's grading done, the next submission starts before this process records
    and releases the feedback of the one done (not after: the worker would wait for it). That student's
    next submission still waits until then: one submission per student in flight."""
    events = []

    class Recorded(GradingService):       # the real loop and queue; grading, collect and feedback recorded
        def prepare(self):
            pass

        def scan(self):
            return [s for s in hand_ins if self.seen.get(s.key) is None]

        def start(self, s, pool):
            self.seen[s.key] = s.timestamp
            events.append(("start", s.student, s.assignment))
            return pool.submit(time.sleep, 0.05)

        def finish(self, s, future):
            events.append(("feedback", s.student, s.assignment))
            self.queue.done(s, time.time())

        def write_status(self):
            pass

    hand_ins = [sub("ada", 1), sub("ada", 2, "lenet5"), sub("bob", 3), sub("cy", 4)]
    Recorded(course, [A], workers=1, poll_seconds=0.05, log=lambda _: None).run(threading.Event(), until_idle=True)
    assert events == [("start", "ada", A), ("start", "bob", A), ("feedback", "ada", A),
                      ("start", "ada", "lenet5"), ("feedback", "bob", A), ("start", "cy", A),
                      ("feedback", "ada", "lenet5"), ("feedback", "cy", A)]


# -- the service, through the exchange -----------------------------------------------------------------------

def hand_in(course, student, *, mistake=None, text=None):
    """`student` fetches the release, writes an answer (the reference, with `mistake`, or `text` as the file)
    and submits it through the exchange."""
    home = demo.student_home(course, student)
    if not (home / A).exists():
        build.nbgrader("fetch_assignment", A, cwd=home)
    path = home / A / f"{A}.ipynb"
    if text is not None:
        path.write_text(text)
    else:
        source = notebooks.read(paths.SOURCE / A / f"{A}.ipynb")
        release = notebooks.read(paths.RELEASE / A / f"{A}.ipynb")
        nbformat.write(variants.filled_notebook(release, source, mistake), str(path))
    build.nbgrader("submit", A, "--student", student, cwd=home)
    time.sleep(0.01)       # submissions' timestamps differ


def fetched_feedback(course, student):
    home = course.root / "students" / student
    build.nbgrader("fetch_feedback", A, "--student", student, cwd=home)
    pages = sorted((home / A / "feedback").glob("*/*.html"))
    return pages[-1].read_text() if pages else None


def new_course(root, db_url=None):
    """A course with `A` released through its exchange, due in a week."""
    course = Course(root).create(db_url=db_url)
    course.nbgrader("generate_assignment", A, "--force", progress=lambda _: None)
    due = (datetime.utcnow() + timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S UTC")
    course.nbgrader("db", "assignment", "add", A, f"--duedate={due}", progress=lambda _: None)
    course.nbgrader("release_assignment", A, "--force", progress=lambda _: None)
    return course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return new_course(tmp_path_factory.mktemp("served"))


def serve(course, log=lambda _: None, **kwargs):
    service = GradingService(course, [A], workers=2, poll_seconds=0.5, log=log, **kwargs)
    service.run(threading.Event(), until_idle=True)
    return service


def test_submissions_are_graded_and_students_fetch_their_own_feedback(course):
    hand_in(course, "ada")
    hand_in(course, "bob", mistake=next(v for v in variants.for_assignment(A) if v.name == "zero_padding_max"))
    hand_in(course, "cy", text="{this is not a notebook")
    service = serve(course)
    assert sorted(s.student for s, *_ in service.graded) == ["ada", "bob"]
    assert "cy" in {s for s, _ in service.failed}
    ada, bob, cy = (fetched_feedback(course, s) for s in ("ada", "bob", "cy"))
    assert "Score: 12.0 / 12.0" in ada and "FAILED" not in ada
    assert "FAILED" in bob and "pad" in bob
    assert "could not be graded" in cy
    status = json.loads((course.root / "reports" / "service_status.json").read_text())
    assert status["graded"] == 2 and status["queue"] == 0 and list(status["could_not_grade"]) == [f"cy/{A}"]
    assert all(0 < s < 600 for s in status["seconds_submit_to_feedback"])


def test_a_restart_grades_nothing_twice_and_a_new_hand_in_once(course):
    lines = []
    again = serve(course, log=lines.append)
    assert again.graded == []                     # the ledger knows ada's and bob's submissions
    # ... and that cy's could not be graded: not graded again until cy submits again
    assert any(line.startswith(f"[serve] cy {A}: could not be graded before") for line in lines), lines
    hand_in(course, "bob")                        # bob fixes his mistake
    hand_in(course, "cy")                         # cy hands in a notebook this time
    third = serve(course)
    assert sorted(s.student for s, *_ in third.graded) == ["bob", "cy"]
    scores = {s: score for s, _, _, score, _ in course.table([A])}
    assert scores == {"ada": 12, "bob": 12, "cy": 12}
    assert "Score: 12.0 / 12.0" in fetched_feedback(course, "cy")


def test_sigterm_finishes_the_submission_in_progress_and_exits_cleanly(course):
    hand_in(course, "dan")
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.Popen([sys.executable, "-m", "autograder", "serve", A, "--course", str(course.root),
                             "--poll", "0.5", "--workers", "1"], env=env, cwd=paths.KIT_ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    status_file = course.root / "reports" / "service_status.json"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if json.loads(status_file.read_text()).get("in_flight") == [f"dan/{A}"]:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("the service never started grading dan's submission")
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    assert "SIGTERM" in out and "1 graded" in out
    assert {s: score for s, _, _, score, _ in course.table([A])}["dan"] == 12


def test_the_service_and_a_batch_grade_at_once_share_a_postgresql_gradebook(postgres_url, tmp_path):
    """`./run serve` grading what students submit while the instructor's `./run grade` grades what was
    collected, both writing to one PostgreSQL gradebook: every grade right, none counted twice."""
    course = new_course(tmp_path / "pg", db_url=postgres_url)
    mistake = next(v for v in variants.for_assignment(A) if v.name == "zero_padding_max")
    for student, wrong in (("eve", None), ("fay", mistake)):        # collected before: the batch's
        hand_in(course, student, mistake=wrong)
        course.nbgrader("collect", A, f"--student={student}", progress=lambda _: None)
    batch_ledger = {s: course.root / ".kit" / "graded" / A / f"{s}.json" for s in ("eve", "fay")}
    for student, wrong in (("ada", None), ("bob", mistake)):        # submitted now: the service's
        hand_in(course, student, mistake=wrong)
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1", "MPLBACKEND": "Agg"}
    batch = subprocess.Popen([sys.executable, "-m", "autograder", "grade", A, "--course", str(course.root),
                              "--workers", "1", "--no-progress"], env=env, cwd=paths.KIT_ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    service = serve(course)
    out, _ = batch.communicate(timeout=900)
    assert batch.returncode == 0, out
    assert {"ada", "bob"} <= {s.student for s, *_ in service.graded} and not service.failed
    assert all(path.exists() for path in batch_ledger.values())
    rows = course.table([A])
    scores = {student: score for student, _, _, score, _ in rows}
    assert len(rows) == 4 and scores["ada"] == scores["eve"] == 12
    assert scores["bob"] == scores["fay"] < 12                      # the same mistake, the same grade
    assert "Score: 12.0 / 12.0" in fetched_feedback(course, "ada")


def test_a_grading_lost_to_a_fault_of_the_machine_is_graded_again_not_blamed_on_the_student(course, monkeypatch):
    """A grading process that ended without a word (grading/task.py: not the submission's doing) is graded
    once more before the student is told anything; the ledger does not remember it against the submission."""
    from autograder import service as service_module
    from autograder.grading.task import Outcome, grade_task
    calls = []

    def lost_once(task):
        calls.append(task.student)
        if len(calls) == 1:
            return Outcome(task.assignment, task.student, task.digest, ok=False, machine_fault=True,
                           reason="the grading process ended (exit code -9) without a word in its log")
        return grade_task(task)
    monkeypatch.setattr(service_module, "grade_task", lost_once)
    hand_in(course, "gus")
    lines = []
    service = serve(course, log=lines.append)
    assert calls == ["gus", "gus"]
    assert any(line.startswith(f"[serve] gus {A}: the grading process ended") and "grading it again" in line
               for line in lines), lines
    assert [s.student for s, *_ in service.graded] == ["gus"] and not service.failed
    assert "Score: 12.0 / 12.0" in fetched_feedback(course, "gus")
