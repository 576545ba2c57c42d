"""Autograde one student's assignment and generate their feedback, in one process.

    python -m autograder.grading.autograde_one ASSIGNMENT STUDENT [--no-feedback]    (in the course root)

The same two steps as `nbgrader autograde` then `nbgrader generate_feedback`,
through nbgrader's own API with the course's nbgrader_config.py, so the
submission pays for importing nbgrader once; no feedback while answers wait for
grading by hand (it would be stale). Prints nbgrader's log; exits 1 if a step
failed (the log says why; `failure_reason` finds the line).
"""
import re
import sys
from pathlib import Path

REASON_CHARS = 300        # the longest reason shown to a student or in a log line
NO_FEEDBACK = "--no-feedback"     # the caller makes the feedback itself (the grading service, from the gradebook)


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    assignment, student = [a for a in args if a != NO_FEEDBACK]
    from nbgrader.apps import NbGraderAPI

    from ..course import load_config, waits_for_hand_grading

    api = NbGraderAPI(config=load_config(Path.cwd()))
    steps = (lambda: api.autograde(assignment, student, force=True, create=True),
             lambda: None if NO_FEEDBACK in args or waits_for_hand_grading(api.coursedir.db_url, assignment, student)
             else api.generate_feedback(assignment, student, force=True))
    for step in steps:
        result = step()
        if result is None:
            continue
        sys.stdout.write(result.get("log", ""))
        if not result.get("success"):
            sys.stdout.write(result.get("error", "") + "\n")
            return 1
    return 0


def failure_reason(log):
    """The line of this command's log (nbgrader's) that says why a submission could not be graded."""
    generic = ("Please see the", "There was an error processing", "Removing failed assignment")
    unknown = re.findall(r"Skipping unknown notebook: (\S+)", log)
    if unknown:
        names = ", ".join(Path(u).name for u in unknown)
        return f"no notebook of this assignment in the submission (found {names}: was it renamed?)"
    if "No notebooks found" in log or "No notebooks were matched" in log:
        return "the submission contains no notebook"
    for line in reversed(log.strip().splitlines()):
        line = line.strip()
        if any(g in line for g in generic):
            continue
        if re.match(r"^[A-Za-z_.]*(Error|Exception|Unavailable)\b.*:", line) or "ERROR]" in line:
            return shorten(line)
    return shorten(log.strip().splitlines()[-1]) if log.strip() else "unknown error"


def shorten(reason):
    """A reason cut to what a log line or a feedback page shows."""
    return reason[:REASON_CHARS]


if __name__ == "__main__":
    sys.exit(main())
