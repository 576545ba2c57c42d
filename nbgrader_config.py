"""nbgrader configuration of the course (the kit's defaults).

Paths are relative to the course root (the directory nbgrader runs in). A course made by the kit
(`autograder.course.Course.create`) loads this file and then sets its own root, gradebook and exchange; any
setting here can be changed there, or on nbgrader's command line (`--ExecuteContained.cell_timeout=60`);
`nbgrader <command> --help-all` lists them with their help.
"""
import os

from autograder import paths as kit
from autograder.exchange_guards import CheckedReleaseFeedback, GuardedReleaseAssignment
from autograder.exports import KitCsvExport
from autograder.late import PercentPerDayLate
from autograder.nbgrader_ext import (CleanForPosting, ExecuteContained, GradeWithHarness, HideHiddenTests,
                                     HoldFeedbackUntilGraded, LimitOutputSize, RestoreDeletedCells, SandboxKernel,
                                     StartHiddenGrading)
from autograder.sandboxed_kernel import kernel_socket_dir
from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearMarkScheme, ClearOutput,
                                    DeduplicateIds, Execute, GetGrades, IgnorePattern, IncludeHeaderFooter,
                                    LimitOutput, LockCells, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

c = get_config()  # noqa: F821 - provided by nbgrader's config loader

c.CourseDirectory.course_id = "pooling-cnn"
c.CourseDirectory.source_directory = kit.SOURCE.name
c.CourseDirectory.release_directory = kit.RELEASE.name
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.solution_directory = kit.SOLUTIONS.name
# The gradebook is nbgrader's own database: SQLite in the course root (a course's config may say otherwise).
c.CourseDirectory.db_url = "sqlite:///" + os.path.abspath("gradebook.db")

c.Exchange.root = os.path.abspath("exchange")
c.Exchange.path_includes_course = True

# Notebook execution at autograde: grades come from the hidden graders, not the
# kernel, so the run needs only enough time for honest code (every reference cell
# takes under 5 s at autograde; training cells declare 60 s in the source's
# metadata). The first cell that runs out of time ends the run. The limits are ExecuteContained's
# traits (cell_timeout 30 s, notebook_timeout 300 s by default).
c.Execute.timeout = 600          # the solution notebooks' full runs (`autograder build`)
c.Execute.interrupt_on_timeout = True
# Kernels talk over Unix sockets in a directory private to this nbgrader process:
# a sandboxed kernel has no network, not even loopback.
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(kernel_socket_dir(), "kernel")

# The kit's steps: the notebook runs in a sandboxed kernel while the hidden graders grade its answer code
# (started before the kernel); the trusted grade replaces graded cells' outputs after the notebook ran and
# before nbgrader reads the points from them.
c.Autograde.sanitize_preprocessors = [
    ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreDeletedCells, OverwriteCells, CheckCellMetadata,
]
c.Autograde.autograde_preprocessors = [
    SandboxKernel, StartHiddenGrading, ExecuteContained, IgnorePattern, ClearMetadataPreprocessor, GradeWithHarness,
    LimitOutput, LimitOutputSize, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata,
]
# Feedback: none while answers wait for grading by hand; the late penalty assigned again from the score as it
# is now (manual grades included) before GetGrades reads it.
c.GenerateFeedback.preprocessors = [HoldFeedbackUntilGraded, AssignLatePenalties, HideHiddenTests, GetGrades,
                                    CSSHTMLHeaderPreprocessor]
c.GenerateSolution.preprocessors = [IncludeHeaderFooter, LockCells, ClearOutput, ClearMarkScheme,
                                    CleanForPosting, Execute]

# Late submissions: nbgrader's due dates (`nbgrader db assignment add <a> --duedate "..."`)
# with a percentage per started day late, capped (nbgrader's own plugin knows only none/zero). The numbers
# are PercentPerDayLate's traits (autograder/late.py: their defaults, their help); set them here to change them.
c.AssignLatePenalties.plugin_class = PercentPerDayLate

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

# The kit's other settings are traits with their defaults and help in the kit's code; set them here (or in a
# course's nbgrader_config.py) to change them:
#   c.SimilarityReport.threshold      autograder/similarity.py   pairs named in the similarity summary
#   c.ClassGrading.workers/scheduler  autograder/grading/coordinator.py   where `./run grade` and `./run serve` grade
#   c.ClassGrading.task_timeout, c.ClassGrading.max_submission_mb           bounds per submission
#   c.ClassGrading.nice               the gradings' CPU niceness (10): students' work on the machine goes first
#   c.ClassGrading.answer_servers_ahead   standbys start the next answer server too (on; off: ~185 MiB less each)
#   c.Sandbox.memory_gb               autograder/nbgrader_ext.py  the memory of a sandbox
