"""The coordinator's one job that touches the course: record a graded submission.

The graded notebooks first (swapped in whole), then the gradebook through
nbgrader's own steps: the submission as nbgrader's autograde creates it,
`SaveAutoGrades` reading the points from the graded notebook, and
`AssignLatePenalties` with the course's late policy; then the feedback, unless
answers wait for grading by hand. Only this process writes to the gradebook,
whatever number of workers graded.
"""
import shutil
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades

from ..course import waits_for_hand_grading
from .task import safe_relative


def replace_tree(dest, files, copies=None):
    """Make `dest` hold exactly `files` (+ `copies`: {relative path: file to copy}), swapped in at once."""
    dest = Path(dest)
    incoming = dest.with_name(f".{dest.name}.incoming")
    if incoming.exists():
        shutil.rmtree(incoming)
    incoming.mkdir(parents=True)
    for rel, original in (copies or {}).items():
        target = incoming / safe_relative(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(original, target)
    for rel, data in files.items():
        target = incoming / safe_relative(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    if dest.exists():
        shutil.rmtree(dest)
    incoming.rename(dest)


def record(course, outcome):
    """Write one successful Outcome into the course's autograded/, feedback/ and gradebook."""
    with warnings.catch_warnings():
        # nbgrader's own API trips SQLAlchemy's autoflush warnings; they say nothing about the grade
        warnings.filterwarnings("ignore", module="nbgrader.api")
        warnings.filterwarnings("ignore", message=".*not in session.*")
        _record(course, outcome)


def _record(course, outcome):
    a, s = outcome.assignment, outcome.student
    config, coursedir = course.config, course.coursedir
    graded_dir = course.directory("autograded", s, a)
    replace_tree(graded_dir, outcome.autograded, copies=course.files_from_source(a))

    timestamp = coursedir.get_existing_timestamp(str(course.directory("submitted", s, a)))
    with Gradebook(course.db_url, coursedir.course_id) as gb:
        gb.update_or_create_student(s)
        if timestamp:
            gb.update_or_create_submission(a, s, timestamp=timestamp)
        else:
            gb.update_or_create_submission(a, s)
        expected = [nb.name for nb in gb.find_assignment(a).notebooks]

    for name in expected:
        path = graded_dir / f"{name}.ipynb"
        if not path.exists():   # as nbgrader does: a notebook not submitted scores zero
            with Gradebook(course.db_url, coursedir.course_id) as gb:
                for grade in gb.find_submission_notebook(name, a, s).grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
                gb.db.commit()
            continue
        nb = nbformat.read(str(path), as_version=4)
        resources = {"nbgrader": {"assignment": a, "notebook": name, "student": s, "db_url": course.db_url}}
        for step in (SaveAutoGrades, AssignLatePenalties):
            step(config=config).preprocess(nb, resources)

    # The worker's feedback goes out only when nothing is left to grade by hand: written answers graded later
    # would change its totals (`./run feedback` makes it after that grading).
    feedback_dir = course.directory("feedback", s, a)
    if waits_for_hand_grading(course.db_url, a, s):
        if feedback_dir.exists():
            shutil.rmtree(feedback_dir)
    else:
        replace_tree(feedback_dir, outcome.feedback)


def assignment_in_gradebook(course, assignment):
    with Gradebook(course.db_url, course.coursedir.course_id) as gb:
        try:
            gb.find_assignment(assignment)
            return True
        except MissingEntry:
            return False
