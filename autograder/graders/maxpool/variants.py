"""Buggy answers to the maxpool exercise that the graders must catch (`autograder check`).

Each is the reference solution (solutions/maxpool.py) with a few exact edits of
its code; `part` names the graded part that must lose points.
"""
from autograder.variants import Variant

# Pieces of the reference that several variants edit.
_MAX_FWD_PAD = "padding)\n    x_pad = _pad(x, ph, pw, -np.inf)\n"   # max_pool2d only (backward has dout in between)
_MAX_BWD_SCATTER = "grad_view += np.where(argmax == i * kw + j, dout, 0)"
_AVG_SHARE = "share = dout / (kh * kw)"


VARIANTS = (
    # ---------------------------------------------------------------- forward_max
    Variant(
        "ceil_output_size", "forward_max",
        "output size uses ceil instead of floor (crashes or wrong shape when (H + 2p - k) % s != 0)",
        (("Ho = (H + 2 * ph - kh) // sh + 1", "Ho = -(-(H + 2 * ph - kh) // sh) + 1"),
         ("Wo = (W + 2 * pw - kw) // sw + 1", "Wo = -(-(W + 2 * pw - kw) // sw) + 1")),
    ),
    Variant(
        "zero_padding_max", "forward_max",
        "max_pool2d pads with 0 instead of -inf (wrong where a padded window is all negative)",
        ((_MAX_FWD_PAD, "padding)\n    x_pad = _pad(x, ph, pw, 0)\n"),),
    ),
    Variant(
        "stride_ignored", "forward_max",
        "the stride argument is ignored: the stride is always the kernel size",
        (('sh, sw = (kh, kw) if stride is None else _pair(stride, "stride")',
          "sh, sw = (kh, kw)"),),
    ),
    Variant(
        "kernel_hw_swapped", "forward_max",
        "a (h, w) kernel_size pair is applied transposed, as (w, h)",
        (('kh, kw = _pair(kernel_size, "kernel_size")', 'kw, kh = _pair(kernel_size, "kernel_size")'),),
    ),
    Variant(
        "stride_hw_swapped", "forward_max",
        "a (h, w) stride pair is applied transposed, as (w, h)",
        (('else _pair(stride, "stride")', 'else _pair(stride, "stride")[::-1]'),),
    ),
    Variant(
        "padding_hw_swapped", "forward_max",
        "a (h, w) padding pair is applied transposed, as (w, h)",
        (('ph, pw = _pair(padding, "padding")', 'pw, ph = _pair(padding, "padding")'),),
    ),
    Variant(
        "inplace_input", "forward_max",
        "max_pool2d's running maximum is a view of x, so np.maximum(..., out=out) writes into x "
        "(values still right when windows do not overlap and there is no padding)",
        (("out = view.copy()", "out = view"),),
    ),
    Variant(
        "loop_over_outputs", "forward_max",
        "correct, but a Python loop over every output position: about 1.6 million iterations "
        "on the big case, where the whole-array version takes a fraction of a second",
        (("    # Running maximum over the kh*kw kernel offsets: the first view is copied,\n",
          "    (sh, sw), (Ho, Wo) = stride, out_hw\n"
          "    looped = np.empty(x.shape[:2] + (Ho, Wo), dtype=x_pad.dtype)\n"
          "    for n in range(x.shape[0]):\n"
          "        for c in range(x.shape[1]):\n"
          "            for r in range(Ho):\n"
          "                for q in range(Wo):\n"
          "                    looped[n, c, r, q] = x_pad[n, c, r * sh:r * sh + kh, q * sw:q * sw + kw].max()\n"
          "    return looped\n"
          "    # Running maximum over the kh*kw kernel offsets: the first view is copied,\n"),),
    ),
    # ---------------------------------------------------------------- forward_avg
    Variant(
        "avg_exclude_padding", "forward_avg",
        "average over the real elements only (count_include_pad=False behaviour)",
        (("return total / (kh * kw)",
          "ones = _pad(np.ones_like(x), ph, pw, 0)\n"
          "    count = sum(_window(ones, i, j, stride, out_hw) for i in range(kh) for j in range(kw))\n"
          "    return total / count"),),
    ),
    Variant(
        "avg_divide_by_kh_squared", "forward_avg",
        "average divided by kh * kh instead of kh * kw (wrong for non-square kernels)",
        (("return total / (kh * kw)", "return total / (kh * kh)"),),
    ),
    Variant(
        "avg_zero_sum_start", "forward_avg",
        "the window sum skips the first offset (starts from zeros, then adds all but (0, 0))",
        (("total = view.copy()", "total = np.zeros_like(view)"),),
    ),
    # ---------------------------------------------------------------- backward_max
    Variant(
        "grad_to_all_ties", "backward_max",
        "max backward sends the gradient to every element equal to the window maximum",
        ((_MAX_BWD_SCATTER,
          "grad_view += np.where(_window(x_pad, i, j, stride, out_hw) == best, dout, 0)"),),
    ),
    Variant(
        "grad_to_last_tie", "backward_max",
        "max backward breaks ties toward the LAST maximum (>= instead of >)",
        (("better = (view > best) | np.isnan(view)", "better = (view >= best) | np.isnan(view)"),),
    ),
    Variant(
        "overlap_overwrite", "backward_max",
        "max backward assigns instead of adding, so overlapping windows overwrite each other",
        ((_MAX_BWD_SCATTER, "grad_view[...] = np.where(argmax == i * kw + j, dout, 0)"),),
    ),
    Variant(
        "max_bwd_stride_ignored", "backward_max",
        "max backward scatters with stride = kernel size whatever the stride",
        (("grad_view = _window(dx_pad, i, j, stride, out_hw)\n"
          "            grad_view += np.where",
          "grad_view = _window(dx_pad, i, j, (kh, kw), out_hw)\n"
          "            grad_view += np.where"),),
    ),
    # ---------------------------------------------------------------- backward_avg
    Variant(
        "avg_bwd_not_divided", "backward_avg",
        "avg backward does not divide by the window area kh * kw",
        ((_AVG_SHARE, "share = dout"),),
    ),
    Variant(
        "avg_bwd_overwrite", "backward_avg",
        "avg backward assigns instead of adding, so overlapping windows overwrite each other",
        (("grad_view += share", "grad_view[...] = share"),),
    ),
    Variant(
        "avg_bwd_inplace_dout", "backward_avg",
        "avg backward divides dout in place (values right for float input, but the caller's dout changes)",
        ((_AVG_SHARE, "dout /= kh * kw\n    share = dout"),),
    ),
    # ---------------------------------------------------------------- arguments
    Variant(
        "padding_over_half_accepted", "arguments",
        "no check that padding <= kernel // 2 (torch raises; the variant returns -inf/0 windows)",
        (("if ph > kh // 2 or pw > kw // 2:", "if False:"),),
    ),
    Variant(
        "kernel_larger_than_input_accepted", "arguments",
        "no check that the kernel fits the padded input (returns an empty or garbage array)",
        (("if kh > H + 2 * ph or kw > W + 2 * pw:", "if False:"),),
    ),
    Variant(
        "nonpositive_kernel_accepted", "arguments",
        "no check that kernel_size > 0 (k=0 gives None, ZeroDivisionError or garbage)",
        (("if kh <= 0 or kw <= 0:", "if False:"),),
    ),
    Variant(
        "nonpositive_stride_accepted", "arguments",
        "no check that stride > 0 (stride 0 raises ZeroDivisionError, negative gives garbage)",
        (("if sh <= 0 or sw <= 0:", "if False:"),),
    ),
    Variant(
        "pair_length_unchecked", "arguments",
        "an int-or-pair argument of length 3 is silently cut to 2 (length 1 raises IndexError)",
        (("if len(value) != 2:", "if False:"),),
    ),
    Variant(
        "non_integer_accepted", "arguments",
        "float sizes are accepted and truncated (kernel_size=2.5 behaves as 2)",
        (("if isinstance(v, bool) or not isinstance(v, (int, np.integer)):",
          "if isinstance(v, bool):"),),
    ),
    Variant(
        "dout_shape_unchecked", "arguments",
        "backward does not check dout's shape: a broadcastable wrong-shape dout is accepted",
        (("if dout.shape != expected:", "if False:"),),
    ),
    # ---------------------------------------------------------------- numpy_only
    Variant(
        "torch_inside", "numpy_only",
        "max_pool2d returns torch.nn.functional.max_pool2d (import torch inside); values right, forbidden",
        ((_MAX_FWD_PAD,
          "padding)\n"
          "    import torch\n"
          "    return torch.nn.functional.max_pool2d(\n"
          "        torch.from_numpy(np.ascontiguousarray(x)), (kh, kw), stride, (ph, pw)).numpy()\n"
          "    x_pad = _pad(x, ph, pw, -np.inf)\n"),),
    ),
    Variant(
        "torch_autograd_inside", "numpy_only",
        "max_pool2d_backward uses torch autograd (import torch inside); values right, forbidden",
        (("dout = _check_dout(dout, x, out_hw)\n    N, C, H, W = x.shape\n    (sh, sw), (Ho, Wo)",
          "dout = _check_dout(dout, x, out_hw)\n"
          "    import torch\n"
          "    xt = torch.from_numpy(np.array(x)).requires_grad_()\n"
          "    torch.nn.functional.max_pool2d(xt, (kh, kw), stride, (ph, pw)).backward(\n"
          "        torch.from_numpy(np.array(dout)))\n"
          "    return xt.grad.numpy()\n"
          "    N, C, H, W = x.shape\n    (sh, sw), (Ho, Wo)"),),
    ),
)
