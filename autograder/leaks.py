"""Which other assignments' reference solutions a release's files carry.

Some exercises build on earlier ones: feature_maps ships exercise 2's LeNet-5
and training loop and exercise 3's receptive-field code (`course_models.py`),
and receptive_fields' notebook defines exercise 2's `LeNet5` in a setup cell.
A student who gets such a release before the earlier exercise is due can read
its answers. This module finds them by comparing code, not by a list kept by
hand: a top-level function or class in a released file (a `.py` file, or a code
cell of a notebook) that is the same, docstrings and its own name aside, as a
definition in another assignment's reference answer cells (a copy under another
name carries the answer all the same).
"""
import ast
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import notebooks, paths


@dataclass(frozen=True)
class CarriedSolution:
    assignment: str       # whose solution it is
    names: tuple          # the definitions found
    files: tuple          # where, relative to the release folder

    def describe(self):
        return f"{', '.join(self.names)} ({', '.join(self.files)})"


def _definitions(code):
    """{name: normalized AST dump} of the top-level functions and classes of `code` (docstrings and the
    definition's own name left out)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = ast.dump(_without_docstrings(node))
    return found


def _without_docstrings(node):
    node = ast.parse(ast.unparse(node)).body[0]      # a copy
    node.name = "_"
    for n in ast.walk(node):
        body = getattr(n, "body", None)
        if (isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant)
                and isinstance(body[0].value.value, str)):
            n.body = body[1:] or [ast.Pass()]
    return node


@lru_cache(maxsize=None)
def reference_definitions(assignment):
    """{name: normalized dump} of what `assignment`'s reference answer cells define (not its setup cells,
    which every student is given anyway)."""
    nb = notebooks.read(paths.SOURCE / assignment / f"{assignment}.ipynb")
    code = "\n\n".join(notebooks.python_only(notebooks.SOLUTION_MARKERS.sub("", c.source))
                       for c in nb.cells if notebooks.is_answer_cell(c))
    return _definitions(code)


def _released_code(release_dir):
    """(relative file name, code) for every Python file and every notebook code cell under release_dir."""
    release_dir = Path(release_dir)
    for path in sorted(release_dir.rglob("*")):
        rel = str(path.relative_to(release_dir))
        if path.suffix == ".py":
            yield rel, path.read_text(errors="replace")
        elif path.suffix == ".ipynb":
            try:
                cells = json.loads(path.read_text()).get("cells", [])
            except (OSError, ValueError):
                continue
            for cell in cells:
                if cell.get("cell_type") == "code":
                    source = cell.get("source", "")
                    yield rel, "".join(source) if isinstance(source, list) else source


def carried_solutions(assignment, release_dir, others=None):
    """[CarriedSolution] for every other assignment whose reference definitions appear in release_dir."""
    others = [o for o in (others if others is not None else paths.ASSIGNMENTS) if o != assignment]
    released = {}        # dump -> {(name in the release, file)}
    for rel, code in _released_code(release_dir):
        for name, dump in _definitions(notebooks.python_only(code)).items():
            released.setdefault(dump, set()).add((name, rel))
    carried = []
    for other in others:
        if not (paths.SOURCE / other / f"{other}.ipynb").exists():
            continue
        names, files = [], set()
        for name, dump in reference_definitions(other).items():
            if dump in released:
                aliases = sorted({n for n, _ in released[dump]} - {name})
                names.append(name + (f" (as {', '.join(aliases)})" if aliases else ""))
                files |= {rel for _, rel in released[dump]}
        if names:
            carried.append(CarriedSolution(other, tuple(names), tuple(sorted(files))))
    return carried
