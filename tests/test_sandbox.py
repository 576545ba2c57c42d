"""The sandbox around answer processes: what student code can see, reach and use."""
import os
import socket
import threading
import time

import pytest

from autograder import paths
from autograder.harness import runner, sandbox
from autograder.harness.student import StudentCrash, StudentModule, StudentProcess, StudentTimeout

# bubblewrap's sandbox (the Landlock one, where bubblewrap cannot start, is tests/test_sandbox_degraded.py)
pytestmark = pytest.mark.skipif(sandbox.check("bubblewrap") is not None and not os.environ.get("CI"),
                                 reason=f"no bubblewrap sandbox here: {sandbox.check('bubblewrap')}")

ANSWER = '''
import os, socket, subprocess

def exists(path):
    return os.path.exists(path)

def read(path):
    with open(path, "rb") as f:
        return len(f.read())

def write(path):
    with open(path, "w") as f:
        f.write("pwned")
    return True

def connect(host, port):
    socket.create_connection((host, port), timeout=3).close()
    return True

def whoami():
    return os.getuid()

def visible_processes():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())

def allocate(gigabytes):
    import numpy as np
    return float(np.ones(int(gigabytes * 2**30 / 8)).sum())

def burn(seconds):
    import time
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
    return 1

def spin():
    while True:
        pass

def fork_bomb():
    started = 0
    try:
        for _ in range(10000):
            subprocess.Popen(["sleep", "30"])
            started += 1
    except OSError:
        pass
    return started
'''


@pytest.fixture
def student(tmp_path):
    answer_dir = tmp_path / "answer"
    answer_dir.mkdir()
    (answer_dir / "answer.py").write_text(ANSWER)
    module = StudentModule(StudentProcess(answer_dir / "answer.py", sandboxed=True), ANSWER)
    yield module
    module.close()


def test_the_kit_the_graders_and_the_home_directory_are_not_there(student):
    assert student.exists(str(paths.KIT_ROOT / "autograder" / "graders")) is False
    assert student.exists(str(paths.KIT_ROOT / "source")) is False
    assert student.exists(str(paths.KIT_ROOT / "solutions" / "maxpool.py")) is False
    home_files = [p for p in (os.path.expanduser("~/.gitconfig"), os.path.expanduser("~/.bashrc")) if os.path.exists(p)]
    for path in home_files:
        assert student.exists(path) is False
    assert student.exists("/usr/bin") is True


def test_the_system_is_read_only_and_only_the_answer_directory_is_writable(student, tmp_path):
    assert student.write(str(tmp_path / "answer" / "scratch.txt")) is True
    assert student.write("/tmp/private.txt") is True
    assert not (tmp_path / "private.txt").exists()
    for target in ("/usr/evil", "/etc/evil"):
        with pytest.raises(OSError):
            student.write(target)
    # beside the answer directory: refused as root (another uid's folder); without root the user owns the
    # sandbox's copy of that folder on its private /tmp, so the write may succeed there, never on the host
    try:
        student.write(str(tmp_path / "outside.txt"))
    except OSError:
        pass
    assert not (tmp_path / "outside.txt").exists()


def test_no_network_not_even_the_hosts_loopback(student):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    with pytest.raises(OSError):
        student.connect("127.0.0.1", port)
    time.sleep(0.2)
    server.close()
    assert accepted == []


def test_it_sees_only_its_own_processes_and_is_never_root(student):
    assert len(student.visible_processes()) < 10
    assert student.whoami() != 0


def test_unbounded_memory_is_a_memory_error_not_a_dead_machine(student):
    with pytest.raises(MemoryError):
        student.allocate(64)
    assert student.allocate(0.01) > 0      # the same process carries on


def test_the_memory_limit_is_read_when_a_sandbox_is_made_not_when_the_kit_is_imported(monkeypatch, tmp_path):
    # nbgrader's side passes its setting to the kernel launcher through the environment, set after import
    monkeypatch.setenv(sandbox.MEMORY_GB, "1.5")
    assert sandbox.Limits().memory_bytes == int(1.5 * 2**30)
    answer_dir = tmp_path / "answer"
    answer_dir.mkdir()
    (answer_dir / "answer.py").write_text(ANSWER)
    small = StudentModule(StudentProcess(answer_dir / "answer.py", sandboxed=True), ANSWER)
    try:
        with pytest.raises(MemoryError):
            small.allocate(2)              # within the default 4 GiB, over the 1.5 asked for
    finally:
        small.close()
    monkeypatch.setenv(sandbox.MEMORY_GB, "four")
    with pytest.raises(ValueError, match="KIT_SANDBOX_MEMORY_GB='four'"):
        sandbox.Limits()


def test_a_flood_of_subprocesses_is_capped(student):
    start = time.monotonic()
    try:
        started = student.call("fork_bomb", timeout=60)
    except (StudentCrash, StudentTimeout):
        started = 0
    margin = 1 if os.geteuid() == 0 else sandbox.SHARED_UID_MARGIN    # without root: the instructor's uid, shared
    assert started <= sandbox.Limits().processes * margin
    assert time.monotonic() - start < 60


def test_time_limits_count_the_sandboxed_process_by_its_own_clocks(student, busy_machine, monkeypatch):
    """Its pid inside the sandbox is found outside: waits for a CPU are not charged, and a time-out says where.
    (The wall-clock safety bound moved out of the way: the load here is not measured.)"""
    from autograder.harness import call_clock
    monkeypatch.setattr(call_clock, "WALL_FACTOR", 100.0)
    student.call("burn", 0.1)
    start = time.monotonic()
    assert student.call("burn", 1.0, timeout=1.5) == 1
    assert time.monotonic() - start > 1.5, "the load did not slow the call past its limit: this shows nothing"
    with pytest.raises(StudentTimeout, match=r"time limit .* it was running `spin`, at: (while True:|pass)"):
        student.call("spin", timeout=1.0)


def test_grading_refuses_without_a_sandbox_unless_the_instructor_accepts_the_risk(monkeypatch):
    from autograder import assignments
    monkeypatch.setattr(sandbox, "check", lambda: "bubblewrap is not installed")
    with pytest.raises(sandbox.SandboxUnavailable, match="KIT_SANDBOX=off"):
        runner.grade_source(assignments.get("maxpool"), "x = 1\n", parts=["arguments"])
    monkeypatch.setenv("KIT_SANDBOX", "off")
    result = runner.grade_source(assignments.get("maxpool"), "x = 1\n", parts=["arguments"])
    assert result.sandboxed is False and "WITHOUT the sandbox" in result.report()


def test_the_courses_sandbox_settings_reach_the_kernel_and_the_graders(monkeypatch):
    """c.Sandbox.* in nbgrader_config.py: exported, before the kernel starts, to where sandboxed processes read it."""
    import nbformat
    from traitlets import TraitError
    from traitlets.config import Config

    from autograder.nbgrader_ext import Sandbox, SandboxKernel
    monkeypatch.setenv("KIT_SANDBOX", "on")              # restored after the test
    monkeypatch.setenv("KIT_SANDBOX_MEMORY_GB", "4")
    config = Config()
    config.Sandbox.mode, config.Sandbox.memory_gb = "off", 1.5
    SandboxKernel(config=config).preprocess(nbformat.v4.new_notebook(), {})
    assert sandbox.mode() == "off" and float(os.environ["KIT_SANDBOX_MEMORY_GB"]) == 1.5
    SandboxKernel(config=Config()).preprocess(nbformat.v4.new_notebook(), {})      # unset: the environment stands
    assert sandbox.mode() == "off"
    for bad in ({"mode": "sometimes"}, {"memory_gb": 0}):
        with pytest.raises(TraitError):
            Sandbox(**bad)
