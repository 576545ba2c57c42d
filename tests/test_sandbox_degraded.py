"""The degraded sandbox (Landlock + seccomp, no namespaces), forced with KIT_SANDBOX=landlock.

Real processes through the real harness, as tests/test_sandbox.py does for
bubblewrap: what student code can read, write, reach and trace when the
machine cannot give it namespaces, and that grading and the notebook kernel
still work there.

As root the sandbox runs student code as its own uid, which must be able to
pass through the directories above the Python installation. Where one of them
is closed to other users (this machine's Python lives under /root, mode 0700),
the module lets the sandbox's group through it for its duration, with an ACL
entry, as `sandbox.check()` tells an administrator to, and takes it back after.
"""
import errno
import json
import os
import shutil
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from autograder import assignments, paths
from autograder.harness import runner, sandbox
from autograder.harness.student import StudentModule, StudentProcess

ROOT = os.geteuid() == 0
# one worker for the whole module: its fixture opens a directory for the sandbox's group and closes it after
pytestmark = pytest.mark.xdist_group("landlock")

ANSWER = '''
import ctypes, os, socket, subprocess, time

def exists(path):
    return os.path.exists(path)

def read(path):
    with open(path, "rb") as f:
        return len(f.read())

def listdir(path):
    return sorted(os.listdir(path))

def write(path):
    with open(path, "w") as f:
        f.write("pwned")
    return True

def private_tmp():
    path = os.path.join(os.environ["TMPDIR"], "mine.txt")
    with open(path, "w") as f:
        f.write("mine")
    return os.environ["TMPDIR"], os.environ["HOME"], os.getcwd()

def connect(host, port):
    socket.create_connection((host, port), timeout=3).close()
    return True

def make_socket(family, kind):
    socket.socket(family, kind).close()
    return True

def unix_pair():
    a, b = socket.socketpair(socket.AF_UNIX)
    a.send(b"x")
    return b.recv(1) == b"x"

def whoami():
    return os.getuid(), os.getgroups()

def allocate(gigabytes):
    import numpy as np
    return float(np.ones(int(gigabytes * 2**30 / 8)).sum())

def reserve(gigabytes):
    """Address space only (pages never touched): fails under the limit, not for want of memory."""
    import numpy as np
    return np.empty(int(gigabytes * 2**30), dtype=np.uint8).nbytes

def trace_own_child():
    """ptrace and process_vm_readv on a child of its own (same uid, same sandbox): errno of each, 0 if it worked."""
    libc = ctypes.CDLL(None, use_errno=True)
    child = subprocess.Popen(["sleep", "30"])
    try:
        found = {}
        attached = libc.ptrace(ctypes.c_long(16), ctypes.c_long(child.pid), None, None)   # PTRACE_ATTACH
        found["ptrace"] = 0 if attached == 0 else ctypes.get_errno()
        buf = ctypes.create_string_buffer(8)
        local = (ctypes.c_void_p * 2)(ctypes.cast(buf, ctypes.c_void_p), 8)
        remote = (ctypes.c_void_p * 2)(ctypes.cast(buf, ctypes.c_void_p), 8)
        libc.process_vm_readv.restype = ctypes.c_ssize_t
        got = libc.process_vm_readv(child.pid, local, 1, remote, 1, 0)
        found["process_vm_readv"] = 0 if got >= 0 else ctypes.get_errno()
        return found
    finally:
        child.kill()
        child.wait()

def read_memory(pid):
    with open(f"/proc/{pid}/mem", "rb") as f:
        f.seek(0x400000)
        return len(f.read(16))

def signal(pid):
    os.kill(pid, 0)
    return True

def daemon():
    """A process that leaves its process group and session, to outlive the grading."""
    return subprocess.Popen(["sleep", "1000"], start_new_session=True).pid
'''


# -- letting the sandbox's uid reach the Python installation (root only) --------------------------------

ACL = "system.posix_acl_access"
ACL_UNDEFINED_ID = 0xFFFFFFFF


def _closed_ancestors():
    """Directories above the Python installation that other users cannot pass through."""
    closed = set()
    for d in sandbox._python_dirs():
        for parent in Path(d).parents:
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                closed.add(parent)
    return sorted(closed)


def _let_group_through(path, gid):
    """setfacl -m g:GID:x PATH, without setfacl (Debian's acl package is rarely installed): the mode to restore."""
    mode = os.stat(path).st_mode

    def bits(shift):
        return (mode >> shift) & 7
    entries = [(0x01, bits(6), ACL_UNDEFINED_ID), (0x04, bits(3), ACL_UNDEFINED_ID), (0x08, 1, gid),
               (0x10, bits(3) | 1, ACL_UNDEFINED_ID), (0x20, bits(0), ACL_UNDEFINED_ID)]
    os.setxattr(path, ACL, struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *e) for e in entries))
    return stat.S_IMODE(mode)


@pytest.fixture(scope="module")
def degraded():
    """KIT_SANDBOX=landlock for the module; skip (fail in CI) if this machine cannot run it."""
    opened = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KIT_SANDBOX", "landlock")
        if ROOT:
            for path in _closed_ancestors():
                try:
                    if ACL not in os.listxattr(path):
                        opened.append((path, _let_group_through(path, sandbox.SANDBOX_GID)))
                except OSError:
                    pass        # no ACLs on this filesystem: check() below names the fix
        try:
            sandbox.reset_checks()
            reason = sandbox.check()
            if reason:
                if os.environ.get("CI"):
                    pytest.fail(f"the Landlock sandbox cannot run here: {reason}")
                pytest.skip(f"the Landlock sandbox cannot run here: {reason}")
            yield sandbox.isolation()
        finally:
            for path, mode in opened:
                os.removexattr(path, ACL)
                os.chmod(path, mode)
            sandbox.reset_checks()


@pytest.fixture
def landlock(degraded, monkeypatch):
    monkeypatch.setenv("KIT_SANDBOX", "landlock")
    return degraded


@pytest.fixture
def workspace():
    """A grading scratch directory as the runner makes one: passable (0711), not listable, by other users."""
    base = Path(tempfile.mkdtemp(prefix="kit-degraded-"))
    os.chmod(base, 0o711)
    yield base
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def student(landlock, workspace):
    answer_dir = workspace / "answer"
    answer_dir.mkdir()
    (answer_dir / "answer.py").write_text(ANSWER)
    module = StudentModule(StudentProcess(answer_dir / "answer.py", sandboxed=True), ANSWER)
    yield module
    module.close()


@pytest.fixture
def host_secrets():
    """A world-readable file in the host's /tmp and one in the home directory: only Landlock keeps them out."""
    made = []
    for where in (tempfile.gettempdir(), os.path.expanduser("~")):
        fd, name = tempfile.mkstemp(prefix="kit-degraded-secret-", dir=where)
        os.write(fd, b"secret")
        os.close(fd)
        os.chmod(name, 0o644)
        made.append(name)
    yield made
    for name in made:
        os.unlink(name)


def test_it_is_the_degraded_mode_and_says_so(landlock):
    assert landlock == "landlock+seccomp"
    assert sandbox.mode() == "landlock"
    used = dict((name, (ok, detail)) for name, ok, detail in sandbox.diagnose())
    assert used["grading will use"] == (True, used["grading will use"][1])
    assert used["grading will use"][1].startswith("landlock+seccomp (KIT_SANDBOX=landlock)")
    assert used["Landlock"][0] and used["seccomp"][0]


def test_the_kit_the_host_tmp_and_home_cannot_be_read(student, host_secrets):
    for path in (paths.KIT_ROOT / "README.md", paths.SOLUTIONS / "maxpool.py",
                 paths.GRADERS / "maxpool" / "test_forward_max.py", *host_secrets):
        with pytest.raises(PermissionError):
            student.read(str(path))
    for directory in (paths.KIT_ROOT, paths.GRADERS, tempfile.gettempdir(), os.path.expanduser("~"), "/root"):
        with pytest.raises(PermissionError):
            student.listdir(str(directory))
    assert student.read("/usr/bin/env") > 0          # the system stays readable
    assert student.read("/proc/self/status") > 0


def test_only_the_answer_directory_and_a_private_tmp_are_writable(student, workspace):
    assert student.write(str(workspace / "answer" / "scratch.txt")) is True
    assert (workspace / "answer" / "scratch.txt").read_text() == "pwned"
    tmp, home, cwd = student.private_tmp()
    assert tmp == home and Path(tmp).parent == Path(tempfile.gettempdir()) and cwd == str(workspace / "answer")
    outside = [workspace / "outside.txt", Path(tempfile.gettempdir()) / f"kit-degraded-evil-{os.getpid()}",
               paths.KIT_ROOT / "evil.txt", Path("/usr/evil"), Path("/etc/evil")]
    for target in outside:
        with pytest.raises(OSError):
            student.write(str(target))
        assert not target.exists()
    student.close()
    deadline = time.monotonic() + 10
    while Path(tmp).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(tmp).exists()                 # the private tmp goes with the sandbox


def test_no_tcp_not_even_the_hosts_loopback(student):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    server.settimeout(1)
    accepted = []

    def accept():
        try:
            accepted.append(server.accept())
        except OSError:
            pass
    waiter = threading.Thread(target=accept, daemon=True)
    waiter.start()
    with pytest.raises(OSError):
        student.connect("127.0.0.1", port)
    waiter.join()
    server.close()
    assert accepted == []


def test_no_socket_but_unix_ones(student):
    for family, kind in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET, socket.SOCK_DGRAM),
                         (socket.AF_INET6, socket.SOCK_DGRAM), (socket.AF_PACKET, socket.SOCK_RAW)):
        with pytest.raises(OSError, match=os.strerror(errno.EAFNOSUPPORT)):     # the filter's answer
            student.make_socket(int(family), int(kind))
    with pytest.raises(OSError, match=os.strerror(errno.EOPNOTSUPP)):     # netlink: what libzmq copes with
        student.make_socket(int(socket.AF_NETLINK), int(socket.SOCK_RAW))
    assert student.unix_pair() is True            # what the kernel and the fork server talk over
    assert student.make_socket(int(socket.AF_UNIX), int(socket.SOCK_STREAM)) is True


def test_no_tracing_or_reading_other_processes(student):
    assert student.trace_own_child() == {"ptrace": errno.EPERM, "process_vm_readv": errno.EPERM}
    with pytest.raises(PermissionError):
        student.read_memory(os.getpid())          # the grader's memory
    with pytest.raises(PermissionError):
        student.read(f"/proc/{os.getpid()}/environ")
    with pytest.raises(PermissionError):
        student.signal(os.getpid())


def test_it_runs_as_an_unprivileged_user_of_its_own(student):
    uid, groups = student.whoami()
    if ROOT:
        assert uid >= sandbox.SANDBOX_UID_BASE and groups == [sandbox.SANDBOX_GID]
    else:
        assert uid == os.getuid()


def test_memory_beyond_the_limit_is_a_memory_error_not_a_dead_machine(student):
    limit_gb = sandbox.Limits().memory_bytes / 2**30
    with pytest.raises(MemoryError):
        student.reserve(limit_gb + 2)
    assert student.allocate(0.01) > 0             # the same process carries on


def test_processes_that_leave_their_group_end_with_the_sandbox(student):
    pid = student.daemon()
    assert Path(f"/proc/{pid}").exists()
    student.close()
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def test_a_directory_the_sandbox_user_cannot_reach_is_named_with_the_fix(landlock, workspace):
    if not ROOT:
        pytest.skip("only as root does student code run as a uid of its own")
    closed = workspace / "closed"
    closed.mkdir(mode=0o700)
    (closed / "answer").mkdir()
    sandbox.grant(closed / "answer", uid_slot=0)
    cmd = sandbox.wrap(["/bin/true"], writable=[closed / "answer"], uid_slot=0)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 126
    assert f"cannot pass through {closed}" in done.stderr and f"chmod o+x {closed}" in done.stderr


def test_bad_modes_are_named_with_the_choices(monkeypatch):
    monkeypatch.setenv("KIT_SANDBOX", "landlok")
    with pytest.raises(ValueError, match="KIT_SANDBOX='landlok' is not a sandbox mode: use on .* bubblewrap, landlock"):
        sandbox.mode()
    with pytest.raises(ValueError, match="no such sandbox mechanism"):
        sandbox.wrap(["/bin/true"], writable=(), mechanism="chroot")


def test_the_maxpool_reference_gets_full_marks_and_the_grade_says_how(landlock):
    result = runner.grade_source(assignments.get("maxpool"), (paths.SOLUTIONS / "maxpool.py").read_text())
    assert (result.points, result.max_points) == (12, 12), result.report()
    assert result.sandboxed is True and result.isolation == "landlock+seccomp"
    assert result.to_json()["isolation"] == "landlock+seccomp"
    assert result.report().splitlines()[0] == "maxpool: 12 / 12 points (isolation: landlock+seccomp, without namespaces)"


# -- the notebook's kernel ---------------------------------------------------------------------------------

KERNEL_CELL = '''
import json, os
found = {}
def attempt(name, action):
    try:
        found[name] = action()
    except Exception as exc:
        found[name] = type(exc).__name__
attempt("cwd", os.getcwd)
attempt("data", lambda: open("data.txt").read())
attempt("kit", lambda: len(open(KIT_README).read()))
attempt("course_read", lambda: open(os.path.join(NOTEBOOK_DIR, "data.txt")).read())
attempt("course_write", lambda: open(os.path.join(NOTEBOOK_DIR, "evil.txt"), "w").write("x"))
attempt("scratch_write", lambda: open("made-by-the-kernel.txt", "w").write("x"))
attempt("numpy", lambda: float(__import__("numpy").ones(3).sum()))
attempt("torch", lambda: float(__import__("torch").ones(2).sum()))
attempt("inet", lambda: __import__("socket").socket().close())
print(json.dumps(found))
'''

PLOT_CELL = "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()"


def test_the_notebook_kernel_runs_sandboxed_in_a_scratch_copy(landlock, tmp_path, monkeypatch):
    from jupyter_client import KernelManager

    from autograder.nbgrader_ext import SANDBOXED_KERNEL
    notebook_dir = tmp_path / "course" / "submitted" / "someone" / "maxpool"
    notebook_dir.mkdir(parents=True)
    (notebook_dir / "data.txt").write_text("the notebook's data")
    before = sorted(p.name for p in notebook_dir.iterdir())
    spec_dir = tmp_path / "jupyter" / "kernels" / SANDBOXED_KERNEL     # as SandboxKernel writes it
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "autograder.harness.kernel_launcher", "-f", "{connection_file}"],
        "display_name": "sandboxed", "language": "python", "interrupt_mode": "message"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    sockets = Path(tempfile.mkdtemp(prefix="kit-kernel-sockets-"))
    km = KernelManager(kernel_name=SANDBOXED_KERNEL, transport="ipc", ip=str(sockets / "kernel"))
    km.start_kernel(cwd=str(notebook_dir))
    client = km.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)
        outputs = []
        code = f"KIT_README = {str(paths.KIT_ROOT / 'README.md')!r}\nNOTEBOOK_DIR = {str(notebook_dir)!r}\n"
        reply = client.execute_interactive(code + KERNEL_CELL, timeout=120, output_hook=outputs.append)
        assert reply["content"]["status"] == "ok", outputs
        text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
        found = json.loads(text.strip().splitlines()[-1])
        plots = []
        reply = client.execute_interactive(PLOT_CELL, timeout=120, output_hook=plots.append)
        assert reply["content"]["status"] == "ok", plots
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
        shutil.rmtree(sockets, ignore_errors=True)
    assert found["cwd"] != str(notebook_dir) and found["data"] == "the notebook's data"
    assert found["kit"] == "PermissionError"
    assert found["course_read"] == "PermissionError" and found["course_write"] == "PermissionError"
    assert found["scratch_write"] == 1 and found["numpy"] == 3.0 and found["torch"] == 2.0
    assert found["inet"] == "OSError"
    assert any("image/png" in m["content"].get("data", {}) for m in plots if m["msg_type"] == "display_data")
    assert sorted(p.name for p in notebook_dir.iterdir()) == before     # the course's directory is untouched
