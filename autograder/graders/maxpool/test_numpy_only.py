"""Hidden checks that the answer is written with numpy only (part: numpy_only).

One check per function: the answer's source must not import a library that does
pooling (a static look at `student.source`), and the function must work on a
small case in the student's process, where those libraries cannot be imported
(so an import at call time shows up as an ImportError). The case is not the
lecture's example, which an answer could return without computing anything.
"""
import ast
import re

import numpy as np

from autograder.graders.maxpool import BLOCKED_MODULES
from autograder.graders.maxpool._cases import expected_avg, expected_grad, expected_max
from autograder.harness.checks import CheckFailed, expect_array

# the modules the answer's process cannot import, plus a few more that could pool for it
FORBIDDEN = tuple(BLOCKED_MODULES) + tuple(m for m in ("cupy", "mxnet", "paddle") if m not in BLOCKED_MODULES)
IMPORT_FUNCTIONS = ("__import__", "import_module")      # __import__("x"), importlib.import_module("x")


# -- the static part ----------------------------------------------------------

def forbidden_imports(source):
    """[(module, line of code)] for every import of a FORBIDDEN module visible in the source."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise CheckFailed(f"your code could not be read (SyntaxError: {exc.msg})") from None
    lines = source.splitlines()
    found = []

    def note(node, module):
        if isinstance(module, str) and module.split(".")[0] in FORBIDDEN:
            code = lines[node.lineno - 1].strip() if 0 < node.lineno <= len(lines) else ""
            found.append((node.lineno, module.split(".")[0], code[:80]))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                note(node, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:                       # not `from . import x`
                note(node, node.module)
        elif isinstance(node, ast.Call) and node.args:
            # __import__("torch"), importlib.import_module("torch"), import_module("torch")
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)     # f(...) or mod.f(...)
            first = node.args[0]
            if name in IMPORT_FUNCTIONS and isinstance(first, ast.Constant):
                note(node, first.value)
    return list(dict.fromkeys((module, code) for _, module, code in sorted(found)))


def expect_no_forbidden_imports(student):
    found = forbidden_imports(student.source)
    if found:
        where = "; ".join(f"{module} (in `{code}`)" for module, code in found)
        raise CheckFailed(f"your code imports {where}: this exercise must be solved with numpy only")


# -- the dynamic part -----------------------------------------------------------
# one small case for all four: random numbers (fixed seed), overlapping windows and padding
SMALL_X = np.random.default_rng(901).standard_normal((1, 2, 7, 6))
SMALL_DOUT = np.random.default_rng(902).standard_normal((1, 2, 4, 3))
SMALL_ARGS = (3,)
SMALL_KWARGS = {"stride": 2, "padding": 1}
SMALL_WHAT = "x of shape (1, 2, 7, 6), kernel_size=3, stride=2, padding=1"
DOUT_WHAT = f"dout of shape (1, 2, 4, 3), {SMALL_WHAT}"


def run_small_case(student, func, *args):
    try:
        return student.call(func, *args, *SMALL_ARGS, **SMALL_KWARGS, timeout=10.0)   # tiny case: 10 s is plenty
    except ImportError as exc:
        match = re.match(r"(\w+) is not allowed", str(exc))
        module = match.group(1) if match else None
        if module is None:
            match = re.search(r"No module named '([\w.]+)'", str(exc))
            module = match.group(1) if match else None
        if module is not None and module.split(".")[0] in FORBIDDEN:
            raise CheckFailed(f"{func} tried to import {module}, which is not allowed in this exercise: "
                              "use numpy only") from None
        raise CheckFailed(f"{func} raised ImportError: {exc}") from None


def check_uses_numpy_only(student, func, args, expected, what, **compare):
    """The small case through `func` in the answer's process, then the static look."""
    out = run_small_case(student, func, *args)
    expect_no_forbidden_imports(student)
    expect_array(out, expected, what=f"{func}({what})", **compare)


# -- checks ----------------------------------------------------------------------

def test_max_pool2d_uses_numpy_only(student):
    """max_pool2d works with numpy only (no torch, scipy, skimage, ... anywhere in your code)"""
    check_uses_numpy_only(student, "max_pool2d", (SMALL_X,), expected_max(SMALL_X, 3, 2, 1), SMALL_WHAT)


def test_avg_pool2d_uses_numpy_only(student):
    """avg_pool2d works with numpy only (no torch, scipy, skimage, ... anywhere in your code)"""
    check_uses_numpy_only(student, "avg_pool2d", (SMALL_X,), expected_avg(SMALL_X, 3, 2, 1), SMALL_WHAT)


def test_max_pool2d_backward_uses_numpy_only(student):
    """max_pool2d_backward works with numpy only (no torch, scipy, skimage, ... anywhere in your code)"""
    check_uses_numpy_only(student, "max_pool2d_backward", (SMALL_DOUT, SMALL_X),
                          expected_grad("max", SMALL_DOUT, SMALL_X, 3, 2, 1), DOUT_WHAT, check_dtype=False)


def test_avg_pool2d_backward_uses_numpy_only(student):
    """avg_pool2d_backward works with numpy only (no torch, scipy, skimage, ... anywhere in your code)"""
    check_uses_numpy_only(student, "avg_pool2d_backward", (SMALL_DOUT, SMALL_X),
                          expected_grad("avg", SMALL_DOUT, SMALL_X, 3, 2, 1), DOUT_WHAT, check_dtype=False)
