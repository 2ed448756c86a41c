"""Specification of deconv_tutor.models: the article's model, the fixed encoder-decoder, costs."""

import warnings

import keras
import numpy as np
import pytest

from deconv_tutor import models

# ----------------------------------------------------------------------------- the article's model


def test_the_listing_keeps_the_articles_bugs():
    listing = models.ARTICLE_LISTING
    assert "from keras.layers import Conv2D, Conv2DTranspose, MaxPooling2D, UpSampling2D" in listing
    assert listing.count("MaxPooling2D((2, 2))") == 3
    assert listing.count("UpSampling2D((2, 2))") == 2
    assert listing.count("model.add(Conv2DTranspose") == 0
    assert "metrics=['accuracy']" in listing and "loss='binary_crossentropy'" in listing


def test_article_model_is_the_listing_and_outputs_20x20x3():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # building it prints nothing machine-specific
        model = models.article_model()
    assert model.inputs[0].shape == (None, 64, 64, 3)
    assert model.outputs[0].shape == (None, 20, 20, 3)
    assert [layer.__class__.__name__ for layer in model.layers] == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "UpSampling2D",
        "Conv2D",
        "UpSampling2D",
        "Conv2D",
    ]
    assert model.loss == "binary_crossentropy"


def test_fitting_the_article_model_on_64x64x3_targets_raises_the_shape_error():
    model = models.article_model()
    frames = np.zeros((2, 64, 64, 3), "float32")
    with pytest.raises(ValueError) as error:
        model.fit(frames, frames, epochs=1, verbose=0)
    message = str(error.value)
    assert "(None, 64, 64, 3)" in message and "(None, 20, 20, 3)" in message


# ----------------------------------------------------------------------------- the fixed model


@pytest.mark.parametrize("upsampling", models.UPSAMPLING_MODES)
@pytest.mark.parametrize(
    "input_shape, filters, depth",
    [((16, 16, 3), 4, 1), ((16, 16, 1), 4, 2), ((32, 16, 3), 2, 3), ((8, 24, 2), 2, 3)],
)
def test_encoder_decoder_output_shape_equals_input_shape(input_shape, filters, depth, upsampling):
    model = models.encoder_decoder(input_shape, filters=filters, depth=depth, upsampling=upsampling)
    assert model.outputs[0].shape == (None, *input_shape)


@pytest.mark.parametrize("upsampling", models.UPSAMPLING_MODES)
def test_a_fully_convolutional_encoder_decoder_takes_any_size_divisible_by_2_to_the_depth(
    upsampling,
):
    model = models.encoder_decoder((None, None, 3), filters=2, depth=2, upsampling=upsampling)
    for height, width in ((16, 16), (8, 20)):
        frames = np.random.default_rng(0).random((1, height, width, 3), dtype=np.float32)
        assert model.predict(frames, verbose=0).shape == (1, height, width, 3)


def test_encoder_decoder_balances_poolings_and_upsamplings_with_same_padding():
    for upsampling, upsampler in (
        ("transpose", "Conv2DTranspose"),
        ("upsample_conv", "UpSampling2D"),
    ):
        model = models.encoder_decoder((16, 16, 3), filters=2, depth=2, upsampling=upsampling)
        classes = [layer.__class__.__name__ for layer in model.layers]
        assert classes.count("MaxPooling2D") == classes.count(upsampler) == 2
        assert all(
            layer.padding == "same"
            for layer in model.layers
            if hasattr(layer, "padding") and not isinstance(layer, keras.layers.MaxPooling2D)
        )


def test_transposed_convolutions_use_a_kernel_divisible_by_the_stride():
    model = models.encoder_decoder((16, 16, 3), filters=2, depth=2, upsampling="transpose")
    transposed = [
        layer for layer in model.layers if isinstance(layer, keras.layers.Conv2DTranspose)
    ]
    assert transposed
    for layer in transposed:
        assert all(k % s == 0 for k, s in zip(layer.kernel_size, layer.strides))


def test_resize_convolution_uses_no_transposed_convolution():
    model = models.encoder_decoder((16, 16, 3), filters=2, depth=2, upsampling="upsample_conv")
    assert not any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in model.layers)


def test_encoder_decoder_is_compiled_with_mse_psnr_and_ssim():
    model = models.encoder_decoder((16, 16, 3), filters=2, depth=1)
    frames = np.random.default_rng(0).random((2, 16, 16, 3), dtype=np.float32)
    results = model.evaluate(frames, frames, verbose=0, return_dict=True)
    assert set(results) == {"loss", "psnr", "ssim"}
    assert model.layers[-1].activation is keras.activations.sigmoid
    assert model.outputs[0].dtype == "float32"


def test_output_activation_none_gives_a_linear_output():
    model = models.encoder_decoder((16, 16, 1), filters=2, depth=1, output_activation=None)
    assert model.layers[-1].activation is keras.activations.linear


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"input_shape": (20, 20, 3), "depth": 3},
            "input_shape height must be divisible by 2\\*\\*depth = 8 \\(depth=3\\), got 20",
        ),
        (
            {"input_shape": (16, 12, 3), "depth": 3},
            "input_shape width must be divisible by 2\\*\\*depth = 8",
        ),
        (
            {"input_shape": (16, 16)},
            "input_shape must be \\(height, width, channels\\), got \\(16, 16\\)",
        ),
        ({"input_shape": (16, 16, 0)}, "input_shape channels must be a positive integer, got 0"),
        ({"filters": 0}, "filters must be a positive integer, got 0"),
        ({"depth": 1.5}, "depth must be a positive integer, got 1.5"),
        (
            {"upsampling": "bilinear"},
            "upsampling must be one of 'transpose', 'upsample_conv', got 'bilinear'",
        ),
    ],
)
def test_encoder_decoder_rejects_bad_arguments_with_a_precise_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.encoder_decoder(**kwargs)


# ----------------------------------------------------------------------------- softmax


def test_segmentation_head_is_a_1x1_convolution_and_a_per_pixel_softmax():
    features = keras.Input((8, 8, 6))
    model = keras.Model(features, models.segmentation_head(features, n_classes=3))
    logits, softmax = model.layers[1:]
    assert logits.kernel_size == (1, 1) and logits.filters == 3
    assert softmax.activation is keras.activations.softmax
    values = np.random.default_rng(0).normal(size=(2, 8, 8, 6)).astype("float32")
    probabilities = model.predict(values, verbose=0)
    assert probabilities.shape == (2, 8, 8, 3)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)


def test_segmentation_head_rejects_one_class_and_non_image_tensors():
    with pytest.raises(ValueError, match="n_classes must be at least 2 for a softmax, got 1"):
        models.segmentation_head(keras.Input((8, 8, 6)), n_classes=1)
    with pytest.raises(ValueError, match="x must be a 4-D tensor"):
        models.segmentation_head(keras.Input((6,)), n_classes=3)


def test_softmax_segmenter_trains_on_integer_masks():
    model = models.softmax_segmenter((16, 16, 3), n_classes=4, filters=2, depth=2)
    assert model.outputs[0].shape == (None, 16, 16, 4)
    rng = np.random.default_rng(0)
    frames = rng.random((2, 16, 16, 3), dtype=np.float32)
    masks = rng.integers(0, 4, size=(2, 16, 16)).astype("int32")
    history = model.fit(frames, masks, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "pixel_accuracy", "mean_iou"}


# ----------------------------------------------------------------------------- costs


def tiny_conv_then_transposed():
    inputs = keras.Input((8, 8, 1))
    features = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    outputs = keras.layers.Conv2DTranspose(1, 2, strides=2, padding="same")(features)
    return keras.Model(inputs, outputs)


def test_parameter_count_matches_a_hand_count():
    # Conv2D 3*3*1*2 + 2 = 20; Conv2DTranspose 2*2*1*2 + 1 = 9.
    assert models.parameter_count(tiny_conv_then_transposed()) == 29


def test_macs_per_pixel_matches_a_hand_count():
    # Conv2D: 3*3*1*2 at 8*8 positions = 1152; Conv2DTranspose: 2*2*2*1 at its 8*8
    # input positions = 512; (1152 + 512) / (16*16 output pixels) = 6.5.
    assert models.macs_per_pixel(tiny_conv_then_transposed()) == 6.5
    assert models.count_macs_per_pixel is models.macs_per_pixel


def test_encoder_decoder_costs_match_a_hand_count():
    model = models.encoder_decoder((16, 16, 1), filters=2, depth=1, upsampling="transpose")
    # down1_conv 3*3*1*2+2 = 20, up1_transpose 4*4*2*2+2 = 66, output_conv 3*3*2*1+1 = 19.
    assert models.parameter_count(model) == 105
    # down1_conv 18*16*16 + up1_transpose 64*8*8 + output_conv 18*16*16, over 16*16 pixels.
    assert models.macs_per_pixel(model) == (4608 + 4096 + 4608) / 256


def test_dense_layers_count_once_per_position_and_per_sample_without_spatial_axes():
    inputs = keras.Input((4, 4, 3))
    assert models.macs_per_pixel(keras.Model(inputs, keras.layers.Dense(5)(inputs))) == 15.0
    vector = keras.Input((4,))
    assert models.macs_per_pixel(keras.Model(vector, keras.layers.Dense(3)(vector))) == 12.0


def test_a_fully_convolutional_model_is_measured_at_a_given_input_shape():
    open_model = models.encoder_decoder((None, None, 1), filters=2, depth=1)
    with pytest.raises(ValueError, match="pass input_shape"):
        models.macs_per_pixel(open_model)
    fixed = models.encoder_decoder((16, 16, 1), filters=2, depth=1)
    assert models.macs_per_pixel(open_model, input_shape=(16, 16, 1)) == models.macs_per_pixel(
        fixed
    )
    assert models.macs_per_pixel(open_model, input_shape=(32, 8, 1)) == models.macs_per_pixel(fixed)


def test_nested_models_are_counted_layer_by_layer():
    inner = tiny_conv_then_transposed()
    inputs = keras.Input((8, 8, 1))
    outer = keras.Model(inputs, inner(inputs))
    assert models.macs_per_pixel(outer) == 6.5


def test_costs_reject_what_is_not_a_built_model():
    with pytest.raises(TypeError, match="model must be a keras.Model, got Conv2D"):
        models.parameter_count(keras.layers.Conv2D(1, 3))
    with pytest.raises(ValueError, match="model must be built"):
        models.macs_per_pixel(keras.Sequential([keras.layers.Dense(1)]))
