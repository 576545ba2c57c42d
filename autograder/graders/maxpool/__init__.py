"""Hidden graders for exercise 1, max pooling from scratch (numpy only)."""

# The answer must be numpy only: these cannot be imported in the answer process.
BLOCKED_MODULES = ("torch", "torchvision", "tensorflow", "jax", "scipy", "skimage", "cv2", "numba", "keras")

# The demo's partly wrong student makes these mistakes (see variants.py).
DEMO_MISTAKES = ("zero_padding_max", "grad_to_all_ties")

# Parts that grade argument checking alone: a null answer (`nulls/`) that validates its arguments and computes
# nothing earns these, and `autograder check` allows it.
VALIDATION_PARTS = {"arguments": "raising ValueError for bad arguments is all this part grades"}
