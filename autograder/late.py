"""Late-submission policy: a percentage of the score per day late, capped.

nbgrader's own plugin knows only 'none' and 'zero'. This one plugs into its
AssignLatePenalties step (`c.AssignLatePenalties.plugin_class` in
nbgrader_config.py), so the penalty lands in nbgrader's gradebook like any other.
Due dates are nbgrader's: `nbgrader db assignment add <a> --duedate "..."`.
"""
import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float


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
    days = math.ceil(seconds_late / 86400)
    return round(score * min(max_percent, percent_per_day * days) / 100, 2)
