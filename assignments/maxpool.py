"""Student stub of the `maxpool` exercise (from release/maxpool/maxpool.ipynb).

Generated from the notebook by `autograder build`; do not edit."""


# --- cell setup ---
import numpy as np


# --- cell helpers ---
def _pair(value, name):
    """Return an int-or-(h, w)-pair argument as a tuple of two Python ints.

    Raise ValueError (naming `name`) for a sequence that is not of length 2
    or for values that are not integers.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def _as_float_array(a, name):
    """Return `a` as a floating-point numpy array, never modifying `a`.

    Integer and bool arrays become float64 (max pooling pads with -inf, which
    no integer type can hold); other dtypes raise ValueError.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def _pool_geometry(x_shape, kernel_size, stride, padding):
    """Validate the arguments and compute the output size.

    Returns (kh, kw), (sh, sw), (ph, pw), (Ho, Wo). Raises ValueError for a
    shape that is not 4-D and for every bad argument listed above.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


def _check_dout(dout, x, out_hw):
    """Check that dout has the forward output's shape; return it in x's dtype."""
    # YOUR CODE HERE
    raise NotImplementedError()


def _pad(x, ph, pw, value):
    """Pad the two spatial dimensions of x with `value` (return x itself if no padding)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def _window(a, i, j, stride, out_hw):
    """Strided view of element (i, j) of every pooling window: shape (N, C, Ho, Wo).

    Window (oh, ow) covers padded rows oh*sh .. oh*sh + kh - 1, so its (i, j)
    element is a[:, :, oh*sh + i, ow*sw + j]: one slice with step sh (and sw)
    picks that element for all windows at once. No copy is made.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell max_pool2d ---
def max_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D max pooling with the same values as torch.nn.functional.max_pool2d.

    x: array (N, C, H, W). kernel_size, stride, padding: int or (h, w) pair;
    stride=None means the kernel size; padding uses -inf.
    Returns an array (N, C, Ho, Wo) of x's (floating) dtype.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell avg_pool2d ---
def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D average pooling with the same values as torch.nn.functional.avg_pool2d.

    Padding is zeros and counts in the mean (every window is divided by kh * kw).
    Returns an array (N, C, Ho, Wo) of x's (floating) dtype.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell max_pool2d_backward ---
def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of max_pool2d(x, ...) with respect to x, given dout = dL/d(out).

    Each output's gradient goes to the first maximum (row-major) of its window;
    overlapping windows add up. Returns an array of x's shape and dtype.
    """
    # YOUR CODE HERE
    raise NotImplementedError()


# --- cell avg_pool2d_backward ---
def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of avg_pool2d(x, ...) with respect to x, given dout = dL/d(out).

    Returns an array of x's shape and dtype.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
