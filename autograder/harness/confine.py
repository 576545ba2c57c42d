"""The degraded sandbox: Landlock, seccomp and a separate uid, where bubblewrap cannot start.

Run by `sandbox.wrap()` (never by hand), with the kit's interpreter and before any student code:

    python -I confine.py SPEC_JSON -- PROGRAM ARGS...

No namespaces are involved (that is the point: this runs where they are not
allowed), only kernel mechanisms any process may apply to itself:

- Landlock (through `landlockpy`): the allowlist `sandbox.wrap()` computes is
  readable (system directories, the Python installation, what the caller
  names), the caller's writable directories and a private temporary directory
  are writable, everything else cannot be opened, listed, written or executed;
  TCP bind/connect is denied (ABI >= 4); signals and abstract Unix sockets do
  not reach outside the sandbox (ABI >= 6); Landlock also refuses the
  sandbox's unprivileged uid ptrace access to any process outside it, which
  guards /proc/<pid>/mem, environ and maps too (even the instructor's own
  processes, when grading does not run as root);
- seccomp (through `pyseccomp`, ctypes over the system's libseccomp): no socket
  but AF_UNIX, no ptrace or process_vm_readv/writev even inside the sandbox,
  no io_uring (its requests would create sockets behind the filter's back);
  the filter is libseccomp's, so another architecture's system calls (x32,
  i386 through int 0x80) kill the process instead of slipping past it;
- as root, `setpriv` to the sandbox's own uid (no capabilities, no new privileges);
- the resource limits the caller set before starting this (`sandbox.preexec`).

Without a PID namespace, something must still end every process of a sandbox:
three processes take part, all but the last trusted (this file only):

1. this one, the pid the caller holds: killing its process group, as the
   callers do, is how a sandbox is stopped; it dies with its own parent;
2. a supervisor, in a session of its own (so that kill does not reach it) and
   a child subreaper (so every process of the sandbox stays below it however
   it daemonizes): it creates the private temporary directory and, when the
   sandboxed process ends or (1) dies, kills whatever is left below it,
   removes the directory and exits;
3. the sandboxed process: applies the rules above, then execs PROGRAM.

If seccomp is unavailable (no libseccomp on the machine) and the spec says it
is optional, the sandbox runs with Landlock and the limits and says so on
stderr; if it is required, or Landlock cannot be applied, nothing runs (exit
126, the reason on stderr).

Uses only the standard library, landlockpy, pyseccomp, psutil and parent_death.py beside it.
"""
import errno
import json
import os
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time

import psutil

try:
    from .parent_death import PR_SET_CHILD_SUBREAPER, die_with_parent, prctl
except ImportError:     # run as a script: no package, and -I leaves this file's folder off sys.path
    sys.path.append(os.path.dirname(os.path.abspath(__file__)))
    from parent_death import PR_SET_CHILD_SUBREAPER, die_with_parent, prctl

REFUSED = 126
PROC = "/proc"
DEVICES_RW = ("/dev/null", "/dev/full")
DEVICES_RO = ("/dev/zero", "/dev/random", "/dev/urandom")
TRACING = ("ptrace", "process_vm_readv", "process_vm_writev")
IO_URING = ("io_uring_setup", "io_uring_enter", "io_uring_register")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)
NO_LANDLOCK = ("this kernel offers no Landlock: it needs Linux >= 5.13 built with CONFIG_SECURITY_LANDLOCK and "
               "'landlock' in its list of security modules (lsm=...,landlock on the kernel command line); "
               "inside Docker, Docker >= 23 (older default seccomp profiles refuse its system calls)")


class Refused(Exception):
    """The sandbox cannot be set up as the spec asks: nothing runs."""


class _Stopped(Exception):
    def __init__(self, signum):
        super().__init__(signum)
        self.code = 128 + signum


def _exit_code(status):
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _close_fds():
    """Keep stdin, stdout and stderr only: the sandbox's other descriptors are its own.

    (A copy held here would, for one, keep the fork server's control socket
    open after the server died, and its peer would wait instead of seeing EOF.)
    """
    os.closerange(3, os.sysconf("SC_OPEN_MAX"))


# -- 1. the caller's process ------------------------------------------------

def main(argv):
    try:
        spec = json.loads(argv[0])
        if argv[1] != "--" or not argv[2:]:
            raise ValueError("no program")
        program = argv[2:]
    except (IndexError, ValueError) as exc:
        print(f"usage: python -I confine.py SPEC_JSON -- PROGRAM [ARGS...] ({exc})", file=sys.stderr)
        return 2
    die_with_parent(signal.SIGKILL)              # dies with the caller, like bwrap --die-with-parent
    me = os.getpid()
    supervisor = os.fork()
    if supervisor == 0:
        code = REFUSED
        try:
            code = supervise(spec, program, me)
        except BaseException as exc:  # noqa: BLE001 - one line in the caller's log, and the exit code says it
            print(f"kit sandbox (landlock): the supervisor failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        finally:
            os._exit(code)
    _close_fds()
    _, status = os.waitpid(supervisor, 0)
    return _exit_code(status)


# -- 2. the supervisor ---------------------------------------------------------

def supervise(spec, program, caller):
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    os.setsid()                                  # out of the caller's process group: outlives its kill
    die_with_parent(signal.SIGTERM)              # ... and learns of it
    if os.getppid() != caller:
        return 128 + signal.SIGTERM              # killed before we could listen
    prctl(PR_SET_CHILD_SUBREAPER, 1)             # orphans of the sandbox come to us, not to init

    def stop(signum, _frame):
        raise _Stopped(signum)

    for s in STOP_SIGNALS:
        signal.signal(s, stop)
    uid = spec.get("uid")
    tmp = tempfile.mkdtemp(prefix="kit-sandbox-")
    try:
        if uid is not None:
            os.chown(tmp, uid, uid)
            blocked = unreachable({**spec, "write": [*spec.get("write", ()), tmp]}, uid, spec["gid"])
            if blocked:
                print(f"kit sandbox (landlock): {blocked}", file=sys.stderr)
                return REFUSED
        child = os.fork()
        if child == 0:
            for s in STOP_SIGNALS:
                signal.signal(s, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            try:
                confine_and_exec(spec, program, tmp)
            except Refused as exc:
                print(f"kit sandbox (landlock): {exc}", file=sys.stderr)
            except BaseException as exc:  # noqa: BLE001
                print(f"kit sandbox (landlock): could not start: {type(exc).__name__}: {exc}", file=sys.stderr)
            os._exit(REFUSED)
        _close_fds()
        try:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            while True:
                pid, status = os.waitpid(-1, 0)
                if pid == child:
                    return _exit_code(status)
        except _Stopped as stopped:
            return stopped.code
    finally:
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        end_all()
        _remove(tmp)


def end_all(patience=10.0):
    """Kill and reap every process below this one (the subreaper: all the sandbox's)."""
    deadline = time.monotonic() + patience
    while True:
        left = psutil.Process().children(recursive=True)
        for process in left:
            try:
                process.send_signal(signal.SIGKILL)
            except psutil.Error:
                pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if not left or time.monotonic() > deadline:
            return
        time.sleep(0.005)


def _remove(tmp):
    def unlock(func, path, _exc):
        # the sandbox may have taken its own permissions away (chmod 000)
        try:
            os.chmod(os.path.dirname(path), 0o700)
            if os.path.isdir(path) and not os.path.islink(path):
                os.chmod(path, 0o700)
            func(path)
        except OSError:
            pass
    shutil.rmtree(tmp, onerror=unlock)


def unreachable(spec, uid, gid):
    """'' if the sandbox's user can reach every path of the spec, else what blocks it and the fix.

    Landlock decides what the sandbox may open, but the kernel checks the
    ordinary permissions first: as root, the sandbox's uid must be able to pass
    through every parent directory (e.g. a Python installed under /root, 0700).
    Checked here, in a child that takes the sandbox's uid, so the failure has
    a name instead of a crash at the interpreter's start.
    """
    wanted = [(p, os.R_OK) for p in spec.get("read", ())] + [(p, os.R_OK | os.W_OK) for p in spec.get("write", ())]
    if spec.get("workdir"):
        wanted.append((spec["workdir"], os.R_OK))
    wanted = [(p, need) for p, need in wanted if os.path.exists(p)]
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        message = ""
        try:
            os.setgroups([gid])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for path, need in wanted:
                message = _blocked(path, need, uid, gid)
                if message:
                    break
        except BaseException as exc:  # noqa: BLE001
            message = f"could not check what uid {uid} can reach: {type(exc).__name__}: {exc}"
        os.write(w, message.encode()[:4000])
        os._exit(0)
    os.close(w)
    chunks = []
    while chunk := os.read(r, 4096):
        chunks.append(chunk)
    os.close(r)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode(errors="replace")


def _blocked(path, need, uid, gid):
    parts = os.path.abspath(path).split("/")[1:]
    for i in range(len(parts)):
        parent = "/" + "/".join(parts[:i])
        if not os.access(parent, os.X_OK):
            st = os.stat(parent)
            return (f"student code runs as uid {uid} (group {gid}) here, and it cannot pass through {parent} "
                    f"(mode {stat.filemode(st.st_mode)}, owner uid {st.st_uid}) to reach {path}. Let the sandbox's "
                    f"group through (Landlock still decides what it may read): setfacl -m g:{gid}:x {parent} ; "
                    f"or chmod o+x {parent} ; or install Python and the kit outside {parent}")
    if os.path.isdir(path):
        need |= os.X_OK
    if not os.access(path, need):
        st = os.stat(path)
        what = "write" if need & os.W_OK else "read"
        return (f"student code runs as uid {uid} here, and it cannot {what} {path} "
                f"(mode {stat.filemode(st.st_mode)}, owner uid {st.st_uid})")
    return ""


# -- 3. the sandboxed process ---------------------------------------------------

def confine_and_exec(spec, program, tmp):
    env = {"HOME": tmp, "TMPDIR": tmp, "MPLCONFIGDIR": os.path.join(tmp, "mpl"), **spec.get("env", {})}
    os.chdir(spec.get("workdir") or tmp)
    seccomp = _pyseccomp()           # before Landlock: finding libseccomp runs ldconfig
    status = {"landlock_abi": apply_landlock(spec, tmp)}
    status["seccomp"] = apply_seccomp(spec, seccomp)
    if status["seccomp"]:
        if spec.get("seccomp") == "required":
            raise Refused(f"seccomp is required here and unavailable: {status['seccomp']}")
        print(f"kit sandbox (landlock): WITHOUT seccomp ({status['seccomp']}): sockets are limited only by "
              "Landlock's TCP rules (ABI >= 4), ptrace inside the sandbox not at all", file=sys.stderr)
    uid = spec.get("uid")
    if uid is not None:
        program = [spec.get("setpriv") or "/usr/bin/setpriv", f"--reuid={uid}", f"--regid={uid}",
                   f"--groups={spec['gid']}", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                   "--pdeathsig=KILL", *program]
    else:
        die_with_parent(signal.SIGKILL)
    status["uid"] = uid if uid is not None else os.getuid()
    if spec.get("report"):
        print(json.dumps(status), flush=True)
    os.execvpe(program[0], program, env)


def apply_landlock(spec, tmp):
    """Restrict this process and its future children to the spec's paths; the Landlock ABI used."""
    try:
        import landlockpy as ll
    except ImportError as exc:
        raise Refused(f"the landlockpy package is missing ({exc}): reinstall the kit (./run)") from None
    try:
        abi = ll.abi_version()
    except OSError as exc:                       # e.g. EPERM from an old Docker seccomp profile
        raise Refused(f"{NO_LANDLOCK} ({exc})") from None
    if abi < 1:
        raise Refused(NO_LANDLOCK)
    fs = ll.fs_for_abi(abi)
    A = ll.AccessFS
    read_dir, read_file = A.READ_FILE | A.READ_DIR | A.EXECUTE, A.READ_FILE | A.EXECUTE
    write_dir = fs & ~(A.MAKE_CHAR | A.MAKE_BLOCK | A.IOCTL_DEV)
    write_file = fs & (A.READ_FILE | A.WRITE_FILE | A.TRUNCATE)
    net = ll.AccessNet.NONE if spec.get("net") else (ll.AccessNet.BIND_TCP | ll.AccessNet.CONNECT_TCP
                                                     | ll.AccessNet.BIND_UDP | ll.AccessNet.CONNECT_SEND_UDP)
    # best effort: rights this kernel does not know are left out (the ABI says which)
    with ll.Ruleset(handled_fs=fs, handled_net=net, scoped=ll.Scope.ABSTRACT_UNIX_SOCKET | ll.Scope.SIGNAL) as rules:
        def allow(path, on_dir, on_file):
            if os.path.isdir(path):
                rules.allow_path(path, on_dir)
            elif os.path.exists(path) and on_file:
                rules.allow_path(path, on_file & fs)

        for path in spec.get("read", ()):
            allow(path, read_dir, read_file)
        allow(PROC, A.READ_FILE | A.READ_DIR, None)
        for path in DEVICES_RW:
            allow(path, None, A.READ_FILE | A.WRITE_FILE | A.TRUNCATE)
        for path in DEVICES_RO:
            allow(path, None, A.READ_FILE)
        for path in [*spec.get("write", ()), tmp]:
            allow(path, write_dir, write_file)
        rules.restrict()                         # sets no_new_privs too
    return abi


def _pyseccomp():
    """The pyseccomp module, or why there is none."""
    try:
        import pyseccomp
        return pyseccomp
    except Exception as exc:  # noqa: BLE001 - pyseccomp raises RuntimeError when libseccomp is not installed
        return f"libseccomp not found ({exc}; on Debian/Ubuntu: apt-get install libseccomp2)"


def apply_seccomp(spec, sc):
    """'' once the filter is loaded, else why it could not be (libseccomp missing, kernel without seccomp)."""
    if isinstance(sc, str):
        return sc
    try:
        rules = sc.SyscallFilter(sc.ALLOW)
        if not spec.get("net"):
            # an allowlist of one family: anything but AF_UNIX (an int compared in full: no high bits slip by)
            for call in ("socket", "socketpair"):
                rules.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), call, sc.Arg(0, sc.NE, socket.AF_UNIX))
            # netlink too (this rule wins over the broader one: tests/test_sandbox_degraded.py checks both
            # errnos), with the errno libzmq takes for "no interfaces" (its WSL case): binding a tcp://
            # address (ipykernel's IOPub pipe tries) first lists interfaces (getifaddrs, over netlink) and
            # aborts the kernel on any other error; the bind itself then fails cleanly, without AF_INET
            rules.add_rule(sc.ERRNO(errno.EOPNOTSUPP), "socket", sc.Arg(0, sc.EQ, socket.AF_NETLINK))
        for call in TRACING:
            rules.add_rule(sc.ERRNO(errno.EPERM), call)
        for call in IO_URING:
            try:
                rules.add_rule(sc.ERRNO(errno.ENOSYS), call)
            except OSError:
                pass                             # a libseccomp older than io_uring
        rules.load()
    except OSError as exc:
        return f"the seccomp filter could not be loaded: {exc}"
    return ""


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
