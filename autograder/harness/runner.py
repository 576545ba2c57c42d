"""Grade one answer module against an assignment's hidden graders.

The graders run in a trusted pytest process (`plugin.py`) that in turn starts an
untrusted process for the answer code. This module only starts that pytest
process with a wall-time bound, reads its JSON results and turns them into
points (`results.py`). Whatever goes wrong, every part gets a result: zero and a reason.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from . import sandbox, warm
from .answer_client import claim_ahead_server
from .pinned_env import PINNED_ENV
from .results import CheckResult, GradeResult, PartResult

RUN_TIMEOUT = 30 * 60        # safety bound for a whole assignment; parts have their own


def grading_env():
    """Environment for grading processes: deterministic, single-threaded, CPU only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHON"))}
    env.update(PINNED_ENV, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    env["PYTHONPATH"] = str(paths.KIT_ROOT)
    return env


def grade_source(assignment, answer_source, *, points=None, parts=None, timeout=RUN_TIMEOUT):
    """Run the hidden graders of `assignment` on `answer_source`; returns a GradeResult.

    `points` maps part -> the cell's points (default: from the source notebook);
    `parts` limits grading to some parts.
    """
    return grade_sources(assignment, [answer_source], points=points, parts=parts, timeout=timeout)[0]


def could_not_grade(assignment_name, points, why):
    """Zero on every part of `points` (part -> the cell's points), each saying why: the grading itself failed."""
    return GradeResult(assignment_name, {p: PartResult(p, pts, error=why) for p, pts in points.items()},
                       isolation=sandbox.isolation() or "none")


def grade_sources(assignment, answer_sources, *, points=None, parts=None, timeout=RUN_TIMEOUT):
    """One GradeResult per answer source, each graded on its own, in one pytest run.

    For the kit's own answers (`autograder check`'s buggy variants): one pytest
    start instead of one per answer. A failure of the run costs every answer.
    """
    return start_grading(assignment, answer_sources, points=points, parts=parts, timeout=timeout).results()


def start_grading(assignment, answer_sources, *, points=None, parts=None, timeout=RUN_TIMEOUT):
    """`grade_sources`, started: the graders run while the caller goes on; `.results()` waits for them.

    The graders' process is started here, in the calling thread (a fork must not
    happen while other threads of this process run).
    """
    sandboxed = sandbox.mode() != "off"
    if sandboxed and (reason := sandbox.check()):
        raise sandbox.SandboxUnavailable(
            f"grading refused: {reason}. Or set KIT_SANDBOX=off to grade without "
            "isolation (you accept the risk; every grade made so is marked in the report).")
    # the mechanism is chosen here, once, and passed down: what the report says is what the answer ran under
    isolation = sandbox.isolation() if sandboxed else "none"
    points = dict(points if points is not None else assignment.points())
    wanted = [p for p in (parts or points) if p in points]
    missing = [p for p in wanted if p not in assignment.parts]
    keys = ["answer"] if len(answer_sources) == 1 else [f"answer{i}" for i in range(len(answer_sources))]
    results = {}
    for key in keys:
        results[key] = {p: PartResult(p, points[p]) for p in wanted}
        for p in missing:
            results[key][p].error = "no graders for this part (tell your instructor)"
    targets = [str(assignment.graders_dir / f"test_{p}.py") for p in wanted if p not in missing]
    graders = GradersRun(assignment, dict(zip(keys, answer_sources)), targets, isolation, timeout) if targets else None
    return PendingGrades(assignment.name, results, graders, sandboxed, isolation or "none")


@dataclass
class PendingGrades:
    """Grades being made: `by_answer` ({answer key: {part: PartResult}}) is filled in by the graders' run."""
    assignment_name: str
    by_answer: dict
    graders: "GradersRun | None"      # None: no part had graders to run
    sandboxed: bool
    isolation: str

    def results(self):
        """Wait for the graders; one GradeResult per answer source, in order."""
        if self.graders is not None:
            self.graders.fill(self.by_answer)
            self.graders = None
        return [GradeResult(self.assignment_name, parts, self.sandboxed, self.isolation)
                for parts in self.by_answer.values()]

    def how_started(self):
        """For the log: whether the graders' pytest is a fork of this warm process or a new interpreter."""
        if self.graders is None:
            return "(none to run)"
        how = "forked from this warm process" if isinstance(self.graders.proc, ForkedChild) else "in a new interpreter"
        return f"({how}{'; its answer server started ahead' if self.graders.ahead else ''})"

    def cancel(self):
        if self.graders is not None:
            self.graders.stop()
            self.graders = None


class GradersRun:
    """One pytest run of the graders on some answers, in a scratch directory of its own.

    Forked from this process where it is warm (warm.py: pytest and torch imported
    in the pinned environment), else a new interpreter; the same command either way.
    """

    def __init__(self, assignment, sources, targets, isolation, timeout):
        self._scratch = tempfile.TemporaryDirectory(prefix=f"grade-{assignment.name}-")
        scratch = Path(self._scratch.name)
        # passable, not listable: without a mount namespace (Landlock mode) the answer's own uid must get
        # through to its directory; Landlock keeps it out of everything else in here
        os.chmod(scratch, 0o711)
        answer_args = []
        # one answer in a standby's process: the answer server it started ahead, if it may serve this answer
        ahead = claim_ahead_server(assignment.blocked_modules, isolation) if len(sources) == 1 else None
        self.ahead = ahead is not None
        for key, source in sources.items():
            # each answer in a directory of its own: its sandbox's
            answer = ahead.answer_dir / "answer.py" if ahead else scratch / key / "answer.py"
            answer.parent.mkdir(exist_ok=True)
            answer.write_text(source)
            if ahead:
                sandbox.grant(ahead.answer_dir)       # as the server's start would have, had it started now
            answer_args += ["--kit-answer", str(answer)]
        self.out = scratch / "results.json"
        args = ["-c", str(paths.GRADERS / "pytest.ini"), "--rootdir", str(paths.GRADERS),
                "-p", "autograder.harness.plugin", *answer_args, "--kit-results", str(self.out),
                "--kit-blocked", ",".join(assignment.blocked_modules),
                "--kit-sandbox", "off" if isolation == "none" else isolation, *targets]
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self._log = open(scratch / "pytest.log", "w+b")   # noqa: SIM115 - closed in stop()
        if warm.can_fork():
            import pytest
            self.proc = ForkedChild(warm.fork_call(lambda: pytest.main(args), cwd=scratch, env=grading_env(),
                                                   output_fd=self._log.fileno()))
        else:
            self.proc = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=scratch, env=grading_env(),
                                         stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)

    def fill(self, results):
        """Wait for the run; fill `results` ({answer key: {part: PartResult}}) from what it wrote."""
        try:
            failure, data = self._wait()
        finally:
            self.stop()
        if failure:
            for parts in results.values():
                for r in parts.values():
                    r.error = r.error or failure
            return
        for key, parts in results.items():
            for part, checks in data["answers"].get(key, {}).get("parts", {}).items():
                if part in parts:
                    parts[part].checks = [CheckResult.from_json(c) for c in checks]
            for r in parts.values():
                if not r.checks and not r.error:
                    r.error = "no checks ran for this part (tell your instructor)" + data["why_none_ran"]

    def _wait(self):
        """(why the run failed or "", its results)."""
        try:
            code = self.proc.wait(timeout=max(0.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return f"grading took longer than {self.timeout} s", None
        self._log.seek(0)
        said = self._log.read().decode(errors="replace").strip()[-800:]
        if not self.out.exists():
            return f"the grader stopped unexpectedly (exit {code}): {said}", None
        data = json.loads(self.out.read_text())
        # 2 and up: interrupted, internal or usage error
        data["why_none_ran"] = f" (pytest exit {code}: {said})" if code not in (0, 1) else ""
        return "", data

    def stop(self):
        """Kill the run if it still runs; remove its scratch directory."""
        if self._log.closed:
            return
        if getattr(self, "proc", None) is not None and self.proc.poll() is None:   # None: it never started
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        self._scratch.cleanup()

    def __del__(self):   # a run started for a notebook whose autograde failed before its grades were collected
        self.stop()


class ForkedChild:
    """The part of Popen's interface `GradersRun` uses, for a child made by `warm.fork_call`."""

    def __init__(self, pid):
        self.pid, self.returncode = pid, None

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() >= end:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
            time.sleep(0.02)
        return self.returncode

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
