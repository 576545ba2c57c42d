"""The worst common submissions are graded, and in bounded time, at the default settings.

For every assignment, a class of four graded through nbgrader in the sandbox
(`autograder grade`, no lowered time limits): the reference answer; every answer
function looping forever (a `while` whose index never advances); a sleep at
import (the first answer cell never finishes); output without end. Each must be
graded (no "could not grade"), lose the points of what never returns, say
where the time ran out, and cost at most the honest reference's time plus 120 s.
"""
import ast
import contextlib
import io
import json
import os
import time

import nbformat
import pytest

from autograder import assignments, build, cli, notebooks, paths, variants
from autograder.course import Course
from autograder.harness import sandbox
from autograder.nbgrader_ext import ExecuteContained

pytestmark = [pytest.mark.skipif(sandbox.check() is not None and not os.environ.get("CI"),
                                 reason=f"no sandbox here: {sandbox.check()}"),
              pytest.mark.xdist_group("bounded")]

MARGIN = 120.0             # seconds over the honest reference's time (issue 13's target)
NAMES = [a.name for a in assignments.available()]


def reference(name):
    return variants.filled_notebook(notebooks.read(paths.RELEASE / name / f"{name}.ipynb"),
                                    notebooks.read(paths.SOURCE / name / f"{name}.ipynb"))


def answer_cells(nb):
    return [c for c in nb.cells if notebooks.is_answer_cell(c)]


class _LoopForever(ast.NodeTransformer):
    """Every function and method starts with a loop whose index never advances."""

    def visit_FunctionDef(self, node):
        self.generic_visit(node)
        loop = ast.parse("i = 0\nwhile i < 1:\n    pass").body
        has_doc = node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        at = 1 if has_doc else 0
        node.body[at:at] = loop
        return node


def looping(name):
    nb = reference(name)
    for cell in answer_cells(nb):
        tree = _LoopForever().visit(ast.parse(cell.source))
        cell.source = ast.unparse(ast.fix_missing_locations(tree))
    return nb


def sleeping(name):
    nb = reference(name)
    first = answer_cells(nb)[0]
    first.source = "import time\ntime.sleep(10 ** 6)\n" + first.source
    return nb


def printing(name):
    nb = reference(name)
    first = answer_cells(nb)[0]
    first.source = "while True:\n    print('all work and no play ' * 20)\n" + first.source
    return nb


CASES = {"honest": reference, "looper": looping, "sleeper": sleeping, "printer": printing}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("bounded")
    course = Course(root).create()
    for name in NAMES:
        build.nbgrader("generate_assignment", name, "--force", cwd=root)
        for student, make in CASES.items():
            folder = root / "submitted" / student / name
            folder.mkdir(parents=True)
            (folder / "timestamp.txt").write_text("2026-11-25 12:00:00.000000 UTC")
            nbformat.write(make(name), str(folder / f"{name}.ipynb"))
    limits = ExecuteContained(config=course.config)
    assert (limits.cell_timeout, limits.notebook_timeout) == (30, 300)      # graded at the defaults
    output = io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(output):
        exit_code = cli.main(["grade", *NAMES, "--course", str(root), "--no-progress"])
    print(output.getvalue())
    ledger = {(p.parent.name, p.stem): json.loads(p.read_text()) for p in (root / ".kit" / "graded").glob("*/*.json")}
    for (name, student), entry in sorted(ledger.items()):     # the figures, for the record
        print(f"{name:20} {student:8} {entry['seconds']:6.1f} s")
    return {"root": root, "exit": exit_code, "output": output.getvalue(), "ledger": ledger,
            "elapsed": time.monotonic() - started,
            "table": {(s, a): (parts, total) for s, a, parts, total, _ in course.table(NAMES)}}


def autograded(graded, student, name):
    return json.loads((graded["root"] / "autograded" / student / name / f"{name}.ipynb").read_text())


def failures(graded, student, name):
    parts = autograded(graded, student, name)["metadata"]["autograder"][name]["parts"]
    return {p: [c["message"] for c in r["checks"] if not c["passed"]] + ([r["error"]] if r["error"] else [])
            for p, r in parts.items()}


def test_every_submission_is_graded_and_the_exit_status_says_so(graded):
    assert "could not grade" not in graded["output"]
    assert graded["exit"] == 0
    for name in NAMES:
        assert set(CASES) <= {s for a, s in graded["ledger"] if a == name}
        full = graded["table"][("honest", name)][1]
        assert full == sum(assignments.get(name).points().values()), name


@pytest.mark.parametrize("case", ["looper", "sleeper", "printer"])
@pytest.mark.parametrize("name", NAMES)
def test_the_worst_submissions_cost_at_most_the_honest_time_plus_two_minutes(graded, name, case):
    honest = graded["ledger"][(name, "honest")]["seconds"]
    took = graded["ledger"][(name, case)]["seconds"]
    assert took <= honest + MARGIN, f"{case} took {took:.0f} s against the reference's {honest:.0f} s"


@pytest.mark.parametrize("case", ["looper", "sleeper", "printer"])
@pytest.mark.parametrize("name", NAMES)
def test_code_that_never_returns_loses_its_points_and_the_feedback_says_where(graded, name, case):
    honest_total = graded["table"][("honest", name)][1]
    assert graded["table"][(case, name)][1] < honest_total / 2
    messages = " | ".join(m for ms in failures(graded, case, name).values() for m in ms)
    expected = "loading your code" if case != "looper" else "time limit"
    assert expected in messages
    # the student reads which line of theirs was running
    # (the printer's loop is two lines: its report of where it was may name either)
    where = {"looper": ["it was running `"], "sleeper": ["it was running your top-level code, at: time.sleep"],
             "printer": ["it was running your top-level code, at: print(",
                         "it was running your top-level code, at: while True:"]}[case]
    assert any(w in messages for w in where), messages
    stopped = autograded(graded, case, name)["metadata"]["kit_execution_stopped"]
    assert "did not finish within" in stopped["reason"] and stopped["cell"].startswith("cell ")


def test_output_without_end_is_cut_while_it_arrives(graded):
    for name in NAMES:
        path = graded["root"] / "autograded" / "printer" / name / f"{name}.ipynb"
        assert path.stat().st_size < 3_000_000, name
        assert "dropped at grading" in path.read_text() or "characters cut" in path.read_text()
