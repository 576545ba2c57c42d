"""Adversarial submissions, each a real notebook autograded through nbgrader in the sandbox.

One course, one class of students who each try something; the whole class is
graded once (`autograder grade`), then every student's exact outcome is checked,
and the course's files are checked to be untouched.
"""
import contextlib
import hashlib
import io
import json
import os
import socket
import threading
import time

import nbformat
import pytest

from autograder import cli, notebooks, paths, variants
from autograder.course import Course
from autograder.harness import sandbox
from autograder.nbgrader_ext import ExecuteContained
from autograder.harness.student import DEFAULT_CALL_TIMEOUT

pytestmark = [pytest.mark.skipif(sandbox.check() is not None and not os.environ.get("CI"),
                                 reason=f"no sandbox here: {sandbox.check()}"),
              pytest.mark.xdist_group("adversarial")]

CELL_TIMEOUT = 30          # seconds per notebook cell at autograde: the default (nbgrader_config.py), not lowered


def reference_notebook():
    source_nb = notebooks.read(paths.SOURCE / "maxpool" / "maxpool.ipynb")
    release_nb = notebooks.read(paths.RELEASE / "maxpool" / "maxpool.ipynb")
    return variants.filled_notebook(release_nb, source_nb)


def stub_notebook():
    return notebooks.read(paths.RELEASE / "maxpool" / "maxpool.ipynb")


def answer_cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def prepend_to_function(nb, grade_id, code):
    """Insert `code` as the first statements of the function in answer cell `grade_id`."""
    cell = answer_cell(nb, grade_id)
    opening = cell.source.index('"""')
    docstring_end = cell.source.index('"""', opening + 3) + 3
    indented = "".join(f"    {line}\n" for line in code.strip("\n").splitlines())
    cell.source = cell.source[:docstring_end] + "\n" + indented + cell.source[docstring_end:]
    return nb


def with_extra_answer_code(nb, grade_id, code):
    answer_cell(nb, grade_id).source += "\n\n" + code.strip("\n") + "\n"
    return nb


SNOOP = '''
import os, socket
def _probe(path):
    try:
        with open(path, "rb") as f:
            return "read"
    except OSError as exc:
        return type(exc).__name__
def _write(path):
    try:
        with open(path, "a") as f:
            f.write("tampered")
        return "WROTE"
    except OSError as exc:
        return type(exc).__name__
def _connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
        return "CONNECTED"
    except OSError as exc:
        return type(exc).__name__
'''


def build_class(course_root, port):
    """{student: notebook (or raw text / None for a malformed submission)}."""
    grader_file = paths.GRADERS / "maxpool" / "test_forward_max.py"
    gradebook = course_root / "gradebook.db"
    other = course_root / "submitted" / "honest" / "maxpool" / "maxpool.ipynb"
    snoop_report = (f'f"snoop graders={{_probe({str(grader_file)!r})}} gradebook={{_probe({str(gradebook)!r})}} '
                    f'other={{_probe({str(other)!r})}} write_graders={{_write({str(grader_file)!r})}} '
                    f'write_gradebook={{_write({str(gradebook)!r})}} write_other={{_write({str(other)!r})}} '
                    f'net={{_connect({port})}}"')
    students = {
        "honest": reference_notebook(),
        "looper": prepend_to_function(reference_notebook(), "max_pool2d_backward", "while True:\n    pass"),
        "hog": prepend_to_function(reference_notebook(), "avg_pool2d", "hoard = []\nwhile True:\n    hoard.append(bytearray(10**8))"),
        "forker": prepend_to_function(reference_notebook(), "avg_pool2d_backward",
                                      "import subprocess\nfor _ in range(10000):\n    subprocess.Popen(['sleep', '60'])"),
        "exiter": prepend_to_function(reference_notebook(), "max_pool2d", "import os\nos._exit(3)"),
        "quitter": prepend_to_function(
            prepend_to_function(reference_notebook(), "avg_pool2d", "raise SystemExit(0)"),
            "avg_pool2d_backward", "raise KeyboardInterrupt"),
        "patcher": with_extra_answer_code(
            prepend_to_function(reference_notebook(), "max_pool2d", "return np.zeros((1, 1, 2, 2), dtype=x.dtype)"),
            "max_pool2d", "import builtins, numpy\nnumpy.allclose = lambda *a, **k: True\n"
                          "numpy.array_equal = lambda *a, **k: True\nnumpy.testing.assert_allclose = lambda *a, **k: None\n"
                          "builtins.abs = lambda *a: 0\n"),
        "saboteur": with_extra_answer_code(reference_notebook(), "helpers",
                                           "import builtins\nbuiltins.isinstance = lambda *a: True\n"),
        "faker": prepend_to_function(reference_notebook(), "max_pool2d",
                                     "class Always:\n    def __eq__(self, other): return True\n"
                                     "    def __array__(self, *a, **k): raise TypeError\nreturn Always()"),
        "inspector": prepend_to_function(reference_notebook(), "max_pool2d",
                                         "import gc, sys\nfound = [o for o in gc.get_objects() if type(o).__name__ == 'ndarray'"
                                         " and getattr(o, 'ndim', 0) == 4 and o is not x]\n"
                                         "frames = []\nf = sys._getframe(1)\nwhile f is not None:\n"
                                         "    frames.append(f.f_code.co_filename)\n    f = f.f_back\n"
                                         "raise ValueError(f'inspector found {len(found)} arrays, frames {frames}')"),
        "snoop": with_extra_answer_code(prepend_to_function(reference_notebook(), "max_pool2d",
                                                            f"raise ValueError({snoop_report})"), "helpers", SNOOP),
        "tamperer": tamper(stub_notebook()),
        "noisy": prepend_to_function(reference_notebook(), "max_pool2d",
                                     "import sys, warnings\nwarnings.warn('careful')\n"
                                     "print('progress 100%', file=sys.stderr)"),
        "hardcoder": prepend_to_function(reference_notebook(), "max_pool2d",
                                         "if x.shape == (1, 1, 4, 4):\n"
                                         "    return np.array([[[[6, 8], [14, 16]]]], dtype=x.dtype)\n"
                                         "return np.zeros(x.shape[:2] + (1, 1), dtype=x.dtype)"),
        "shouter": prepend_to_function(reference_notebook(), "max_pool2d", "print('x' * 5_000_000)\nprint('y\\n' * 200_000)"),
        "broken_json": "{this is not a notebook",
        "empty": None,
        "renamed": ("maxpool_final.ipynb", reference_notebook()),
    }
    return students


def tamper(nb):
    """Edit one test cell to print points, delete another, and raise a third's points."""
    edited = answer_cell(nb, "test_forward_max")
    edited.source = "3"
    edited.metadata["nbgrader"]["points"] = 100
    answer_cell(nb, "test_forward_avg").metadata["nbgrader"]["points"] = 50
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_backward_max"]
    return nb


def checksums(root):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial")
    course = Course(root).create()
    from autograder import build
    build.nbgrader("generate_assignment", "maxpool", "--force", cwd=root)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    students = build_class(root, server.getsockname()[1])
    for student, nb in students.items():
        folder = root / "submitted" / student / "maxpool"
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
        name = "maxpool.ipynb"
        if isinstance(nb, tuple):
            name, nb = nb
        if isinstance(nb, str):
            (folder / name).write_text(nb)
        elif nb is not None:
            nbformat.write(nb, str(folder / name))
    (root / "submitted" / "honest" / "maxpool" / "notes.txt").write_text("an extra file")
    def protected_files():
        return {**checksums(paths.GRADERS / "maxpool"), **checksums(paths.SOURCE / "maxpool"),
                **checksums(paths.SOLUTIONS / "maxpool"), **checksums(root / "submitted" / "honest")}

    protected = protected_files()
    assert ExecuteContained(config=course.config).cell_timeout == 30      # graded at the defaults
    started = time.monotonic()
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exit_code = cli.main(["grade", "maxpool", "--course", str(root)])
    elapsed = time.monotonic() - started
    print(output.getvalue())
    server.close()
    after = protected_files()
    table = {s: parts for s, _, parts, _, _ in course.table(["maxpool"])}
    return {"root": root, "exit": exit_code, "elapsed": elapsed, "output": output.getvalue(), "table": table, "accepted": accepted,
            "protected": protected, "after": after, "course": course}


def points(graded, student):
    return {p.removeprefix("test_"): score for p, (score, _) in graded["table"][student].items()}


def report(graded, student):
    nb = json.loads((graded["root"] / "autograded" / student / "maxpool" / "maxpool.ipynb").read_text())
    return nb["metadata"]["autograder"]["maxpool"]


def messages(graded, student, part):
    return " | ".join(c["message"] for c in report(graded, student)["parts"][part]["checks"] if not c["passed"])


FULL = {"forward_max": 3, "forward_avg": 2, "backward_max": 3, "backward_avg": 2, "arguments": 1, "numpy_only": 1}


def test_the_class_is_graded_and_the_honest_student_gets_full_marks(graded):
    # three malformed submissions could not be graded: the exit status says so (the others were graded)
    assert graded["exit"] == 1
    assert points(graded, "honest") == FULL
    assert report(graded, "honest")["sandboxed"] is True


def test_an_infinite_loop_costs_its_part_only_and_the_run_stays_bounded(graded):
    p = points(graded, "looper")
    assert p["backward_max"] == 0 and "time limit" in messages(graded, "looper", "backward_max")
    # parts that never call max_pool2d_backward are untouched (arguments and numpy_only call it too)
    assert [p[k] for k in ("forward_max", "forward_avg", "backward_avg")] == [3, 2, 2]
    # bounded: one cell time-out per notebook cell that calls the loop (one), one call time-out per
    # graded part that calls it (three, then they fail fast), and a margin, over an honest student's time
    ledger = {p.stem: json.loads(p.read_text()) for p in (graded["root"] / ".kit" / "graded" / "maxpool").glob("*.json")}
    bound = ledger["honest"]["seconds"] + 1 * CELL_TIMEOUT + 3 * DEFAULT_CALL_TIMEOUT + 90
    assert ledger["looper"]["seconds"] < bound, (ledger["looper"]["seconds"], bound)


def test_unbounded_memory_costs_its_part_with_a_memory_message(graded):
    p = points(graded, "hog")
    assert p["forward_avg"] == 0 and "memory" in messages(graded, "hog", "forward_avg")
    assert p["forward_max"] == 3 and p["backward_max"] == 3


def test_a_flood_of_subprocesses_is_contained(graded):
    p = points(graded, "forker")
    assert p["forward_max"] == 3 and p["forward_avg"] == 2
    assert p["backward_avg"] < 2


def test_exit_calls_cost_only_the_parts_that_exit(graded):
    p = points(graded, "exiter")
    assert p["forward_max"] == 0 and "exited with code 3" in messages(graded, "exiter", "forward_max")
    assert p["forward_avg"] == 2 and p["backward_avg"] == 2
    q = points(graded, "quitter")
    assert q["forward_avg"] == 0 and "SystemExit" in messages(graded, "quitter", "forward_avg")
    assert q["backward_avg"] == 0 and "KeyboardInterrupt" in messages(graded, "quitter", "backward_avg")
    assert q["forward_max"] == 3 and q["backward_max"] == 3


def test_monkeypatching_and_fake_equality_do_not_fool_the_graders(graded):
    p = points(graded, "patcher")
    assert p["forward_max"] < 1
    assert [p[k] for k in ("forward_avg", "backward_max", "backward_avg")] == [2, 3, 2]
    # breaking builtins breaks only the saboteur's own process (and its kernel), never the graders
    assert sum(points(graded, "saboteur").values()) == 0
    assert points(graded, "faker")["forward_max"] < 1
    assert "expected a numpy array" in messages(graded, "faker", "forward_max")


def test_frames_and_the_garbage_collector_hold_no_expected_values(graded):
    msg = messages(graded, "inspector", "forward_max")
    assert "inspector found 0 arrays" in msg
    assert "test_forward_max" not in msg and "checks.py" not in msg


def test_hidden_files_the_gradebook_other_students_and_the_network_are_out_of_reach(graded):
    msg = messages(graded, "snoop", "forward_max")
    assert "snoop graders=FileNotFoundError gradebook=FileNotFoundError other=FileNotFoundError" in msg
    assert "WROTE" not in msg and "CONNECTED" not in msg and "read" not in msg
    assert graded["accepted"] == []
    assert graded["after"] == graded["protected"]


def test_edited_or_deleted_test_cells_and_raised_points_change_nothing(graded):
    p = points(graded, "tamperer")
    assert p == {k: 0 for k in FULL}     # every part graded, the deleted one too, and all zero
    nb = notebooks.read(graded["root"] / "autograded" / "tamperer" / "maxpool" / "maxpool.ipynb")
    graded_cells = {part: pts for _, _, part, pts in notebooks.graded_parts(nb)}
    assert graded_cells == {k: float(v) for k, v in FULL.items()}


def test_warnings_and_stderr_from_correct_code_cost_nothing(graded):
    assert points(graded, "noisy") == FULL


def test_huge_output_keeps_notebooks_and_feedback_bounded(graded):
    assert points(graded, "shouter") == FULL
    graded["course"].feedback("maxpool", progress=lambda _: None)
    notebook = graded["root"] / "autograded" / "shouter" / "maxpool" / "maxpool.ipynb"
    feedback = graded["root"] / "feedback" / "shouter" / "maxpool" / "maxpool.html"
    assert notebook.stat().st_size < 2_000_000 and feedback.stat().st_size < 2_000_000
    assert "characters cut" in feedback.read_text()


def test_the_report_says_how_every_student_was_isolated(graded):
    lines = [line for line in graded["output"].splitlines() if line.startswith(("honest ", "looper "))]
    assert len(lines) == 2 and all(line.rstrip().endswith("bubblewrap") for line in lines)


def test_answers_hard_coded_for_the_visible_example_fail_the_hidden_checks(graded):
    assert points(graded, "hardcoder")["forward_max"] < 1


def test_malformed_submissions_get_a_clear_error_and_no_grade(graded):
    out = graded["output"]
    assert "could not grade broken_json (maxpool)" in out and "JSON" in out
    assert "could not grade renamed (maxpool): no notebook of this assignment" in out and "maxpool_final.ipynb" in out
    assert "could not grade empty (maxpool): the submission contains no notebook" in out
    for student in ("broken_json", "empty", "renamed"):
        assert student not in graded["table"] or sum(points(graded, student).values()) == 0
        assert not (graded["root"] / "autograded" / student / "maxpool" / "maxpool.ipynb").exists()
    # an extra file next to a good notebook changes nothing
    assert points(graded, "honest") == FULL


def test_grading_again_gives_identical_grades(graded):
    again = ["honest", "hardcoder", "quitter"]
    for student in again:
        graded["course"].nbgrader("autograde", "maxpool", "--student", student, "--force", progress=lambda _: None)
    after = {s: parts for s, _, parts, _, _ in graded["course"].table(["maxpool"])}
    assert {s: after[s] for s in again} == {s: graded["table"][s] for s in again}
