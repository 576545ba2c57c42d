"""The kit's steps in nbgrader's pipelines (configured in nbgrader_config.py).

Each is a small nbgrader preprocessor with one job, in the style of nbgrader's
own: they run in nbgrader's process, never in the student's kernel.
"""
import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from . import assignments, notebooks
from .harness import runner


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
