"""Alternative: numpy's `sliding_window_view` instead of the `kh * kw` offset loop; the backward
takes `argmax` over each flattened window and scatters `dout` with `np.add.at`.

Targets graders that over-specify the *method* the notebook suggests. The text presents the offset
loop as "The trick" and "A vectorized plan", but what it requires is only "The graded function must
be **vectorized**" and, for numpy, "Use numpy only inside your functions (no `torch`, `scipy` or
other library pooling)". `numpy.lib.stride_tricks.sliding_window_view` is numpy; it makes a
read-only view, no pooling. So a grader that requires `_window` to be called, that counts Python
loops over offsets, or that expects `_window` to be used for the backward, over-specifies.
`_window` is still written (the helpers cell asks for it) but the graded functions do not call it.

How the backward meets the text's rules without the running-best loop:
- "the gradient goes to the **first** maximum in row-major order within the window": `argmax` over
  the window flattened in row-major order returns the first occurrence of the maximum.
- "a window whose real elements are all `-inf` sends its gradient to its first real element": for
  those windows (maximum -inf) the index is replaced by the window's first non-padding element.
- "a `NaN` counts as larger than everything": a window holding NaN sends its gradient to a NaN;
  with two NaNs this follows PyTorch (the last one), as does every alternative except
  `first_nan.py`.
- "Overlapping windows ... Its gradients **add up**": `np.add.at` is unbuffered, so repeated
  indices accumulate.

Other choices left open by the text: the windows are copied (a reshape of a strided view) for the
argmax; sizes accept lists and numpy integers; bools are rejected as non-integers.
"""
import operator

from numpy.lib.stride_tricks import sliding_window_view


def _pair(value, name):
    """Return an int-or-(h, w)-pair argument as a tuple of two Python ints.

    Raise ValueError (naming `name`) for a sequence that is not of length 2
    or for values that are not integers.
    """
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected an int or an (h, w) pair of ints, got the bool {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        pass
    else:
        return v, v
    try:
        items = tuple(value)
    except TypeError:
        raise ValueError(f"{name}: expected an int or an (h, w) pair of ints, got {value!r}") from None
    if len(items) != 2:
        raise ValueError(f"{name}: expected an (h, w) pair, got a sequence of length {len(items)}")
    out = []
    for item in items:
        if isinstance(item, (bool, np.bool_)):
            raise ValueError(f"{name}: expected ints, got the bool {item!r}")
        try:
            out.append(operator.index(item))
        except TypeError:
            raise ValueError(f"{name}: expected ints, got {item!r} ({type(item).__name__})") from None
    return out[0], out[1]


def _as_float_array(a, name):
    """Return `a` as a floating-point numpy array, never modifying `a`.

    Integer and bool arrays become float64 (max pooling pads with -inf, which
    no integer type can hold); other dtypes raise ValueError.
    """
    arr = np.asarray(a)
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "biu":
        return arr.astype(np.float64)
    raise ValueError(f"{name}: dtype {arr.dtype} is not a real number type")


def _pool_geometry(x_shape, kernel_size, stride, padding):
    """Validate the arguments and compute the output size.

    Returns (kh, kw), (sh, sw), (ph, pw), (Ho, Wo). Raises ValueError for a
    shape that is not 4-D and for every bad argument listed above.
    """
    if len(x_shape) != 4:
        raise ValueError(f"input must be 4-D (N, C, H, W); got {len(x_shape)}-D shape {tuple(x_shape)}")
    k = _pair(kernel_size, "kernel_size")
    s = k if stride is None else _pair(stride, "stride")
    p = _pair(padding, "padding")
    size = tuple(x_shape[2:])
    if min(k) < 1:
        raise ValueError(f"kernel_size must be positive; got {k}")
    if min(s) < 1:
        raise ValueError(f"stride must be positive; got {s}")
    if min(p) < 0:
        raise ValueError(f"padding must be non-negative; got {p}")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(f"padding {p} must be at most half the kernel {k}")
    if any(ki > n + 2 * pi for ki, n, pi in zip(k, size, p)):
        raise ValueError(f"kernel {k} larger than the padded input "
                         f"{tuple(n + 2 * pi for n, pi in zip(size, p))}")
    out = tuple((n + 2 * pi - ki) // si + 1 for n, pi, ki, si in zip(size, p, k, s))
    return k, s, p, out


def _check_dout(dout, x, out_hw):
    """Check that dout has the forward output's shape; return it in x's dtype."""
    d = _as_float_array(dout, "dout")
    want = (x.shape[0], x.shape[1], out_hw[0], out_hw[1])
    if d.shape != want:
        raise ValueError(f"dout must have the output's shape {want}; got {d.shape}")
    return d.astype(x.dtype)


def _pad(x, ph, pw, value):
    """Pad the two spatial dimensions of x with `value` (return x itself if no padding)."""
    if not ph and not pw:
        return x
    N, C, H, W = x.shape
    out = np.full((N, C, H + 2 * ph, W + 2 * pw), value, dtype=x.dtype)
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out


def _window(a, i, j, stride, out_hw):
    """Strided view of element (i, j) of every pooling window: shape (N, C, Ho, Wo).

    Window (oh, ow) covers padded rows oh*sh .. oh*sh + kh - 1, so its (i, j)
    element is a[:, :, oh*sh + i, ow*sw + j]: one slice with step sh (and sw)
    picks that element for all windows at once. No copy is made.
    """
    return a[:, :, i::stride[0], j::stride[1]][:, :, :out_hw[0], :out_hw[1]]


def _windows(x, fill, kernel_size, stride, padding):
    """(x as floats, geometry, read-only view (N, C, Ho, Wo, kh, kw) of every window)."""
    xf = _as_float_array(x, "x")
    k, s, p, out_hw = _pool_geometry(xf.shape, kernel_size, stride, padding)
    xp = _pad(xf, p[0], p[1], fill)
    view = sliding_window_view(xp, k, axis=(2, 3))[:, :, ::s[0], ::s[1]]
    return xf, (k, s, p, out_hw), view[:, :, :out_hw[0], :out_hw[1]]
def max_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D max pooling with the same values as torch.nn.functional.max_pool2d.

    x: array (N, C, H, W). kernel_size, stride, padding: int or (h, w) pair;
    stride=None means the kernel size; padding uses -inf.
    Returns an array (N, C, Ho, Wo) of x's (floating) dtype.
    """
    xf, _, view = _windows(x, -np.inf, kernel_size, stride, padding)
    return view.max(axis=(4, 5))          # .max propagates NaN, like PyTorch
def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """2-D average pooling with the same values as torch.nn.functional.avg_pool2d.

    Padding is zeros and counts in the mean (every window is divided by kh * kw).
    Returns an array (N, C, Ho, Wo) of x's (floating) dtype.
    """
    xf, ((kh, kw), _, _, _), view = _windows(x, 0.0, kernel_size, stride, padding)
    total = view.sum(axis=(4, 5), dtype=np.float64)
    return (total / (kh * kw)).astype(xf.dtype)
def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of max_pool2d(x, ...) with respect to x, given dout = dL/d(out).

    Each output's gradient goes to the first maximum (row-major) of its window;
    overlapping windows add up. Returns an array of x's shape and dtype.
    """
    xf, ((kh, kw), (sh, sw), (ph, pw), (Ho, Wo)), view = _windows(x, -np.inf, kernel_size, stride, padding)
    d = _check_dout(dout, xf, (Ho, Wo))
    N, C, H, W = xf.shape
    K = kh * kw

    flat = view.reshape(N, C, Ho, Wo, K)               # row-major inside each window (a copy)
    idx = flat.argmax(axis=-1)                          # first occurrence of the maximum
    isnan = np.isnan(flat)
    has_nan = isnan.any(axis=-1)
    if has_nan.any():                                   # NaN wins; PyTorch keeps the last NaN it meets
        last_nan = K - 1 - isnan[..., ::-1].argmax(axis=-1)
        idx = np.where(has_nan, last_nan, idx)
    all_minus_inf = np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0] == -np.inf
    if all_minus_inf.any():                             # first real element of the window instead
        i0 = np.maximum(ph - np.arange(Ho) * sh, 0)[:, None]
        j0 = np.maximum(pw - np.arange(Wo) * sw, 0)[None, :]
        idx = np.where(all_minus_inf, i0 * kw + j0, idx)

    # Padded coordinates of each chosen element, then one unbuffered scatter-add.
    rows = np.arange(Ho)[:, None] * sh + idx // kw
    cols = np.arange(Wo)[None, :] * sw + idx % kw
    Hp, Wp = H + 2 * ph, W + 2 * pw
    plane = (np.arange(N)[:, None] * C + np.arange(C)[None, :])[:, :, None, None]
    target = (plane * Hp + rows) * Wp + cols
    dxp = np.zeros(N * C * Hp * Wp, dtype=xf.dtype)
    np.add.at(dxp, target.ravel(), d.ravel())
    return dxp.reshape(N, C, Hp, Wp)[:, :, ph:ph + H, pw:pw + W].copy()
def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of avg_pool2d(x, ...) with respect to x, given dout = dL/d(out).

    Returns an array of x's shape and dtype.
    """
    xf = _as_float_array(x, "x")
    (kh, kw), (sh, sw), (ph, pw), (Ho, Wo) = _pool_geometry(xf.shape, kernel_size, stride, padding)
    d = _check_dout(dout, xf, (Ho, Wo))
    N, C, H, W = xf.shape
    Hp, Wp = H + 2 * ph, W + 2 * pw
    # Every element of window (oh, ow) gets dout / (kh * kw): one scatter-add of all (output, offset) pairs.
    share = np.broadcast_to((d / (kh * kw))[..., None, None], (N, C, Ho, Wo, kh, kw))
    rows = (np.arange(Ho) * sh)[:, None, None, None] + np.arange(kh)[None, None, :, None]
    cols = (np.arange(Wo) * sw)[None, :, None, None] + np.arange(kw)[None, None, None, :]
    plane = (np.arange(N)[:, None] * C + np.arange(C)[None, :])[:, :, None, None, None, None]
    target = (plane * Hp + rows) * Wp + cols
    dxp = np.zeros(N * C * Hp * Wp, dtype=xf.dtype)
    np.add.at(dxp, np.broadcast_to(target, share.shape).ravel(), share.ravel())
    return dxp.reshape(N, C, Hp, Wp)[:, :, ph:ph + H, pw:pw + W].copy()
