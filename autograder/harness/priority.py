"""Gradings run at a lower CPU priority than the people using the machine (`nice`).

In a deadline rush every core grades; at the same priority, what students do on
the same machine (their notebooks under JupyterHub, `nbgrader submit` itself)
waits behind the gradings. So gradings run niced (`c.ClassGrading.nice`, 10 by
default); a grade does not depend on it, since the graders' time limits do not
count time spent waiting for a CPU (call_clock.py). The niceness travels in the grading's
environment (NICE_VAR, set by grading/task.py from `c.ClassGrading.nice`), so
whichever way a grading starts (a fork of the warm template, a standby with its
kernel started ahead, a new interpreter) it and everything it starts get it.

A process's niceness alone does little where the kernel groups the CPU by
session (autogroup, on in Debian's kernels): each session gets its share,
whatever its processes' niceness, and the gradings start several (their own,
each sandbox's). So each session leader of a grading also sets its session's
niceness: `lower_priority` where the grading and its forks start, and inside the
sandboxes (whose processes are no kit code's) through `sandbox_prelude()`, which
the kernel and the answer server run first. An answer could set its own
session's back to 0 (never below): priority is courtesy, not a bound.

This file is self-contained (it is copied beside the sandboxed answer server).
"""
import os
import time

NICE_VAR = "KIT_GRADING_NICE"
MAX_NICE = 19
SESSION_TRIES = 20


def lower_priority(env):
    """Lower this process's CPU priority, and its session's, to the niceness `env` asks for; never raise
    them (that needs root, and a process already niced more stays so)."""
    try:
        wanted = min(int(env.get(NICE_VAR, "0")), MAX_NICE)
    except ValueError:
        return
    if wanted <= 0:
        return
    try:
        if wanted > os.getpriority(os.PRIO_PROCESS, 0):
            os.setpriority(os.PRIO_PROCESS, 0, wanted)
        with open("/proc/self/autogroup") as f:      # "/autogroup-47483 nice 0"
            current = int(f.read().split()[-1])
        for _ in range(SESSION_TRIES if wanted > current else 0):
            try:
                with open("/proc/self/autogroup", "w") as f:
                    f.write(str(wanted))
                break
            except BlockingIOError:     # without CAP_SYS_ADMIN (in a sandbox): one change per 0.1 s, machine-wide
                time.sleep(0.05)
    except (OSError, ValueError, IndexError):   # no autogroup in this kernel, no /proc, a sandbox that forbids it
        pass


def sandbox_prelude():
    """Python source that does `lower_priority(os.environ)` and leaves no name behind (it runs before a
    sandboxed kernel's own code, in the namespace that becomes the notebook's)."""
    with open(__file__) as f:
        source = f.read()
    return f"exec({source + chr(10) + 'lower_priority(os.environ)' + chr(10)!r}, {{}})\n"
