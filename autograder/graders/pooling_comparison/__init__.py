"""Hidden graders for exercise 5, comparing pooling strategies (PyTorch).

The answer defines `gap_vs_flatten_params`, `make_downsample`, `shift_sensitivity`,
`PoolingNet`, `compare_pooling` and `plot_comparison`. Modules, networks and
figures cannot cross the process boundary: the checks run grader-written probes
(`_probes.py`) in the answer's process, which build or call the answer's objects
and return plain data, and compare it here with the same probe run on the
trusted reference (`reference.py`).
"""

# Nothing is blocked: the answer is PyTorch and matplotlib, and torch's optimizers look up
# optional modules when they first step (see the lenet5 graders), so blocking those could
# break a correct answer. There is no pooling comparison to import anyway.
BLOCKED_MODULES = ()

# The demo's partly wrong student makes these mistakes (see variants.py); each costs points
# on its own part only (the other parts never call these two functions).
DEMO_MISTAKES = ("gap_counts_positions", "sensitivity_shifted_norm")
