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
"""
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading

from . import warm
from .pinned_env import PINNED_ENV

START_TIMEOUT = 120.0        # imports nbgrader and torch: slow on a loaded machine
REQUEST_TIMEOUT = 30.0       # a fork
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
            self.control.close()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def spawn(self, cmd, cwd, env, output_fd):
        """Run `cmd` (`[python, "-m", module, *args]`, a module with `main(argv)`) as a fork of the template, in a
        session of its own.

        Returns (pid, wait): `wait()` blocks until the child ends and returns its exit code (-9 if it was killed).
        """
        if cmd[:2] != [sys.executable, "-m"]:
            raise TemplateUnavailable(f"the template runs `python -m` modules only, not {cmd[:3]}")
        status_r, status_w = os.pipe()
        try:
            with self.lock:
                self.requests += 1
                request = {"id": self.requests, "module": cmd[2], "argv": cmd[3:], "cwd": str(cwd), "env": env}
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


def _run_main(control, module, argv):
    """In the child: what `python -m module argv...` does, for a module whose `main(argv)` returns its exit code."""
    control.close()                       # only the template takes requests
    sys.argv = [module, *argv]
    return importlib.import_module(module).main(argv)


def serve(control):
    """Fork a child per request until the control socket closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)      # children are reaped by the kernel; callers read a status pipe
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 2)
        except OSError:
            message = b""
        if not message:
            return
        request = json.loads(message)
        output_fd, status_fd = fds
        try:
            pid = warm.fork_call(lambda: _run_main(control, request["module"], request["argv"]), cwd=request["cwd"],
                                 env=request["env"], output_fd=output_fd, new_session=True, status_fd=status_fd)
        finally:
            os.close(output_fd)
            os.close(status_fd)
        control.send(json.dumps({"id": request["id"], "pid": pid}).encode())


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    for name in PRELOAD:
        __import__(name)
    warm.preload()
    control.send(json.dumps({"ready": True}).encode())
    serve(control)


if __name__ == "__main__":
    main()
