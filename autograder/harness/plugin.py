"""pytest plugin that runs the hidden graders against one answer file (or a batch).

Loaded by `runner.py` in a trusted pytest process (`-p autograder.harness.plugin`).
It provides the `student` fixture (one answer process per graded part, i.e. per
test module, forked from one server per submission) and records every check's
outcome with a student-facing message.

A batch (`--kit-answer` given several times) grades each answer on its own, in
its own sandbox, as if it were graded alone: `student` is parametrized over the
answers at module scope, so pytest runs a part's checks for one answer, then for
the next. Batches spare `autograder check` one pytest start per buggy variant;
students' submissions are never batched together.
"""
import json
from pathlib import Path

import pytest

from .checks import CheckFailed
from .answer_client import AnswerForkServer, claimed_server, preload_for
from .results import NOT_WRITTEN, CheckResult
from .sandbox import MECHANISMS, Limits
from .student import HangBudget, StudentError, StudentModule, StudentProcess


def pytest_addoption(parser):
    group = parser.getgroup("kit", "pooling kit grading harness")
    group.addoption("--kit-answer", action="append", default=[],
                    help="the answer module (answer.py in a directory of its own) to grade; repeat for a batch")
    group.addoption("--kit-blocked", default="", help="comma-separated modules the answer may not import")
    group.addoption("--kit-results", help="where to write the JSON results")
    group.addoption("--kit-sandbox", default="on", choices=("on", "off", *MECHANISMS),
                    help="the answer's sandbox: on (what KIT_SANDBOX picks here), a mechanism (bubblewrap, "
                         "landlock+seccomp, landlock: what the runner chose and records), or off (the instructor "
                         "accepted the risk)")


def part_of(item):
    return Path(str(item.fspath)).stem.removeprefix("test_")


def answers(config):
    return [Path(a) for a in config.getoption("--kit-answer")]


def answer_key(answer):
    """How results name an answer: its directory's name."""
    return answer.parent.name


def pytest_generate_tests(metafunc):
    batch = answers(metafunc.config)
    if len(batch) > 1 and "kit_answer" in metafunc.fixturenames:
        metafunc.parametrize("kit_answer", batch, ids=[answer_key(a) for a in batch], indirect=True, scope="module")


@pytest.fixture(scope="module")
def kit_answer(request):
    """The answer file graded here: the only one, or this module's share of a batch."""
    return getattr(request, "param", None) or answers(request.config)[0]


class OneServerAtATime:
    """The sandboxed fork server of the answer being graded (torch imported once per answer).

    Starting the next answer's server closes the previous one: a batch holds one
    answer's processes at a time.
    """

    def __init__(self, config):
        self.blocked = [m for m in config.getoption("--kit-blocked").split(",") if m]
        chosen = config.getoption("--kit-sandbox")
        # True: KIT_SANDBOX decides in the server; a mechanism's name: exactly that one (never a silent other)
        self.sandboxed = {"on": True, "off": False}.get(chosen, chosen)
        self.answer, self.server = None, None

    def for_answer(self, answer):
        if answer != self.answer:
            self.close()
            self.answer = answer
            # started ahead of the answer by this run's standby (answer_client.claim_ahead_server), or now
            self.server = claimed_server(answer.parent) or AnswerForkServer(
                answer.parent, blocked_modules=self.blocked, sandboxed=self.sandboxed,
                log_path=answer.parent.parent / f"{answer_key(answer)}.log", preload=preload_for(answer.read_text()))
            self.budget = HangBudget()      # what time-outs may cost this answer, over all its parts
        return self.server

    def close(self):
        if self.server is not None:
            self.server.close()
        self.answer, self.server = None, None


@pytest.fixture(scope="session")
def answer_servers(request):
    servers = OneServerAtATime(request.config)
    yield servers
    servers.close()


@pytest.fixture(scope="module")
def student(kit_answer, answer_servers):
    """The answer as the graders of one part see it: a fresh process, forked for this part."""
    server = answer_servers.for_answer(kit_answer)
    module = StudentModule(StudentProcess(kit_answer, server=server, budget=answer_servers.budget),
                           kit_answer.read_text())
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
            return NOT_WRITTEN
        if student_type == "MemoryError":
            return f"your code ran out of memory (the limit is {Limits().describe()}){line}"
        message = f": {exc}" if str(exc) else ""
        return f"your code raised {student_type}{message}{line}"
    if isinstance(exc, pytest.fail.Exception):
        return str(exc)
    # an unexpected error in the grader while handling the student's output
    return f"your code's output could not be checked ({type(exc).__name__}: {str(exc)[:200]})"


def check_weight(item):
    """How much a check counts in its part: `@pytest.mark.weight(w)` on it, 1 without."""
    marker = item.get_closest_marker("weight")
    if marker is None:
        return 1.0
    weight = float(marker.args[0])
    if not weight > 0:
        raise ValueError(f"{item.nodeid}: a check's weight must be above 0, not {marker.args[0]!r}")
    return weight


def check_needs(item):
    """The checks (test function names, same part) this check counts only with: `@pytest.mark.needs(...)`.

    For hygiene and structure checks: "the input is unchanged" or "one panel per channel" proves nothing
    about a function that computes nothing, so such a check passes only when the check of what the
    function is for passes too.
    """
    marker = item.get_closest_marker("needs")
    return list(marker.args) if marker else []


def apply_needs(checks):
    """A passed check whose needed checks did not all pass becomes failed, and says which one it waits for."""
    by_name = {c.check: c for c in checks}
    changed = True
    while changed:              # until stable, should a needed check need another
        changed = False
        for c in checks:
            missing = [by_name[n].title if n in by_name else n for n in c.needs
                       if not (n in by_name and by_name[n].passed)]
            if c.passed and missing:
                c.fail(f"this counts only when \"{missing[0]}\" passes too, and it did not (see that check)")
                changed = True


class Recorder:
    """Every check's CheckResult, written as JSON when the session ends (runner.py reads it back)."""

    def __init__(self, path):
        self.path = path
        self.checks = {}        # (module path, node id) -> (answer key, part, CheckResult)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        key = (str(item.path), item.nodeid)
        if report.when == "setup" or key not in self.checks:
            doc = (item.function.__doc__ or "").strip().splitlines()
            callspec = getattr(item, "callspec", None)
            if callspec is not None and "kit_answer" in callspec.params:
                # in a batch, "test_x[answer3]" is check test_x of answer3 (graders are not parametrized)
                answer, check = callspec.params["kit_answer"], item.originalname
            else:
                answer, check = answers(item.config)[0], item.name
            self.checks[key] = (answer_key(answer), part_of(item), CheckResult(
                check, doc[0] if doc else check.replace("_", " "), check_weight(item), check_needs(item)))
        result = self.checks[key][2]
        if report.failed and result.passed:
            result.fail(student_message(call.excinfo) if call.excinfo else "failed")
        if report.skipped and report.when in ("setup", "call"):
            result.fail("skipped")

    def pytest_sessionfinish(self, session):
        """{"answers": {answer: {"parts": {part: [CheckResult.to_json(), ...]}}}}"""
        graded = {}
        for answer, part, check in self.checks.values():
            graded.setdefault(answer, {}).setdefault(part, []).append(check)
        for parts in graded.values():
            for checks in parts.values():
                apply_needs(checks)
        Path(self.path).write_text(json.dumps({"answers": {
            answer: {"parts": {part: [c.to_json() for c in checks] for part, checks in parts.items()}}
            for answer, parts in graded.items()}}, indent=1))


def pytest_collection_modifyitems(session, config, items):
    """A check may only need checks of its own part (module) that exist: a typo fails the run at once."""
    names = {(str(item.path), getattr(item, "originalname", item.name)) for item in items}
    for item in items:
        for needed in check_needs(item):
            if (str(item.path), needed) not in names:
                raise pytest.UsageError(f"{item.nodeid} needs {needed!r}, which is not a check of its part")


def pytest_configure(config):
    results = config.getoption("--kit-results")
    if results:
        config.pluginmanager.register(Recorder(results), "kit-recorder")
