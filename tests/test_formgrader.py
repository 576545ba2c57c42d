"""nbgrader's formgrader, served by a real Jupyter server on loopback for a course the kit made.

The formgrader's "Manage Assignments" page shows the loaded configuration when
`FormgradeExtension.debug` is on (nbgrader's default): the server's token and the
gradebook URL, which for PostgreSQL carries the password. The kit turns it off.
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from autograder.course import Course

TOKEN = "kit-test-token-6f1d0c2a9b"
SECRET_DB = "postgresql://grader:s3cret-pw@db.example.invalid:5432/gradebook"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A course with two named students, its formgrader on a Jupyter server; yields (base URL, course)."""
    course = Course(tmp_path_factory.mktemp("course")).create()
    course.nbgrader("db", "student", "add", "ada", "--first-name=Ada", "--last-name=Lovelace", progress=lambda _: None)
    port = free_port()
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1"}
    jupyter = os.path.join(os.path.dirname(sys.executable), "jupyter")
    root_flag = ["--allow-root"] if os.geteuid() == 0 else []      # CI runs as root
    proc = subprocess.Popen([jupyter, "server", "--no-browser", f"--port={port}", "--ip=127.0.0.1", *root_flag,
                             f"--ServerApp.token={TOKEN}", f"--ServerApp.root_dir={course.root}"],
                            cwd=course.root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                get(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if proc.poll() is not None:
                    pytest.fail(f"jupyter server exited: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("jupyter server did not answer in 60 s")
        yield base, course
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_manage_assignments_page_shows_no_token_and_no_gradebook_url(server):
    base, course = server
    page = get(f"{base}/formgrader/manage_assignments?token={TOKEN}")
    assert "Manage Assignments" in page                  # the formgrader's page, not a login or error page
    assert TOKEN not in page
    assert "gradebook.db" not in page and course.db_url not in page
    assert "current_config" not in page.lower() and '"CourseDirectory"' not in page


def test_students_have_their_names(server):
    base, _ = server
    students = json.loads(get(f"{base}/formgrader/api/students?token={TOKEN}"))
    ada = next(s for s in students if s["id"] == "ada")
    assert (ada["first_name"], ada["last_name"]) == ("Ada", "Lovelace")
