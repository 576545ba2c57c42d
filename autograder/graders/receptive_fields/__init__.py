"""Hidden graders for exercise 3, receptive fields, with AlexNet and VGG16 (torch allowed)."""

# The answer may use torch, but nothing that computes receptive fields or builds the networks for it.
BLOCKED_MODULES = ("torchvision", "timm", "torchscan", "torch_receptive_field", "receptivefield",
                   "receptive_field", "torchinfo", "torchsummary", "ptflops", "fvcore", "thop")

# The demo's partly wrong student makes these mistakes (see variants.py).
DEMO_MISTAKES = ("padding_ignored_in_start", "stack_weights_with_biases")
