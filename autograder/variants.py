"""Buggy answers that the graders must catch, written as small edits of the reference.

Each assignment's `graders/<a>/variants.py` lists `Variant`s. A variant is the
reference answer with a few exact text replacements, so it follows the reference
when that changes, and fails loudly (naming itself) when it no longer applies.
"""
import copy
import importlib
from dataclasses import dataclass

from . import notebooks


@dataclass(frozen=True)
class Variant:
    name: str
    part: str              # the graded part it must lose points on
    description: str
    replacements: tuple    # ((old, new), ...): each `old` occurs exactly once


def apply(variant, source):
    for old, new in variant.replacements:
        count = source.count(old)
        if count != 1:
            raise ValueError(f"variant {variant.name!r}: expected {old!r} once in the reference, found it {count} times")
        source = source.replace(old, new)
    return source


def for_assignment(name):
    try:
        module = importlib.import_module(f"autograder.graders.{name}.variants")
    except ModuleNotFoundError:
        return ()
    return tuple(module.VARIANTS)


def filled_notebook(release_nb, source_nb, variant=None):
    """The release notebook with its answer cells written as the reference (optionally buggy).

    This is what a student who solved the exercise (or made one mistake) submits.
    """
    nb = copy.deepcopy(release_nb)
    answers = {c.metadata["nbgrader"]["grade_id"]: c for c in source_nb.cells if notebooks.is_answer_cell(c)}
    written = {c.metadata["nbgrader"]["grade_id"]: c for c in source_nb.cells if is_written_answer(c)}
    pending = list(variant.replacements) if variant else []
    for cell in nb.cells:
        if notebooks.is_answer_cell(cell):
            text = notebooks.SOLUTION_MARKERS.sub("", answers[cell.metadata["nbgrader"]["grade_id"]].source)
            for old, new in list(pending):
                if text.count(old) == 1:
                    text = text.replace(old, new)
                    pending.remove((old, new))
            cell.source = text
        elif is_written_answer(cell):   # the model answer to a question graded by hand
            cell.source = written[cell.metadata["nbgrader"]["grade_id"]].source
    if pending:
        raise ValueError(f"variant {variant.name!r} does not apply to the notebook's answer cells")
    return nb


def is_written_answer(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "markdown" and meta.get("solution", False)
