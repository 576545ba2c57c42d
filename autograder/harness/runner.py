"""Grade one answer module against an assignment's hidden graders.

The graders run in a trusted pytest process (`plugin.py`) that in turn starts an
untrusted process for the answer code. This module only starts that pytest
process with a wall-time bound, reads its JSON results and turns them into
points (`results.py`). Whatever goes wrong, every part gets a result: zero and a reason.
"""
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import paths
from . import sandbox
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
    return [GradeResult(assignment.name, results[key], sandboxed, isolation or "none") for key in keys]


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
                parts[part].checks = [CheckResult.from_json(c) for c in checks]
        for r in parts.values():
            if not r.checks and not r.error:
                r.error = "no checks ran for this part (tell your instructor)" + why_none_ran
