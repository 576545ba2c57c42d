"""`autograder grade-file` on a plain .py: graded as the same code in the notebook would be."""
import contextlib
import io
import json
import os

import pytest

from autograder import cli, paths
from autograder.harness import sandbox

pytestmark = pytest.mark.skipif(sandbox.check() is not None and not os.environ.get("CI"), reason="no sandbox here")


def test_a_py_file_gets_the_notebooks_setup_cells_first(tmp_path):
    # a student's file that uses what the notebook's read-only setup cell defines (LayerRF, nn, ...)
    answer = paths.GRADERS / "receptive_fields" / "alternatives" / "broad_pass_through.py"
    assert "LayerRF(" in answer.read_text() and "class LayerRF" not in answer.read_text()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli.main(["grade-file", "receptive_fields", str(answer), "--json", "--part", "receptive_field"])
    result = json.loads(out.getvalue())
    assert code == 0
    assert result["parts"]["receptive_field"]["points"] == result["parts"]["receptive_field"]["max_points"], result
