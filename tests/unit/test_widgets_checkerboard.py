"""Specification of the checkerboard explorer: overlap counts of stacked transposed
convolutions are even exactly when each stride divides its kernel size."""

import math
import re

import numpy as np
import pytest

from deconv_tutor import widgets as W


def interior(text):
    """The ``start, stop`` of the interior that render_checkerboard's text reports."""
    start, last = re.search(r"interior = output pixels (\d+)\.\.(\d+)", text).groups()
    return int(start), int(last) + 1


@pytest.mark.parametrize("kernel_size", range(1, 9))
@pytest.mark.parametrize("stride", range(1, 5))
def test_one_layer_overlaps_evenly_exactly_when_the_stride_divides_the_kernel(kernel_size, stride):
    profile = W.overlap_profile([kernel_size], [stride], input_size=10)
    start, stop = interior(W.render_checkerboard([kernel_size], [stride], 10)[2])
    inner = profile[start:stop]
    assert (inner.min() == inner.max()) == (kernel_size % stride == 0)
    assert (inner.min() == 0) == (kernel_size < stride)
    assert inner.max() == math.ceil(kernel_size / stride)


@pytest.mark.parametrize(
    "layers",
    [
        ([3], [2]),
        ([3, 3], [2, 2]),
        ([4, 2, 5], [2, 1, 3]),
        ([1, 1], [3, 2]),
        ([8, 8, 8], [4, 4, 4]),
    ],
)
def test_overlap_counts_count_every_path_from_input_to_output(layers):
    kernel_sizes, strides = layers
    profile = W.overlap_profile(kernel_sizes, strides, input_size=5)
    assert profile.sum() == 5 * np.prod(kernel_sizes)
    np.testing.assert_array_equal(
        W.overlap_counts(kernel_sizes, strides, 5), np.outer(profile, profile)
    )


def test_stacked_layers_with_divisible_kernels_stay_even():
    profile = W.overlap_profile([4, 6, 2], [2, 3, 2], input_size=8)
    picture, bars, text = W.render_checkerboard([4, 6, 2], [2, 3, 2], 8)
    start, stop = interior(text)
    assert len(set(profile[start:stop].tolist())) == 1
    assert "even overlap: every output pixel gets the same number of taps" in text


@pytest.mark.parametrize(
    "kernel_sizes, strides",
    [([k], [s]) for k in (1, 3, 8) for s in (1, 4)] + [([3, 3], [2, 2]), ([5, 2, 3], [3, 1, 2])],
)
@pytest.mark.parametrize("input_size", [8, 16])
def test_render_checkerboard_pictures_match_the_output_length(kernel_sizes, strides, input_size):
    picture, bars, text = W.render_checkerboard(kernel_sizes, strides, input_size)
    length = len(W.overlap_profile(kernel_sizes, strides, input_size))
    cell = max(1, 256 // length)
    assert picture.shape == (length * cell, length * cell, 3) and picture.dtype == np.uint8
    assert bars.shape == (64, length * cell, 3) and bars.dtype == np.uint8
    assert f"output {length} pixels per axis" in text


@pytest.mark.parametrize(
    "args, error, message",
    [
        (([3, 3, 3, 3], [2, 2, 2, 2]), ValueError, "1 to 3 entries"),
        (([3], [2, 2]), ValueError, "as many strides"),
        (([3], [0]), ValueError, "strides[0] must be a positive integer, got 0"),
        (([0], [1]), ValueError, "kernel_sizes[0] must be a positive integer, got 0"),
        (([2.5], [1]), TypeError, "kernel_sizes[0] must be a positive integer"),
        ((3, [1]), TypeError, "kernel_sizes must be a list of integers"),
        (([3], [1], 0), ValueError, "input_size must be a positive integer"),
        (([8, 8, 8], [1, 1, 1], 2), ValueError, "too small"),
    ],
)
def test_render_checkerboard_rejects_bad_layers(args, error, message):
    with pytest.raises(error, match=re.escape(message)):
        W.render_checkerboard(*args)


def test_checkerboard_explorer_redraws_and_reports_ratio_and_holes():
    panel = W.checkerboard_explorer()
    assert "3 / 1" not in panel.views["text"].value and "2 / 1" in panel.views["text"].value
    before = panel.views["map"].value
    panel.controls["kernel_1"].value = 1
    assert "∞" in panel.views["text"].value and panel.views["map"].value != before
    assert panel.controls["kernel_2"].disabled
    panel.controls["layers"].value = 2
    assert not panel.controls["kernel_2"].disabled
    assert "2 layer(s)" in panel.views["text"].value


def test_checkerboard_explorer_shows_too_small_an_input_as_a_message():
    panel = W.checkerboard_explorer()
    with panel.hold():
        panel.controls["layers"].value = 3
        for index in (1, 2, 3):
            panel.controls[f"kernel_{index}"].value = 8
            panel.controls[f"stride_{index}"].value = 1
        panel.controls["input_size"].value = 2
    assert panel.error is not None and "too small" in panel.error


def _legend_colours(text):
    pairs = re.findall(r"background:rgb\((\d+),(\d+),(\d+)\)\"></span> (\d+) taps?", text)
    return {int(count): (int(r), int(g), int(b)) for r, g, b, count in pairs}


@pytest.mark.parametrize("kernel_sizes, strides", [([3], [2]), ([4], [2]), ([3, 3], [2, 2])])
def test_checkerboard_legend_names_every_colour_on_the_map(kernel_sizes, strides):
    picture, _, _ = W.render_checkerboard(kernel_sizes, strides, input_size=6, display_size=64)
    profile = W.overlap_profile(kernel_sizes, strides, input_size=6)
    legend = _legend_colours(W.overlap_legend(profile))
    counts = np.outer(profile, profile)
    cell = picture.shape[0] // len(profile)
    assert set(legend) == set(np.unique(counts).tolist())
    for (row, col), count in np.ndenumerate(counts):
        assert tuple(picture[row * cell, col * cell]) == legend[int(count)]


def test_checkerboard_legend_is_a_colour_bar_when_counts_are_many():
    text = W.overlap_legend(W.overlap_profile([5, 5, 5], [2, 2, 2], input_size=8))
    assert "linear-gradient" in text and text.startswith("0 ")


def test_checkerboard_explorer_shows_the_legend_beside_the_map_and_updates_it():
    panel = W.checkerboard_explorer()
    assert "4 taps" in panel.views["legend"].value  # k=3, s=2: 1, 2 and 4 taps
    panel.controls["kernel_1"].value = 4
    assert set(_legend_colours(panel.views["legend"].value)) == {1, 2, 4}
    panel.controls["kernel_1"].value = 2
    assert set(_legend_colours(panel.views["legend"].value)) == {1}
