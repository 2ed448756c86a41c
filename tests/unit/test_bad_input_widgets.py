"""Specification, third part: bad arguments to the widgets (their pure render functions and
the panels' own arguments) each get a TypeError or a ValueError that names the parameter.

The value sets and the checking helper come from ``test_bad_input.py``; the Keras model the
feature-map and projection views need is built once per module (the ``ctx`` fixture).
"""

import numpy as np
import pytest
from test_bad_input import (
    CHOICE,
    NONNEG_INT,
    PADDING,
    POS_INT,
    Table,
    assert_refused,
    tiny_models,
    unit_video,
)

from deconv_tutor import widgets

V = unit_video()
FRAME = V[0]
GREY = unit_video((8, 8, 1))
K2 = np.ones((3, 3))
HISTORY = {"loss": [0.3, 0.2], "val_loss": [0.4, 0.3]}

table = Table()
each = table.each


@pytest.fixture(scope="module")
def ctx():
    return tiny_models()


# widgets: the pure render functions and the panels' arguments
each(
    "png_bytes",
    "image",
    [
        ("abc", TypeError),
        (np.full((4, 4), np.nan), ValueError),
        (np.ones((4, 4)) * 1j, TypeError),
        (np.zeros((0, 0)), ValueError),
        (np.zeros((4, 4, 2)), ValueError),
    ],
    lambda c, v: widgets.png_bytes(v),
)
each("png_bytes", "scale", POS_INT, lambda c, v: widgets.png_bytes(np.zeros((4, 4)), scale=v))
each(
    "render_kernel",
    "frame",
    [
        (FRAME * 100, ValueError),
        ("abc", TypeError),
        (np.zeros((8, 8, 2)), ValueError),
        (np.full((8, 8), np.nan), ValueError),
    ],
    lambda c, v: widgets.render_kernel(v, K2),
)
each(
    "render_kernel",
    "kernel",
    [
        (K2 * 1j, TypeError),
        ("abc", TypeError),
        (np.ones(3), ValueError),
        (np.full((3, 3), np.inf), ValueError),
    ],
    lambda c, v: widgets.render_kernel(FRAME, v),
)
each("render_kernel", "stride", POS_INT, lambda c, v: widgets.render_kernel(FRAME, K2, stride=v))
each(
    "render_kernel", "dilation", POS_INT, lambda c, v: widgets.render_kernel(FRAME, K2, dilation=v)
)
each(
    "render_kernel",
    "padding",
    [("full", ValueError), (1.5, TypeError), ((1, 1), ValueError)],
    lambda c, v: widgets.render_kernel(FRAME, K2, padding=v),
)
each("render_kernel", "display", CHOICE, lambda c, v: widgets.render_kernel(FRAME, K2, display=v))
each("kernel_preset", "name", CHOICE, lambda c, v: widgets.kernel_preset(v))
each(
    "kernel_preset",
    "size",
    [(4, ValueError), (3.0, TypeError), ("3", TypeError)],
    lambda c, v: widgets.kernel_preset("box blur", v),
)
each("kernel_preset", "seed", NONNEG_INT, lambda c, v: widgets.kernel_preset("random", seed=v))
each(
    "zero_insertion_grid",
    "stride",
    POS_INT,
    lambda c, v: widgets.zero_insertion_grid(np.ones((2, 2)), (2, 2), v, "valid", (4, 4)),
)
each(
    "zero_insertion_grid",
    "x",
    [("abc", TypeError), (np.zeros((2, 2), complex), TypeError), (np.zeros(3), ValueError)],
    lambda c, v: widgets.zero_insertion_grid(v, (2, 2), 2, "valid", (4, 4)),
)
each(
    "zero_insertion_grid",
    "kernel_shape",
    [("ab", TypeError), ((0, 2), ValueError)],
    lambda c, v: widgets.zero_insertion_grid(np.ones((2, 2)), v, 2, "valid", (4, 4)),
)
each(
    "render_transposed_step",
    "x",
    [("abc", TypeError), (np.zeros(3), ValueError), (np.full((2, 2), np.nan), ValueError)],
    lambda c, v: widgets.render_transposed_step(v, np.ones((2, 2)), 0),
)
each(
    "render_transposed_step",
    "kernel",
    [("abc", TypeError), (np.ones((2, 2), complex), TypeError)],
    lambda c, v: widgets.render_transposed_step(np.ones((2, 2)), v, 0),
)
each(
    "render_transposed_step",
    "step",
    [(4, ValueError), (-1, ValueError), (0.5, TypeError), (None, TypeError)],
    lambda c, v: widgets.render_transposed_step(np.ones((2, 2)), np.ones((2, 2)), v),
)
each(
    "render_transposed_step",
    "stride",
    POS_INT,
    lambda c, v: widgets.render_transposed_step(np.ones((2, 2)), np.ones((2, 2)), 0, stride=v),
)
each(
    "render_transposed_step",
    "padding",
    PADDING[:2],
    lambda c, v: widgets.render_transposed_step(np.ones((2, 2)), np.ones((2, 2)), 0, padding=v),
)
for label, call in {
    "overlap_profile": widgets.overlap_profile,
    "overlap_counts": widgets.overlap_counts,
}.items():
    each(
        label,
        "kernel_sizes",
        [
            ([True], TypeError),
            ([0], ValueError),
            ([2.5], TypeError),
            ("3", TypeError),
            ([], ValueError),
        ],
        lambda c, v, f=call: f(v, [2]),
    )
    each(
        label,
        "strides",
        [([True], TypeError), ([0], ValueError), ([2, 2], ValueError), (2, TypeError)],
        lambda c, v, f=call: f([3], v),
    )
    each(label, "input_size", POS_INT, lambda c, v, f=call: f([3], [2], input_size=v))
each(
    "render_checkerboard",
    "display_size",
    POS_INT,
    lambda c, v: widgets.render_checkerboard([3], [2], display_size=v),
)
each(
    "render_checkerboard",
    "kernel_sizes",
    [([True], TypeError), ([0], ValueError)],
    lambda c, v: widgets.render_checkerboard(v, [2]),
)
each(
    "render_checkerboard",
    "input_size",
    POS_INT[:4],
    lambda c, v: widgets.render_checkerboard([3], [2], input_size=v),
)
each(
    "checkerboard_explorer",
    "display_size",
    POS_INT[:4],
    lambda c, v: widgets.checkerboard_explorer(v),
)
each(
    "render_feature_maps",
    "activations",
    [
        (np.full((4, 4, 2), np.nan), ValueError),
        ("abc", TypeError),
        (np.zeros((4, 4, 2), complex), TypeError),
        (np.zeros((1, 4, 4, 2)), ValueError),
    ],
    lambda c, v: widgets.render_feature_maps(v),
)
each(
    "render_feature_maps",
    "first_channel",
    [(-1, ValueError), (9, ValueError), (0.5, TypeError), ("0", TypeError)],
    lambda c, v: widgets.render_feature_maps(np.zeros((4, 4, 2)), first_channel=v),
)
each(
    "render_feature_maps",
    "count",
    POS_INT,
    lambda c, v: widgets.render_feature_maps(np.zeros((4, 4, 2)), count=v),
)
each(
    "render_feature_maps",
    "ncols",
    POS_INT,
    lambda c, v: widgets.render_feature_maps(np.zeros((4, 4, 2)), ncols=v),
)
each(
    "render_compare",
    "clips",
    [
        ({"a": np.full((2, 4, 4, 3), np.nan), "b": V[:, :4, :4]}, ValueError),
        ({"a": "abc", "b": V}, TypeError),
        ({"a": V}, ValueError),
        ([V, V], TypeError),
        ({"a": V, "b": V[:, :4]}, ValueError),
    ],
    lambda c, v: widgets.render_compare(v, 0),
)
each(
    "render_compare",
    "frame",
    [(2, ValueError), (-3, ValueError), (0.5, TypeError), ("0", TypeError)],
    lambda c, v: widgets.render_compare({"a": V, "b": V}, v),
)
each(
    "render_compare",
    "mode",
    CHOICE,
    lambda c, v: widgets.render_compare({"a": V, "b": V}, 0, mode=v),
)
each(
    "render_compare",
    "wipe",
    [(1.5, ValueError), (-0.1, ValueError), ("half", TypeError), (np.nan, ValueError)],
    lambda c, v: widgets.render_compare({"a": V, "b": V}, 0, mode="wipe", wipe=v),
)
each(
    "render_compare",
    "against",
    [("c", ValueError), (3, TypeError)],
    lambda c, v: widgets.render_compare({"a": V, "b": V}, 0, mode="wipe", against=v),
)
each(
    "video_compare",
    "clips",
    [({"a": V}, ValueError), ("abc", TypeError)],
    lambda c, v: widgets.video_compare(v),
)
each(
    "video_compare",
    "display_width",
    POS_INT[:4],
    lambda c, v: widgets.video_compare({"a": V, "b": V}, v),
)
each(
    "render_training",
    "history",
    [
        ({"loss": "ab"}, TypeError),
        ("abc", TypeError),
        ({}, ValueError),
        ({"loss": [1j]}, TypeError),
    ],
    lambda c, v: widgets.render_training(v),
)
each(
    "render_training",
    "size",
    [
        ((0, 0), ValueError),
        ((9.0,), ValueError),
        ("ab", TypeError),
        ((9.0, "a"), TypeError),
        ((-1.0, 2.0), ValueError),
    ],
    lambda c, v: widgets.render_training(HISTORY, size=v),
)
each(
    "render_training",
    "predictions",
    [(V[0], ValueError), ("abc", TypeError)],
    lambda c, v: widgets.render_training(HISTORY, V, v, V),
)
for label, call in {
    "output_size_report": widgets.output_size_report,
    "render_output_size": widgets.render_output_size,
}.items():
    each(label, "mode", CHOICE, lambda c, v, f=call: f(v))
    each(label, "size", POS_INT, lambda c, v, f=call: f("conv", v))
    each(label, "kernel_size", POS_INT, lambda c, v, f=call: f("conv", 5, v))
    each(label, "stride", POS_INT, lambda c, v, f=call: f("conv", 5, 3, stride=v))
    each(label, "dilation", POS_INT[:4], lambda c, v, f=call: f("conv", 5, 3, dilation=v))
    each(label, "padding", PADDING[:3], lambda c, v, f=call: f("conv", 5, 3, padding=v))
    each(
        label,
        "output_padding",
        [(5, ValueError), (0.5, TypeError)],
        lambda c, v, f=call: f("transpose", 5, 3, stride=2, output_padding=v),
    )
each(
    "feature_maps",
    "frame",
    [
        ("abc", TypeError),
        (np.zeros((8, 8, 3)), ValueError),
        (np.full((8, 8, 1), np.nan), ValueError),
    ],
    lambda c, v: widgets.feature_maps(c["model"], v, "c"),
)
each(
    "feature_maps",
    "layer_name",
    [("nonsense", ValueError), (3, TypeError)],
    lambda c, v: widgets.feature_maps(c["model"], GREY, v),
)
each("feature_maps", "model", [("abc", TypeError)], lambda c, v: widgets.feature_maps(v, GREY, "c"))
each(
    "feature_map_layers",
    "model",
    [("abc", TypeError), (None, TypeError)],
    lambda c, v: widgets.feature_map_layers(v),
)
each(
    "feature_map_explorer",
    "clip",
    [("abc", TypeError), (np.zeros((2, 8, 8, 3)), ValueError)],
    lambda c, v: widgets.feature_map_explorer(c["model"], v),
)
each(
    "feature_map_explorer",
    "count",
    POS_INT[:4],
    lambda c, v: widgets.feature_map_explorer(c["model"], np.zeros((2, 8, 8, 1)), count=v),
)
each(
    "render_projection",
    "channel",
    [(5, ValueError), (0.5, TypeError), ("0", TypeError)],
    lambda c, v: widgets.render_projection(c["projector"], c["forward"], v),
)
each(
    "render_projection",
    "keep",
    CHOICE,
    lambda c, v: widgets.render_projection(c["projector"], c["forward"], 0, keep=v),
)
each(
    "deconvnet_projection",
    "clip",
    [("abc", TypeError), (V, ValueError)],
    lambda c, v: widgets.deconvnet_projection(c["model"], v),
)
each(
    "deconvnet_projection",
    "display_width",
    POS_INT[:4],
    lambda c, v: widgets.deconvnet_projection(c["model"], np.zeros((2, 8, 8, 1), np.float32), v),
)
each(
    "kernel_explorer",
    "frame",
    [("abc", TypeError), (FRAME * 100, ValueError), (np.zeros((8, 8, 2)), ValueError)],
    lambda c, v: widgets.kernel_explorer(v),
)
each(
    "kernel_explorer", "display_width", POS_INT[:4], lambda c, v: widgets.kernel_explorer(FRAME, v)
)
each("TrainingMonitor", "every", POS_INT, lambda c, v: widgets.TrainingMonitor(every=v))
each(
    "transposed_conv_stepper",
    "x",
    [("abc", TypeError), (np.zeros(3), ValueError)],
    lambda c, v: widgets.transposed_conv_stepper(v),
)

# sizes that ask for more memory than a machine has: refused before anything is allocated
each(
    "png_bytes",
    "scale",
    [(10**5, ValueError)],
    lambda c, v: widgets.png_bytes(np.zeros((8, 8)), scale=v),
)
each(
    "render_checkerboard",
    "display_size",
    [(10**6, ValueError)],
    lambda c, v: widgets.render_checkerboard([3], [2], display_size=v),
)
each(
    "render_checkerboard",
    "input_size",
    [(10**9, ValueError)],
    lambda c, v: widgets.render_checkerboard([3], [2], input_size=v),
)
each(
    "overlap_profile",
    "input_size",
    [(10**10, ValueError)],
    lambda c, v: widgets.overlap_profile([3], [2], input_size=v),
)
each(
    "overlap_counts",
    "input_size",
    [(10**6, ValueError)],
    lambda c, v: widgets.overlap_counts([3], [2], input_size=v),
)
each(
    "render_training",
    "size",
    [((1e6, 1e6), ValueError)],
    lambda c, v: widgets.render_training(HISTORY, size=v),
)
each(
    "render_transposed_step",
    "stride",
    [(10**6, ValueError)],
    lambda c, v: widgets.render_transposed_step(np.ones((2, 2)), np.ones((2, 2)), 0, stride=v),
)
each(
    "render_kernel",
    "padding",
    [(10**5, ValueError)],
    lambda c, v: widgets.render_kernel(FRAME, K2, padding=v),
)

CASES = table.cases


@pytest.mark.parametrize(("call", "parameter", "error"), CASES)
def test_bad_argument_is_refused_with_a_message_naming_it(call, parameter, error, ctx):
    assert_refused(call, parameter, error, ctx)
