"""Specification of deconv_tutor.layers: the custom layers, the softmax head, the bilinear kernel."""

import json
import zipfile

import keras
import numpy as np
import pytest

from deconv_tutor import layers, models

RNG = np.random.default_rng(0)


def frames(*shape):
    return RNG.random(shape, dtype=np.float32)


# ----------------------------------------------------------------------------- DepthToSpace


def test_depth_to_space_puts_each_group_of_scale_squared_channels_in_one_block():
    scale, channels = 3, 2
    x = frames(1, 2, 4, channels * scale**2)
    y = np.asarray(layers.DepthToSpace(scale)(x))
    assert y.shape == (1, 6, 12, channels)
    for i in range(scale):
        for j in range(scale):
            group = (i * scale + j) * channels
            np.testing.assert_array_equal(
                y[0, i::scale, j::scale], x[0, :, :, group : group + channels]
            )


def test_depth_to_space_rejects_channels_not_divisible_by_the_block_area():
    with pytest.raises(ValueError, match="channels divisible by block_size\\*\\*2 = 4"):
        layers.DepthToSpace(2)(keras.Input((4, 4, 6)))


@pytest.mark.parametrize(
    "block_size, error, message",
    [
        (1, ValueError, "block_size must be an integer >= 2, got 1"),
        (2.0, TypeError, "block_size must be an integer >= 2, got float 2.0"),
        (True, TypeError, "block_size must be an integer >= 2, got bool True"),
    ],
)
def test_depth_to_space_block_size_is_an_integer_of_at_least_two(block_size, error, message):
    with pytest.raises(error, match=message):
        layers.DepthToSpace(block_size)


def test_numpy_integers_are_accepted_as_sizes():
    assert layers.DepthToSpace(np.int64(2)).block_size == 2
    assert type(layers.DepthToSpace(np.int64(2)).block_size) is int
    assert layers.bilinear_kernel(np.int32(4), np.int64(1)).shape == (4, 4, 1, 1)


# ----------------------------------------------------------------------------- frames


def test_frames_to_channels_stacks_frame_by_frame():
    clip = frames(1, 3, 4, 5, 2)
    stacked = np.asarray(layers.FramesToChannels()(clip))
    assert stacked.shape == (1, 4, 5, 6)
    for t in range(3):
        np.testing.assert_array_equal(stacked[..., 2 * t : 2 * t + 2], clip[:, t])


def test_select_frame_keeps_one_frame_and_refuses_one_that_is_not_there():
    clip = frames(2, 3, 4, 4, 1)
    np.testing.assert_array_equal(np.asarray(layers.SelectFrame(2)(clip)), clip[:, 2])
    with pytest.raises(ValueError, match="more than index=3 frames"):
        layers.SelectFrame(3)(keras.Input((3, 4, 4, 1)))
    with pytest.raises(ValueError, match="index must be a non-negative integer, got -1"):
        layers.SelectFrame(-1)


# ----------------------------------------------------------------------------- Resize2D


def test_resize2d_matches_keras_bicubic_upsampling_and_survives_save_and_load(tmp_path):
    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, layers.Resize2D(3, interpolation="bicubic")(inputs))
    clip = np.random.default_rng(0).random((2, 7, 5, 3)).astype("float32")
    reference = keras.layers.UpSampling2D(3, interpolation="bicubic")(clip)
    model.predict(clip[:, :6, :4], verbose=0)  # a first size, so the second one retraces
    np.testing.assert_allclose(model.predict(clip, verbose=0), reference, atol=1e-6)
    model.save(tmp_path / "resize.keras")
    loaded = keras.models.load_model(tmp_path / "resize.keras")
    np.testing.assert_allclose(loaded.predict(clip, verbose=0), reference, atol=1e-6)


# ----------------------------------------------------------------------------- saving


def test_models_with_custom_layers_survive_a_save_and_load(tmp_path):
    for model, x in [
        (models.espcn(scale=2, filters=4), frames(1, 6, 6, 3)),
        (models.temporal_denoiser(frames=3, filters=4), frames(1, 3, 8, 8, 3)),
    ]:
        path = tmp_path / f"{model.name}.keras"
        model.save(path)
        loaded = keras.saving.load_model(path, compile=False)
        np.testing.assert_allclose(
            loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
        )


def test_files_saved_when_the_layers_lived_in_models_still_load(tmp_path):
    # Files written before the split name the module deconv_tutor.models; the registered
    # name ("deconv_tutor>DepthToSpace") is what finds the class.
    model = models.espcn(scale=2, filters=4)
    new, old = tmp_path / "new.keras", tmp_path / "old.keras"
    model.save(new)
    with zipfile.ZipFile(new) as source, zipfile.ZipFile(old, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                custom = [
                    layer
                    for layer in config["config"]["layers"]
                    if layer["module"] == "deconv_tutor.layers"
                ]
                assert {layer["registered_name"] for layer in custom} == {
                    "deconv_tutor>DepthToSpace",
                    "deconv_tutor>Resize2D",
                }
                for layer in custom:
                    layer["module"] = "deconv_tutor.models"
                data = json.dumps(config).encode()
            target.writestr(item, data)
    x = frames(1, 6, 6, 3)
    loaded = keras.saving.load_model(old, compile=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


# ----------------------------------------------------------------------------- bilinear kernel


@pytest.mark.parametrize("stride", [2, 3, 4, 8])
def test_bilinear_kernel_makes_a_transposed_convolution_equal_bilinear_upsampling_inside(stride):
    kernel_size = 2 * stride - stride % 2
    layer = keras.layers.Conv2DTranspose(
        2, kernel_size, strides=stride, padding="same", use_bias=False
    )
    layer.build((None, 10, 10, 2))
    layer.set_weights([layers.bilinear_kernel(kernel_size, 2)])
    x = frames(1, 10, 10, 2)
    transposed = keras.ops.convert_to_numpy(layer(x))
    bilinear = keras.ops.convert_to_numpy(
        keras.layers.UpSampling2D(stride, interpolation="bilinear")(x)
    )
    border = 2 * stride  # the layer sees zeros beyond the frame, the resize repeats the edge
    inside = (slice(None), slice(border, -border), slice(border, -border))
    np.testing.assert_allclose(transposed[inside], bilinear[inside], atol=1e-6)
    assert np.abs(transposed - bilinear).max() > 0.01  # ... and the borders do differ


def test_bilinear_kernel_connects_each_channel_only_to_itself():
    kernel = layers.bilinear_kernel(4, 3)
    assert kernel.shape == (4, 4, 3, 3) and kernel.dtype == np.float32
    off_diagonal = kernel * (1 - np.eye(3))[None, None]
    assert not off_diagonal.any()
    np.testing.assert_allclose(kernel[:, :, 1, 1], kernel[:, :, 0, 0])


@pytest.mark.parametrize(
    "args, error, message",
    [
        ((1, 3), ValueError, "kernel_size must be an integer >= 2, got 1"),
        ((4, 0), ValueError, "channels must be a positive integer, got 0"),
        ((4.0, 3), TypeError, "kernel_size must be an integer >= 2, got float 4.0"),
    ],
)
def test_bilinear_kernel_rejects_bad_sizes(args, error, message):
    with pytest.raises(error, match=message):
        layers.bilinear_kernel(*args)


# ----------------------------------------------------------------------------- softmax head


def test_segmentation_head_is_a_1x1_convolution_and_a_per_pixel_softmax():
    features = keras.Input((8, 8, 6))
    model = keras.Model(features, layers.segmentation_head(features, n_classes=3))
    logits, softmax = model.layers[1:]
    assert logits.kernel_size == (1, 1) and logits.filters == 3
    assert softmax.activation is keras.activations.softmax
    values = np.random.default_rng(0).normal(size=(2, 8, 8, 6)).astype("float32")
    probabilities = model.predict(values, verbose=0)
    assert probabilities.shape == (2, 8, 8, 3)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)


def test_segmentation_head_rejects_one_class_and_non_image_tensors():
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2 .*got 1"):
        layers.segmentation_head(keras.Input((8, 8, 6)), n_classes=1)
    with pytest.raises(ValueError, match="x must be a 4-D tensor"):
        layers.segmentation_head(keras.Input((6,)), n_classes=3)
