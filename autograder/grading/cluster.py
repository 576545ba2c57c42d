"""A real Dask cluster on this machine's loopback: a scheduler and N workers, each its own process.

For the tests and the benchmark, and for trying `--scheduler` before a real
cluster exists. On a cluster, start the same two commands on the machines:

    dask scheduler --host <ip>                       # once
    dask worker tcp://<ip>:8786 --nthreads 1         # per core, where the kit is installed
"""
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def local_cluster(n_workers=2, directory=None, timeout=120):
    """Yield the scheduler's address once all `n_workers` single-threaded workers have joined."""
    from distributed import Client

    dask = str(Path(sys.executable).with_name("dask"))
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    with contextlib.ExitStack() as stack:
        home = Path(directory) if directory else Path(stack.enter_context(tempfile.TemporaryDirectory(
            prefix="kit-dask-")))
        home.mkdir(parents=True, exist_ok=True)
        procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], cwd=home, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)]
        try:
            for i in range(n_workers):
                # each worker in its own directory: submissions reach it with the task, not through a disk
                wdir = home / f"worker{i}"
                wdir.mkdir(exist_ok=True)
                procs.append(subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard",
                                               "--local-directory", str(wdir)], cwd=wdir,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                              env={**os.environ, "PYTHONWARNINGS": "ignore"}))
            with Client(address, timeout=f"{timeout}s") as client:
                client.wait_for_workers(n_workers, timeout=timeout)
            yield address
        finally:
            for p in reversed(procs):
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
