"""The environment variables every grading process is started with: the same result on every run and machine.

One thread per math library (OpenMP, MKL, OpenBLAS: a grade never depends on
the cores free at the time, and parallel gradings do not oversubscribe them),
no GPU, a fixed hash seed, no bytecode files written, and matplotlib without a
display. Used by the trusted side to start the graders' pytest (runner.py) and
the answer processes (answer_env), which get nothing else of its environment.
"""
PINNED_ENV = {
    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "CUDA_VISIBLE_DEVICES": "", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
}
