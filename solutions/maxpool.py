"""Reference solution of the `maxpool` exercise (from source/maxpool/maxpool.ipynb).

Generated from the notebook by `autograder build`; do not edit."""


# --- cell setup ---
import numpy as np


# --- cell helpers ---
def _pair(value, name):
    """Return an int-or-(h, w)-pair argument as a tuple of two Python ints.

    Raise ValueError (naming `name`) for a sequence that is not of length 2
    or for values that are not integers.
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (h, w), "
                             f"got a sequence of length {len(value)}: {value!r}")
        pair = tuple(value)
    else:
        pair = (value, value)
    for v in pair:
        # bool is a subclass of int in Python, but True is not a sensible size.
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name} must contain integers, got {value!r}")
    return int(pair[0]), int(pair[1])


def _as_float_array(a, name):
    """Return `a` as a floating-point numpy array, never modifying `a`.

    Integer and bool arrays become float64 (max pooling pads with -inf, which
    no integer type can hold); other dtypes raise ValueError.
    """
    a = np.asarray(a)
    if np.issubdtype(a.dtype, np.floating):
        return a
    if np.issubdtype(a.dtype, np.integer) or a.dtype == np.bool_:
        return a.astype(np.float64)
    raise ValueError(f"{name} must be a real (float or integer) array, got dtype {a.dtype}")


def _pool_geometry(x_shape, kernel_size, stride, padding):
    """Validate the arguments and compute the output size.

    Returns (kh, kw), (sh, sw), (ph, pw), (Ho, Wo). Raises ValueError for a
    shape that is not 4-D and for every bad argument listed above.
    """
    if len(x_shape) != 4:
        raise ValueError(f"x must be 4-D (N, C, H, W), got shape {tuple(x_shape)}")
    _, _, H, W = x_shape

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
        raise ValueError(f"padding must be at most half the kernel size, "
                         f"got padding {(ph, pw)} for kernel_size {(kh, kw)}")
    if kh > H + 2 * ph or kw > W + 2 * pw:
        raise ValueError(f"kernel_size {(kh, kw)} is larger than the padded "
                         f"input ({H + 2 * ph}, {W + 2 * pw})")

    Ho = (H + 2 * ph - kh) // sh + 1     # floor division: partial windows dropped
    Wo = (W + 2 * pw - kw) // sw + 1
    return (kh, kw), (sh, sw), (ph, pw), (Ho, Wo)


def _check_dout(dout, x, out_hw):
    """Check that dout has the forward output's shape; return it in x's dtype."""
    dout = np.asarray(dout)
    expected = x.shape[:2] + tuple(out_hw)
    if dout.shape != expected:
        raise ValueError(f"dout must have the forward output shape {expected}, got {dout.shape}")
    return dout.astype(x.dtype, copy=False)


def _pad(x, ph, pw, value):
    """Pad the two spatial dimensions of x with `value` (return x itself if no padding)."""
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)),
                  mode="constant", constant_values=value)


def _window(a, i, j, stride, out_hw):
    """Strided view of element (i, j) of every pooling window: shape (N, C, Ho, Wo).

    Window (oh, ow) covers padded rows oh*sh .. oh*sh + kh - 1, so its (i, j)
    element is a[:, :, oh*sh + i, ow*sw + j]: one slice with step sh (and sw)
    picks that element for all windows at once. No copy is made.
    """
    (sh, sw), (Ho, Wo) = stride, out_hw
    return a[:, :, i:i + sh * (Ho - 1) + 1:sh, j:j + sw * (Wo - 1) + 1:sw]


# --- cell max_pool2d ---
def max_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D max pooling with the same values as torch.nn.functional.max_pool2d.

    x: array (N, C, H, W). kernel_size, stride, padding: int or (h, w) pair;
    stride=None means the kernel size; padding uses -inf.
    Returns an array (N, C, Ho, Wo) of x's (floating) dtype.
    """
    x = _as_float_array(x, "x")
    (kh, kw), stride, (ph, pw), out_hw = _pool_geometry(x.shape, kernel_size, stride, padding)
    x_pad = _pad(x, ph, pw, -np.inf)

    # Running maximum over the kh*kw kernel offsets: the first view is copied,
    # later ones update it in place.
    out = None
    for i in range(kh):
        for j in range(kw):
            view = _window(x_pad, i, j, stride, out_hw)
            if out is None:
                out = view.copy()
            else:
                np.maximum(out, view, out=out)    # np.maximum propagates NaN, as torch does
    return out


# --- cell avg_pool2d ---
def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D average pooling with the same values as torch.nn.functional.avg_pool2d.

    Padding is zeros and counts in the mean (every window is divided by kh * kw).
    Returns an array (N, C, Ho, Wo) of x's (floating) dtype.
    """
    x = _as_float_array(x, "x")
    (kh, kw), stride, (ph, pw), out_hw = _pool_geometry(x.shape, kernel_size, stride, padding)
    x_pad = _pad(x, ph, pw, 0)

    # Sum the window elements in row-major order, then divide.
    total = None
    for i in range(kh):
        for j in range(kw):
            view = _window(x_pad, i, j, stride, out_hw)
            if total is None:
                total = view.copy()
            else:
                total += view
    return total / (kh * kw)


# --- cell max_pool2d_backward ---
def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of max_pool2d(x, ...) with respect to x, given dout = dL/d(out).

    Each output's gradient goes to the first maximum (row-major) of its window;
    overlapping windows add up. Returns an array of x's shape and dtype.
    """
    x = _as_float_array(x, "x")
    (kh, kw), stride, (ph, pw), out_hw = _pool_geometry(x.shape, kernel_size, stride, padding)
    dout = _check_dout(dout, x, out_hw)
    N, C, H, W = x.shape
    (sh, sw), (Ho, Wo) = stride, out_hw
    x_pad = _pad(x, ph, pw, -np.inf)

    # 1) For every output, the kernel offset i * kw + j of its window's maximum.
    #    Start, like torch, from the window's first real (non-padding) element and
    #    move only where a value is STRICTLY greater (first of tied maxima wins)
    #    or is NaN. Padding holds -inf, which is never strictly greater.
    first_i = np.maximum(ph - sh * np.arange(Ho), 0)    # (Ho,) first real row offset
    first_j = np.maximum(pw - sw * np.arange(Wo), 0)    # (Wo,) first real column offset
    argmax = np.empty((N, C, Ho, Wo), dtype=np.int32)
    argmax[...] = first_i[:, None] * kw + first_j[None, :]
    best = np.full((N, C, Ho, Wo), -np.inf, dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            view = _window(x_pad, i, j, stride, out_hw)
            better = (view > best) | np.isnan(view)
            np.copyto(best, view, where=better)
            np.copyto(argmax, i * kw + j, where=better)

    # 2) Scatter: offset (i, j) of all windows is one strided view of the padded
    #    gradient; across offsets (overlapping windows) contributions add up.
    dx_pad = np.zeros(x_pad.shape, dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            grad_view = _window(dx_pad, i, j, stride, out_hw)
            grad_view += np.where(argmax == i * kw + j, dout, 0)
    return np.ascontiguousarray(dx_pad[:, :, ph:ph + H, pw:pw + W])


# --- cell avg_pool2d_backward ---
def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of avg_pool2d(x, ...) with respect to x, given dout = dL/d(out).

    Returns an array of x's shape and dtype.
    """
    x = _as_float_array(x, "x")
    (kh, kw), stride, (ph, pw), out_hw = _pool_geometry(x.shape, kernel_size, stride, padding)
    dout = _check_dout(dout, x, out_hw)
    N, C, H, W = x.shape

    share = dout / (kh * kw)
    dx_pad = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            grad_view = _window(dx_pad, i, j, stride, out_hw)
            grad_view += share
    # The gradient that landed on the zero padding is dropped.
    return np.ascontiguousarray(dx_pad[:, :, ph:ph + H, pw:pw + W])
