"""Specification of deconv_tutor.plotting: figures come back closed, images are shown as given."""

import base64
import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from deconv_tutor import plotting

RNG = np.random.default_rng(0)


def figure_is_closed(figure):
    return figure.number not in plt.get_fignums() if hasattr(figure, "number") else True


@pytest.mark.parametrize(
    "images, expected_axes",
    [
        (RNG.random((8, 8)), 1),
        (RNG.random((8, 8, 1)), 1),
        (RNG.random((8, 8, 3)), 1),
        (RNG.random((5, 8, 8, 3)), 5),
        (RNG.random((3, 8, 8)), 3),
        ([RNG.random((4, 6)), RNG.random((9, 7, 3)), np.zeros((5, 5), np.uint8)], 3),
    ],
)
def test_show_images_makes_one_panel_per_image_and_closes_the_figure(images, expected_axes):
    before = len(plt.get_fignums())
    figure = plotting.show_images(images)
    assert len(figure.axes) == expected_axes
    assert len(plt.get_fignums()) == before
    assert figure_is_closed(figure)


def test_show_images_wraps_into_rows_of_ncols_and_hides_spare_axes():
    figure = plotting.show_images(RNG.random((5, 4, 4, 3)), ncols=2)
    assert len(figure.axes) == 6
    assert sum(bool(ax.images) for ax in figure.axes) == 5


def test_show_images_keeps_grey_values_in_their_own_range_when_outside_0_1():
    residual = np.array([[-2.0, 0.0], [1.0, 3.0]])
    figure = plotting.show_images(residual)
    shown = figure.axes[0].images[0]
    assert shown.get_clim() == (-2.0, 3.0)
    np.testing.assert_array_equal(shown.get_array(), residual)


def test_show_images_uses_a_common_0_1_scale_for_grey_images_inside_it():
    figure = plotting.show_images([np.full((3, 3), 0.2), np.full((3, 3), 0.8)])
    assert [ax.images[0].get_clim() for ax in figure.axes] == [(0.0, 1.0), (0.0, 1.0)]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: plotting.show_images([]), "at least one image"),
        (lambda: plotting.show_images(RNG.random((2, 2)), titles=["a", "b"]), "titles"),
        (lambda: plotting.show_images(RNG.random((2, 2)), ncols=0), "ncols"),
        (lambda: plotting.show_images([RNG.random((2, 2, 2))]), "images\\[0\\]"),
        (lambda: plotting.show_images([np.full((2, 2), np.nan)]), "finite"),
    ],
)
def test_show_images_rejects_bad_input_with_a_message_naming_the_parameter(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_as_display_image_clips_floats_only_for_display_and_passes_uint8_through():
    assert plotting.as_display_image(np.array([[-1.0, 2.0]])).tolist() == [[0.0, 1.0]]
    pixels = np.array([[0, 255]], np.uint8)
    assert plotting.as_display_image(pixels) is pixels


def test_before_after_reports_psnr_against_a_reference_and_adds_it_as_a_panel():
    clean = RNG.random((2, 8, 8, 3)).astype(np.float32)
    noisy = np.clip(clean + 0.05, 0, 1)
    figure = plotting.before_after(noisy, clean, ("noisy", "restored"), reference=clean, frame=1)
    titles = [ax.get_title() for ax in figure.axes]
    assert titles[0].startswith("noisy\nPSNR ") and titles[0].endswith(" dB")
    assert "inf" in titles[1]  # identical to the reference
    assert titles[2] == "reference"


def test_before_after_crop_zooms_into_the_region():
    image = RNG.random((16, 16, 3))
    figure = plotting.before_after(image, image, crop=(2, 6, 4, 12))
    assert figure.axes[0].images[0].get_array().shape[:2] == (4, 8)


def test_before_after_rejects_mismatched_shapes_and_bad_crops():
    with pytest.raises(ValueError, match="same shape"):
        plotting.before_after(np.zeros((4, 4)), np.zeros((4, 5)))
    with pytest.raises(ValueError, match="crop"):
        plotting.before_after(np.zeros((4, 4)), np.zeros((4, 4)), crop=(0, 9, 0, 2))
    with pytest.raises(ValueError, match="frame"):
        plotting.before_after(np.zeros((2, 4, 4, 1)), np.zeros((2, 4, 4, 1)), frame=2)


def decode_animation(html_text):
    payload = html_text.split("base64,", 1)[1].split('"', 1)[0]
    return Image.open(io.BytesIO(base64.b64decode(payload)))


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("format", ["gif", "webp"])
def test_show_video_embeds_every_frame_as_a_looping_animation(channels, format):
    clip = RNG.random((5, 12, 10, channels)).astype(np.float32)
    animation = plotting.show_video(clip, fps=10, format=format)
    picture = decode_animation(animation.html)
    assert picture.format == format.upper()
    assert picture.n_frames == 5
    assert picture.size == (10, 12)
    assert animation.nbytes == len(animation.html.encode())
    assert animation._repr_html_() == animation.html


def test_show_video_gif_keeps_grey_levels_exactly():
    clip = np.repeat(np.linspace(0, 1, 16, dtype=np.float32)[None, None, :, None], 4, axis=1)
    clip = np.repeat(clip, 2, axis=0)
    picture = decode_animation(plotting.show_video(clip).html)
    np.testing.assert_array_equal(
        np.asarray(picture.convert("L"))[0], np.round(np.linspace(0, 255, 16)).astype(np.uint8)
    )


def test_show_video_jshtml_is_a_player_and_a_dict_is_shown_side_by_side():
    clip = RNG.random((3, 8, 8, 3)).astype(np.float32)
    player = plotting.show_video(clip, format="jshtml")
    assert "<script" in player.html and "animation" in player.html.lower()
    pair = plotting.show_video({"noisy": clip, "clean": clip})
    assert decode_animation(pair.html).size == (16, 8)
    assert "noisy | clean" in pair.html


def test_show_video_of_a_course_sized_clip_stays_small():
    clip = RNG.random((16, 64, 64, 3)).astype(np.float32)  # noise: the worst case for a codec
    assert plotting.show_video(clip, format="webp").nbytes < 400_000


def test_show_video_refuses_to_grow_a_notebook_past_max_bytes():
    clip = RNG.random((4, 32, 32, 3)).astype(np.float32)
    with pytest.raises(ValueError, match="max_bytes"):
        plotting.show_video(clip, max_bytes=1000)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"video": np.zeros((4, 4, 3))}, "frames, height, width"),
        ({"video": np.zeros((0, 4, 4, 3))}, "at least one frame"),
        ({"video": np.zeros((2, 4, 4, 3)), "fps": 0}, "fps"),
        ({"video": np.zeros((2, 4, 4, 3)), "format": "mp4"}, "format"),
        ({"video": {"a": np.zeros((2, 4, 4, 3)), "b": np.zeros((2, 4, 5, 3))}}, "one shape"),
    ],
)
def test_show_video_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.show_video(**kwargs)


def test_kernel_heatmap_writes_every_value_with_a_readable_colour():
    kernel = np.array([[1.0, -2.5], [0.25, 0.0]])
    figure = plotting.kernel_heatmap(kernel, title="k")
    texts = figure.axes[0].texts
    assert [text.get_text() for text in texts] == ["1.00", "-2.50", "0.25", "0.00"]
    # Strong colours get white text, the pale middle of the colormap black text.
    assert matplotlib.colors.to_hex(texts[1].get_color()) == "#ffffff"
    assert matplotlib.colors.to_hex(texts[3].get_color()) == "#000000"
    assert figure.axes[0].images[0].get_clim() == (-2.5, 2.5)


def test_kernel_heatmap_draws_into_a_given_axes_and_leaves_that_figure_open():
    figure, ax = plt.subplots()
    try:
        assert plotting.kernel_heatmap(np.eye(3), ax=ax) is figure
        assert figure.number in plt.get_fignums()
    finally:
        plt.close(figure)


def test_kernel_heatmap_rejects_anything_but_a_finite_2d_kernel():
    with pytest.raises(ValueError, match=r"kernel must have shape \(kh, kw\)"):
        plotting.kernel_heatmap(np.ones((3, 3, 1, 1)))
    with pytest.raises(ValueError, match="finite"):
        plotting.kernel_heatmap([[np.nan]])


def test_shape_diagram_draws_one_box_per_layer_and_highlights_the_culprit():
    rows = [
        ("in", "InputLayer", (None, 64, 64, 3)),
        ("pool", "MaxPooling2D", (None, 32, 32, 8)),
        ("out", "Conv2D", (None, 20, 20, 3)),
    ]
    figure = plotting.shape_diagram(rows, highlight="out")
    boxes = figure.axes[0].patches
    assert len(boxes) == 3
    heights = [box.get_height() for box in boxes]
    assert heights[0] > heights[1] > heights[2]
    assert matplotlib.colors.to_hex(boxes[2].get_facecolor()[:3]) == "#d62728"


def test_shape_diagram_reads_a_trace_of_a_keras_model():
    arithmetic = pytest.importorskip("deconv_tutor.arithmetic")
    keras = pytest.importorskip("keras")
    model = keras.Sequential(
        [keras.Input((16, 16, 3)), keras.layers.Conv2D(4, 3), keras.layers.MaxPooling2D()]
    )
    figure = plotting.shape_diagram(arithmetic.trace_shapes(model))
    labels = [text.get_text() for text in figure.axes[0].texts]
    assert any("7x7x4" in label for label in labels)
