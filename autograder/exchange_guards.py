"""nbgrader's exchange steps with the kit's guards (`c.ExchangeFactory` in nbgrader_config.py).

- `GuardedReleaseAssignment`: `nbgrader release_assignment X` refuses while X's
  files carry the reference solution of an assignment whose due date has not
  passed (`leaks.py` finds them), naming both and the way out.
- `CheckedReleaseFeedback`: `nbgrader release_feedback X` refuses feedback that
  would tell a student something the gradebook does not say: a submission whose
  answers are still to be graded by hand, or a feedback file whose score or late
  penalty differs from the gradebook's (feedback generated before a manual grade).
"""
import datetime
import glob
import html
import os
import re

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.release_assignment import ExchangeReleaseAssignment
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from traitlets import Bool

from . import late, leaks


class GuardedReleaseAssignment(ExchangeReleaseAssignment):
    allow_early_solutions = Bool(
        False,
        help="Release even when the assignment's files carry another assignment's reference solution before "
             "that assignment is due (its students can then read those answers).").tag(config=True)

    def init_src(self):
        super().init_src()
        if self.allow_early_solutions:
            return
        problems = early_solutions(self.coursedir.assignment_id, self.src_path, self.coursedir.db_url)
        if problems:
            self.fail(
                f"refusing to release {self.coursedir.assignment_id}: its files carry "
                + "; ".join(problems)
                + ". Release it after those due dates, or pass "
                  "--GuardedReleaseAssignment.allow_early_solutions=True if its students may read those answers.")


def early_solutions(assignment, release_dir, db_url, now=None):
    """Descriptions of the solutions in release_dir whose assignments are not yet due (or have no due date)."""
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)   # nbgrader stores naive UTC
    problems = []
    carried = leaks.carried_solutions(assignment, release_dir)
    if not carried:
        return problems
    with Gradebook(db_url) as gb:
        for c in carried:
            try:
                due = gb.find_assignment(c.assignment).duedate
            except MissingEntry:
                due = None
            if due is None:
                problems.append(f"the reference solution of {c.assignment} ({c.describe()}), which has no due date "
                                "in the gradebook")
            elif now < due:
                problems.append(f"the reference solution of {c.assignment} ({c.describe()}), due {due:%Y-%m-%d %H:%M} "
                                "UTC")
    return problems


# The two pages that go out without a gradebook check of their hand-graded parts: the grading service's page for a
# submission it could not grade (service.py writes it), and provisional feedback (nbgrader_ext.py writes the note).
NOT_GRADED_MARK = "<!-- kit: could not be graded -->"
PROVISIONAL = "Provisional feedback"

# what nbgrader's feedback template writes: "<h4>notebook (Score: 10.5 / 13.0)</h4>" (after the penalty),
# "Late submission penalty (Score: -2.1)"
_NOTEBOOK_SCORE = re.compile(r"<h4>[^<]*\(Score: ([0-9.]+) / ([0-9.]+)\)</h4>")
_LATE_PENALTY = re.compile(r"Late submission penalty \(Score: -([0-9.]+)\)")


def feedback_problem(feedback_html, gradebook, assignment, student, notebook):
    """Why this feedback file must not go out, or None.

    Two kinds of page go out as they are: the grading service's page for a submission it could not grade
    (nothing in the gradebook to compare), and provisional feedback, which says that answers wait for
    grading by hand (its score must still agree).
    """
    if NOT_GRADED_MARK in feedback_html:
        return None
    try:
        sub_nb = gradebook.find_submission_notebook(notebook, assignment, student)
    except MissingEntry:
        return "the gradebook has no such submission"
    waiting = sum(1 for g in sub_nb.grades if g.needs_manual_grade)
    if waiting and PROVISIONAL not in feedback_html:
        return f"{waiting} answer(s) still wait for grading by hand (formgrader: Manual Grading)"
    text = html.unescape(feedback_html)
    found = _NOTEBOOK_SCORE.search(text)
    if not found:
        return "the feedback file shows no score"
    said = float(found.group(1))
    late = _LATE_PENALTY.search(text)
    said_penalty = float(late.group(1)) if late else 0.0
    # nbgrader's GetGrades shows the notebook's score less its late penalty
    penalty = round(sub_nb.late_submission_penalty or 0, 2)
    score = round(sub_nb.score - (sub_nb.late_submission_penalty or 0), 2)
    if abs(said - score) > 0.005 or abs(said_penalty - penalty) > 0.005:
        return (f"the feedback says {said:g} points (late penalty {said_penalty:g}), the gradebook {score:g} "
                f"(late penalty {penalty:g}): generate the feedback again")
    return None


class CheckedReleaseFeedback(ExchangeReleaseFeedback):
    def copy_files(self):
        exclude = set(self.coursedir.student_id_exclude.split(",")) if self.coursedir.student_id_exclude else set()
        problems = []
        pattern = re.escape(os.path.sep).join([
            self.coursedir.format_path(self.coursedir.feedback_directory, "(?P<student_id>.*)",
                                       self.coursedir.assignment_id, escape=True),
            "(?P<notebook_id>.*).html"])
        with Gradebook(self.coursedir.db_url) as gb:
            late.refresh_penalties(gb, self.config, [self.coursedir.assignment_id])     # as feedback would show them
            for path in sorted(glob.glob(os.path.join(self.src_path, "*.html"))):
                m = re.match(pattern, path)
                if m is None or m.group("student_id") in exclude:
                    continue
                with open(path, encoding="utf-8") as fh:
                    why = feedback_problem(fh.read(), gb, self.coursedir.assignment_id, m.group("student_id"),
                                           m.group("notebook_id"))
                if why:
                    problems.append(f"{m.group('student_id')}/{m.group('notebook_id')}: {why}")
        if problems:
            self.fail(f"refusing to release feedback for {self.coursedir.assignment_id}, which would disagree with "
                      "the gradebook:\n  " + "\n  ".join(problems)
                      + "\nGrade those answers by hand, then `./run feedback "
                      f"{self.coursedir.assignment_id}` (or nbgrader generate_feedback) before releasing; or leave "
                      "students out with --CourseDirectory.student_id_exclude=...")
        super().copy_files()
