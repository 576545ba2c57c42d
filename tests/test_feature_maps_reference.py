"""Exercise 4 (feature_maps): the reference answer and the graders' expected values agree with the lecture.

The graders build their models with `build` (`graders/feature_maps/_probes.py`)
and compute expected maps by running submodules by hand (`_cases.by_hand`); here
both are checked against the reference solution and the lecture's numbers.
"""

import numpy as np
import pytest
import torch

from autograder import paths
from autograder.modules import load_module
from autograder.graders.feature_maps import _cases as C
from autograder.graders.feature_maps._probes import build


@pytest.fixture(scope="module")
def ref():
    return load_module(paths.SOLUTIONS / "feature_maps.py", "fm_reference")


def test_vgglike_shapes_are_the_lectures(ref):
    maps = ref.extract_feature_maps(ref.VGGLike(), torch.randn(1, 3, 64, 64), ["block1", "block2", "block3"])
    assert [tuple(m.shape) for m in maps.values()] == [(1, 64, 32, 32), (1, 128, 16, 16), (1, 256, 8, 8)]


def test_the_graders_vgglike_is_the_notebooks(ref):
    torch.manual_seed(3)
    notebook = ref.VGGLike()
    grader = build("vgglike", 3)
    assert [(k, tuple(v.shape)) for k, v in notebook.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in grader.state_dict().items()]
    assert all(torch.equal(a, b) for a, b in zip(notebook.state_dict().values(), grader.state_dict().values()))


@pytest.mark.parametrize("kind", ["vgglike", "lenet", "nested"])
def test_by_hand_agrees_with_the_reference(ref, kind):
    x = C.inputs(kind, 2, seed=1)
    want = C.by_hand(kind, 0, x)
    model = build(kind, 0).train()
    got = ref.extract_feature_maps(model, torch.from_numpy(x), list(want))
    for name, values in want.items():
        np.testing.assert_allclose(got[name].double().numpy(), values, rtol=1e-5, atol=1e-6)


def test_normalized_agrees_with_the_reference(ref):
    rng = np.random.default_rng(0)
    maps = np.stack([C.channel_stack(rng, 5, 6, 7, constant=2) for _ in range(3)])
    np.testing.assert_allclose(ref.normalize_maps(torch.from_numpy(maps)).numpy(), C.normalized(maps), atol=1e-6)


def test_vgglike_receptive_fields():
    course_models = load_module(paths.SOURCE / "feature_maps" / "course_models.py", "fm_course_models")
    records = {r.name: r for r in course_models.receptive_field(build("vgglike", 0), 64)}
    assert [records[f"block{i}.2"].rf for i in (1, 2, 3)] == [(4, 4), (10, 10), (22, 22)]
    assert [records[f"block{i}.2"].size for i in (1, 2, 3)] == [(32, 32), (16, 16), (8, 8)]
