"""Exercise 5 (pooling_comparison): the reference answer, the graders' own reference and the lecture agree,
and the shipped Fashion-MNIST subset is what its tool makes."""
import gzip
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from autograder import paths
from autograder.modules import data_layer, load_module
from autograder.graders.pooling_comparison import _probes as P
from autograder.graders.pooling_comparison import reference as R
from autograder.graders.reference_runs import to_plain

FASHION = paths.SOURCE / "pooling_comparison" / "fashion"
FULL_FASHION = data_layer("kit_mnist_data_paths").FASHION_MNIST_DIR     # Debian's dataset-fashion-mnist


@pytest.fixture(scope="module")
def ref():
    return load_module(paths.SOLUTIONS / "pooling_comparison.py", "pc_reference")


def test_lecture_numbers(ref):
    assert ref.gap_vs_flatten_params(512, 7, 7, 1000) == (25_088_000, 512_000) == R.gap_vs_flatten_params(512, 7, 7, 1000)
    x = torch.arange(1, 17, dtype=torch.float32).reshape(1, 1, 4, 4)
    assert ref.make_downsample("max", 1)(x).flatten().tolist() == [6, 8, 14, 16]
    assert ref.make_downsample("avg", 1)(x).flatten().tolist() == [3.5, 5.5, 11.5, 13.5]
    assert torch.allclose(ref.make_downsample("lp", 1)(x)[0, 0, 0, 0], torch.tensor(66.0).sqrt())


@pytest.mark.parametrize("kind", R.KINDS)
def test_odd_sizes(ref, kind):
    expected = {"max": (3, 4), "avg": (3, 4), "lp": (3, 4), "stride_conv": (4, 5), "subsample": (4, 5)}[kind]
    assert tuple(ref.make_downsample(kind, 2)(torch.randn(1, 2, 7, 9)).shape[-2:]) == expected


def test_parameter_counts(ref):
    counts = {(k, h): sum(p.numel() for p in ref.PoolingNet(k, h).parameters()) for k in R.KINDS for h in R.HEADS}
    assert counts[("max", "flatten")] == 25_290 and counts[("max", "gap")] == 5_130
    assert counts[("stride_conv", "flatten")] == 25_290 + 2_320 + 9_248
    assert all(counts[(k, h)] == R.reference_params(k, h) for k, h in counts)


def test_graders_reference_matches_the_solution(ref):
    x = np.random.default_rng(0).standard_normal((2, 1, 32, 32)).astype(np.float32)
    for kind in R.KINDS:
        for head in R.HEADS:
            a = R.run_reference(P.net, kind, head, 10, x)
            b = to_plain(P.net(ref, kind, head, 10, x))
            assert a["shapes"] == b["shapes"] and np.allclose(a["out"], b["out"], atol=1e-5)
    digits = np.random.default_rng(1).random((3, 1, 8, 8)).astype(np.float32)
    for spec in ("identity", "subsample", "conv"):
        assert P.sensitivity(ref, spec, digits, 1)["value"] == pytest.approx(
            R.run_reference(P.sensitivity, spec, digits, 1)["value"], rel=1e-6)


def test_shift_sensitivity_of_known_cases(ref):
    stripes = torch.zeros(1, 1, 4, 8)
    stripes[..., ::2] = 1
    assert ref.shift_sensitivity(nn.MaxPool2d(2), stripes) == 0.0
    assert ref.shift_sensitivity(ref.make_downsample("subsample", 1), stripes) == pytest.approx(1.0)


def test_fashion_subset_is_small_balanced_and_documented():
    files = sorted(FASHION.glob("*.gz"))
    assert len(files) == 4 and sum(f.stat().st_size for f in files) < 1_000_000
    for split, per_class in (("train", 160), ("test", 50)):
        with gzip.open(FASHION / f"fashion-sample-{split}-labels-idx1-ubyte.gz") as f:
            labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
        assert np.bincount(labels, minlength=10).tolist() == [per_class] * 10
    readme = (FASHION / "README.md").read_text()
    assert "MIT" in readme and "Zalando" in readme and "make_fashion_sample.py" in readme


@pytest.mark.skipif(not (paths.KIT_ROOT / "tools").is_dir() or not __import__("os").path.isdir(FULL_FASHION),
                    reason="needs Debian's dataset-fashion-mnist")
def test_fashion_subset_is_reproducible(tmp_path):
    """The tool rebuilds the shipped files byte for byte (into a copy of the kit's layout)."""
    import shutil
    root = tmp_path / "kit"
    (root / "tools").mkdir(parents=True)
    (root / "source" / "lenet5").mkdir(parents=True)
    shutil.copy(paths.KIT_ROOT / "tools" / "make_fashion_sample.py", root / "tools")
    shutil.copy(paths.SOURCE / "lenet5" / "mnist_data.py", root / "source" / "lenet5")
    subprocess.run([sys.executable, str(root / "tools" / "make_fashion_sample.py")], check=True, capture_output=True)
    for f in FASHION.glob("*.gz"):
        assert (root / "source" / "pooling_comparison" / "fashion" / f.name).read_bytes() == f.read_bytes()
