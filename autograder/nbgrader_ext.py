"""The kit's steps in nbgrader's pipelines (configured in nbgrader_config.py).

Each is a small nbgrader preprocessor with one job, in the style of nbgrader's
own: they run in nbgrader's process, never in the student's kernel.
"""
import json
import os
import sys
import tempfile
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from . import assignments, notebooks
from .harness import runner, sandbox


SANDBOXED_KERNEL = "kit-sandboxed-python3"


class RestoreDeletedCells(NbGraderPreprocessor):
    """Sanitize, before OverwriteCells: put back test and read-only cells a student deleted.

    nbgrader restores edited cells but not deleted ones; here every locked or
    graded cell of the source notebook that is missing from the submission goes
    back after the cell that precedes it in the source, so OverwriteCells then
    restores its content and points like any other.
    """

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.source_directory, ".", info.get("assignment", ""))) / (
            f"{info.get('notebook', '')}.ipynb")
        if not path.exists():
            return nb, resources
        source = notebooks.read(path)

        def gid(cell):
            return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")

        present = {gid(c) for c in nb.cells if gid(c)}
        previous = None
        for cell in source.cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if gid(cell) and gid(cell) not in present and (meta.get("locked") or meta.get("grade")) \
                    and not meta.get("solution"):
                at = next((i + 1 for i, c in enumerate(nb.cells) if previous and gid(c) == previous), 0)
                restored = nbformat.from_dict(cell)
                if restored.cell_type == "code":
                    restored.outputs, restored.execution_count = [], None
                nb.cells.insert(at, restored)
                present.add(gid(cell))
                self.log.warning("Restored deleted cell %s from the source", gid(cell))
            if gid(cell) in present:
                previous = gid(cell)
        return nb, resources


class SandboxKernel(NbGraderPreprocessor):
    """Autograde, before Execute: run the student's notebook in a sandboxed kernel.

    Points the notebook at a kernelspec whose launcher wraps ipykernel in the
    bubblewrap sandbox, in a private Jupyter runtime directory (its connection
    files and sockets are this kernel's alone). KIT_SANDBOX=off leaves the kernel
    as nbgrader starts it; an unavailable sandbox refuses to grade.
    """

    def preprocess(self, nb, resources):
        if sandbox.mode() == "off":
            self.log.warning("KIT_SANDBOX=off: the notebook runs WITHOUT the sandbox")
            return nb, resources
        if reason := sandbox.check():
            raise sandbox.SandboxUnavailable(f"grading refused: {reason} (or set KIT_SANDBOX=off)")
        private = Path(tempfile.mkdtemp(prefix="kit-jupyter-"))
        spec_dir = private / "data" / "kernels" / SANDBOXED_KERNEL
        spec_dir.mkdir(parents=True)
        (spec_dir / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "autograder.harness.kernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (sandboxed for grading)", "language": "python",
            # a signal would reach bwrap, not the kernel: interrupt through the control channel
            "interrupt_mode": "message"}))
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(private / "data"),
                                                                   os.environ.get("JUPYTER_PATH")]))
        nb.metadata["kernelspec"] = {"name": SANDBOXED_KERNEL, "display_name": "Python 3 (sandboxed)",
                                     "language": "python"}
        return nb, resources


class ExecuteContained(Execute):
    """nbgrader's Execute, except that a kernel killed or hung by student code ends the run, not the grading.

    The cells that ran keep their outputs; the rest stay unexecuted. Grades do
    not depend on the kernel (GradeWithHarness decides them), so one `os._exit`
    in a notebook never costs the student the whole assignment.
    """

    def preprocess(self, nb, resources, km=None):
        try:
            return super().preprocess(nb, resources, km=km)
        except (DeadKernelError, CellTimeoutError) as exc:
            # killed, or so broken it no longer answers even an interrupt
            self.log.warning("The notebook's kernel stopped answering (%s); grading what ran", exc)
            nb.metadata["kit_kernel_died"] = str(exc)[:300]
            return nb, resources


class GradeWithHarness(NbGraderPreprocessor):
    """Autograde, after Execute: the trusted grade of every harness-graded cell.

    Grades the submission's answer module with the hidden graders (outside the
    kernel), then replaces each graded cell's outputs with the report and the
    points earned, so whatever the kernel printed or raised there does not count.
    Points come from the cell's metadata, which nbgrader restored from the source.
    """

    def preprocess(self, nb, resources):
        graded = notebooks.graded_parts(nb)
        if not graded:
            return nb, resources
        results = {}
        for name in sorted({a for _, a, _, _ in graded}):
            points = {p: pts for _, a, p, pts in graded if a == name}
            try:
                source = notebooks.answer_module_source(nb, title=f"Answer code for {name}")
                results[name] = runner.grade_source(assignments.get(name), source, points=points)
                self.log.info("Graded %s: %s / %s points", name,
                              results[name].points, results[name].max_points)
            except sandbox.SandboxUnavailable:
                raise   # refuse to grade rather than record grades made without isolation
            except Exception as exc:  # noqa: BLE001 - a broken part never stops the notebook
                self.log.error("Grading %s failed: %s", name, exc)
                results[name] = runner.GradeResult(name, {
                    p: runner.PartResult(p, pts, error=f"grader error: {exc}") for p, pts in points.items()})
        for cell, name, part, _ in graded:
            result = results[name].parts[part]
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=result.report() + "\n"),
                nbformat.v4.new_output("execute_result", data={"text/plain": repr(result.points)},
                                       execution_count=cell.get("execution_count")),
            ]
        nb.metadata["autograder"] = {name: r.to_json() for name, r in results.items()}
        return nb, resources


class LimitOutputSize(NbGraderPreprocessor):
    """Autograde: cap each text output's size (nbgrader's LimitOutput counts lines, not characters).

    A submission that prints megabytes keeps its feedback readable and the
    gradebook's notebooks small.
    """

    max_chars = 20000

    def _cut(self, text):
        if len(text) <= self.max_chars:
            return text
        head, tail = text[: self.max_chars // 2], text[-2000:]
        return f"{head}\n... [{len(text) - len(head) - len(tail):,} characters cut] ...\n{tail}"

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                text = output.get("text", "")
                output["text"] = self._cut("".join(text) if isinstance(text, list) else text)
            for key, value in output.get("data", {}).items():
                if key.startswith("text/") and isinstance(value, str):
                    output["data"][key] = self._cut(value)
            if output.get("output_type") == "error":
                output["traceback"] = [self._cut(line) for line in output.get("traceback", [])[-50:]]
        return cell, resources


class HideHiddenTests(NbGraderPreprocessor):
    """Feedback: nbgrader puts restored hidden tests into feedback (its #917); not here."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.source = notebooks.strip_hidden_tests(cell.source)
        return cell, resources


class CleanForPosting(NbGraderPreprocessor):
    """Solutions: drop solution markers and hidden tests before the notebook runs."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            source = notebooks.HIDDEN_REGION.sub("", cell.source)
            cell.source = notebooks.SOLUTION_MARKERS.sub("", source).rstrip("\n")
        return cell, resources
