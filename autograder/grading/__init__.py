"""Class grading: parallel on one machine or on a Dask cluster, resumable, one writer to the gradebook."""
from .coordinator import ClassRun, GradingError, grade_class  # noqa: F401
