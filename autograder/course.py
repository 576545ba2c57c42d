"""An nbgrader course directory, driven through nbgrader's own commands.

Used by the `grade` and `demo` commands: grade what was collected into
`submitted/`, write feedback and `grades.csv`, and read the gradebook back.
"""
import copy
import functools
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import find_all_files
from traitlets.config.loader import PyFileConfigLoader

from . import build


@dataclass
class FeedbackRun:
    """What `Course.feedback` did for one assignment."""
    assignment: str
    written: list          # students whose feedback was made again
    waiting: dict          # student -> answers still to grade by hand (no feedback for them)
    released: bool

    def describe(self):
        line = f"{self.assignment}: feedback for {len(self.written)} submission(s)"
        line += " made and released" if self.released else " made (not released)"
        if self.waiting:
            line += (f"; {len(self.waiting)} wait for grading by hand ({', '.join(sorted(self.waiting))}: "
                     "formgrader, Manual Grading) and get none yet")
        return line

CONFIG_TEMPLATE = '''\
# Course directory made by `autograder`: the kit's settings, rooted wherever this file is now, so the
# course can be moved or copied (the kit itself is found through its installed package).
import os

from autograder import paths as kit

c = get_config()  # noqa: F821
load_subconfig(str(kit.NBGRADER_CONFIG))  # noqa: F821
here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = str(kit.SOURCE)
c.CourseDirectory.db_url = {db_url}
c.Exchange.root = {exchange}
'''


def load_config(course_root):
    """The course's nbgrader configuration (it loads the kit's), as nbgrader would read it."""
    return PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()


def waits_for_hand_grading(db_url, assignment, student):
    """Whether any answer of this submission is still to be graded by hand (then no feedback goes out)."""
    with Gradebook(db_url) as gb:
        sub = gb.find_submission(assignment, student)
        return any(g.needs_manual_grade for nb in sub.notebooks for g in nb.grades)


class Course:
    def __init__(self, root):
        self.root = Path(root).resolve()

    @functools.cached_property
    def config(self):
        return load_config(self.root)

    @functools.cached_property
    def coursedir(self):
        """nbgrader's CourseDirectory of this course: its folder names and layout, as the configuration says."""
        return CourseDirectory(config=self.config)

    @property
    def default_db_url(self):
        return f"sqlite:///{self.root / 'gradebook.db'}"

    @property
    def db_url(self):
        """The gradebook (c.CourseDirectory.db_url); for a course not made yet, the one it will get."""
        if not (self.root / "nbgrader_config.py").exists():
            return self.default_db_url
        return self.coursedir.db_url

    def directory(self, step, student=".", assignment="."):
        """nbgrader's folder of `step` ("submitted", "autograded", "feedback", "source", ...) for one student's
        assignment (or the whole step with the defaults), by `CourseDirectory.format_path`."""
        return Path(self.coursedir.format_path(getattr(self.coursedir, f"{step}_directory"), student, assignment))

    def files_from_source(self, assignment):
        """{relative path: path in source/} of the files nbgrader's autograde puts over a submission: every
        file of the assignment's source folder but notebooks, `CourseDirectory.ignore` and
        `Autograde.exclude_overwriting` (nbgrader's `Autograde.init_assignment` rule)."""
        source = self.directory("source", ".", assignment)
        kept = set(self.config.Autograde.get("exclude_overwriting", {}).get(assignment, []))
        found = find_all_files(str(source), self.coursedir.ignore + ["*.ipynb"]) if source.is_dir() else []
        files = {Path(f).relative_to(source).as_posix(): Path(f) for f in found}
        return {rel: path for rel, path in files.items() if rel not in kept}

    def create(self, exchange=None, db_url=None):
        """Write a course config that loads the kit's nbgrader_config.py; the gradebook is SQLite in the
        course unless `db_url` (e.g. postgresql://user:password@host/db) says otherwise."""
        self.root.mkdir(parents=True, exist_ok=True)
        exchange = Path(exchange or self.root / "exchange").resolve()
        exchange.mkdir(parents=True, exist_ok=True)
        exchange.chmod(0o777)
        # an exchange inside the course moves with it; one elsewhere (shared by the students) stays where it is
        inside = exchange.is_relative_to(self.root)
        (self.root / "nbgrader_config.py").write_text(CONFIG_TEMPLATE.format(
            db_url=repr(db_url) if db_url else '"sqlite:///" + os.path.join(here, "gradebook.db")',
            exchange=f"os.path.join(here, {str(exchange.relative_to(self.root))!r})" if inside else repr(str(exchange))))
        self.exchange = exchange
        self.__dict__.pop("config", None)          # read again from the file just written
        self.__dict__.pop("coursedir", None)
        return self

    def api(self, **settings):
        """nbgrader's NbGraderAPI on this course, in this process: a step without an nbgrader start-up.
        `settings`: {"Class.trait": value} on top of the course's configuration."""
        from nbgrader.apps import NbGraderAPI
        config = copy.deepcopy(self.config)
        for name, value in settings.items():
            section, trait = name.split(".")
            setattr(config[section], trait, value)
        return NbGraderAPI(config=config)

    def nbgrader(self, *args, progress=print):
        progress(f"  $ nbgrader {' '.join(args)}")
        return build.nbgrader(*args, cwd=self.root)

    def students(self, assignment):
        submitted = self.directory("submitted")
        return sorted(p.name for p in submitted.iterdir() if (p / assignment).is_dir()) if submitted.is_dir() else []

    def waiting_for_hand_grading(self, assignment):
        """{student: number of answers still to grade by hand} for `assignment`'s submissions."""
        waiting = {}
        with Gradebook(self.db_url) as gb:
            try:
                submissions = gb.find_assignment(assignment).submissions
            except MissingEntry:
                return waiting
            for sub in submissions:
                count = sum(1 for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade)
                if count:
                    waiting[sub.student.id] = count
        return waiting

    def feedback(self, assignment, *, release=False, progress=print):
        """Feedback for every submission whose answers are all graded, made again from the gradebook as it is now
        (late penalties included); the others' old feedback is removed. With `release`, nbgrader's
        release_feedback (whose kit guard checks every file against the gradebook). Returns FeedbackRun."""
        waiting = self.waiting_for_hand_grading(assignment)
        for student in waiting:
            stale = self.directory("feedback", student, assignment)
            if stale.exists():
                shutil.rmtree(stale)
        graded = [s for s in self.students(assignment) if s not in waiting]
        if not graded:
            return FeedbackRun(assignment, [], waiting, False)
        exclude = [f"--CourseDirectory.student_id_exclude={','.join(sorted(waiting))}"] if waiting else []
        self.nbgrader("generate_feedback", assignment, "--force", *exclude, progress=progress)
        if release:
            self.nbgrader("release_feedback", assignment, *exclude, progress=progress)
        return FeedbackRun(assignment, graded, waiting, release)

    def export(self, progress=print):
        """nbgrader's CSV (the course's exporter makes the late penalties current first)."""
        self.nbgrader("export", "--to", str(self.root / "grades.csv"), progress=progress)
        return self.root / "grades.csv"

    def export_canvas(self, roster, progress=print):
        """Canvas's gradebook import CSV, rows from `roster` (Canvas's own gradebook export)."""
        dest = self.root / "reports" / "canvas.csv"
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.nbgrader("export", "--exporter=autograder.exports.CanvasExport", f"--CanvasExport.roster={roster}",
                      "--to", str(dest), progress=progress)
        return dest

    def table(self, assignments):
        """Rows of (student, assignment, {part: (score, max)}, total, max) from the gradebook."""
        rows = []
        with Gradebook(self.db_url) as gb:
            for student in sorted(s.id for s in gb.students):
                for assignment in assignments:
                    try:
                        sub = gb.find_submission(assignment, student)
                    except Exception:  # noqa: BLE001 - not submitted
                        continue
                    parts = {}
                    for nb in sub.notebooks:
                        for g in nb.grades:
                            if g.auto_score is not None or g.manual_score is not None:
                                parts[g.name] = (g.score, g.max_score)
                    rows.append((student, assignment, parts, sub.score, sub.max_score))
        return rows

    def lateness(self, assignments):
        """{(student, assignment): (seconds late, late penalty in points)} from the gradebook."""
        late = {}
        with Gradebook(self.db_url) as gb:
            for assignment in assignments:
                try:
                    submissions = gb.find_assignment(assignment).submissions
                except Exception:  # noqa: BLE001 - not in the gradebook
                    continue
                for sub in submissions:
                    late[(sub.student.id, assignment)] = (sub.total_seconds_late or 0,
                                                          sub.late_submission_penalty or 0)
        return late

    def isolation(self, student, assignment):
        """How the graded notebooks say their code was isolated: "bubblewrap", "landlock+seccomp", ...,
        "OFF (accepted risk)" if any part ran without a sandbox, None if the kit did not grade it."""
        results = []
        for path in self.directory("autograded", student, assignment).glob("*.ipynb"):
            try:
                meta = json.loads(path.read_text()).get("metadata", {}).get("autograder", {})
            except (OSError, ValueError):
                continue
            results += list(meta.values())
        if not results:
            return None
        if not all(r.get("sandboxed") for r in results):
            return "OFF (accepted risk)"
        return ", ".join(sorted({r.get("isolation") or "on" for r in results}))
