"""Releases that carry other assignments' reference solutions, and the release guard that holds them back."""
import subprocess

import pytest

from autograder import build, leaks, paths
from autograder.course import Course

# What each release carries, read off the notebooks' text (README: the order of the five assignments).
CARRIED = {
    "maxpool": {},
    "lenet5": {},
    "receptive_fields": {"lenet5": {"LeNet5"}},
    "feature_maps": {"lenet5": {"LeNet5", "train_one_epoch", "evaluate"},
                     "receptive_fields": {"_pair", "spatial_layers", "layer_geometry", "receptive_field"}},
    "pooling_comparison": {"lenet5": {"train_one_epoch"}},      # exercise 2's loop, renamed in the setup cell
}


@pytest.mark.parametrize("assignment", paths.ASSIGNMENTS)
def test_each_release_carries_what_it_is_known_to_carry(assignment):
    found = {c.assignment: {n.split(" ")[0] for n in c.names}
             for c in leaks.carried_solutions(assignment, paths.RELEASE / assignment)}
    assert found == CARRIED[assignment]


def test_a_copy_is_found_under_another_name_and_with_other_docstrings(tmp_path):
    reference = leaks.reference_definitions("lenet5")
    assert "evaluate" in reference
    (tmp_path / "helpers.py").write_text(
        "def unrelated(x):\n    return x + 1\n\n\n" + _reference_source("evaluate").replace(
            "def evaluate(", "def score_model(", 1))
    carried = leaks.carried_solutions("maxpool", tmp_path, others=["lenet5"])
    assert [(c.assignment, c.names, c.files) for c in carried] == [
        ("lenet5", ("evaluate (as score_model)",), ("helpers.py",))]
    (tmp_path / "helpers.py").write_text("def evaluate(model, loader):\n    return 0.0\n")
    assert leaks.carried_solutions("maxpool", tmp_path, others=["lenet5"]) == []    # the name alone is not enough


def _reference_source(name):
    import ast
    from autograder import notebooks
    nb = notebooks.read(paths.SOURCE / "lenet5" / "lenet5.ipynb")
    for cell in nb.cells:
        if notebooks.is_answer_cell(cell):
            code = notebooks.python_only(notebooks.SOLUTION_MARKERS.sub("", cell.source))
            for node in ast.parse(code).body:
                if getattr(node, "name", None) == name:
                    return ast.unparse(node) + "\n"
    raise LookupError(name)


def test_nbgrader_refuses_a_release_before_the_carried_solutions_are_due(tmp_path):
    course = Course(tmp_path / "course").create()
    for a in ("lenet5", "receptive_fields"):
        course.nbgrader("generate_assignment", a, "--force", progress=lambda _: None)
    course.nbgrader("db", "assignment", "add", "lenet5", "--duedate=2999-01-01 00:00:00 UTC",
                    progress=lambda _: None)
    with pytest.raises(build.BuildError) as refused:
        course.nbgrader("release_assignment", "receptive_fields", progress=lambda _: None)
    assert "refusing to release receptive_fields" in str(refused.value) and "LeNet5" in str(refused.value)
    outbound = course.exchange / course.coursedir.course_id / "outbound"
    assert not (outbound / "receptive_fields").exists()
    course.nbgrader("db", "assignment", "add", "lenet5", "--duedate=2000-01-01 00:00:00 UTC",
                    progress=lambda _: None)          # lenet5 is due: its solution may go out
    course.nbgrader("release_assignment", "receptive_fields", progress=lambda _: None)
    assert (outbound / "receptive_fields" / "receptive_fields.ipynb").exists()
    assert isinstance(course.nbgrader("release_assignment", "lenet5", progress=lambda _: None),
                      subprocess.CompletedProcess)    # carries nothing: released whatever the dates
