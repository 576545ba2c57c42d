"""`autograder doctor`: can this machine grade? Each finding with OK, or what is wrong and the fix.

Also the first step of `demo` and `grade`, which stop at once when grading
cannot work here rather than run for minutes and grade nothing.
"""
import gzip
import os
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from . import paths

SUPPORTED = ((3, 11), (3, 14))       # as in `run` and pyproject.toml (tests/test_lock_resolves.py keeps them equal)
DATA_FILES = (
    paths.SOURCE / "lenet5" / "data" / "mnist-sample-train-images-idx3-ubyte.gz",
    paths.SOURCE / "lenet5" / "data" / "mnist-sample-train-labels-idx1-ubyte.gz",
    paths.GRADERS / "lenet5" / "data" / "mnist-heldout-images-idx3-ubyte.gz",
    paths.GRADERS / "lenet5" / "data" / "mnist-heldout-labels-idx1-ubyte.gz",
    *sorted((paths.SOURCE / "pooling_comparison" / "fashion").glob("*.gz")),
)


@dataclass
class Finding:
    name: str
    ok: bool
    detail: str
    blocking: bool = True        # a failure that stops grading (others are warnings)

    def line(self):
        status = "OK  " if self.ok else ("FAIL" if self.blocking else "WARN")
        return f"{status} {self.name}: {self.detail}"


def python_version():
    found = sys.version_info[:2]
    low, high = SUPPORTED
    ok = low <= found <= high
    return Finding("python", ok, f"{sys.version.split()[0]} ({sys.executable})" + (
        "" if ok else f"; the kit supports {low[0]}.{low[1]} to {high[0]}.{high[1]}: "
                      "run it with another Python (PYTHON=/path/to/python3.12 ./run ...)"))


def _pins(name):
    """{package: pinned version} of a requirements file, for the pins whose markers apply here."""
    from packaging.requirements import InvalidRequirement, Requirement
    pins = {}
    path = paths.KIT_ROOT / name
    for line in path.read_text().splitlines() if path.exists() else ():
        try:
            req = Requirement(line.split("#")[0].strip())
        except InvalidRequirement:         # blank lines, comments
            continue
        exact = [s.version for s in req.specifier if s.operator == "=="]
        if exact and (req.marker is None or req.marker.evaluate()):
            pins[req.name.lower().replace("_", "-")] = exact[0]
    return pins


def installed_lock():
    """The environment holds exactly the pinned versions (what `run` installs from the lock)."""
    required, constrained = _pins("requirements.txt"), _pins("constraints.txt")
    wrong, checked = [], 0
    for name, want in sorted({**constrained, **required}.items()):
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            if name in required:          # constraints also pin what only the tools/ scripts use
                wrong.append(f"{name} missing")
            continue
        checked += 1
        if have.split("+")[0] != want.split("+")[0]:
            wrong.append(f"{name} {have} (pinned {want})")
    if not wrong:
        return Finding("packages", True, f"{checked} installed packages as requirements.txt and constraints.txt pin them")
    # grading may still work, but not as tested: a warning, not a stop
    return Finding("packages", False, ", ".join(wrong[:6]) + (" ..." if len(wrong) > 6 else "")
                   + ": reinstall with `rm -r .venv && ./run doctor`", blocking=False)


def sandbox_findings():
    from .harness import sandbox
    findings = [Finding(f"sandbox: {name}", ok, detail, blocking=False) for name, ok, detail in sandbox.diagnose()]
    try:
        chosen = sandbox.mode()
    except ValueError as exc:
        return findings + [Finding("sandbox", False, str(exc))]
    if chosen == "off":
        return findings + [Finding("sandbox", True, "KIT_SANDBOX=off: grading WITHOUT isolation "
                                   "(every grade made so says so)", blocking=False)]
    reason = sandbox.check()
    if reason:
        return findings + [Finding("sandbox", False, f"{reason}; or KIT_SANDBOX=off to grade without isolation "
                                                     "(you accept the risk)")]
    return findings + [Finding("sandbox", True, f"grading runs under {sandbox.isolation()} "
                                                f"({sandbox.bwrap_path() or 'no bwrap'})")]


def data_files():
    bad = []
    for path in DATA_FILES:
        try:
            with gzip.open(path, "rb") as f:
                magic = f.read(4)
            if len(magic) < 4 or magic[:2] != b"\x00\x00" or magic[2] != 0x08:
                bad.append(f"{path.relative_to(paths.KIT_ROOT)} is not an IDX file")
        except OSError as exc:
            bad.append(f"{path.relative_to(paths.KIT_ROOT)}: {exc.strerror or exc}")
    if bad:
        return Finding("data", False, "; ".join(bad) + ": restore them from the repository (git checkout -- .)")
    return Finding("data", True, f"MNIST and Fashion-MNIST samples, held-out digits ({len(DATA_FILES)} files)")


def gradebook(course_root=".", db_url=None):
    """The gradebook answers (SQLite: its folder is writable; PostgreSQL: it connects). `db_url`: the one a
    course about to be made will get (else the course's own)."""
    from .course import Course
    url = db_url or Course(course_root).db_url
    shown = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
    if url.startswith("sqlite:///"):
        folder = Path(url.removeprefix("sqlite:///")).parent
        while not folder.exists() and folder != folder.parent:     # a course not made yet: where it will be
            folder = folder.parent
        ok = folder.is_dir() and os.access(folder, os.W_OK)
        return Finding("gradebook", ok, shown if ok else f"{shown}: cannot write in {folder}")
    try:
        import sqlalchemy
        engine = sqlalchemy.create_engine(url, connect_args={"connect_timeout": 5} if "postgresql" in url else {})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect is the finding
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        first = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", first)
        return Finding("gradebook", False, f"{shown} does not answer ({first[:200]}): start the database "
                       "or fix c.CourseDirectory.db_url in the course's nbgrader_config.py")
    return Finding("gradebook", True, f"{shown} answers")


def examine(course_root=".", db_url=None):
    return [python_version(), installed_lock(), *sandbox_findings(), data_files(), gradebook(course_root, db_url)]


def blocking(findings):
    return [f for f in findings if not f.ok and f.blocking]


def report(findings):
    lines = [f.line() for f in findings]
    problems = blocking(findings)
    lines.append("")
    lines.append("grading can run here" if not problems else
                 f"grading cannot run here: {len(problems)} problem(s) above (FAIL), each with its fix")
    return "\n".join(lines)
