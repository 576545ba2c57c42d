"""What the kernel counts for a tree of processes: CPU time, waiting for a CPU and memory, read through psutil and /proc.

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
        total += _with_reaped(times)
    return total


def own_cpu_seconds(pid):
    """CPU time of one process (all its threads) and the children it reaped; None if it is gone.

    No walk of the tree: cheap enough to take before every call into an answer.
    """
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return _with_reaped(times)


def waited_for_cpu(pid):
    """Seconds the process's main thread has been runnable but waiting for a CPU (its run delay).

    From /proc/PID/schedstat; None where the kernel does not keep it, or the process is gone.
    """
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def host_pid(root, pid_inside):
    """The pid, as this process sees it, of the process below root that its own pid namespace numbers
    `pid_inside` (bubblewrap's, or ours when there is none); None if there is none."""
    for process in descendants(root):
        try:
            with open(f"/proc/{process.pid}/status") as f:
                numbers = next((line.split()[1:] for line in f if line.startswith("NSpid:")), None)
        except OSError:
            continue
        if numbers and int(numbers[-1]) == pid_inside:
            return process.pid
    return None


def _with_reaped(times):
    """User and system CPU time of a process and of the children it reaped."""
    return times.user + times.system + times.children_user + times.children_system


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
