"""Template gradebooks: for each assignment, a new SQLite gradebook holding it alone, all made in one process.

    python -m autograder.grading.template_gradebooks COURSE_ROOT OUT_DIR ASSIGNMENT...

A worker grades a submission in a scratch course whose gradebook is a copy of
its assignment's template (grading/task.py). A template is what `nbgrader
generate_assignment` writes into a new gradebook, and is made here by the same
converter (nbgrader's GenerateAssignment, with the course's configuration), but
for every assignment in one process. Made by one `nbgrader generate_assignment`
each, every template cost an interpreter importing nbgrader and, as its gradebook
was new, a second one running `alembic heads` (nbgrader.api.get_alembic_version):
about 9 s each on a 2.1 GHz Xeon, 43 s for the five before a batch's first
grading could start. Here nbgrader is imported once and the revision a new
gradebook is stamped with is read once, in this process, from the same
migration scripts.

Writes OUT_DIR/<assignment>.db for each template made, and prints, as JSON,
{assignment: why not} for those that could not be (their log's end).
"""
import json
import sys
import tempfile
from pathlib import Path

LOG_CHARS = 3000         # of a failed assignment's log, what the caller reports


def alembic_head():
    """The revision `alembic heads` prints for nbgrader's migrations: what nbgrader stamps a new gradebook with."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    config = Config()
    config.set_main_option("script_location", ALEMBIC_DIR)
    return ScriptDirectory.from_config(config).get_current_head()


def make(course_root, out_dir, assignments):
    """Make OUT_DIR/<a>.db for each assignment; {assignment: why not} for the others."""
    import nbgrader.api
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log
    from traitlets.config import Config

    from ..course import Course, load_config

    head = alembic_head()
    nbgrader.api.get_alembic_version = lambda: head     # this process only: the same value, without a subprocess
    course = Course(course_root)
    failed = {}
    for assignment in assignments:
        db = Path(out_dir) / f"{assignment}.db"
        with tempfile.TemporaryDirectory(prefix="kit-template-") as scratch:
            config = load_config(course.root)
            config.merge(Config({"CourseDirectory": {
                "root": scratch, "source_directory": str(course.directory("source")),
                "db_url": f"sqlite:///{db}", "course_id": course.coursedir.course_id}}))
            coursedir = CourseDirectory(config=config, assignment_id=assignment)
            app = GenerateAssignment(coursedir=coursedir, config=config)
            app.force = app.create_assignment = True
            result = capture_log(app)
        if not result["success"]:
            db.unlink(missing_ok=True)
            failed[assignment] = (result.get("log", "") + result.get("error", ""))[-LOG_CHARS:]
    return failed


def main(argv=None):
    course_root, out_dir, *assignments = sys.argv[1:] if argv is None else argv
    print(json.dumps(make(course_root, out_dir, assignments)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
