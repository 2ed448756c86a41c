"""Specification of deconv_tutor.models: the article's model, its fix, restoration and temporal models."""

import warnings

import keras
import numpy as np
import pytest

from deconv_tutor import layers, models

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


# Each backend words the mismatch its own way; each names both sizes.
SHAPE_ERRORS = {
    "tensorflow": (ValueError, r"\(None, 64, 64, 3\).*\(None, 20, 20, 3\)"),
    "jax": (TypeError, r"incompatible shapes .*\(2, 64, 64\), \(2, 20, 20\)"),
    "torch": (RuntimeError, r"size of tensor a \(64\) must match the size of tensor b \(20\)"),
}


def test_fitting_the_article_model_on_64x64x3_targets_raises_the_shape_error():
    model = models.article_model()
    frames = np.zeros((2, 64, 64, 3), "float32")
    error, message = SHAPE_ERRORS[keras.backend.backend()]
    with pytest.raises(error, match=message):
        model.fit(frames, frames, epochs=1, verbose=0)


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
        (
            {"upsampling": "bilinear"},
            "upsampling must be one of 'transpose', 'upsample_conv', got 'bilinear'",
        ),
        (
            {"output_activation": "nonsense"},
            "output_activation must be None or the name of a Keras activation .*got 'nonsense'",
        ),
    ],
)
def test_encoder_decoder_rejects_bad_values_with_a_precise_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        models.encoder_decoder(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"depth": 1.5}, "depth must be a positive integer, got float 1.5"),
        ({"input_shape": 64}, "input_shape must be \\(height, width, channels\\), got int 64"),
        ({"input_shape": (16.0, 16, 3)}, "input_shape height must be a positive integer"),
        (
            {"output_activation": 3},
            "output_activation must be None or the name of a Keras activation",
        ),
    ],
)
def test_encoder_decoder_rejects_bad_types_with_a_precise_message(kwargs, message):
    with pytest.raises(TypeError, match=message):
        models.encoder_decoder(**kwargs)


def test_output_activation_can_be_any_keras_activation_name():
    model = models.encoder_decoder((16, 16, 1), filters=2, depth=1, output_activation="tanh")
    assert model.layers[-1].activation is keras.activations.tanh


# ----------------------------------------------------------------------------- softmax


def test_softmax_segmenter_trains_on_integer_masks():
    model = models.softmax_segmenter((16, 16, 3), n_classes=4, filters=2, depth=2)
    assert model.outputs[0].shape == (None, 16, 16, 4)
    rng = np.random.default_rng(0)
    frames = rng.random((2, 16, 16, 3), dtype=np.float32)
    masks = rng.integers(0, 4, size=(2, 16, 16)).astype("int32")
    history = model.fit(frames, masks, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "pixel_accuracy", "mean_iou"}


# ============================================================================= restoration models

RNG = np.random.default_rng(0)


def frames(*shape):
    return RNG.random(shape, dtype=np.float32)


def zero_layer(model, name):
    layer = model.get_layer(name)
    layer.set_weights([np.zeros_like(weight) for weight in layer.get_weights()])


def randomise(model):
    """Random weights everywhere, as after some training (the heads start at zero)."""
    model.set_weights([RNG.normal(0, 0.1, w.shape).astype("float32") for w in model.get_weights()])


@pytest.mark.parametrize("size", [(16, 16), (24, 40), (9, 13)])
@pytest.mark.parametrize("builder", [models.dncnn, models.deblurrer])
def test_same_size_restorers_keep_any_frame_size(builder, size):
    model = builder(channels=3, filters=4)
    assert model.inputs[0].shape == (None, None, None, 3)
    assert model.predict(frames(2, *size, 3), verbose=0).shape == (2, *size, 3)


@pytest.mark.parametrize("size", [(16, 16), (8, 24), (32, 16)])
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_encoder_decoder_denoiser_keeps_sizes_divisible_by_2_to_the_depth(size, depth):
    model = models.denoiser_encoder_decoder(channels=1, filters=4, depth=depth)
    assert model.predict(frames(1, *size, 1), verbose=0).shape == (1, *size, 1)


@pytest.mark.parametrize("scale", [2, 3, 4])
@pytest.mark.parametrize("size", [(8, 8), (6, 10)])
@pytest.mark.parametrize("builder", [models.fsrcnn, models.espcn, models.resize_conv_upscaler])
def test_upscalers_multiply_height_and_width_by_the_scale(builder, scale, size):
    model = builder(scale=scale, channels=3)
    height, width = size
    upscaled = model.predict(frames(1, height, width, 3), verbose=0)
    assert upscaled.shape == (1, scale * height, scale * width, 3)


@pytest.mark.parametrize("scale, size", [(2, (8, 8)), (2, (6, 10)), (3, (4, 8)), (4, (3, 5))])
def test_the_encoder_decoder_upscaler_multiplies_sizes_whose_output_divides_by_its_strides(
    scale, size
):
    model = models.upscaler_encoder_decoder(scale=scale, channels=3, filters=4, depth=2)
    height, width = size
    upscaled = model.predict(frames(1, height, width, 3), verbose=0)
    assert upscaled.shape == (1, scale * height, scale * width, 3)


@pytest.mark.parametrize(
    "builder, last_layer",
    [
        (models.dncnn, "noise"),
        (models.denoiser_encoder_decoder, "noise"),
        (models.deblurrer, "correction"),
    ],
)
def test_residual_restorers_with_a_zeroed_last_layer_are_the_identity(builder, last_layer):
    model = builder(channels=3, filters=4)
    randomise(model)
    clip = frames(2, 16, 16, 3)
    assert np.abs(model.predict(clip, verbose=0) - clip).max() > 1e-3
    zero_layer(model, last_layer)
    np.testing.assert_allclose(model.predict(clip, verbose=0), clip, atol=1e-6)


@pytest.mark.parametrize(
    "builder, head",
    [
        (models.fsrcnn, "deconv"),
        (models.espcn, "subpixel_conv"),
        (models.resize_conv_upscaler, "conv3"),
        (models.upscaler_encoder_decoder, "detail"),
    ],
)
def test_residual_upscalers_with_a_zeroed_head_are_the_interpolation(builder, head):
    model = builder(scale=2, channels=3)
    randomise(model)
    zero_layer(model, head)
    low = frames(1, 8, 8, 3)
    interpolation = "bilinear" if builder is models.resize_conv_upscaler else "bicubic"
    expected = keras.layers.UpSampling2D(2, interpolation=interpolation)(low)
    np.testing.assert_allclose(model.predict(low, verbose=0), np.asarray(expected), atol=1e-6)


@pytest.mark.parametrize(
    "build, x, expected",
    [
        (lambda: models.dncnn(3, 4), frames(1, 8, 8, 3), lambda x: x),
        (lambda: models.denoiser_encoder_decoder(3, 4), frames(1, 8, 8, 3), lambda x: x),
        (lambda: models.deblurrer(3, 4), frames(1, 8, 8, 3), lambda x: x),
        (lambda: models.temporal_denoiser(3, 3, 4), frames(1, 3, 8, 8, 3), lambda x: x[:, 1]),
        (
            lambda: models.espcn(2, 3, 4),
            frames(1, 4, 4, 3),
            lambda x: keras.layers.UpSampling2D(2, interpolation="bicubic")(x),
        ),
        (
            lambda: models.upscaler_encoder_decoder(2, 3, 4),
            frames(1, 4, 4, 3),
            lambda x: keras.layers.UpSampling2D(2, interpolation="bicubic")(x),
        ),
    ],
    ids=[
        "dncnn",
        "denoiser_encoder_decoder",
        "deblurrer",
        "temporal_denoiser",
        "espcn",
        "upscaler_encoder_decoder",
    ],
)
def test_a_fresh_residual_model_starts_as_the_identity_or_the_interpolation(build, x, expected):
    # The last layer starts at zero, so training only adds what helps.
    np.testing.assert_allclose(build().predict(x, verbose=0), np.asarray(expected(x)), atol=1e-6)


def test_the_skip_interpolation_of_the_residual_upscalers_can_be_chosen():
    low = frames(1, 6, 6, 3)
    # Keras's torch backend has no Lanczos resize (refused at build time, tested below).
    skip = "bilinear" if keras.backend.backend() == "torch" else "lanczos3"
    for builder in (models.fsrcnn, models.espcn, models.upscaler_encoder_decoder):
        model = builder(scale=2, skip=skip)
        assert model.get_layer("skip").interpolation == skip
        expected = keras.layers.UpSampling2D(2, interpolation=skip)(low)
        np.testing.assert_allclose(
            model.predict(low, verbose=0), keras.ops.convert_to_numpy(expected), atol=1e-6
        )


def test_upscalers_without_residual_have_no_interpolation_skip():
    for builder in (models.fsrcnn, models.espcn):
        model = builder(scale=2, residual=False)
        assert not any(isinstance(layer, keras.layers.UpSampling2D) for layer in model.layers)
    model = models.resize_conv_upscaler(scale=2, residual=False)
    zero_layer(model, "conv3")
    assert not model.predict(frames(1, 4, 4, 3), verbose=0).any()


def test_a_deep_fsrcnn_starts_with_the_papers_initialisation_and_keeps_its_signal():
    # With Keras's defaults (Glorot, PReLU slope 0) the signal of m=6 shrank more than tenfold
    # from the first layer to the last, and training never left the skip.
    keras.utils.set_random_seed(0)
    model = models.fsrcnn(scale=2, d=56, s=16, m=6)
    slopes = [layer.alpha for layer in model.layers if isinstance(layer, keras.layers.PReLU)]
    assert len(slopes) == 9
    assert all(np.allclose(keras.ops.convert_to_numpy(slope), 0.25) for slope in slopes)
    kernel = keras.ops.convert_to_numpy(model.get_layer("map6").kernel)
    assert kernel.std() == pytest.approx(np.sqrt(2 / (3 * 3 * 16)), rel=0.15)  # He normal
    names = ("feature_prelu", "expand_prelu")
    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in names])
    first, last = (np.abs(out).mean() for out in probe.predict(frames(2, 24, 24, 3), verbose=0))
    assert last > 0.3 * first


def test_fsrcnn_head_is_a_transposed_convolution_with_stride_scale_and_a_kernel_multiple_of_it():
    for scale in (2, 3, 4):
        head = models.fsrcnn(scale=scale).get_layer("deconv")
        assert isinstance(head, keras.layers.Conv2DTranspose)
        assert head.strides == (scale, scale) and head.kernel_size[0] % scale == 0
    assert models.fsrcnn(scale=2, kernel_size=9).get_layer("deconv").kernel_size == (9, 9)


def test_espcn_upsamples_with_depth_to_space_and_no_transposed_convolution():
    model = models.espcn(scale=2)
    kinds = {type(layer) for layer in model.layers}
    assert layers.DepthToSpace in kinds and keras.layers.Conv2DTranspose not in kinds


def test_deblurrer_dilations_rise_and_fall_for_a_receptive_field_wider_than_a_motion_psf():
    model = models.deblurrer(depth=6)
    rates = [
        layer.dilation_rate[0] for layer in model.layers if isinstance(layer, keras.layers.Conv2D)
    ]
    assert rates == [1, 2, 3, 3, 2, 1]
    assert 1 + 2 * sum(rates) == 25


def test_compile_restoration_uses_mse_psnr_ssim_and_an_optional_cosine_decay():
    model = models.dncnn(channels=1, filters=2, depth=2)
    assert model.loss == "mse"
    assert [metric.__name__ for metric in model._compile_config.config["metrics"]] == [
        "psnr",
        "ssim",
    ]
    models.compile_restoration(model, learning_rate=1e-2, loss="mae", decay_steps=100)
    rate = model.optimizer.learning_rate
    assert model.loss == "mae"
    assert float(keras.ops.convert_to_numpy(rate)) == pytest.approx(1e-2)
    schedule = model.optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert float(schedule(100)) == pytest.approx(5e-4)


def test_a_restoration_model_trains_and_reports_psnr_and_ssim():
    model = models.dncnn(channels=1, filters=4, depth=3)
    clean = frames(8, 16, 16, 1)
    noisy = np.clip(clean + RNG.normal(0, 0.1, clean.shape), 0, 1).astype("float32")
    history = model.fit(noisy, clean, epochs=2, batch_size=4, verbose=0)
    assert set(history.history) == {"loss", "psnr", "ssim"}
    assert np.isfinite(history.history["loss"]).all()


# ============================================================================= temporal models


@pytest.mark.parametrize("mode", models.TEMPORAL_MODES)
@pytest.mark.parametrize("n_frames, size", [(3, (16, 16)), (5, (8, 24))])
def test_temporal_denoisers_return_one_frame_from_several(mode, n_frames, size):
    model = models.temporal_denoiser(frames=n_frames, channels=3, filters=4, mode=mode)
    assert model.inputs[0].shape == (None, n_frames, None, None, 3)
    assert model.predict(frames(2, n_frames, *size, 3), verbose=0).shape == (2, *size, 3)


@pytest.mark.parametrize("mode", models.TEMPORAL_MODES)
def test_temporal_denoisers_with_a_zeroed_noise_layer_return_the_middle_frame(mode):
    model = models.temporal_denoiser(frames=5, channels=3, filters=4, mode=mode)
    randomise(model)
    zero_layer(model, "noise")
    clip = frames(1, 5, 8, 8, 3)
    np.testing.assert_allclose(model.predict(clip, verbose=0), clip[:, 2], atol=1e-6)


def test_conv3d_mode_uses_conv3d_and_a_spatial_conv3d_transpose():
    model = models.temporal_denoiser(frames=3, filters=4, mode="conv3d")
    transposed = model.get_layer("up_transpose3d")
    assert isinstance(transposed, keras.layers.Conv3DTranspose)
    assert transposed.strides == (1, 2, 2)
    assert isinstance(model.get_layer("fuse_time"), keras.layers.Conv3D)
    assert model.get_layer("fuse_time").kernel_size == (3, 1, 1)


def test_every_zoo_model_builds_with_its_defaults():
    assert set(models.ZOO) == set(models.ZOO_TASKS)
    for builder in models.ZOO.values():
        model = builder()
        assert isinstance(model, keras.Model) and model.optimizer is not None


# ============================================================================= bad input
# One policy (deconv_tutor._validation): TypeError for a wrong type, ValueError for a wrong value.


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: models.fsrcnn(scale=1), "scale must be an integer >= 2 .*got 1"),
        (lambda: models.dncnn(channels=0), "channels must be a positive integer, got 0"),
        (lambda: models.deblurrer(channels=-1), "channels must be a positive integer, got -1"),
        (
            lambda: models.denoiser_encoder_decoder(channels=0),
            "channels must be a positive integer",
        ),
        (lambda: models.dncnn(depth=1), "depth must be an integer >= 2, got 1"),
        (lambda: models.fsrcnn(m=-1), "m must be a non-negative integer, got -1"),
        (
            lambda: models.temporal_denoiser(mode="late"),
            "mode must be one of 'early_fusion', 'conv3d', got 'late'",
        ),
        (
            lambda: models.temporal_denoiser(frames=4),
            "frames must be a positive odd integer .*got 4",
        ),
        (
            lambda: models.temporal_denoiser(frames=0),
            "frames must be a positive odd integer, got 0",
        ),
        (
            lambda: models.resize_conv_upscaler(interpolation="lanczos3"),
            "interpolation must be one of 'nearest', 'bilinear', 'bicubic', got 'lanczos3'",
        ),
        (
            lambda: models.espcn(skip="area"),
            "skip must be one of 'bicubic', 'lanczos3', 'lanczos5', 'bilinear', 'nearest', got 'area'",
        ),
        (
            lambda: models.compile_restoration(models.dncnn(1, 2, 2), learning_rate=0),
            "learning_rate must be a positive number, got 0",
        ),
        (
            lambda: models.compile_restoration(models.dncnn(1, 2, 2), learning_rate=float("inf")),
            "learning_rate must be a positive number, got inf",
        ),
        (
            lambda: models.compile_restoration(models.dncnn(1, 2, 2), loss="huber"),
            "loss must be one of 'mse', 'mae', got 'huber'",
        ),
    ],
)
def test_builders_reject_bad_values_with_a_value_error_naming_the_parameter(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: models.espcn(scale=2.0), "scale must be an integer >= 2 .*got float 2.0"),
        (
            lambda: models.resize_conv_upscaler(scale=True),
            "scale must be an integer >= 2 .*got bool True",
        ),
        (lambda: models.dncnn(filters="32"), "filters must be a positive integer, got str '32'"),
        (lambda: models.espcn(residual=1), "residual must be True or False, got int 1"),
        (
            lambda: models.temporal_denoiser(mode=3),
            "mode must be one of 'early_fusion', 'conv3d', got int 3",
        ),
        (
            lambda: models.compile_restoration(models.dncnn(1, 2, 2), learning_rate="0.1"),
            "learning_rate must be a positive number, got str '0.1'",
        ),
        (lambda: models.compile_restoration("model"), "model must be a keras.Model, got str"),
    ],
)
def test_builders_reject_bad_types_with_a_type_error_naming_the_parameter(build, message):
    with pytest.raises(TypeError, match=message):
        build()


def test_numpy_integers_are_accepted_wherever_an_integer_is():
    model = models.dncnn(channels=np.int64(1), filters=np.int32(4), depth=np.int64(3))
    assert model.outputs[0].shape == (None, None, None, 1)
    assert (
        models.espcn(scale=np.int64(3), channels=1, filters=4).get_layer("subpixel_conv").filters
        == 9
    )


@pytest.mark.parametrize(
    "build",
    [models.fsrcnn, models.espcn, models.resize_conv_upscaler, models.upscaler_encoder_decoder],
)
def test_an_upscaler_predicts_frames_of_a_second_size_in_the_same_process(build):
    # TensorFlow retraces predict for the new size with height and width unknown.
    model = build(2)
    for size in (8, 12, 16):
        frames = np.random.default_rng(size).random((1, size, size, 3)).astype("float32")
        assert model.predict(frames, verbose=0).shape == (1, 2 * size, 2 * size, 3)


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="a torch backend limit")
@pytest.mark.parametrize("builder", [models.fsrcnn, models.espcn, models.upscaler_encoder_decoder])
def test_lanczos_skip_on_torch_is_refused_with_the_way_out(builder):
    with pytest.raises(
        ValueError, match="skip='lanczos3' needs Lanczos resizing.*use skip='bicubic'"
    ):
        builder(2, skip="lanczos3")
