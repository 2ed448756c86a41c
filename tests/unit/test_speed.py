"""Specification of deconv_tutor.speed: the matmul ceiling, model throughput, real-time budgets."""

import keras
import numpy as np
import pytest

from deconv_tutor import models, speed

# ----------------------------------------------------------------------------- matmul ceiling


def test_matmul_ceiling_is_a_positive_finite_rate():
    rate = speed.matmul_ceiling(size=32, repeats=1)
    assert np.isfinite(rate) and rate > 0


@pytest.mark.parametrize(
    "kwargs, parameter, error",
    [
        ({"size": 8}, "size", ValueError),
        ({"size": 64.0}, "size", TypeError),
        ({"repeats": 0}, "repeats", ValueError),
        ({"dtype": "int32"}, "dtype", ValueError),
    ],
)
def test_matmul_ceiling_rejects_bad_input_naming_the_parameter(kwargs, parameter, error):
    with pytest.raises(error, match=parameter):
        speed.matmul_ceiling(**kwargs)


# ----------------------------------------------------------------------------- throughput


@pytest.fixture(scope="module")
def denoiser():
    return models.dncnn(channels=3, filters=4, depth=3)


def test_throughput_reports_every_field_for_one_sample(denoiser):
    result = speed.throughput(denoiser, (8, 12, 3), batch_size=2, frames=3, warmup=1)
    assert set(result) == {
        "input_shape",
        "output_shape",
        "output_pixels",
        "macs_per_pixel",
        "macs_per_frame",
        "batch_size",
        "frames_timed",
        "seconds_per_frame",
        "fps",
        "gflops",
    }
    assert result["input_shape"] == (8, 12, 3) and result["output_shape"] == (8, 12, 3)
    assert result["output_pixels"] == 96
    assert result["frames_timed"] == 4  # 3 frames rounded up to whole batches of 2
    assert result["seconds_per_frame"] > 0


def test_throughput_numbers_are_consistent(denoiser):
    result = speed.throughput(denoiser, (8, 8, 3), frames=2)
    assert result["fps"] == pytest.approx(1 / result["seconds_per_frame"])
    assert result["gflops"] == pytest.approx(2 * result["macs_per_frame"] * result["fps"] / 1e9)
    # dncnn's hand count: 9 * filters * (2 * channels + (depth - 2) * filters) per pixel.
    assert result["macs_per_pixel"] == 9 * 4 * (2 * 3 + 1 * 4)
    assert result["macs_per_frame"] == result["macs_per_pixel"] * 64


def test_upscaler_work_is_billed_to_the_output_pixels():
    model = models.espcn(scale=2, channels=1, filters=4, residual=False)
    result = speed.throughput(model, (6, 10, 1), frames=1, warmup=0)
    assert result["output_shape"] == (12, 20, 1) and result["output_pixels"] == 240
    # Per low-resolution pixel: 5*5*1*4 + 3*3*4*2 + 3*3*2*4 = 244 MACs, spread over 4 outputs.
    assert result["macs_per_pixel"] == pytest.approx(244 / 4)
    assert result["macs_per_frame"] == pytest.approx(244 * 60)


def test_temporal_model_takes_a_stack_of_frames_and_returns_one():
    model = models.temporal_denoiser(frames=3, channels=3, filters=4, mode="early_fusion")
    result = speed.throughput(model, (3, 8, 8, 3), frames=1)
    assert result["output_shape"] == (8, 8, 3) and result["output_pixels"] == 64


@pytest.mark.parametrize(
    "args, kwargs, parameter",
    [
        (((8, 8),), {}, "frame_shape"),  # missing the channel axis
        (((8, 8, 1),), {}, "frame_shape"),  # model wants 3 channels
        (((0, 8, 3),), {}, "frame_shape"),
        (((8, 8, 3),), {"batch_size": 0}, "batch_size"),
        (((8, 8, 3),), {"frames": 0}, "frames"),
        (((8, 8, 3),), {"warmup": -1}, "warmup"),
    ],
)
def test_throughput_rejects_bad_input_naming_the_parameter(denoiser, args, kwargs, parameter):
    with pytest.raises(ValueError, match=parameter):
        speed.throughput(denoiser, *args, **kwargs)


def test_throughput_needs_a_keras_model_and_a_shape_tuple(denoiser):
    with pytest.raises(TypeError, match="model"):
        speed.throughput(lambda x: x, (8, 8, 3))
    with pytest.raises(TypeError, match="frame_shape"):
        speed.throughput(denoiser, "8x8")


# ----------------------------------------------------------------------------- real time


def test_real_time_compares_with_the_target_frame_rate():
    assert speed.real_time(24.0) and speed.real_time(30, target=30)
    assert not speed.real_time(23.9) and not speed.real_time(50, target=60)


@pytest.mark.parametrize(
    "kwargs, parameter",
    [({"fps": 0}, "fps"), ({"fps": float("nan")}, "fps"), ({"fps": 30, "target": -1}, "target")],
)
def test_real_time_rejects_non_positive_rates(kwargs, parameter):
    with pytest.raises(ValueError, match=parameter):
        speed.real_time(**kwargs)


def test_max_macs_per_pixel_is_the_real_time_budget():
    budget = speed.max_macs_per_pixel(96.0, (480, 848), fps=24)
    assert budget == pytest.approx(96e9 / (2 * 24 * 480 * 848))
    assert speed.max_macs_per_pixel(96.0, (480, 848), fps=48) == pytest.approx(budget / 2)
    with pytest.raises(ValueError, match="output_size"):
        speed.max_macs_per_pixel(96.0, (480, 848, 3))
    with pytest.raises(ValueError, match="gflops"):
        speed.max_macs_per_pixel(0, (480, 848))


# ----------------------------------------------------------------------------- intensity


def test_thin_layers_do_less_work_per_byte_than_wide_ones():
    rows = speed.arithmetic_intensity(models.dncnn(channels=3, filters=32, depth=3))
    first, middle, last = (row["flops_per_byte"] for row in rows)
    assert middle == pytest.approx(2 * 9 * 32 * 32 / (4 * 64))
    assert first < middle and last < middle


def test_transposed_convolution_intensity_counts_the_strided_writes():
    inputs = keras.Input((None, None, 8))
    outputs = keras.layers.Conv2DTranspose(4, 4, strides=2, padding="same", name="up")(inputs)
    (row,) = speed.arithmetic_intensity(keras.Model(inputs, outputs))
    assert (row["in_channels"], row["out_channels"], row["taps"]) == (8, 4, 16)
    assert row["flops_per_byte"] == pytest.approx(2 * 16 * 8 * 4 / (4 * (8 + 4 * 4)))


# ----------------------------------------------------------------------------- memory bandwidth


def test_memory_bandwidth_is_a_positive_finite_rate():
    rate = speed.memory_bandwidth(megabytes=0.5, repeats=1)
    assert np.isfinite(rate) and rate > 0


@pytest.mark.parametrize(
    "kwargs, parameter", [({"megabytes": 0}, "megabytes"), ({"repeats": 0}, "repeats")]
)
def test_memory_bandwidth_rejects_bad_input_naming_the_parameter(kwargs, parameter):
    with pytest.raises(ValueError, match=parameter):
        speed.memory_bandwidth(**kwargs)


def test_throughput_times_an_upscaler_at_two_frame_sizes_in_a_row():
    # A bicubic resize cannot be traced at unknown sizes; each size gets its own trace.
    model = models.espcn(scale=2, channels=3, filters=4)
    small = speed.throughput(model, (6, 8, 3), frames=1, warmup=1)
    large = speed.throughput(model, (10, 12, 3), frames=1, warmup=1)
    assert small["output_shape"] == (12, 16, 3) and large["output_shape"] == (20, 24, 3)
