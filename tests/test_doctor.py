"""`autograder doctor`, and `demo`/`grade` refusing at once, with the fix, where grading cannot work."""
import os
import subprocess
import sys
import time

import pytest

from autograder import doctor, paths
from autograder.course import Course
from autograder.harness import sandbox


def autograder(*args, env=None, cwd=None):
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "autograder", *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(paths.KIT_ROOT), **(env or {})},
                          cwd=cwd or paths.KIT_ROOT, timeout=300, stdin=subprocess.DEVNULL)
    return proc, time.monotonic() - started


@pytest.mark.skipif(sandbox.check() is not None and not os.environ.get("CI"), reason="no sandbox here")
def test_doctor_says_ok_where_grading_works(tmp_path):
    proc, _ = autograder("doctor", "--course", str(tmp_path))
    assert proc.returncode == 0, proc.stdout
    lines = proc.stdout.splitlines()
    for name in ("python", "packages", "sandbox", "data", "gradebook"):
        assert any(line.startswith(("OK", "WARN")) and f" {name}" in line for line in lines), name
    assert "grading can run here" in proc.stdout


def test_an_unreachable_gradebook_is_named_with_its_fix_and_no_password(tmp_path):
    url = "postgresql://grader:s3cret@127.0.0.1:9/gradebook"     # port 9: nothing listens
    Course(tmp_path).create(db_url=url)
    proc, _ = autograder("doctor", "--course", str(tmp_path))
    assert proc.returncode == 1
    line = next(line for line in proc.stdout.splitlines() if "gradebook" in line)
    assert line.startswith("FAIL") and "CourseDirectory.db_url" in line and "grader:***@" in line
    assert "s3cret" not in proc.stdout + proc.stderr


def test_a_bad_sandbox_setting_is_named():
    proc, _ = autograder("doctor", env={"KIT_SANDBOX": "sometimes"})
    assert proc.returncode == 1
    assert any(line.startswith("FAIL sandbox") and "KIT_SANDBOX" in line for line in proc.stdout.splitlines())


@pytest.mark.parametrize("command", ["demo", "grade"])
def test_demo_and_grade_stop_within_seconds_with_the_fix_when_nothing_could_be_graded(tmp_path, command):
    course, url = tmp_path / "course", "postgresql://grader:pw@127.0.0.1:9/gradebook"
    if command == "grade":
        Course(course).create(db_url=url)
    args = (["demo", "maxpool", "--dir", str(course), "--db-url", url] if command == "demo"
            else ["grade", "--course", str(course)])
    proc, seconds = autograder(*args)
    assert proc.returncode == 2
    assert "FAIL gradebook" in proc.stderr and "nothing was graded" in proc.stderr
    assert seconds < 60
    assert not (course / "submitted").exists()


def test_the_supported_pythons_are_stated_once_and_agree_with_run():
    run = (paths.KIT_ROOT / "run").read_text()
    low, high = doctor.SUPPORTED
    assert f"PY_MIN={low[0]}.{low[1]}" in run and f"PY_MAX={high[0]}.{high[1]}" in run
