"""Chapter 11's equal-cost statement: a sub-pixel head (a k x k convolution to C s^2 channels,
then depth-to-space by s) costs what a transposed convolution with kernel k s and stride s
costs, k^2 w C multiply-adds per output pixel, with the same number of weights."""

import keras
import pytest

from deconv_tutor import cost, layers


def sub_pixel_head(width, kernel_size, scale, channels):
    inputs = keras.Input((None, None, width))
    features = keras.layers.Conv2D(channels * scale**2, kernel_size, padding="same")(inputs)
    return keras.Model(inputs, layers.DepthToSpace(scale)(features))


def transposed_head(width, kernel_size, scale, channels):
    inputs = keras.Input((None, None, width))
    outputs = keras.layers.Conv2DTranspose(channels, kernel_size, strides=scale, padding="same")(
        inputs
    )
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize(
    ("width", "kernel_size", "scale", "channels"),
    [(16, 3, 2, 3), (8, 1, 3, 1), (5, 3, 3, 3), (12, 5, 2, 4)],
)
def test_a_sub_pixel_head_costs_what_a_transposed_convolution_with_kernel_k_s_costs(
    width, kernel_size, scale, channels
):
    sub_pixel = sub_pixel_head(width, kernel_size, scale, channels)
    transposed = transposed_head(width, kernel_size * scale, scale, channels)
    shape = (12, 12, width)
    expected = kernel_size**2 * width * channels
    assert cost.macs_per_pixel(sub_pixel, shape) == expected
    assert cost.macs_per_pixel(transposed, shape) == expected
    # The same weights, rearranged; only the biases differ (one per sub-pixel channel).
    weights = (kernel_size * scale) ** 2 * width * channels
    assert cost.parameter_count(sub_pixel) == weights + channels * scale**2
    assert cost.parameter_count(transposed) == weights + channels


def test_a_smaller_transposed_kernel_costs_less_than_the_sub_pixel_head():
    sub_pixel = sub_pixel_head(16, 3, 2, 3)
    for kernel_size in (3, 4):
        smaller = transposed_head(16, kernel_size, 2, 3)
        assert cost.macs_per_pixel(smaller, (12, 12, 16)) < cost.macs_per_pixel(
            sub_pixel, (12, 12, 16)
        )
