"""The kit's steps in nbgrader's pipelines (configured in nbgrader_config.py).

Each is a small nbgrader preprocessor with one job, in the style of nbgrader's
own: they run in nbgrader's process, never in the student's kernel.
"""
import json
import os
import time
from pathlib import Path

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Enum, Float, Integer, TraitError, validate
from traitlets.config import Configurable

from . import assignments, notebooks
from .exchange_guards import PROVISIONAL
from .grading.autograde_one import shorten
from .harness import runner, sandbox
from .sandboxed_kernel import SANDBOXED_KERNEL, install_sandboxed_kernelspec, take_kernel_ahead


class RestoreDeletedCells(NbGraderPreprocessor):
    """Sanitize, before OverwriteCells: put back test and read-only cells a student deleted.

    nbgrader restores edited cells but not deleted ones; here every locked or
    graded cell of the source notebook that is missing from the submission goes
    back after the cell that precedes it in the source, so OverwriteCells then
    restores its content and points like any other.
    """

    def preprocess(self, nb, resources):
        source = _source_notebook(self.config, resources)
        if source is None:
            return nb, resources

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


class Sandbox(Configurable):
    """The sandbox student code runs in at autograde: `c.Sandbox.<name>` in nbgrader_config.py.

    The values reach the sandboxed kernel's launcher and the graders' answer processes through the
    environment (KIT_SANDBOX, KIT_SANDBOX_MEMORY_GB: the one channel into them); unset here, the
    environment's values (or the sandbox's defaults) stand.
    """
    mode = Enum(list(sandbox.MODES), default_value=None, allow_none=True,
                help="'on' (bubblewrap, else Landlock+seccomp), 'bubblewrap', 'landlock', or 'off' (no isolation: "
                     "the instructor accepts the risk). Unset: KIT_SANDBOX, else 'on'.").tag(config=True)
    memory_gb = Float(None, allow_none=True, help="The memory one sandbox may use, in GiB. Unset: "
                      "KIT_SANDBOX_MEMORY_GB, else 4.").tag(config=True)

    @validate("memory_gb")
    def _positive(self, proposal):
        if proposal["value"] is not None and proposal["value"] <= 0:
            raise TraitError(f"Sandbox.memory_gb must be positive, got {proposal['value']}")
        return proposal["value"]

    def export(self, environ=os.environ):
        """Put the configured values where the sandboxed processes read them."""
        if self.mode is not None:
            environ["KIT_SANDBOX"] = self.mode
        if self.memory_gb is not None:
            environ["KIT_SANDBOX_MEMORY_GB"] = repr(self.memory_gb)


class SandboxKernel(NbGraderPreprocessor):
    """Autograde, before Execute: run the student's notebook in a sandboxed kernel.

    Points the notebook at a kernelspec whose launcher wraps ipykernel in the
    bubblewrap sandbox, in a private Jupyter runtime directory (its connection
    files and sockets are this kernel's alone). KIT_SANDBOX=off leaves the kernel
    as nbgrader starts it; an unavailable sandbox refuses to grade.
    """

    def preprocess(self, nb, resources):
        Sandbox(parent=self).export()      # before anything starts a sandbox: the kernel, then the graders
        if sandbox.mode() == "off":
            self.log.warning("KIT_SANDBOX=off: the notebook runs WITHOUT the sandbox")
            return nb, resources
        if reason := sandbox.check():
            raise sandbox.SandboxUnavailable(f"grading refused: {reason} (or set KIT_SANDBOX=off)")
        install_sandboxed_kernelspec()
        nb.metadata["kernelspec"] = {"name": SANDBOXED_KERNEL, "display_name": "Python 3 (sandboxed)",
                                     "language": "python"}
        return nb, resources


class ExecuteContained(Execute):
    """nbgrader's Execute, bounded: each cell its budget, the notebook a total, and the first time-out ends the run.

    Grades never come from the kernel (GradeWithHarness decides them), so the
    notebook needs only enough time to run honest code. A cell gets the budget
    its source cell declares (`"kit": {"timeout": seconds}` in the source
    notebook's cell metadata, looked up by grade id: a submission cannot raise
    it) or `cell_timeout`, never more than what is left of `notebook_timeout`.
    The first cell that runs out of time, or a kernel killed or hung by student
    code, ends the run: the cells that ran keep their outputs, the timed-out cell
    says so in the feedback, the rest stay unexecuted. (nbgrader alone interrupts
    and goes on, so a function that loops forever costs the full timeout once per
    cell that calls it.) Output is capped per cell while it arrives, so a
    submission that prints without end cannot fill the grader's memory.

    Where the grading process is a standby of the warm template, the notebook runs
    in the sandboxed kernel it started ahead (sandboxed_kernel.take_kernel_ahead:
    only if started under the settings this run would start one with; the
    notebook's folder is copied into the kernel's, bound at /grading/notebook),
    and this preprocessor shuts that kernel down after the run.
    """

    cell_timeout = Integer(30, help="Seconds a cell may run at autograde unless its source cell declares "
                                    "more in its metadata (\"kit\": {\"timeout\": seconds})").tag(config=True)
    notebook_timeout = Integer(300, help="Seconds the whole notebook may run at autograde; "
                                         "cells left when it is spent are not run").tag(config=True)
    max_output_chars = Integer(1_000_000, help="Characters of output kept per cell while the notebook "
                                               "runs; the rest is dropped (and said so)").tag(config=True)

    def preprocess(self, nb, resources, km=None):
        self._budgets = _declared_budgets(self.config, resources)
        self._deadline = time.monotonic() + self.notebook_timeout
        self._output_chars = {}
        self.timeout_func = self._cell_budget
        ahead = take_kernel_ahead(self, nb, resources) if km is None else None
        try:
            return super().preprocess(nb, resources, km=km or ahead)
        except CellTimeoutError as exc:
            self._stopped(nb, getattr(exc, "kit_cell", None), str(exc))
        except DeadKernelError as exc:
            # killed, or so broken it no longer answers
            self._stopped(nb, None, f"the notebook's kernel stopped answering ({exc})")
        finally:
            if ahead is not None:
                self._cleanup_kernel()      # nbclient shuts down only the kernels it started
        return nb, resources

    def _cell_budget(self, cell):
        declared = self._budgets.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        left = self._deadline - time.monotonic()
        return max(1, int(min(declared or self.cell_timeout, left)))

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and cell.source.strip() and time.monotonic() >= self._deadline:
            raise _timeout(cell, f"the notebook's {self.notebook_timeout} s were spent before this cell")
        return super().preprocess_cell(cell, resources, index)

    async def _async_handle_timeout(self, timeout, cell=None):
        # end the run here (nbgrader would interrupt and go on to the next cell)
        raise _timeout(cell, f"this cell did not finish within {timeout} s")

    def _stopped(self, nb, cell, why):
        where = _cell_name(nb, cell)
        self.log.warning("Notebook execution stopped at %s: %s; grading what ran", where, why)
        nb.metadata["kit_execution_stopped"] = {"cell": where, "reason": shorten(why)}
        if cell is not None:
            cell.outputs.append(nbformat.v4.new_output(
                "error", ename="Stopped", evalue=why,
                traceback=[f"Stopped at grading: {why}. The notebook's execution ended here; "
                           "the graded parts are graded separately, by the hidden graders."]))

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None:
            return out
        size = len(json.dumps(out.get("text") or out.get("data") or ""))
        seen = self._output_chars.get(cell_index, 0)
        self._output_chars[cell_index] = seen + size
        if seen + size <= self.max_output_chars:
            return out
        room = self.max_output_chars - seen
        if room > 0 and out.get("output_type") == "stream":
            out["text"] = out["text"][:room]          # keep what fits: its head stays readable
        elif out in outs:
            outs.remove(out)
        if seen <= self.max_output_chars:
            outs.append(nbformat.v4.new_output(
                "stream", name="stdout", text=f"\n... [output beyond {self.max_output_chars:,} characters "
                                             "dropped at grading] ...\n"))
        return out


def _timeout(cell, why):
    exc = CellTimeoutError(why)
    exc.kit_cell = cell
    return exc


def _cell_name(nb, cell):
    if cell is None:
        return "the notebook"
    index = next((i for i, c in enumerate(nb.cells) if c is cell), None)
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {index + 1 if index is not None else '?'}" + (f" ({grade_id})" if grade_id else "")


def _declared_budgets(config, resources):
    """{grade id: seconds} declared in the source notebook (trusted; the submission's metadata is not)."""
    source = _source_notebook(config, resources)
    if source is None:
        return {}
    budgets = {}
    for cell in source.cells:
        seconds = cell.get("metadata", {}).get("kit", {}).get("timeout")
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id and isinstance(seconds, (int, float)) and seconds > 0:
            budgets[grade_id] = seconds
    return budgets


def _source_notebook(config, resources):
    """The source notebook of the one being processed, or None."""
    info = resources.get("nbgrader", {})
    coursedir = CourseDirectory(config=config)
    path = Path(coursedir.format_path(coursedir.source_directory, ".", info.get("assignment", ""))) / (
        f"{info.get('notebook', '')}.ipynb")
    return notebooks.read(path) if path.is_file() else None


PENDING_GRADES = "kit_pending_grades"      # resources key: StartHiddenGrading -> GradeWithHarness


class StartHiddenGrading(NbGraderPreprocessor):
    """Autograde, before Execute: start the hidden graders, so they run while the notebook does.

    The grade depends only on the answer code, which the notebook's execution
    does not change (only outputs): the graders need not wait for it.
    GradeWithHarness collects the grades. Started here, in nbgrader's one thread,
    before the kernel's threads exist, so the graders can be forked from a warm
    process (harness/warm.py).
    """

    def preprocess(self, nb, resources):
        pending = {}
        for name, points in _graded_assignments(nb).items():
            try:
                source = notebooks.answer_module_source(nb, title=f"Answer code for {name}")
                pending[name] = runner.start_grading(assignments.get(name), [source], points=points)
                self.log.info("Hidden graders of %s started %s", name, pending[name].how_started())
            except sandbox.SandboxUnavailable:
                for started in pending.values():
                    if isinstance(started, runner.PendingGrades):
                        started.cancel()
                raise   # refuse to grade rather than record grades made without isolation
            except Exception as exc:  # noqa: BLE001 - a broken part never stops the notebook
                pending[name] = exc
        resources[PENDING_GRADES] = pending
        return nb, resources


class GradeWithHarness(NbGraderPreprocessor):
    """Autograde, after Execute: the trusted grade of every harness-graded cell.

    Grades the submission's answer module with the hidden graders (outside the
    kernel; started by StartHiddenGrading, else here), then replaces each graded
    cell's outputs with the report and the points earned, so whatever the kernel
    printed or raised there does not count. Points come from the cell's metadata,
    which nbgrader restored from the source.
    """

    def preprocess(self, nb, resources):
        graded = notebooks.graded_parts(nb)
        if not graded:
            return nb, resources
        pending = resources.pop(PENDING_GRADES, None)
        if pending is None:
            pending = StartHiddenGrading(parent=self).preprocess(nb, resources)[1].pop(PENDING_GRADES)
        results = {}
        for name, points in _graded_assignments(nb).items():
            try:
                started = pending.get(name) or KeyError(f"the graders of {name} were not started")
                if isinstance(started, Exception):
                    raise started
                results[name] = started.results()[0]
                self.log.info("Graded %s: %s / %s points", name,
                              results[name].points, results[name].max_points)
            except Exception as exc:  # noqa: BLE001 - a broken part never stops the notebook
                self.log.error("Grading %s failed: %s", name, exc)
                results[name] = runner.could_not_grade(name, points, f"grader error: {exc}")
        for cell, name, part, _ in graded:
            result = results[name].parts[part]
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=result.report() + "\n"),
                nbformat.v4.new_output("execute_result", data={"text/plain": repr(result.points)},
                                       execution_count=cell.get("execution_count")),
            ]
        nb.metadata["autograder"] = {name: r.to_json() for name, r in results.items()}
        return nb, resources


def _graded_assignments(nb):
    """{assignment: {part: the cell's points}} of the notebook's harness-graded cells."""
    graded = {}
    for _, name, part, points in notebooks.graded_parts(nb):
        graded.setdefault(name, {})[part] = points
    return dict(sorted(graded.items()))


class LimitOutputSize(NbGraderPreprocessor):
    """Autograde: cap each text output's size (nbgrader's LimitOutput counts lines, not characters).

    A submission that prints megabytes keeps its feedback readable and the
    gradebook's notebooks small.
    """

    max_chars = Integer(20_000, help="Characters of one text output kept in the graded notebook and its "
                                     "feedback; a longer output keeps its first half of these and its end "
                                     "(tail_chars)").tag(config=True)
    tail_chars = Integer(2_000, help="Characters kept from the end of an output cut to max_chars: where "
                                     "a long run ends, or its error, is shown").tag(config=True)
    traceback_lines = Integer(50, help="Lines kept of an error's traceback, the last ones (where the error "
                                       "was raised)").tag(config=True)

    def _cut(self, text):
        if len(text) <= self.max_chars:
            return text
        head = text[: self.max_chars // 2]
        tail = text[max(len(text) - self.tail_chars, len(head)):]
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
                kept = output.get("traceback", [])[-self.traceback_lines:] if self.traceback_lines > 0 else []
                output["traceback"] = [self._cut(line) for line in kept]
        return cell, resources


class FeedbackHeld(RuntimeError):
    """Feedback for a notebook that still has answers to grade by hand."""


class HoldFeedbackUntilGraded(NbGraderPreprocessor):
    """Feedback: none for a notebook whose answers still wait for grading by hand (or, with
    `provisional`, feedback that says so at its top).

    Its totals would change after that grading, and nothing would stop stale
    feedback from going out. nbgrader reports the refusal for that student and
    goes on with the others (`./run feedback` leaves those students out).
    """

    provisional = Bool(False, help="Instead of refusing, write the feedback with a note at its top that the "
                                   "answers graded by hand are not counted yet (the grading service's "
                                   "feedback on submit).").tag(config=True)

    def preprocess(self, nb, resources):
        from nbgrader.api import Gradebook
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gb:
            graded = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
            waiting = [g.name for g in graded.grades if g.needs_manual_grade]
        if waiting and self.provisional:
            note = nbformat.v4.new_markdown_cell(
                f"**{PROVISIONAL}.** {len(waiting)} answer(s) of this notebook ({', '.join(waiting)}) are still to "
                "be graded by hand: they count 0 points in the score below until then, and the score will change.")
            nb.cells.insert(0, note)
        elif waiting:
            raise FeedbackHeld(
                f"no feedback for {info['student']}'s {info['notebook']} yet: {len(waiting)} answer(s) "
                f"({', '.join(waiting)}) wait for grading by hand in the formgrader; grade them, then generate "
                "the feedback")
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
