"""Autograde one student's assignment and generate their feedback, in one process.

    python -m autograder.grading.autograde_one ASSIGNMENT STUDENT     (in the course root)

The same two steps as `nbgrader autograde` then `nbgrader generate_feedback`,
through nbgrader's own API with the course's nbgrader_config.py, so the
submission pays for importing nbgrader once; no feedback while answers wait for
grading by hand (it would be stale). Prints nbgrader's log; exits 1 if a step
failed (the log says why; `course.failure_reason` finds the line).
"""
import sys
from pathlib import Path


def main(argv=None):
    assignment, student = (sys.argv[1:] if argv is None else argv)
    from nbgrader.apps import NbGraderAPI

    from .record import load_config, waits_for_hand_grading

    api = NbGraderAPI(config=load_config(Path.cwd()))
    steps = (lambda: api.autograde(assignment, student, force=True, create=True),
             lambda: None if waits_for_hand_grading(api.coursedir.db_url, assignment, student)
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


if __name__ == "__main__":
    sys.exit(main())
