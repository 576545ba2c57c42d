"""Where the kit's own trees live (the course may run from elsewhere); nbgrader_config.py names its
CourseDirectory folders after these."""
from pathlib import Path

KIT_ROOT = Path(__file__).resolve().parent.parent
SOURCE = KIT_ROOT / "source"
RELEASE = KIT_ROOT / "release"
SOLUTIONS = KIT_ROOT / "solutions"
STUBS = KIT_ROOT / "assignments"
GRADERS = KIT_ROOT / "autograder" / "graders"
NBGRADER_CONFIG = KIT_ROOT / "nbgrader_config.py"

ASSIGNMENTS = ("maxpool", "lenet5", "receptive_fields", "feature_maps", "pooling_comparison")
DATA_LAYER = SOURCE / "lenet5" / "mnist_data.py"   # the one MNIST data layer; the build copies it where needed
