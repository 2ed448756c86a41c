"""Specification of the feature-map explorer: the activations of any layer, tiled."""

import math
import re

import keras
import matplotlib
import numpy as np
import pytest

from deconv_tutor import widgets as W

RNG = np.random.default_rng(0)
VIRIDIS_TOP = (np.asarray(matplotlib.colormaps["viridis"](1.0)[:3]) * 255).astype(np.uint8)
VIRIDIS_BOTTOM = (np.asarray(matplotlib.colormaps["viridis"](0.0)[:3]) * 255).astype(np.uint8)


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


def test_feature_map_layers_lists_the_layers_with_4d_outputs(small_model):
    assert W.feature_map_layers(small_model) == ["c1", "p1", "c2"]


def test_feature_maps_are_the_layer_outputs(small_model, small_clip):
    values = W.feature_maps(small_model, small_clip[0], "c2")
    probe = keras.Model(small_model.inputs, small_model.get_layer("c2").output)
    np.testing.assert_allclose(values, probe.predict(small_clip[:1], verbose=0)[0], atol=1e-6)
    assert values.dtype == np.float32


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((np.zeros((16, 16, 3)), "nope"), ValueError, "layer_name must name a layer"),
        ((np.zeros((16, 16, 3)), "flat"), ValueError, "4-D feature maps"),
        ((np.zeros((12, 16, 3)), "c1"), ValueError, "differs in height"),
        ((np.zeros((16, 16, 1)), "c1"), ValueError, "differs in channels"),
        ((np.full((16, 16, 3), np.nan), "c1"), ValueError, "frame must be finite"),
        ((np.zeros((16, 16, 3), complex), "c1"), TypeError, "frame must hold real numbers"),
    ],
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
    np.testing.assert_array_equal(grid[0, 0], VIRIDIS_TOP)
    np.testing.assert_array_equal(grid[-1, 0], VIRIDIS_BOTTOM)


def test_render_feature_maps_draws_a_constant_channel_dark():
    grid, _ = W.render_feature_maps(np.zeros((4, 4, 1)))
    assert np.all(grid == VIRIDIS_BOTTOM)


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((np.zeros((4, 4)),), ValueError, "activations must have shape (H, W, channels)"),
        ((np.full((4, 4, 2), np.nan),), ValueError, "activations must be finite"),
        ((np.zeros((4, 4, 2), complex),), TypeError, "activations must hold real numbers"),
        ((np.zeros((4, 4, 2)), 1.0), TypeError, "first_channel must be an integer in [0, 2)"),
        ((np.zeros((4, 4, 2)), 0, 0), ValueError, "count must be a positive integer"),
        ((np.zeros((4, 4, 2)), 0, 4, True), TypeError, "ncols must be a positive integer"),
    ],
)
def test_render_feature_maps_rejects_bad_values(args, error, message):
    with pytest.raises(error, match=re.escape(message)):
        W.render_feature_maps(*args)


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


def test_feature_map_explorer_refuses_a_clip_that_is_not_a_video(small_model):
    with pytest.raises(TypeError, match=re.escape("clip must hold floats in [0, 1]")):
        W.feature_map_explorer(small_model, np.zeros((2, 16, 16, 3), np.uint8))
    with pytest.raises(ValueError, match="clip must be channels-last with 1 or 3 channels"):
        W.feature_map_explorer(small_model, np.zeros((2, 3, 16, 16), np.float32))
