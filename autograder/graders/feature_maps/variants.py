"""Buggy answers to the feature_maps exercise that the graders must catch (`autograder check`).

Each is the reference solution (solutions/feature_maps.py) with a few exact
edits of its code; `part` names the graded part that must lose points.
"""
from autograder.variants import Variant

_KEEP = "outputs[name] = output.detach().cpu().clone()"
_NO_GRAD = "        with torch.no_grad():\n            model(x)\n"
_CHECK = ("    if unknown:\n"
          "        raise KeyError(f\"{type(model).__name__} has no submodule named {unknown[0]!r}\")\n")
_REGISTER = "            handles.append(modules[name].register_forward_hook(keep(name)))\n"
_REMOVE = "        for handle in handles:\n            handle.remove()\n"
_RESTORE = "        for module, training in modes:\n            module.training = training\n"
_RANGE = ("    low = maps.amin(dim=(-2, -1), keepdim=True)\n"
          "    span = maps.amax(dim=(-2, -1), keepdim=True) - low\n")
_SAFE = "    span = torch.where(span > 0, span, torch.ones_like(span))     # a constant channel: 0 / 1\n"
_IMSHOW = 'ax.imshow(image.numpy(), cmap="viridis", vmin=0.0, vmax=1.0)'

VARIANTS = (
    # ---------------------------------------------------------------- extract
    Variant(
        "outputs_attached", "extract",
        "no torch.no_grad() and no detach(): the maps stay attached to the autograd graph",
        ((_NO_GRAD, "        model(x)\n"), (_KEEP, "outputs[name] = output.cpu().clone()")),
    ),
    Variant(
        "graph_built", "extract",
        "the maps are detached, but the forward pass builds a graph (no torch.no_grad())",
        ((_NO_GRAD, "        model(x)\n"),),
    ),
    Variant(
        "views_not_copies", "extract",
        "the maps are detached views, not copies: a later in-place ReLU changes them",
        ((_KEEP, "outputs[name] = output.detach().cpu()"),),
    ),
    Variant(
        "model_order", "extract",
        "the dict is in the order the layers ran, not in the order of `layers`",
        (("    return {name: outputs[name] for name in layers}", "    return outputs"),),
    ),
    Variant(
        "no_eval", "extract",
        "the forward pass runs in whatever mode the model is in (no model.eval()): dropout and batch norm in training mode",
        (("        model.eval()\n", ""),),
    ),
    Variant(
        "children_only", "extract",
        "names are looked up among the model's direct children only: nested names such as \"block2.0\" fail",
        (("    modules = dict(model.named_modules())", "    modules = dict(model.named_children())"),),
    ),
    # ---------------------------------------------------------------- hooks
    Variant(
        "hooks_never_removed", "hooks",
        "the forward hooks are never removed",
        ((_REMOVE, ""),),
    ),
    Variant(
        "cleanup_not_in_finally", "hooks",
        "hooks and modes are restored after the forward pass, not in a finally: nothing is cleaned up when it raises",
        (("    finally:\n" + _REMOVE + _RESTORE,
          "    except Exception:\n        raise\n"
          "    for handle in handles:\n        handle.remove()\n"
          "    for module, training in modes:\n        module.training = training\n"),),
    ),
    Variant(
        "mode_left_eval", "hooks",
        "the model is left in evaluation mode",
        ((_RESTORE, ""),),
    ),
    Variant(
        "mode_restored_top_only", "hooks",
        "only the model's own mode is remembered and model.train(mode) restores it: layers frozen in eval mode are unfrozen",
        (("    modes = [(module, module.training) for module in model.modules()]", "    modes = [(model, model.training)]"),
         ("            module.training = training\n", "            module.train(training)\n")),
    ),
    Variant(
        "all_hooks_cleared", "hooks",
        "every forward hook of every layer is cleared afterwards, the model's own hooks too",
        ((_REMOVE, "        for module in model.modules():\n            module._forward_hooks.clear()\n"),),
    ),
    Variant(
        "unknown_name_after_forward", "hooks",
        "an unknown name is skipped while adding hooks and only fails (KeyError) after the forward pass ran",
        ((_CHECK, ""), (_REGISTER, "            if name in modules:\n    " + _REGISTER)),
    ),
    Variant(
        "unknown_names_skipped", "hooks",
        "unknown names are silently left out of the result",
        ((_CHECK, ""), (_REGISTER, "            if name in modules:\n    " + _REGISTER),
         ("    return {name: outputs[name] for name in layers}",
          "    return {name: outputs[name] for name in layers if name in outputs}")),
    ),
    # ---------------------------------------------------------------- normalize
    Variant(
        "global_normalization", "normalize",
        "one minimum and maximum for the whole tensor instead of one per channel",
        ((_RANGE, "    low = maps.min()\n    span = maps.max() - low\n"),),
    ),
    Variant(
        "nan_constant_channel", "normalize",
        "a constant channel is divided by its zero range: NaN",
        ((_SAFE, ""),),
    ),
    Variant(
        "per_sample", "normalize",
        "each sample is normalized over all its channels together, not channel by channel",
        ((_RANGE, _RANGE.replace("dim=(-2, -1)", "dim=(-3, -2, -1)")),),
    ),
    Variant(
        "over_batch", "normalize",
        "in a batch, each channel is normalized over all samples together (min and max over N, H, W)",
        ((_RANGE, "    dims = (0, 2, 3) if maps.dim() == 4 else (1, 2)\n"
                  "    low = maps.amin(dim=dims, keepdim=True)\n"
                  "    span = maps.amax(dim=dims, keepdim=True) - low\n"),),
    ),
    Variant(
        "eps_in_denominator", "normalize",
        "an epsilon in the division: the maximum stays just below 1 and tiny ranges are squashed",
        (("    return (maps - low) / span", "    return (maps - low) / (span + 1e-5)"),),
    ),
    Variant(
        "in_place", "normalize",
        "the input tensor is normalized in place (the caller's maps change)",
        (("    return (maps - low) / span", "    maps -= low\n    maps /= span\n    return maps"),),
    ),
    # ---------------------------------------------------------------- plot_maps
    Variant(
        "all_channels_shown", "plot_maps",
        "max_channels is ignored: one panel for every channel",
        (("    shown = normalize_maps(maps[:max_channels])", "    shown = normalize_maps(maps)"),),
    ),
    Variant(
        "axes_visible", "plot_maps",
        "the panels keep their axes (ticks and frames)",
        (('        ax.axis("off")\n', ""),),
    ),
    Variant(
        "shared_colour_scale", "plot_maps",
        "all panels share one colour scale (the raw maps' overall minimum and maximum), not one per channel",
        (("    shown = normalize_maps(maps[:max_channels])", "    shown = maps[:max_channels].float()"),
         (_IMSHOW, 'ax.imshow(image.numpy(), cmap="viridis", vmin=float(shown.min()), vmax=float(shown.max()))')),
    ),
    Variant(
        "ncols_ignored", "plot_maps",
        "always 8 columns, whatever ncols is",
        (("    cols = max(1, min(ncols, n))", "    cols = max(1, min(8, n))"),),
    ),
    Variant(
        "column_major", "plot_maps",
        "channels fill the grid column by column instead of row by row",
        (("        ax = fig.add_subplot(rows, cols, i + 1)",
          "        ax = fig.add_subplot(rows, cols, (i % rows) * cols + i // rows + 1)"),),
    ),
    Variant(
        "empty_cells_left", "plot_maps",
        "the unused cells of the last row are left as empty panels with axes",
        (("    if title:\n        fig.suptitle(title)\n",
          "    for j in range(n, rows * cols):\n        fig.add_subplot(rows, cols, j + 1)\n"
          "    if title:\n        fig.suptitle(title)\n"),),
    ),
    # ---------------------------------------------------------------- plot_filters
    Variant(
        "filters_capped_at_16", "plot_filters",
        "plot_feature_maps' default max_channels=16 is kept: a layer with more filters loses some",
        (("kernels, max_channels=len(kernels), ncols=ncols,", "kernels, ncols=ncols,"),),
    ),
    Variant(
        "first_input_channel_only", "plot_filters",
        "each panel shows the kernel of the first input channel only, not the average over the input channels",
        (("conv.weight.detach().cpu().mean(dim=1)", "conv.weight.detach().cpu()[:, 0]"),),
    ),
)
