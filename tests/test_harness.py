"""The grading harness: student code in its own process, failures contained per part."""
import importlib
import importlib.util
import inspect
import re
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from autograder import graders
from autograder.harness import runner
from autograder.harness.student import (HangBudget, MissingFunction, StudentCrash, StudentImportError, StudentModule,
                                        StudentProcess, StudentTimeout, probe_source)

ANSWER = '''
import os, sys, warnings
import numpy as np

def double(x):
    return x * 2

def picky(x):
    if x < 0:
        raise ValueError("x must be >= 0")
    return x

class MyError(KeyError):
    pass

def custom():
    raise MyError("custom")

def hang():
    while True:
        pass

def hard_exit():
    os._exit(3)

def soft_exit():
    sys.exit(1)

def interrupt():
    raise KeyboardInterrupt

def noisy(x):
    warnings.warn("careful")
    print("lots of output", file=sys.stderr)
    return x

def uses_torch():
    import torch
    return 1

def mutate(x):
    x[0] = 99
    return x

def random_value():
    return np.random.rand()

def burn(seconds):
    import time
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
    time.process_time = lambda: 0.0      # lying about it changes nothing: the kernel counts
    return 1

def nap(seconds):
    import time
    time.sleep(seconds)
    return 1

def crowd(processes):
    import os
    for _ in range(processes):      # busy processes of its own, competing with it for the cores
        if os.fork() == 0:
            while True:
                pass
    while True:
        pass

counter = [0]
def count():
    counter[0] += 1
    return counter[0]
'''


@pytest.fixture
def answer(tmp_path):
    path = tmp_path / "answer.py"
    path.write_text(ANSWER)
    return path


@pytest.fixture
def student(answer):
    module = StudentModule(StudentProcess(answer, blocked_modules=["torch"]), ANSWER)
    yield module
    module.close()


def test_values_come_back_as_plain_data(student):
    out = student.double(np.arange(3.0))
    assert isinstance(out, np.ndarray) and list(out) == [0, 2, 4]


def test_student_exceptions_become_builtin_exceptions(student):
    with pytest.raises(ValueError, match="x must be >= 0") as info:
        student.picky(-1)
    assert info.value.student_type == "ValueError"
    with pytest.raises(KeyError) as info:
        student.custom()
    assert info.value.student_type == "MyError"


def test_exit_calls_do_not_escape_into_the_grader(student):
    with pytest.raises(RuntimeError) as info:
        student.soft_exit()
    assert info.value.student_type == "SystemExit"
    with pytest.raises(RuntimeError) as info:
        student.interrupt()
    assert info.value.student_type == "KeyboardInterrupt"


def test_a_hard_exit_is_a_crash_and_the_next_call_gets_a_fresh_process(student):
    with pytest.raises(StudentCrash, match="exited with code 3"):
        student.hard_exit()
    assert student.double(2) == 4


def test_a_hang_costs_one_time_limit_then_the_part_fails_fast(student):
    start = time.monotonic()
    with pytest.raises(StudentTimeout):
        student.call("hang", timeout=1.0)
    with pytest.raises(StudentTimeout, match="skipped"):
        student.double(1)
    assert time.monotonic() - start < 5


def test_blocked_modules_cannot_be_imported(student):
    with pytest.raises(ImportError, match="torch is not allowed"):
        student.uses_torch()


def _count_functions(answer, prefix):
    return sorted(n for n in vars(answer) if n.startswith(prefix) and callable(getattr(answer, n)))


def test_probes_run_grader_code_on_the_answer_and_return_plain_data(student):
    assert student.probe(_count_functions, "d") == ["double"]


PROBE_MODULE = '''
import numpy as np

PROBES = ("doubled", "remembers")
SEEN = []


def _twice(x):
    return 2 * x


def doubled(answer, x):
    return _twice(answer.double(np.int64(x)))


def remembers(answer):
    SEEN.append(1)
    return len(SEEN)


def not_listed(answer):
    return "ran"
'''


@pytest.fixture
def probe_module(tmp_path, monkeypatch):
    """A grader's probe module: PROBES names the functions the answer process may run."""
    path = tmp_path / "sample_probes.py"
    path.write_text(PROBE_MODULE)
    spec = importlib.util.spec_from_file_location("sample_probes", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "sample_probes", module)
    spec.loader.exec_module(module)
    return module


def test_a_probe_module_ships_whole_and_each_call_starts_afresh(student, probe_module):
    assert student.probe(probe_module.doubled, 3) == 12          # its helpers and imports ship with it
    assert [student.probe(probe_module.remembers), student.probe(probe_module.remembers)] == [1, 1]


def test_only_the_probes_a_module_lists_can_be_called(student, probe_module):
    for func in (probe_module.not_listed, probe_module._twice):
        with pytest.raises(ValueError, match="not one of the probes sample_probes.PROBES lists"):
            student.probe(func)
    with pytest.raises(TypeError, match="a probe is a function"):
        student.probe(probe_module.np.sum)
    source = probe_source(probe_module.doubled)
    for name in ("not_listed", "_twice", "np", "SEEN"):       # the answer process refuses them too
        with pytest.raises(NameError, match=f"no probe function '{name}'"):
            student._call(name, (), {}, 10.0, return_args=False, probe=source)
    assert student.double(2) == 4                              # and goes on serving the part


GRADER_PROBE_MODULES = sorted(f"autograder.graders.{path.parent.name}._probes"
                              for path in Path(graders.__file__).parent.glob("*/_probes.py"))


@pytest.mark.parametrize("name", GRADER_PROBE_MODULES)
def test_graders_probe_modules_list_small_probes_of_their_own(name):
    """One small function per job, called by name: not one function that dispatches on a task string."""
    module = importlib.import_module(name)
    for probe in module.PROBES:
        func = getattr(module, probe)
        assert inspect.isfunction(func) and func.__module__ == name, probe
        assert next(iter(inspect.signature(func).parameters)) == "answer", probe
    functions = [f for f in vars(module).values() if inspect.isfunction(f) and f.__module__ == name]
    too_long = [f.__name__ for f in functions if len(inspect.getsource(f).splitlines()) > 60]
    assert not too_long, f"{name}: functions over 60 lines: {too_long}"


def test_missing_function(student):
    with pytest.raises(MissingFunction):
        student.nope()


def test_arguments_after_the_call_show_in_place_changes(student):
    result = student.call_full("mutate", np.zeros(3))
    assert result.args_after[0][0] == 99 and result.seconds > 0


def test_warnings_and_stderr_do_not_matter(student):
    assert student.noisy(5) == 5


def test_randomness_is_seeded_before_every_call(student):
    assert student.random_value() == student.random_value()


def test_cpu_time_is_what_the_kernel_counted_to_the_answer_for_the_call_not_wall_time(student):
    student.call("double", 1)                       # the process is running before measuring
    before = student.cpu_seconds()
    student.call("burn", 0.6)
    burned = student.cpu_seconds() - before
    before = student.cpu_seconds()
    student.call("nap", 0.6)
    napped = student.cpu_seconds() - before
    assert 0.5 <= burned < 3
    assert napped < 0.2


def test_waiting_for_a_cpu_does_not_count_against_a_calls_time_limit(student, busy_machine, monkeypatch):
    """A loaded (or niced) grading gives honest code the limits of an idle machine; waiting by choice still counts.
    (The wall-clock safety bound, tested below, moved out of the way: the load here is not measured.)"""
    from autograder.harness import call_clock
    monkeypatch.setattr(call_clock, "WALL_FACTOR", 100.0)
    student.call("double", 1)
    start = time.monotonic()
    assert student.call("burn", 1.0, timeout=1.5) == 1
    took = time.monotonic() - start
    assert took > 1.5, f"the load did not slow the call past its limit ({took:.1f} s): this shows nothing"
    start = time.monotonic()
    with pytest.raises(StudentTimeout, match="time limit"):
        student.call("nap", 30, timeout=1.0)
    assert time.monotonic() - start < 5


def test_a_call_ends_at_one_and_a_half_times_its_limit_by_the_wall_clock_however_loaded(student, busy_machine):
    """The safety bound that keeps a hang's cost bounded on a loaded machine (call_clock.WALL_FACTOR)."""
    student.call("double", 1)
    before, start = student.cpu_seconds(), time.monotonic()
    with pytest.raises(StudentTimeout, match="time limit"):
        student.call("burn", 100, timeout=4.0)
    took, burned = time.monotonic() - start, student.cpu_seconds() - before
    assert burned < 3.8, f"the call had {burned:.1f} s of CPU: its own clock, not the bound, ended it"
    assert 5.9 < took < 8.5      # 6 s, and the report of where it was


def test_cpu_time_spread_over_processes_counts_in_full_against_the_limit(student):
    start = time.monotonic()
    with pytest.raises(StudentTimeout, match="time limit"):
        student.call("crowd", 6, timeout=1.0)     # its own process: a seventh of the cores, but all of them are its
    assert time.monotonic() - start < 2.5


def test_state_persists_within_a_part(student):
    assert [student.count(), student.count()] == [1, 2]


def test_each_part_gets_a_fresh_process_from_the_submissions_fork_server(answer):
    """Parts share one server (torch imported once) but never the answer's state or leftover processes."""
    from autograder.harness.answer_client import AnswerForkServer
    server = AnswerForkServer(answer.parent)
    try:
        first = StudentModule(StudentProcess(answer, server=server), ANSWER)
        assert [first.count(), first.count()] == [1, 2]
        first_pid = first._process.pid
        first.close()                       # end of the part: its child goes, the server stays
        assert server.proc.poll() is None
        second = StudentModule(StudentProcess(answer, server=server), ANSWER)
        assert second.count() == 1          # a fresh module, not the last part's
        assert second._process.pid != first_pid
        with pytest.raises(StudentCrash, match="exited with code 3"):
            second.hard_exit()
        assert second.double(2) == 4        # the server forks again after a crash
        second.close()
    finally:
        server.close()
    assert server.proc is None


def test_the_fork_server_preloads_pyplot_only_for_answers_that_import_matplotlib(tmp_path):
    """A plotting answer's parts share one pyplot import; other answers' servers do not pay for it, nor does an
    answer that may not use it."""
    from autograder.harness.answer_client import ALWAYS_PRELOADED, AnswerForkServer, preload_for
    source = "import sys\n\ndef loaded():\n    return sorted(m for m in ('torch', 'matplotlib.pyplot') if m in sys.modules)\n"
    plotting = source + "\ndef plot():\n    import matplotlib.pyplot as plt\n    return plt\n"
    assert preload_for(source) == ALWAYS_PRELOADED
    assert preload_for(plotting) == (*ALWAYS_PRELOADED, "matplotlib.pyplot")
    assert preload_for("from matplotlib import pyplot\n") == (*ALWAYS_PRELOADED, "matplotlib.pyplot")
    assert preload_for("from .matplotlib import x\n") == ALWAYS_PRELOADED      # a relative import is not it
    assert preload_for("def broken(:\n") == ALWAYS_PRELOADED
    for text, blocked, expected in ((source, (), ["torch"]), (plotting, (), ["matplotlib.pyplot", "torch"]),
                                    (plotting, ("matplotlib",), ["torch"])):
        answer = tmp_path / f"a{len(blocked)}{len(text)}" / "answer.py"
        answer.parent.mkdir()
        answer.write_text(text)
        server = AnswerForkServer(answer.parent, blocked_modules=blocked, preload=preload_for(text))
        try:
            module = StudentModule(StudentProcess(answer, server=server), text)
            assert module.loaded() == expected      # in the child before it imported anything itself
            module.close()
        finally:
            server.close()


def _parts(answer, budget, n):
    """n parts of one submission: one fork server, one hang budget, a fresh module each."""
    from autograder.harness.answer_client import AnswerForkServer
    server = AnswerForkServer(answer.parent)
    return server, [StudentModule(StudentProcess(answer, server=server, budget=budget), ANSWER) for _ in range(n)]


def _seconds_to_time_out(part, timeout):
    start = time.monotonic()
    with pytest.raises(StudentTimeout):
        part.call("hang", timeout=timeout)
    return time.monotonic() - start


def _spin_in_answer(answer):
    return answer.hang()


def test_a_time_out_says_which_line_of_the_students_code_was_running(student):
    with pytest.raises(StudentTimeout, match=r"running hang; it was running `hang`, at: (while True:|pass)"):
        student.call("hang", timeout=2.0)


def test_a_time_out_in_a_probe_names_the_students_function_not_the_probe(answer):
    part = StudentModule(StudentProcess(answer), ANSWER)
    try:
        with pytest.raises(StudentTimeout, match=r"while the grader ran your code; it was running `hang`"):
            part.probe(_spin_in_answer, timeout=2.0)
    finally:
        part.close()


def test_time_outs_share_one_budget_over_the_parts_of_a_submission(answer):
    """The first time-out costs its own limit (on its own clock) and is charged what it took by the wall clock;
    later parts get what is left, then a short limit, on the wall clock (2.5 s: the report of where it was)."""
    budget = HangBudget(seconds=3.0, after=0.5)
    server, parts = _parts(answer, budget, 4)
    try:
        assert parts[0].double(2) == 4                            # honest calls: untouched
        first = _seconds_to_time_out(parts[0], 2.0)               # its own limit
        assert first >= 1.9 and budget.spent == pytest.approx(first, abs=0.3)
        left = max(3.0 - budget.spent, 0.5)
        assert left - 0.1 < _seconds_to_time_out(parts[1], 30.0) < left + 2.5   # what is left of the budget
        assert _seconds_to_time_out(parts[2], 30.0) < 0.5 + 2.5   # spent: the short limit
        assert parts[3].double(3) == 6                            # code that returns still counts
        assert budget.timeouts == 3
    finally:
        for part in parts:
            part.close()
        server.close()


def test_an_answer_that_does_not_load_in_time_is_not_loaded_again(tmp_path, monkeypatch):
    from autograder.harness import student as student_module
    load_timeout = 3.0
    monkeypatch.setattr(student_module, "LOAD_TIMEOUT", load_timeout)
    path = tmp_path / "answer.py"
    path.write_text("import time\ntime.sleep(3600)\n")
    budget = HangBudget()
    server, parts = _parts(path, budget, 3)
    try:
        start = time.monotonic()
        for part in parts:
            with pytest.raises(StudentTimeout, match="loading your code"):
                part.f()
        with pytest.raises(StudentTimeout, match=r"it was running your top-level code, at: time.sleep\(3600\)"):
            parts[0].f()
        # one load time-out, not three (9 s); the rest is forks and messages, slow on a loaded machine
        assert time.monotonic() - start < 2.5 * load_timeout
        with pytest.raises(StudentTimeout, match="not loaded again"):
            parts[2].f()
    finally:
        for part in parts:
            part.close()
        server.close()


@pytest.mark.parametrize("source, message", [
    ("def f(:\n", "SyntaxError"),
    ("raise RuntimeError('boom at import')\n", "boom at import"),
    ("import sys\nsys.exit(2)\n", "SystemExit"),
])
def test_code_that_cannot_load_fails_every_call_with_the_reason(tmp_path, source, message):
    path = tmp_path / "answer.py"
    path.write_text(source)
    module = StudentModule(StudentProcess(path), source)
    for _ in range(2):
        with pytest.raises(StudentImportError, match=message):
            module.f()
    module.close()


# -- the runner: a hidden-grader package run by a trusted pytest process ---------

GRADERS = {
    "test_good.py": '''
        import numpy as np
        from autograder.harness.checks import expect_array

        def test_double(student):
            """double doubles"""
            expect_array(student.double(np.ones(2)), np.full(2, 2.0), what="double(ones)")

        def test_picky(student):
            """picky refuses negatives"""
            import pytest
            with pytest.raises(ValueError):
                student.picky(-1)
        ''',
    "test_hangs.py": '''
        def test_hang(student):
            """hang returns"""
            student.call("hang", timeout=1)

        def test_after(student):
            """double still works"""
            assert student.double(1) == 2
        ''',
    "test_exits.py": '''
        def test_exit(student):
            """exit is contained"""
            student.hard_exit()

        def test_after(student):
            """a later check gets a fresh process"""
            from autograder.harness.checks import expect
            expect(student.double(1) == 2, "double(1) should be 2")
        ''',
}


@pytest.fixture
def fake_assignment(tmp_path):
    graders = tmp_path / "graders"
    graders.mkdir()
    for name, text in GRADERS.items():
        (graders / name).write_text(textwrap.dedent(text))
    return SimpleNamespace(name="fake", graders_dir=graders, blocked_modules=(),
                           parts=["good", "hangs", "exits"], points=lambda: {"good": 2, "hangs": 3, "exits": 4})


def test_runner_scores_each_part_by_the_fraction_of_checks_passed(fake_assignment):
    result = runner.grade_source(fake_assignment, ANSWER)
    assert {p: r.points for p, r in result.parts.items()} == {"good": 2.0, "hangs": 0.0, "exits": 2.0}
    hang = result.parts["hangs"]
    assert "time limit" in hang.checks[0].message and "skipped" in hang.checks[1].message
    assert "exited with code 3" in result.parts["exits"].checks[0].message
    assert "hang returns" in result.report()


FORKED_GRADING = """
import json, sys
from types import SimpleNamespace
from autograder.harness import runner, warm
warm.preload()
assert warm.can_fork()
graders, answer = sys.argv[1:]
a = SimpleNamespace(name="fake", graders_dir=__import__("pathlib").Path(graders), blocked_modules=(),
                    parts=["good", "hangs", "exits"], points=lambda: {"good": 2, "hangs": 3, "exits": 4})
pending = runner.start_grading(a, [open(answer).read()])
assert isinstance(pending.graders.proc, runner.ForkedChild)
print(json.dumps(pending.results()[0].to_json()))
"""


def test_graders_forked_from_a_warm_process_grade_as_a_new_interpreter_does(fake_assignment, tmp_path):
    """Checks passed, a hang's time limit, an answer process that exits: the same results either way."""
    import json
    import subprocess
    (tmp_path / "answer.py").write_text(ANSWER)
    forked = subprocess.run([sys.executable, "-c", FORKED_GRADING, str(fake_assignment.graders_dir),
                             str(tmp_path / "answer.py")], env=runner.grading_env(), capture_output=True,
                            text=True, timeout=600)
    assert forked.returncode == 0, forked.stderr[-2000:]

    def comparable(result):
        # a hang's message names the line the loop was on when it was stopped: `while True:` or `pass`
        return json.loads(re.sub(r", at: [^\"]*", "", json.dumps(result)))
    new_interpreter = runner.grade_source(fake_assignment, ANSWER).to_json()
    assert "time limit" in json.dumps(new_interpreter)
    assert comparable(json.loads(forked.stdout)) == comparable(new_interpreter)


def test_graders_started_and_never_collected_are_stopped_with_their_scratch_folder(fake_assignment):
    import gc
    pending = runner.start_grading(fake_assignment, [ANSWER])
    proc, scratch = pending.graders.proc, Path(pending.graders._scratch.name)
    assert proc.poll() is None and scratch.is_dir()
    del pending     # an autograde that failed before GradeWithHarness collected its grades
    gc.collect()
    assert proc.poll() is not None and not scratch.exists()


def test_runner_gives_zero_with_a_reason_when_the_answer_does_not_load(fake_assignment):
    result = runner.grade_source(fake_assignment, "def broken(:\n")
    assert result.points == 0
    assert all("SyntaxError" in c.message for p in result.parts.values() for c in p.checks)


def test_runner_survives_a_grader_process_that_dies(fake_assignment, monkeypatch):
    monkeypatch.setattr(runner.sys, "executable", "/bin/false")
    result = runner.grade_source(fake_assignment, ANSWER)
    assert result.points == 0 and all(p.error for p in result.parts.values())


def passed(ok):
    return runner.CheckResult("test_c", "c", passed=ok)


def test_points_never_exceed_the_cells_points():
    part = runner.PartResult("p", 3, checks=[passed(True), passed(True), passed(False)])
    assert part.points == 2.0
    part = runner.PartResult("p", 1, checks=[passed(True), passed(True), passed(False)])
    assert part.points == 0.66


WEIGHED = '''
    import pytest
    from autograder.harness.checks import expect

    def test_main(student):
        """double doubles"""
        expect(student.double(3) == 6, "double(3) is not 6")

    @pytest.mark.weight(0.5)
    @pytest.mark.needs("test_main")
    def test_hygiene(student):
        """double leaves its input alone"""
        expect(student.double(1) is not None, "double returned None")

    @pytest.mark.weight(1.5)
    def test_other(student):
        """picky keeps positives"""
        expect(student.picky(2) == 2, "picky(2) is not 2")
    '''


@pytest.fixture
def weighed_assignment(tmp_path):
    graders = tmp_path / "graders"
    graders.mkdir()
    (graders / "test_weighed.py").write_text(textwrap.dedent(WEIGHED))
    return SimpleNamespace(name="fake", graders_dir=graders, blocked_modules=(), parts=["weighed"],
                           points=lambda: {"weighed": 3})


def test_checks_count_by_their_weight_and_a_hygiene_check_only_with_the_check_it_needs(weighed_assignment):
    right = runner.grade_source(weighed_assignment, ANSWER).parts["weighed"]
    assert right.points == 3 and [c.weight for c in right.checks] == [1.0, 0.5, 1.5]
    # the main check fails: the hygiene check passed on its own, but does not count, and says why
    wrong = runner.grade_source(weighed_assignment, ANSWER.replace("return x * 2", "return x * 0")).parts["weighed"]
    hygiene = next(c for c in wrong.checks if c.check == "test_hygiene")
    assert not hygiene.passed and '"double doubles" passes too' in hygiene.message
    assert wrong.points == 1.5          # test_other alone: 1.5 of 3 weight units
    assert "(1 points) double doubles" in wrong.report() and "(0.5 points) double leaves" in wrong.report()


def test_a_check_that_needs_a_check_its_part_lacks_stops_the_run(weighed_assignment):
    path = weighed_assignment.graders_dir / "test_weighed.py"
    path.write_text(path.read_text().replace('needs("test_main")', 'needs("test_mian")'))
    result = runner.grade_source(weighed_assignment, ANSWER)
    assert result.points == 0 and "test_mian" in result.parts["weighed"].error
