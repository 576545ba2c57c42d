"""How fast a class is graded: sequential, parallel, on Dask; the kit's overhead; memory.

Run from the project root (it takes a while: every submission is a real
nbgrader autograde in the sandbox):

    .venv/bin/python benchmarks/class_grading.py [--students 40] [--workers 2]

A synthetic class: student i hands in assignment i mod 5 (so 40 students make
40 submissions across the five assignments), written from the reference
solution, the untouched stub or one of the graders' buggy variants, in turn.
Prints, all measured in this run on this machine:

- wall time to grade the class sequentially, with `--workers N`, and through a
  Dask cluster of N local workers (target: speed-up >= 1.8 on 2 cores), and
  whether all three gave identical grades;
- the kit's time per notebook against plain `nbgrader autograde` of the same
  notebooks with the hidden graders removed (target: <= 1.3x);
- one student's five assignments end to end (target: <= 30 s on 2 cores);
- the peak memory of a grading, all its processes together (what a worker needs);
- an extrapolation to 30,000 students from these figures.

A measurement, not a test: the exit code is 0 unless grading itself failed.
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import nbformat  # noqa: E402

from autograder import assignments, build, notebooks, paths, variants  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.grading import grade_class  # noqa: E402
from autograder.harness.template_process import TemplateProcess  # noqa: E402
from machine import describe as describe_machine  # noqa: E402

TIMESTAMP = "2026-11-25 12:00:00.000000 UTC"


def synthetic_class(n_students, names):
    """{student: (assignment, notebook)}: references, stubs and buggy variants in turn."""
    out = {}
    for i in range(n_students):
        a = names[i % len(names)]
        source = notebooks.read(paths.SOURCE / a / f"{a}.ipynb")
        release = notebooks.read(paths.RELEASE / a / f"{a}.ipynb")
        kinds = ["reference", "stub", *variants.for_assignment(a)]
        kind = kinds[(i // len(names)) % len(kinds)]
        if kind == "stub":
            nb = release
        else:
            nb = variants.filled_notebook(release, source, None if kind == "reference" else kind)
        out[f"s{i:03d}"] = (a, nb)
    return out


def new_course(root, names, submissions, config_text=None, source=None):
    course = Course(root).create()
    if config_text is not None:
        (course.root / "nbgrader_config.py").write_text(config_text)
    for a in names:
        build.nbgrader("generate_assignment", a, "--force", *(
            [f"--CourseDirectory.source_directory={source}"] if source else []), cwd=course.root)
    for student, (a, nb) in submissions.items():
        folder = course.root / "submitted" / student / a
        folder.mkdir(parents=True)
        (folder / "timestamp.txt").write_text(TIMESTAMP)
        nbformat.write(nb, str(folder / f"{a}.ipynb"))
    return course


def timed_grade(course, names, **kw):
    """One `./run grade --regrade` as a new process runs it: local workers start their warm template process in
    it, as a new Dask cluster's workers do (each mode pays that start once, while its template gradebooks are
    made)."""
    TemplateProcess.close_shared()
    start = time.perf_counter()
    run = grade_class(course, names, regrade=True, progress=False, log=lambda _: None, **kw)
    wall = time.perf_counter() - start
    if run.failed:
        raise SystemExit(f"grading failed for {run.failed}")
    return wall, run, course.table(names)


PLAIN_CONFIG = '''\
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.source_directory = {source!r}
c.CourseDirectory.db_url = "sqlite:///{root}/gradebook.db"
c.Execute.timeout = 600
'''


def plain_vs_kit(tmp, names):
    """Seconds per `nbgrader autograde` of the same reference notebooks: plain nbgrader vs the kit."""
    plain_source = tmp / "plain-source"
    for a in names:   # the source without the hidden graders: the cells keep their visible checks only
        shutil.copytree(paths.SOURCE / a, plain_source / a)
        nb = notebooks.read(plain_source / a / f"{a}.ipynb")
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = notebooks.HIDDEN_REGION.sub("", cell.source)
        nbformat.write(nb, str(plain_source / a / f"{a}.ipynb"))
    subs = {f"r-{a}": (a, variants.filled_notebook(notebooks.read(paths.RELEASE / a / f"{a}.ipynb"),
                                                    notebooks.read(paths.SOURCE / a / f"{a}.ipynb")))
            for a in names}
    plain = new_course(tmp / "plain", names, subs, source=plain_source,
                       config_text=PLAIN_CONFIG.format(root=str(tmp / "plain"), source=str(plain_source)))
    kit = new_course(tmp / "kit-direct", names, subs)
    rows = []
    for a in names:
        times = {}
        for label, course in (("plain", plain), ("kit", kit)):
            start = time.perf_counter()
            build.nbgrader("autograde", a, "--student", f"r-{a}", "--force", cwd=course.root)
            times[label] = time.perf_counter() - start
        rows.append((a, times["plain"], times["kit"]))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-dask", action="store_true")
    args = ap.parse_args(argv)
    names = [a.name for a in assignments.available()]
    print(f"machine: {describe_machine()}; "
          f"assignments: {', '.join(names)}")
    tmp = Path(tempfile.mkdtemp(prefix="kit-bench-"))
    try:
        subs = synthetic_class(args.students, names)
        print(f"class: {len(subs)} students, one submission each, across {len(names)} assignments\n")

        course = new_course(tmp / "class", names, subs)
        seq, run1, table1 = timed_grade(course, names, workers=1)
        print(f"sequential (1 worker):        {seq:7.1f} s  ({seq / len(subs):.1f} s per submission)")
        par, run2, table2 = timed_grade(course, names, workers=args.workers)
        print(f"--workers {args.workers}:                  {par:7.1f} s  speed-up {seq / par:.2f}x")
        same = table1 == table2
        if not args.skip_dask:
            from autograder.grading.cluster import local_cluster
            with local_cluster(args.workers, tmp / "dask") as address:
                dsk, run3, table3 = timed_grade(course, names, scheduler=address)
            print(f"Dask, {args.workers} local workers:       {dsk:7.1f} s  speed-up {seq / dsk:.2f}x")
            same = same and table3 == table1
        print(f"identical grades in every mode: {same}")
        graded = run1.graded + run2.graded
        print("peak memory of one grading = what one worker needs (all its processes, PSS): "
              f"max {max(o.peak_memory_mb for o in graded):.0f} MiB, median "
              f"{statistics.median(o.peak_memory_mb for o in graded):.0f} MiB; largest single process "
              f"{max(o.largest_process_mb for o in graded):.0f} MiB")
        for a in names:
            mine = [o.peak_memory_mb for o in graded if o.assignment == a] or [0.0]
            print(f"  {a:20s} max {max(mine):5.0f} MiB")

        print("\nkit vs plain nbgrader autograde, same reference notebooks (hidden graders removed for plain):")
        ratios = []
        for a, plain_s, kit_s in plain_vs_kit(tmp, names):
            ratios.append(kit_s / plain_s)
            print(f"  {a:20s} plain {plain_s:6.1f} s   kit {kit_s:6.1f} s   ratio {kit_s / plain_s:.2f}")
        print(f"  median ratio {statistics.median(ratios):.2f} (target <= 1.3)")

        solo = new_course(tmp / "one-student", names, {})
        for a in names:
            folder = solo.root / "submitted" / "ada" / a
            folder.mkdir(parents=True)
            (folder / "timestamp.txt").write_text(TIMESTAMP)
            nbformat.write(variants.filled_notebook(notebooks.read(paths.RELEASE / a / f"{a}.ipynb"),
                                                    notebooks.read(paths.SOURCE / a / f"{a}.ipynb")),
                           str(folder / f"{a}.ipynb"))
        t, _, _ = timed_grade(solo, names, workers=args.workers)
        print(f"\none student's {len(names)} assignments end to end, {args.workers} workers: {t:.1f} s "
              "(target <= 30 s)")

        per_submission = par * args.workers / len(subs)      # worker-seconds per submission
        recording = run2.recording_seconds / len(run2.graded)   # the coordinator's, one result after another
        print(f"\nextrapolation: {per_submission:.1f} worker-seconds per submission (from the parallel run); "
              f"recording a result {recording:.2f} s in the one coordinator: at most {3600 / recording:,.0f} an hour")
        total = 30000 * len(names)
        for machines, cores in ((1, 2), (10, 16), (50, 16), (200, 16)):
            hours = total * per_submission / (machines * cores) / 3600
            print(f"  30,000 students x {len(names)} assignments on {machines:3d} machine(s) x {cores:2d} cores: "
                  f"{hours:7.1f} h of grading; the coordinator records them in {total * recording / 3600:.1f} h at best")
        worst = max(o.peak_memory_mb for o in graded)
        print(f"  memory: one worker per core needs up to {worst / 1024:.1f} GiB each, "
              f"{16 * worst / 1024:.0f} GiB on a 16-core machine")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
