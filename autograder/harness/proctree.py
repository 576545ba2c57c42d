"""What the kernel counts for a tree of processes: CPU time and memory, read from /proc.

Trusted measurements of untrusted processes: the answer's code can lie about
anything it reports, not about what the kernel accounts to it. Sandboxed
processes appear here with their host pids (bubblewrap's pid namespace hides
the host from them, not them from the host).
"""
import os

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def descendants(root):
    """root and every process below it."""
    children = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _stat_fields(entry.name)
            if stat is not None:
                children.setdefault(int(stat[1]), []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def cpu_seconds(root):
    """CPU time (user + system) used so far by root and its descendants, with the children they reaped."""
    ticks = 0
    for pid in descendants(root):
        stat = _stat_fields(pid)
        if stat is not None:      # utime, stime, cutime, cstime: fields 14-17 of /proc/<pid>/stat
            ticks += sum(int(v) for v in stat[11:15])
    return ticks / CLOCK_TICKS


def memory_by_process(root):
    """{pid: proportional memory (PSS: shared pages split among their users) in MiB} of root and its descendants."""
    return {pid: _pss_kb(pid) / 1024 for pid in descendants(root)}


def _stat_fields(pid):
    """/proc/<pid>/stat after the command name (state, ppid, ...), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _pss_kb(pid):
    """PSS in KiB, else RSS (smaps_rollup unreadable), else 0 (gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0
