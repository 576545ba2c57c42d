"""pytest plugin that runs the hidden graders against one answer file.

Loaded by `runner.py` in a trusted pytest process (`-p autograder.harness.plugin`).
It provides the `student` fixture (one answer process per graded part, i.e. per
test module, forked from one server per submission) and records every check's
outcome with a student-facing message.
"""
import json
from pathlib import Path

import pytest

from .checks import CheckFailed
from .forkserver import AnswerForkServer
from .sandbox import Limits
from .student import StudentError, StudentModule, StudentProcess


def pytest_addoption(parser):
    group = parser.getgroup("kit", "pooling kit grading harness")
    group.addoption("--kit-answer", help="the answer module (a .py file) to grade")
    group.addoption("--kit-blocked", default="", help="comma-separated modules the answer may not import")
    group.addoption("--kit-results", help="where to write the JSON results")
    group.addoption("--kit-sandbox", default="on", choices=("on", "off"),
                    help="run the answer in the bubblewrap sandbox (off: the instructor accepted the risk)")


def part_of(item):
    return Path(str(item.fspath)).stem.removeprefix("test_")


@pytest.fixture(scope="session")
def answer_server(request):
    """The sandboxed fork server of the answer: torch imported once per submission."""
    config = request.config
    answer = Path(config.getoption("--kit-answer"))
    server = AnswerForkServer(answer.parent, blocked_modules=[m for m in config.getoption("--kit-blocked").split(",") if m],
                              sandboxed=config.getoption("--kit-sandbox") == "on")
    yield server
    server.close()


@pytest.fixture(scope="module")
def student(request, answer_server):
    """The answer as the graders of one part see it: a fresh process, forked for this part."""
    answer = Path(request.config.getoption("--kit-answer"))
    module = StudentModule(StudentProcess(answer, server=answer_server), answer.read_text())
    yield module
    module.close()


def student_message(excinfo):
    """What the student reads when a check fails."""
    exc = excinfo.value
    if isinstance(exc, (CheckFailed, StudentError)):
        return str(exc)
    student_type = getattr(exc, "student_type", None)
    if student_type is not None:
        # the last source line of the student's traceback (not Python 3.11's ^^^ markers)
        where = [w.strip() for w in getattr(exc, "student_where", "").splitlines()
                 if w.strip() and not set(w.strip()) <= set("^~") and not w.strip().startswith("File ")]
        line = f" (at: {where[-1]})" if where else ""
        if student_type == "NotImplementedError":
            return "not written yet: your code still raises NotImplementedError"
        if student_type == "MemoryError":
            return f"your code ran out of memory (the limit is {Limits().describe()}){line}"
        message = f": {exc}" if str(exc) else ""
        return f"your code raised {student_type}{message}{line}"
    if isinstance(exc, pytest.fail.Exception):
        return str(exc)
    # an unexpected error in the grader while handling the student's output
    return f"your code's output could not be checked ({type(exc).__name__}: {str(exc)[:200]})"


class Recorder:
    def __init__(self, path):
        self.path = path
        self.checks = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        key = (str(item.path), item.nodeid)
        if report.when == "setup" or key not in self.checks:
            doc = (item.function.__doc__ or "").strip().splitlines()
            self.checks[key] = {"part": part_of(item), "check": item.name,
                                "title": doc[0] if doc else item.name.replace("_", " "),
                                "passed": True, "message": ""}
        entry = self.checks[key]
        if report.failed and entry["passed"]:
            entry["passed"] = False
            entry["message"] = student_message(call.excinfo) if call.excinfo else "failed"
        if report.skipped and report.when in ("setup", "call"):
            entry["passed"] = False
            entry["message"] = "skipped"

    def pytest_sessionfinish(self, session):
        parts = {}
        for entry in self.checks.values():
            parts.setdefault(entry["part"], []).append(entry)
        Path(self.path).write_text(json.dumps({"parts": parts}, indent=1))


def pytest_configure(config):
    results = config.getoption("--kit-results")
    if results:
        config.pluginmanager.register(Recorder(results), "kit-recorder")
