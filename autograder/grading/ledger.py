"""Which submissions are graded already: what lets an interrupted run resume.

One small JSON file per graded submission, under `<course>/.kit/graded/`,
written last (atomically) after its files and grades are recorded. A run that
was killed half way finds the ledger entries of what it finished and grades
the rest; a submission that changed since (a new digest) is graded again.
Gradebook writes are idempotent (scores are set, not added), so grading a
submission again never counts it twice.

Submissions that could not be graded for what they are (not a notebook, a
renamed notebook, over the time bound) are remembered too, under
`<course>/.kit/could_not_grade/`, so the grading service does not grade them
again at each restart; the same student's next submission (a new digest) is.
"""
import hashlib
import json
import os
import statistics
import time
from pathlib import Path


class Ledger:
    def __init__(self, course_root):
        self.root = Path(course_root) / ".kit" / "graded"
        self.failures = Path(course_root) / ".kit" / "could_not_grade"

    def _path(self, assignment, student, root=None):
        return (root or self.root) / assignment / f"{student}.json"

    def _entry(self, path, digest):
        """The JSON entry at `path` if it is about the submission with `digest`, else None."""
        try:
            entry = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return entry if entry.get("digest") == digest else None

    def is_done(self, assignment, student, digest):
        return self._entry(self._path(assignment, student), digest) is not None

    def mark(self, outcome):
        _write_atomically(self._path(outcome.assignment, outcome.student), {
            "digest": outcome.digest, "graded_at": time.time(), "seconds": round(outcome.seconds, 2),
            "worker": outcome.worker, "largest_process_mb": round(outcome.largest_process_mb, 1),
            "peak_memory_mb": round(outcome.peak_memory_mb, 1)})
        self._path(outcome.assignment, outcome.student, self.failures).unlink(missing_ok=True)

    def mark_could_not_grade(self, outcome):
        """Remember that this submission (its digest) could not be graded, and why."""
        _write_atomically(self._path(outcome.assignment, outcome.student, self.failures),
                          {"digest": outcome.digest, "reason": outcome.reason, "at": time.time()})

    def could_not_grade(self, assignment, student, digest):
        """Why this very submission could not be graded before, or None."""
        entry = self._entry(self._path(assignment, student, self.failures), digest)
        return entry.get("reason", "") if entry else None

    def typical_seconds(self, assignment):
        """Median seconds one submission of `assignment` took to grade so far, or None."""
        seconds = []
        for path in (self.root / assignment).glob("*.json"):
            try:
                seconds.append(float(json.loads(path.read_text())["seconds"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return statistics.median(seconds) if seconds else None

    def forget(self, assignment, student):
        self._path(assignment, student).unlink(missing_ok=True)


def _write_atomically(path, entry):
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(entry))
    os.replace(tmp, path)


def digest(files):
    """SHA-256 over a submission's (path, content) pairs, order independent."""
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return h.hexdigest()
