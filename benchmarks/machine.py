"""What a benchmark's figures were measured on: they differ twofold between this project's machines."""
import os
import platform
from pathlib import Path


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
