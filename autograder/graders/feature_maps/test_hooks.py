"""Hidden checks for `extract_feature_maps`: the model is left as it was found (part: hooks).

The probe registers hooks of its own before the call and compares every
module's hook ids (and the global ones), train/eval flags, weights and buffers
before and after, also when the forward pass raises or a name is unknown.
"""
import pytest

from autograder.harness.checks import CheckFailed, expect
from autograder.harness.results import NOT_WRITTEN

from ._cases import expect_maps, extract

FORWARD_ERROR = "this layer always fails"      # what the probe's failing layer raises


def check_left_alone(got, what):
    expect(got["hooks_same"], f"{what}: afterwards the model's hooks are not exactly those it had before "
                              "(remove the hooks you added, and only those)")
    if got.get("raised") is None:
        expect(got.get("hooks_still_fire", False), f"{what}: hooks the model had before no longer run")


def check_maps_too(got, kind, seed, x, layers, what):
    """The same call's maps are right: leaving the model alone earns nothing for an extraction that computes nothing."""
    try:
        expect_maps(got, kind, seed, x, layers, what)
    except CheckFailed as exc:
        raise CheckFailed(f"{exc} (this check counts only when the maps are right too)") from None


def check_modes(got, what):
    expect(got["modes_same"], f"{what}: afterwards some layers are not in the train/eval mode they were in "
                              "before (restore each layer's own mode)")


def test_hooks_are_removed(student):
    """after the call the model has exactly the hooks it had before (its own still work, the added ones are gone)"""
    for kind, layers in (("vgglike", ["block1", "block2", "block3"]), ("lenet", ["features.0", "classifier.1"]),
                         ("nested", ["body.block.conv", "stem"])):
        got, x, what = extract(student, kind, layers, seed=20)
        expect(got["raised"] is None, f"{what} raised {got['raised']}: {got.get('message', '')}")
        check_left_alone(got, what)
        check_maps_too(got, kind, 20, x, layers, what)


def expect_written(got):
    expect(got.get("raised") != "NotImplementedError", NOT_WRITTEN)


def expect_forward_error(got, what):
    expect_written(got)
    expect(got["raised"] is not None, f"{what} did not raise: the forward pass's exception must reach the caller")
    expect(got["calls"] == 1 and FORWARD_ERROR in got.get("message", ""),
           f"{what} raised {got['raised']}: {got.get('message', '')[:120]}, not the forward pass's exception")


@pytest.mark.needs("test_hooks_are_removed")
def test_hooks_are_removed_when_the_forward_pass_raises(student):
    """when the forward pass raises, the exception reaches the caller and the added hooks are removed anyway"""
    got, _, what = extract(student, "boom", ["conv", "act"], seed=21, catch=True)
    expect_forward_error(got, what)
    check_left_alone(got, what)


def test_mode_is_restored(student):
    """a model in training mode is back in training mode afterwards, one in evaluation mode in evaluation mode"""
    for mode in ("train", "eval"):
        got, x, what = extract(student, "lenet", ["features.3"], seed=22, mode=mode)
        expect(got["raised"] is None, f"{what} raised {got['raised']}: {got.get('message', '')}")
        check_modes(got, what)
        check_maps_too(got, "lenet", 22, x, ["features.3"], what)


def test_mixed_modes_are_restored(student):
    """every layer gets its own mode back when some layers were frozen in evaluation mode"""
    for kind, layers in (("nested", ["body.block", "head.1"]), ("vgglike", ["block2"])):
        got, x, what = extract(student, kind, layers, seed=23, mode="mixed")
        expect(got["raised"] is None, f"{what} raised {got['raised']}: {got.get('message', '')}")
        check_modes(got, what)
        check_maps_too(got, kind, 23, x, layers, what)


@pytest.mark.needs("test_hooks_are_removed")
def test_mode_is_restored_when_the_forward_pass_raises(student):
    """the train/eval modes are restored also when the forward pass raises"""
    got, _, what = extract(student, "boom", ["conv"], seed=24, mode="train", catch=True)
    expect_forward_error(got, what)
    check_modes(got, what)


@pytest.mark.needs("test_hooks_are_removed")
def test_unknown_name_raises_before_anything_runs(student):
    """an unknown name raises KeyError naming it, before any hook is added or the model runs"""
    for kind, layers, bad in (("vgglike", ["block1", "block4"], "block4"),
                              ("nested", ["stem.0", "body.block.cnv", "head"], "body.block.cnv"),
                              ("lenet", ["features.9"], "features.9")):
        got, _, what = extract(student, kind, layers, seed=25, mode="train", catch=True)
        expect_written(got)
        expect(got["raised"] is not None, f"{what}: no error for the unknown name {bad!r}")
        expect(got["raised_kind"] == ["KeyError"] or got["raised"] == "KeyError",
               f"{what} raised {got['raised']}, expected a KeyError")
        expect(bad in got.get("message", ""), f"{what}: the error message does not name {bad!r}")
        expect(got["calls"] == 0, f"{what}: the model ran before the unknown name was noticed")
        check_left_alone(got, what)
        check_modes(got, what)


def test_weights_and_buffers_are_unchanged(student):
    """the weights and buffers (batch norm's running statistics) are the same afterwards"""
    got, x, what = extract(student, "nested", ["stem.1", "head"], seed=26, n=4, mode="train")
    expect(got["raised"] is None, f"{what} raised {got['raised']}: {got.get('message', '')}")
    expect(not got["changed"], f"{what} changed the model's {', '.join(got['changed'][:3])}")
    check_maps_too(got, "nested", 26, x, ["stem.1", "head"], what)
