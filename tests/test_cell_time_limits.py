"""A notebook's cells at autograde are timed on their kernel's own clock (ExecuteContained, harness/call_clock.py).

In the real sandboxed kernel: time it waits for a CPU does not count against a
cell's budget; time it sleeps does.
"""
import os
import time

import nbformat
import pytest
from traitlets.config import Config

from autograder.harness import sandbox
from autograder.nbgrader_ext import ExecuteContained
from autograder.sandboxed_kernel import SANDBOXED_KERNEL, install_sandboxed_kernelspec, kernel_socket_dir

pytestmark = pytest.mark.skipif(sandbox.check() is not None and not os.environ.get("CI"),
                                reason=f"no sandbox here: {sandbox.check()}")

BURN = """import time
started = time.monotonic()
end = time.thread_time() + 1.5
while time.thread_time() < end:
    pass
print(round(time.monotonic() - started, 2))
"""


def execute(tmp_path, source, cell_timeout):
    """The one-cell notebook run as autograde runs it; (notebook, seconds)."""
    install_sandboxed_kernelspec()
    config = Config()
    config.KernelManager.transport = "ipc"                     # as the kit's nbgrader_config.py
    config.KernelManager.ip = os.path.join(kernel_socket_dir(), "kernel")
    config.ExecuteContained.cell_timeout = cell_timeout
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)], metadata={
        "kernelspec": {"name": SANDBOXED_KERNEL, "display_name": "sandboxed", "language": "python"}})
    start = time.monotonic()
    ExecuteContained(config=config).preprocess(nb, {"metadata": {"path": str(tmp_path)}})
    return nb, time.monotonic() - start


def test_waiting_for_a_cpu_does_not_count_against_a_cells_budget(tmp_path, busy_machine):
    nb, _ = execute(tmp_path, BURN, cell_timeout=2)
    assert "kit_execution_stopped" not in nb.metadata, nb.metadata.get("kit_execution_stopped")
    took = float(nb.cells[0].outputs[0]["text"])
    assert took > 2, f"the load did not slow the cell past its budget ({took} s): this shows nothing"


def test_a_cell_that_sleeps_is_stopped_at_its_budget_on_a_busy_machine(tmp_path, busy_machine):
    nb, seconds = execute(tmp_path, "import time\ntime.sleep(600)\n", cell_timeout=2)
    assert "did not finish within 2 s" in nb.metadata["kit_execution_stopped"]["reason"]
    assert seconds < 60       # the kernel's start on a busy machine, and 2 s
