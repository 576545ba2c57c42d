"""The registry of assignments: where each one's notebook and graders live."""
import importlib
from dataclasses import dataclass
from functools import cached_property

from . import notebooks, paths


class UnknownAssignment(ValueError):
    pass


@dataclass(frozen=True)
class Assignment:
    name: str

    @property
    def source_notebook(self):
        return paths.SOURCE / self.name / f"{self.name}.ipynb"

    @property
    def release_notebook(self):
        return paths.RELEASE / self.name / f"{self.name}.ipynb"

    @property
    def graders_dir(self):
        return paths.GRADERS / self.name

    @cached_property
    def graders(self):
        return importlib.import_module(f"autograder.graders.{self.name}")

    @property
    def blocked_modules(self):
        return tuple(getattr(self.graders, "BLOCKED_MODULES", ()))

    @property
    def parts(self):
        return sorted(p.stem.removeprefix("test_") for p in self.graders_dir.glob("test_*.py"))

    def points(self):
        """{part: points} as the source notebook's test cells give them."""
        nb = notebooks.read(self.source_notebook)
        return {part: pts for _, a, part, pts in notebooks.graded_parts(nb) if a == self.name}


def get(name):
    if name not in paths.ASSIGNMENTS:
        raise UnknownAssignment(f"unknown assignment {name!r}; the kit has: {', '.join(paths.ASSIGNMENTS)}")
    assignment = Assignment(name)
    if not assignment.graders_dir.is_dir():
        raise UnknownAssignment(f"assignment {name!r} has no graders yet ({assignment.graders_dir})")
    return assignment


def available():
    return [get(n) for n in paths.ASSIGNMENTS if (paths.GRADERS / n).is_dir()]
