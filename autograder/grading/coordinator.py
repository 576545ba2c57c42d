"""Grade a whole class: fan submissions out to workers, record results in one place.

    submitted/<s>/<a>/  --Task (bytes)-->  worker: nbgrader autograde + feedback in a scratch course
                        <--Outcome------   coordinator: record() files + gradebook, ledger.mark()

Workers are threads on this machine (`workers=N`, each task runs nbgrader in its
own processes and sandboxes) or a Dask cluster (`scheduler="tcp://..."`). Results
are recorded by this process alone, as they arrive, so the gradebook sees one
writer and scores do not depend on the order or number of workers.
"""
import concurrent.futures
import contextlib
import math
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from .. import build, paths
from . import record as recording
from .ledger import Ledger, digest
from .task import Task, grade_task, read_tree

MAX_SUBMISSION_MB = float(os.environ.get("KIT_MAX_SUBMISSION_MB", "50"))


class GradingError(RuntimeError):
    pass


@dataclass
class ClassRun:
    graded: list = field(default_factory=list)      # Outcomes recorded
    skipped: list = field(default_factory=list)     # (assignment, student) already graded
    failed: dict = field(default_factory=dict)      # (assignment, student) -> reason

    @property
    def seconds_per_submission(self):
        return sum(o.seconds for o in self.graded) / len(self.graded) if self.graded else 0.0


def submission_files(course, assignment, student, source_dir):
    """The submitted files the worker needs: the ones autograde does not take from source/."""
    files = read_tree(course.root / "submitted" / student / assignment)
    provided = {p.relative_to(source_dir).as_posix() for p in Path(source_dir).rglob("*")
                if p.is_file() and p.suffix != ".ipynb"}
    files = {rel: data for rel, data in files.items() if rel not in provided}
    size = sum(map(len, files.values())) / 2**20
    if size > MAX_SUBMISSION_MB:
        raise GradingError(f"the submission is {size:.0f} MiB, over the {MAX_SUBMISSION_MB:g} MiB limit "
                           "(KIT_MAX_SUBMISSION_MB)")
    return files


def template_gradebook(course, assignment, course_id):
    """A SQLite gradebook with `assignment` (and the course gradebook's due date for it), as bytes."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url, course_id) as gb:
        duedate = gb.find_assignment(assignment).duedate
    with tempfile.TemporaryDirectory(prefix="kit-template-") as tmp:
        db = Path(tmp) / "template.db"
        build.nbgrader("generate_assignment", assignment, "--force", f"--CourseDirectory.root={tmp}",
                       f"--CourseDirectory.source_directory={paths.SOURCE}",
                       f"--CourseDirectory.db_url=sqlite:///{db}", f"--CourseDirectory.course_id={course_id}",
                       cwd=course.root)
        if duedate is not None:
            with Gradebook(f"sqlite:///{db}", course_id) as gb:
                gb.update_or_create_assignment(assignment, duedate=duedate)
        return db.read_bytes()


@contextlib.contextmanager
def executor(workers=None, scheduler=None):
    """concurrent.futures executor: local threads, or a Dask cluster's."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise GradingError("grading through Dask needs the `distributed` package") from None
        with Client(scheduler, timeout="30s") as client:
            # retries: a worker lost mid-task (killed, out of memory) gets the task again elsewhere
            yield client.get_executor(pure=False, retries=1)
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                   thread_name_prefix="grade") as pool:
            yield pool


def longest_first(tasks, ledger):
    """Tasks of the assignments that took longest to grade before go first (never graded: first of all).

    With N workers, a long submission started last keeps one worker busy while
    the others idle; started first, the short ones fill in around it.
    """
    typical = {a: ledger.typical_seconds(a) for a in {t.assignment for t in tasks}}
    return sorted(tasks, key=lambda t: -(math.inf if typical[t.assignment] is None else typical[t.assignment]))


def grade_class(course, assignments, *, workers=None, scheduler=None, regrade=False, progress=True, log=print):
    """Grade every collected submission of `assignments`; returns a ClassRun."""
    config = recording.load_config(course.root)
    course_id = config.CourseDirectory.course_id
    ledger, run = Ledger(course.root), ClassRun()
    tasks = []
    for a in assignments:
        students = course.students(a)
        if not students:
            continue
        if not recording.assignment_in_gradebook(course, a, course_id):
            raise GradingError(f"{a} is not in the gradebook: run `nbgrader generate_assignment {a}` first")
        source_dir = paths.SOURCE / a
        template = None
        for s in students:
            try:
                files = submission_files(course, a, s, source_dir)
            except (GradingError, OSError) as exc:
                run.failed[(a, s)] = str(exc)
                continue
            d = digest(files)
            if not regrade and ledger.is_done(a, s, d):
                run.skipped.append((a, s))
                continue
            template = template or template_gradebook(course, a, course_id)
            tasks.append(Task(a, s, files, template, d))
    if run.skipped:
        log(f"[grade] {len(run.skipped)} submission(s) already graded and unchanged: not graded again "
            "(--regrade to grade them anyway)")
    if not tasks:
        return run
    tasks = longest_first(tasks, ledger)
    where = f"Dask scheduler {scheduler}" if scheduler else f"{workers or os.cpu_count()} local worker(s)"
    log(f"[grade] {len(tasks)} submission(s) on {where}")
    bar = tqdm(total=len(tasks), unit="submission", desc="grading", disable=not progress, file=sys.stderr)
    with executor(workers, scheduler) as pool:
        futures = {pool.submit(grade_task, t): t for t in tasks}
        for future in concurrent.futures.as_completed(futures):
            task = futures[future]
            key = (task.assignment, task.student)
            try:
                outcome = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker costs one submission, not the run
                outcome = None
                run.failed[key] = f"the grading worker failed: {type(exc).__name__}: {exc}"[:300]
            if outcome is not None and not outcome.ok:
                run.failed[key] = outcome.reason
            elif outcome is not None:
                try:
                    recording.record(course, outcome, config, paths.SOURCE / task.assignment)
                    ledger.mark(outcome)
                    run.graded.append(outcome)
                except Exception as exc:  # noqa: BLE001 - report it; the others are recorded
                    run.failed[key] = f"could not record the grade: {type(exc).__name__}: {exc}"[:300]
            if key in run.failed:
                ledger.forget(*key)
                bar.write(f"  could not grade {task.student} ({task.assignment}): {run.failed[key]}")
            bar.update()
    bar.close()
    return run
