"""Make exercise 5's offline Fashion-MNIST subset from Debian's dataset-fashion-mnist.

    python tools/make_fashion_sample.py [path/to/fashion-mnist]

Reads the four standard IDX files (default /usr/share/datasets/fashion-mnist, where
Debian's `dataset-fashion-mnist` installs them) and writes gzipped IDX files,
reproducibly (gzip mtime 0), balanced and in file order:

  source/pooling_comparison/fashion/fashion-sample-train-{images-idx3,labels-idx1}-ubyte.gz
      the first TRAIN_PER_CLASS images of each class of the training set
  source/pooling_comparison/fashion/fashion-sample-test-{images-idx3,labels-idx1}-ubyte.gz
      the first TEST_PER_CLASS images of each class of the test set (t10k)

Each part keeps the files' order (indices sorted), so the same input always gives
the same bytes. Uses exercise 2's data layer (source/lenet5/mnist_data.py) to read
and write IDX files.
"""
import sys
from pathlib import Path

import numpy as np

from autograder.modules import load_module

ROOT = Path(__file__).resolve().parent.parent
DATA_LAYER = ROOT / "source" / "lenet5" / "mnist_data.py"
DEST = ROOT / "source" / "pooling_comparison" / "fashion"
TRAIN_PER_CLASS = 160
TEST_PER_CLASS = 50
FILES = {"train_images": "fashion-sample-train-images-idx3-ubyte.gz",
         "train_labels": "fashion-sample-train-labels-idx1-ubyte.gz",
         "test_images": "fashion-sample-test-images-idx3-ubyte.gz",
         "test_labels": "fashion-sample-test-labels-idx1-ubyte.gz"}


def mnist_data_module():
    return load_module(DATA_LAYER, "mnist_data")


def first_per_class(labels, per_class):
    """Sorted indices of the first `per_class` items of each class, in file order."""
    chosen = []
    for c in range(10):
        idx = np.flatnonzero(labels == c)[:per_class]
        if len(idx) < per_class:
            raise SystemExit(f"class {c} has only {len(idx)} items, fewer than {per_class}")
        chosen.append(idx)
    return np.sort(np.concatenate(chosen))


def main(argv):
    md = mnist_data_module()
    source = Path(argv[0]) if argv else md.FASHION_MNIST_DIR     # where Debian's dataset-fashion-mnist installs it
    full = md.read_idx_dir(source, name="Fashion-MNIST")
    if (len(full.train_labels), len(full.test_labels)) != (60000, 10000):
        raise SystemExit(f"{source}: expected 60,000 training and 10,000 test images")
    train = first_per_class(full.train_labels, TRAIN_PER_CLASS)
    test = first_per_class(full.test_labels, TEST_PER_CLASS)
    DEST.mkdir(parents=True, exist_ok=True)
    md.write_idx(DEST / FILES["train_images"], full.train_images[train])
    md.write_idx(DEST / FILES["train_labels"], full.train_labels[train])
    md.write_idx(DEST / FILES["test_images"], full.test_images[test])
    md.write_idx(DEST / FILES["test_labels"], full.test_labels[test])
    size = sum((DEST / name).stat().st_size for name in FILES.values())
    print(f"{len(train)} training + {len(test)} test images from {source} -> {DEST} ({size:,} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])
