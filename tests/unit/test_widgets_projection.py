"""Specification of the deconvnet widget: it shows deconv_tutor.deconvnet's projections,
redraws for every control and reports layers it cannot project as messages."""

import re

import keras
import numpy as np
import pytest

from deconv_tutor import deconvnet, models
from deconv_tutor import widgets as W
from deconv_tutor.widgets.projection import ForwardPasses


def shows_error(panel, text):
    return panel.error is not None and text in panel.error and "color:" in panel.message.value


@pytest.fixture(scope="module")
def small_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="c1")(inputs)
    x = keras.layers.MaxPooling2D(name="p1")(x)
    x = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="c2")(x)
    x = keras.layers.Flatten(name="flat")(x)
    return keras.Model(inputs, keras.layers.Dense(2, name="dense")(x))


@pytest.fixture(scope="module")
def small_clip():
    return np.random.default_rng(1).random((3, 16, 16, 3)).astype(np.float32)


def test_render_projection_shows_the_channel_and_its_projection(small_model, small_clip):
    way_back = deconvnet.projector(small_model, "p1")
    forward = way_back.forward(small_clip[0])
    activation, projection, text = W.render_projection(way_back, forward, 2, "all", 100)
    assert activation.shape == (7, 7, 3) and activation.dtype == np.uint8
    np.testing.assert_array_equal(
        projection, deconvnet.project(small_model, small_clip[0], "p1", 2, keep="all")
    )
    row, col = np.unravel_index(np.argmax(forward.maps[..., 2]), (7, 7))
    assert "channel 2: strongest activation" in text and f"at ({row}, {col}) of 7×7" in text


def test_render_projection_says_when_a_channel_is_silent():
    keras.utils.set_random_seed(2)
    layer = keras.layers.Conv2D(2, 3, activation="relu", name="c")
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, layer(inputs))
    layer.set_weights([layer.get_weights()[0], np.array([-100.0, 0.0], np.float32)])
    way_back = deconvnet.projector(model, "c")
    forward = way_back.forward(np.random.default_rng(0).random((8, 8, 1)))
    activation, projection, text = W.render_projection(way_back, forward, 0)
    assert not activation.any() and np.all(projection == 0.5)
    assert "silent on this frame" in text


def test_render_projection_refuses_what_is_not_a_projector(small_model, small_clip):
    forward = deconvnet.projector(small_model, "c1").forward(small_clip[0])
    with pytest.raises(TypeError, match="way_back must be a deconvnet.Projector"):
        W.render_projection("c1", forward, 0)
    with pytest.raises(TypeError, match="forward must be a ForwardPass"):
        W.render_projection(deconvnet.projector(small_model, "c1"), small_clip[0], 0)


def test_deconvnet_panel_redraws_and_reports_bad_layer_names(small_model, small_clip):
    panel = W.deconvnet_projection(small_model, small_clip)
    assert panel.controls["layer"].options == ("c1", "p1", "c2")
    assert panel.controls["channel"].max == 5
    # Another channel, one with several active units (for one, "whole map" = "strongest").
    maps = deconvnet.projector(small_model, "c2").forward(small_clip[0]).maps
    other = next(
        channel
        for channel in range(6)
        if channel != panel.controls["channel"].value and np.sum(maps[..., channel] > 0) > 1
    )
    for name, value in [("channel", other), ("keep", "all"), ("frame", 1), ("layer", "c1")]:
        before = panel.views["projection"].value
        panel.controls[name].value = value
        assert panel.error is None and panel.views["projection"].value != before, name
    assert panel.controls["channel"].max == 3
    panel.controls["layer"].value = "flat"
    assert shows_error(panel, "a Flatten")
    panel.controls["layer"].value = "no_such_layer"
    assert shows_error(panel, "layer_name must name a layer")


def test_deconvnet_panel_runs_one_forward_pass_per_layer_and_frame(small_model, small_clip):
    panel = W.deconvnet_projection(small_model, small_clip, layer="c2")
    for channel in range(4):
        panel.controls["channel"].value = channel
    panel.controls["keep"].value = "all"
    panel.controls["frame"].value = 2
    panel.controls["layer"].value = "c1"
    panel.cache.wait()
    computed = panel.cache.computed
    assert len(computed) == len(set(computed))
    # The frames shown, each computed once (which passes ahead ran depends on the timing).
    assert {("c2", 0), ("c2", 2), ("c1", 2)} <= set(computed)


ON_JAX = keras.backend.backend() == "jax"


@pytest.mark.skipif(ON_JAX, reason="on JAX nothing is computed ahead (see the next test)")
def test_deconvnet_panel_computes_the_next_frames_ahead_and_draws_the_same(small_model, small_clip):
    panel = W.deconvnet_projection(small_model, small_clip, layer="c2")
    panel.controls["keep"].value = "all"
    panel.cache.wait()
    assert set(panel.cache) == {("c2", i) for i in range(len(small_clip))}
    before = list(panel.cache.computed)
    panel.controls["frame"].value = 1
    assert panel.error is None and panel.cache.computed[: len(before)] == before
    assert ("c2", 1) not in panel.cache.computed[len(before) :]
    # What a pass computed ahead draws is what a pass computed on request draws.
    way_back = deconvnet.projector(small_model, "c2")
    channel = panel.controls["channel"].value
    _, projection, _ = W.render_projection(
        way_back, way_back.forward(small_clip[1]), channel, "all"
    )
    assert panel.views["projection"].value == W.png_bytes(projection)


def test_on_jax_every_pass_is_computed_when_asked_in_the_callers_thread(small_model, small_clip):
    # Keras's JAX predict step donates the variables' buffers: a second thread would race it.
    panel = W.deconvnet_projection(small_model, small_clip, layer="c2")
    panel.controls["frame"].value = 2
    panel.cache.wait()
    assert panel.cache.computes_ahead is not ON_JAX
    if ON_JAX:
        assert panel.error is None and panel.cache.computed == [("c2", 0), ("c2", 2)]


@pytest.mark.skipif(ON_JAX, reason="on JAX nothing is computed ahead")
def test_forward_passes_keep_the_most_recent_and_raise_the_errors_of_a_pass(small_model):
    way_back = deconvnet.projector(small_model, "c2")
    clip = np.random.default_rng(1).random((20, *small_model.input_shape[1:]), np.float32)
    passes = ForwardPasses(kept=3)
    for index in range(5):
        passes.get(way_back, clip, index)
    assert list(passes) == [("c2", 2), ("c2", 3), ("c2", 4)]
    passes.get(way_back, clip, 10)
    passes.ahead(way_back, clip, 10)  # two frames ahead: one fewer than it keeps
    passes.wait()
    assert list(passes) == [("c2", 11), ("c2", 9), ("c2", 10)]
    with pytest.raises(ValueError):
        passes.get(way_back, np.zeros((2, 3, 3, 7), np.float32), 0)
    with pytest.raises(ValueError, match="kept"):
        ForwardPasses(kept=0)


def test_deconvnet_panel_names_the_missing_layer():
    model = models.encoder_decoder((16, 16, 3), filters=2, depth=2)
    frame = np.full((16, 16, 3), 0.5, np.float32)
    with pytest.raises(ValueError, match="layer must be one of the projectable layers"):
        W.deconvnet_projection(model, frame[None], layer="up3_transpose")
    panel = W.deconvnet_projection(model, frame[None], layer="up1_transpose")
    assert panel.error is None and panel.controls["channel"].max == 1
    panel.controls["layer"].value = "up3_transpose"
    assert shows_error(panel, "layer_name must name a layer")


def test_deconvnet_panel_offers_and_redraws_decoder_layers():
    keras.utils.set_random_seed(0)
    model = models.encoder_decoder((16, 16, 3), filters=2, depth=2, upsampling="upsample_conv")
    clip = np.random.default_rng(7).random((2, 16, 16, 3)).astype(np.float32)
    panel = W.deconvnet_projection(model, clip, layer="up2_conv")
    assert "up1_upsample" in panel.controls["layer"].options
    assert panel.controls["channel"].max == 3
    for name, value in [("layer", "up1_conv"), ("channel", None), ("frame", 1), ("keep", "all")]:
        before = panel.views["projection"].value
        if name == "channel":  # up1_conv has two channels: the one not shown
            value = 1 - panel.controls["channel"].value
        panel.controls[name].value = value
        assert panel.error is None and panel.views["projection"].value != before, name


def test_deconvnet_panel_refuses_a_model_with_nothing_to_project():
    inputs = keras.Input((8, 8, 1))
    model = keras.Model(inputs, keras.layers.Flatten()(inputs))
    with pytest.raises(
        ValueError, match=re.escape("model must have layers a deconvnet can project")
    ):
        W.deconvnet_projection(model, np.zeros((1, 8, 8, 1), np.float32))


def _silent_first_channel_model():
    keras.utils.set_random_seed(3)
    layer = keras.layers.Conv2D(3, 3, activation="relu", name="c")
    inputs = keras.Input((12, 12, 1))
    model = keras.Model(inputs, layer(inputs))
    kernel = np.abs(layer.get_weights()[0])
    kernel[..., 0] *= -1  # on a positive frame, channel 0 never fires
    layer.set_weights([kernel, np.zeros(3, np.float32)])
    return model


def test_deconvnet_panel_opens_on_the_strongest_channel_not_a_silent_one():
    model = _silent_first_channel_model()
    clip = np.random.default_rng(4).random((2, 12, 12, 1)).astype(np.float32)
    panel = W.deconvnet_projection(model, clip, layer="c")
    forward = deconvnet.projector(model, "c").forward(clip[0])
    expected = int(np.argmax(forward.maps.max(axis=(0, 1))))
    assert forward.maps[..., 0].max() == 0 and expected != 0
    assert panel.controls["channel"].value == W.strongest_channel(forward) == expected
    assert "silent" not in panel.views["text"].value and panel.error is None


def test_render_projection_contrast_shows_more_than_grey(small_model, small_clip):
    way_back = deconvnet.projector(small_model, "c2")
    forward = way_back.forward(small_clip[0])
    channel = W.strongest_channel(forward)

    def grey(percentile):
        projection = W.render_projection(way_back, forward, channel, "all", percentile)[1]
        return float(np.mean(np.abs(projection - 0.5) < 0.05))

    assert grey(99) < grey(100)
    _, projection, text = W.render_projection(way_back, forward, channel, "all", 99)
    assert projection.min() >= 0 and projection.max() <= 1
    assert "99th percentile of |p|" in text


def test_render_projection_refuses_a_percentile_outside_0_100(small_model, small_clip):
    way_back = deconvnet.projector(small_model, "c1")
    forward = way_back.forward(small_clip[0])
    with pytest.raises(ValueError, match="percentile"):
        W.render_projection(way_back, forward, 0, "max", 0)
    with pytest.raises(TypeError, match="percentile"):
        W.render_projection(way_back, forward, 0, "max", "99")
