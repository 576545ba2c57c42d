"""The pinned packages install on every Python the kit claims (issue 13).

`./run` installs `-r requirements.txt -c constraints.txt` into a venv made by the
system's python3. A pin whose Requires-Python excludes one of those Pythons makes
the first run fail with ResolutionImpossible (soupsieve 4.x needs 3.11.5; Debian 12
has 3.11.2). Here pip resolves the two files for each claimed Python, by micro
version, without installing anything: `pip install --dry-run --python-version ...`.

The supported range is written in pyproject.toml (requires-python) and in `run`
(PY_MIN, PY_MAX, checked at start-up); CLAIMED below names one Python per minor
version in it, as the systems the README names ship it. Needs PyPI: without it the
resolving tests skip, or fail when CI is set.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

# One Python per supported minor version, as the systems ship it (micro versions matter:
# Requires-Python ">=3.11.5" must be caught for Debian 12's 3.11.2).
CLAIMED = {
    "3.11.2": "Debian 12",
    "3.12.3": "Ubuntu 24.04",
    "3.13.5": "Debian 13",
    "3.14.0": "the newest Python torch 2.13.0 has wheels for",
}
TORCH = "2.13.0"  # exactly; anything else pulls another (multi-GB CUDA) build

# Wheels a glibc-2.36 x86_64 Linux (Debian 12, the oldest glibc of CLAIMED) can install.
PLATFORMS = ([f"manylinux_2_{minor}_x86_64" for minor in range(5, 37)]
             + ["manylinux1_x86_64", "manylinux2010_x86_64", "manylinux2014_x86_64", "linux_x86_64"])
PIP_SECONDS = 300  # one resolve; about 20-60 s with a fast link (CUDA torch wheels are fetched whole)

# the four pip resolves share one worker: one core stays free for the rest of the suite
pytestmark = pytest.mark.xdist_group("pip-lock")


def requires_python():
    return SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])


def run_range():
    """(PY_MIN, PY_MAX) of the start-up check in `run`, as (major, minor) tuples."""
    text = (ROOT / "run").read_text()
    found = [re.search(rf"^{name}=(\d+)\.(\d+)$", text, re.M) for name in ("PY_MIN", "PY_MAX")]
    assert all(found), "run: no PY_MIN=3.x / PY_MAX=3.x lines for the start-up check"
    return tuple(tuple(int(part) for part in match.groups()) for match in found)


def resolve(directory, python_version, tmp_path):
    """pip's resolution of DIRECTORY's requirements.txt + constraints.txt for CPython
    PYTHON_VERSION on x86_64 Linux: {normalized name: version}, or AssertionError
    with pip's own explanation."""
    report = tmp_path / f"report-{python_version}.json"
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
               "--only-binary=:all:", "--python-version", python_version, "--implementation", "cp",
               *(arg for platform in PLATFORMS for arg in ("--platform", platform)),
               "--target", str(tmp_path / f"target-{python_version}"),
               "-r", "requirements.txt", "-c", "constraints.txt",
               "--report", str(report), "--progress-bar", "off", "--disable-pip-version-check"]
    try:
        done = subprocess.run(command, cwd=directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=PIP_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"pip took over {PIP_SECONDS} s to resolve for Python {python_version}")
    if done.returncode != 0:
        lines = done.stdout.splitlines()
        errors = [n for n, line in enumerate(lines) if line.startswith("ERROR:")]
        raise AssertionError(f"the pins do not install on Python {python_version}:\n"
                             + "\n".join(lines[errors[0]:] if errors else lines[-40:]))
    installs = json.loads(report.read_text())["install"]
    return {canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"] for item in installs}


@pytest.fixture(scope="module")
def pypi():
    try:
        urllib.request.urlopen(urllib.request.Request("https://pypi.org/simple/", method="HEAD"), timeout=20)
    except OSError as error:
        message = f"PyPI cannot be reached ({error}): the pins' resolution is not checked"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.parametrize("python_version", list(CLAIMED))
def test_the_pins_install_on_a_claimed_python(python_version, pypi, tmp_path):
    resolved = resolve(ROOT, python_version, tmp_path)
    assert "torch" in resolved, f"Python {python_version}: torch is not in the resolved set"
    assert Version(resolved["torch"]).public == TORCH, (
        f"Python {python_version}: torch {resolved['torch']} resolved, not {TORCH}")


def test_a_pin_too_new_for_debian_12_is_caught(pypi, tmp_path):
    """The check itself: pip honours the micro version (the issue's soupsieve 4.1.3)."""
    copy = tmp_path / "old"
    copy.mkdir()
    shutil.copy(ROOT / "requirements.txt", copy)
    constraints = (ROOT / "constraints.txt").read_text()
    old, count = re.subn(r"^soupsieve==.*$", "soupsieve==4.1.3", constraints, flags=re.M)
    assert count == 1
    (copy / "constraints.txt").write_text(old)
    with pytest.raises(AssertionError, match="soupsieve"):
        resolve(copy, "3.11.2", tmp_path)


def test_every_pin_is_exact():
    for name in ("requirements.txt", "constraints.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                specifier = Requirement(line).specifier
                assert len(specifier) == 1 and next(iter(specifier)).operator == "==", f"{name}: {line} is not pinned with =="
                if Requirement(line).name == "torch":
                    assert str(specifier) == f"=={TORCH}", f"{name}: torch must stay {TORCH}"


def test_run_and_pyproject_claim_the_same_pythons():
    (low, high), spec = run_range(), requires_python()
    for minor in range(0, 30):
        in_run = low <= (3, minor) <= high
        for micro in (0, 99):
            assert spec.contains(f"3.{minor}.{micro}") == in_run, (
                f"3.{minor}.{micro}: `run` accepts {low[0]}.{low[1]} to {high[0]}.{high[1]}, "
                f"pyproject.toml says requires-python {spec}")
    claimed_minors = {tuple(Version(v).release[:2]) for v in CLAIMED}
    supported = {(3, minor) for minor in range(low[1], high[1] + 1)}
    assert claimed_minors == supported, f"CLAIMED should name one Python for each of {sorted(supported)}"
