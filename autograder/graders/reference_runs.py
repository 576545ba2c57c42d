"""A grader's probe run on its assignment's reference answer, for the expected values [trusted]."""
import torch


def run_reference(reference, probe, *args, **kwargs):
    """What `student.probe(probe, ...)` returns for a correct answer (`reference`: the reference answer's
    namespace), as plain data, from the same seed the answer's probe starts from."""
    torch.manual_seed(0)
    return to_plain(probe(reference, *args, **kwargs))


def to_plain(value):
    """Tensors as numpy arrays, inside dicts, lists and tuples too: what the codec brings back from a probe."""
    if isinstance(value, torch.Tensor):
        return value.detach().numpy()
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_plain(v) for v in value)
    return value
