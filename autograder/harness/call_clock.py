"""Time limits that load cannot reach: a call is charged its own time, not the machine's.

Used by the graders' calls into the answer and its load (student.py). The
notebook's cells at autograde stay on the wall clock (README, "Bounded grading").
"""
import os
import time

from . import proctree

_CPUS = max(1, os.cpu_count() or 1)   # how fast the answer's processes can use CPU time, at most
WALL_FACTOR = 1.5    # a call ends at this many times its limit by the wall clock, however loaded the machine


class CallClock:
    """How much of its time limit a call into the answer (or its load) has used.

    The larger of two clocks: the CPU time of the answer's processes since the
    call began (work spread over threads or subprocesses counts in full), and the
    call's wall-clock time minus the time the process serving it was runnable
    but waiting for a CPU (so code that sleeps or blocks is charged as it
    waits). Neither grows when other gradings, or a niced grading's neighbours,
    take the cores: an honest answer meets the same limits on a loaded machine
    as on an idle one. Where the kernel keeps no run delays (no
    /proc/PID/schedstat) or the process cannot be found, the second clock is
    plain wall-clock time.

    A safety bound on the wall clock stays: WALL_FACTOR times the limit. It keeps
    what a hanging submission costs bounded on a loaded machine (its first
    time-out would otherwise stretch with the load); an honest call, tens of
    times quicker than its limit, meets it only on a machine slowed that many times.

    Reading the clocks walks /proc, so it is done only when the limit could
    have been reached (a quick call never reads them): no sooner than the time
    left divided by the cores.
    """

    def __init__(self, limit, pid, forked_at=None):
        """`pid`: the process serving the call, as this side numbers it (None: unknown);
        `forked_at`: for a process forked for this (its load), when: its counts start at zero then."""
        self.limit, self.pid = limit, pid
        fresh = forked_at is not None or pid is None
        self.started = time.monotonic() if forked_at is None else forked_at
        self.cpu_before = 0.0 if fresh else (proctree.own_cpu_seconds(pid) or 0.0)
        self.waited_before = 0.0 if fresh else proctree.waited_for_cpu(pid)
        self._next_look = self.started + limit / _CPUS

    def used(self):
        """Seconds of the limit used (the larger clock; the wall clock where `pid` is None)."""
        wall = time.monotonic() - self.started
        if self.pid is None:
            return wall
        waited = proctree.waited_for_cpu(self.pid)
        excused = waited - self.waited_before if waited is not None and self.waited_before is not None else 0.0
        return max(wall - max(excused, 0.0), proctree.cpu_seconds(self.pid) - self.cpu_before)

    def expired(self):
        """(whether the call has used its limit, seconds until it is worth asking again)."""
        now = time.monotonic()
        wall_left = self.started + self.limit * WALL_FACTOR - now
        if now < self._next_look:
            return wall_left <= 0, min(self._next_look - now, max(wall_left, 0.0))
        left = self.limit - self.used()
        if left <= 0 or wall_left <= 0:
            return True, 0.0
        self._next_look = now + max(0.05, left / _CPUS)
        return False, min(self._next_look - now, wall_left)
