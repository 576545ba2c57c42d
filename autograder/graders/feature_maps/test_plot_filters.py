"""Hidden checks for `plot_filters` (part: plot_filters).

The probe builds a Conv2d with the grader's weights in the student's process
and takes the figure apart; each panel must show one filter's kernel averaged
over the input channels, scaled to [0, 1] on its own.
"""
import numpy as np
import pytest

from autograder.harness.checks import expect

from . import _probes
from ._cases import TIMEOUT, expect_contents, expect_figure, expect_grid, expect_hidden_axes, expect_panel_count, normalized


def plot(student, out_channels, in_channels, kernel, seed, **kwargs):
    weight = np.random.default_rng(seed).standard_normal((out_channels, in_channels, *kernel)).astype(np.float32)
    what = f"plot_filters(Conv2d({in_channels}, {out_channels}, kernel_size={kernel})" + "".join(
        f", {k}={v!r}" for k, v in kwargs.items()) + ")"
    info = student.probe(_probes.plot_filters, weight, kwargs, timeout=TIMEOUT)
    expect_figure(info, what)
    return info, what, normalized(weight.mean(axis=1))


@pytest.mark.needs("test_each_panel_is_a_kernel")
def test_one_panel_per_filter(student):
    """one image panel per output filter: 6, 16, 20 and 64 filters (not capped at 16)"""
    for out_channels, in_channels, seed in ((6, 1, 60), (16, 6, 61), (20, 3, 62), (64, 3, 63)):
        info, what, _ = plot(student, out_channels, in_channels, (3, 3), seed)
        expect_panel_count(info, out_channels, what, per="filter")


def test_each_panel_is_a_kernel(student):
    """each panel shows one filter's kernel averaged over the input channels, scaled on its own, in order"""
    for out_channels, in_channels, kernel, seed in ((6, 1, (5, 5), 64), (8, 3, (3, 5), 65), (4, 2, (7, 3), 66)):
        info, what, expected = plot(student, out_channels, in_channels, kernel, seed)
        expect_panel_count(info, out_channels, what, per="filter")
        expect_contents(info, expected, what)


@pytest.mark.needs("test_each_panel_is_a_kernel")
def test_grid_and_hidden_axes(student):
    """the filters fill a grid of ncols columns with their axes hidden, and the weights are left unchanged"""
    for out_channels, kwargs, seed in ((12, {}, 67), (10, {"ncols": 4}, 68)):
        info, what, expected = plot(student, out_channels, 2, (3, 3), seed, **kwargs)
        expect_grid(info, out_channels, kwargs.get("ncols", 8), what, expected=expected)
        expect_hidden_axes(info, what)
        expect(info["weights_same"], f"{what} changed the convolution's weights")
