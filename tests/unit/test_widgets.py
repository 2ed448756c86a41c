"""Specification of deconv_tutor.widgets: render functions over their parameter ranges, and panels
that redraw when a control changes and show a red message, not a traceback, on bad values."""

import math
import re

import ipywidgets
import keras
import matplotlib
import numpy as np
import pytest
import scipy.ndimage

from deconv_tutor import arithmetic, metrics, reference
from deconv_tutor import widgets as W

RNG = np.random.default_rng(0)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def shows_error(panel, text):
    return panel.error is not None and text in panel.error and W._ERROR_COLOUR in \
        panel.message.value


# ------------------------------------------------------------------------ shared machinery
@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 1), (5, 7, 3)])
def test_png_bytes_encodes_grey_and_colour_images_at_any_scale(shape):
    import io

    from PIL import Image

    data = W.png_bytes(RNG.random(shape), scale=3)
    assert data.startswith(PNG_SIGNATURE)
    picture = Image.open(io.BytesIO(data))
    assert picture.size == (21, 15)


def test_png_bytes_rejects_non_images_and_bad_scales():
    with pytest.raises(ValueError, match="image must be"):
        W.png_bytes(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="scale"):
        W.png_bytes(np.zeros((2, 2)), scale=0)


def test_panel_hold_redraws_once_for_many_control_changes():
    panel = W.checkerboard_explorer()
    before = panel.updates
    with panel.hold():
        panel.controls["kernel_1"].value = 4
        panel.controls["stride_1"].value = 3
        panel.controls["input_size"].value = 9
    assert panel.updates == before + 1


# ------------------------------------------------------------------------ kernel explorer
@pytest.mark.parametrize("size", [3, 5])
@pytest.mark.parametrize("name", W.KERNEL_PRESETS)
def test_kernel_presets_are_square_float32_kernels_of_the_requested_size(name, size):
    kernel = W.kernel_preset(name, size)
    assert kernel.shape == (size, size) and kernel.dtype == np.float32
    assert np.all(np.isfinite(kernel))


@pytest.mark.parametrize("size", [3, 5])
def test_kernel_presets_have_the_sums_that_define_them(size):
    for name in ("identity", "box blur", "gaussian", "sharpen"):
        assert W.kernel_preset(name, size).sum() == pytest.approx(1.0)
    for name in ("sobel x", "sobel y", "laplacian"):
        assert W.kernel_preset(name, size).sum() == pytest.approx(0.0)
    np.testing.assert_array_equal(W.kernel_preset("sobel y", size), W.kernel_preset("sobel x",
                                                                                     size).T)


def test_random_kernel_preset_is_reproducible_from_its_seed():
    np.testing.assert_array_equal(W.kernel_preset("random", seed=3), W.kernel_preset("random",
                                                                                     seed=3))
    assert not np.array_equal(W.kernel_preset("random", seed=3), W.kernel_preset("random", seed=4))


def test_kernel_preset_rejects_unknown_names_and_sizes():
    with pytest.raises(ValueError, match="name must be one of"):
        W.kernel_preset("emboss")
    with pytest.raises(ValueError, match="size must be 3 or 5"):
        W.kernel_preset("identity", 4)


FRAMES = {"grey": RNG.random((13, 15)), "grey1": RNG.random((13, 15, 1)),
          "rgb": RNG.random((13, 15, 3))}


@pytest.mark.parametrize("frame_kind", list(FRAMES))
@pytest.mark.parametrize("kernel_size", [3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same", 1, 2])
@pytest.mark.parametrize("dilation", [1, 2])
def test_render_kernel_output_has_the_size_arithmetic_predicts(frame_kind, kernel_size, stride,
                                                               padding, dilation):
    frame = FRAMES[frame_kind]
    image, text = W.render_kernel(frame, W.kernel_preset("sharpen", kernel_size), stride,
                                  padding, dilation)
    expected = [arithmetic.conv_output_size(n, kernel_size, stride, padding, dilation)
                for n in frame.shape[:2]]
    assert image.shape == (*expected, *frame.shape[2:])
    assert image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert f"output {expected[0]}×{expected[1]}" in text
    assert f"= {expected[0]}<br>" in text


@pytest.mark.parametrize("name", ["gaussian", "sobel x", "laplacian", "random"])
def test_render_kernel_raw_is_a_zero_padded_correlation_of_each_channel(name):
    frame = FRAMES["rgb"]
    kernel = W.kernel_preset(name, 5)
    image, _ = W.render_kernel(frame, kernel, padding="same", display="raw")
    expected = np.stack([scipy.ndimage.correlate(frame[..., c], kernel.astype(float),
                                                 mode="constant") for c in range(3)], axis=-1)
    np.testing.assert_allclose(image, expected, atol=1e-5)


def test_render_kernel_shows_signed_outputs_as_magnitude_and_others_clipped():
    frame = FRAMES["grey"]
    edges, edge_text = W.render_kernel(frame, W.kernel_preset("sobel x"))
    raw, _ = W.render_kernel(frame, W.kernel_preset("sobel x"), display="raw")
    np.testing.assert_allclose(edges, np.abs(raw) / np.abs(raw).max(), rtol=1e-6)
    assert "|y| / max|y|" in edge_text
    _, blur_text = W.render_kernel(frame, W.kernel_preset("gaussian"))
    assert "clipped to [0, 1]" in blur_text


def test_render_kernel_identity_with_valid_padding_crops_the_border():
    frame = FRAMES["rgb"]
    image, _ = W.render_kernel(frame, W.kernel_preset("identity", 5), display="raw")
    np.testing.assert_allclose(image, frame[2:-2, 2:-2], rtol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kernel": [[np.nan, 0, 0], [0, 1, 0], [0, 0, 0]]}, "kernel must contain only finite"),
        ({"kernel": np.ones((3, 3, 1))}, "kernel must be a 2-D"),
        ({"frame": np.ones((4, 4, 2))}, "frame must have shape"),
        ({"frame": np.full((4, 4), np.inf)}, "frame must contain only finite"),
        ({"stride": 0}, "stride"),
        ({"kernel": np.ones((9, 9))}, "kernel_size 9"),
        ({"display": "log"}, "display must be one of"),
    ],
)
def test_render_kernel_rejects_bad_values_with_a_message(kwargs, message):
    arguments = {"frame": np.ones((6, 6)), "kernel": np.ones((3, 3)), **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        W.render_kernel(**arguments)


@pytest.fixture()
def explorer():
    return W.kernel_explorer(RNG.random((3, 24, 20, 3)).astype(np.float32))


def test_kernel_explorer_redraws_the_output_when_the_stride_changes(explorer):
    before = explorer.views["output"].value
    explorer.controls["stride"].value = 2
    assert explorer.views["output"].value != before
    assert bytes(explorer.views["output"].value).startswith(PNG_SIGNATURE)
    assert "output 11×9×3" in explorer.views["text"].value
    # The output is drawn at the input's scale: half the width at stride 2.
    assert explorer.views["output"].layout.width == f"{round(256 * 9 / 20)}px"


@pytest.mark.parametrize("name, value", [("padding", "same"), ("padding", 3), ("dilation", 2),
                                         ("display", "rescale"), ("preset", "sobel y"),
                                         ("kernel_size", 5), ("frame", 2)])
def test_kernel_explorer_redraws_for_every_control(explorer, name, value):
    before = (explorer.views["output"].value, explorer.views["input"].value,
              explorer.views["text"].value)
    explorer.controls[name].value = value
    assert explorer.error is None
    assert (explorer.views["output"].value, explorer.views["input"].value,
            explorer.views["text"].value) != before


def test_kernel_explorer_preset_fills_the_grid_and_a_hand_edit_makes_it_custom(explorer):
    explorer.controls["preset"].value = "laplacian"
    np.testing.assert_array_equal(explorer.kernel(), W.kernel_preset("laplacian"))
    explorer.controls["kernel_size"].value = 5
    np.testing.assert_array_equal(explorer.kernel(), W.kernel_preset("laplacian", 5))
    assert explorer.controls["k0_0"].layout.display is None
    before = explorer.views["output"].value
    explorer.controls["k2_2"].value = 3.0
    assert explorer.controls["preset"].value == "custom"
    assert explorer.kernel()[2, 2] == 3.0
    assert explorer.views["output"].value != before
    explorer.controls["kernel_size"].value = 3
    assert explorer.controls["k0_0"].layout.display == "none"


def test_kernel_explorer_redraws_exactly_once_per_change(explorer):
    for name, value in [("kernel_size", 5), ("preset", "box blur"), ("k1_1", 2.0),
                        ("kernel_size", 3), ("preset", "gaussian"), ("stride", 3)]:
        before = explorer.updates
        explorer.controls[name].value = value
        assert explorer.updates == before + 1, name


def test_kernel_explorer_set_kernel_puts_a_kernel_in_the_grid(explorer):
    kernel = np.arange(25.0).reshape(5, 5) / 25
    explorer.set_kernel(kernel)
    np.testing.assert_array_equal(explorer.kernel(), kernel.astype(np.float32))
    assert explorer.controls["preset"].value == "custom"


def test_kernel_explorer_shows_a_nan_kernel_as_a_message_and_keeps_the_last_picture(explorer):
    before = explorer.views["output"].value
    explorer.controls["k2_2"].value = float("nan")
    assert shows_error(explorer, "kernel must contain only finite values")
    assert explorer.views["output"].value == before
    explorer.controls["k2_2"].value = 1.0
    assert explorer.error is None and explorer.message.value == ""


def test_kernel_explorer_shows_an_empty_output_as_a_message():
    panel = W.kernel_explorer(RNG.random((9, 9)))
    panel.controls["kernel_size"].value = 5
    panel.controls["dilation"].value = 3
    assert shows_error(panel, "must fit in the padded input")


def test_kernel_explorer_defaults_to_a_256_pixel_photo_frame():
    panel = W.kernel_explorer()
    assert "input 256×256×3" in panel.views["text"].value
    assert "frame" not in panel.controls


# ------------------------------------------------------------------------ output sizes
def evaluate(formula):
    """The number a substituted formula gives (after its last '=')."""
    expression = formula.split("=")[-1]
    for symbol, python in (("⌊", "math.floor("), ("⌋", ")"), ("⌈", "math.ceil("), ("⌉", ")"),
                           ("·", "*"), ("−", "-"), (" mod ", " % ")):
        expression = expression.replace(symbol, python)
    return eval(expression, {"math": math})


CONFIGURATIONS = [(size, kernel, stride, padding, dilation)
                  for size in (1, 2, 5, 8, 13) for kernel in (1, 2, 3, 4)
                  for stride in (1, 2, 3) for padding in ("valid", "same", 0, 1, 2)
                  for dilation in (1, 2)]


def test_conv_formula_with_numbers_substituted_gives_the_size_and_the_lists_are_exact():
    checked = 0
    for size, kernel, stride, padding, dilation in CONFIGURATIONS:
        try:
            expected = arithmetic.conv_output_size(size, kernel, stride, padding, dilation)
        except ValueError:
            with pytest.raises(ValueError):
                W.output_size_report("conv", size, kernel, stride, padding, dilation)
            continue
        report = W.output_size_report("conv", size, kernel, stride, padding, dilation)
        assert report["size"] == expected == evaluate(report["formula"])
        assert size in report["input_sizes"]
        for other in report["input_sizes"]:
            assert arithmetic.conv_output_size(other, kernel, stride, padding, dilation) == \
                expected
        checked += 1
    assert checked > 400


def test_transposed_formula_gives_the_size_and_output_paddings_reach_every_conv_input_size():
    checked = 0
    for size, kernel, stride, padding, dilation in CONFIGURATIONS:
        for output_padding in [None, *range(stride)]:
            try:
                expected = arithmetic.conv_transpose_output_size(size, kernel, stride, padding,
                                                                 output_padding, dilation)
            except ValueError:
                continue
            report = W.output_size_report("transpose", size, kernel, stride, padding, dilation,
                                          output_padding)
            assert report["size"] == expected == evaluate(report["formula"])
            assert report["output_paddings"] == list(range(stride))
            if kernel % 2 == 1 and padding in ("valid", "same"):
                # Odd kernels: one output_padding for each size a conv maps back to `size`.
                assert sorted(report["sizes_by_output_padding"].values()) == \
                    report["input_sizes"]
            checked += 1
    assert checked > 1000


def test_render_output_size_shows_size_formula_and_alternatives():
    text = W.render_output_size("transpose", 2, 3, stride=2, padding="same", output_padding=1)
    assert "output <b>4</b>" in text
    assert "a=0 → 3, a=1 → 4" in text
    assert "<code>o = s(i − 1) + (d(k − 1) + 1) mod 2 + a" in text


def test_output_size_report_rejects_output_padding_for_a_convolution_and_unknown_modes():
    with pytest.raises(ValueError, match="output_padding applies to mode='transpose'"):
        W.output_size_report("conv", 5, 3, output_padding=0)
    with pytest.raises(ValueError, match="mode must be"):
        W.output_size_report("deconv", 5, 3)


def test_output_size_calculator_updates_for_every_control_and_disables_output_padding():
    panel = W.output_size_calculator()
    assert panel.controls["output_padding"].disabled
    texts = {panel.views["text"].value}
    for name, value in [("size", 9), ("kernel_size", 5), ("stride", 2), ("dilation", 2),
                        ("padding", "same"), ("mode", "transpose"), ("output_padding", 1)]:
        panel.controls[name].value = value
        assert panel.error is None
        texts.add(panel.views["text"].value)
    assert len(texts) == 8
    assert not panel.controls["output_padding"].disabled


def test_output_size_calculator_shows_impossible_sizes_as_messages():
    panel = W.output_size_calculator()
    panel.controls["size"].value = 3
    panel.controls["kernel_size"].value = 7
    assert shows_error(panel, "must fit in the padded input")
    panel.controls["kernel_size"].value = 3
    assert panel.error is None
    panel.controls["mode"].value = "transpose"
    panel.controls["output_padding"].value = 2
    assert shows_error(panel, "output_padding must be smaller than stride")


# ------------------------------------------------------------------------ transposed stepper
STEPPER_CASES = [(size, kernel, stride, padding) for size in (2, 3) for kernel in (2, 3)
                 for stride in (1, 2, 3) for padding in ("valid", "same", 0, 1)]


@pytest.mark.parametrize("size, kernel_size, stride, padding", STEPPER_CASES)
def test_zero_insertion_grid_read_by_the_flipped_kernel_is_the_transposed_convolution(
        size, kernel_size, stride, padding):
    x = RNG.integers(1, 9, (size, size)).astype(float)
    kernel = RNG.integers(-3, 4, (kernel_size, kernel_size)).astype(float)
    expected = reference.conv_transpose(x[..., None], kernel[:, :, None, None], stride,
                                        padding)[..., 0]
    grid, places = W.zero_insertion_grid(x, kernel.shape, stride, padding, expected.shape)
    direct = reference.conv2d(grid[..., None], kernel[::-1, ::-1, None, None])[..., 0]
    np.testing.assert_allclose(direct, expected)
    for (row, col), (u, v) in places.items():
        assert grid[u, v] == x[row, col]


@pytest.mark.parametrize("size, kernel_size, stride, padding", STEPPER_CASES)
def test_render_transposed_step_renders_every_step(size, kernel_size, stride, padding):
    x = np.arange(1.0, size * size + 1).reshape(size, size)
    kernel = np.ones((kernel_size, kernel_size))
    for step in range(size * size):
        text = W.render_transposed_step(x, kernel, step, stride, padding)
        assert f"output after step {step + 1} of {size * size}" in text
        # The current pixel is highlighted twice: in x and in the zero-insertion grid.
        assert text.count("background:#ffb74d") == 2 or padding not in ("valid", "same", 0)


def test_render_transposed_step_outlines_exactly_the_cells_the_current_pixel_reaches():
    text = W.render_transposed_step(np.ones((2, 2)), np.ones((3, 3)), 3, stride=2)
    assert text.count("outline:2px") == 9


@pytest.mark.parametrize(
    "kwargs, message",
    [({"step": 4}, "step must be an integer in [0, 4)"), ({"x": np.ones(3)}, "must be 2-D"),
     ({"kernel": [[np.nan]]}, "finite"), ({"stride": 0}, "stride")],
)
def test_render_transposed_step_rejects_bad_values(kwargs, message):
    arguments = {"x": np.ones((2, 2)), "kernel": np.ones((2, 2)), "step": 0, **kwargs}
    with pytest.raises(ValueError, match=re.escape(message)):
        W.render_transposed_step(**arguments)


def test_stepper_redraws_per_step_and_play_drives_the_step():
    panel = W.transposed_conv_stepper()
    first = panel.views["text"].value
    panel.controls["play"].value = 2
    assert panel.controls["step"].value == 2
    assert panel.views["text"].value != first
    assert "step 3 of 4" in panel.views["text"].value
    for name, value in [("stride", 1), ("padding", "same"), ("kernel_size", 2)]:
        before = panel.views["text"].value
        panel.controls[name].value = value
        assert panel.views["text"].value != before and panel.error is None


def test_stepper_input_size_sets_the_number_of_steps():
    panel = W.transposed_conv_stepper()
    panel.controls["step"].value = 3
    panel.controls["input_size"].value = 4
    assert panel.controls["step"].max == panel.controls["play"].max == 15
    panel.controls["input_size"].value = 2
    assert panel.controls["step"].value == 3 and "of 4" in panel.views["text"].value


def test_stepper_shrinking_the_input_redraws_once_without_an_error():
    panel = W.transposed_conv_stepper()
    panel.controls["input_size"].value = 4
    panel.controls["step"].value = 12
    messages = []
    panel.message.observe(lambda change: messages.append(change["new"]), names="value")
    before = panel.updates
    panel.controls["input_size"].value = 2
    assert panel.updates == before + 1 and messages == []
    assert panel.controls["step"].value == 3


def test_stepper_takes_a_given_input_and_kernel_and_fixes_their_sizes():
    panel = W.transposed_conv_stepper(np.array([[5.0, 7.0, 9.0]]), np.array([[1.0, -1.0]]))
    assert panel.controls["input_size"].disabled and panel.controls["step"].max == 2
    assert ">-1<" in panel.views["text"].value


def test_stepper_shows_a_padding_that_crops_everything_as_a_message():
    panel = W.transposed_conv_stepper()
    panel.controls["kernel_size"].value = 2
    panel.controls["stride"].value = 1
    panel.controls["padding"].value = 2
    assert shows_error(panel, "crops the whole output")


# ------------------------------------------------------------------------ checkerboard
@pytest.mark.parametrize("kernel_size", range(1, 9))
@pytest.mark.parametrize("stride", range(1, 5))
def test_one_layer_overlaps_evenly_exactly_when_the_stride_divides_the_kernel(kernel_size,
                                                                              stride):
    profile = W.overlap_profile([kernel_size], [stride], input_size=10)
    start, stop = W._interior([kernel_size], [stride], len(profile))
    interior = profile[start:stop]
    assert (interior.min() == interior.max()) == (kernel_size % stride == 0)
    assert (interior.min() == 0) == (kernel_size < stride)
    assert interior.max() == math.ceil(kernel_size / stride)


@pytest.mark.parametrize("layers", [([3], [2]), ([3, 3], [2, 2]), ([4, 2, 5], [2, 1, 3]),
                                    ([1, 1], [3, 2]), ([8, 8, 8], [4, 4, 4])])
def test_overlap_counts_count_every_path_from_input_to_output(layers):
    kernel_sizes, strides = layers
    profile = W.overlap_profile(kernel_sizes, strides, input_size=5)
    assert profile.sum() == 5 * np.prod(kernel_sizes)
    np.testing.assert_array_equal(W.overlap_counts(kernel_sizes, strides, 5),
                                  np.outer(profile, profile))


def test_stacked_layers_with_divisible_kernels_stay_even():
    profile = W.overlap_profile([4, 6, 2], [2, 3, 2], input_size=8)
    start, stop = W._interior([4, 6, 2], [2, 3, 2], len(profile))
    assert len(set(profile[start:stop].tolist())) == 1


@pytest.mark.parametrize("kernel_sizes, strides", [([k], [s]) for k in (1, 3, 8) for s in (1, 4)]
                         + [([3, 3], [2, 2]), ([5, 2, 3], [3, 1, 2])])
@pytest.mark.parametrize("input_size", [8, 16])
def test_render_checkerboard_pictures_match_the_output_length(kernel_sizes, strides,
                                                              input_size):
    picture, bars, text = W.render_checkerboard(kernel_sizes, strides, input_size)
    length = len(W.overlap_profile(kernel_sizes, strides, input_size))
    cell = max(1, 256 // length)
    assert picture.shape == (length * cell, length * cell, 3) and picture.dtype == np.uint8
    assert bars.shape == (64, length * cell, 3) and bars.dtype == np.uint8
    assert f"output {length} pixels per axis" in text


@pytest.mark.parametrize(
    "args, message",
    [(([3, 3, 3, 3], [2, 2, 2, 2]), "1 to 3 entries"), (([3], [2, 2]), "as many strides"),
     (([3], [0]), "strides must hold positive integers"),
     (([0], [1]), "kernel_sizes must hold positive integers"),
     (([8, 8, 8], [1, 1, 1], 2), "too small")],
)
def test_render_checkerboard_rejects_bad_layers(args, message):
    with pytest.raises(ValueError, match=re.escape(message)):
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
    assert shows_error(panel, "too small")


# ------------------------------------------------------------------------ feature maps
@pytest.fixture(scope="module")
def small_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="c1")(inputs)
    x = keras.layers.MaxPooling2D(name="p1")(x)
    x = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="c2")(x)
    x = keras.layers.Flatten(name="flat")(x)
    outputs = keras.layers.Dense(2, name="dense")(x)
    return keras.Model(inputs, outputs)


@pytest.fixture(scope="module")
def small_clip():
    return np.random.default_rng(1).random((3, 16, 16, 3)).astype(np.float32)


def test_feature_map_layers_lists_the_layers_with_4d_outputs(small_model):
    assert W.feature_map_layers(small_model) == ["c1", "p1", "c2"]


def test_feature_maps_are_the_layer_outputs_and_the_submodel_is_built_once(small_model,
                                                                          small_clip):
    values = W.feature_maps(small_model, small_clip[0], "c2")
    probe = keras.Model(small_model.inputs, small_model.get_layer("c2").output)
    np.testing.assert_allclose(values, probe.predict(small_clip[:1], verbose=0)[0], atol=1e-6)
    submodel = W._SUBMODELS[small_model][("maps", "c2")]
    W.feature_maps(small_model, small_clip[1], "c2")
    assert W._SUBMODELS[small_model][("maps", "c2")] is submodel


@pytest.mark.parametrize(
    "args, error, message",
    [((np.zeros((16, 16, 3)), "nope"), ValueError, "layer_name must name a layer"),
     ((np.zeros((16, 16, 3)), "flat"), ValueError, "4-D feature maps"),
     ((np.zeros((12, 16, 3)), "c1"), ValueError, "differs in height"),
     ((np.zeros((16, 16, 1)), "c1"), ValueError, "differs in channels")],
)
def test_feature_maps_reject_bad_layers_and_frames(small_model, args, error, message):
    with pytest.raises(error, match=message):
        W.feature_maps(small_model, *args)


def test_feature_maps_need_a_keras_model():
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        W.feature_maps("model", np.zeros((4, 4, 3)), "c1")


@pytest.mark.parametrize("channels", [1, 5, 16, 40])
@pytest.mark.parametrize("first_channel", [0, 3])
@pytest.mark.parametrize("count, ncols", [(1, 1), (4, 2), (16, 4), (16, 8)])
def test_render_feature_maps_tiles_the_requested_channels(channels, first_channel, count, ncols):
    maps = np.maximum(RNG.normal(size=(9, 7, channels)), 0)
    if first_channel >= channels:
        with pytest.raises(ValueError, match="first_channel"):
            W.render_feature_maps(maps, first_channel, count, ncols)
        return
    grid, stats = W.render_feature_maps(maps, first_channel, count, ncols)
    shown = list(range(first_channel, min(first_channel + count, channels)))
    columns = min(ncols, len(shown))
    rows = math.ceil(len(shown) / columns)
    scale = 96 // 9
    assert stats["channels"] == shown
    assert grid.shape == (rows * (9 * scale + 2) - 2, columns * (7 * scale + 2) - 2, 3)
    assert grid.dtype == np.uint8
    assert stats["fraction_zero"] == pytest.approx(np.mean(maps == 0))
    assert stats["mean"] == pytest.approx(maps.mean(), rel=1e-5)


def test_render_feature_maps_shrinks_large_maps_by_block_averaging():
    maps = np.zeros((192, 96, 1))
    maps[:96] = 1.0
    grid, _ = W.render_feature_maps(maps)
    assert grid.shape == (96, 48, 3)  # 2x2 blocks
    # 200 rows in 3-row blocks: the last block is edge-padded, so none is dropped.
    assert W.render_feature_maps(np.zeros((200, 100, 1)))[0].shape == (67, 34, 3)
    np.testing.assert_array_equal(grid[0, 0], W._VIRIDIS[255])
    np.testing.assert_array_equal(grid[-1, 0], W._VIRIDIS[0])


def test_render_feature_maps_draws_a_constant_channel_dark():
    grid, _ = W.render_feature_maps(np.zeros((4, 4, 1)))
    assert np.all(grid == W._VIRIDIS[0])


def test_feature_map_explorer_redraws_for_layer_channel_and_frame(small_model, small_clip):
    panel = W.feature_map_explorer(small_model, small_clip, count=2, ncols=2)
    assert panel.controls["layer"].options == ("c1", "p1", "c2")
    for name, value in [("layer", "c2"), ("first_channel", 4), ("frame", 2)]:
        before = (panel.views["maps"].value, panel.views["stats"].value)
        panel.controls[name].value = value
        assert panel.error is None
        assert (panel.views["maps"].value, panel.views["stats"].value) != before
    assert panel.controls["first_channel"].max == 5
    assert "channels 4–5 shown" in panel.views["stats"].value
    panel.controls["play"].value = 0
    assert panel.controls["frame"].value == 0


def test_feature_map_explorer_shows_an_unknown_layer_as_a_message(small_model, small_clip):
    panel = W.feature_map_explorer(small_model, small_clip)
    before = panel.views["maps"].value
    panel.controls["layer"].value = "conv_that_is_not_there"
    assert shows_error(panel, "layer_name must name a layer")
    assert panel.views["maps"].value == before
    panel.controls["layer"].value = "p1"
    assert panel.error is None


# ------------------------------------------------------------------------ deconvnet
def single_layer_model(layer, shape=(11, 10, 2)):
    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer(inputs))


CONV_CASES = [(kernel, stride, padding, dilation, activation)
              for kernel in (2, 3) for stride in (1, 2, 3) for padding in ("valid", "same")
              for dilation in (1, 2) for activation in ("linear", "relu")
              if stride == 1 or dilation == 1]


@pytest.mark.parametrize("kernel, stride, padding, dilation, activation", CONV_CASES)
def test_projection_through_a_convolution_is_its_transpose(kernel, stride, padding, dilation,
                                                           activation):
    # <A^T y_c, x> = <y_c, A x> = |y_c|^2 for y = relu(Ax) or y = Ax (no bias).
    layer = keras.layers.Conv2D(3, kernel, strides=stride, padding=padding,
                                dilation_rate=dilation, activation=activation,
                                use_bias=False, name="conv")
    model = single_layer_model(layer)
    frame = RNG.normal(size=(11, 10, 2)).astype(np.float32)
    activation_map = W.feature_maps(model, frame, "conv")[..., 1]
    projection = W.project(model, frame, "conv", 1, keep="all", normalise=False)
    assert projection.shape == frame.shape and projection.dtype == np.float32
    assert float(np.sum(projection * frame)) == pytest.approx(
        float(np.sum(activation_map.astype(np.float64) ** 2)), rel=1e-4, abs=1e-4)


@pytest.mark.parametrize("pool, stride, padding, shape", [(2, 2, "valid", (8, 8, 2)),
                                                          (2, 2, "valid", (9, 7, 2)),
                                                          (3, 2, "same", (9, 7, 2)),
                                                          (3, 3, "same", (10, 8, 1))])
def test_unpooling_puts_each_maximum_back_where_it_was_found(pool, stride, padding, shape):
    model = single_layer_model(keras.layers.MaxPooling2D(pool, stride, padding, name="pool"),
                               shape)
    frame = RNG.permutation(np.prod(shape)).reshape(shape).astype(np.float32)
    pooled = W.feature_maps(model, frame, "pool")
    projection = W.project(model, frame, "pool", 0, keep="all", normalise=False)
    assert projection[..., 0].sum() == pytest.approx(pooled[..., 0].sum())
    rows, cols = np.nonzero(projection[..., 0])
    # Every position that receives a value held the maximum of some window.
    assert set(frame[rows, cols, 0].tolist()) <= set(pooled[..., 0].ravel().tolist())
    assert np.all(projection[..., 1:] == 0)


def test_projection_of_the_strongest_activation_stays_in_its_receptive_field(small_model,
                                                                             small_clip):
    frame = small_clip[0]
    projection = W.project(small_model, frame, "p1", 2, keep="max", normalise=False)
    maps = W.feature_maps(small_model, frame, "p1")[..., 2]
    row, col = np.unravel_index(np.argmax(maps), maps.shape)
    rows, cols = np.nonzero(np.any(projection != 0, axis=-1))
    # c1 (3x3) then 2x2 pooling: pooled pixel (r, c) sees input rows 2r .. 2r + 3.
    assert rows.min() >= 2 * row and rows.max() <= 2 * row + 3
    assert cols.min() >= 2 * col and cols.max() <= 2 * col + 3


@pytest.mark.parametrize("layer_name", ["c1", "p1", "c2"])
@pytest.mark.parametrize("keep", ["max", "all"])
def test_projections_are_display_images_of_the_frame_size(small_model, small_clip, layer_name,
                                                          keep):
    image = W.project(small_model, small_clip[1], layer_name, 0, keep=keep)
    assert image.shape == (16, 16, 3) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0


@pytest.mark.parametrize(
    "layer_name, channel, keep, message",
    [("dense", 0, "max", "a Dense"), ("c1", 4, "max", "channel must be an integer in [0, 4)"),
     ("c1", 0, "most", 'keep must be "max" or "all"'), ("ghost", 0, "max", "layer_name")],
)
def test_project_rejects_unsupported_layers_and_bad_channels(small_model, small_clip, layer_name,
                                                             channel, keep, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        W.project(small_model, small_clip[0], layer_name, channel, keep=keep)


def test_deconvnet_panel_redraws_and_reports_bad_layer_names(small_model, small_clip):
    panel = W.deconvnet_projection(small_model, small_clip)
    assert panel.controls["layer"].options == ("c1", "p1", "c2")
    assert panel.controls["channel"].max == 5
    for name, value in [("channel", 3), ("keep", "all"), ("frame", 1), ("layer", "c1")]:
        before = panel.views["projection"].value
        panel.controls[name].value = value
        assert panel.error is None and panel.views["projection"].value != before
    assert panel.controls["channel"].max == 3
    panel.controls["layer"].value = "flat"
    assert shows_error(panel, "a Flatten")
    panel.controls["layer"].value = "no_such_layer"
    assert shows_error(panel, "layer_name must name a layer")


def test_projectable_layers_of_the_course_model_are_all_its_layers():
    from deconv_tutor import models

    for upsampling in ("transpose", "upsample_conv"):
        model = models.encoder_decoder((16, 16, 3), filters=2, depth=2, upsampling=upsampling)
        names = W.projectable_layers(model)
        # Encoder and decoder alike: every layer after the input can be projected.
        assert names == W.feature_map_layers(model) == [layer.name for layer in model.layers[1:]]
        assert [name for name in names if name.startswith("up")] == (
            ["up2_transpose", "up1_transpose"] if upsampling == "transpose" else
            ["up2_upsample", "up2_conv", "up1_upsample", "up1_conv"])


# Backward steps added for the decoder: each one is the adjoint of its layer's linear
# part, <T x, y> = <x, T^T y>, with T x computed by Keras and T^T y by the deconvnet.
def assert_adjoint(forward, backward, x, y):
    left = float(np.sum(np.asarray(forward, np.float64) * y))
    right = float(np.sum(np.asarray(x, np.float64) * backward))
    assert right == pytest.approx(left, rel=1e-4, abs=1e-5 * float(np.abs(y).sum()))


def layer_and_output(layer, shape, inputs_count=1):
    keras.utils.set_random_seed(3)
    inputs = [keras.Input(shape) for _ in range(inputs_count)]
    model = keras.Model(inputs, layer(inputs if inputs_count > 1 else inputs[0]))
    return model, layer


def sparse_like(y, seed):
    # A deconvnet signal is usually one activation or one channel: exercise the
    # code path that transposes only the non-zero box and channels.
    mask = np.zeros(y.shape, bool)
    rng = np.random.default_rng(seed)
    mask[rng.integers(y.shape[0]), rng.integers(y.shape[1]), rng.integers(y.shape[2])] = True
    mask[-1, -1, 0] = True
    return np.where(mask, y, 0).astype(np.float32)


# Keras refuses dilation with stride; TensorFlow's oneDNN kernel aborts on an even
# kernel with padding="same" and output_padding=0, so Keras has no reference there.
TRANSPOSE_CASES = [(kernel, stride, padding, output_padding, dilation)
                   for kernel in (2, 3, 4) for stride in (1, 2, 3) for padding in ("valid", "same")
                   for output_padding in sorted({None, 0, stride - 1}, key=str)
                   for dilation in (1, 2)
                   if (stride == 1 or dilation == 1)
                   and not (kernel % 2 == 0 and padding == "same" and output_padding == 0)]


@pytest.mark.parametrize("kernel, stride, padding, output_padding, dilation", TRANSPOSE_CASES)
def test_backward_step_through_a_transposed_convolution_is_its_adjoint(kernel, stride, padding,
                                                                      output_padding, dilation):
    shape = (7, 6, 3)
    layer = keras.layers.Conv2DTranspose(4, kernel, strides=stride, padding=padding,
                                         output_padding=output_padding, dilation_rate=dilation,
                                         use_bias=False, name="up")
    model, layer = layer_and_output(layer, shape)
    x = RNG.normal(size=shape).astype(np.float32)
    forward = model.predict(x[None], verbose=0)[0]
    kind, _ = W._backward_kind(layer)
    for y in (RNG.normal(size=forward.shape).astype(np.float32), sparse_like(forward, kernel)):
        (backward,) = W._backward_step(layer, kind, y, [x])
        assert backward.shape == x.shape and backward.dtype == np.float32
        assert_adjoint(forward, backward, x, y)


@pytest.mark.parametrize("size", [2, (3, 2), (1, 3)])
def test_backward_step_through_nearest_upsampling_sums_each_block(size):
    shape = (5, 4, 3)
    model, layer = layer_and_output(keras.layers.UpSampling2D(size, name="upsample"), shape)
    x = RNG.normal(size=shape).astype(np.float32)
    forward = model.predict(x[None], verbose=0)[0]
    y = RNG.normal(size=forward.shape).astype(np.float32)
    (backward,) = W._backward_step(layer, "upsample", y, [x])
    assert backward.shape == x.shape
    assert_adjoint(forward, backward, x, y)


@pytest.mark.parametrize("merge, axis", [("add", None), ("concatenate", -1),
                                         ("concatenate", 2), ("concatenate", 1)])
def test_backward_step_through_a_skip_copies_or_splits_the_signal(merge, axis):
    shapes = [(4, 5, 2), (4, 5, 2)] if merge == "add" else \
        [(4, 5, 2), (4, 5, 3) if axis == -1 else (4, 7, 2) if axis == 2 else (6, 5, 2)]
    layer = keras.layers.Add(name="skip") if merge == "add" else \
        keras.layers.Concatenate(axis=axis, name="skip")
    keras.utils.set_random_seed(3)
    inputs = [keras.Input(shape) for shape in shapes]
    model = keras.Model(inputs, layer(inputs))
    xs = [RNG.normal(size=shape).astype(np.float32) for shape in shapes]
    forward = model.predict([x[None] for x in xs], verbose=0)[0]
    y = RNG.normal(size=forward.shape).astype(np.float32)
    backward = W._backward_step(layer, W._backward_kind(layer)[0], y, xs)
    assert [part.shape for part in backward] == [x.shape for x in xs]
    # The adjoint of (x1, x2) -> T(x1, x2) is y -> (T1^T y, T2^T y).
    left = float(np.sum(forward.astype(np.float64) * y))
    right = sum(float(np.sum(x.astype(np.float64) * part)) for x, part in zip(xs, backward))
    assert right == pytest.approx(left, rel=1e-4)


@pytest.mark.parametrize("activation", ["linear", "relu"])
@pytest.mark.parametrize("stride, padding", [(2, "same"), (2, "valid"), (3, "same"), (1, "valid")])
def test_projection_through_a_transposed_convolution_is_its_transpose(activation, stride,
                                                                      padding):
    # As for Conv2D: <T^T y_c, x> = <y_c, T x> = |y_c|^2 for y = relu(Tx) or y = Tx (no bias).
    layer = keras.layers.Conv2DTranspose(3, 4, strides=stride, padding=padding,
                                         activation=activation, use_bias=False, name="up")
    model = single_layer_model(layer, (5, 6, 2))
    frame = RNG.normal(size=(5, 6, 2)).astype(np.float32)
    activation_map = W.feature_maps(model, frame, "up")[..., 2]
    projection = W.project(model, frame, "up", 2, keep="all", normalise=False)
    assert projection.shape == frame.shape and projection.dtype == np.float32
    assert float(np.sum(projection * frame)) == pytest.approx(
        float(np.sum(activation_map.astype(np.float64) ** 2)), rel=1e-4)


def test_projection_rectifies_the_signal_behind_a_relu_transposed_convolution():
    # Zeiler and Fergus: back through a ReLU the signal is rectified, whatever the
    # forward pass did. Expected, with Keras ops: T^T relu(C^T y_c), where the adjoint
    # of the "same" stride-1 Conv2D is its transposed convolution and the adjoint of
    # the stride-2 Conv2DTranspose is the stride-2 convolution with the same kernel.
    keras.utils.set_random_seed(8)
    inputs = keras.Input((5, 6, 2))
    x = keras.layers.Conv2DTranspose(3, 4, strides=2, padding="same", activation="relu",
                                     use_bias=False, name="up")(inputs)
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3, padding="same", use_bias=False,
                                                    name="mix")(x))
    frame = RNG.normal(size=(5, 6, 2)).astype(np.float32)
    top = np.zeros((1, 10, 12, 2), np.float32)
    top[0, ..., 1] = W.feature_maps(model, frame, "mix")[..., 1]
    back = keras.ops.conv_transpose(top, model.get_layer("mix").kernel, 1, "same")
    assert float(keras.ops.min(back)) < 0  # there is something to rectify
    expected = keras.ops.conv(keras.ops.relu(back), model.get_layer("up").kernel, 2, "same")
    projection = W.project(model, frame, "mix", 1, keep="all", normalise=False)
    np.testing.assert_allclose(projection, keras.ops.convert_to_numpy(expected)[0],
                               rtol=1e-4, atol=1e-5)


def skip_model(activation="linear"):
    """A small U-Net-like graph: strided down, transposed up, an Add and a Concatenate skip."""
    keras.utils.set_random_seed(4)
    inputs = keras.Input((12, 10, 2))
    down = keras.layers.Conv2D(4, 3, padding="same", activation=activation, use_bias=False,
                               name="enc")(inputs)
    low = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation=activation,
                              use_bias=False, name="down")(down)
    up = keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same", activation=activation,
                                      use_bias=False, name="up")(low)
    added = keras.layers.Add(name="add")([down, up])
    upsampled = keras.layers.UpSampling2D(2, name="resize")(low)
    joined = keras.layers.Concatenate(name="join")([added, upsampled, inputs])
    outputs = keras.layers.Conv2D(3, 3, padding="same", use_bias=False, name="head")(joined)
    return keras.Model(inputs, outputs)


def test_projection_through_skip_connections_adds_the_ways_back():
    # Linear layers only: the whole network is one linear map A, and the deconvnet
    # of the whole map of channel c is A^T y_c, so <x, A^T y_c> = |y_c|^2.
    model = skip_model()
    assert W.projectable_layers(model) == ["enc", "down", "up", "add", "resize", "join", "head"]
    frame = RNG.normal(size=(12, 10, 2)).astype(np.float32)
    for name, channel in [("head", 1), ("join", 5), ("add", 0)]:
        activation_map = W.feature_maps(model, frame, name)[..., channel]
        projection = W.project(model, frame, name, channel, keep="all", normalise=False)
        assert projection.shape == frame.shape
        assert float(np.sum(projection * frame)) == pytest.approx(
            float(np.sum(activation_map.astype(np.float64) ** 2)), rel=1e-4)


def receptive_field(model, layer_name, row, col):
    """Input rows and columns (inclusive ranges) that can influence one pixel of a layer.

    Interval arithmetic on the course model's layers, independent of the deconvnet code.
    """
    rows, cols = [row, row], [col, col]
    layer = model.get_layer(layer_name)
    while not isinstance(layer, keras.layers.InputLayer):
        for interval in (rows, cols):
            low, high = interval
            if isinstance(layer, keras.layers.Conv2DTranspose):  # k=4, s=2, same: 1 cropped
                low, high = -(-(low + 1 - 3) // 2), (high + 1) // 2
            elif isinstance(layer, keras.layers.Conv2D):  # 3x3, stride 1, same
                low, high = low - 1, high + 1
            elif isinstance(layer, keras.layers.MaxPooling2D):  # 2x2, stride 2
                low, high = 2 * low, 2 * high + 1
            elif isinstance(layer, keras.layers.UpSampling2D):  # nearest, x2
                low, high = low // 2, high // 2
            interval[:] = [low, high]
        layer = layer.input._keras_history.operation
    return rows, cols


@pytest.mark.parametrize("upsampling", ["transpose", "upsample_conv"])
def test_projection_of_a_decoder_activation_stays_in_its_receptive_field(upsampling):
    from deconv_tutor import models

    keras.utils.set_random_seed(5)
    model = models.encoder_decoder((32, 32, 3), filters=4, depth=2, upsampling=upsampling)
    frame = np.random.default_rng(6).random((32, 32, 3)).astype(np.float32)
    decoder = [name for name in W.projectable_layers(model) if name.startswith("up")]
    assert decoder
    for name in decoder:
        for channel in range(2):
            projection = W.project(model, frame, name, channel, keep="max",
                                   normalise=False)
            assert projection.shape == frame.shape and projection.dtype == np.float32
            maps = W.feature_maps(model, frame, name)[..., channel]
            row, col = np.unravel_index(np.argmax(maps), maps.shape)
            (top, bottom), (left, right) = receptive_field(model, name, row, col)
            outside = np.ones(frame.shape[:2], bool)
            outside[max(top, 0): bottom + 1, max(left, 0): right + 1] = False
            assert np.all(projection[outside] == 0), (name, channel)
            assert outside.any(), "the receptive field must be a window, not the whole frame"


def test_project_refuses_layers_behind_a_bilinear_upsampling_or_a_subtraction():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.UpSampling2D(2, interpolation="bilinear", name="smooth")(inputs)
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3, name="after")(x))
    with pytest.raises(ValueError, match="smooth is an UpSampling2D with interpolation "
                                         "'bilinear'"):
        W.project(model, np.zeros((8, 8, 1)), "after", 0)
    assert W.projectable_layers(model) == []
    difference = keras.layers.Subtract(name="minus")(
        [inputs, keras.layers.Conv2D(1, 3, padding="same", name="c")(inputs)])
    model = keras.Model(inputs, difference)
    assert W.projectable_layers(model) == ["c"]
    with pytest.raises(ValueError, match="minus is a Subtract"):
        W.project(model, np.zeros((8, 8, 1)), "minus", 0)


def test_project_names_the_missing_layer_and_the_panel_shows_it():
    from deconv_tutor import models

    model = models.encoder_decoder((16, 16, 3), filters=2, depth=2)
    frame = np.full((16, 16, 3), 0.5, np.float32)
    with pytest.raises(ValueError, match=r"layer_name must name a layer of .*up1_transpose.*"
                                         r"got 'up3_transpose'"):
        W.project(model, frame, "up3_transpose", 0)
    with pytest.raises(ValueError, match="layer must be one of the projectable layers"):
        W.deconvnet_projection(model, frame[None], layer="up3_transpose")
    panel = W.deconvnet_projection(model, frame[None], layer="up1_transpose")
    assert panel.error is None and panel.controls["channel"].max == 1
    panel.controls["layer"].value = "up3_transpose"
    assert shows_error(panel, "layer_name must name a layer")


def test_deconvnet_panel_offers_and_redraws_decoder_layers():
    from deconv_tutor import models

    keras.utils.set_random_seed(0)
    model = models.encoder_decoder((16, 16, 3), filters=2, depth=2, upsampling="upsample_conv")
    clip = np.random.default_rng(7).random((2, 16, 16, 3)).astype(np.float32)
    panel = W.deconvnet_projection(model, clip, layer="up2_conv")
    assert "up1_upsample" in panel.controls["layer"].options
    assert panel.controls["channel"].max == 3
    for name, value in [("layer", "up1_conv"), ("channel", 1), ("frame", 1), ("keep", "all")]:
        before = panel.views["projection"].value
        panel.controls[name].value = value
        assert panel.error is None and panel.views["projection"].value != before, name


# ------------------------------------------------------------------------ video compare
@pytest.fixture(scope="module")
def clips():
    clean = np.random.default_rng(2).random((4, 10, 12, 3)).astype(np.float32)
    noise = np.random.default_rng(3).normal(0, 0.1, clean.shape)
    return {"clean": clean, "noisy": np.clip(clean + noise, 0, 1).astype(np.float32),
            "dark": clean * 0.8}


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("frame", [0, 3])
def test_render_compare_side_by_side_places_clips_left_to_right(clips, count, channels, frame):
    chosen = {name: video[..., :channels] for name, video in list(clips.items())[:count]}
    picture = W.render_compare(chosen, frame)
    assert picture.shape == (10, 12 * count + 2 * (count - 1), 3) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture[:, 14:26, 0],
                                  W._to_uint8(chosen["noisy"][frame, ..., 0]))


@pytest.mark.parametrize("wipe, expected_cut", [(0.0, 0), (0.25, 3), (0.5, 6), (1.0, 12)])
def test_render_compare_wipe_shows_the_first_clip_left_of_the_line(clips, wipe, expected_cut):
    picture = W.render_compare(clips, 1, mode="wipe", wipe=wipe, against="dark")
    first, other = W._to_uint8(clips["clean"][1]), W._to_uint8(clips["dark"][1])
    np.testing.assert_array_equal(picture[:, :expected_cut], first[:, :expected_cut])
    np.testing.assert_array_equal(picture[:, expected_cut + 1:], other[:, expected_cut + 1:])


@pytest.mark.parametrize(
    "arguments, message",
    [(({"a": np.zeros((2, 4, 4, 3))}, 0), "at least two"),
     (({"a": np.zeros((2, 4, 4, 3)), "b": np.zeros((3, 4, 4, 3))}, 0), "same shape"),
     (({"a": np.zeros((2, 4, 4, 3)), "b": np.zeros((2, 4, 4, 3))}, 2), "frame must be"),
     (({"a": np.zeros((2, 4, 4, 3)), "b": np.zeros((2, 4, 4, 3))}, 0, "grid"), "mode must be"),
     (({"a": np.zeros((2, 4, 4, 3)), "b": np.zeros((2, 4, 4, 3))}, 0, "wipe", 2.0), "wipe must"),
     (({"a": np.zeros((2, 4, 4, 3)), "b": np.zeros((2, 4, 4, 3))}, 0, "wipe", 0.5, "c"),
      "against must be one of")],
)
def test_render_compare_rejects_bad_values(arguments, message):
    with pytest.raises(ValueError, match=message):
        W.render_compare(*arguments)


def test_video_compare_reports_psnr_per_frame_and_redraws_per_control(clips):
    panel = W.video_compare(clips)
    expected = metrics.psnr_per_frame(clips["clean"], clips["noisy"])
    assert f"noisy {expected[0]:.2f} dB" in panel.views["text"].value
    for name, value in [("frame", 2), ("mode", "wipe"), ("wipe", 0.2), ("against", "dark")]:
        before = panel.views["picture"].value
        panel.controls[name].value = value
        assert panel.error is None and panel.views["picture"].value != before
    assert f"noisy {expected[2]:.2f} dB" in panel.views["text"].value


def test_video_compare_play_button_moves_the_frame_and_the_psnr_marker(clips):
    panel = W.video_compare(clips)
    marker = panel.views["psnr"].value
    panel.controls["play"].value = 3
    assert panel.controls["frame"].value == 3
    assert panel.views["psnr"].value != marker


def test_video_compare_of_identical_clips_says_so_instead_of_plotting_infinity(clips):
    panel = W.video_compare({"a": clips["clean"], "b": clips["clean"].copy()})
    assert panel.error is None and "inf dB" in panel.views["text"].value


# ------------------------------------------------------------------------ training monitor
@pytest.fixture(scope="module")
def tiny_training():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((8, 8, 1)),
                              keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")])
    model.compile(optimizer="adam", loss="mse", metrics=[metrics.psnr_metric])
    inputs = np.random.default_rng(0).random((8, 8, 8, 1)).astype(np.float32)
    return model, inputs


def test_monitor_outside_ipython_records_the_history_without_drawing(tiny_training):
    model, inputs = tiny_training
    monitor = W.training_monitor(inputs[:2], inputs[:2])
    model.fit(inputs, inputs, epochs=2, batch_size=4, verbose=0, callbacks=[monitor],
              validation_data=(inputs, inputs))
    assert sorted(monitor.history) == ["loss", "psnr", "val_loss", "val_psnr"]
    assert len(monitor.history["loss"]) == 2
    assert monitor.draws == 0 and monitor.last_png is None


def test_monitor_redraws_an_image_widget_every_epoch_with_sample_outputs(tiny_training):
    model, inputs = tiny_training
    image = ipywidgets.Image(format="png")
    monitor = W.training_monitor(inputs[:3], inputs[:3], output=image)
    model.fit(inputs, inputs, epochs=2, batch_size=4, verbose=0, callbacks=[monitor])
    assert monitor.draws == 2
    assert image.value == monitor.last_png and bytes(image.value).startswith(PNG_SIGNATURE)
    figure = monitor.render()
    assert [ax.get_title() for ax in figure.axes] == ["loss", "psnr", ""]
    mosaic = figure.axes[2].images[0].get_array()
    cell = int((1.6 - 0.35) * 72)
    assert mosaic.shape == (3 * cell + 2 * 8, 3 * cell + 2 * 8, 3)  # 3 samples x 3 pictures


def test_monitor_every_n_epochs_still_draws_after_the_last(tiny_training):
    model, inputs = tiny_training
    monitor = W.training_monitor(every=2, output=ipywidgets.Image())
    model.fit(inputs, inputs, epochs=3, batch_size=8, verbose=0, callbacks=[monitor])
    assert monitor.draws == 2


def test_render_training_draws_curves_and_sample_rows():
    inputs = np.zeros((2, 4, 4, 3))
    predictions = np.ones((2, 8, 8, 1))  # a 2x upscaler's grey output: other size, one channel
    figure = W.render_training({"loss": [1.0, 0.5], "val_loss": [1.2, 0.7], "learning_rate":
                                [0.1, 0.1]}, inputs, predictions)
    curves, samples = figure.axes
    assert curves.get_title() == "loss"
    assert [line.get_label() for line in curves.lines] == ["train", "validation"]
    assert [text.get_text() for text in samples.texts] == ["input", "prediction"]
    mosaic = samples.images[0].get_array()
    cell = int((1.6 - 0.35) * 72)
    assert mosaic.shape == (2 * cell + 8, 2 * cell + 8, 3)
    np.testing.assert_array_equal(mosaic[:cell, :cell], 0.0)
    np.testing.assert_array_equal(mosaic[:cell, cell + 8:], 1.0)
    scores = np.zeros((1, 4, 4, 4))
    scores[..., 2] = 1.0  # class 2 wins everywhere: drawn in tab10's third colour
    segmentation = W.render_training({}, predictions=scores)
    colour = np.asarray(matplotlib.colormaps["tab10"].colors[2], np.float32)
    np.testing.assert_allclose(segmentation.axes[0].images[0].get_array()[0, 0], colour)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [({"every": 0}, ValueError, "every must be a positive integer"),
     ({"output": "cell"}, TypeError, "output must be an ipywidgets.Image"),
     ({"sample_targets": np.zeros((1, 2, 2, 1))}, ValueError, "sample_targets need")],
)
def test_monitor_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        W.training_monitor(**kwargs)


def test_render_training_needs_something_to_draw():
    with pytest.raises(ValueError, match="at least one metric"):
        W.render_training({})
    with pytest.raises(TypeError, match="history must be a dict"):
        W.render_training([1, 2])


def test_render_kernel_refuses_a_padding_pair_whose_meaning_differs_between_modules():
    frame = np.zeros((10, 10, 3), np.float32)
    with pytest.raises(ValueError, match="padding must be 'valid', 'same' or an int"):
        W.render_kernel(frame, np.ones((3, 3)) / 9, padding=(1, 2))
