"""The warm template process: what its forks get, and that nothing it starts outlives its bounds.

A child forked from the template must start as a new interpreter in the pinned
environment would (the graders' results must not depend on which way they ran:
tests/test_class_grading.py compares the grades), in exactly the working
directory and environment asked for, in a session of its own, and able to fork
its own graders; a time-out kills its whole session, and the template goes when
the process that started it goes.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from autograder.grading.task import run_measured
from autograder.harness import warm
from autograder.harness.template_process import TemplateProcess

PROBE = textwrap.dedent('''
    import json, os, sys, time
    import torch
    from autograder.harness import warm

    def main(argv):
        out, action = argv
        if action == "sleep":
            grandchild = os.fork() or time.sleep(600)       # a grandchild too: the whole session must go
            with open(out, "w") as f:
                json.dump([os.getpid(), grandchild], f)
            time.sleep(600)
        with open(out, "w") as f:
            json.dump({"cwd": os.getcwd(), "env": dict(os.environ), "session_leader": os.getsid(0) == os.getpid(),
                       "can_fork": warm.can_fork(), "torch_threads": torch.get_num_threads(),
                       "hash_randomization": sys.flags.hash_randomization, "argv": sys.argv}, f)
        return int(action)
''')


@pytest.fixture
def template(tmp_path, monkeypatch):
    """A template process that can import the probe module (its directory is where the template started)."""
    (tmp_path / "kit_probe_module.py").write_text(PROBE)
    monkeypatch.chdir(tmp_path)
    t = TemplateProcess()
    t.start({"PATH": os.environ["PATH"]})
    yield t
    t.close()


def test_a_forked_child_gets_the_directory_environment_and_exit_code_asked_for_and_can_fork_its_graders(
        template, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = {"PATH": "/usr/bin:/bin", "ONLY_THIS": "1"}
    with open(tmp_path / "out.log", "wb") as out:
        pid, wait = template.spawn([sys.executable, "-m", "kit_probe_module", str(tmp_path / "seen.json"), "3"],
                                   work, env, out.fileno())
        assert wait() == 3
    seen = json.loads((tmp_path / "seen.json").read_text())
    assert seen["cwd"] == str(work) and seen["env"] == env
    assert seen["session_leader"] and seen["can_fork"]
    assert seen["torch_threads"] == 1 and seen["hash_randomization"] == 0
    assert seen["argv"] == ["kit_probe_module", str(tmp_path / "seen.json"), "3"]
    assert not warm.can_fork(), "this test process was not started pinned and warmed: it must not fork graders"


def test_a_child_that_runs_out_of_time_is_killed_with_its_whole_session(template, tmp_path):
    code, _, _, _ = run_measured([sys.executable, "-m", "kit_probe_module", str(tmp_path / "x.json"), "sleep"],
                                 tmp_path, {"PATH": os.environ["PATH"]}, 2, template=template)
    assert code is None
    pids = json.loads((tmp_path / "x.json").read_text())
    time.sleep(0.5)
    assert not [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


def test_a_killed_child_reports_it_and_the_template_serves_the_next(template, tmp_path):
    with open(tmp_path / "out.log", "wb") as out:
        pid, wait = template.spawn([sys.executable, "-m", "kit_probe_module", str(tmp_path / "a.json"), "sleep"],
                                   tmp_path, {}, out.fileno())
        time.sleep(0.5)
        os.killpg(pid, signal.SIGKILL)
        assert wait() == -signal.SIGKILL
        _, wait = template.spawn([sys.executable, "-m", "kit_probe_module", str(tmp_path / "b.json"), "0"],
                                 tmp_path, {}, out.fileno())
        assert wait() == 0


def test_the_template_ends_when_the_process_that_started_it_is_killed(tmp_path):
    owner = subprocess.Popen(
        [sys.executable, "-c", "import os, sys, time\n"
         "from autograder.harness.template_process import TemplateProcess\n"
         "t = TemplateProcess.shared({'PATH': os.environ['PATH']})\n"
         "print(t.proc.pid, flush=True)\ntime.sleep(600)"], stdout=subprocess.PIPE, text=True)
    template_pid = int(owner.stdout.readline())
    assert psutil.pid_exists(template_pid)
    owner.kill()
    owner.wait()
    end = time.monotonic() + 10
    while time.monotonic() < end and psutil.pid_exists(template_pid) and \
            psutil.Process(template_pid).status() != psutil.STATUS_ZOMBIE:
        time.sleep(0.1)
    assert not psutil.pid_exists(template_pid) or psutil.Process(template_pid).status() == psutil.STATUS_ZOMBIE


def test_a_reply_that_came_after_its_request_timed_out_is_not_taken_for_the_next_request():
    import socket
    t = TemplateProcess()
    t.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        theirs.send(json.dumps({"id": 1, "pid": 101}).encode())     # late: request 1 had given up on it
        theirs.send(json.dumps({"id": 2, "pid": 202}).encode())
        assert t._receive(1.0, "pid", 2) == 202
    finally:
        t.control.close()
        theirs.close()
