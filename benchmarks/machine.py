"""What a benchmark's figures were measured on (they differ twofold between this project's machines), and how busy it was."""
import os
import platform
import threading
import time
from pathlib import Path

import psutil


def cpu_model():
    """The processor's name as Linux gives it (platform.processor() is often empty there)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown processor"


def describe():
    """One line: architecture, processor, cores, Python."""
    return f"{platform.machine()} ({cpu_model()}), {os.cpu_count()} cores, Python {platform.python_version()}"


class BusyCPU(threading.Thread):
    """How many CPU-seconds this machine's cores spent working between two moments (any process's work).

    Sampled from the start of the thread, since the moments are known only afterwards (a feedback's arrival
    is its file's mtime). Steal time is not counted: a hypervisor gave that to another machine.
    """

    def __init__(self, interval=0.25):
        super().__init__(daemon=True)
        self.interval, self.samples = interval, []
        self._stopped = threading.Event()

    def run(self):
        while True:
            t = psutil.cpu_times()
            self.samples.append((time.time(), t.user + t.nice + t.system + t.irq + t.softirq))
            if self._stopped.wait(self.interval):
                return

    def stop(self):
        self._stopped.set()
        self.join()

    def between(self, start, end):
        """CPU-seconds busy from the last sample at or before `start` to the first at or after `end`."""
        before = [busy for t, busy in self.samples if t <= start] or [self.samples[0][1]]
        after = [busy for t, busy in self.samples if t >= end] or [self.samples[-1][1]]
        return after[0] - before[-1]
