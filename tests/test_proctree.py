"""What the kernel counts to a process tree: what speed checks and memory figures rely on."""
import subprocess
import sys

from autograder.harness import proctree

BURN = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass\n"
# the tree's root reaps one burning child, and keeps another alive (asleep once it has burned)
ROOT = f"""import subprocess, sys, time
subprocess.run([sys.executable, '-c', {BURN!r}])
alive = subprocess.Popen([sys.executable, '-c', {BURN + "print('burned', flush=True); time.sleep(30)"!r}],
                         stdout=subprocess.PIPE, text=True)
alive.stdout.readline()
print('ready', flush=True)
time.sleep(30)
"""


def test_cpu_time_counts_live_descendants_and_the_children_they_reaped():
    root = subprocess.Popen([sys.executable, "-c", ROOT], stdout=subprocess.PIPE, text=True)
    try:
        assert root.stdout.readline().strip() == "ready"
        assert len(proctree.descendants(root.pid)) == 2
        assert 0.9 <= proctree.cpu_seconds(root.pid) < 5
        memory = proctree.memory_by_process(root.pid)
        assert len(memory) == 2 and all(mib > 1 for mib in memory.values())
    finally:
        for process in proctree.descendants(root.pid)[::-1]:
            process.kill()
        root.wait()


def test_a_gone_tree_counts_nothing():
    gone = subprocess.Popen([sys.executable, "-c", ""])
    gone.wait()
    assert proctree.descendants(gone.pid) == [] and proctree.cpu_seconds(gone.pid) == 0
    assert proctree.memory_by_process(gone.pid) == {}


def test_a_process_is_found_by_its_pid_and_its_clocks_read():
    root = subprocess.Popen([sys.executable, "-c", BURN + "import time\nprint('burned', flush=True)\ntime.sleep(30)"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert root.stdout.readline().strip() == "burned"
        assert proctree.host_pid(root.pid, root.pid) == root.pid        # no pid namespace of its own here
        assert proctree.host_pid(root.pid, 999_999_999) is None
        assert 0.4 <= proctree.own_cpu_seconds(root.pid) < 5
        assert 0 <= proctree.waited_for_cpu(root.pid) < 60
    finally:
        root.kill()
        root.wait()
    assert proctree.own_cpu_seconds(root.pid) is None and proctree.waited_for_cpu(root.pid) is None
