"""Gradings run at a lower CPU priority than the people using the machine (`nice`).

In a deadline rush every core grades; at the same priority, what students do on
the same machine (their notebooks under JupyterHub, `nbgrader submit` itself)
waits behind the gradings. A grade does not depend on it: the graders' time
limits count CPU time, not wall time. The niceness travels in the grading's
environment (NICE_VAR, set by grading/task.py from `c.ClassGrading.nice`), so
whichever way a grading starts (a fork of the warm template, a standby with its
kernel started ahead, a new interpreter) it and everything it starts get it.
"""
import os

NICE_VAR = "KIT_GRADING_NICE"
MAX_NICE = 19


def lower_priority(env):
    """Lower this process's CPU priority to the niceness `env` asks for; never raise it (that needs root,
    and a process already niced more stays so)."""
    try:
        wanted = min(int(env.get(NICE_VAR, "0")), MAX_NICE)
    except ValueError:
        return
    if wanted > os.getpriority(os.PRIO_PROCESS, 0):
        os.setpriority(os.PRIO_PROCESS, 0, wanted)
