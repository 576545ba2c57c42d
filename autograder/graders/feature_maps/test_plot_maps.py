"""Hidden checks for `plot_feature_maps` (part: plot_maps).

The figure is made and taken apart in the student's process (`_probes.py`
returns each image panel's array, colour limits, axes visibility and place);
the panel count, grid, contents and visibility are judged here.
"""
import numpy as np
import pytest

from autograder.harness.checks import expect

from . import _probes
from ._cases import (TIMEOUT, channel_stack, expect_contents, expect_figure, expect_grid, expect_hidden_axes,
                     expect_panel_count, normalized)


def plot(student, maps, **kwargs):
    shown = ", ".join([f"a {maps.shape} tensor"] + [f"{k}={v!r}" for k, v in kwargs.items()])
    what = f"plot_feature_maps({shown})"
    info = student.probe(_probes.plot_maps, maps, kwargs, timeout=TIMEOUT)
    expect_figure(info, what)
    return info, what


@pytest.mark.needs("test_each_panel_normalized_on_its_own")
def test_one_panel_per_shown_channel(student):
    """one image panel per channel, at most max_channels (16 by default): 1, 3, 6, 16, 20 and 64 channels"""
    rng = np.random.default_rng(50)
    for c, kwargs in ((1, {}), (3, {}), (6, {}), (16, {}), (20, {}), (64, {}), (64, {"max_channels": 5}),
                      (20, {"max_channels": 40}), (10, {"max_channels": 10, "ncols": 3})):
        info, what = plot(student, channel_stack(rng, c, 6, 6), **kwargs)
        expect_panel_count(info, min(c, kwargs.get("max_channels", 16)), what)


@pytest.mark.needs("test_each_panel_normalized_on_its_own")
def test_grid_of_ncols_columns(student):
    """the panels fill a grid of ncols columns (fewer if fewer panels), row by row, in channel order"""
    rng = np.random.default_rng(51)
    for c, kwargs in ((16, {}), (20, {"max_channels": 20}), (7, {"ncols": 3}), (12, {"ncols": 4}),
                      (5, {"ncols": 8}), (4, {"ncols": 1})):
        maps = channel_stack(rng, c, 5, 7)
        n = min(c, kwargs.get("max_channels", 16))
        info, what = plot(student, maps, **kwargs)
        expect_grid(info, n, kwargs.get("ncols", 8), what, expected=normalized(maps[:n]))


def test_each_panel_normalized_on_its_own(student):
    """each panel shows its channel scaled to [0, 1] on its own (a constant channel shows as zeros)"""
    rng = np.random.default_rng(52)
    for c, constant in ((6, 4), (16, None), (3, 0)):
        maps = channel_stack(rng, c, 9, 8, constant=constant)
        info, what = plot(student, maps)
        expect_panel_count(info, c, what)
        expect_contents(info, normalized(maps), what)


@pytest.mark.needs("test_each_panel_normalized_on_its_own")
def test_axes_hidden(student):
    """every panel has its axes hidden, and no empty panel with axes is left in the grid"""
    rng = np.random.default_rng(53)
    for c, kwargs in ((6, {}), (11, {"ncols": 4}), (3, {"ncols": 2})):
        info, what = plot(student, channel_stack(rng, c, 5, 5), **kwargs)
        expect_hidden_axes(info, what)


def test_batch_shows_the_first_sample(student):
    """an (N, C, H, W) batch shows the channels of its first sample"""
    rng = np.random.default_rng(54)
    maps = np.stack([channel_stack(rng, 5, 6, 6) for _ in range(3)])
    info, what = plot(student, maps)
    expect_panel_count(info, 5, what)
    expect_contents(info, normalized(maps[0]), what)


@pytest.mark.needs("test_each_panel_normalized_on_its_own")
def test_title(student):
    """title= becomes the figure's title (suptitle); without it there is none"""
    rng = np.random.default_rng(55)
    info, what = plot(student, channel_stack(rng, 4, 5, 5), title="block1 of VGGLike")
    expect(info["suptitle"] == "block1 of VGGLike", f"{what}: the figure's suptitle is {info['suptitle']!r}")
    info, what = plot(student, channel_stack(rng, 4, 5, 5))
    expect(not info["suptitle"], f"{what}: the figure has a suptitle {info['suptitle']!r} although title=None")


def test_feature_maps_of_a_network(student):
    """works on real feature maps (64 channels of 32x32, ReLU outputs with dead channels), headless"""
    rng = np.random.default_rng(56)
    maps = np.maximum(rng.standard_normal((1, 64, 32, 32)), 0).astype(np.float32)
    maps[0, 3] = 0.0                                      # a dead channel
    info, what = plot(student, maps, max_channels=24, ncols=6)
    expect_grid(info, 24, 6, what, expected=normalized(maps[0, :24]))
    expect_contents(info, normalized(maps[0, :24]), what)
