"""Hidden graders for exercise 4, feature hierarchies visualized (PyTorch and matplotlib).

The answer defines `extract_feature_maps`, `normalize_maps`, `plot_feature_maps`
and `plot_filters`. Probes (`_probes.py`) build models and tensors in the
answer's process, call the answer and return plain data: outputs, hook ids,
train/eval modes, and what a figure holds (image arrays, colour limits, panel
positions). `_cases.py` computes the expected values here, running the same
models' submodules by hand.
"""

# The answer may use torch, numpy and matplotlib; nothing that extracts or plots feature maps for it.
BLOCKED_MODULES = ("torchvision", "torchlens", "torchextractor", "captum", "lucent", "torchcam",
                   "pytorch_grad_cam", "visualtorch", "torchviz")

# The demo's partly wrong student makes these mistakes (see variants.py).
DEMO_MISTAKES = ("hooks_never_removed", "filters_capped_at_16")
