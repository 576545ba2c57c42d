"""Null: every graded function returns zeros of the right shape and dtype.

Forward passes return np.zeros((N, C, Ho, Wo)) in x's floating dtype (int/bool -> float64), with
Ho, Wo from the notebook's output-size formula; backward passes return zeros of x's shape and
dtype. The helpers only convert sizes to pairs and never validate (no ValueError for bad
arguments). Nothing is pooled, x and dout are never read beyond their shapes.
"""


def _pair(value, name):
    """Return an int-or-(h, w)-pair argument as a tuple of two Python ints (no checks)."""
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def _as_float_array(a, name):
    """Return `a` as a floating-point numpy array: floats kept, everything else float64."""
    arr = np.asarray(a)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _pool_geometry(x_shape, kernel_size, stride, padding):
    """Compute the output size (the formula only, no validation)."""
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    H, W = x_shape[-2], x_shape[-1]
    Ho = max((H + 2 * ph - kh) // sh + 1, 0)
    Wo = max((W + 2 * pw - kw) // sw + 1, 0)
    return (kh, kw), (sh, sw), (ph, pw), (Ho, Wo)


def _check_dout(dout, x, out_hw):
    """Return dout in x's dtype (no shape check)."""
    return np.asarray(dout).astype(x.dtype, copy=False)


def _pad(x, ph, pw, value):
    """Pad the two spatial dimensions of x with `value` (return x itself if no padding)."""
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), mode="constant", constant_values=value)


def _window(a, i, j, stride, out_hw):
    """Strided view of element (i, j) of every pooling window: shape (N, C, Ho, Wo)."""
    sh, sw = stride
    Ho, Wo = out_hw
    return a[:, :, i:i + sh * (Ho - 1) + 1:sh, j:j + sw * (Wo - 1) + 1:sw]


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D max pooling (null: zeros of the output's shape and x's floating dtype)."""
    x = _as_float_array(x, "x")
    _, _, _, (Ho, Wo) = _pool_geometry(x.shape, kernel_size, stride, padding)
    return np.zeros(tuple(x.shape[:-2]) + (Ho, Wo), dtype=x.dtype)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D average pooling (null: zeros of the output's shape and x's floating dtype)."""
    x = _as_float_array(x, "x")
    _, _, _, (Ho, Wo) = _pool_geometry(x.shape, kernel_size, stride, padding)
    return np.zeros(tuple(x.shape[:-2]) + (Ho, Wo), dtype=x.dtype)


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of max_pool2d (null: zeros of x's shape and dtype)."""
    x = _as_float_array(x, "x")
    return np.zeros(x.shape, dtype=x.dtype)


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of avg_pool2d (null: zeros of x's shape and dtype)."""
    x = _as_float_array(x, "x")
    return np.zeros(x.shape, dtype=x.dtype)
