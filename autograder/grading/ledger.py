"""Which submissions are graded already: what lets an interrupted run resume.

One small JSON file per graded submission, under `<course>/.kit/graded/`,
written last (atomically) after its files and grades are recorded. A run that
was killed half way finds the ledger entries of what it finished and grades
the rest; a submission that changed since (a new digest) is graded again.
Gradebook writes are idempotent (scores are set, not added), so grading a
submission again never counts it twice.
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

    def _path(self, assignment, student):
        return self.root / assignment / f"{student}.json"

    def is_done(self, assignment, student, digest):
        try:
            entry = json.loads(self._path(assignment, student).read_text())
        except (OSError, ValueError):
            return False
        return entry.get("digest") == digest

    def mark(self, outcome):
        path = self._path(outcome.assignment, outcome.student)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"digest": outcome.digest, "graded_at": time.time(),
                                   "seconds": round(outcome.seconds, 2), "worker": outcome.worker,
                                   "largest_process_mb": round(outcome.largest_process_mb, 1),
                                   "peak_memory_mb": round(outcome.peak_memory_mb, 1)}))
        os.replace(tmp, path)

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


def digest(files):
    """SHA-256 over a submission's (path, content) pairs, order independent."""
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + hashlib.sha256(files[rel]).digest())
    return h.hexdigest()
