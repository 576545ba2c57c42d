"""Start a notebook's Jupyter kernel inside the sandbox (the kernelspec of `SandboxKernel`).

jupyter_client runs this, outside the sandbox, as
`python -m autograder.harness.kernel_launcher -f CONNECTION_FILE` with the
notebook's directory as the working directory. It copies that directory to a
scratch directory, which the kernel sees at the notebook's own path (bubblewrap)
or works in (Landlock+seccomp: no mount namespace to show it elsewhere), and
which is the only place it may write: the course's directory is never written,
and in the Landlock mode not even readable. The kernel talks to nbgrader over
Unix sockets in the connection file's private directory (transport "ipc":
there is no network in the sandbox, not even loopback).

Started ahead of its notebook (KIT_KERNEL_AHEAD set: autograder/kernel_ahead.py),
the working directory is an empty scratch directory the notebook's files are
copied into when it arrives, seen at AHEAD_PATH (bubblewrap) since the
notebook's own path is not known yet, and the kernel has imported numpy and
torch before it answers.
"""
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from . import priority, sandbox
from .answer_client import answer_env

# not JPY_PARENT_PID: the parent is outside the PID namespace (bwrap --die-with-parent covers it)
PASSED_THROUGH = ("NBGRADER_EXECUTION", "NBGRADER_VALIDATING")
AHEAD = "KIT_KERNEL_AHEAD"            # set: started before its notebook (cwd: the scratch directory, empty)
AHEAD_PATH = "/grading/notebook"      # where such a kernel sees its notebook's folder (bubblewrap)
# ipykernel_launcher's own steps (`python -m ipykernel_launcher`), for a kernel started for its notebook ...
_PATH_AS_LAUNCHER = ("import sys\n"
                     "if sys.path[0] == '':\n    del sys.path[0]     # put back by the kernel, as ipykernel_launcher does\n")
_LAUNCH = "from ipykernel import kernelapp\nkernelapp.launch_new_instance()\n"
KERNEL = _PATH_AS_LAUNCHER + _LAUNCH
# ... and with what most notebooks import loaded while no notebook waits for it, for one started ahead
PRELOADED_KERNEL = _PATH_AS_LAUNCHER + "import numpy, torch\n" + _LAUNCH


def command(connection_file, notebook_dir):
    info = json.loads(Path(connection_file).read_text())
    if info.get("transport") != "ipc":
        raise SystemExit("kit sandboxed kernel: the connection must use transport 'ipc' "
                         "(c.KernelManager.transport = 'ipc' in nbgrader_config.py)")
    sockets = Path(info["ip"]).parent
    if not Path(info["ip"]).is_absolute():
        raise SystemExit("kit sandboxed kernel: the ipc socket path must be absolute "
                         "(c.KernelManager.ip in nbgrader_config.py)")
    ahead = bool(os.environ.get(AHEAD))
    if ahead:       # the scratch directory itself, made by kernel_ahead; the notebook's files come later
        scratch = Path(notebook_dir)
    else:
        # inside the socket directory, which the nbgrader process that owns it removes when it ends: the
        # launcher execs the sandbox and is not there to remove its copy when the kernel ends
        scratch = Path(tempfile.mkdtemp(prefix="kit-kernel-", dir=sockets))
        shutil.copytree(notebook_dir, scratch, dirs_exist_ok=True)
    # the kernel reads its connection file (and key) from its private socket directory
    private_connection = sockets / Path(connection_file).name
    if Path(connection_file).resolve() != private_connection.resolve():
        shutil.copy(connection_file, private_connection)
    sandbox.grant(scratch)
    sandbox.grant(sockets)
    env = {**answer_env(), **{k: os.environ[k] for k in PASSED_THROUGH if k in os.environ}}
    env.pop("MPLBACKEND")   # the notebook's inline plots
    # first the gradings' CPU priority, for the session bubblewrap starts (harness/priority.py)
    argv = [sys.executable, "-c", priority.sandbox_prelude() + (PRELOADED_KERNEL if ahead else KERNEL),
            "-f", str(private_connection)]
    # this launcher only starts sandboxed kernels (with KIT_SANDBOX=off, nbgrader does not use it)
    mechanism = sandbox.isolation("on" if sandbox.mode() == "off" else None)
    if mechanism is None:
        raise SystemExit(f"kit sandboxed kernel: no sandbox can start here: {sandbox.check()}")
    if mechanism != "bubblewrap":
        # no mount namespace: the kernel works in the scratch copy itself, and the notebook's directory
        # is out of its reach like the rest of the course
        return sandbox.wrap(argv, writable=[sockets, scratch], workdir=scratch, env=env, mechanism=mechanism)
    # the scratch copy appears at the notebook's own path
    shown_at = AHEAD_PATH if ahead else notebook_dir
    return sandbox.wrap(argv, writable=[sockets], bind_as=[(scratch, shown_at)], workdir=shown_at, env=env,
                        mechanism=mechanism)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    connection_file = argv[argv.index("-f") + 1]
    cmd = command(connection_file, os.getcwd())
    priority.lower_priority(os.environ)      # jupyter_client started this in a session of its own
    sandbox.preexec(sandbox.Limits())()
    os.execvp(cmd[0], cmd)


if __name__ == "__main__":
    main()
