"""`autograder demo`: one course's whole cycle, on a small demo class.

In a scratch course directory, in nbgrader's order: release the assignments
through a local exchange; three students fetch and submit (the reference
solution, the untouched stub, a partly wrong answer handed in late); collect;
autograde the class on parallel workers; grade the written answers by hand;
then make and release the feedback, export `grades.csv` and Canvas's CSV, and
write the reports (with the similarity report) and the gradebook printed.
"""
import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import nbformat

from . import assignments, leaks, notebooks, reports, variants
from .course import Course
from .grading import grade_class

DUE_DATE = "2026-12-04 17:00:00 UTC"
CY_TIMESTAMP = "2026-12-06 05:00:00.000000 UTC"      # 1.5 days late: two started days, 20% under the policy
STUDENT_CONFIG = '''\
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = {course!r}
c.Exchange.root = {exchange!r}
c.Exchange.cache = {cache!r}
'''


# the demo class, with names (the formgrader shows them) and Canvas identities for its roster
STUDENTS = {"ada": ("Ada", "Lovelace", "101", "S0101"),
            "bob": ("Bob", "Floyd", "102", "S0102"),
            "cy": ("Cy", "Young", "103", "S0103")}


def demo_class(assignment):
    """{student: how their notebook is made from the release}."""
    wrong = [v for v in variants.for_assignment(assignment.name)
             if v.name in getattr(assignment.graders, "DEMO_MISTAKES", ())]
    mistake = variants.Variant("demo", "", "", tuple(r for v in wrong for r in v.replacements)) if wrong else None
    return {"ada": ("reference solution", None, True),
            "bob": ("untouched stub", None, False),
            "cy": ("partly wrong: " + ", ".join(v.description for v in wrong), mistake, True)}


def run(directory, names=None, progress=print, workers=None, db_url=None):
    root = Path(directory).resolve()
    if root.exists():
        shutil.rmtree(root)
    course = Course(root).create(db_url=db_url)
    chosen = [assignments.get(n) for n in (names or [a.name for a in assignments.available()])]
    step = _Steps(progress, total=5 + len(chosen) * 3)

    step("gradebook: add the demo class")
    for s, (first, last, *_) in STUDENTS.items():
        course.nbgrader("db", "student", "add", s, f"--first-name={first}", f"--last-name={last}",
                        progress=lambda _: None)
    for a in chosen:
        step(f"{a.name}: generate, set the due date and release through the exchange")
        release(course, a.name, progress)
        step(f"{a.name}: students fetch, work and submit")
        hand_in(course, a, progress)
        step(f"{a.name}: collect")
        course.nbgrader("collect", a.name, "--update")
        # the demo's one late hand-in: cy's timestamp says a day and a half after the due date
        (course.directory("submitted", "cy", a.name) / "timestamp.txt").write_text(CY_TIMESTAMP)

    names = [a.name for a in chosen]
    step(f"grade the class (every assignment, {workers or 'one per core'} worker(s)): autograde, and feedback "
         "where nothing waits for grading by hand")
    run = grade_class(course, names, workers=workers, progress=False, log=progress)
    step("the instructor grades the written answers by hand (the formgrader's job)")
    grade_written_answers(course, names, progress)
    step("feedback made from the gradebook and released (`./run feedback --release`)")
    for name in names:
        progress("  " + course.feedback(name, release=True, progress=lambda _: None).describe())
    step("export grades.csv and Canvas's CSV, write the reports")
    grades = course.export()
    canvas = course.export_canvas(write_roster(root / "roster.csv"))
    reports.write(course, names, run)
    progress("")
    progress(reports.summary(course, names, run))
    progress(f"\nCourse directory: {root}\n  grades:   {grades}\n  Canvas:   {canvas}"
             f"\n  feedback: {course.directory('feedback')}/<student>/<assignment>/ (released to the exchange)"
             f"\n  reports:  {root / 'reports'}/ (checks.csv, score plots, students/<student>.html, similarity/)")
    return DemoResult(course.table(names), run)


def release(course, name, progress):
    """generate_assignment, the due date, release_assignment (through the kit's release guard)."""
    course.nbgrader("generate_assignment", name, "--force")
    course.nbgrader("db", "assignment", "add", name, f"--duedate={DUE_DATE}")
    command = ["release_assignment", name, "--force"]
    carried = leaks.carried_solutions(name, course.directory("release", ".", name))
    if carried:
        # A course releases these after the carried assignments are due (README: the order of the
        # assignments); the demo releases all on one day, so it overrides the guard and says so.
        progress(f"  {name} carries the solutions of {', '.join(c.assignment for c in carried)}, not yet "
                 "due: the demo overrides the release guard (--GuardedReleaseAssignment.allow_early_solutions)")
        command.append("--GuardedReleaseAssignment.allow_early_solutions=True")
    course.nbgrader(*command)


def student_home(course, student):
    """A demo student's own folder, configured for the course's exchange (as JupyterHub would give them)."""
    home = course.root / "students" / student
    home.mkdir(parents=True, exist_ok=True)
    (home / "nbgrader_config.py").write_text(STUDENT_CONFIG.format(
        course=course.coursedir.course_id, exchange=str(course.exchange), cache=str(home / ".cache")))
    return home


def hand_in(course, assignment, progress):
    """Each demo student fetches the release, works (or not) and submits, through the exchange."""
    source_nb = notebooks.read(assignment.source_notebook)
    for student, (what, mistake, filled) in demo_class(assignment).items():
        home = student_home(course, student)
        progress(f"  {student}: {what}")
        _quiet(course, home, "fetch_assignment", assignment.name)
        path = home / assignment.name / f"{assignment.name}.ipynb"
        if filled:
            nbformat.write(variants.filled_notebook(notebooks.read(path), source_nb, mistake), str(path))
        _quiet(course, home, "submit", assignment.name, "--student", student)


def write_roster(path):
    """The demo class as Canvas's gradebook export lists it: the roster the Canvas export reads."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section"])
        w.writerow(["    Points Possible", "", "", "", ""])
        for student, (first, last, canvas_id, sis_id) in STUDENTS.items():
            w.writerow([f"{last}, {first}", canvas_id, sis_id, student, "Demo section"])
    return path


@dataclass
class DemoResult:
    rows: list          # the gradebook: (student, assignment, {part: (score, max)}, total, max)
    run: object         # the grading run (grading.ClassRun): what was graded and what could not be


def grade_written_answers(course, names, progress):
    """The instructor's part: answers graded by hand (formgrader's job), here full points to any answer written."""
    from nbgrader.api import Gradebook
    marked = 0
    with Gradebook(course.db_url) as gb:
        for a in names:
            for sub in gb.find_assignment(a).submissions:
                for nb in sub.notebooks:
                    for grade in nb.grades:
                        if grade.needs_manual_grade and grade.cell.cell_type == "markdown":
                            grade.manual_score, grade.needs_manual_grade = grade.max_score, False
                            marked += 1
        gb.db.commit()
    if marked:
        progress(f"  instructor: {marked} written answer(s) graded by hand (the demo gives the model answer full points)")


def _quiet(course, home, *args):
    from . import build
    build.nbgrader(*args, cwd=home)


class _Steps:
    def __init__(self, progress, total):
        self.progress, self.total, self.n = progress, total, 0

    def __call__(self, text):
        self.n += 1
        self.progress(f"[{self.n}/{self.total}] {text}")
