"""Reading an assignment notebook: its answer module, its graded parts.

One rule decides which code is "the student's answer": every nbgrader answer
cell (a solution cell that is not itself graded) plus the read-only setup cells
tagged `module` (imports, constants), in notebook order. The same rule makes
`solutions/<a>.py` from the source notebook, `assignments/<a>.py` from the
release, and the module graded for a submission.
"""
import ast
import re

import nbformat

MODULE_TAG = "module"
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)
HIDDEN_REGION = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.M | re.S)
HIDDEN_PLACEHOLDER = "# (hidden checks ran here: their results are below)\n"


class NotebookError(ValueError):
    """A notebook that is not a readable assignment notebook."""


def read(path):
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many kinds
        raise NotebookError(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})") from None


def _nbgrader(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer_cell(cell):
    meta = _nbgrader(cell)
    return cell.cell_type == "code" and meta.get("solution", False) and not meta.get("grade", False)


def is_module_cell(cell):
    return cell.cell_type == "code" and (
        is_answer_cell(cell) or MODULE_TAG in cell.get("metadata", {}).get("tags", []))


def python_only(source):
    """Comment out IPython magics and shell escapes: the module runs as plain Python."""
    return "\n".join(
        f"# {line}" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines())


def answer_module_source(nb, *, title):
    """The answer module of a notebook, as Python source."""
    chunks = [f'"""{title}\n\nGenerated from the notebook by `autograder build`; do not edit."""\n']
    for cell in nb.cells:
        if is_module_cell(cell):
            code = SOLUTION_MARKERS.sub("", cell.source).strip("\n")
            label = _nbgrader(cell).get("grade_id", "setup")
            chunks.append(f"# --- cell {label} ---\n{python_only(code)}\n")
    return "\n\n".join(chunks)


def with_setup_cells(nb, code, *, title):
    """A plain answer file (a student's .py) as the answer module: the notebook's read-only
    `module` cells (its imports and constants) first, then `code`, as a notebook would give them."""
    setup = [cell for cell in nb.cells if is_module_cell(cell) and not is_answer_cell(cell)]
    chunks = [f'"""{title}"""\n'] + [
        f"# --- cell {_nbgrader(c).get('grade_id', 'setup')} ---\n{python_only(c.source.strip(chr(10)))}\n"
        for c in setup]
    return "\n\n".join(chunks + [f"# --- the answer file ---\n{code}"])


def grade_call(source):
    """(assignment, part) of a `grade("a", "p")` call in a cell's source, or None."""
    try:
        tree = ast.parse(python_only(source))
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "grade"
                and len(node.args) == 2 and all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                                for a in node.args)):
            return node.args[0].value, node.args[1].value
    return None


def graded_parts(nb):
    """[(cell, assignment, part, points)] for every test cell that calls the harness."""
    found = []
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            call = grade_call(cell.source)
            if call:
                found.append((cell, call[0], call[1], float(meta.get("points", 0))))
    return found


def strip_hidden_tests(source):
    return HIDDEN_REGION.sub(HIDDEN_PLACEHOLDER, source)
