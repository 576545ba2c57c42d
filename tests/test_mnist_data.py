"""The MNIST data layer (source/lenet5/mnist_data.py): IDX files, the offline sample, tensors.

Never needs the network: the download path is tested with file:// URLs and a
fake opener on files written here.
"""
import gzip
import hashlib
import struct

import numpy as np
import pytest

from autograder import paths
from autograder.modules import data_layer

FASHION = data_layer("kit_mnist_data_paths").FASHION_MNIST_DIR     # Debian's dataset-fashion-mnist


@pytest.fixture(scope="module")
def md():
    return data_layer("kit_mnist_data_under_test")


@pytest.fixture(autouse=True)
def no_user_mnist(monkeypatch, tmp_path):
    """Tests see neither the user's MNIST_DIR nor their cache."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("MNIST_CACHE", str(tmp_path / "empty-cache"))


def fake_dataset(md, directory, n_train=30, n_test=12, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {"train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
              "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8)}
    for key, (stem, _) in md.FILES.items():
        md.write_idx(directory / (stem + (".gz" if gz else "")), arrays[key])
    return arrays


# -- IDX reading -------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "plain"])
def test_idx_round_trip(md, tmp_path, gz):
    arrays = fake_dataset(md, tmp_path / "d", gz=gz)
    data = md.read_idx_dir(tmp_path / "d")
    for key, want in arrays.items():
        np.testing.assert_array_equal(getattr(data, key), want)
    assert data.source == "full"
    assert "30 training + 12 test images, from" in data.description


def test_idx_header_layout_is_the_standard_one(md, tmp_path):
    labels = np.array([7, 2, 1], dtype=np.uint8)
    md.write_idx(tmp_path / "l", labels)
    raw = (tmp_path / "l").read_bytes()
    assert raw[:4] == bytes.fromhex("00000801") and struct.unpack(">I", raw[4:8]) == (3,)
    assert raw[8:] == bytes([7, 2, 1])


@pytest.mark.skipif(not (FASHION / "train-images-idx3-ubyte.gz").exists(),
                    reason="Debian's dataset-fashion-mnist is not installed (/usr/share/datasets/fashion-mnist)")
def test_full_size_fashion_mnist(md):
    data = md.read_idx_dir(FASHION, name="Fashion-MNIST")
    assert data.train_images.shape == (60000, 28, 28) and data.train_images.dtype == np.uint8
    assert data.test_images.shape == (10000, 28, 28)
    assert data.train_labels.shape == (60000,) and data.test_labels.shape == (10000,)
    assert np.bincount(data.train_labels).tolist() == [6000] * 10
    assert np.bincount(data.test_labels).tolist() == [1000] * 10
    assert data.description.startswith("Fashion-MNIST full: 60,000 training + 10,000 test images")
    assert md.load_mnist(FASHION, name="Fashion-MNIST").source == "full"


def write_raw(path, header, body=b"", gz=False):
    data = header + body
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzipped"])
def test_truncated_images(md, tmp_path, gz):
    path = write_raw(tmp_path / "x", bytes.fromhex("00000803") + struct.pack(">3I", 5, 28, 28), bytes(784 * 4), gz)
    with pytest.raises(md.IDXError, match="truncated"):
        md.read_images(path)


def test_cut_gzip_stream(md, tmp_path):
    full = gzip.compress(bytes.fromhex("00000803") + struct.pack(">3I", 50, 28, 28) + bytes(784 * 50))
    path = tmp_path / "cut.gz"
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(md.IDXError, match="cannot be read"):
        md.read_images(path)


def test_trailing_bytes(md, tmp_path):
    path = write_raw(tmp_path / "l", bytes.fromhex("00000801") + struct.pack(">I", 3), bytes(4))
    with pytest.raises(md.IDXError, match="trailing"):
        md.read_labels(path)


@pytest.mark.parametrize("magic", ["00000804", "01000803", "00000d03", "00000800", "504b0304"])
def test_wrong_magic(md, tmp_path, magic):
    path = write_raw(tmp_path / "x", bytes.fromhex(magic) + struct.pack(">3I", 1, 28, 28), bytes(784))
    with pytest.raises(md.IDXError, match="magic number"):
        md.read_idx(path)


def test_labels_file_given_as_images_and_vice_versa(md, tmp_path):
    arrays = fake_dataset(md, tmp_path / "d")
    d = tmp_path / "d"
    with pytest.raises(md.IDXError, match=r"expected images of shape \(N, 28, 28\)"):
        md.read_images(d / "train-labels-idx1-ubyte.gz")
    with pytest.raises(md.IDXError, match=r"expected labels of shape \(N,\)"):
        md.read_labels(d / "train-images-idx3-ubyte.gz")
    assert len(arrays["train_labels"]) == 30


def test_wrong_image_size(md, tmp_path):
    md.write_idx(tmp_path / "x", np.zeros((2, 32, 32), np.uint8))
    with pytest.raises(md.IDXError, match=r"\(2, 32, 32\)"):
        md.read_images(tmp_path / "x")


def test_label_out_of_range(md, tmp_path):
    md.write_idx(tmp_path / "l", np.array([1, 10, 3], np.uint8))
    with pytest.raises(md.IDXError, match="label 10 is out of range 0..9"):
        md.read_labels(tmp_path / "l")


def test_empty_and_tiny_files(md, tmp_path):
    (tmp_path / "e").write_bytes(b"")
    with pytest.raises(md.IDXError, match="too short"):
        md.read_idx(tmp_path / "e")
    (tmp_path / "h").write_bytes(bytes.fromhex("00000803") + b"\0\0\0\1")
    with pytest.raises(md.IDXError, match="truncated header"):
        md.read_idx(tmp_path / "h")


def test_image_and_label_counts_must_agree(md, tmp_path):
    fake_dataset(md, tmp_path / "d")
    md.write_idx(tmp_path / "d" / "t10k-labels-idx1-ubyte.gz", np.zeros(11, np.uint8))
    with pytest.raises(md.IDXError, match="12 test images but 11 test labels"):
        md.read_idx_dir(tmp_path / "d")


# -- where the data comes from -----------------------------------------------------------

def test_sample_fallback_when_nothing_else(md):
    data = md.load_mnist()
    assert data.source == "sample"
    assert data.description.startswith("MNIST sample (offline): 3,500 training + 500 test images")
    assert data.train_images.shape == (3500, 28, 28) and data.test_images.shape == (500, 28, 28)
    assert np.bincount(data.train_labels).tolist() == [350] * 10
    assert np.bincount(data.test_labels).tolist() == [50] * 10


def test_no_fallback_is_an_error(md):
    with pytest.raises(FileNotFoundError, match="MNIST_DIR"):
        md.load_mnist(fallback=False)


def test_named_directory_argument_and_env_var(md, tmp_path, monkeypatch):
    fake_dataset(md, tmp_path / "mine", n_train=20)
    assert len(md.load_mnist(tmp_path / "mine").train_labels) == 20
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "mine"))
    data = md.load_mnist()
    assert data.source == "full" and data.location == str(tmp_path / "mine")


def test_a_named_directory_without_files_is_an_error_not_the_sample(md, tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "nothing"))
    with pytest.raises(FileNotFoundError, match="no MNIST IDX files"):
        md.load_mnist()


def test_cache_directory(md, tmp_path, monkeypatch):
    fake_dataset(md, tmp_path / "cache", n_train=25, gz=False)
    monkeypatch.setenv("MNIST_CACHE", str(tmp_path / "cache"))
    data = md.load_mnist()
    assert data.source == "full" and len(data.train_labels) == 25


# -- download (no network: file:// URLs and a fake opener) ---------------------------------

def mirror_with_files(md, directory):
    """Gzipped fake files in `directory` and a FILES table with their MD5s."""
    fake_dataset(md, directory, gz=True)
    return {key: (stem, hashlib.md5((directory / f"{stem}.gz").read_bytes()).hexdigest())
            for key, (stem, _) in md.FILES.items()}


def test_download_from_a_file_url_mirror(md, tmp_path):
    files = mirror_with_files(md, tmp_path / "mirror")
    dest = md.download_mnist(tmp_path / "cache", mirrors=[(tmp_path / "mirror").as_uri() + "/"],
                             files=files, quiet=False)          # with the progress bar (on stderr)
    assert sorted(p.name for p in dest.iterdir()) == sorted(f"{stem}.gz" for stem, _ in files.values())
    assert md.read_idx_dir(dest).train_images.shape == (30, 28, 28)


def test_download_skips_a_bad_mirror_and_rejects_bad_checksums(md, tmp_path):
    files = mirror_with_files(md, tmp_path / "good")
    bad = tmp_path / "bad"
    bad.mkdir()
    for stem, _ in files.values():
        (bad / f"{stem}.gz").write_bytes(b"not the file")
    calls = []

    def opener(url, timeout):
        calls.append(url)
        if url.startswith("https://down.example/"):
            raise OSError("network is unreachable")
        return __import__("urllib.request").request.urlopen(url, timeout=timeout)

    mirrors = ["https://down.example/", bad.as_uri() + "/", (tmp_path / "good").as_uri() + "/"]
    dest = md.download_mnist(tmp_path / "cache", mirrors=mirrors, files=files, opener=opener, quiet=True)
    assert len(calls) == 12 and not list(dest.glob("*.part"))
    assert md.read_idx_dir(dest).source == "full"
    # a second call finds the files with the right checksums and fetches nothing
    calls.clear()
    md.download_mnist(tmp_path / "cache", mirrors=mirrors, files=files, opener=opener, quiet=True)
    assert calls == []


def test_download_failure_names_every_mirror(md, tmp_path):
    files = mirror_with_files(md, tmp_path / "m")
    files = {k: (stem, "0" * 32) for k, (stem, _) in files.items()}      # no mirror can match
    with pytest.raises(RuntimeError, match="checksum mismatch") as err:
        md.download_mnist(tmp_path / "cache", mirrors=[(tmp_path / "m").as_uri() + "/"], files=files,
                          quiet=True)
    assert "train-images-idx3-ubyte.gz" in str(err.value)
    assert not list((tmp_path / "cache").glob("*"))


def test_load_with_download_uses_the_cache(md, tmp_path, monkeypatch):
    files = mirror_with_files(md, tmp_path / "mirror")
    monkeypatch.setenv("MNIST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(md, "FILES", files)
    monkeypatch.setattr(md, "MIRRORS", ((tmp_path / "mirror").as_uri() + "/",))
    opened = []
    real_urlopen = md.urllib.request.urlopen
    monkeypatch.setattr(md.urllib.request, "urlopen",
                        lambda url, timeout: opened.append(url) or real_urlopen(url, timeout=timeout))
    data = md.load_mnist(download=True)
    assert data.source == "full" and data.location == str(tmp_path / "cache")
    assert len(opened) == 4 and all(url.startswith("file://") for url in opened)


def test_official_checksums_are_wellformed(md):
    assert [stem for stem, _ in md.FILES.values()] == [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
    assert all(len(h) == 32 and int(h, 16) >= 0 for _, h in md.FILES.values())


# -- the split ---------------------------------------------------------------------------

def test_released_sample_and_graders_heldout_are_the_documented_split(md):
    """4,000 released (first 400 per class), 1,000 held out (last 100 per class), no overlap."""
    images = md.read_images(md.SAMPLE_DIR / md.SAMPLE_FILES["images"])
    labels = md.read_labels(md.SAMPLE_DIR / md.SAMPLE_FILES["labels"])
    held_dir = paths.GRADERS / "lenet5" / "data"
    held_images = md.read_images(held_dir / "mnist-heldout-images-idx3-ubyte.gz")
    held_labels = md.read_labels(held_dir / "mnist-heldout-labels-idx1-ubyte.gz")
    assert np.bincount(labels).tolist() == [400] * 10
    assert np.bincount(held_labels).tolist() == [100] * 10
    released = {img.tobytes() for img in images}
    assert not any(img.tobytes() in released for img in held_images)
    assert not (paths.RELEASE / "lenet5" / "data" / "mnist-heldout-images-idx3-ubyte.gz").exists()


def test_split_sample_is_per_class_in_file_order(md):
    labels = np.array([0, 1, 0, 1, 0, 1, 0, 1] + list(range(2, 10)) * 2)
    first, last = md.split_sample(labels, 1)
    assert first.tolist()[:3] == [0, 1, 2] and 6 in last and 7 in last
    assert len(last) == 10 and len(first) == len(labels) - 10
    with pytest.raises(ValueError, match="fewer than"):
        md.split_sample(labels, 3)


def test_load_sample_split(md):
    data = md.load_sample()
    images = md.read_images(md.SAMPLE_DIR / md.SAMPLE_FILES["images"])
    labels = md.read_labels(md.SAMPLE_DIR / md.SAMPLE_FILES["labels"])
    for c in (0, 9):
        cls = images[labels == c]
        np.testing.assert_array_equal(data.train_images[data.train_labels == c], cls[:350])
        np.testing.assert_array_equal(data.test_images[data.test_labels == c], cls[350:])


# -- tensors -------------------------------------------------------------------------------

def test_pad_and_normalize(md):
    images = np.zeros((2, 28, 28), np.uint8)
    images[0, 0, 0] = 255
    images[1] = 128
    x = md.pad_and_normalize(images)
    assert x.shape == (2, 1, 32, 32) and x.dtype == np.float32
    background = (0 - md.MEAN) / md.STD
    np.testing.assert_allclose(x[:, :, :2, :], background, rtol=1e-6)       # the padding
    np.testing.assert_allclose(x[:, :, :, 30:], background, rtol=1e-6)
    np.testing.assert_allclose(x[0, 0, 2, 2], (1 - md.MEAN) / md.STD, rtol=1e-6)
    np.testing.assert_allclose(x[1, 0, 2:30, 2:30], (128 / 255 - md.MEAN) / md.STD, rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        md.pad_and_normalize(np.zeros((2, 32, 32), np.uint8))


def test_sample_statistics_after_normalization(md):
    x = md.pad_and_normalize(md.load_sample().train_images[:, ...])[:, :, 2:30, 2:30]
    assert abs(float(x.mean())) < 0.1 and abs(float(x.std()) - 1) < 0.1


def test_loaders(md):
    torch = pytest.importorskip("torch")
    data = md.load_sample()
    train, test = md.make_loaders(data, batch_size=64, seed=0)
    x, y = next(iter(train))
    assert x.shape == (64, 1, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    again, _ = md.make_loaders(data, batch_size=64, seed=0)
    assert torch.equal(next(iter(again))[1], y)          # the seed fixes the order
    assert len(test.dataset) == 500 and len(train.dataset) == 3500
