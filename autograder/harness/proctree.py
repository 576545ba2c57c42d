"""What the kernel counts for a tree of processes: CPU time and memory, read through psutil.

Trusted measurements of untrusted processes: the answer's code can lie about
anything it reports, not about what the kernel accounts to it. Sandboxed
processes appear here with their host pids (bubblewrap's pid namespace hides
the host from them, not them from the host).
"""
import psutil

MIB = 1 << 20


def descendants(root):
    """root and every process below it (a gone root: none)."""
    try:
        top = psutil.Process(root)
        return [top, *top.children(recursive=True)]
    except psutil.Error:
        return []


def cpu_seconds(root):
    """CPU time (user + system) used so far by root and its descendants, with the children they reaped."""
    total = 0.0
    for process in descendants(root):
        try:
            times = process.cpu_times()
        except psutil.Error:      # ended since the tree was read: its time is in its parent's children_*
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def memory_by_process(root):
    """{pid: proportional memory (PSS: shared pages split among their users) in MiB} of root and its descendants."""
    return {process.pid: _pss_bytes(process) / MIB for process in descendants(root)}


def _pss_bytes(process):
    """PSS, else RSS (smaps unreadable: another uid's process), else 0 (gone)."""
    try:
        return process.memory_full_info().pss
    except psutil.AccessDenied:
        pass
    except psutil.Error:
        return 0
    try:
        return process.memory_info().rss
    except psutil.Error:
        return 0
