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


# ---------------------------------------------------------------- the picture a page shows unrun
def _decoded(encoded):
    import base64

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGB"))


def _two_picture_panel():
    left, right = W.png_bytes(np.zeros((4, 6))), W.png_bytes(np.ones((2, 3, 3)))
    views = {"left": ipywidgets.Image(value=left), "right": ipywidgets.Image(value=right)}
    views["text"] = ipywidgets.HTML("<i>two pictures</i>")
    views["right"].layout.width = "6px"  # shown twice its size, as image_view does
    stride = ipywidgets.IntSlider(2, min=1, max=4, description="stride")
    pad = ipywidgets.SelectionSlider(options=[("valid", "v"), ("1", 1)], description="padding")
    rows = [stride, pad, ipywidgets.HBox([views["left"], views["right"]]), views["text"]]
    return W.Panel({"stride": stride, "padding": pad}, views, rows, lambda panel: None)


def test_panel_bundle_keeps_the_live_widget_and_adds_a_still_picture():
    bundle = _two_picture_panel()._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    page = bundle["text/html"]
    assert page.count('<img src="data:image/') == 2
    assert "<i>two pictures</i>" in page
    assert "stride: <b>2</b>" in page and "padding: <b>valid</b>" in page
    assert "run the cell" in page


def test_panel_bundle_text_is_one_short_line_not_the_widget_tree():
    text = _two_picture_panel()._repr_mimebundle_()["text/plain"]
    assert "Panel(children" not in text and "\n" not in text and len(text) < 140
    assert "stride=2" in text and "padding=valid" in text


def test_panel_bundle_picture_lays_the_views_out_as_the_panel_does():
    bundle = _two_picture_panel()._repr_mimebundle_()
    (mime,) = [key for key in bundle if key.startswith("image/")]
    picture = _decoded(bundle[mime])
    # 4x6 black, a gap, then the 2x3 white picture enlarged to its 6-pixel display width.
    assert picture.shape == (4, 6 + 8 + 6, 3)
    assert picture[:, :6].max() == 0 and picture[:4, 14:].min() == 255


def test_panel_bundle_has_no_image_for_a_panel_of_text():
    bundle = W.output_size_calculator()._repr_mimebundle_()
    assert not [key for key in bundle if key.startswith("image/")]
    assert "output <b>6</b>" in bundle["text/html"]


def test_still_pictures_use_the_smaller_of_png_and_jpeg():
    from deconv_tutor.widgets._shared import compact_image

    flat = np.zeros((64, 64, 3), np.uint8)
    photo = (np.random.default_rng(0).random((64, 64, 3)) * 64).astype(np.uint8)
    photo += np.linspace(0, 180, 64, dtype=np.uint8)[:, None, None]
    assert compact_image(flat)[0] == "image/png"
    assert np.array_equal(_decoded(compact_image(flat)[1]), flat)
    mime, encoded = compact_image(photo)
    assert mime in ("image/png", "image/jpeg") and _decoded(encoded).shape == photo.shape


@pytest.mark.parametrize(
    "build",
    [W.kernel_explorer, W.checkerboard_explorer, W.transposed_conv_stepper],
    ids=["kernel", "checkerboard", "stepper"],
)
def test_every_widget_carries_its_picture_as_html(build):
    panel = build()
    page = panel._repr_mimebundle_()["text/html"]
    for name, view in panel.views.items():
        if isinstance(view, ipywidgets.Image):
            assert "data:image/" in page, name
        elif view.value:
            assert view.value in page, name


def test_still_picture_draws_a_grid_of_unlabelled_boxes_as_a_grid():
    page = W.kernel_explorer()._repr_mimebundle_()["text/html"]
    assert "grid-template-columns: repeat(3, 4.8em)" in page
    assert page.count(">0.0625</span>") == 4 and page.count(">0.25</span>") == 1
    assert ": <b>0.0625" not in page  # no empty "name: value" labels


def _every_panel():
    import keras

    from deconv_tutor import models

    keras.utils.set_random_seed(0)
    model = models.encoder_decoder((16, 16, 3), filters=2, depth=2)
    clip = np.random.default_rng(0).random((2, 16, 16, 3)).astype(np.float32)
    return {
        "kernel": W.kernel_explorer(clip),
        "output_size": W.output_size_calculator(),
        "stepper": W.transposed_conv_stepper(),
        "checkerboard": W.checkerboard_explorer(),
        "feature_maps": W.feature_map_explorer(model, clip),
        "projection": W.deconvnet_projection(model, clip),
        "compare": W.video_compare({"a": clip, "b": clip}),
    }


# JupyterLab gives a description about 80 px (ten characters) and cuts a longer one with "...".
DEFAULT_LABEL_CHARACTERS = 10


def test_no_control_label_is_cut():
    for name, panel in _every_panel().items():
        for key, control in panel.controls.items():
            if len(control.description or "") > DEFAULT_LABEL_CHARACTERS:
                assert control.style.description_width == "initial", (name, key)
            labels = getattr(control, "_options_labels", ())
            if isinstance(control, ipywidgets.ToggleButtons) and max(map(len, labels)) > 12:
                assert control.style.button_width == "auto", (name, key)
