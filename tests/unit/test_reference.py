"""Specification of deconv_tutor.reference: NumPy convolutions that agree with Keras.

Property tests draw random configurations (sizes <= 12, channels <= 3, kernels
<= 4, stride, dilation, padding, output_padding) and check shapes against the
Keras layers, values against keras.ops, the views of a transposed convolution
against each other, and the transposed convolution against autodiff.
"""

import math

import keras
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from deconv_tutor import reference
from deconv_tutor.reference import (
    conv2d,
    conv_matrix,
    conv_transpose,
    conv_transpose_matrix,
    conv_transpose_scatter,
    conv_transpose_zero_insert,
    scatter_steps,
)

TRANSPOSED_VIEWS = (
    conv_transpose_scatter,
    conv_transpose_zero_insert,
    conv_transpose_matrix,
    conv_transpose,
)
MAX_SIZE = 12


# --------------------------------------------------------------------------
# Random configurations
# --------------------------------------------------------------------------


def _dilated(kernel_size, dilation):
    return dilation * (kernel_size - 1) + 1


@st.composite
def strides_and_dilations(draw, keras_compatible):
    # TensorFlow's convolutions (and so Keras's layers) refuse stride > 1 together
    # with dilation > 1; the NumPy reference handles it, so the pure-NumPy
    # properties draw both freely.
    pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))
    if not keras_compatible:
        return draw(pairs), draw(pairs)
    if draw(st.booleans()):
        return draw(pairs), (1, 1)
    return (1, 1), draw(pairs)


def _padding_strategy(keras_layer):
    modes = st.sampled_from(["valid", "same"])
    if keras_layer:
        return modes
    return st.one_of(modes, st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)))


def _per_axis(padding):
    if isinstance(padding, str):
        return padding, padding
    if isinstance(padding, int):
        return padding, padding
    return padding


def _images(seed, shape, dtype):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


@st.composite
def conv_configs(draw, keras_compatible=True, keras_layer=False, dtype="float32"):
    """A convolution whose kernel fits the padded input."""
    kernel_size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride, dilation = draw(strides_and_dilations(keras_compatible))
    padding = draw(_padding_strategy(keras_layer))
    size = []
    for k, d, p in zip(kernel_size, dilation, _per_axis(padding)):
        per_side = 0 if p in ("valid", "same") else p
        smallest = 1 if p == "same" else max(1, _dilated(k, d) - 2 * per_side)
        size.append(draw(st.integers(smallest, max(smallest, MAX_SIZE))))
    in_channels, out_channels = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 1, 2]))
    shape = (*size, in_channels) if batch is None else (batch, *size, in_channels)
    seed = draw(st.integers(0, 2**32 - 1))
    return {
        "x": _images(seed, shape, dtype),
        "kernel": _images(seed + 1, (*kernel_size, in_channels, out_channels), dtype),
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
    }


@st.composite
def transpose_configs(draw, keras_compatible=True, keras_layer=False, dtype="float32"):
    """A transposed convolution with a non-empty output (kernel: (kh, kw, out, in))."""
    kernel_size = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride, dilation = draw(strides_and_dilations(keras_compatible))
    size = (draw(st.integers(1, MAX_SIZE)), draw(st.integers(1, MAX_SIZE)))
    output_padding = None
    if draw(st.booleans()):
        output_padding = tuple(draw(st.integers(0, s - 1)) for s in stride)
    dilated = [_dilated(k, d) for k, d in zip(kernel_size, dilation)]
    mode = draw(st.sampled_from(["valid", "same"] if keras_layer else ["valid", "same", "int"]))
    if mode == "int":
        # Explicit padding may crop at most what leaves one output pixel.
        extras = output_padding or (0, 0)
        pads = tuple(
            draw(st.integers(0, min(2, (s * (i - 1) + a + dk - 1) // 2)))
            for i, s, a, dk in zip(size, stride, extras, dilated)
        )
        padding = pads[0] if pads[0] == pads[1] else pads
    else:
        padding = mode
    if padding == "same" and output_padding is not None:
        # A single pixel, an even kernel and output_padding 0 give an empty output.
        assume(all(s * (i - 1) + dk % 2 + a >= 1
                   for i, s, dk, a in zip(size, stride, dilated, output_padding)))
    if keras_compatible and padding == "same" and output_padding is not None:
        # TensorFlow computes conv_transpose as the gradient of a SAME convolution
        # of the output size; with an even dilated kernel and output_padding 0 that
        # convolution yields i - 1 pixels instead of i, and TF aborts.
        assume(all(dk % 2 + a >= 1 for dk, a in zip(dilated, output_padding)))
    in_channels, out_channels = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 1, 2]))
    shape = (*size, in_channels) if batch is None else (batch, *size, in_channels)
    seed = draw(st.integers(0, 2**32 - 1))
    return {
        "x": _images(seed, shape, dtype),
        "kernel": _images(seed + 1, (*kernel_size, out_channels, in_channels), dtype),
        "stride": stride,
        "padding": padding,
        "output_padding": output_padding,
        "dilation": dilation,
    }


# --------------------------------------------------------------------------
# What Keras computes, for the same configuration
# --------------------------------------------------------------------------


def _batched(x):
    return x[np.newaxis] if x.ndim == 3 else x


def _unbatch_like(result, x):
    return result[0] if x.ndim == 3 else result


def keras_conv(x, kernel, stride, padding, dilation):
    """keras.ops.conv; an explicit padding becomes zeros added first, then "valid"."""
    images = _batched(x)
    if not isinstance(padding, str):
        pad_h, pad_w = _per_axis(padding)
        images = np.pad(images, [(0, 0), (pad_h, pad_h), (pad_w, pad_w), (0, 0)])
        padding = "valid"
    result = keras.ops.conv(images, kernel, stride, padding, dilation_rate=dilation)
    return _unbatch_like(keras.ops.convert_to_numpy(result), x)


def keras_conv_transpose(x, kernel, stride, padding, output_padding, dilation):
    """keras.ops.conv_transpose; an explicit padding p crops p pixels per side of "valid"."""
    images = _batched(x)
    if isinstance(padding, str):
        result = keras.ops.conv_transpose(
            images, kernel, stride, padding, output_padding, dilation_rate=dilation
        )
        return _unbatch_like(keras.ops.convert_to_numpy(result), x)
    # With an explicit padding, a missing output_padding means 0 (not Keras's "valid" default).
    result = keras.ops.conv_transpose(
        images, kernel, stride, "valid", output_padding or (0, 0), dilation_rate=dilation
    )
    result = keras.ops.convert_to_numpy(result)
    pad_h, pad_w = _per_axis(padding)
    cropped = result[:, pad_h : result.shape[1] - pad_h, pad_w : result.shape[2] - pad_w]
    return _unbatch_like(cropped, x)


def input_gradient(x, kernel, stride, padding, dilation, upstream):
    """d/dx of sum(conv(x) * upstream), through the active backend's autodiff.

    Keras 3 has no backend-independent gradient op, so this branches on the backend.
    """
    pad_h, pad_w = (0, 0) if isinstance(padding, str) else _per_axis(padding)
    mode = padding if isinstance(padding, str) else "valid"

    def loss(images):
        images = keras.ops.pad(images, [(0, 0), (pad_h, pad_h), (pad_w, pad_w), (0, 0)])
        output = keras.ops.conv(images, kernel, stride, mode, dilation_rate=dilation)
        return keras.ops.sum(output * upstream)

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        images = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(images)
            value = loss(images)
        return tape.gradient(value, images).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(loss)(x))
    if backend == "torch":
        import torch

        images = torch.tensor(x, requires_grad=True)
        loss(images).backward()
        return images.grad.detach().cpu().numpy()
    pytest.skip(f"no autodiff helper for the {backend!r} backend")


def output_padding_restoring(size, kernel_size, stride, padding, dilation):
    """The output_padding for which conv_transpose gives back `size` (None: Keras's default)."""
    dk = _dilated(kernel_size, dilation)
    if padding == "valid":
        return (size - dk) % stride
    if padding == "same":
        produced = math.ceil(size / stride)
        if size == produced * stride:
            return None
        return size - (produced - 1) * stride - dk % 2
    return (size + 2 * padding - dk) % stride


def _keras_layer_shape(layer, x):
    return tuple(layer.compute_output_shape(_batched(x).shape))


# --------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(conv_configs(keras_layer=True))
def test_conv2d_output_shape_equals_keras_conv2d_layer(config):
    layer = keras.layers.Conv2D(
        filters=config["kernel"].shape[3],
        kernel_size=config["kernel"].shape[:2],
        strides=config["stride"],
        padding=config["padding"],
        dilation_rate=config["dilation"],
    )
    assert _batched(conv2d(**config)).shape == _keras_layer_shape(layer, config["x"])


@settings(max_examples=200, deadline=None)
@given(conv_configs())
def test_conv2d_matches_keras_ops_conv(config):
    ours = conv2d(**config)
    theirs = keras_conv(**config)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4)


@settings(max_examples=200, deadline=None)
@given(conv_configs(keras_compatible=False, dtype="float64"))
def test_conv_matrix_times_flattened_input_equals_conv2d(config):
    x = config.pop("x")
    images = _batched(x)
    matrix = conv_matrix(images.shape[1:], **config)
    for image in images:
        np.testing.assert_allclose(
            matrix @ image.ravel(), conv2d(image, **config).ravel(), rtol=0, atol=1e-10
        )


# --------------------------------------------------------------------------
# Transposed convolution
# --------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(transpose_configs(keras_layer=True))
def test_transposed_output_shapes_equal_keras_conv2d_transpose_layer(config):
    layer = keras.layers.Conv2DTranspose(
        filters=config["kernel"].shape[2],
        kernel_size=config["kernel"].shape[:2],
        strides=config["stride"],
        padding=config["padding"],
        output_padding=config["output_padding"],
        dilation_rate=config["dilation"],
    )
    expected = _keras_layer_shape(layer, config["x"])
    for view in TRANSPOSED_VIEWS:
        assert _batched(view(**config)).shape == expected, view.__name__


@settings(max_examples=200, deadline=None)
@given(transpose_configs())
def test_conv_transpose_matches_keras_ops_conv_transpose(config):
    ours = conv_transpose(**config)
    theirs = keras_conv_transpose(**config)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4)


@settings(max_examples=200, deadline=None)
@given(transpose_configs(keras_compatible=False, dtype="float64"))
def test_scatter_zero_insertion_matrix_and_fast_views_agree(config):
    scattered = conv_transpose_scatter(**config)
    for view in (conv_transpose_zero_insert, conv_transpose_matrix, conv_transpose):
        np.testing.assert_allclose(view(**config), scattered, rtol=0, atol=1e-10)


def _restoring_output_padding(x, kernel, stride, padding, dilation):
    """output_padding giving conv_transpose the size of x, or "mixed" if Keras can't say it."""
    per_axis = tuple(
        output_padding_restoring(size, k, s, p, d)
        for size, k, s, p, d in zip(
            _batched(x).shape[1:3], kernel.shape[:2], stride, _per_axis(padding), dilation
        )
    )
    if all(pad is None for pad in per_axis):
        return None
    # Keras takes output_padding=None for both axes or ints for both, not a mix.
    return "mixed" if None in per_axis else per_axis


@settings(max_examples=200, deadline=None)
@given(conv_configs(keras_compatible=False, dtype="float64"), st.integers(0, 2**32 - 1))
def test_conv_transpose_is_the_adjoint_of_conv2d(config, seed):
    # <conv(x), g> == <x, conv_transpose(g)> for every x and g: what "transposed" means.
    x, kernel = config.pop("x"), config.pop("kernel")
    output_padding = _restoring_output_padding(x, kernel, **config)
    assume(output_padding != "mixed")
    y = conv2d(x, kernel, **config)
    upstream = _images(seed, y.shape, "float64")
    back = conv_transpose(upstream, kernel, output_padding=output_padding, **config)
    assert back.shape == x.shape
    assert np.vdot(y, upstream) == pytest.approx(np.vdot(x, back), rel=1e-9, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(conv_configs(), st.integers(0, 2**32 - 1))
def test_gradient_of_conv_wrt_input_is_conv_transpose_of_upstream_gradient(config, seed):
    x, kernel = _batched(config.pop("x")), config.pop("kernel")
    output_padding = _restoring_output_padding(x, kernel, **config)
    assume(output_padding != "mixed")
    upstream = _images(seed, conv2d(x, kernel, **config).shape, "float32")
    expected = input_gradient(x, kernel, upstream=upstream, **config)
    got = conv_transpose(upstream, kernel, output_padding=output_padding, **config)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4)
