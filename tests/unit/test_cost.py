"""Specification of deconv_tutor.cost: weights and multiply-adds per output pixel of any model."""

import keras
import pytest

from deconv_tutor import cost, layers, models


def tiny_conv_then_transposed():
    inputs = keras.Input((8, 8, 1))
    features = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    outputs = keras.layers.Conv2DTranspose(1, 2, strides=2, padding="same")(features)
    return keras.Model(inputs, outputs)


# ----------------------------------------------------------------------------- hand counts


def test_parameter_count_matches_a_hand_count():
    # Conv2D 3*3*1*2 + 2 = 20; Conv2DTranspose 2*2*1*2 + 1 = 9.
    assert cost.parameter_count(tiny_conv_then_transposed()) == 29


def test_macs_per_pixel_matches_a_hand_count():
    # Conv2D: 3*3*1*2 at 8*8 positions = 1152; Conv2DTranspose: 2*2*2*1 at its 8*8
    # input positions = 512; (1152 + 512) / (16*16 output pixels) = 6.5.
    assert cost.macs_per_pixel(tiny_conv_then_transposed()) == 6.5


def test_encoder_decoder_costs_match_a_hand_count():
    model = models.encoder_decoder((16, 16, 1), filters=2, depth=1, upsampling="transpose")
    # down1_conv 3*3*1*2+2 = 20, up1_transpose 4*4*2*2+2 = 66, output_conv 3*3*2*1+1 = 19.
    assert cost.parameter_count(model) == 105
    # down1_conv 18*16*16 + up1_transpose 64*8*8 + output_conv 18*16*16, over 16*16 pixels.
    assert cost.macs_per_pixel(model) == (4608 + 4096 + 4608) / 256


def test_dense_layers_count_once_per_position_and_per_sample_without_spatial_axes():
    inputs = keras.Input((4, 4, 3))
    assert cost.macs_per_pixel(keras.Model(inputs, keras.layers.Dense(5)(inputs))) == 15.0
    vector = keras.Input((4,))
    assert cost.macs_per_pixel(keras.Model(vector, keras.layers.Dense(3)(vector))) == 12.0


def test_nested_models_are_counted_layer_by_layer():
    inner = tiny_conv_then_transposed()
    inputs = keras.Input((8, 8, 1))
    outer = keras.Model(inputs, inner(inputs))
    assert cost.macs_per_pixel(outer) == 6.5


def test_dncnn_costs_follow_the_formula():
    channels, filters, depth = 3, 8, 5
    model = models.dncnn(channels, filters, depth)
    macs = 9 * filters * (2 * channels + (depth - 2) * filters)
    assert cost.macs_per_pixel(model, input_shape=(16, 16, 3)) == macs
    assert cost.parameter_count(model) == macs + (depth - 1) * filters + channels


def test_upscaler_costs_are_per_output_pixel_with_interpolation_taps():
    # ESPCN x2, 3 channels, 8 filters: 5*5*3*8 + 3*3*8*4 + 3*3*4*12 multiply-adds per
    # low-resolution pixel = 4 output pixels; the bicubic skip adds 16 taps x 3 channels.
    espcn = models.espcn(scale=2, channels=3, filters=8)
    per_low_pixel = 25 * 3 * 8 + 9 * 8 * 4 + 9 * 4 * 12
    assert cost.macs_per_pixel(espcn, input_shape=(8, 8, 3)) == per_low_pixel / 4 + 48
    # Resize-convolution: everything at high resolution, bilinear = 4 taps x 3 channels.
    resize = models.resize_conv_upscaler(scale=2, channels=3, filters=8)
    per_pixel = 9 * 3 * 8 + 9 * 8 * 4 + 9 * 4 * 3 + 12
    assert cost.macs_per_pixel(resize, input_shape=(8, 8, 3)) == per_pixel
    nearest = models.resize_conv_upscaler(scale=2, channels=3, filters=8, interpolation="nearest")
    assert cost.macs_per_pixel(nearest, input_shape=(8, 8, 3)) == per_pixel - 12


def test_conv3d_and_conv3d_transpose_costs_count_every_frame():
    inputs = keras.Input((3, 8, 8, 1))
    features = keras.layers.Conv3D(2, 3, strides=(1, 2, 2), padding="same")(inputs)
    features = keras.layers.Conv3DTranspose(1, (1, 2, 2), strides=(1, 2, 2))(features)
    outputs = layers.SelectFrame(1)(features)
    model = keras.Model(inputs, outputs)
    # Conv3D: 27*1*2 at 3*4*4 output positions; Conv3DTranspose: 4*1*2 at its 3*4*4 input
    # positions; over the 8*8 pixels of the single output frame.
    assert cost.macs_per_pixel(model) == (54 * 48 + 8 * 48) / 64


# ----------------------------------------------------------------------------- input_shape


def test_a_fully_convolutional_model_is_measured_at_a_given_input_shape():
    open_model = models.encoder_decoder((None, None, 1), filters=2, depth=1)
    with pytest.raises(ValueError, match="pass input_shape"):
        cost.macs_per_pixel(open_model)
    fixed = models.encoder_decoder((16, 16, 1), filters=2, depth=1)
    assert cost.macs_per_pixel(open_model, input_shape=(16, 16, 1)) == cost.macs_per_pixel(fixed)
    assert cost.macs_per_pixel(open_model, input_shape=(32, 8, 1)) == cost.macs_per_pixel(fixed)


def test_a_model_built_with_a_list_of_one_input_is_measured_at_a_given_input_shape():
    # keras.Model(model.inputs, ...) keeps the input as a list; cloning must follow it.
    model = models.denoiser_encoder_decoder(filters=4)
    upper = keras.Model(model.inputs, model.get_layer("up1_transpose").output)
    assert isinstance(upper.input, list)
    measured = cost.macs_per_pixel(upper, input_shape=(16, 16, 3))
    assert measured == cost.macs_per_pixel(
        keras.Model(model.input, model.get_layer("up1_transpose").output), input_shape=(16, 16, 3)
    )
    assert 0 < measured < cost.macs_per_pixel(model, input_shape=(16, 16, 3))


def sequential_built_by_input():
    return keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3)])


def sequential_built_by_build():
    model = keras.Sequential([keras.layers.Conv2D(2, 3)])
    model.build((None, None, None, 1))
    return model


def sequential_built_by_a_call():
    model = keras.Sequential([keras.layers.Conv2D(2, 3)])
    model(keras.ops.ones((1, 8, 8, 1)))  # its input is then (8, 8, 1)
    return model


def sequential_compiled():
    model = sequential_built_by_input()
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.mark.parametrize(
    "build",
    [
        sequential_built_by_input,
        sequential_built_by_build,
        sequential_built_by_a_call,
        sequential_compiled,
    ],
)
def test_any_built_sequential_model_is_measured_at_a_given_input_shape(build):
    # 3*3*1*2 multiply-adds at each of the 6*6 output positions of an 8*8 input.
    assert cost.macs_per_pixel(build(), input_shape=(8, 8, 1)) == 18.0


def test_a_nested_model_of_open_size_is_measured_at_the_size_it_receives():
    inner = keras.Sequential([keras.Input((None, None, 2)), keras.layers.Conv2D(1, 1)])
    outer = keras.Sequential(
        [keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3, padding="same"), inner]
    )
    assert cost.macs_per_pixel(outer, input_shape=(8, 8, 1)) == 18.0 + 2.0


def test_input_shape_must_fit_the_models_channels_and_rank():
    model = models.dncnn(channels=1, filters=4, depth=3)
    with pytest.raises(
        ValueError, match=r"fit the model's input \(None, None, 1\).*got \(8, 8, 3\)"
    ):
        cost.macs_per_pixel(model, input_shape=(8, 8, 3))
    with pytest.raises(ValueError, match="fit the model's input"):
        cost.macs_per_pixel(model, input_shape=(8, 8))
    fixed = models.encoder_decoder((16, 16, 1), filters=2, depth=1)
    with pytest.raises(ValueError, match=r"fit the model's input \(16, 16, 1\)"):
        cost.macs_per_pixel(fixed, input_shape=(32, 32, 1))


@pytest.mark.parametrize(
    "input_shape, error",
    [((8.0, 8, 1), TypeError), ("8, 8, 1", TypeError), ((0, 8, 1), ValueError)],
)
def test_input_shape_is_a_tuple_of_positive_integers(input_shape, error):
    with pytest.raises(error, match="input_shape must be a tuple of positive integers"):
        cost.macs_per_pixel(models.dncnn(channels=1, filters=4, depth=3), input_shape=input_shape)


def test_costs_reject_what_is_not_a_built_model():
    with pytest.raises(TypeError, match="model must be a keras.Model, got Conv2D"):
        cost.parameter_count(keras.layers.Conv2D(1, 3))
    with pytest.raises(ValueError, match="model must be built"):
        cost.macs_per_pixel(keras.Sequential([keras.layers.Dense(1)]))


def test_every_zoo_model_has_a_cost():
    shapes = {
        "denoise": (16, 16, 3),
        "deblur": (16, 16, 3),
        "segment": (16, 16, 3),
        "upscale": (8, 8, 3),
        "temporal_denoise": (5, 16, 16, 3),
    }
    for name, builder in models.ZOO.items():
        model = builder()
        assert cost.parameter_count(model) > 0
        assert cost.macs_per_pixel(model, input_shape=shapes[models.ZOO_TASKS[name]]) > 0
