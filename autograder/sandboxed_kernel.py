"""The sandboxed kernel a notebook runs in at autograde: its kernelspec, its socket folder, and one started ahead.

`SandboxKernel` (nbgrader_ext.py) points a notebook at SANDBOXED_KERNEL, whose
launcher (harness/kernel_launcher.py) wraps ipykernel in the sandbox; the
kernel talks over Unix sockets in `kernel_socket_dir()`.

A kernel started ahead: the warm template process (harness/template_process.py)
keeps standby `autograde_one` processes, forked before their submissions are
known. Each starts its sandboxed kernel here (`start_kernel_ahead`: numpy and
torch imported, NBGRADER_EXECUTION=autograde, working in an empty scratch
folder) and then waits. When its submission comes, ExecuteContained takes that
kernel for the notebook (`take_kernel_ahead`): the notebook's folder is copied
into the scratch folder and nbclient runs the cells in the started kernel,
which it then shuts down as it would its own. One kernel runs one notebook; a
kernel started under settings other than those the notebook's autograde would
start one with (its sandbox, kernelspec, connection, execution mode) is not
used: the notebook starts its own, as without a standby.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .harness import sandbox
from .harness.kernel_launcher import AHEAD

SANDBOXED_KERNEL = "kit-sandboxed-python3"
AUTOGRADE_ENV = {"NBGRADER_EXECUTION": "autograde"}        # what nbgrader's autograde sets around execution
HISTORY_ARGS = ["--HistoryManager.hist_file=:memory:"]     # what nbclient adds when it starts an ipykernel
SANDBOX_SETTINGS = ("KIT_SANDBOX", "KIT_SANDBOX_MEMORY_GB")  # the sandbox's settings, exported by SandboxKernel

_socket_dir = (None, None)        # (pid, path)
_kernelspec_dir = (None, None)    # (pid, path)
_ahead = None                     # this process's KernelAhead, until a notebook takes it
SOCKET_PATH_MAX = 107             # bytes of a Unix socket's path (sun_path, less its closing NUL)


def kernel_socket_dir():
    """This process's private folder for its kernels' Unix sockets (and their scratch copies), removed at its exit.

    One per process however often it loads a course's configuration (class grading
    loads a scratch course's for every submission); a forked child makes its own.
    In TMPDIR, or in /tmp where TMPDIR is too long a path for the sockets (zmq would
    only say "File name too long" when the first kernel starts).
    """
    global _socket_dir
    pid, path = _socket_dir
    if pid != os.getpid() or not os.path.isdir(path):
        path = tempfile.mkdtemp(prefix="kit-kernel-sockets-")
        if not _fits_a_socket(path):
            os.rmdir(path)
            path = tempfile.mkdtemp(prefix="kit-kernel-sockets-", dir="/tmp")
            if not _fits_a_socket(path):
                os.rmdir(path)
                raise RuntimeError(f"no folder for the kernels' Unix sockets: {tempfile.gettempdir()} (TMPDIR) and "
                                   f"{path} are longer than a socket path allows ({SOCKET_PATH_MAX} bytes)")
        atexit.register(shutil.rmtree, path, ignore_errors=True)
        _socket_dir = (os.getpid(), path)
    return path


def _fits_a_socket(folder):
    """Whether the kernels' sockets in `folder` (jupyter_client names them <ip>-<port>) fit a Unix socket's path."""
    return len(os.fsencode(os.path.join(folder, "kernel-65535"))) <= SOCKET_PATH_MAX


def install_sandboxed_kernelspec():
    """SANDBOXED_KERNEL's kernelspec, in a private folder on this process's JUPYTER_PATH (one per process,
    removed at its exit)."""
    global _kernelspec_dir
    pid, private = _kernelspec_dir
    if pid != os.getpid() or not private.is_dir():
        private = Path(tempfile.mkdtemp(prefix="kit-jupyter-"))
        atexit.register(shutil.rmtree, private, ignore_errors=True)
        _kernelspec_dir = (os.getpid(), private)
        spec_dir = private / "data" / "kernels" / SANDBOXED_KERNEL
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "autograder.harness.kernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (sandboxed for grading)", "language": "python",
            # a signal would reach bwrap, not the kernel: interrupt through the control channel
            "interrupt_mode": "message"}))
    data = str(private / "data")
    if data not in os.environ.get("JUPYTER_PATH", "").split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [data, os.environ.get("JUPYTER_PATH")]))


@dataclass
class KernelAhead:
    km: object              # jupyter_client's AsyncKernelManager, its kernel started
    scratch: Path           # the kernel's working folder (empty until its notebook's files are copied in)
    settings: dict          # what it was started under, compared with what the notebook would start one under
    pid: int                # the process that started it: a fork of that process does not own it

    def launcher(self):
        """The kernel's launcher process (it execs the sandbox, whose processes die with it), or None."""
        return getattr(self.km.provisioner, "process", None)

    def alive(self):
        process = self.launcher()
        return process is not None and process.poll() is None

    def stop(self):
        """Kill the kernel's sandbox. Not through jupyter_client's shutdown: that asks a dead or half-started
        kernel over zmq first, and a standby found it waiting without end (CI, under load)."""
        process = self.launcher()
        if process is not None and process.poll() is None:
            process.kill()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.km.cleanup_connection_file()      # what the shutdown would have removed (it may live outside TMPDIR)
        self.km.cleanup_ipc_files()


def _settings(kernel_manager_class, transport, ip, extra_arguments):
    return {"manager": f"{kernel_manager_class.__module__}.{kernel_manager_class.__qualname__}",
            "transport": transport, "ip": ip, "arguments": list(extra_arguments),
            "env": {k: os.environ.get(k) for k in (*SANDBOX_SETTINGS, "NBGRADER_VALIDATING")}}


def start_kernel_ahead():
    """In a standby process: start the sandboxed kernel its notebook will run in. False where none can start
    (no sandbox, or KIT_SANDBOX=off: the notebook then starts its kernel as it would without a standby)."""
    global _ahead
    if sandbox.mode() == "off" or sandbox.check():
        return False
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    install_sandboxed_kernelspec()
    sockets = kernel_socket_dir()
    scratch = Path(tempfile.mkdtemp(prefix="kit-kernel-", dir=sockets))
    ip = os.path.join(sockets, "kernel")         # as the kit's nbgrader_config.py sets c.KernelManager.ip
    km = AsyncKernelManager(kernel_name=SANDBOXED_KERNEL, transport="ipc", ip=ip)
    ahead = KernelAhead(km, scratch, _settings(AsyncKernelManager, "ipc", ip, HISTORY_ARGS), os.getpid())
    try:
        run_sync(km.start_kernel)(extra_arguments=HISTORY_ARGS, cwd=str(scratch),
                                  env={**os.environ, **AUTOGRADE_ENV, AHEAD: "1"})
    except BaseException:
        ahead.stop()
        raise
    finally:
        # jupyter_client connected a control socket, whose zmq context runs I/O threads; a process with threads
        # other than its own cannot fork its graders (harness/warm.py). A new context starts threads only when used.
        km._close_control_socket()
        km.context.destroy(linger=0)
        km.context = type(km.context)()
    _ahead = ahead
    return True


def stop_kernel_ahead():
    """A standby that ends without a notebook: stop the kernel it started (its folders go at the process's exit)."""
    global _ahead
    if _ahead is not None and _ahead.pid == os.getpid():
        _ahead.stop()
    _ahead = None


def take_kernel_ahead(execute, nb, resources):
    """For ExecuteContained: this process's kernel started ahead, made ready for `nb`, or None.

    Ready: the notebook's folder copied into the kernel's working folder, writable
    by the kernel's sandbox user. None (and the standby kernel stopped) if it was
    started under other settings than `execute` would start one with now.
    """
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is None or ahead.pid != os.getpid():
        return None
    probe = execute.kernel_manager_class(kernel_name=SANDBOXED_KERNEL, config=execute.config)
    wanted = _settings(execute.kernel_manager_class, probe.transport, probe.ip,
                       [*execute.extra_arguments, *([f"--HistoryManager.hist_file={execute.ipython_hist_file}"]
                                                    if execute.ipython_hist_file else [])])
    usable = (nb.metadata.get("kernelspec", {}).get("name") == SANDBOXED_KERNEL
              and execute.kernel_name in ("", SANDBOXED_KERNEL)
              and all(os.environ.get(k) == v for k, v in AUTOGRADE_ENV.items())
              and wanted == ahead.settings and ahead.alive())
    if not usable:
        execute.log.info("The kernel started ahead does not fit this notebook; it starts its own")
        ahead.stop()
        return None
    notebook_dir = resources.get("metadata", {}).get("path") or os.getcwd()
    shutil.copytree(notebook_dir, ahead.scratch, dirs_exist_ok=True)
    # the user of the kernel's sandbox is chosen from its launcher's pid (which execs the sandbox)
    sandbox.grant(ahead.scratch, pid=ahead.km.provisioner.pid)
    execute.log.info("Running the notebook in a kernel started ahead of it")
    return ahead.km
