"""Auto-grading kit for the lecture on pooling, feature hierarchies and classic CNNs.

Notebooks' hidden test cells call `grade(assignment, part)`; everything else is
for instructors (`python -m autograder --help`).
"""


def grade(assignment, part):
    """Grade one part of this notebook; see `autograder.kernel`."""
    from .kernel import grade as _grade
    return _grade(assignment, part)
