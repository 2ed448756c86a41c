"""Specification of what the widgets share: PNG encoding and the Panel that redraws."""

import io

import ipywidgets
import numpy as np
import pytest
from PIL import Image

from deconv_tutor import widgets as W

RNG = np.random.default_rng(0)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 1), (5, 7, 3)])
def test_png_bytes_encodes_grey_and_colour_images_at_any_scale(shape):
    data = W.png_bytes(RNG.random(shape), scale=3)
    assert data.startswith(PNG_SIGNATURE)
    assert Image.open(io.BytesIO(data)).size == (21, 15)


def test_png_bytes_shows_a_models_raw_output_clipped_and_keeps_uint8():
    picture = np.array([[-0.2, 0.5, 1.02]])
    decoded = np.asarray(Image.open(io.BytesIO(W.png_bytes(picture))))
    assert decoded.tolist() == [[0, 128, 255]]
    eight_bit = np.array([[0, 7, 255]], np.uint8)
    assert np.asarray(Image.open(io.BytesIO(W.png_bytes(eight_bit)))).tolist() == [[0, 7, 255]]


@pytest.mark.parametrize(
    "image, scale, error, message",
    [
        (np.zeros((2, 2, 2)), 1, ValueError, "image must be (H, W), (H, W, 1) or (H, W, 3)"),
        (np.zeros(4), 1, ValueError, "image must have shape"),
        (np.zeros((2, 2)), 0, ValueError, "scale must be a positive integer, got 0"),
        (np.zeros((2, 2)), 2.0, TypeError, "scale must be a positive integer"),
        (np.full((2, 2), np.nan), 1, ValueError, "image must be finite"),
        (np.zeros((2, 2), complex), 1, TypeError, "image must hold real numbers"),
        (np.full((2, 2), "x"), 1, TypeError, "image must hold real numbers"),
        (np.zeros((2, 2), np.int64), 1, TypeError, "image must hold floats in [0, 1] or uint8"),
    ],
)
def test_png_bytes_rejects_what_is_not_a_picture(image, scale, error, message):
    with pytest.raises(error, match=__import__("re").escape(message)):
        W.png_bytes(image, scale=scale)


def test_panel_hold_redraws_once_for_many_control_changes():
    panel = W.checkerboard_explorer()
    before = panel.updates
    with panel.hold():
        panel.controls["kernel_1"].value = 4
        panel.controls["stride_1"].value = 3
        panel.controls["input_size"].value = 9
    assert panel.updates == before + 1


def test_panel_shows_an_error_as_a_message_and_keeps_the_last_view():
    number, result = ipywidgets.FloatText(2.0), ipywidgets.HTML()

    def update(panel):
        if panel.controls["x"].value < 0:
            raise ValueError("x must be >= 0")
        result.value = str(panel.controls["x"].value ** 2)

    panel = W.Panel({"x": number}, {"result": result}, [number, result], update)
    assert panel.refresh() and panel.error is None and panel.message.value == ""
    number.value = -1.0
    assert panel.error == "ValueError: x must be >= 0"
    assert "x must be &gt;= 0" in panel.message.value and "color:" in panel.message.value
    assert result.value == "4.0"
    number.value = 3.0
    assert panel.error is None and panel.message.value == "" and result.value == "9.0"
