"""Seconds from `nbgrader submit` to feedback the student can fetch, with the grading service running.

Run from the project root (it takes a while: every submission is a real autograde in the sandbox):

    .venv/bin/python benchmarks/feedback_latency.py [--rush 20] [--workers 2]

A course in a scratch folder releases the five assignments; `autograder serve`
runs as a separate process, as a course would run it. Students submit through
the real exchange: `nbgrader submit`, or with `--submit-from lab` nbgrader's own
code behind JupyterLab's Assignments tab (its `AssignmentList.submit_assignment`,
in a process per student started before the timing, as each student's Jupyter
server has nbgrader loaded before they press Submit); the benchmark watches the exchange's
outbound feedback folder for the file `nbgrader fetch_feedback` would fetch
(named by the hash of the student's submission secret), then fetches it once
for real. A feedback arrives when its file is written there (its mtime), and is
timed from the start of the student's submit and, in brackets, from
its end (when the submission is in the exchange: the service cannot start
sooner). Prints, all measured in this run:

- one student submitting each assignment in turn on an otherwise idle machine
  (target: p50 <= 15 s);
- the per-submission overhead: an untouched stub, nothing to run (target: <= 3 s);
- a rush: --rush submissions over the five assignments, from different
  students, their `nbgrader submit`s started within one minute (target: p95 <=
  90 s), and submissions per hour;
- batch `./run grade` of the rush's submissions, for comparison.

A measurement, not a test: the exit code is 0 unless grading itself failed.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("MPLBACKEND", "Agg")

import nbformat  # noqa: E402
from nbgrader.utils import notebook_hash  # noqa: E402

from autograder import assignments, build, demo, notebooks, paths, variants  # noqa: E402
from autograder.course import Course  # noqa: E402
from autograder.grading import grade_class  # noqa: E402
from machine import BusyCPU  # noqa: E402
from machine import describe as describe_machine  # noqa: E402

# A student's Jupyter server, reduced to what its Assignments tab runs on Submit: nbgrader's own handler
# code (no HTTP). Its student id comes from a config only this process reads (on JupyterHub it is the
# student's OS user name; here every student is this benchmark's user).
LAB_SERVER = r"""
import json, sys, time
from nbgrader.server_extensions.assignment_list.handlers import AssignmentList
lister = AssignmentList()
lister.root_dir = sys.argv[1]
print("ready", flush=True)
for line in sys.stdin:
    course, assignment = json.loads(line)
    started = time.time()
    result = lister.submit_assignment(course, assignment)
    print(json.dumps({"started": started, "ended": time.time(), "success": result["success"],
                      "value": result.get("value", "")}), flush=True)
"""


class LabStudent:
    """One student's long-lived process that submits as JupyterLab's Assignments tab does."""

    def __init__(self, home, student, course_id):
        config = home / ".lab-config"
        config.mkdir(exist_ok=True)
        (config / "nbgrader_config.py").write_text(f"c.CourseDirectory.student_id = {student!r}\n")
        env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config)}
        self.course_id = course_id
        self.process = subprocess.Popen([sys.executable, "-c", LAB_SERVER, str(home)], cwd=home, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = False

    def wait_ready(self):
        if not self.ready:
            line = self.process.stdout.readline()
            if line.strip() != "ready":
                raise SystemExit(f"a student's lab process did not start: {line!r}")
            self.ready = True

    def submit(self, assignment):
        self.wait_ready()
        self.process.stdin.write(json.dumps([self.course_id, assignment]) + "\n")
        self.process.stdin.flush()
        reply = json.loads(self.process.stdout.readline())
        if not reply["success"]:
            raise SystemExit(f"the Assignments tab's submit failed:\n{reply['value']}")
        return reply["started"], reply["ended"]

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


SUBMIT = {"cli": "`nbgrader submit`", "lab": "the Assignments tab's code, nbgrader loaded"}


def median(seconds, which):
    """The median of one of the two figures of {key: (from the submit's start, from its end)}."""
    return statistics.median(s[which] for s in seconds.values())


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p / 100 * len(values) + 0.5) - 1))]


class Class:
    def __init__(self, root, submit_from="cli"):
        self.course = Course(root).create()
        self.submit_from = submit_from
        self.lab = {}           # student -> LabStudent, with --submit-from lab
        self.names = [a.name for a in assignments.available()]
        due = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(time.time() + 7 * 86400))
        for a in self.names:
            self.course.nbgrader("generate_assignment", a, "--force", progress=lambda _: None)
            self.course.nbgrader("db", "assignment", "add", a, f"--duedate={due}", progress=lambda _: None)
            self.course.nbgrader("release_assignment", a, "--force",
                                 "--GuardedReleaseAssignment.allow_early_solutions=True", progress=lambda _: None)

    def home(self, student):
        return demo.student_home(self.course, student)

    def submit(self, student, assignment, filled=True):
        """Fetch, write the reference answer (or leave the stub), submit; see `submit_prepared`."""
        self.prepare(student, assignment, filled)
        return self.submit_prepared(student, assignment)

    def prepare(self, student, assignment, filled=True):
        """The student fetches the assignment and writes the reference answer (or leaves the stub)."""
        home = self.home(student)
        if not (home / assignment).exists():
            build.nbgrader("fetch_assignment", assignment, cwd=home)
        path = home / assignment / f"{assignment}.ipynb"
        if filled:
            source = notebooks.read(paths.SOURCE / assignment / f"{assignment}.ipynb")
            nbformat.write(variants.filled_notebook(notebooks.read(path), source), str(path))

    def start_lab(self, students):
        """With --submit-from lab: each student's process started and ready (nbgrader imported), untimed;
        then a pause, for the service's standbys to settle as they would while students work."""
        if self.submit_from == "lab" and any(student not in self.lab for student in students):
            for student in students:
                if student not in self.lab:
                    self.lab[student] = LabStudent(self.home(student), student, self.course.coursedir.course_id)
            for student in students:
                self.lab[student].wait_ready()
            time.sleep(10)

    def submit_prepared(self, student, assignment):
        """The student submits; returns when the submit started and when it ended (the submission in the exchange)."""
        if self.submit_from == "lab":
            self.start_lab([student])
            return self.lab[student].submit(assignment)
        started = time.time()
        build.nbgrader("submit", assignment, "--student", student, cwd=self.home(student))
        return started, time.time()

    def close(self):
        for student in self.lab.values():
            student.close()

    def released_feedback(self, student, assignment):
        """The exchange's feedback file for the student's latest submission, if released."""
        cache = self.home(student) / ".cache" / self.course.coursedir.course_id
        latest = sorted(cache.glob(f"{student}+{assignment}+*"))
        if not latest:
            return None
        secret = (latest[-1] / "submission_secret.txt").read_text()
        name = notebook_hash(secret=secret, notebook_id=assignment)
        path = self.course.exchange / self.course.coursedir.course_id / "feedback" / f"{name}.html"
        return path if path.exists() else None

    def wait_for(self, pending, timeout=1800):
        """{(student, assignment): (submit started, ended)} -> {(student, assignment): seconds to feedback from each}.

        The feedback's arrival is its file's time in the exchange (release_feedback copies it there), not
        when this loop looks: during a rush the loop starts only after the last submission.
        """
        seconds = {}
        deadline = time.time() + timeout
        while pending and time.time() < deadline:
            for key in list(pending):
                path = self.released_feedback(*key)
                if path is not None:
                    arrived = path.stat().st_mtime
                    seconds[key] = tuple(arrived - t for t in pending.pop(key))
            time.sleep(0.2)
        if pending:
            raise SystemExit(f"no feedback after {timeout} s for {sorted(pending)}")
        return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rush", type=int, default=20, help="submissions in the rush (default 20)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--nice", type=int, default=10,
                        help="c.ClassGrading.nice of the course (default 10, the kit's: the students submit on "
                             "the grading machine)")
    parser.add_argument("--answer-servers-ahead", action=argparse.BooleanOptionalAction, default=True,
                        help="c.ClassGrading.answer_servers_ahead of the course (default: on, the kit's)")
    parser.add_argument("--submit-from", choices=("cli", "lab"), default="cli",
                        help="cli: each student runs `nbgrader submit` (default); lab: nbgrader's code behind "
                             "JupyterLab's Assignments tab, in a process per student started before the timing")
    parser.add_argument("--keep", action="store_true", help="keep the scratch course")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kit-latency-"))
    print(f"feedback latency: {describe_machine()}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}, --workers {args.workers}, --nice {args.nice}, answer servers "
          f"ahead {'on' if args.answer_servers_ahead else 'off'}, submit from {args.submit_from}, scratch {scratch}")
    klass = Class(scratch / "course", args.submit_from)
    with open(klass.course.root / "nbgrader_config.py", "a") as config:     # the service and the batch read it
        config.write(f"c.ClassGrading.nice = {args.nice}\nc.ClassGrading.answer_servers_ahead = "
                     f"{args.answer_servers_ahead}\n")
    env = {**os.environ, "JUPYTER_PREFER_ENV_PATH": "1"}
    service = subprocess.Popen([sys.executable, "-m", "autograder", "serve", "--course", str(klass.course.root),
                                "--poll", "0.5", "--workers", str(args.workers)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    said = []           # the service's output, read as it comes (a full pipe would stall the service)
    ready = threading.Event()

    def read_output():
        for line in service.stdout:
            said.append(line)
            if "[serve] watching" in line:    # ready: templates made, the warm process started
                ready.set()
        ready.set()
    threading.Thread(target=read_output, daemon=True).start()
    try:
        ready.wait()
        print("\none student, each assignment in turn (reference answers), nothing else running;")
        print(f"seconds to feedback from the start of the submit ({SUBMIT[args.submit_from]}) [from its end: the "
              "submission in the exchange]:")
        single = {}
        klass.start_lab(["solo"])
        for a in klass.names:
            single.update(klass.wait_for({("solo", a): klass.submit("solo", a)}))
            print(f"  {a:<20} {single[('solo', a)][0]:6.1f} s [{single[('solo', a)][1]:.1f}]")
        print(f"  p50 {median(single, 0):.1f} s [{median(single, 1):.1f}] (target <= 15 s)")

        print("\nan untouched stub (nothing to run), each assignment:")
        stub = {}
        klass.start_lab(["stub"])
        for a in klass.names:
            stub.update(klass.wait_for({("stub", a): klass.submit("stub", a, filled=False)}))
            print(f"  {a:<20} {stub[('stub', a)][0]:6.1f} s [{stub[('stub', a)][1]:.1f}]")
        print(f"  median {median(stub, 0):.1f} s [{median(stub, 1):.1f}] (target <= 3 s)")

        print(f"\na rush: {args.rush} submissions from {args.rush} students over the five assignments, one "
              f"submit ({SUBMIT[args.submit_from]}) started every {60 / args.rush:.0f} s:")
        keys = [(f"rush{i:02d}", klass.names[i % len(klass.names)]) for i in range(args.rush)]
        for key in keys:             # fetched and answered before the rush: only the submits are timed
            klass.prepare(*key)
        klass.start_lab([student for student, _ in keys])
        busy_cpu = BusyCPU()
        busy_cpu.start()
        pending, start = {}, time.time()

        def submit_at(i, key):       # each student on their own: a slow submit does not hold up the next
            time.sleep(max(0.0, start + 60 * i / args.rush - time.time()))
            pending[key] = klass.submit_prepared(*key)
        threads = [threading.Thread(target=submit_at, args=(i, key)) for i, key in enumerate(keys)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        submitted = {key: times[0] for key, times in pending.items()}
        print(f"  the last submitted {max(submitted.values()) - start:.0f} s after the first")
        rush = klass.wait_for(pending)
        last = max(submitted[key] + s[0] for key, s in rush.items())
        busy_cpu.stop()
        values = [s[0] for s in rush.values()]
        print(f"  p50 {median(rush, 0):.1f} s [{median(rush, 1):.1f}], p95 {percentile(values, 95):.1f} s "
              f"[{percentile([s[1] for s in rush.values()], 95):.1f}] (target <= 90 s), max {max(values):.1f} s; "
              f"{args.rush / (last - start) * 3600:.0f} submissions per hour (first submit to last feedback)")
        # what bounds the rush: the work it asked of the machine, whatever the order it is done in
        busy, cores, window = busy_cpu.between(start, last), os.cpu_count() or 1, last - start
        print(f"  the machine's {cores} cores were busy {busy / (cores * window):.0%} of the {window:.0f} s from "
              f"the first submit to the last feedback: {busy:.0f} CPU-s of work (submits, gradings, feedback), "
              f"at least {busy / cores:.0f} s on {cores} cores however it is scheduled")
        lines = [line.strip() for line in said if line.startswith("[serve] rush")]
        print("  the service's lines for the rush (score, seconds from submit to feedback, of it grading):")
        for line in lines:
            print(f"    {line.removeprefix('[serve] ')}")
        fetched = klass.home("rush00") / klass.names[0] / "feedback"
        build.nbgrader("fetch_feedback", klass.names[0], "--student", "rush00", cwd=klass.home("rush00"))
        print(f"  (nbgrader fetch_feedback returned {len(list(fetched.glob('*/*.html')))} page(s) for rush00)")
    finally:
        klass.close()
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=600)
        status = json.loads((klass.course.root / "reports" / "service_status.json").read_text())
        print(f"\nservice: exit {service.returncode}; status {json.dumps({k: status[k] for k in ('graded', 'queue')})}"
              f"; could not grade {status['could_not_grade'] or 'none'}")

    print("\nbatch `./run grade` of the rush's submissions (already collected), for comparison:")
    started = time.time()
    rush_assignments = sorted({a for _, a in rush})
    run = grade_class(klass.course, rush_assignments, workers=args.workers, regrade=True, progress=False,
                             log=lambda _: None)
    batch = time.time() - started
    print(f"  {len(run.graded)} graded in {batch:.1f} s: {batch / max(1, len(run.graded)) * args.workers:.1f} s "
          f"per submission on a worker, last feedback {batch:.0f} s after the collect")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
