"""One submission graded where a worker runs: the unit of work of class grading.

A `Task` carries everything needed to grade one student's assignment: the
submitted files themselves and a template gradebook with the assignment in it.
`grade_task` runs nbgrader's autograde and generate_feedback (`autograde_one`) for
that one student in a private scratch course (its own SQLite gradebook, its own
sandboxes), in a fork of this process's warm template process (nbgrader, pytest
and torch already imported: harness/template_process.py), and returns the graded
notebooks and the feedback as bytes. Nothing goes through a shared disk, so the
same function serves a thread on this machine and a Dask worker on another; only
the coordinator writes to the course.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .. import build
from ..course import Course
from ..harness import proctree
from ..harness.answer_client import AHEAD_VAR
from ..harness.parent_death import die_with_parent
from ..harness.priority import NICE_VAR, lower_priority
from ..harness.template_process import TemplateProcess, TemplateUnavailable
from .autograde_one import NO_FEEDBACK, failure_reason

LOG_CHARS = 20_000       # of nbgrader's log kept in an Outcome (its end: where a failure is said)


@dataclass
class Task:
    assignment: str
    student: str
    files: dict              # relative path -> bytes: the submission, minus `Course.files_from_source`
    template_db: bytes       # SQLite gradebook holding the assignment (with its due date)
    digest: str              # of the submitted files: what the ledger remembers as graded
    timeout: float = 3600.0  # seconds for the whole submission (c.ClassGrading.task_timeout)
    feedback: bool = True    # make the feedback here (the service makes it after recording, provisional or not)
    warm: bool = True        # fork the grading from a warm template process (template_process.py)
    nice: int = 0            # its CPU niceness (c.ClassGrading.nice; harness/priority.py)
    answer_server_ahead: bool = True   # standbys start its answer server too (c.ClassGrading.answer_servers_ahead)


@dataclass
class Outcome:
    assignment: str
    student: str
    digest: str
    ok: bool
    reason: str = ""                                  # why it could not be graded
    machine_fault: bool = False                       # ... and not for what it is: worth grading again
    autograded: dict = field(default_factory=dict)    # relative path -> bytes
    feedback: dict = field(default_factory=dict)      # relative path -> bytes
    seconds: float = 0.0
    log: str = ""                                     # the end of nbgrader's log (LOG_CHARS): why, and how it went
    largest_process_mb: float = 0.0                   # the largest process of the grading tree (PSS, sampled)
    peak_memory_mb: float = 0.0                       # all its processes together (PSS, sampled)
    worker: str = ""


def grade_task(task):
    """Grade one submission in a scratch course; never raises for a bad submission."""
    timeout = task.timeout
    start = time.monotonic()
    outcome = Outcome(task.assignment, task.student, task.digest, ok=False,
                      worker=f"{socket.gethostname()}:{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix=f"kit-grade-{task.assignment}-") as tmp:
        course = Course(Path(tmp) / "course").create()
        db = course.root / "gradebook.db"
        db.write_bytes(task.template_db)
        submitted = course.directory("submitted", task.student, task.assignment)
        for rel, data in task.files.items():
            target = submitted / safe_relative(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        env = {**build.tool_env(), NICE_VAR: str(task.nice), AHEAD_VAR: str(int(task.answer_server_ahead))}
        # nbgrader autograde + generate_feedback in one process, forked from the warm template where there is one
        code, log, largest, total = run_measured(
            [sys.executable, "-m", "autograder.grading.autograde_one", task.assignment, task.student,
             *([] if task.feedback else [NO_FEEDBACK])],
            course.root, env, timeout - (time.monotonic() - start),
            template=TemplateProcess.shared(env) if task.warm else None, standby=True)
        if code != 0:
            if code is None:
                outcome.reason = f"grading took longer than {timeout} s"
            elif log.strip():
                outcome.reason = failure_reason(log)
            else:       # nbgrader always says why it failed: a process that said nothing was lost to the machine
                outcome.machine_fault = True
                outcome.reason = (f"the grading process ended (exit code {code}) without a word in its log: a "
                                  "fault of the grading machine, not of the submission")
        else:
            outcome.autograded = read_tree(course.directory("autograded", task.student, task.assignment),
                                           leave_out=course.files_from_source(task.assignment))
            outcome.feedback = read_tree(course.directory("feedback", task.student, task.assignment))
            outcome.ok = True
    outcome.seconds = time.monotonic() - start
    outcome.log = log[-LOG_CHARS:]
    outcome.largest_process_mb = largest
    outcome.peak_memory_mb = total
    return outcome


def warm_template():
    """Start this worker process's warm template process ahead of its first grading (TemplateProcess.shared:
    about as long as importing nbgrader, pytest and torch); whether it runs."""
    return TemplateProcess.shared(build.tool_env()) is not None


def safe_relative(rel):
    """A submission's relative path, refused if it could leave the submission folder."""
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"unsafe path in a submission: {rel!r}")
    return Path(*path.parts)


def read_tree(root, leave_out=()):
    """{relative path: bytes} of the regular files under root (symlinks are not followed), but the relative
    paths in `leave_out` (the files nbgrader put there from source/: the coordinator has them)."""
    files = {}
    root = Path(root)
    if not root.is_dir():
        return files
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".ipynb_checkpoints")]
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if rel not in leave_out:
                files[rel] = path.read_bytes()
    return files


def run_measured(cmd, cwd, env, timeout, template=None, standby=False):
    """Run cmd in its own session; (exit code or None on timeout, output, peak MiB: largest, all).

    `template`: a TemplateProcess to fork cmd from (a `python -m` module), else a new interpreter runs it;
    `standby`: from a standby fork of it that started its kernel ahead (template_process.py).

    Peak memory is given twice, both from the same samples of /proc taken twice a
    second: the largest single process and the summed PSS of the whole process
    tree (kernel, graders, sandboxes); the second is what one worker needs. (Not
    rusage's ru_maxrss: Linux carries a process's high-water mark across fork and
    exec, so the child of a large coordinator would report the coordinator's size.)

    The child dies with this thread's process (or its template's), and on timeout
    its whole session is killed, kernels and graders included.
    """
    with tempfile.TemporaryFile() as out:
        pid, wait = _start(cmd, cwd, env, out, template, standby)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(max(timeout, 1), kill)
        timer.start()
        sampler = TreeMemory(pid)
        sampler.start()
        try:
            code = wait()
        finally:
            timer.cancel()
            sampler.stop()
        try:   # whatever the session left behind goes with it
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        out.seek(0)
        log = out.read().decode(errors="replace")
    return (None if timed_out.is_set() else code), log, sampler.largest_mb, sampler.peak_mb


def _start(cmd, cwd, env, out, template, standby):
    """(pid, wait() -> exit code) of cmd started in a session of its own, output to `out`."""
    if template is not None:
        try:
            return template.spawn(cmd, cwd, env, out.fileno(), standby=standby)
        except TemplateUnavailable:
            pass      # a new interpreter does the same, slower

    def in_child():
        die_with_parent()
        lower_priority(env)
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=in_child)
    return proc.pid, proc.wait


class TreeMemory(threading.Thread):
    """Peak memory of a process and all its descendants, sampled from /proc.

    `peak_mb`: the largest sum over the tree; `largest_mb`: the largest single process.
    """

    def __init__(self, root_pid, interval=0.5):
        super().__init__(daemon=True)
        self.root_pid, self.interval = root_pid, interval
        self.peak_mb = self.largest_mb = 0.0
        self._stopped = threading.Event()

    def run(self):
        while not self._stopped.wait(self.interval):
            sizes = proctree.memory_by_process(self.root_pid).values()
            self.peak_mb = max(self.peak_mb, sum(sizes))
            self.largest_mb = max(self.largest_mb, max(sizes, default=0.0))

    def stop(self):
        self._stopped.set()
        self.join()
