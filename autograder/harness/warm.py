"""Trusted grading processes forked from a warm process instead of started afresh.

A new interpreter that imports pytest, numpy and torch spends a second or two
before a grader runs. A process that has imported them once, in the pinned
environment (pinned_env.py) from its start, can fork a child per grading run
instead: the child is a new process with a copy of that memory, so nothing one
run does reaches another. The grading service's and class grading's template
process (template_process.py) warms itself with `preload()`; anywhere
else (`nbgrader autograde` by hand, tests) `can_fork()` is false and graders
start in a new interpreter as before.

Only trusted code runs in these processes: student code runs in the answer
server's sandbox (answer_server.py), which is always a new interpreter.
"""
import atexit
import gc
import os
import signal
import sys
import tempfile
import threading
import traceback

from .parent_death import die_with_parent
from .pinned_env import PINNED_ENV
from .priority import lower_priority

# What torch imports the first time a process takes a backward with a given gradient (maxpool's graders), a
# forward on the meta device (receptive_fields') or an optimizer step: torch._dynamo, with sympy, some 800
# modules and about a second of CPU, which would otherwise be paid in every such grading. (Not in the kernels
# and answer servers started ahead: measured, their longer start cost the next submission more than it saved.)
TORCH_FIRST_USE = ("torch._dynamo",)
PRELOAD = ("numpy", "torch", *TORCH_FIRST_USE, "pytest", "autograder.harness.plugin")
_preloaded = False


def preload():
    """Import what every grading run needs, once; forks are used only if this process started pinned."""
    global _preloaded
    pinned = all(os.environ.get(k) == v for k, v in PINNED_ENV.items()) and sys.flags.hash_randomization == 0
    for name in PRELOAD:
        __import__(name)
    # what is loaded now is every fork's: out of the collector's sight, a fork's collections do not walk torch's
    # objects (tenths of a second each) nor touch, and so copy, the pages they sit on
    gc.freeze()
    _preloaded = pinned


def can_fork():
    """Whether a child forked here starts as a new interpreter in the pinned environment would.

    The libraries read their thread counts and the hash seed when the process
    started, so it must have started pinned (`preload`); and a fork copies only
    the calling thread, so no other thread may hold a lock the child would need:
    not Python's, nor a library's own (a kernel client's zmq I/O thread).
    """
    return _preloaded and threading.active_count() == 1 and _os_threads() == 1


def _os_threads():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:        # no /proc: Python's count is all there is to go on
        return threading.active_count()


def become(cwd, env, output_fd):
    """Make this forked process what a command started in `cwd` with exactly `env` would be: stdin empty,
    stdout and stderr to `output_fd`."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    lower_priority(env)              # before a standby starts its kernel: the kernel inherits it
    tempfile.tempdir = None          # found again from this environment's TMPDIR, not the parent's
    sys.dont_write_bytecode = bool(env.get("PYTHONDONTWRITEBYTECODE"))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)


def fork_call(func, *, cwd, env, output_fd, new_session=False, status_fd=None):
    """Run `func()` in a forked child: working directory `cwd`, environment exactly `env`, stdout and stderr to
    `output_fd`, stdin empty. The child dies with this thread and exits with func's return value, which it
    also writes to `status_fd` (for a caller that is not its parent; a callable: asked at the end, for a
    child that learns it later). Returns its pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1
    # at its end the child runs the exit handlers it registered itself (a course config's temporary
    # folders), as an interpreter's exit would, but not those it inherited: they are its parent's to run
    atexit._clear()
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)   # a template process ignores it; the child waits for its own
        if new_session:
            os.setsid()
        die_with_parent()
        become(cwd, env, output_fd)
        code = func()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - the child reports and exits; it never returns to the caller's code
        traceback.print_exc()
    finally:
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass
        code = code if isinstance(code, int) else 1
        status = status_fd() if callable(status_fd) else status_fd
        if status is not None:
            try:
                os.write(status, str(code).encode())
            except OSError:
                pass
        os._exit(code)
