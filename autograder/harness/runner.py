"""Grade one answer module against an assignment's hidden graders.

The graders run in a trusted pytest process (`plugin.py`) that in turn starts an
untrusted process for the answer code. This module only starts that pytest
process with a wall-time bound, reads its JSON results and turns them into
points. Whatever goes wrong, every part gets a result: zero and a reason.
"""
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths
from . import sandbox
from .pinned_env import PINNED_ENV

RUN_TIMEOUT = 30 * 60        # safety bound for a whole assignment; parts have their own


@dataclass
class PartResult:
    part: str
    max_points: float
    checks: list = field(default_factory=list)     # dicts: check, title, passed, message
    error: str = ""

    @property
    def passed(self):
        return sum(c["passed"] for c in self.checks)

    @staticmethod
    def weight(check):
        return check.get("weight", 1.0)     # results written before checks had weights weigh 1

    @property
    def points(self):
        if self.error or not self.checks:
            return 0.0
        earned = sum(self.weight(c) for c in self.checks if c["passed"])
        total = sum(self.weight(c) for c in self.checks)
        # floor to the cent so that rounding never exceeds the cell's points
        return int(self.max_points * earned / total * 100 + 1e-9) / 100

    def worth(self, check):
        """The points one check carries in this part."""
        return self.max_points * self.weight(check) / sum(self.weight(c) for c in self.checks)

    def report(self):
        head = f"{self.part}: {self.points:g} / {self.max_points:g} points"
        if self.error:
            return f"{head}\n  could not be graded: {self.error}"
        lines = [f"{head} ({self.passed} of {len(self.checks)} checks passed)"]
        failed = [c for c in self.checks if not c["passed"]]
        if len(failed) > 2 and len({c["message"] for c in failed}) == 1:
            # one cause (not written yet, a crash at import...): say it once
            lines.append(f"  {len(failed)} checks failed for the same reason: {failed[0]['message']}")
            return "\n".join(lines)
        for c in failed:
            message = c["message"].replace("\n", "\n      ")
            lines.append(f"  FAILED ({self.worth(c):.2g} points) {c['title']}\n      {message}")
        return "\n".join(lines)


@dataclass
class GradeResult:
    assignment: str
    parts: dict            # part -> PartResult
    sandboxed: bool = True
    # what the answer ran under: 'bubblewrap', 'landlock+seccomp', 'landlock' or 'none' (sandbox.isolation());
    # left empty, what this machine uses now ('none' when not sandboxed)
    isolation: str = ""

    def __post_init__(self):
        if not self.isolation:
            self.isolation = (sandbox.isolation() or "none") if self.sandboxed else "none"

    @property
    def points(self):
        return sum(p.points for p in self.parts.values())

    @property
    def max_points(self):
        return sum(p.max_points for p in self.parts.values())

    def report(self):
        body = "\n".join(p.report() for p in self.parts.values())
        if not self.sandboxed or self.isolation == "none":
            note = " (graded WITHOUT the sandbox: KIT_SANDBOX=off)"
        elif self.isolation == "bubblewrap":
            note = ""
        elif self.isolation == "landlock":
            note = " (isolation: landlock only, without namespaces or seccomp: ./run doctor says why)"
        else:
            note = f" (isolation: {self.isolation}, without namespaces)"
        return f"{self.assignment}: {self.points:g} / {self.max_points:g} points{note}\n{body}"

    def to_json(self):
        return {"assignment": self.assignment, "points": self.points, "max_points": self.max_points,
                "sandboxed": self.sandboxed, "isolation": self.isolation,
                "parts": {k: {"points": p.points, "max_points": p.max_points, "error": p.error,
                              "checks": p.checks} for k, p in self.parts.items()}}


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


def grade_sources(assignment, answer_sources, *, points=None, parts=None, timeout=RUN_TIMEOUT):
    """One GradeResult per answer source, each graded on its own, in one pytest run.

    For the kit's own answers (`autograder check`'s buggy variants): one pytest
    start instead of one per answer. A failure of the run costs every answer.
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
    if targets:
        _run_graders(assignment, dict(zip(keys, answer_sources)), targets, results, isolation, timeout)
    return [GradeResult(assignment.name, results[key], sandboxed, isolation) for key in keys]


def _run_graders(assignment, sources, targets, results, isolation, timeout):
    """Fill `results` ({answer key: {part: PartResult}}) from one pytest run of the graders."""
    with tempfile.TemporaryDirectory(prefix=f"grade-{assignment.name}-") as scratch:
        scratch = Path(scratch)
        # passable, not listable: without a mount namespace (Landlock mode) the answer's own uid must get
        # through to its directory; Landlock keeps it out of everything else in here
        os.chmod(scratch, 0o711)
        answer_args = []
        for key, source in sources.items():
            answer = scratch / key / "answer.py"     # each answer in a directory of its own: its sandbox's
            answer.parent.mkdir()
            answer.write_text(source)
            answer_args += ["--kit-answer", str(answer)]
        out = scratch / "results.json"
        cmd = [sys.executable, "-m", "pytest", "-c", str(paths.GRADERS / "pytest.ini"),
               "--rootdir", str(paths.GRADERS), "-p", "autograder.harness.plugin",
               *answer_args, "--kit-results", str(out),
               "--kit-blocked", ",".join(assignment.blocked_modules),
               "--kit-sandbox", "off" if isolation == "none" else isolation, *targets]
        why_none_ran = ""
        try:
            proc = subprocess.run(cmd, cwd=scratch, env=grading_env(), timeout=timeout,
                                  stdin=subprocess.DEVNULL, capture_output=True, text=True)
            said = (proc.stdout + proc.stderr).strip()[-800:]
            failure = "" if out.exists() else f"the grader stopped unexpectedly (exit {proc.returncode}): {said}"
            if proc.returncode not in (0, 1):       # 2 and up: interrupted, internal or usage error
                why_none_ran = f" (pytest exit {proc.returncode}: {said})"
        except subprocess.TimeoutExpired:
            failure = f"grading took longer than {timeout} s"
        if failure:
            for parts in results.values():
                for r in parts.values():
                    r.error = r.error or failure
            return
        data = json.loads(out.read_text())["answers"]
    for key, parts in results.items():
        for part, checks in data.get(key, {}).get("parts", {}).items():
            if part in parts:
                parts[part].checks = checks
        for r in parts.values():
            if not r.checks and not r.error:
                r.error = "no checks ran for this part (tell your instructor)" + why_none_ran
