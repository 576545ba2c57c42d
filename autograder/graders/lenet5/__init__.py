"""Hidden graders for exercise 2, LeNet-5 on MNIST (PyTorch).

The answer defines `LeNet5`, `train_one_epoch` and `evaluate`; the checks run
grader-written probes in the answer's process (`student.probe`) and compare
what they return with the same probe run here on `reference.py`.
"""

# Nothing is blocked: the answer is PyTorch, and torch's optimizers look up optional
# modules (tensorflow among them, torch/_dynamo/trace_rules.py) when they first step,
# so blocking those would break a correct answer. There is no LeNet-5 to import anyway.
BLOCKED_MODULES = ()

# The demo's partly wrong student makes these mistakes (see variants.py); neither
# changes what the end-to-end training part measures.
DEMO_MISTAKES = ("num_classes_ignored", "evaluate_percent")
