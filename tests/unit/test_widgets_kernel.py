"""Specification of the kernel explorer: presets, the render function over its parameter
ranges, and a panel that redraws once per change and shows bad values as messages."""

import re

import numpy as np
import pytest
import scipy.ndimage

from deconv_tutor import arithmetic
from deconv_tutor import widgets as W

RNG = np.random.default_rng(0)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def shows_error(panel, text):
    return panel.error is not None and text in panel.error and "color:" in panel.message.value


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
    np.testing.assert_array_equal(
        W.kernel_preset("sobel y", size), W.kernel_preset("sobel x", size).T
    )


def test_random_kernel_preset_is_reproducible_from_its_seed():
    np.testing.assert_array_equal(
        W.kernel_preset("random", seed=3), W.kernel_preset("random", seed=3)
    )
    assert not np.array_equal(W.kernel_preset("random", seed=3), W.kernel_preset("random", seed=4))


@pytest.mark.parametrize(
    "args, error, message",
    [
        (("emboss",), ValueError, "name must be one of"),
        (("identity", 4), ValueError, "size must be one of 3, 5, got 4"),
        (("identity", 3.0), TypeError, "size must be 3 or 5"),
        (("random", 3, -1), ValueError, "seed must be a non-negative integer"),
    ],
)
def test_kernel_preset_rejects_unknown_names_and_sizes(args, error, message):
    with pytest.raises(error, match=message):
        W.kernel_preset(*args)


FRAMES = {
    "grey": RNG.random((13, 15)),
    "grey1": RNG.random((13, 15, 1)),
    "rgb": RNG.random((13, 15, 3)),
}


@pytest.mark.parametrize("frame_kind", list(FRAMES))
@pytest.mark.parametrize("kernel_size", [3, 5])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["valid", "same", 1, 2])
@pytest.mark.parametrize("dilation", [1, 2])
def test_render_kernel_output_has_the_size_arithmetic_predicts(
    frame_kind, kernel_size, stride, padding, dilation
):
    frame = FRAMES[frame_kind]
    image, text = W.render_kernel(
        frame, W.kernel_preset("sharpen", kernel_size), stride, padding, dilation
    )
    expected = [
        arithmetic.conv_output_size(n, kernel_size, stride, padding, dilation)
        for n in frame.shape[:2]
    ]
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
    expected = np.stack(
        [
            scipy.ndimage.correlate(frame[..., c], kernel.astype(float), mode="constant")
            for c in range(3)
        ],
        axis=-1,
    )
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
    "kwargs, error, message",
    [
        ({"kernel": [[np.nan, 0, 0], [0, 1, 0], [0, 0, 0]]}, ValueError, "kernel must be finite"),
        ({"kernel": np.ones((3, 3, 1))}, ValueError, "kernel must have shape (kh, kw), 2-D"),
        ({"kernel": np.ones((3, 3), complex)}, TypeError, "kernel must hold real numbers"),
        ({"kernel": [["a", "b"], ["c", "d"]]}, TypeError, "kernel must hold real numbers"),
        ({"frame": np.ones((4, 4, 2))}, ValueError, "frame must have 1 or 3 channels"),
        ({"frame": np.full((4, 4), np.inf)}, ValueError, "frame must be finite"),
        ({"frame": np.ones((4, 4), complex)}, TypeError, "frame must hold real numbers"),
        ({"frame": "frame.png"}, TypeError, "frame must be an array of numbers"),
        ({"stride": 0}, ValueError, "stride must be a positive integer"),
        ({"stride": 1.5}, TypeError, "stride must be a positive integer"),
        ({"kernel": np.ones((9, 9))}, ValueError, "kernel_size 9"),
        ({"display": "log"}, ValueError, "display must be one of"),
        ({"padding": (1, 2)}, ValueError, "padding must be 'valid', 'same' or an int per side"),
        ({"padding": 1.5}, TypeError, "padding must be 'valid', 'same' or an int per side"),
    ],
)
def test_render_kernel_rejects_bad_values_with_a_message(kwargs, error, message):
    arguments = {"frame": np.ones((6, 6)), "kernel": np.ones((3, 3)), **kwargs}
    with pytest.raises(error, match=re.escape(message)):
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


@pytest.mark.parametrize(
    "name, value",
    [
        ("padding", "same"),
        ("padding", 3),
        ("dilation", 2),
        ("display", "rescale"),
        ("preset", "sobel y"),
        ("kernel_size", 5),
        ("frame", 2),
    ],
)
def test_kernel_explorer_redraws_for_every_control(explorer, name, value):
    views = ("output", "input", "text")
    before = tuple(explorer.views[view].value for view in views)
    explorer.controls[name].value = value
    assert explorer.error is None
    assert tuple(explorer.views[view].value for view in views) != before


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
    for name, value in [
        ("kernel_size", 5),
        ("preset", "box blur"),
        ("k1_1", 2.0),
        ("kernel_size", 3),
        ("preset", "gaussian"),
        ("stride", 3),
    ]:
        before = explorer.updates
        explorer.controls[name].value = value
        assert explorer.updates == before + 1, name


def test_kernel_explorer_set_kernel_puts_a_kernel_in_the_grid(explorer):
    kernel = np.arange(25.0).reshape(5, 5) / 25
    explorer.set_kernel(kernel)
    np.testing.assert_array_equal(explorer.kernel(), kernel.astype(np.float32))
    assert explorer.controls["preset"].value == "custom"
    with pytest.raises(ValueError, match="kernel must be 3x3 or 5x5"):
        explorer.set_kernel(np.ones((4, 4)))


def test_kernel_explorer_shows_a_nan_kernel_as_a_message_and_keeps_the_last_picture(explorer):
    before = explorer.views["output"].value
    explorer.controls["k2_2"].value = float("nan")
    assert shows_error(explorer, "kernel must be finite")
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


@pytest.mark.parametrize(
    "frame, error, message",
    [
        (
            np.zeros((2, 3, 8, 8, 3)),
            ValueError,
            "frame must have shape (H, W), (H, W, C) or (T, H, W, C) (a video)",
        ),
        (np.zeros((8, 8, 3), np.uint8), TypeError, "frame must hold floats in [0, 1]"),
        (np.full((8, 8), np.nan), ValueError, "frame must be finite"),
    ],
)
def test_kernel_explorer_refuses_what_is_not_an_image_or_a_video(frame, error, message):
    with pytest.raises(error, match=re.escape(message)):
        W.kernel_explorer(frame)
