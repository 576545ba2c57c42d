"""A warm process that forks each submission's grading command (`autograde_one`) instead of starting it afresh.

    python -m autograder.harness.template_process CONTROL_FD      (started by `TemplateProcess`)

Every submission would otherwise start an interpreter that imports nbgrader,
whose graders start another that imports pytest and torch: seconds before any
grading. This process imports all of it once, in the pinned environment, and
then only forks: each `python -m MODULE ARGS` it is asked for runs in a fresh
child, a copy of a process that has graded nothing, so no submission sees
another's state. It runs no student code (that runs in the sandbox, a new
interpreter, as always); the child forks its graders from itself (harness/warm.py).

`TemplateProcess.shared(env)` is a worker process's handle: one template for all
its grading threads, started on first use, started again if it died. Where it
cannot start, grading starts new interpreters as before.

Standbys: for a request that asks for them (`autograde_one`'s, from
grading/task.py), the template keeps STANDBYS children of the same command
and environment forked ahead of the next such requests, each of which starts
the sandboxed kernel its notebook will run in (sandboxed_kernel.py) and the
sandboxed answer server its graders will drive (answer_client.start_ahead_server,
unless the environment says not to), and waits. The next such request is
handed to a standby, not forked anew, and another standby is forked for the
one after once no grading of this template runs (a kernel starting beside a
grading would take its CPU) and no other standby is still starting. A standby
serves one request, then exits like any fork; one that waits when the template
ends stops its kernel and its server and removes its folders.
"""
import importlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading

from . import warm
from .parent_death import die_with_parent
from .pinned_env import PINNED_ENV

START_TIMEOUT = 120.0        # imports nbgrader and torch: slow on a loaded machine
REQUEST_TIMEOUT = 30.0       # a fork
STOP_TIMEOUT = 15.0          # for the template to end its standbys (each stops a kernel) when its owner closes it
STANDBYS = 2                 # kept waiting (~450 MiB PSS each: itself, a kernel, an answer server); beyond: forked
STARTED = b"started"         # a standby's word to the template once its kernel and answer server are started
IDLE_CHECK = 0.25            # seconds between looks for the end of the gradings, while standbys are to be forked
PRELOAD = ("nbgrader.apps", "nbgrader.converters", "nbclient", "autograder.nbgrader_ext", "autograder.course",
           "autograder.grading.autograde_one")


class TemplateUnavailable(RuntimeError):
    pass


class TemplateProcess:
    _shared = None
    _shared_lock = threading.Lock()

    unavailable = ""     # why the last start failed

    @classmethod
    def shared(cls, env):
        """This process's template, started (in `env`, pinned) if it is not running; None if it cannot start."""
        with cls._shared_lock:
            if cls._shared is None or not cls._shared.alive():
                if cls._shared is not None:
                    cls._shared.close()
                cls._shared = cls()
                try:
                    cls._shared.start(env)
                except TemplateUnavailable as exc:
                    cls.unavailable = str(exc)
                    print(f"[grade] no warm template process ({exc}): each grading starts new interpreters "
                          "(slower, same grades)", file=sys.stderr)
                    cls._shared.close()
                    cls._shared = None
            return cls._shared

    @classmethod
    def close_shared(cls):
        """End this process's template (its standbys first), if one runs: the next `shared` starts another."""
        with cls._shared_lock:
            if cls._shared is not None:
                cls._shared.close()
                cls._shared = None

    def __init__(self):
        self.proc = self.control = None
        self.lock = threading.Lock()
        self.requests = 0        # numbers each request, so a reply that came after its time-out is not taken for the next

    def start(self, env):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        # not tied to the starting thread's life (PDEATHSIG): it serves all threads, and ends when this process
        # does, as the control socket closes
        self.proc = subprocess.Popen([sys.executable, "-m", __name__, str(theirs.fileno())],
                                     env={**env, **PINNED_ENV}, pass_fds=(theirs.fileno(),),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True)
        theirs.close()
        self.control = ours
        self._receive(START_TIMEOUT, "ready")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def close(self):
        if self.control is not None:
            self.control.close()     # the template ends its standbys, then itself
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def spawn(self, cmd, cwd, env, output_fd, standby=False):
        """Run `cmd` (`[python, "-m", module, *args]`, a module with `main(argv)`) as a fork of the template, in a
        session of its own. `standby`: hand it to a standby of the same command and environment, forked ahead
        with its kernel started, if one waits; and keep standbys for the next.

        Returns (pid, wait): `wait()` blocks until the child ends and returns its exit code (-9 if it was killed).
        """
        if cmd[:2] != [sys.executable, "-m"]:
            raise TemplateUnavailable(f"the template runs `python -m` modules only, not {cmd[:3]}")
        status_r, status_w = os.pipe()
        try:
            with self.lock:
                self.requests += 1
                request = {"id": self.requests, "module": cmd[2], "argv": cmd[3:], "cwd": str(cwd), "env": env,
                           "standby": bool(standby)}
                try:
                    socket.send_fds(self.control, [json.dumps(request).encode()], [output_fd, status_w])
                except OSError as exc:
                    raise TemplateUnavailable(f"the template process is gone: {exc}") from None
                pid = self._receive(REQUEST_TIMEOUT, "pid", request["id"])
        except BaseException:
            os.close(status_r)
            raise
        finally:
            os.close(status_w)

        def wait():
            with os.fdopen(status_r, "rb") as status:
                said = status.read()       # until the child (and whatever inherited the pipe) ends
            return int(said) if said.strip().lstrip(b"-").isdigit() else -signal.SIGKILL
        return pid, wait

    def _receive(self, timeout, key, request_id=None):
        self.control.settimeout(timeout)
        while True:
            try:
                reply = json.loads(self.control.recv(1 << 16) or b"null")
            except (OSError, ValueError):
                reply = None
            if not isinstance(reply, dict) or key not in reply:
                raise TemplateUnavailable(f"the template process did not answer ({reply!r})")
            if reply.get("id") == request_id:
                return reply[key]


_inherited = set()       # the template's own sockets: every child closes its copies (only the template talks on them)


def _run_main(module, argv):
    """In the child: what `python -m module argv...` does, for a module whose `main(argv)` returns its exit code."""
    for sock in _inherited:
        sock.close()
    sys.argv = [module, *argv]
    return importlib.import_module(module).main(argv)


class Standby:
    """A fork of the template waiting for its request, its kernel started (sandboxed_kernel.start_kernel_ahead)."""

    def __init__(self, module, env):
        self.key = (module, env)
        self._starting = True
        self.sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        status = {}
        with open(os.devnull, "wb") as devnull:
            self.pid = warm.fork_call(lambda: self._wait(theirs, status), cwd="/", env=env,
                                      output_fd=devnull.fileno(), new_session=True, status_fd=lambda: status.get("fd"))
        theirs.close()
        _inherited.add(self.sock)

    def _wait(self, sock, status):
        """In the standby: start the kernel, wait for one request, then be that request's child."""
        for inherited in (*_inherited, self.sock):
            inherited.close()
        die_with_parent(0)      # not killed with the template while idle: its socket's end tells it, and it cleans up
        from ..sandboxed_kernel import start_kernel_ahead, stop_kernel_ahead
        from .answer_client import start_ahead_server, stop_ahead_server
        for start in (start_kernel_ahead, start_ahead_server):
            try:
                start()
            except Exception:  # noqa: BLE001 - its submission will start its own, as without a standby
                pass
        try:
            sock.send(STARTED)        # the template may fork the next standby now
        except OSError:
            pass
        message, fds = b"", []
        for _ in range(2):
            try:
                message, fds, _, _ = socket.recv_fds(sock, 1 << 20, 2)
                break
            except ConnectionResetError:
                # the template closed its end with our word unread (a request sent before it read it): Linux then
                # reports the reset to a waiting reader before the request queued for it; reading it clears it
                continue
            except OSError:
                break
        sock.close()
        if not message:        # the template ended: stop the kernel and the server, remove the folders (at exit)
            stop_kernel_ahead()
            stop_ahead_server()
            return 0
        die_with_parent()
        request = json.loads(message)
        output_fd, status["fd"] = fds
        warm.become(request["cwd"], request["env"], output_fd)
        os.close(output_fd)
        return _run_main(request["module"], request["argv"])

    def starting(self):
        """Whether it is still starting its kernel and server (it says when it is done, or ends)."""
        if not self._starting:
            return False
        if select.select([self.sock], [], [], 0)[0]:
            try:
                self.sock.recv(len(STARTED))
            except OSError:
                pass
            self._starting = False      # started, or gone (its request is then forked afresh)
        return self._starting

    def hand_over(self, message, fds):
        """Give the standby its request; False if it is gone."""
        self.starting()      # reads its word if it has said it: a socket closed with a message unread resets its peer
        try:
            socket.send_fds(self.sock, [message], fds)
            return True
        except OSError:
            return False
        finally:
            self.close()

    def close(self):
        _inherited.discard(self.sock)
        self.sock.close()

    def ended(self, timeout):
        """Tell a waiting standby to end and wait until it has (its end of the socket closes with it)."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
            self.sock.settimeout(timeout)
            while self.sock.recv(1):
                pass
        except OSError:
            pass
        self.close()


def serve(control):
    """Fork a child per request (or hand it to a standby) until the control socket closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)      # children are reaped by the kernel; callers read a status pipe
    _inherited.add(control)
    standbys, busy, wanted = [], set(), None      # wanted: the (module, env) standbys are kept for
    while True:
        short = wanted is not None and len(standbys) < STANDBYS
        if short and not _still_running(busy) and not any(s.starting() for s in standbys):
            # only while no grading of this template runs (a kernel starting beside one would take its CPU), and
            # one at a time: each starts two interpreters importing torch, as many as there are cores here
            standbys.append(Standby(*wanted))
            continue
        if not select.select([control], [], [], IDLE_CHECK if short else None)[0]:
            continue
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 2)
        except OSError:
            message = b""
        if not message:
            for standby in standbys:
                standby.ended(STOP_TIMEOUT / max(1, len(standbys)))
            return
        request = json.loads(message)
        output_fd, status_fd = fds
        pid = None
        try:
            key = (request["module"], request["env"])
            if request["standby"]:
                wanted = key
                for standby in [s for s in standbys if s.key != key]:   # another command or environment: stale
                    standbys.remove(standby)
                    standby.close()
                while standbys and pid is None:
                    standby = standbys.pop(0)
                    pid = standby.pid if standby.hand_over(message, fds) else None
            if pid is None:
                pid = warm.fork_call(lambda: _run_main(request["module"], request["argv"]), cwd=request["cwd"],
                                     env=request["env"], output_fd=output_fd, new_session=True, status_fd=status_fd)
        finally:
            os.close(output_fd)
            os.close(status_fd)
        busy.add(pid)
        control.send(json.dumps({"id": request["id"], "pid": pid}).encode())


def _still_running(pids):
    """Whether any of `pids` (children of this process, which the kernel reaps) still runs; forgets the others."""
    for pid in list(pids):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            pids.discard(pid)
        except PermissionError:     # the pid was reused by another user's process: ours is gone
            pids.discard(pid)
    return bool(pids)


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    for name in PRELOAD:
        __import__(name)
    warm.preload()
    control.send(json.dumps({"ready": True}).encode())
    serve(control)


if __name__ == "__main__":
    main()
