"""The trusted side's client of the answer fork server (answer_server.py, in the sandbox).

One fork server per graded submission: it imports numpy and torch once, and
forks a fresh child for each graded part, so a part costs a fork rather than a
new sandboxed interpreter importing torch. The server runs no student code
itself, but it shares the sandbox with the children that do, so nothing it says
is trusted beyond a child's pid and exit code: a server that does not answer
in time is killed with its whole sandbox and started again.
"""
import ast
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil

from . import proctree, sandbox
from .pinned_env import PINNED_ENV
from .priority import NICE_VAR, lower_priority

SERVER_SCRIPT = Path(__file__).with_name("answer_server.py")
# all of the kit the sandbox sees: the server and the modules it imports (standard library and numpy aside)
SERVER_RUNTIME = (SERVER_SCRIPT.name, "codec.py", "parent_death.py", "priority.py")
SERVER_START_TIMEOUT = 120.0     # the server imports torch before it answers: slow on a loaded machine
CONTROL_TIMEOUT = 10.0           # a fork, a kill or a reap
WHERE_SIGNAL = signal.SIGUSR1    # asks a child to write where it is running to the log (answer_server.py)


ALWAYS_PRELOADED = ("numpy", "torch")
# imported by the server too when the answer imports the package: its children would each import it (0.4 s,
# and maybe a font cache built) once per graded part; for answers that do not, the server would pay it for nothing
PRELOADED_IF_IMPORTED = {"matplotlib": "matplotlib.pyplot"}


def preload_for(answer_source):
    """The modules the answer's fork server imports before its first child (answer_server.py's PRELOAD_MODULES)."""
    try:
        tree = ast.parse(answer_source)
    except (SyntaxError, ValueError):
        return ALWAYS_PRELOADED
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    return ALWAYS_PRELOADED + tuple(m for top, m in PRELOADED_IF_IMPORTED.items() if top in imported)


class ForkServerError(Exception):
    """The fork server did not start or stopped answering."""


def answer_env():
    """The answer processes' environment: deterministic, single-threaded, CPU only."""
    env = {**PINNED_ENV, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", NICE_VAR):   # set on some CPUs for correctness; priority
        if key in os.environ:
            env[key] = os.environ[key]
    return env


class AnswerForkServer:
    """Starts (lazily, and again after a failure) the sandboxed fork server of one answer directory."""

    def __init__(self, answer_dir, *, blocked_modules=(), sandboxed=False, limits=None, log_path=None,
                 preload=ALWAYS_PRELOADED):
        self.answer_dir = Path(answer_dir)
        self.blocked_modules = tuple(blocked_modules)
        self.preload = tuple(preload)
        self.sandboxed = sandboxed
        self.limits = limits or sandbox.Limits()
        # outside the answer's directory, which is the only place the answer may write
        self.log_path = Path(log_path or self.answer_dir.parent / "answer.log")
        self.proc = None
        self.control = None
        self.modules = set()       # packages the server had loaded when it started (it says so before any answer)
        self.preloaded = ()        # of the modules it was asked to import first, those it did
        self._last_reply = {}
        self._owner = None         # the process that started it (a forked grader may drive it too)

    # -- the server --------------------------------------------------------
    def _start(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        script = self._runtime_dir() / SERVER_SCRIPT.name if self.sandboxed else SERVER_SCRIPT
        cmd = [sys.executable, "-I", str(script), str(theirs.fileno()), ",".join(self.blocked_modules),
               ",".join(self.preload)]
        if self.sandboxed:
            sandbox.grant(self.answer_dir)
            # sandboxed: True (the mechanism KIT_SANDBOX picks here) or a mechanism's name (the grader's choice)
            cmd = sandbox.wrap(cmd, writable=[self.answer_dir], readable=[script.parent],
                               workdir=self.answer_dir, env=answer_env(),
                               mechanism=self.sandboxed if isinstance(self.sandboxed, str) else None)
        try:
            with open(self.log_path, "ab") as log:
                # what answers print is not graded: discard it; keep stderr for crash reports
                # (bounded by the sandbox's file-size limit)
                self.proc = subprocess.Popen(
                    cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                    pass_fds=(theirs.fileno(),), cwd=self.answer_dir,
                    env=None if self.sandboxed else answer_env(),
                    preexec_fn=self._preexec(),
                    start_new_session=True)   # its own process group: killed as one
        finally:
            theirs.close()
        self.control = ours
        self._owner = os.getpid()
        self._receive(SERVER_START_TIMEOUT, "ready")
        self.modules = set(self._last_reply.get("modules", ()))
        self.preloaded = tuple(self._last_reply.get("ready", ()))

    def _preexec(self):
        """In the server's child before it becomes the sandbox: its limits, and its niceness for the session it
        starts (the sandbox starts another inside, which the server lowers itself: priority.py)."""
        limits, env = sandbox.preexec(self.limits), answer_env()

        def apply():
            lower_priority(env)
            limits()
        return apply

    def _runtime_dir(self):
        """A copy of SERVER_RUNTIME only (not the graders), beside the answer's scratch directory."""
        runtime = self.answer_dir.parent / "runtime"
        if not runtime.exists():
            runtime.mkdir()
            for name in SERVER_RUNTIME:
                shutil.copy(SERVER_SCRIPT.with_name(name), runtime / name)
        return runtime

    def _receive(self, timeout, key):
        self.control.settimeout(timeout)
        try:
            message = self.control.recv(1 << 16)
            reply = json.loads(message) if message else None
        except (OSError, ValueError):
            reply = None
        if not isinstance(reply, dict) or key not in reply:
            self.close()
            raise ForkServerError("the answer process server stopped answering")
        self._last_reply = reply
        return reply[key]

    def _send(self, request, fds=()):
        try:
            socket.send_fds(self.control, [json.dumps(request).encode()], list(fds))
        except OSError:
            self.close()
            raise ForkServerError("the answer process server is gone") from None

    def close(self):
        """Kill the server, its children and everything else in its sandbox."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
            self.proc = None
        if self.control is not None:
            self.control.close()
            self.control = None

    def cpu_seconds(self):
        """CPU time the kernel has counted to the server's sandbox so far (0 before it starts).

        The server idles between requests, so the difference around one call is
        that call's work in the answer process: what speed checks compare, since,
        unlike wall time, it does not grow when other gradings share the cores.
        """
        return proctree.cpu_seconds(self.proc.pid) if self.proc is not None else 0.0

    # -- children ----------------------------------------------------------
    def spawn(self, answer_file):
        """A fresh child serving `answer_file`: (pid as the server numbers it, request stream, reply fd).

        The child writes where it is running to the log on WHERE_SIGNAL (answer_server.py).
        A server left unable to fork (a previous part's processes linger, or its
        child killed it) is replaced once.
        """
        try:
            return self._spawn(answer_file)
        except ForkServerError:
            return self._spawn(answer_file)

    def running(self):
        if self.proc is None:
            return False
        if os.getpid() == self._owner:
            return self.proc.poll() is None
        # started by the process this one was forked from (a server started ahead): not ours to wait for
        try:
            return psutil.Process(self.proc.pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def _spawn(self, answer_file):
        if not self.running():
            self.close()
            self._start()
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        try:
            self._send({"spawn": str(answer_file), "where_signal": int(WHERE_SIGNAL), "blocked": self.blocked_modules},
                       fds=(req_r, rep_w))
        except ForkServerError:
            for fd in (req_r, req_w, rep_r, rep_w):
                os.close(fd)
            raise
        finally:
            if self.control is not None:
                os.close(req_r)
                os.close(rep_w)
        pid = self._receive(CONTROL_TIMEOUT, "pid")
        return pid, os.fdopen(req_w, "wb"), rep_r

    def host_pid(self, pid):
        """This side's pid of the child the server numbers `pid` (bubblewrap gives the sandbox its own numbers)."""
        return proctree.host_pid(self.proc.pid, pid) if self.proc is not None else None

    def exit_code(self, pid, timeout=5.0):
        """How a child whose pipe closed ended (None: unknown; the server was restarted)."""
        try:
            self._send({"wait": pid})
            code = self._receive(timeout, "exit")
        except ForkServerError:
            return None
        return code if isinstance(code, int) else None

    def kill(self, pid):
        """Stop a child (a time limit, or the end of its part)."""
        if self.control is None:
            return
        try:
            self._send({"kill": pid})
            self._receive(CONTROL_TIMEOUT, "exit")
        except ForkServerError:
            pass


# -- a server started ahead of its answer ------------------------------------
# A standby (template_process.Standby) starts one before its submission is known, so the submission's graders
# do not wait for a sandboxed interpreter to import torch. Its answer folder is empty until the graders' run
# writes the answer there (`claim_ahead_server`); the graders' pytest, a fork of that process, then drives it
# (`claimed_server`). It serves that one answer, as a server started for it would.

AHEAD_PRELOAD = (*ALWAYS_PRELOADED, "matplotlib.pyplot")     # started while idle: whatever an answer may import
AHEAD_VAR = "KIT_ANSWER_SERVER_AHEAD"   # "0" in a grading's environment: its standbys start no server (c.ClassGrading)
_ahead = None          # {"pid": the process that started it, "server": AnswerForkServer, "claimed": bool}


def start_ahead_server():
    """In a standby: start a sandboxed fork server for an answer not yet written. False where none can start."""
    global _ahead
    if os.environ.get(AHEAD_VAR) == "0" or sandbox.mode() == "off" or not (mechanism := sandbox.isolation()):
        return False
    root = Path(tempfile.mkdtemp(prefix="kit-answer-ahead-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    os.chmod(root, 0o711)        # passable, not listable, as GradersRun's scratch folder
    (root / "answer").mkdir()
    server = AnswerForkServer(root / "answer", sandboxed=mechanism, log_path=root / "answer.log",
                              preload=AHEAD_PRELOAD)
    server._start()
    _ahead = {"pid": os.getpid(), "server": server, "claimed": False}
    return True


def stop_ahead_server():
    global _ahead
    if _ahead is not None and _ahead["pid"] == os.getpid():
        _ahead["server"].close()
    _ahead = None


def claim_ahead_server(blocked_modules, isolation):
    """For the graders' run of one answer, in the process that started the server ahead: that server, if it may
    serve an answer graded with these blocked modules and this sandbox mechanism, else None (and it is closed).

    It may if it runs under the same mechanism and limits as a server started now would, and none of the packages
    it had loaded is blocked for this answer (maxpool's answers may not use torch: its server is started afresh).
    """
    global _ahead
    if _ahead is None or _ahead["pid"] != os.getpid() or _ahead["claimed"]:
        return None
    server = _ahead["server"]
    if (server.sandboxed == isolation and server.limits == sandbox.Limits() and server.running()
            and not {m.split(".")[0] for m in blocked_modules} & server.modules):
        _ahead["claimed"] = True
        server.blocked_modules = tuple(blocked_modules)
        return server
    stop_ahead_server()
    return None


def claimed_server(answer_dir):
    """In the graders' pytest: the server started ahead that was claimed for `answer_dir`, or None."""
    if _ahead is not None and _ahead["claimed"] and _ahead["server"].answer_dir == Path(answer_dir):
        return _ahead["server"]
    return None
