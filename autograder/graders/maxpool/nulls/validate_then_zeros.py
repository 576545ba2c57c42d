"""Null: validate every argument as the notebook asks, then return zeros.

The helpers raise ValueError for everything the text lists (not 4-D, non-int or non-pair sizes,
bools, kernel/stride not positive, negative padding, padding over half the kernel, kernel larger
than the padded input, non-numeric dtypes, dout of the wrong shape); the graded functions then
return zeros of the right shape in x's floating dtype. Never modifies its inputs.
"""


def _pair(value, name):
    """Return an int-or-(h, w)-pair argument as a tuple of two Python ints."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or an (h, w) pair, got a sequence of length {len(value)}")
        h, w = value
    else:
        h = w = value
    for v in (h, w):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name} must be an int or an (h, w) pair of ints, got {value!r}")
    return int(h), int(w)


def _as_float_array(a, name):
    """Return `a` as a floating-point numpy array, never modifying `a`."""
    arr = np.asarray(a)
    if arr.dtype.kind == "f":
        return arr
    if arr.dtype.kind in "iub":
        return arr.astype(np.float64)
    raise ValueError(f"{name} must be a real numeric array, got dtype {arr.dtype}")


def _pool_geometry(x_shape, kernel_size, stride, padding):
    """Validate the arguments and compute the output size."""
    if len(x_shape) != 4:
        raise ValueError(f"x must be 4-D (N, C, H, W), got shape {tuple(x_shape)}")
    kh, kw = _pair(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else _pair(stride, "stride")
    ph, pw = _pair(padding, "padding")
    if kh <= 0 or kw <= 0:
        raise ValueError(f"kernel_size must be positive, got {(kh, kw)}")
    if sh <= 0 or sw <= 0:
        raise ValueError(f"stride must be positive, got {(sh, sw)}")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be non-negative, got {(ph, pw)}")
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"padding {(ph, pw)} is over half the kernel {(kh, kw)}")
    H, W = int(x_shape[2]), int(x_shape[3])
    if kh > H + 2 * ph or kw > W + 2 * pw:
        raise ValueError(f"kernel {(kh, kw)} is larger than the padded input {(H + 2 * ph, W + 2 * pw)}")
    Ho = (H + 2 * ph - kh) // sh + 1
    Wo = (W + 2 * pw - kw) // sw + 1
    return (kh, kw), (sh, sw), (ph, pw), (Ho, Wo)


def _check_dout(dout, x, out_hw):
    """Check that dout has the forward output's shape; return it in x's dtype."""
    d = np.asarray(dout)
    expected = tuple(x.shape[:2]) + tuple(out_hw)
    if d.shape != expected:
        raise ValueError(f"dout must have the forward output's shape {expected}, got {d.shape}")
    if d.dtype.kind not in "fiub":
        raise ValueError(f"dout must be a real numeric array, got dtype {d.dtype}")
    return d.astype(x.dtype, copy=False)


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
    """2-D max pooling (null: validate every argument, then zeros of the output's shape)."""
    x = _as_float_array(x, "x")
    _, _, _, (Ho, Wo) = _pool_geometry(x.shape, kernel_size, stride, padding)
    return np.zeros(x.shape[:2] + (Ho, Wo), dtype=x.dtype)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D average pooling (null: validate every argument, then zeros of the output's shape)."""
    x = _as_float_array(x, "x")
    _, _, _, (Ho, Wo) = _pool_geometry(x.shape, kernel_size, stride, padding)
    return np.zeros(x.shape[:2] + (Ho, Wo), dtype=x.dtype)


def _validated_zeros(dout, x, kernel_size, stride, padding):
    x = _as_float_array(x, "x")
    _, _, _, out_hw = _pool_geometry(x.shape, kernel_size, stride, padding)
    _check_dout(dout, x, out_hw)
    return np.zeros(x.shape, dtype=x.dtype)


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of max_pool2d (null: validate x, the sizes and dout's shape, then zeros)."""
    return _validated_zeros(dout, x, kernel_size, stride, padding)


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of avg_pool2d (null: validate x, the sizes and dout's shape, then zeros)."""
    return _validated_zeros(dout, x, kernel_size, stride, padding)
