"""Similarity among a class's answers: pairs for a person to look at, never a verdict.

Per assignment, each student's answer code (the notebook's answer cells only) is
compared with every other student's by copydetect (MOSS-style winnowing over
pygments tokens: names, strings, comments and layout do not count, so renaming
and reformatting do not hide a copy). The starter code the students were given
(the release notebook's answer cells: signatures, docstrings, `raise
NotImplementedError()`) is copydetect's boilerplate, so what everyone got does not
make two students alike.

Writes `<course>/reports/similarity/<assignment>.csv` (every pair once, most
similar first) and `<assignment>.html` (copydetect's report of the top pairs, side
by side, the matched code highlighted), and returns the pairs above the threshold.
Offline: nothing is fetched, and the HTML needs nothing from the network either.
"""
import csv
import html
import logging
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from traitlets import Float, Integer, validate, TraitError
from traitlets.config import Configurable

from . import notebooks, paths
from .course import Course

log = logging.getLogger(__name__)

CSV_COLUMNS = ("student_a", "student_b", "similarity_a", "similarity_b", "similarity", "above_threshold")

@dataclass(frozen=True)
class SimilarPair:
    """Two students whose answers overlap. similarity_a: the share of a's answer (its tokens
    that are not starter code) found in b's; similarity_b the other way; similarity: the larger."""
    student_a: str
    student_b: str
    similarity_a: float
    similarity_b: float

    @property
    def similarity(self):
        return max(self.similarity_a, self.similarity_b)


def answer_code(notebook_path):
    """The code of a notebook's answer cells only, in notebook order, as one Python text.

    Solution markers are dropped and IPython magics commented out, as for the answer
    module (`notebooks.answer_module_source`); each cell starts with a `# --- cell <id> ---`
    comment (comments do not count in the comparison). Raises notebooks.NotebookError
    for a file that is not a readable notebook."""
    nb = notebooks.read(notebook_path)
    chunks = []
    for cell in nb.cells:
        if notebooks.is_answer_cell(cell):
            code = notebooks.SOLUTION_MARKERS.sub("", cell.source).strip("\n")
            label = cell.metadata.get("nbgrader", {}).get("grade_id", "answer")
            chunks.append(f"# --- cell {label} ---\n{notebooks.python_only(code)}\n")
    return "\n\n".join(chunks)


class SimilarityReport(Configurable):
    """Compares a class's answers pairwise (copydetect) and writes the CSV and HTML reports.

    Settings come from a traitlets Config, e.g. `c.SimilarityReport.threshold = 0.8` in
    nbgrader_config.py, passed as `report(..., config=c)`."""

    threshold = Float(0.75, help=(
        "Similarity (0-1: the share of one student's own answer tokens, starter code left out, "
        "that is also in the other's; the larger of the two shares) above which a pair is "
        "named in the summary and returned. A pair above it is one to look at, not a finding.")
    ).tag(config=True)
    noise_threshold = Integer(25, help=(
        "copydetect's noise threshold: the shortest run of matching filtered characters "
        "(names become V/F, strings S, layout and comments dropped) that counts as shared. "
        "Lower finds shorter shared runs and makes independent short answers look alike.")
    ).tag(config=True)
    guarantee_threshold = Integer(25, help=(
        "copydetect's guarantee threshold (>= noise_threshold): every shared run at least this "
        "long is found. Equal to noise_threshold, every k-gram is compared (no winnowing): "
        "exact, and the figures do not change from one run to the next.")
    ).tag(config=True)
    top_pairs = Integer(20, help="How many pairs, most similar first, the HTML report shows side by side."
                        ).tag(config=True)

    @validate("threshold")
    def _threshold_in_range(self, proposal):
        if not 0.0 <= proposal["value"] <= 1.0:
            raise TraitError(f"threshold must be between 0 and 1, got {proposal['value']}")
        return proposal["value"]

    @validate("noise_threshold", "top_pairs")
    def _positive(self, proposal):
        if proposal["value"] < 1:
            raise TraitError(f"{proposal['trait'].name} must be at least 1, got {proposal['value']}")
        return proposal["value"]

    # -- inputs ---------------------------------------------------------------------------

    @staticmethod
    def submissions(course, assignment):
        """{student: notebook path} of every submitted notebook of `assignment`, by student id."""
        found = {}
        for student in course.students(assignment):
            nb_path = course.directory("submitted", student, assignment) / f"{assignment}.ipynb"
            if nb_path.is_file():
                found[student] = nb_path
        return found

    @staticmethod
    def release_notebook(course, assignment):
        """The notebook the students were given: the course's release, else the kit's (or None)."""
        for folder in (course.directory("release", ".", assignment), paths.RELEASE / assignment):
            candidate = folder / f"{assignment}.ipynb"
            if candidate.is_file():
                return candidate
        return None

    # -- the report -----------------------------------------------------------------------

    def report(self, course_root, assignment):
        """Compare every pair of submissions once; write the CSV and HTML; return the pairs
        above the threshold (most similar first)."""
        if self.guarantee_threshold < self.noise_threshold:
            raise TraitError(f"guarantee_threshold ({self.guarantee_threshold}) must be at least "
                             f"noise_threshold ({self.noise_threshold})")
        course_root = Path(course_root)
        out_dir = course_root / "reports" / "similarity"
        out_dir.mkdir(parents=True, exist_ok=True)
        csv_path, html_path = out_dir / f"{assignment}.csv", out_dir / f"{assignment}.html"

        codes, skipped = {}, []
        course = Course(course_root)      # its configuration read once per report
        for student, nb_path in self.submissions(course, assignment).items():
            try:
                codes[student] = answer_code(nb_path)
            except Exception as exc:  # noqa: BLE001 - one bad notebook must not stop the report
                reason = str(exc).replace(str(nb_path), "").lstrip(": ") or type(exc).__name__
                log.warning("similarity report for %s: skipped %s (%s)", assignment, nb_path, reason)
                skipped.append((student, reason))

        starter = None
        release = self.release_notebook(course, assignment)
        if release is None:
            log.warning("similarity report for %s: no release notebook, so no starter code is "
                        "discounted", assignment)
        else:
            try:
                starter = answer_code(release)
            except Exception as exc:  # noqa: BLE001
                log.warning("similarity report for %s: starter code not discounted: %s", assignment, exc)

        if len(codes) < 2:
            self._write_csv(csv_path, [])
            html_path.write_text(self._too_few_page(assignment, codes, skipped), encoding="utf-8")
            return []

        with tempfile.TemporaryDirectory(prefix="similarity-") as scratch:
            rows, page = self._compare(Path(scratch), assignment, codes, starter, skipped)
        self._write_csv(csv_path, rows)
        html_path.write_text(page, encoding="utf-8")
        return [pair for pair in rows if pair.similarity > self.threshold]

    def _compare(self, scratch, assignment, codes, starter, skipped):
        students = list(codes)
        (scratch / "students").mkdir()
        # files named by index, so that any student id is safe as a file name; the HTML names them back
        files = {}
        for n, student in enumerate(students):
            files[student] = scratch / "students" / f"{n:05d}.py"
            files[student].write_text(codes[student], encoding="utf-8")
        detector = _detector_class()(
            top_pairs=self.top_pairs, noise_t=self.noise_threshold, guarantee_t=self.guarantee_threshold,
            display_t=self.threshold, force_language="python", autoopen=False, silent=True,
            out_file=str(scratch / "report.html"))
        for student in students:
            detector.add_file(str(files[student]))          # test and reference: each against all others
        if starter is not None:
            (scratch / "starter").mkdir()
            starter_file = scratch / "starter" / f"{assignment}.py"
            starter_file.write_text(starter, encoding="utf-8")
            detector.add_file(str(starter_file), type="boilerplate")
        detector.run()

        rows = []
        for i, a in enumerate(students):
            for j in range(i + 1, len(students)):
                sim_a, sim_b = (float(s) for s in detector.similarity_matrix[i, j])
                rows.append(SimilarPair(a, students[j], max(sim_a, 0.0), max(sim_b, 0.0)))
        rows.sort(key=lambda p: (-p.similarity, p.student_a, p.student_b))

        with warnings.catch_warnings():   # copydetect 0.5.0 reads its template with importlib.resources.open_text
            warnings.simplefilter("ignore", DeprecationWarning)
            page = detector.generate_html_report(output_mode="return")
        page = self._readable(page, scratch, files, assignment, rows, skipped,
                              with_starter=starter is not None)
        return rows, page

    def _readable(self, page, scratch, files, assignment, rows, skipped, *, with_starter):
        """copydetect's page, with students named by id instead of scratch paths, a summary on
        top, and no stylesheet or script fetched from the network."""
        for student, path in files.items():
            page = page.replace(str(path), html.escape(student))
        page = page.replace(str(scratch), "(scratch)")
        page = page.replace("<title>Copy Detection Report</title>",
                            f"<title>Similarity report: {html.escape(assignment)}</title>")
        page = re.sub(r'<link href="https://cdn[^>]*>\s*', f"<style>{_OFFLINE_CSS}</style>\n", page)
        page = re.sub(r'<script src="https://cdn[^>]*></script>', f"<script>{_OFFLINE_JS}</script>", page)
        summary = self._summary(assignment, rows, skipped, with_starter=with_starter)
        return page.replace('<h2>Overview</h2>', summary + '\n  <h2>Overview</h2>', 1)

    def _summary(self, assignment, rows, skipped, *, with_starter):
        above = [p for p in rows if p.similarity > self.threshold]
        items = "".join(
            f"<li><b>{html.escape(p.student_a)}</b> and <b>{html.escape(p.student_b)}</b>: "
            f"{p.similarity:.0%} ({html.escape(p.student_a)} {p.similarity_a:.0%}, "
            f"{html.escape(p.student_b)} {p.similarity_b:.0%})</li>" for p in above)
        skipped_html = "".join(f"<li>{html.escape(s)}: {html.escape(r)}</li>" for s, r in skipped)
        starter = ("The starter code of the release notebook is discounted." if with_starter
                   else "<b>No release notebook was found: starter code is not discounted.</b>")
        return (
            f'<div class="similarity-summary">\n'
            f"<h2>{html.escape(assignment)}: {_students(rows)} students, {len(rows)} pairs</h2>\n"
            f"<p>This report flags pairs of answers for a person to look at; it does not say that "
            f"anyone copied. Short exercises have few ways to be written, and answers that follow "
            f"the notebook's hints look alike. {starter} Similarity is the share of one student's "
            f"own answer tokens found in the other's (names, strings and comments ignored); a "
            f"pair counts the larger of its two shares.</p>\n"
            f"<p>Pairs above {self.threshold:.0%}: {len(above)}</p>\n"
            + (f"<ul>{items}</ul>\n" if above else "")
            + (f"<p>Notebooks that could not be read (not compared):</p><ul>{skipped_html}</ul>\n"
               if skipped else "")
            + f"<p>Below, the {min(self.top_pairs, len(rows))} most similar pairs side by side, "
              f"the matched code highlighted; the test file's share is the first percentage.</p>\n"
            + "</div>")

    def _too_few_page(self, assignment, codes, skipped):
        names = ", ".join(html.escape(s) for s in codes) or "none"
        skipped_html = "".join(f"<li>{html.escape(s)}: {html.escape(r)}</li>" for s, r in skipped)
        return (f"<!DOCTYPE html>\n<html><head><meta charset=\"UTF-8\"/>"
                f"<title>Similarity report: {html.escape(assignment)}</title></head><body>\n"
                f"<h1>Similarity report: {html.escape(assignment)}</h1>\n"
                f"<p>Fewer than two readable submissions ({len(codes)}: {names}): nothing to compare.</p>\n"
                + (f"<p>Notebooks that could not be read:</p><ul>{skipped_html}</ul>\n" if skipped else "")
                + "</body></html>\n")

    def _write_csv(self, path, rows):
        with open(path, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(CSV_COLUMNS)
            for p in rows:
                writer.writerow([p.student_a, p.student_b, f"{p.similarity_a:.4f}", f"{p.similarity_b:.4f}",
                                 f"{p.similarity:.4f}", p.similarity > self.threshold])


def _students(rows):
    return len({p.student_a for p in rows} | {p.student_b for p in rows})


def report(course_root, assignment, config=None):
    """The similarity report of `assignment` in the course at `course_root` (see SimilarityReport);
    `config`: a traitlets Config (its SimilarityReport section is used). Returns the pairs above
    the threshold, most similar first."""
    return SimilarityReport(config=config).report(course_root, assignment)


def _detector_class():
    import copydetect   # imported on first use: it imports matplotlib.pyplot, which only the report needs
    import numpy as np
    from copydetect.utils import highlight_overlap

    class Detector(copydetect.CopyDetector):
        """copydetect's detector (every file added as both test and reference, in one order) whose
        HTML shows the `top_pairs` most similar pairs, by the larger of the two shares, whatever
        the display threshold; only those pairs' code is highlighted (a large class has many pairs)."""

        def __init__(self, *, top_pairs, **kwargs):
            super().__init__(**kwargs)
            self.top_pairs = top_pairs

        def get_copied_code_list(self):
            if len(self.similarity_matrix) == 0:
                return []
            rows, cols = np.triu_indices(len(self.test_files), k=1)
            shares = self.similarity_matrix[rows, cols]                 # (pairs, 2)
            larger = shares.max(axis=1)
            ranked = [k for k in np.lexsort((cols, rows, -larger)) if larger[k] > 0][:self.top_pairs]
            code_list = []
            for k in ranked:
                i, j = rows[k], cols[k]
                test_f, ref_f = self.test_files[i], self.ref_files[j]
                if (test_f, ref_f) in self.slice_matrix:
                    slices_test, slices_ref = self.slice_matrix[(test_f, ref_f)]
                else:
                    slices_ref, slices_test = self.slice_matrix[(ref_f, test_f)]
                hl_test, _ = highlight_overlap(self.file_data[test_f].raw_code, slices_test,
                                               "<span class='highlight-red'>", "</span>", escape_html=True)
                hl_ref, _ = highlight_overlap(self.file_data[ref_f].raw_code, slices_ref,
                                              "<span class='highlight-green'>", "</span>", escape_html=True)
                code_list.append([shares[k, 0], shares[k, 1], test_f, ref_f, hl_test, hl_ref,
                                  self.token_overlap_matrix[i, j]])
            return code_list

    return Detector


# The few rules of Bootstrap that copydetect's page uses, so that it reads the same offline.
_OFFLINE_CSS = """
body { font-family: system-ui, sans-serif; margin: 0; }
.container { max-width: 1400px; margin: 0 auto; padding: 0 1em; }
.d-flex, .row { display: flex; flex-wrap: wrap; } .justify-content-center { justify-content: center; }
.col { flex: 1 1 0; min-width: 0; padding: 0 .5em; }
.collapse:not(.show) { display: none; }
.table { width: 100%; border-collapse: collapse; } .table td { border-top: 1px solid #ddd; padding: .5em; }
.table-striped tr:nth-child(odd) td { background: #f7f7f7; }
.btn { border: 1px solid #666; border-radius: 4px; background: #6c757d; color: #fff; padding: .3em .8em; cursor: pointer; }
.card-body { border: 1px solid #ddd; padding: .5em; background: #fff; }
pre { overflow-x: auto; font-size: 12px; } img { max-width: 100%; }
.similarity-summary { border: 1px solid #e0c060; background: #fff8e0; padding: .5em 1em; margin-bottom: 1em; }
"""

_OFFLINE_JS = """
document.querySelectorAll('[data-bs-toggle="collapse"]').forEach(function (button) {
  button.addEventListener('click', function () {
    var target = document.querySelector(button.getAttribute('data-bs-target'));
    if (target) { target.classList.toggle('show'); }
  });
});
"""
