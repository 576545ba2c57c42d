"""Null: forward passes return ones; backward passes return the constant 1 / (kh * kw).

Forward outputs have the right (N, C, Ho, Wo) shape and x's floating dtype, filled with 1.
Backward outputs have x's shape and dtype, filled with 1 / (kh * kw) (the share of a unit
gradient, which matches the notebook's "each element of a 2x2 window gets a quarter" check
when dout is all ones), whatever dout and x hold. No argument validation.
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
    """2-D max pooling (null: ones of the output's shape and x's floating dtype)."""
    x = _as_float_array(x, "x")
    _, _, _, (Ho, Wo) = _pool_geometry(x.shape, kernel_size, stride, padding)
    return np.ones(tuple(x.shape[:-2]) + (Ho, Wo), dtype=x.dtype)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D average pooling (null: ones of the output's shape and x's floating dtype)."""
    x = _as_float_array(x, "x")
    _, _, _, (Ho, Wo) = _pool_geometry(x.shape, kernel_size, stride, padding)
    return np.ones(tuple(x.shape[:-2]) + (Ho, Wo), dtype=x.dtype)


def _unit_share(x, kernel_size, stride, padding):
    """Every element gets 1 / (kh * kw): a unit gradient's share, whatever dout and x hold."""
    x = _as_float_array(x, "x")
    (kh, kw), _, _, _ = _pool_geometry(x.shape, kernel_size, stride, padding)
    return np.full(x.shape, 1.0 / (kh * kw), dtype=x.dtype)


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of max_pool2d (null: the constant 1 / (kh * kw) everywhere)."""
    return _unit_share(x, kernel_size, stride, padding)


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of avg_pool2d (null: the constant 1 / (kh * kw) everywhere)."""
    return _unit_share(x, kernel_size, stride, padding)
