"""Tie a process's life to its parent's: Linux's prctl(2), the one home of the kit's calls to it.

Used on both sides of the trust boundary: by the answer server inside the
sandbox (copied there beside it), by confine.py (run as a script), and by the
trusted side's own children (`preexec_fn=die_with_parent`). So it depends on
the standard library only, and imports nothing of the kit.
"""
import ctypes
import errno
import os
import signal

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36

try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (AttributeError, OSError, TypeError):    # not Linux
    _prctl = None


def prctl(option, value):
    """prctl(option, value); OSError if the kernel refuses or this is not Linux."""
    if _prctl is None:
        raise OSError(errno.ENOSYS, "prctl: not Linux")
    if _prctl(ctypes.c_int(option), ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0),
              ctypes.c_ulong(0)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"prctl({option}): {os.strerror(err)}")


def die_with_parent(signum=signal.SIGKILL):
    """Have the kernel send `signum` to this process when the thread that started it ends.

    For a child: call it right after fork, or pass it as `preexec_fn`. OSError where it cannot be had.
    """
    prctl(PR_SET_PDEATHSIG, signum)
