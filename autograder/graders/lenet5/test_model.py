"""Hidden checks for `LeNet5` (part: model).

Probes build the student's model in the answer process and return plain data
(parameter counts, layer descriptions, outputs, gradients); the same probes run
here on the grader's own LeNet-5 give the expected values.
"""
import numpy as np
import pytest

from autograder.harness.checks import CheckFailed, expect, expect_array

from autograder.graders.lenet5.reference import run_reference, seeded_reference_model, state_dict_arrays


# -- probes (run in the answer process: self-contained, imports inside) -----------

def count_parameters(answer, num_classes):
    model = answer.LeNet5() if num_classes is None else answer.LeNet5(num_classes=num_classes)
    return int(sum(p.numel() for p in model.parameters()))


def describe_layers(answer):
    """{"features": [...], "classifier": [...]} with each layer's type and key settings, or a note."""
    from torch import nn
    model = answer.LeNet5()
    keys = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
            "in_features", "out_features", "start_dim", "end_dim", "ceil_mode", "count_include_pad",
            "divisor_override", "padding_mode")
    out = {}
    for name in ("features", "classifier"):
        seq = getattr(model, name, None)
        if seq is None:
            out[name] = "missing"
            continue
        if not isinstance(seq, nn.Sequential):
            out[name] = f"not an nn.Sequential but {type(seq).__name__}"
            continue
        layers = []
        for layer in seq:
            settings = {}
            for k in keys:
                if hasattr(layer, k):
                    v = getattr(layer, k)
                    if k in ("kernel_size", "stride", "padding", "dilation") and isinstance(v, int):
                        v = (v, v)       # AvgPool2d(2) and AvgPool2d((2, 2)) are the same layer
                    settings[k] = list(v) if isinstance(v, tuple) else v
            if hasattr(layer, "bias") and isinstance(layer, (nn.Conv2d, nn.Linear)):
                settings["bias"] = layer.bias is not None
            layers.append([type(layer).__name__, settings])
        out[name] = layers
    return out


def outputs(answer, num_classes, x, state):
    """Logits for `x` (and their shape) from LeNet5(num_classes), with `state` loaded when given.

    The weights go in by position and shape within the two attributes the text names
    (`features`, `classifier`), never by state_dict key: the text fixes the layers and
    their order, not their names.
    """
    import torch
    model = answer.LeNet5(num_classes=num_classes)
    if state is not None:
        for attr in ("features", "classifier"):
            part = getattr(model, attr, None)
            mine = list(part.parameters()) if isinstance(part, torch.nn.Module) else []
            # the reference's keys are "<attr>.<layer index>.<weight|bias>"
            keys = sorted((k for k in state if k.startswith(attr + ".")),
                          key=lambda k: (int(k.split(".")[1]), k.split(".")[2] != "weight"))
            theirs = [state[k] for k in keys]
            if [tuple(p.shape) for p in mine] != [tuple(v.shape) for v in theirs]:
                return {"unloadable": f"`self.{attr}`'s parameters, in layer order, have shapes "
                                      f"{[tuple(p.shape) for p in mine]}, not the specified layers' "
                                      f"{[tuple(v.shape) for v in theirs]}"}
            with torch.no_grad():
                for p, v in zip(mine, theirs):
                    p.copy_(torch.from_numpy(v))
    model.eval()
    with torch.no_grad():
        y = model(torch.from_numpy(x))
    return {"type": type(y).__name__, "shape": list(y.shape) if hasattr(y, "shape") else None,
            "values": y.detach().numpy() if isinstance(y, torch.Tensor) else None}


def logits_of_two_batches(answer, x, changed):
    """LeNet5()'s logits (its own seeded weights, eval mode) for batch x, and for x with image `changed` replaced."""
    import torch
    torch.manual_seed(0)
    model = answer.LeNet5()
    model.eval()
    other = x.copy()
    other[changed] = -x[changed][..., ::-1, :]        # another image in the same place of the batch
    with torch.no_grad():
        first, second = model(torch.from_numpy(x)), model(torch.from_numpy(other))
    tensors = isinstance(first, torch.Tensor) and isinstance(second, torch.Tensor)
    return {"type": type(first).__name__,
            "first": first.detach().numpy() if tensors else None,
            "second": second.detach().numpy() if tensors else None}


def gradients(answer, x, labels):
    """Which parameters get a non-zero gradient from a cross-entropy loss on `x`."""
    import torch
    from torch import nn
    torch.manual_seed(0)
    model = answer.LeNet5()
    model.train()
    loss = nn.CrossEntropyLoss()(model(torch.from_numpy(x)), torch.from_numpy(labels))
    loss.backward()
    return {name: (None if p.grad is None else float(p.grad.abs().sum()))
            for name, p in model.named_parameters()}


# -- checks ---------------------------------------------------------------------------

def _layer_text(layer):
    kind, settings = layer
    shown = {k: v for k, v in settings.items() if k in ("in_channels", "out_channels", "kernel_size",
                                                          "stride", "padding", "in_features", "out_features")}
    return f"{kind}({', '.join(f'{k}={v}' for k, v in shown.items())})"


def _check_layers(student, name):
    got = student.probe(describe_layers)[name]
    want = run_reference(describe_layers)[name]
    expect(isinstance(got, list), f"self.{name} is {got}")
    for i, (g, w) in enumerate(zip(got, want)):
        expect(g[0] == w[0], f"self.{name}[{i}] is {_layer_text(g)}: the lecture's LeNet-5 has a {w[0]} there")
        expect(g[1] == w[1], f"self.{name}[{i}] is {_layer_text(g)}: its settings differ from the "
                             "lecture's LeNet-5 (check sizes, kernel, stride, padding, bias)")
    expect(len(got) == len(want), f"self.{name} has {len(got)} layers, the lecture's LeNet-5 has {len(want)}")


# What the model part is for: logits computed from each image. The structure checks below count only when
# this one and the gradient check pass (a model that holds the right layers but ignores them earns nothing).
def test_each_image_gives_its_own_logits(student):
    """each image's logits are computed from that image: changing one image of a batch changes its logits and no other's"""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 1, 32, 32)).astype(np.float32)
    got = student.probe(logits_of_two_batches, x, 1)
    expect(got["first"] is not None, f"LeNet5's forward returned a {got['type']}, not a torch tensor")
    first, second = got["first"], got["second"]
    expect(first.shape == (4, 10), f"LeNet5() on a batch of 4 gives output shape {first.shape}, expected (4, 10)")
    unchanged = [0, 2, 3]
    expect(np.allclose(first[unchanged], second[unchanged], rtol=1e-5, atol=1e-6),
           "changing image 2 of a batch of 4 changed the logits of other images: each image's logits must "
           "come from that image alone")
    expect(not np.allclose(first[1], second[1], rtol=1e-4, atol=1e-5),
           "changing image 2 of a batch of 4 did not change its logits: forward must compute the logits from "
           "the input, through self.features and self.classifier")


@pytest.mark.needs("test_each_image_gives_its_own_logits", "test_gradients_reach_every_parameter")
def test_parameter_count_10_classes(student):
    """LeNet5() has the lecture's 61,706 parameters"""
    got = student.probe(count_parameters, None)
    expect(got == 61_706, f"LeNet5() has {got:,} parameters, the lecture's has 61,706")


@pytest.mark.needs("test_each_image_gives_its_own_logits", "test_gradients_reach_every_parameter")
def test_parameter_count_other_classes(student):
    """LeNet5(num_classes=7) has the right number of parameters (the last layer follows num_classes)"""
    got = student.probe(count_parameters, 7)
    want = run_reference(count_parameters, 7)
    expect(got == want, f"LeNet5(num_classes=7) has {got:,} parameters: not the lecture's "
                        "architecture with a 7-way last layer")


@pytest.mark.needs("test_each_image_gives_its_own_logits", "test_gradients_reach_every_parameter")
def test_feature_layers(student):
    """self.features holds Conv2d(1, 6, 5), ReLU, AvgPool2d(2), Conv2d(6, 16, 5), ReLU, AvgPool2d(2) in order"""
    _check_layers(student, "features")


@pytest.mark.needs("test_each_image_gives_its_own_logits", "test_gradients_reach_every_parameter")
def test_classifier_layers(student):
    """self.classifier holds Flatten, Linear(400, 120), ReLU, Linear(120, 84), ReLU, Linear(84, num_classes) in order"""
    _check_layers(student, "classifier")


@pytest.mark.needs("test_each_image_gives_its_own_logits", "test_gradients_reach_every_parameter")
def test_output_shapes(student):
    """forward maps (N, 1, 32, 32) to (N, num_classes) logits for several N and num_classes"""
    rng = np.random.default_rng(1)
    for num_classes in (10, 3):
        for n in (1, 2, 5, 16):
            x = rng.standard_normal((n, 1, 32, 32)).astype(np.float32)
            got = student.probe(outputs, num_classes, x, None)
            expect(got["type"] == "Tensor", f"LeNet5(num_classes={num_classes}) on a batch of {n} returned "
                                            f"a {got['type']}, not a torch tensor")
            expect(got["shape"] == [n, num_classes],
                   f"LeNet5(num_classes={num_classes}) on input (N={n}, 1, 32, 32) gives output shape "
                   f"{tuple(got['shape'])}, expected ({n}, {num_classes})")


def loaded(got):
    """The probe's result, or the reason the grader could not put the lecture's weights into the model."""
    if "unloadable" in got:
        raise CheckFailed(f"the grader could not load the lecture's weights into your model, because "
                          f"{got['unloadable']}")
    return got


def test_output_values(student):
    """with the same weights, LeNet5's logits equal the lecture's network's (no softmax, right order)"""
    rng = np.random.default_rng(2)
    state = state_dict_arrays(seeded_reference_model(10, seed=3))
    x = rng.standard_normal((6, 1, 32, 32)).astype(np.float32)
    got = loaded(student.probe(outputs, 10, x, state))
    want = run_reference(outputs, 10, x, state)
    expect_array(got["values"], want["values"], what="logits of a batch of 6 with given weights",
                 rtol=1e-4, atol=1e-5)


def test_output_values_other_classes(student):
    """with the same weights, LeNet5(num_classes=4)'s logits equal the lecture's network's"""
    rng = np.random.default_rng(4)
    state = state_dict_arrays(seeded_reference_model(4, seed=5))
    x = (rng.random((3, 1, 32, 32)) * 3 - 0.5).astype(np.float32)
    got = loaded(student.probe(outputs, 4, x, state))
    want = run_reference(outputs, 4, x, state)
    expect_array(got["values"], want["values"], what="logits of LeNet5(num_classes=4) with given weights",
                 rtol=1e-4, atol=1e-5)


@pytest.mark.needs("test_each_image_gives_its_own_logits")
def test_gradients_reach_every_parameter(student):
    """a loss on the logits back-propagates to every parameter (none detached or frozen)"""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((8, 1, 32, 32)).astype(np.float32)
    labels = rng.integers(0, 10, size=8).astype(np.int64)
    got = student.probe(gradients, x, labels)
    expect(len(got) > 0, "LeNet5 has no parameters")
    none = [k for k, v in got.items() if v is None]
    zero = [k for k, v in got.items() if v is not None and not v > 0]
    expect(not none, f"no gradient reaches {', '.join(none)}")
    expect(not zero, f"the gradient of {', '.join(zero)} is zero")
