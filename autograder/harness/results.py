"""What grading found, typed: one check, one part, one answer. [trusted side]

`plugin.Recorder` makes a `CheckResult` per check in the trusted pytest process
and writes them as JSON; `runner` reads them back into `PartResult`s and a
`GradeResult`, which `nbgrader_ext.GradeWithHarness` stores (`to_json`) in the
graded notebook's metadata, where `reports` and `course` read it (`from_json`).
Whatever crosses a process boundary is this JSON, never a pickle.

The JSON a notebook holds (metadata "autograder", one entry per assignment):
    {"assignment", "points", "max_points", "sandboxed", "isolation",
     "parts": {part: {"points", "max_points", "error", "checks": [check, ...]}}}
    check: {"check", "title", "weight", "needs", "passed", "attempted", "message"}
Notebooks graded before a field existed still read: see `CheckResult.from_json`.
"""
from dataclasses import asdict, dataclass, field, fields

# What a student reads for a function that still raises NotImplementedError (the untouched stub). A check
# that fails with it was not attempted: reports count those apart from the attempts that failed.
NOT_WRITTEN = "not written yet: your code still raises NotImplementedError"


def is_not_written(message):
    return (message or "").startswith(NOT_WRITTEN)


@dataclass
class CheckResult:
    """One hidden check (a test function of a part's grader module) on one answer."""
    check: str                  # the test function's name
    title: str                  # what the student reads: the first line of its docstring
    weight: float = 1.0         # how much it counts in its part (`@pytest.mark.weight`)
    needs: list = field(default_factory=list)   # checks it counts only with (`@pytest.mark.needs`)
    passed: bool = True
    attempted: bool = True      # False: the answer had not written the function yet (NotImplementedError)
    message: str = ""           # why it failed, for the student; "" when it passed

    def fail(self, message):
        self.passed, self.message, self.attempted = False, message, not is_not_written(message)

    def to_json(self):
        return asdict(self)

    @classmethod
    def from_json(cls, data):
        known = {f.name for f in fields(cls)} - {"attempted"}
        check = cls(**{k: v for k, v in data.items() if k in known})
        check.message = check.message or ""
        # before "attempted" was recorded, the not-written message was the only sign of it
        check.attempted = data.get("attempted", not is_not_written(check.message))
        return check


@dataclass
class PartResult:
    """One graded part (one grader module, one notebook cell's points) of one answer."""
    part: str
    max_points: float
    checks: list = field(default_factory=list)     # [CheckResult]
    error: str = ""                                # why the part could not be graded at all

    @property
    def passed(self):
        return sum(c.passed for c in self.checks)

    @property
    def points(self):
        if self.error or not self.checks:
            return 0.0
        earned = sum(c.weight for c in self.checks if c.passed)
        total = sum(c.weight for c in self.checks)
        # floor to the cent so that rounding never exceeds the cell's points
        return int(self.max_points * earned / total * 100 + 1e-9) / 100

    def worth(self, check):
        """The points one check carries in this part."""
        return self.max_points * check.weight / sum(c.weight for c in self.checks)

    def report(self):
        head = f"{self.part}: {self.points:g} / {self.max_points:g} points"
        if self.error:
            return f"{head}\n  could not be graded: {self.error}"
        lines = [f"{head} ({self.passed} of {len(self.checks)} checks passed)"]
        failed = [c for c in self.checks if not c.passed]
        if len(failed) > 2 and len({c.message for c in failed}) == 1:
            # one cause (not written yet, a crash at import...): say it once
            lines.append(f"  {len(failed)} checks failed for the same reason: {failed[0].message}")
            return "\n".join(lines)
        for c in failed:
            message = c.message.replace("\n", "\n      ")
            lines.append(f"  FAILED ({self.worth(c):.2g} points) {c.title}\n      {message}")
        return "\n".join(lines)

    def to_json(self):
        return {"points": self.points, "max_points": self.max_points, "error": self.error,
                "checks": [c.to_json() for c in self.checks]}

    @classmethod
    def from_json(cls, part, data):
        return cls(part, data.get("max_points", 0.0), [CheckResult.from_json(c) for c in data.get("checks") or []],
                   data.get("error") or "")


@dataclass
class GradeResult:
    """One answer graded on (some of) an assignment's parts."""
    assignment: str
    parts: dict            # part -> PartResult
    sandboxed: bool = True
    # what the answer ran under: 'bubblewrap', 'landlock+seccomp', 'landlock' or 'none' (sandbox.isolation());
    # left empty, runner.grade_sources fills in what this machine uses
    isolation: str = ""

    @property
    def points(self):
        return sum(p.points for p in self.parts.values())

    @property
    def max_points(self):
        return sum(p.max_points for p in self.parts.values())

    def report(self):
        body = "\n".join(p.report() for p in self.parts.values())
        if not self.sandboxed or self.isolation == "none":
            note = " (graded WITHOUT the sandbox: KIT_SANDBOX=off)"
        elif self.isolation == "bubblewrap":
            note = ""
        elif self.isolation == "landlock":
            note = " (isolation: landlock only, without namespaces or seccomp: ./run doctor says why)"
        else:
            note = f" (isolation: {self.isolation}, without namespaces)"
        return f"{self.assignment}: {self.points:g} / {self.max_points:g} points{note}\n{body}"

    def to_json(self):
        return {"assignment": self.assignment, "points": self.points, "max_points": self.max_points,
                "sandboxed": self.sandboxed, "isolation": self.isolation,
                "parts": {k: p.to_json() for k, p in self.parts.items()}}

    @classmethod
    def from_json(cls, data):
        return cls(data.get("assignment", ""),
                   {k: PartResult.from_json(k, p) for k, p in data.get("parts", {}).items()},
                   bool(data.get("sandboxed")), data.get("isolation") or "")
