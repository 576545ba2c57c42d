"""`autograder serve`: feedback within seconds of `nbgrader submit`, through nbgrader's own exchange.

    exchange inbound/<s>+<a>+<time>+<r>  --scan-->  FairQueue  --next-->  nbgrader collect --student s
        --Task-->  worker (grade_task: nbgrader autograde in a scratch course, as `./run grade`)
        <--Outcome--  record() + ledger  -->  nbgrader generate_feedback + release_feedback --student s

The same tasks, recording, ledger and feedback steps as batch grading, so a
course can switch between `./run grade` and the service at any time and nothing
graded twice counts twice. Feedback for a notebook whose answers wait for
grading by hand is marked provisional; a submission that cannot be graded gets
a feedback page that says why. Stopping (Ctrl-C, SIGTERM) finishes the
submissions in progress and exits; a restart resumes from the ledger.
"""
import collections
import datetime
import html
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.utils import parse_utc, temp_attrs

from . import build
from .exchange_guards import NOT_GRADED_MARK
from .grading import coordinator
from .grading import record as recording
from .grading.autograde_one import shorten
from .grading.ledger import Ledger, digest
from .grading.task import grade_task



def nbgrader_step(result, name):
    """An NbGraderAPI step's result; raise with its log when it failed, as the command would exit 1."""
    if not result.get("success"):
        raise build.BuildError(f"nbgrader {name} failed:\n{result.get('log', '')[-3000:]}{result.get('error', '')}")
    return result


@dataclass(frozen=True)
class Submission:
    student: str
    assignment: str
    timestamp: datetime.datetime      # nbgrader's submit time (naive UTC)
    inbound: str                      # the folder's name in the exchange's inbound/

    @property
    def key(self):
        return (self.student, self.assignment)


def inbound_submissions(exchange_root, course_id):
    """The newest submission per (student, assignment) in the exchange's inbound folder."""
    inbound = Path(exchange_root) / course_id / "inbound"
    newest = {}
    for folder in inbound.glob("*+*+*") if inbound.is_dir() else ():
        parts = folder.name.split("+")
        if len(parts) < 3:
            continue
        try:
            stamp = parse_utc(parts[2])
        except (ValueError, OverflowError):
            continue
        sub = Submission(parts[0], parts[1], stamp.replace(tzinfo=None), folder.name)
        if sub.key not in newest or newest[sub.key].timestamp < sub.timestamp:
            newest[sub.key] = sub
    return list(newest.values())


@dataclass
class FairQueue:
    """What to grade next under a deadline rush.

    One submission per student in flight; a newer submission of the same
    assignment replaces a queued older one; the student who has waited longest
    goes first; at most `per_hour` gradings per student per hour (None: no limit).
    """
    per_hour: int = None
    waiting: dict = field(default_factory=dict)           # (student, assignment) -> (Submission, since)
    in_flight: dict = field(default_factory=dict)         # student -> Submission
    graded_at: dict = field(default_factory=lambda: collections.defaultdict(collections.deque))

    def offer(self, sub, now):
        """Queue `sub` unless an equal or newer one of the same student and assignment is queued."""
        queued = self.waiting.get(sub.key)
        if queued is not None and queued[0].timestamp >= sub.timestamp:
            return False
        since = queued[1] if queued is not None else now      # a replacement keeps its place in line
        self.waiting[sub.key] = (sub, since)
        return True

    def _recent(self, student, now):
        stamps = self.graded_at[student]
        while stamps and stamps[0] <= now - 3600:
            stamps.popleft()
        return len(stamps)

    def limited(self, student, now):
        """Seconds until `student` may be graded again (0: now)."""
        if self.per_hour is None or self._recent(student, now) < self.per_hour:
            return 0.0
        return self.graded_at[student][0] + 3600 - now

    def next(self, now):
        """The next Submission to grade (now marked in flight), or None."""
        ready = [(since, sub) for sub, since in self.waiting.values()
                 if sub.student not in self.in_flight and not self.limited(sub.student, now)]
        if not ready:
            return None
        since, sub = min(ready, key=lambda r: (r[0], r[1].timestamp, r[1].key))
        del self.waiting[sub.key]
        self.in_flight[sub.student] = sub
        return sub

    def done(self, sub, now, graded=True):
        self.in_flight.pop(sub.student, None)
        if graded:
            self.graded_at[sub.student].append(now)

    def __len__(self):
        return len(self.waiting)


class GradingService:
    """Watches the exchange and grades each new submission as it arrives (see the module's docstring)."""

    def __init__(self, course, assignments=None, *, workers=None, scheduler=None, poll_seconds=0.5,
                 per_hour=None, log=print):
        self.course, self.log, self.poll = course, log, poll_seconds
        self.config = course.config
        # nbgrader's collect, generate_feedback and release_feedback run in this process (each as its own
        # command would cost an nbgrader start-up per submission); feedback marked provisional where answers
        # wait for grading by hand
        self.api = course.api(**{"HoldFeedbackUntilGraded.provisional": True})
        self.course_id = course.coursedir.course_id
        self.exchange = Path(self.config.Exchange.root)
        self.assignments = set(assignments) if assignments else None
        settings = coordinator.ClassGrading(config=self.config)      # the command line wins over the course's
        self.workers = workers or settings.workers or os.cpu_count() or 1
        self.scheduler = scheduler or settings.scheduler
        self.queue = FairQueue(per_hour=per_hour)
        self.ledger = Ledger(course.root)
        self.seen = {}                  # (student, assignment) -> timestamp handled (graded or given up)
        self.templates = {}             # assignment -> template gradebook bytes
        self.graded = []                # (Submission, score, max score, seconds from submit to feedback)
        self.failed = {}                # (student, assignment) -> reason
        self.limited_told = set()
        self.regraded = set()           # Submissions graded again after a fault of the machine (once each)

    # -- the loop ----------------------------------------------------------------------------------------

    def run(self, stop, *, until_idle=False):
        """Serve until `stop` (a threading.Event) is set; then finish what is in flight and return.

        With `until_idle`, also return once nothing is queued or in flight (tests, benchmarks).
        """
        self.prepare()
        self.log(f"[serve] watching {self.exchange / self.course_id / 'inbound'} with {self.workers} worker(s)"
                 + (f", at most {self.queue.per_hour} gradings per student per hour" if self.queue.per_hour else ""))
        futures = {}
        with coordinator.executor(self.workers, self.scheduler) as pool:
            while True:
                now = time.time()
                # a worker whose grading is done takes the next submission before this thread records,
                # makes and releases the feedback of the one done (about a second of nbgrader, more under load)
                done = [f for f in futures if f.done()]
                finished = [(futures.pop(f), f) for f in done]
                if not stop.is_set():
                    for sub in self.scan():
                        self.queue.offer(sub, now)
                    while len(futures) < self.workers:
                        sub = self.queue.next(now)
                        if sub is None:
                            break
                        future = self.start(sub, pool)
                        if future is not None:
                            futures[future] = sub
                    self.tell_limited(now)
                for sub, future in finished:     # still in flight for the queue: that student waits until now
                    self.finish(sub, future)
                self.write_status()
                if not futures and (stop.is_set() or (until_idle and not len(self.queue) and not self.scan())):
                    break
                if not done:
                    self.wait(futures, stop)
        self.write_status()
        self.log(f"[serve] stopped: {len(self.graded)} graded, {len(self.failed)} could not be graded, "
                 f"{len(self.queue)} left in the queue (graded when the service runs again)")

    def prepare(self):
        """What every submission needs, made before the first arrives: each served assignment's template
        gradebook, and (local workers) the warm template process the gradings fork from."""
        warming = None if self.scheduler else coordinator.warm_local_template()     # meanwhile: both take seconds
        served = sorted(self.assignments or [d.name for d in self.course.directory("source").iterdir() if d.is_dir()])
        made, not_made = coordinator.template_gradebooks(self.course, [
            a for a in served if a not in self.templates and recording.assignment_in_gradebook(self.course, a)])
        self.templates.update(made)
        for a, why in not_made.items():         # made (and reported) again at its first submission
            self.log(f"[serve] {a}: no template gradebook yet:\n{why.strip()}")
        if warming is not None:
            warming.join()

    def wait(self, futures, stop):
        import concurrent.futures
        if futures:
            concurrent.futures.wait(list(futures), timeout=self.poll, return_when=concurrent.futures.FIRST_COMPLETED)
        else:
            stop.wait(self.poll)

    def scan(self):
        """New submissions in the exchange: not handled in this run, and not already graded (the ledger)."""
        found = []
        for sub in inbound_submissions(self.exchange, self.course_id):
            if self.assignments is not None and sub.assignment not in self.assignments:
                continue
            if not self.course.directory("source", ".", sub.assignment).is_dir():
                continue
            if self.seen.get(sub.key) is not None and self.seen[sub.key] >= sub.timestamp:
                continue
            if self.already_graded(sub):
                self.seen[sub.key] = sub.timestamp
                continue
            found.append(sub)
        return found

    def already_graded(self, sub):
        """The collected copy is this submission and the ledger has its grade, or knows it could not be graded
        (a restart, or batch grading)."""
        stamp = self.course.directory("submitted", sub.student, sub.assignment) / "timestamp.txt"
        if not stamp.exists():
            return False
        try:
            collected = parse_utc(stamp.read_text().strip()).replace(tzinfo=None)
            files = coordinator.submission_files(self.course, sub.assignment, sub.student)
        except (ValueError, OSError, coordinator.GradingError):
            return False
        if collected < sub.timestamp:
            return False
        d = digest(files)
        if self.ledger.is_done(sub.assignment, sub.student, d):
            return True
        reason = self.ledger.could_not_grade(sub.assignment, sub.student, d)
        if reason is not None:
            self.failed[sub.key] = reason
            self.log(f"[serve] {sub.student} {sub.assignment}: could not be graded before ({reason}); "
                     "waiting for a new submission")
        return reason is not None

    # -- one submission ------------------------------------------------------------------------------------

    def start(self, sub, pool):
        """Collect `sub` as nbgrader collect does and hand it to a worker; None if it cannot even start."""
        self.seen[sub.key] = sub.timestamp
        try:
            with temp_attrs(self.api.coursedir, student_id=sub.student):
                nbgrader_step(self.api.collect(sub.assignment, update=True), "collect")
            files = coordinator.submission_files(self.course, sub.assignment, sub.student)
            if sub.assignment not in self.templates:
                self.templates[sub.assignment] = coordinator.template_gradebook(self.course, sub.assignment)
            # no feedback from the worker: release_feedback makes it from the gradebook once recorded
            task = coordinator.new_task(self.course, sub.assignment, sub.student, files,
                                        self.templates[sub.assignment], feedback=False)
        except (build.BuildError, coordinator.GradingError, OSError) as exc:
            self.give_up(sub, shorten(str(exc).strip().splitlines()[-1]) if str(exc).strip() else repr(exc))
            return None
        return pool.submit(grade_task, task)

    def finish(self, sub, future):
        outcome, reason = coordinator.settle(self.course, self.ledger, (sub.assignment, sub.student), future)
        if reason is None:
            try:
                self.release_feedback(sub)
            except Exception as exc:  # noqa: BLE001 - report it to the student; the queue goes on
                self.ledger.forget(sub.assignment, sub.student)
                reason = shorten(f"could not release the feedback: {type(exc).__name__}: {exc}")
        if coordinator.lost_to_the_machine(outcome) and sub not in self.regraded:
            self.regraded.add(sub)          # once more before the student is told
            self.queue.done(sub, time.time(), graded=False)
            self.seen.pop(sub.key, None)    # found again by the next scan (the ledger has forgotten it)
            self.log(f"[serve] {sub.student} {sub.assignment}: {reason}; grading it again")
            return
        if reason is not None:
            return self.give_up(sub, reason)
        score, max_score = self.score(sub)
        seconds = time.time() - sub.timestamp.replace(tzinfo=datetime.timezone.utc).timestamp()
        self.queue.done(sub, time.time())
        self.graded.append((sub, score, max_score, seconds))
        self.log(f"[serve] {sub.student} {sub.assignment}: {score:g}/{max_score:g}, feedback {seconds:.1f} s after "
                 f"submit, {outcome.seconds:.1f} s of it grading ({len(self.queue)} waiting)")

    def release_feedback(self, sub):
        """That student's feedback, provisional where answers wait for grading by hand, released to them only."""
        nbgrader_step(self.api.generate_feedback(sub.assignment, sub.student, force=True), "generate_feedback")
        nbgrader_step(self.api.release_feedback(sub.assignment, sub.student), "release_feedback")

    def give_up(self, sub, reason):
        """The submission could not be graded: the student gets a feedback page with the reason."""
        self.failed[sub.key] = reason
        self.queue.done(sub, time.time(), graded=False)
        self.log(f"[serve] could not grade {sub.student} ({sub.assignment}): {reason}")
        try:
            self.release_failure_page(sub, reason)
        except Exception as exc:  # noqa: BLE001 - logged; the queue goes on
            self.log(f"[serve] ... and could not tell {sub.student}: {type(exc).__name__}: {exc}")

    def release_failure_page(self, sub, reason):
        submitted = self.course.directory("submitted", sub.student, sub.assignment)
        if not (submitted / "submission_secret.txt").exists():       # not even collected: nothing to address
            return
        feedback = self.course.directory("feedback", sub.student, sub.assignment)
        if feedback.exists():
            shutil.rmtree(feedback)
        feedback.mkdir(parents=True)
        for name in ("timestamp.txt", "submission_secret.txt"):
            shutil.copy(submitted / name, feedback / name)
        for notebook in sorted(submitted.glob("*.ipynb")) or [submitted / f"{sub.assignment}.ipynb"]:
            (feedback / f"{notebook.stem}.html").write_text(
                f"<!doctype html><meta charset='utf-8'><title>{html.escape(sub.assignment)}</title>{NOT_GRADED_MARK}"
                f"<h1>{html.escape(sub.assignment)}: your submission could not be graded</h1>"
                f"<p>{html.escape(reason)}</p><p>Fix it and submit again; your instructor sees this too.</p>")
        nbgrader_step(self.api.release_feedback(sub.assignment, sub.student), "release_feedback")

    def score(self, sub):
        from nbgrader.api import Gradebook
        with Gradebook(self.course.db_url) as gb:
            s = gb.find_submission(sub.assignment, sub.student)
            return s.score - (s.late_submission_penalty or 0), s.max_score

    def tell_limited(self, now):
        for (student, assignment), (sub, _) in self.queue.waiting.items():
            wait = self.queue.limited(student, now)
            if wait and sub not in self.limited_told:
                self.limited_told.add(sub)
                self.log(f"[serve] {student} {assignment}: the limit of {self.queue.per_hour} gradings per hour "
                         f"is reached; graded in {wait / 60:.0f} min")

    # -- what the instructor sees --------------------------------------------------------------------------

    def status(self):
        now = time.time()
        hour = [g for g in self.graded if g[0].timestamp.replace(tzinfo=datetime.timezone.utc).timestamp() > now - 3600]
        oldest = min((since for _, since in self.queue.waiting.values()), default=None)
        return {"updated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                "queue": len(self.queue), "in_flight": sorted(f"{s.student}/{s.assignment}"
                                                              for s in self.queue.in_flight.values()),
                "oldest_waiting_seconds": round(now - oldest, 1) if oldest is not None else 0.0,
                "graded": len(self.graded), "graded_last_hour": len(hour),
                "could_not_grade": {f"{s}/{a}": why for (s, a), why in self.failed.items()},
                "seconds_submit_to_feedback": [round(g[3], 1) for g in self.graded[-20:]]}

    def write_status(self):
        out = self.course.root / "reports" / "service_status.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.status(), indent=1))
        tmp.replace(out)
