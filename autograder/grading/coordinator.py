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
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm
from traitlets import Bool, Float, Integer, Unicode
from traitlets.config import Configurable

from .. import build
from . import record as recording
from .autograde_one import shorten
from .ledger import Ledger, digest
from .task import Task, grade_task, read_tree, warm_template


class ClassGrading(Configurable):
    """How a class is graded (`./run grade`, `./run serve`): `c.ClassGrading.<name>` in nbgrader_config.py;
    the command line's --workers/--scheduler win."""
    workers = Integer(None, allow_none=True, help="Submissions graded side by side on this machine "
                      "(None: one per core).").tag(config=True)
    scheduler = Unicode(None, allow_none=True, help="A Dask scheduler's address (\"tcp://host:8786\") to grade "
                        "on its cluster instead of this machine.").tag(config=True)
    task_timeout = Float(3600.0, help="Seconds one submission may take on a worker, notebook and hidden "
                         "graders together: a safety bound; the notebook's and the graders' own limits are "
                         "far lower.").tag(config=True)
    nice = Integer(10, min=0, max=19, help="CPU niceness of the gradings (0 to 19), their sessions included: "
                   "above 0, what students and the instructor do on this machine (notebooks, `nbgrader submit`) "
                   "goes first and the gradings take what is left. The graders' time limits do not count time "
                   "spent waiting for a CPU (harness/call_clock.py), so it costs no answer points; the notebook's "
                   "cell budgets are wall-clock (no points depend on them): on a machine kept saturated by other "
                   "work, set 0.").tag(config=True)
    answer_servers_ahead = Bool(True, help="Each warm worker's standbys (forked while none of its gradings "
                                "runs, each with the sandboxed kernel of the next submission started) also start "
                                "that submission's sandboxed answer server, numpy, torch and pyplot imported: its "
                                "hidden graders then start up to a second sooner. Off: each standby holds about "
                                "185 MiB less, and the server starts when the graders do.").tag(config=True)
    max_submission_mb = Float(50.0, help="The largest submission graded, in MiB of files other than those "
                              "nbgrader takes from source/; larger ones are reported, not graded.").tag(config=True)


class GradingError(RuntimeError):
    pass


@dataclass
class ClassRun:
    graded: list = field(default_factory=list)      # Outcomes recorded
    skipped: list = field(default_factory=list)     # (assignment, student) already graded
    failed: dict = field(default_factory=dict)      # (assignment, student) -> reason
    recording_seconds: float = 0.0                   # this process's time in settle(): one writer, so a bound

    @property
    def seconds_per_submission(self):
        return sum(o.seconds for o in self.graded) / len(self.graded) if self.graded else 0.0


def submission_files(course, assignment, student):
    """The submitted files the worker needs: all but those autograde puts back from source/."""
    files = read_tree(course.directory("submitted", student, assignment),
                      leave_out=course.files_from_source(assignment))
    size = sum(map(len, files.values())) / 2**20
    limit = ClassGrading(config=course.config).max_submission_mb
    if size > limit:
        raise GradingError(f"the submission is {size:.0f} MiB, over the {limit:g} MiB limit "
                           "(c.ClassGrading.max_submission_mb)")
    return files


def new_task(course, assignment, student, files, template_db, feedback=True):
    """The Task of one collected submission, with the course's time bound."""
    settings = ClassGrading(config=course.config)
    return Task(assignment, student, files, template_db, digest(files),
                timeout=settings.task_timeout, feedback=feedback, nice=settings.nice,
                answer_server_ahead=settings.answer_servers_ahead)


def template_gradebooks(course, assignments):
    """({assignment: SQLite gradebook holding it, with the course gradebook's due date, as bytes}, {assignment:
    why it could not be made}): made by nbgrader's generate_assignment in one process (template_gradebooks.py)."""
    from nbgrader.api import Gradebook, MissingEntry
    if not assignments:
        return {}, {}
    with tempfile.TemporaryDirectory(prefix="kit-templates-") as tmp:
        proc = subprocess.run([sys.executable, "-m", "autograder.grading.template_gradebooks", str(course.root), tmp,
                               *assignments], cwd=course.root, env=build.tool_env(), capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        try:
            failed = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            why = (proc.stdout + proc.stderr)[-3000:] or f"exit code {proc.returncode}"
            return {}, {a: f"the template gradebooks could not be made:\n{why}" for a in assignments}
        made = {}
        with Gradebook(course.db_url, course.coursedir.course_id) as gb:
            for a in assignments:
                if a in failed:
                    continue
                db = Path(tmp) / f"{a}.db"
                try:
                    duedate = gb.find_assignment(a).duedate
                except MissingEntry:
                    duedate = None
                if duedate is not None:
                    with Gradebook(f"sqlite:///{db}", course.coursedir.course_id) as template:
                        template.update_or_create_assignment(a, duedate=duedate)
                made[a] = db.read_bytes()
        return made, failed


def template_gradebook(course, assignment):
    """The template gradebook of one assignment (see template_gradebooks); BuildError if it cannot be made."""
    made, failed = template_gradebooks(course, [assignment])
    if assignment not in made:
        raise build.BuildError(f"the template gradebook of {assignment} could not be made:\n{failed[assignment]}")
    return made[assignment]


@contextlib.contextmanager
def executor(workers=None, scheduler=None):
    """concurrent.futures executor: local threads, or a Dask cluster's. As it opens, each worker starts its warm
    template process (task.warm_template), so that starts while the caller makes the template gradebooks."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise GradingError("grading through Dask needs the `distributed` package") from None
        with Client(scheduler, timeout="30s") as client:
            # one per worker, kept referenced (Dask forgets a task whose future is dropped); the gradings queue
            # behind it on that worker
            warming = [client.submit(warm_template, workers=[address], allow_other_workers=False, pure=False)
                       for address in client.scheduler_info()["workers"]]
            # retries: a worker lost mid-task (killed, out of memory) gets the task again elsewhere
            yield client.get_executor(pure=False, retries=1)
            client.cancel(warming)      # long done: let Dask forget them
    else:
        warm_local_template()
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1,
                                                   thread_name_prefix="grade") as pool:
            yield pool


def warm_local_template():
    """Start this process's warm template (task.warm_template) in a thread; the thread, to join if need be."""
    thread = threading.Thread(target=warm_template, name="warm-template", daemon=True)
    thread.start()
    return thread


def longest_first(tasks, ledger):
    """Tasks of the assignments that took longest to grade before go first (never graded: first of all).

    With N workers, a long submission started last keeps one worker busy while
    the others idle; started first, the short ones fill in around it.
    """
    typical = {a: ledger.typical_seconds(a) for a in {t.assignment for t in tasks}}
    return sorted(tasks, key=lambda t: -(math.inf if typical[t.assignment] is None else typical[t.assignment]))


def grade_class(course, assignments, *, workers=None, scheduler=None, regrade=False, progress=True, log=print):
    """Grade every collected submission of `assignments`; returns a ClassRun.

    Each submission is graded by nbgrader in its own scratch course, on local workers or a Dask cluster
    (`workers`, `scheduler`: else the course's c.ClassGrading), and recorded here; one broken submission
    is reported and the others go on.
    """
    settings = ClassGrading(config=course.config)
    workers, scheduler = workers or settings.workers, scheduler or settings.scheduler
    ledger, run = Ledger(course.root), ClassRun()
    wanted = submissions_to_grade(course, assignments, ledger, run, regrade)
    if run.skipped:
        log(f"[grade] {len(run.skipped)} submission(s) already graded and unchanged: not graded again "
            "(--regrade to grade them anyway)")
    if not wanted:
        return run
    where = f"Dask scheduler {scheduler}" if scheduler else f"{workers or os.cpu_count()} local worker(s)"
    log(f"[grade] {len(wanted)} submission(s) on {where}")
    regraded = set()        # (assignment, student) graded once more after a fault of the machine
    with executor(workers, scheduler) as pool:
        tasks = new_tasks(course, wanted, run, log)
        bar = tqdm(total=len(tasks), unit="submission", desc="grading", disable=not progress, file=sys.stderr)
        pending = {pool.submit(grade_task, t): t for t in longest_first(tasks, ledger)}
        while pending:
            done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                task = pending.pop(future)
                key = (task.assignment, task.student)
                started = time.perf_counter()
                outcome, reason = settle(course, ledger, key, future)
                run.recording_seconds += time.perf_counter() - started
                if lost_to_the_machine(outcome) and key not in regraded:
                    regraded.add(key)       # once more before it counts as failed
                    bar.write(f"  {task.student} ({task.assignment}): {reason}; grading it again")
                    pending[pool.submit(grade_task, task)] = task
                    continue
                if reason is None:
                    run.graded.append(outcome)
                else:
                    run.failed[key] = reason
                    bar.write(f"  could not grade {task.student} ({task.assignment}): {reason}")
                bar.update()
    bar.close()
    return run


def submissions_to_grade(course, assignments, ledger, run, regrade=False):
    """[(assignment, student, files)] of the collected submissions not graded yet (all with `regrade`); the
    others go into `run`."""
    wanted = []
    for a in assignments:
        students = course.students(a)
        if not students:
            continue
        if not recording.assignment_in_gradebook(course, a):
            raise GradingError(f"{a} is not in the gradebook: run `nbgrader generate_assignment {a}` first")
        for s in students:
            try:
                files = submission_files(course, a, s)
            except (GradingError, OSError) as exc:
                run.failed[(a, s)] = str(exc)
                continue
            if not regrade and ledger.is_done(a, s, digest(files)):
                run.skipped.append((a, s))
                continue
            wanted.append((a, s, files))
    return wanted


def new_tasks(course, wanted, run, log=print):
    """The Tasks of `wanted` (submissions_to_grade), with their assignments' template gradebooks; a submission
    whose assignment has none goes into `run.failed`."""
    templates, not_made = template_gradebooks(course, sorted({a for a, _, _ in wanted}))
    for a, why in not_made.items():
        log(f"[grade] {a}: its template gradebook could not be made from its source:\n{why.strip()}")
    tasks = []
    for a, s, files in wanted:
        if a in templates:
            tasks.append(new_task(course, a, s, files, templates[a]))
        else:       # the assignment's source, not the submission: said for each, graded once it is mended
            run.failed[(a, s)] = (f"the template gradebook of {a} could not be made from its source (`nbgrader "
                                  f"generate_assignment {a}` says why)")
    return tasks


def lost_to_the_machine(outcome):
    """A settled grading that failed through no fault of its submission (Outcome.machine_fault): batch
    grading and the service grade such a submission once more before it counts as one that could not be."""
    return outcome is not None and outcome.machine_fault


def settle(course, ledger, key, future):
    """Record the graded submission `key` = (assignment, student) a worker's `future` holds.

    Returns (Outcome, None) once it is in the gradebook and the ledger, else (Outcome or None, why not):
    a submission that could not be graded for what it is is remembered as such (`Ledger.could_not_grade`);
    one lost to the worker or the recording is forgotten, to be graded again.
    """
    try:
        outcome = future.result()
    except Exception as exc:  # noqa: BLE001 - a lost worker costs one submission, not the run
        ledger.forget(*key)
        return None, shorten(f"the grading worker failed: {type(exc).__name__}: {exc}")
    if not outcome.ok:
        ledger.forget(*key)
        if not outcome.machine_fault:       # the machine's fault is not remembered against the submission
            ledger.mark_could_not_grade(outcome)
        return outcome, outcome.reason
    try:
        recording.record(course, outcome)
        ledger.mark(outcome)
    except Exception as exc:  # noqa: BLE001 - report it; the others are recorded
        ledger.forget(*key)
        return outcome, shorten(f"could not record the grade: {type(exc).__name__}: {exc}")
    return outcome, None
