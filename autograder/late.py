"""Late-submission policy: a percentage of the score per day late, capped.

nbgrader's own plugin knows only 'none' and 'zero'. This one plugs into its
AssignLatePenalties step (`c.AssignLatePenalties.plugin_class` in
nbgrader_config.py), so the penalty lands in nbgrader's gradebook like any other.
Due dates are nbgrader's: `nbgrader db assignment add <a> --duedate "..."`.

nbgrader assigns the penalty at autograde, from the points it has then; answers
graded by hand later change the score. The penalty is a percentage of the whole
score, so the kit assigns it again wherever a score leaves the gradebook: before
feedback (AssignLatePenalties in GenerateFeedback's steps), before an export (the
kit's exporters) and before the reports (`refresh_penalties`).
"""
import math

from nbgrader.api import Gradebook
from nbgrader.plugins import LateSubmissionPlugin
from nbgrader.preprocessors import AssignLatePenalties
from traitlets import Float

SECONDS_PER_DAY = 24 * 60 * 60      # a "day late" is this many seconds after the due date (no calendar days)


class PercentPerDayLate(LateSubmissionPlugin):
    """Penalty = score x min(cap, percent_per_day x days late, started days rounded up)."""

    percent_per_day = Float(10.0, help="Percent of the score lost per started day late.").tag(config=True)
    max_percent = Float(50.0, help="The most a late submission can lose, in percent of its score.").tag(config=True)
    grace_minutes = Float(15.0, help="Minutes after the due date that still count as on time.").tag(config=True)

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return penalty(score, total_seconds_late, self.percent_per_day, self.max_percent, self.grace_minutes)


def penalty(score, seconds_late, percent_per_day, max_percent, grace_minutes=0.0):
    """Points lost: one pure function, shared by the plugin and the report."""
    if seconds_late <= grace_minutes * 60 or not score:
        return 0.0
    days = math.ceil(seconds_late / SECONDS_PER_DAY)
    return round(score * min(max_percent, percent_per_day * days) / 100, 2)


def refresh_penalties(gradebook, config, assignments=None):
    """Assign every late submission's penalty again from its score now (hand-graded points included).

    The same rule as nbgrader's AssignLatePenalties at autograde, with the course's plugin
    (`config` is the course's nbgrader configuration). `gradebook` is an open nbgrader
    Gradebook or a database URL. Returns how many penalties changed.
    """
    if isinstance(gradebook, str):
        with Gradebook(gradebook) as gb:
            return refresh_penalties(gb, config, assignments)
    step = AssignLatePenalties(config=config)
    step.init_plugin()
    changed = 0
    for assignment in gradebook.assignments:
        if assignments is not None and assignment.name not in assignments:
            continue
        for submission in assignment.submissions:
            for notebook in submission.notebooks:
                new = None
                if submission.total_seconds_late > 0:
                    new = step.plugin_inst.late_submission_penalty(
                        submission.student.id, notebook.score, submission.total_seconds_late)
                    if new is not None:
                        new = step._check_late_penalty(notebook, new)
                if (notebook.late_submission_penalty or 0) != (new or 0):
                    changed += 1
                notebook.late_submission_penalty = new
    gradebook.db.commit()
    return changed
