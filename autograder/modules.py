"""Load a Python file as a module (trusted side: the kit's own files, never an answer).

The sandboxed fork server (`harness/answer_server.py`) loads answers its own way: it
runs in the sandbox and imports only what it imports today.
"""
import importlib.util

from . import paths


def load_module(path, name):
    """The module of the Python file at `path`, executed once, under `name` (not put in sys.modules)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def data_layer(name="kit_mnist_data"):
    """The kit's MNIST data layer; its one home is source/lenet5/mnist_data.py."""
    return load_module(paths.DATA_LAYER, name)
