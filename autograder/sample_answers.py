"""Hand-written answers the graders themselves are tested with (`autograder check`).

Next to the buggy variants (`variants.py`, edits of the reference that must lose
points), each assignment's graders folder holds two sets of whole answers, each
file the code of the notebook's answer cells with a docstring saying what it is:

- `alternatives/`: correct answers written from the notebook's text in styles
  other than the reference's. Each must get full marks: one that does not shows a
  grader that asks for more than the text does.
- `nulls/`: answers shaped right (names, types, shapes, dtypes) that compute
  nothing. Each must get zero, except on the parts the graders package names in
  `VALIDATION_PARTS` (a part that grades argument checking alone: a null that
  validates earns what that validation is worth).
"""
import ast
from dataclasses import dataclass
from pathlib import Path

from . import notebooks

KINDS = ("alternatives", "nulls")


@dataclass(frozen=True)
class SampleAnswer:
    assignment: str
    kind: str          # "alternatives" or "nulls"
    path: Path

    @property
    def name(self):
        return self.path.stem

    @property
    def summary(self):
        """The first line of the file's docstring."""
        doc = ast.get_docstring(ast.parse(self.path.read_text())) or ""
        return doc.strip().splitlines()[0] if doc.strip() else self.name

    def source(self, assignment):
        """The answer module as grading sees it: the notebook's setup cells, then this file."""
        return notebooks.with_setup_cells(notebooks.read(assignment.source_notebook), self.path.read_text(),
                                          title=f"{self.kind[:-1]} {self.name} of {assignment.name}")


def of(assignment, kind):
    if kind not in KINDS:
        raise ValueError(f"unknown kind of sample answer {kind!r}: {', '.join(KINDS)}")
    folder = assignment.graders_dir / kind
    return [SampleAnswer(assignment.name, kind, p) for p in sorted(folder.glob("*.py")) if p.name != "__init__.py"]


def validation_parts(assignment):
    """{part: why a null answer may keep its points} as the graders package declares them."""
    return dict(getattr(assignment.graders, "VALIDATION_PARTS", {}))
