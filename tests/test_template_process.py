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
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

import psutil
import pytest

from autograder.grading.task import run_measured
from autograder.harness import warm
from autograder.harness.answer_client import AHEAD_PRELOAD, AHEAD_VAR
from autograder.harness.priority import NICE_VAR
from autograder.harness.template_process import TemplateProcess

PROBE = textwrap.dedent('''
    import json, os, sys, time
    import torch
    from autograder import sandboxed_kernel
    from autograder.harness import warm

    def main(argv):
        out, action = argv
        if action == "ahead":
            from autograder.harness import answer_client
            ahead = sandboxed_kernel._ahead
            server = answer_client._ahead and answer_client._ahead["server"]
            with open(out, "w") as f:
                json.dump({"pid": os.getpid(), "cwd": os.getcwd(), "env": dict(os.environ),
                           "kernel": ahead is not None and ahead.km.provisioner.pid, "can_fork": warm.can_fork(),
                           "kernel_nice": ahead is not None and os.getpriority(os.PRIO_PROCESS, ahead.km.provisioner.pid),
                           "nice": os.getpriority(os.PRIO_PROCESS, 0),
                           "sockets": sandboxed_kernel.kernel_socket_dir(), "server": server and server.proc.pid}, f)
            return 0
        if action == "preloaded":     # what this fork got from the template, and what the server ahead imported
            from autograder.harness import answer_client
            with open(out, "w") as f:
                json.dump({"template": sorted(sys.modules), "server": answer_client._ahead["server"].preloaded}, f)
            return 0
        if action.startswith("grade:"):   # the hidden graders of a reference answer, as GradeWithHarness runs them
            from autograder import assignments, notebooks
            from autograder.harness import runner
            assignment = assignments.get(action.split(":")[1])
            source = notebooks.answer_module_source(notebooks.read(assignment.source_notebook), title="answer")
            pending = runner.start_grading(assignment, [source])
            how = pending.how_started()
            with open(out, "w") as f:
                json.dump({"how": how, "result": pending.results()[0].to_json()}, f)
            return 0
        if action.startswith("claim"):   # the graders' question: may the answer server started ahead serve?
            from autograder.harness import answer_client, sandbox
            blocked = ("torch",) if action == "claim-blocked-torch" else ("torchvision",)
            server = answer_client._ahead["server"]
            pid = server.proc.pid
            claimed = answer_client.claim_ahead_server(blocked, sandbox.isolation())
            with open(out, "w") as f:
                json.dump({"claimed": claimed is server, "server": pid, "still_running": server.running()}, f)
            return 0
        if action.startswith("take"):     # ExecuteContained's question: does the kernel started ahead fit?
            import logging, pathlib
            from types import SimpleNamespace
            import nbformat
            from jupyter_client.manager import AsyncKernelManager
            from traitlets.config import Config
            ahead = sandboxed_kernel._ahead
            config = Config()
            config.KernelManager.transport = "ipc"
            config.KernelManager.ip = os.path.join(sandboxed_kernel.kernel_socket_dir(), "kernel")
            os.environ["NBGRADER_EXECUTION"] = "autograde"          # as nbgrader's autograde sets it
            if action == "take-other-memory":                       # as c.Sandbox.memory_gb would export it
                os.environ["KIT_SANDBOX_MEMORY_GB"] = "3"
            execute = SimpleNamespace(kernel_manager_class=AsyncKernelManager, config=config, extra_arguments=[],
                                      ipython_hist_file=":memory:", kernel_name="", log=logging.getLogger())
            notebook_dir = pathlib.Path(out).parent / "notebook"
            notebook_dir.mkdir(exist_ok=True)
            (notebook_dir / "data.txt").write_text("the notebook's file")
            nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": sandboxed_kernel.SANDBOXED_KERNEL,
                                                                   "display_name": "sandboxed"}})
            km = sandboxed_kernel.take_kernel_ahead(execute, nb, {"metadata": {"path": str(notebook_dir)}})
            with open(out, "w") as f:
                json.dump({"taken": km is not None, "kernel": ahead.km.provisioner.pid,
                           "copied": (ahead.scratch / "data.txt").exists()}, f)
            return 0
        if action == "sleep":
            grandchild = os.fork() or time.sleep(600)       # a grandchild too: the whole session must go
            with open(out, "w") as f:
                json.dump([os.getpid(), grandchild], f)
            time.sleep(600)
        with open(out, "w") as f:
            json.dump({"cwd": os.getcwd(), "env": dict(os.environ), "session_leader": os.getsid(0) == os.getpid(),
                       "can_fork": warm.can_fork(), "torch_threads": torch.get_num_threads(),
                       "hash_randomization": sys.flags.hash_randomization, "argv": sys.argv,
                       "nice": os.getpriority(os.PRIO_PROCESS, 0),
                       "session_nice": open("/proc/self/autogroup").read().split()[-1]}, f)
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


@pytest.fixture
def short_tmp():
    """A TMPDIR whose kernel socket paths fit a Unix socket's 107 bytes (pytest's own folders, under xdist, do not:
    the kernel cannot start there, ahead or not)."""
    path = tempfile.mkdtemp(prefix="kit-t-", dir="/tmp")
    os.chmod(path, 0o711)        # as /tmp: the sandboxes' uids pass through it
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_tmpdir_too_long_for_unix_sockets_puts_the_kernels_sockets_under_tmp(tmp_path, short_tmp):
    long_tmp = tmp_path / ("x" * 100)
    long_tmp.mkdir()
    code = ("from autograder.sandboxed_kernel import kernel_socket_dir as k, _fits_a_socket as fits\n"
            "print(k(), fits(k()))")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "TMPDIR": str(long_tmp)},
                         capture_output=True, text=True, check=True).stdout.split()
    assert out[0].startswith("/tmp/kit-kernel-sockets-") and out[1] == "True"
    assert not os.path.exists(out[0])            # removed at exit, as in TMPDIR
    short = subprocess.run([sys.executable, "-c", code], env={**os.environ, "TMPDIR": short_tmp},
                           capture_output=True, text=True, check=True).stdout.split()
    assert short[0].startswith(short_tmp + "/kit-kernel-sockets-") and short[1] == "True"


def _spawned(template, tmp_path, name, env, standby=True, action="ahead"):
    with open(tmp_path / "out.log", "ab") as out:
        _, wait = template.spawn([sys.executable, "-m", "kit_probe_module", str(tmp_path / name), action],
                                 tmp_path, env, out.fileno(), standby=standby)
        assert wait() == 0
    return json.loads((tmp_path / name).read_text())


def _standbys_ready(template, n=2, seconds=60):
    """The template's n standbys and their kernels, once each has started one (not a fixed sleep: a loaded
    machine takes longer)."""
    end = time.monotonic() + seconds
    while True:
        try:
            standbys = [p for p in psutil.Process(template.proc.pid).children()
                        if p.status() != psutil.STATUS_ZOMBIE]
            kernels = [s.children(recursive=True) for s in standbys]
        except psutil.NoSuchProcess:       # a child that ended while being looked at (the last request's)
            standbys, kernels = [], []
        if (len(standbys) >= n and all(kernels)) or time.monotonic() > end:
            return standbys, [k for ks in kernels for k in ks]
        time.sleep(0.2)


def _gone(pid, seconds=10):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
            return True
        time.sleep(0.1)
    return False


def test_standbys_wait_with_a_started_kernel_and_each_serves_one_request(template, tmp_path, short_tmp):
    """The kernel started ahead is the request's alone: the next request gets another standby, another kernel;
    a request in another environment is not handed to a standby started in the old one."""
    env = {"PATH": os.environ["PATH"], "TMPDIR": short_tmp}
    first = _spawned(template, tmp_path, "1.json", env)
    assert not first["kernel"]                     # nothing waited for the first: forked afresh
    standbys, _ = _standbys_ready(template)
    # one at a time: the second was forked once the first had started its kernel and then its answer server
    standbys.sort(key=lambda p: p.create_time())
    servers = [p for p in standbys[0].children() if "answer_server" in " ".join(p.cmdline())]
    assert servers and standbys[1].create_time() > servers[0].create_time()
    second, third = (_spawned(template, tmp_path, f"{n}.json", env) for n in (2, 3))
    assert second["kernel"] and third["kernel"] and second["kernel"] != third["kernel"]
    assert second["server"] and third["server"] and second["server"] != third["server"]   # answer servers too
    assert len({first["pid"], second["pid"], third["pid"]}) == 3
    assert second["env"] == env and second["cwd"] == str(tmp_path) and second["can_fork"]
    assert _gone(second["kernel"]) and _gone(second["server"]) and not os.path.exists(second["sockets"])
    other = _spawned(template, tmp_path, "4.json", {**env, "OTHER": "1"})
    assert not other["kernel"]
    assert not _spawned(template, tmp_path, "5.json", env, standby=False)["kernel"]


def test_standbys_start_no_answer_server_where_the_grading_environment_says_not_to(template, tmp_path, short_tmp):
    """c.ClassGrading.answer_servers_ahead = False (grading/task.py puts it in the environment): kernels only."""
    env = {"PATH": os.environ["PATH"], "TMPDIR": short_tmp, AHEAD_VAR: "0"}
    _spawned(template, tmp_path, "1.json", env)
    _standbys_ready(template)
    handed = _spawned(template, tmp_path, "2.json", env)
    assert handed["kernel"] and not handed["server"]


def test_standbys_that_were_never_used_stop_their_kernels_and_leave_nothing_when_the_template_ends(tmp_path,
                                                                                                 monkeypatch,
                                                                                                 short_tmp):
    (tmp_path / "kit_probe_module.py").write_text(PROBE)
    monkeypatch.chdir(tmp_path)
    scratch = short_tmp
    env = {"PATH": os.environ["PATH"], "TMPDIR": scratch}
    t = TemplateProcess()
    t.start({"PATH": os.environ["PATH"]})
    try:
        _spawned(t, tmp_path, "1.json", env)
        standbys, kernels = _standbys_ready(t)
        assert len(standbys) == 2 and len(kernels) >= 2
        assert os.listdir(scratch)                 # their sockets, kernelspecs and scratch folders
    finally:
        t.close()
    assert all(_gone(p.pid) for p in standbys + kernels)
    assert os.listdir(scratch) == []


def _session_nice(pid):
    """The niceness of the process's session (autogroup) where the kernel groups the CPU by session."""
    with open(f"/proc/{pid}/autogroup") as f:
        return int(f.read().split()[-1])


@pytest.mark.skipif(not os.path.exists("/proc/self/autogroup"), reason="this kernel does not group by session")
def test_a_grading_and_all_it_starts_run_at_the_niceness_its_environment_asks_for(template, tmp_path, short_tmp):
    """c.ClassGrading.nice reaches a grading through its environment, whichever way it starts: a fork, a standby
    (and the kernel it started ahead, in the session its sandbox started), a new interpreter; the template
    itself and other gradings keep theirs."""
    env = {"PATH": os.environ["PATH"], "TMPDIR": short_tmp, NICE_VAR: "7"}
    forked = _spawned(template, tmp_path, "forked.json", env)
    assert forked["nice"] == 7
    standbys, _ = _standbys_ready(template)

    def all_niced():    # once both kernels run (their sandboxes' sessions niced by the kernel's first lines)
        try:
            procs = [p for s in standbys for p in s.children(recursive=True)]
            kernels = [p for p in procs if p.name().startswith("python") and "kernelapp" in " ".join(p.cmdline())]
            return (len(kernels) == 2 and {p.nice() for p in standbys + procs} == {7}
                    and {_session_nice(p.pid) for p in standbys + procs} == {7}
                    and os.getsid(kernels[0].pid) != os.getsid(standbys[0].pid))     # the sandbox's own session
        except (psutil.Error, OSError):
            return False
    end = time.monotonic() + 60
    while not all_niced() and time.monotonic() < end:
        time.sleep(0.2)
    assert all_niced()
    handed = _spawned(template, tmp_path, "handed.json", env)
    assert handed["kernel"] and handed["nice"] == 7 and handed["kernel_nice"] == 7
    assert _spawned(template, tmp_path, "other.json", {"PATH": os.environ["PATH"]}, standby=False,
                    action="0")["nice"] == 0
    assert psutil.Process(template.proc.pid).nice() == 0 and _session_nice(template.proc.pid) == 0
    code, log, _, _ = run_measured([sys.executable, "-c", "import sys, kit_probe_module as m; sys.exit(m.main(sys.argv[1:]))",
                                    str(tmp_path / "new.json"), "0"], tmp_path, {**os.environ, NICE_VAR: "5"}, 120)
    assert code == 0, log
    new = json.loads((tmp_path / "new.json").read_text())
    assert new["nice"] == 5 and new["session_nice"] == "5"


def test_the_template_has_imported_what_torch_imports_at_first_use_and_servers_ahead_all_they_were_asked_to(
        template, tmp_path, short_tmp):
    """torch._dynamo (warm.TORCH_FIRST_USE): a second of CPU in each grading of maxpool or receptive_fields
    otherwise; and an answer server started ahead imports each of its modules in the sandbox (a failed import
    would leave it to each part's child, silently)."""
    env = {"PATH": os.environ["PATH"], "TMPDIR": short_tmp}
    _spawned(template, tmp_path, "first.json", env)
    _standbys_ready(template)
    loaded = _spawned(template, tmp_path, "loaded.json", env, action="preloaded")
    assert warm.TORCH_FIRST_USE and set(warm.TORCH_FIRST_USE) <= set(loaded["template"])
    assert loaded["server"] == list(AHEAD_PRELOAD)


def test_a_kernel_started_ahead_is_used_only_under_the_settings_the_notebook_would_start_one_with(template, tmp_path,
                                                                                                 short_tmp):
    env = {"PATH": os.environ["PATH"], "TMPDIR": short_tmp}
    _spawned(template, tmp_path, "first.json", env)
    _standbys_ready(template)
    fits = _spawned(template, tmp_path, "fits.json", env, action="take-fits")
    assert fits["kernel"] and fits["taken"] and fits["copied"]          # the notebook's folder is in its scratch
    other = _spawned(template, tmp_path, "other.json", env, action="take-other-memory")
    assert other["kernel"] and not other["taken"] and not other["copied"]
    assert _gone(other["kernel"])


def test_an_answer_server_started_ahead_serves_only_answers_that_may_use_what_it_loaded(template, tmp_path):
    env = {"PATH": os.environ["PATH"], "TMPDIR": str(tmp_path)}
    _spawned(template, tmp_path, "first.json", env)
    _standbys_ready(template)       # both forked (a request handed to one still starting waits for its start)
    allowed = _spawned(template, tmp_path, "allowed.json", env, action="claim-allowed")
    assert allowed["claimed"] and allowed["still_running"]
    blocked = _spawned(template, tmp_path, "blocked.json", env, action="claim-blocked-torch")
    assert not blocked["claimed"] and not blocked["still_running"]      # it had imported torch: closed, not used
    assert _gone(blocked["server"])


def _clean(result):
    if isinstance(result, dict):
        return {k: _clean(v) for k, v in result.items() if k not in ("seconds", "cpu_seconds", "elapsed")}
    return [_clean(v) for v in result] if isinstance(result, list) else result


def test_graders_driving_an_answer_server_started_ahead_grade_as_with_one_started_for_the_answer(template, tmp_path):
    env = {"PATH": os.environ["PATH"], "TMPDIR": str(tmp_path)}
    fresh = _spawned(template, tmp_path, "fresh.json", env, action="grade:receptive_fields")
    _standbys_ready(template, n=1)
    ahead = _spawned(template, tmp_path, "ahead.json", env, action="grade:receptive_fields")
    assert fresh["how"] == "(forked from this warm process)"
    assert ahead["how"] == "(forked from this warm process; its answer server started ahead)"
    assert _clean(ahead["result"]) == _clean(fresh["result"])
    assert ahead["result"]["parts"] and all(p["points"] == p["max_points"] for p in ahead["result"]["parts"].values())


def test_a_standby_handed_its_request_reads_it_and_then_the_end_not_a_reset():
    """The template reads a standby's word before it hands over and closes its end: Linux resets the peer of a
    socket closed with a message unread, and a standby waiting for its request was told the reset before the
    request (it then took the template for gone: in a rush, 'unknown error' for its submission)."""
    from autograder.harness.template_process import STARTED, Standby
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    standby = object.__new__(Standby)              # its socket only: no fork
    standby.sock, standby._starting, standby.key = ours, True, None
    theirs.send(STARTED)                           # the standby said it has started; the template has not read it
    r, w = os.pipe()
    try:
        assert standby.hand_over(b'{"id": 1}', [r, w])
        message, fds, _, _ = socket.recv_fds(theirs, 1 << 20, 2)
        assert message == b'{"id": 1}' and len(fds) == 2
        for fd in fds:
            os.close(fd)
        assert theirs.recv(1) == b""               # a clean end: without the read, ConnectionResetError
    finally:
        theirs.close()
        os.close(r)
        os.close(w)
