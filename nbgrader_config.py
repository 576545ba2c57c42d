"""nbgrader configuration of the course (the kit's defaults).

Paths are relative to the course root (the directory nbgrader runs in).
Override per machine with environment variables:
  KIT_DB_URL        gradebook URL (default: SQLite file gradebook.db in the course root)
  KIT_EXCHANGE      exchange directory for release/fetch/submit/collect (default: ./exchange)
  KIT_CELL_TIMEOUT      seconds a notebook cell may run at autograde unless its source cell declares more (default: 30)
  KIT_NOTEBOOK_TIMEOUT  seconds the whole notebook may run at autograde (default: 300)
"""
import atexit
import os
import shutil
import tempfile

from autograder.exchange_guards import CheckedReleaseFeedback, GuardedReleaseAssignment
from autograder.exports import KitCsvExport
from autograder.late import PercentPerDayLate
from autograder.nbgrader_ext import (CleanForPosting, ExecuteContained, GradeWithHarness, HideHiddenTests,
                                     HoldFeedbackUntilGraded, LimitOutputSize, RestoreDeletedCells, SandboxKernel)
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearMarkScheme, ClearOutput,
                                    DeduplicateIds, Execute, GetGrades, IgnorePattern, IncludeHeaderFooter,
                                    LimitOutput, LockCells, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

c.CourseDirectory.course_id = "pooling-cnn"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.solution_directory = "solutions"
# The gradebook is nbgrader's own database: SQLite in the course root unless told otherwise.
c.CourseDirectory.db_url = os.environ.get("KIT_DB_URL", "sqlite:///" + os.path.abspath("gradebook.db"))

c.Exchange.root = os.path.abspath(os.environ.get("KIT_EXCHANGE", "exchange"))
c.Exchange.path_includes_course = True

# Notebook execution at autograde: grades come from the hidden graders, not the
# kernel, so the run needs only enough time for honest code (every reference cell
# takes under 5 s at autograde; training cells declare 60 s in the source's
# metadata). The first cell that runs out of time ends the run (ExecuteContained).
c.ExecuteContained.cell_timeout = int(os.environ.get("KIT_CELL_TIMEOUT", "30"))
c.ExecuteContained.notebook_timeout = int(os.environ.get("KIT_NOTEBOOK_TIMEOUT", "300"))
c.Execute.timeout = 600          # the solution notebooks' full runs (`autograder build`)
c.Execute.interrupt_on_timeout = True
# Kernels talk over Unix sockets in a directory private to this nbgrader process:
# a sandboxed kernel has no network, not even loopback.
_kernel_sockets = tempfile.mkdtemp(prefix="kit-kernel-sockets-")
atexit.register(shutil.rmtree, _kernel_sockets, ignore_errors=True)
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(_kernel_sockets, "kernel")

# The kit's steps: the notebook runs in a sandboxed kernel; the trusted grade
# replaces graded cells' outputs after the notebook ran and before nbgrader
# reads the points from them.
c.Autograde.sanitize_preprocessors = [
    ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreDeletedCells, OverwriteCells, CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    SandboxKernel, ExecuteContained, IgnorePattern, ClearMetadataPreprocessor, GradeWithHarness,
    LimitOutput, LimitOutputSize, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
# Feedback: none while answers wait for grading by hand; the late penalty assigned again from the score as it
# is now (manual grades included) before GetGrades reads it.
c.GenerateFeedback.preprocessors = [HoldFeedbackUntilGraded, AssignLatePenalties, HideHiddenTests, GetGrades,
                                    CSSHTMLHeaderPreprocessor]
c.GenerateSolution.preprocessors = [IncludeHeaderFooter, LockCells, ClearOutput, ClearMarkScheme,
                                    CleanForPosting, Execute]

# Late submissions: nbgrader's due dates (`nbgrader db assignment add <a> --duedate "..."`)
# with a percentage per started day late, capped (nbgrader's own plugin knows only none/zero).
c.AssignLatePenalties.plugin_class = PercentPerDayLate
c.PercentPerDayLate.percent_per_day = 10
c.PercentPerDayLate.max_percent = 50
c.PercentPerDayLate.grace_minutes = 15

# Exports make the late penalties current first; `nbgrader export` writes nbgrader's CSV, and
# `--exporter=autograder.exports.CanvasExport` Canvas's gradebook import CSV (c.CanvasExport.roster: README).
c.ExportApp.plugin_class = KitCsvExport

# The exchange with the kit's guards: no release that carries another assignment's solution before that one
# is due (--GuardedReleaseAssignment.allow_early_solutions=True overrides), no feedback released that
# disagrees with the gradebook.
c.ExchangeFactory.release_assignment = GuardedReleaseAssignment
c.ExchangeFactory.release_feedback = CheckedReleaseFeedback

# The formgrader's "Manage Assignments" page would show the loaded configuration: the server's token and the
# gradebook URL (with its password, for PostgreSQL).
c.FormgradeExtension.debug = False

# Similarity reports (`./run grade`, `./run report`): pairs above this share of common answer code are named
# in the summary, to be looked at by a person (README: reading the similarity report).
c.SimilarityReport.threshold = 0.75

# Class grading (`autograder grade`): submissions graded side by side. None = one worker per
# core on this machine; a scheduler address ("tcp://host:8786") grades on a Dask cluster instead.
c.ClassGrading.workers = None
c.ClassGrading.scheduler = None
