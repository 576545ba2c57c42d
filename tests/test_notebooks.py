"""Reading assignment notebooks: answer modules, graded parts, hidden regions."""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from autograder import notebooks


def cell(source, **nbgrader):
    c = new_code_cell(source)
    if nbgrader:
        c.metadata["nbgrader"] = {"schema_version": 3, "grade_id": nbgrader.pop("gid", "x"), **nbgrader}
    return c


def make_notebook():
    setup = cell("import numpy as np", gid="setup", locked=True, solution=False, grade=False)
    setup.metadata["tags"] = ["module"]
    return new_notebook(cells=[
        setup,
        cell("print('demo, not part of the module')"),
        cell("def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n%timeit f(1)",
             gid="f", solution=True, grade=False, locked=False),
        cell("assert f(1) == 1\n### BEGIN HIDDEN TESTS\nfrom autograder import grade\ngrade('maxpool', 'forward_max')\n"
             "### END HIDDEN TESTS", gid="t", grade=True, solution=False, locked=True, points=3),
        cell("assert True", gid="t2", grade=True, solution=False, locked=True, points=1),
    ])


def test_answer_module_is_setup_and_answer_cells_only():
    source = notebooks.answer_module_source(make_notebook(), title="t")
    assert "import numpy as np" in source and "return x" in source
    assert "demo, not part" not in source and "assert f(1)" not in source
    assert "SOLUTION" not in source
    assert "# %timeit" in source
    compile(source, "answer.py", "exec")


def test_graded_parts_are_the_cells_that_call_the_harness():
    parts = notebooks.graded_parts(make_notebook())
    assert [(a, p, pts) for _, a, p, pts in parts] == [("maxpool", "forward_max", 3.0)]


def test_grade_call_is_found_only_with_literal_arguments():
    assert notebooks.grade_call("x = 1\ngrade('a', 'b')") == ("a", "b")
    assert notebooks.grade_call("autograder.grade('a', 'b')") == ("a", "b")
    assert notebooks.grade_call("grade(name, 'b')") is None
    assert notebooks.grade_call("def broken(:") is None


def test_hidden_regions_are_replaced_by_a_placeholder():
    text = "visible()\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nafter()\n"
    out = notebooks.strip_hidden_tests(text)
    assert "secret" not in out and "visible()" in out and "after()" in out and "hidden checks" in out


def test_unreadable_notebook_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    try:
        notebooks.read(bad)
    except notebooks.NotebookError as exc:
        assert "bad.ipynb" in str(exc)
    else:
        raise AssertionError("expected NotebookError")
    nbformat.write(make_notebook(), str(tmp_path / "ok.ipynb"))
    assert notebooks.read(tmp_path / "ok.ipynb").cells
