"""The instructor's command line: `autograder <command>` or `python -m autograder <command>`."""
import argparse
import json
import sys
from pathlib import Path

from . import paths


def cmd_build(args):
    from . import build
    if args.check:
        problems = build.drift(args.assignments or None)
        for p in problems:
            print(f"DRIFT {p}")
        print("derived files are up to date" if not problems else
              f"{len(problems)} derived file(s) out of date: run `autograder build`")
        return 1 if problems else 0
    build.build(assignments=args.assignments or None)
    print("release/, solutions/ and assignments/ regenerated from source/")
    return 0


def cmd_grade_file(args):
    from . import assignments, notebooks
    from .harness import runner
    assignment = assignments.get(args.assignment)
    path = Path(args.file)
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 2
    if path.suffix == ".ipynb":
        source = notebooks.answer_module_source(notebooks.read(path), title=f"Answer code of {path.name}")
    else:   # the notebook's setup cells come first, as they would in the notebook
        source = notebooks.with_setup_cells(notebooks.read(assignment.source_notebook), path.read_text(),
                                            title=f"Answer code of {path.name}")
    result = runner.grade_source(assignment, source, parts=args.part or None)
    print(json.dumps(result.to_json(), indent=1) if args.json else result.report())
    return 0


def cmd_check(args):
    from . import selfcheck
    outcomes = selfcheck.check(args.assignments or None)
    print(selfcheck.format_outcomes(outcomes))
    print("\nfairness of the graders:")
    print(selfcheck.format_fairness(selfcheck.fairness(outcomes)))
    return 0 if all(o.ok for o in outcomes) else 1


def cmd_doctor(args):
    from . import doctor
    findings = doctor.examine(args.course)
    print(doctor.report(findings))
    return 1 if doctor.blocking(findings) else 0


def _refuse_if_grading_cannot_work(course_root, db_url=None):
    """The first step of demo and grade: stop at once, with the fix, rather than grade nothing."""
    from . import doctor
    problems = doctor.blocking(doctor.examine(course_root, db_url))
    for finding in problems:
        print(finding.line(), file=sys.stderr)
    if problems:
        print("nothing was graded: fix the problem(s) above (`./run doctor` checks again)", file=sys.stderr)
    return bool(problems)


def _is_course(course):
    if (course.root / "nbgrader_config.py").exists():
        return True
    print(f"{course.root} is not a course directory (no nbgrader_config.py)", file=sys.stderr)
    return False


def _exit_status(run):
    """0 only when every submission was graded."""
    if run.failed:
        print(f"\n{len(run.failed)} submission(s) could not be graded (listed above): exit status 1",
              file=sys.stderr)
    return 1 if run.failed else 0


def cmd_grade(args):
    from . import assignments, reports
    from .course import Course
    from .grading import grade_class
    course = Course(args.course)
    if not _is_course(course):
        return 2
    if _refuse_if_grading_cannot_work(course.root):
        return 2
    names = args.assignments or [a.name for a in assignments.available()]
    for name in names:
        assignments.get(name)
        if not course.students(name):
            print(f"{name}: nothing in {course.directory('submitted')} (run `nbgrader collect {name}` first)")
    run = grade_class(course, [n for n in names if course.students(n)], workers=args.workers,
                      scheduler=args.scheduler, regrade=args.regrade, progress=not args.no_progress)
    csv = course.export(progress=lambda _: None)
    written = reports.write(course, names, run)
    print(reports.summary(course, names, run))
    print(f"\ngrades:  {csv}\nreports: {written['checks'].parent} (checks.csv, score plots, students/)")
    return _exit_status(run)


def cmd_report(args):
    from . import assignments, reports
    from .course import Course
    course = Course(args.course)
    names = args.assignments or [a.name for a in assignments.available()]
    written = reports.write(course, names)
    print(reports.summary(course, names))
    print(f"\nreports: {written['checks'].parent}")
    return 0


def cmd_feedback(args):
    """Feedback after grading by hand: made again from the gradebook, optionally released."""
    from . import assignments
    from .build import BuildError
    from .course import Course
    course = Course(args.course)
    if not _is_course(course):
        return 2
    names = args.assignments or [a.name for a in assignments.available() if course.students(a.name)]
    status = 0
    for name in names:
        assignments.get(name)
        try:
            done = course.feedback(name, release=args.release, progress=lambda _: None)
        except BuildError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            status = 1
            continue
        print(done.describe())
    return status


def cmd_serve(args):
    """The grading service: grade each submission as it arrives, until Ctrl-C or SIGTERM."""
    import signal
    import threading

    from . import assignments
    from .course import Course
    from .service import GradingService
    course = Course(args.course)
    if not _is_course(course):
        return 2
    for name in args.assignments:
        assignments.get(name)
    if _refuse_if_grading_cannot_work(course.root):
        return 2
    service = GradingService(course, args.assignments or None, workers=args.workers, scheduler=args.scheduler,
                             poll_seconds=args.poll, per_hour=args.per_hour)
    stop = threading.Event()

    def finish_and_exit(signum, frame):
        print(f"[serve] {signal.Signals(signum).name}: finishing the submissions in progress, then exiting",
              file=sys.stderr)
        stop.set()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, finish_and_exit)
    service.run(stop, until_idle=args.until_idle)
    return 0


def cmd_demo(args):
    from . import demo
    if _refuse_if_grading_cannot_work(Path(args.dir).resolve(), args.db_url):
        return 2
    return _exit_status(demo.run(args.dir, args.assignments or None, db_url=args.db_url).run)


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, RuntimeError) as exc:
        print(f"autograder {args.command}: {exc}", file=sys.stderr)
        return 2


def parser():
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _authoring_commands(sub)
    _course_commands(sub)
    return parser


def _authoring_commands(sub):
    """The kit's own: build the assignments, test the graders, grade one file."""
    p = sub.add_parser("build", help="regenerate release/, solutions/ and assignments/ from source/")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--check", action="store_true", help="only report files that differ from a fresh build")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("grade-file", help="grade a .py file (or a notebook's answer cells) against an assignment")
    p.add_argument("assignment", choices=paths.ASSIGNMENTS)
    p.add_argument("file")
    p.add_argument("--part", action="append", help="grade only this part (repeatable)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.set_defaults(func=cmd_grade_file)

    p = sub.add_parser("check", help="the graders' own test: reference full marks, stub zero, variants lose points")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("doctor", help="can this machine grade? Python, packages, sandbox, data, gradebook: "
                       "OK or the fix")
    _course_argument(p, "the course directory whose gradebook to check (default: here)")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("demo", help="release, submit for a demo class, collect, autograde, feedback, export")
    p.add_argument("assignments", nargs="*")
    p.add_argument("--dir", default="demo-course", help="scratch course directory (replaced; default ./demo-course)")
    p.add_argument("--db-url", help="the demo course's gradebook (default: SQLite in the course), e.g. "
                   "postgresql://user:password@host/db")
    p.set_defaults(func=cmd_demo)


def _course_commands(sub):
    """An instructor's, on a course directory: grade, feedback, serve, report."""
    p = sub.add_parser("grade", help="autograde collected submissions, write feedback (for those with nothing to "
                       "grade by hand) and grades.csv, print the table")
    p.add_argument("assignments", nargs="*")
    _course_argument(p)
    _where_to_grade(p)
    p.add_argument("--regrade", action="store_true",
                   help="grade again submissions already graded and unchanged (default: skip them)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("feedback", help="after grading by hand: make every graded submission's feedback again from "
                       "the gradebook (late penalties current), none for those still waiting; --release sends it")
    p.add_argument("assignments", nargs="*")
    _course_argument(p)
    p.add_argument("--release", action="store_true",
                   help="then nbgrader release_feedback (refused if a file disagrees with the gradebook)")
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser("serve", help="the grading service: watch the exchange, grade each submission as it arrives, "
                       "release that student's feedback (Ctrl-C or SIGTERM stops it cleanly)")
    p.add_argument("assignments", nargs="*", help="serve only these (default: every assignment)")
    _course_argument(p)
    _where_to_grade(p)
    p.add_argument("--poll", type=float, default=0.5, help="seconds between looks at the exchange (default 0.5)")
    p.add_argument("--per-hour", type=int, help="at most this many gradings per student per hour (default: no limit)")
    p.add_argument("--until-idle", action="store_true", help="exit once nothing is waiting (for scripts and tests)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("report", help="write the reports (checks.csv, plots, student pages) from the gradebook")
    p.add_argument("assignments", nargs="*")
    _course_argument(p)
    p.set_defaults(func=cmd_report)


def _course_argument(p, help="the course directory (default: here)"):
    p.add_argument("--course", default=".", help=help)


def _where_to_grade(p):
    p.add_argument("--workers", type=int, help="submissions graded side by side on this machine "
                   "(default: c.ClassGrading.workers in nbgrader_config.py, else the number of cores)")
    p.add_argument("--scheduler", help="grade on a Dask cluster: its scheduler's address, tcp://host:8786 "
                   "(default: c.ClassGrading.scheduler in nbgrader_config.py, else this machine)")


if __name__ == "__main__":
    sys.exit(main())
