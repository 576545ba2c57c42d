"""Hidden checks for `extract_feature_maps`: what it returns (part: extract).

Models are built by name and seed in the student's process (`_probes.py`); the
expected maps come from running the same model's submodules one by one here.
"""
import pytest

from autograder.harness.checks import expect

from ._cases import by_hand, expect_maps, expect_returned, extract

VGG_BLOCKS = ["block1", "block2", "block3"]


@pytest.mark.needs("test_values_equal_running_the_submodules_by_hand")
def test_vgglike_block_shapes(student):
    """the lecture's VGGLike on a 1x3x64x64 input: blocks of shape (1, 64, 32, 32), (1, 128, 16, 16), (1, 256, 8, 8)"""
    got, _, what = extract(student, "vgglike", VGG_BLOCKS)
    expect_returned(got, what)
    for name, shape in zip(VGG_BLOCKS, [(1, 64, 32, 32), (1, 128, 16, 16), (1, 256, 8, 8)]):
        expect(name in got["items"], f"{what}: no entry for {name!r}")
        expect(tuple(got["items"][name].get("shape", ())) == shape,
               f"{what}[{name!r}] has shape {tuple(got['items'][name].get('shape', ()))}, not the lecture's")


def test_values_equal_running_the_submodules_by_hand(student):
    """each map equals that submodule's output when the model is run by hand, layer by layer"""
    got, x, what = extract(student, "vgglike", VGG_BLOCKS, seed=1)
    expect_maps(got, "vgglike", 1, x, VGG_BLOCKS, what)
    layers = ["features.0", "features.2", "features.5", "classifier.0"]
    got, x, what = extract(student, "lenet", layers, seed=2)
    expect_maps(got, "lenet", 2, x, layers, what)


def test_nested_names(student):
    """qualified names reach nested submodules: "block2.0", "features.3", "body.block.conv" """
    got, x, what = extract(student, "vgglike", ["block2.0", "block3.1"], seed=3)
    expect_maps(got, "vgglike", 3, x, ["block2.0", "block3.1"], what)
    layers = ["body.block.conv", "body.block", "head.0", "body"]
    got, x, what = extract(student, "nested", layers, seed=4)
    expect_maps(got, "nested", 4, x, layers, what)


@pytest.mark.needs("test_values_equal_running_the_submodules_by_hand")
def test_in_the_order_of_layers(student):
    """the dict's keys are the names of `layers`, in the order given (not the model's order)"""
    for kind, layers in (("vgglike", ["block3", "block1", "block2"]),
                         ("lenet", ["classifier.6", "features.3", "features.0"])):
        got, _, what = extract(student, kind, layers, seed=5)
        expect_returned(got, what)
        expect(got["keys"] == layers, f"{what} has keys {got['keys']}, expected the names of `layers` in their order")


def test_a_batch_of_inputs(student):
    """a batch of 5 inputs gives maps of 5 samples each, all equal to the submodules' outputs"""
    layers = ["features.1", "features.4"]
    got, x, what = extract(student, "lenet", layers, seed=6, n=5)
    expect_maps(got, "lenet", 6, x, layers, what + " on a batch of 5")


@pytest.mark.needs("test_values_equal_running_the_submodules_by_hand")
def test_detached_cpu_tensors(student):
    """the maps are torch tensors on the CPU that do not require grad and have no grad_fn"""
    for x_grad in (False, True):
        got, _, what = extract(student, "lenet", ["features.0", "classifier.1"], seed=7, x_grad=x_grad)
        if x_grad:
            what += " with an input that requires grad"
        expect_returned(got, what)
        for name, item in got["items"].items():
            expect(item["type"] == "Tensor", f"{what}[{name!r}] is a {item['type']}, expected a torch tensor")
            expect(item["device"] == "cpu", f"{what}[{name!r}] is on {item['device']}, expected the CPU")
            expect(not item["requires_grad"] and not item["grad_fn"],
                   f"{what}[{name!r}] is still attached to the autograd graph (detach it)")


@pytest.mark.needs("test_values_equal_running_the_submodules_by_hand")
def test_no_graph_is_built(student):
    """the forward pass runs without building a graph (torch.no_grad), so no parameter gets a gradient"""
    got, _, what = extract(student, "vgglike", ["block1"], seed=8)
    expect_returned(got, what)
    expect(got["calls"] == 1, f"{what} ran {got['calls']} forward passes, expected one")
    expect(not any(got["grad_in_forward"]), f"{what}: the forward pass ran with gradients enabled "
                                            "(it built a graph); use torch.no_grad()")
    expect(not got["param_grads"], f"{what}: parameters got gradients")


def test_evaluation_mode_during_the_pass(student):
    """a model left in training mode is run in evaluation mode: dropout off, batch norm on its running statistics"""
    layers = ["classifier.3", "classifier.4"]
    got, x, what = extract(student, "lenet", layers, seed=9, n=3, mode="train")
    expect_returned(got, what)
    expect(all(not any(flags) for flags in got["training_in_forward"]),
           f"{what}: some layers were in training mode during the forward pass (call model.eval() first)")
    expect_maps(got, "lenet", 9, x, layers, what)
    layers = ["stem.1", "body.block.drop", "head"]
    got, x, what = extract(student, "nested", layers, seed=10, n=2, mode="train")
    expect_maps(got, "nested", 10, x, layers, what)


def test_copies_survive_in_place_layers(student):
    """a later in-place layer (nn.ReLU(inplace=True)) does not change a returned map: the maps are copies"""
    layers = ["stem.0", "stem.1", "body.block.conv"]
    got, x, what = extract(student, "nested", layers, seed=11, label="a model with in-place ReLUs")
    expect_maps(got, "nested", 11, x, layers, what)
    want = by_hand("nested", 11, x)
    if not all((want[name] < 0).any() for name in ("stem.1", "body.block.conv")):
        raise RuntimeError("grader bug: no negative values for the in-place ReLU to change")
