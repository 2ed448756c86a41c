"""Specification of deconv_tutor.segmenters: FCN and U-Net, a softmax label per pixel."""

import keras
import numpy as np
import pytest

from deconv_tutor import layers, segmenters

RNG = np.random.default_rng(0)


def frames(*shape):
    return RNG.random(shape, dtype=np.float32)


@pytest.mark.parametrize(
    "builder", [segmenters.fcn_segmenter, segmenters.unet], ids=["fcn_segmenter", "unet"]
)
@pytest.mark.parametrize("size", [(16, 16), (32, 24)])
def test_segmenters_output_a_per_pixel_softmax_that_sums_to_one(builder, size):
    model = builder(n_classes=4, channels=3, filters=4)
    probabilities = model.predict(frames(2, *size, 3), verbose=0)
    assert probabilities.shape == (2, *size, 4)
    assert (probabilities >= 0).all()
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)


def test_fcn_upsampling_starts_bilinear_only_when_asked():
    bilinear = segmenters.fcn_segmenter(n_classes=3, filters=2, depth=2).get_layer("upsample")
    assert bilinear.strides == (4, 4) and bilinear.kernel_size == (8, 8)
    np.testing.assert_array_equal(bilinear.get_weights()[0], layers.bilinear_kernel(8, 3))
    random = segmenters.fcn_segmenter(n_classes=3, filters=2, depth=2, bilinear_init=False)
    assert not np.allclose(
        random.get_layer("upsample").get_weights()[0], layers.bilinear_kernel(8, 3)
    )


def test_unet_concatenates_encoder_features_after_each_transposed_convolution():
    model = segmenters.unet(n_classes=2, filters=4, depth=3)
    concats = [layer for layer in model.layers if isinstance(layer, keras.layers.Concatenate)]
    assert [layer.name for layer in concats] == ["up3_concat", "up2_concat", "up1_concat"]
    assert [layer.output.shape[-1] for layer in concats] == [32, 16, 8]


def test_segmenters_train_on_integer_masks():
    masks = RNG.integers(0, 3, size=(2, 16, 16)).astype("int32")
    for model in (
        segmenters.fcn_segmenter(3, filters=2, depth=2),
        segmenters.unet(3, filters=2, depth=1),
    ):
        history = model.fit(frames(2, 16, 16, 3), masks, epochs=1, verbose=0)
        assert set(history.history) == {"loss", "pixel_accuracy", "mean_iou"}


@pytest.mark.parametrize(
    "build, error, message",
    [
        (
            lambda: segmenters.fcn_segmenter(n_classes=1),
            ValueError,
            "n_classes must be an integer >= 2 .*got 1",
        ),
        (
            lambda: segmenters.unet(n_classes=2.5),
            TypeError,
            "n_classes must be an integer >= 2 .*got float 2.5",
        ),
        (
            lambda: segmenters.unet(4, channels=0),
            ValueError,
            "channels must be a positive integer, got 0",
        ),
        (
            lambda: segmenters.fcn_segmenter(3, bilinear_init="yes"),
            TypeError,
            "bilinear_init must be True or False, got str 'yes'",
        ),
        (
            lambda: segmenters.compile_segmenter("model", 3),
            TypeError,
            "model must be a keras.Model, got str",
        ),
    ],
)
def test_segmenters_reject_bad_arguments_naming_the_parameter(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_pixel_crossentropy_is_keras_sparse_crossentropy_averaged_over_pixels():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 4, (2, 5, 6))
    y_pred = rng.random((2, 5, 6, 4)).astype("float32")
    y_pred /= y_pred.sum(axis=-1, keepdims=True)
    ours = keras.ops.convert_to_numpy(segmenters.pixel_crossentropy(y_true, y_pred))
    theirs = keras.ops.convert_to_numpy(
        keras.losses.sparse_categorical_crossentropy(y_true, y_pred)
    )
    assert ours.shape == (60,)
    np.testing.assert_allclose(ours.mean(), theirs.mean(), rtol=1e-6)
