"""Specification of deconv_tutor.reference: NumPy convolutions that agree with Keras.

Property tests draw random configurations (sizes <= 12, channels <= 3, kernels
<= 4, stride, dilation, padding, output_padding) and check shapes against the
Keras layers, values against keras.ops, the views of a transposed convolution
against each other, and the transposed convolution against autodiff.
"""

import math
import re
from pathlib import Path

import keras
import numpy as np
import pytest
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from deconv_tutor import autodiff, reference
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
        assume(
            all(
                s * (i - 1) + dk % 2 + a >= 1
                for i, s, dk, a in zip(size, stride, dilated, output_padding)
            )
        )
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
    """keras.ops.conv, one image at a time; an explicit padding becomes zeros, then "valid".

    One image at a time because TF 2.21's oneDNN CPU kernel returns zeros for
    some batched single-channel "same" convolutions (batch 2, stride (1, s), one
    output column): see test_conv2d_is_right_where_tensorflow_onednn_is_not.
    """
    images = _batched(x)
    if not isinstance(padding, str):
        pad_h, pad_w = _per_axis(padding)
        images = np.pad(images, [(0, 0), (pad_h, pad_h), (pad_w, pad_w), (0, 0)])
        padding = "valid"
    results = [
        keras.ops.convert_to_numpy(
            keras.ops.conv(image[np.newaxis], kernel, stride, padding, dilation_rate=dilation)
        )
        for image in images
    ]
    return _unbatch_like(np.concatenate(results), x)


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
    """d/dx of sum(conv(x) * upstream), through the active backend's autodiff."""
    pad_h, pad_w = (0, 0) if isinstance(padding, str) else _per_axis(padding)
    mode = padding if isinstance(padding, str) else "valid"

    def loss(images):
        images = keras.ops.pad(images, [(0, 0), (pad_h, pad_h), (pad_w, pad_w), (0, 0)])
        output = keras.ops.conv(images, kernel, stride, mode, dilation_rate=dilation)
        return keras.ops.sum(keras.ops.multiply(output, upstream))

    return autodiff.gradient(loss, x)


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


@settings(deadline=None)
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


@settings(deadline=None)
@given(conv_configs())
def test_conv2d_matches_keras_ops_conv(config):
    ours = conv2d(**config)
    theirs = keras_conv(**config)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4)


def test_conv2d_is_right_where_tensorflow_onednn_is_not():
    # Found by test_conv2d_matches_keras_ops_conv: with oneDNN on (TF's CPU default),
    # tf.nn.conv2d gives 0 for the second row of every image in this batch.
    x = np.array([0.25, -0.5, -1.0, 0.75], "float32").reshape(2, 2, 1, 1)
    kernel = np.array([2.0, 3.0], "float32").reshape(1, 2, 1, 1)
    # Width 1, stride 2, "same": zeros go after the only column, so only kernel[0, 0] acts.
    np.testing.assert_array_equal(conv2d(x, kernel, stride=(1, 2), padding="same"), 2 * x)


@settings(deadline=None)
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


@settings(deadline=None)
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


@settings(deadline=None)
@given(transpose_configs())
def test_conv_transpose_matches_keras_ops_conv_transpose(config):
    ours = conv_transpose(**config)
    try:
        theirs = keras_conv_transpose(**config)
    except Exception as error:
        # TensorFlow's CPU kernel for a dilated transposed convolution exists only in its
        # oneDNN build path, which some processors do not take: nothing to compare there.
        if max(config["dilation"]) > 1 and "dilation rates larger than 1" in str(error):
            reject()
        raise
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4)


@settings(deadline=None)
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


@settings(deadline=None)
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


@settings(deadline=None)
@given(conv_configs(), st.integers(0, 2**32 - 1))
def test_gradient_of_conv_wrt_input_is_conv_transpose_of_upstream_gradient(config, seed):
    x, kernel = _batched(config.pop("x")), config.pop("kernel")
    output_padding = _restoring_output_padding(x, kernel, **config)
    assume(output_padding != "mixed")
    upstream = _images(seed, conv2d(x, kernel, **config).shape, "float32")
    expected = input_gradient(x, kernel, upstream=upstream, **config)
    got = conv_transpose(upstream, kernel, output_padding=output_padding, **config)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4)


# --------------------------------------------------------------------------
# Worked examples
# --------------------------------------------------------------------------

D2L_X = np.array([[0.0, 1.0], [2.0, 3.0]])
D2L_KERNEL = np.array([[0.0, 1.0], [2.0, 3.0]])


@pytest.mark.parametrize("view", TRANSPOSED_VIEWS, ids=lambda view: view.__name__)
def test_every_view_reproduces_the_d2l_worked_example(view):
    result = view(D2L_X[..., None], D2L_KERNEL[..., None, None])
    np.testing.assert_array_equal(result[..., 0], [[0, 0, 1], [0, 4, 6], [4, 12, 9]])


@pytest.mark.parametrize("view", (conv2d, *TRANSPOSED_VIEWS), ids=lambda view: view.__name__)
def test_unbatched_input_gives_unbatched_output_equal_to_the_batch_of_one(view):
    x = _images(0, (5, 4, 2), "float32")
    kernel = _images(1, (3, 2, 2, 2), "float32")
    single = view(x, kernel, stride=2, padding="same")
    batch = view(x[np.newaxis], kernel, stride=2, padding="same")
    assert single.ndim == 3
    np.testing.assert_allclose(single, batch[0], atol=1e-6)


@pytest.mark.parametrize("view", (conv2d, *TRANSPOSED_VIEWS), ids=lambda view: view.__name__)
def test_float32_stays_float32_and_integers_become_floats(view):
    assert view(np.ones((4, 4, 1), "float32"), np.ones((2, 2, 1, 1), "float32")).dtype == np.float32
    assert view(np.ones((4, 4, 1), "int64"), np.ones((2, 2, 1, 1), "int64")).dtype == np.float64


def test_conv_matrix_flattens_in_row_major_channels_last_order():
    # One input channel, two output channels: row (r * W_out + c) * 2 + o.
    kernel = np.zeros((1, 1, 1, 2))
    kernel[0, 0, 0] = [1.0, 10.0]
    matrix = conv_matrix((2, 2, 1), kernel)
    x = np.array([[1.0, 2.0], [3.0, 4.0]])[..., None]
    np.testing.assert_array_equal(matrix @ x.ravel(), [1, 10, 2, 20, 3, 30, 4, 40])


def test_transposed_matrix_view_multiplies_by_the_transpose_of_conv_matrix():
    kernel = _images(3, (3, 3, 2, 1), "float64")  # Conv2DTranspose: 2 out, 1 in.
    upstream = _images(4, (2, 2, 1), "float64")
    # The forward convolution maps (5, 5, 2) to (2, 2, 1) with stride 2, "valid".
    matrix = conv_matrix((5, 5, 2), kernel, stride=2)
    expected = (matrix.T @ upstream.ravel()).reshape(5, 5, 2)
    np.testing.assert_allclose(conv_transpose_matrix(upstream, kernel, stride=2), expected)


def test_stride_two_kernel_three_valid_doubles_plus_one_and_same_doubles():
    x, kernel = np.ones((1, 8, 8, 3)), np.ones((3, 3, 4, 3))
    assert conv_transpose(x, kernel, stride=2).shape == (1, 17, 17, 4)
    assert conv_transpose(x, kernel, stride=2, padding="same").shape == (1, 16, 16, 4)
    assert conv_transpose(x, kernel, stride=2, padding=1, output_padding=1).shape == (1, 16, 16, 4)


def test_stride_and_dilation_together_are_supported_although_keras_refuses_them():
    x, kernel = _images(5, (4, 4, 1), "float64"), _images(6, (2, 2, 1, 1), "float64")
    results = [view(x, kernel, stride=2, dilation=3) for view in TRANSPOSED_VIEWS]
    assert results[0].shape == (2 * 3 + 4, 2 * 3 + 4, 1)
    for result in results[1:]:
        np.testing.assert_allclose(result, results[0], atol=1e-12)


# --------------------------------------------------------------------------
# scatter_steps
# --------------------------------------------------------------------------


def test_scatter_steps_has_one_partial_output_per_input_pixel_ending_in_the_full_result():
    x, kernel = _images(7, (3, 4), "float64"), _images(8, (3, 3), "float64")
    steps = scatter_steps(x, kernel, stride=2, padding="same")
    assert steps.shape == (12, 6, 8)
    np.testing.assert_allclose(
        steps[-1], conv_transpose(x[..., None], kernel[..., None, None], 2, "same")[..., 0]
    )


def test_each_scatter_step_adds_exactly_one_stamp_of_the_kernel():
    x, kernel = np.array([[2.0, 3.0], [5.0, 7.0]]), np.arange(1.0, 10.0).reshape(3, 3)
    steps = scatter_steps(x, kernel, stride=2)
    np.testing.assert_array_equal(steps[0][:3, :3], 2 * kernel)
    assert np.count_nonzero(steps[0]) == 9
    added = steps[1] - steps[0]  # pixel (0, 1) stamps at column 2 * 1
    np.testing.assert_array_equal(added[:3, 2:5], 3 * kernel)
    assert np.count_nonzero(added) == 9


def test_scatter_steps_takes_a_single_channel_only():
    with pytest.raises(ValueError, match=r"x must have shape \(H, W\).*got shape \(2, 2, 1\)"):
        scatter_steps(np.ones((2, 2, 1)), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"kernel must have shape \(kh, kw\).*\(2, 2, 1, 1\)"):
        scatter_steps(np.ones((2, 2)), np.ones((2, 2, 1, 1)))


# --------------------------------------------------------------------------
# Bad input: a ValueError (or TypeError) that names the parameter and the value
# --------------------------------------------------------------------------

GOOD_X = np.ones((6, 6, 2))
CONV_KERNEL = np.ones((3, 3, 2, 4))  # Conv2D: 2 in, 4 out
TRANSPOSE_KERNEL = np.ones((3, 3, 4, 2))  # Conv2DTranspose: 4 out, 2 in


def _conv_matrix_call(x, kernel, **options):
    return conv_matrix(np.shape(x)[-3:], kernel, **options)


CONV_FUNCTIONS = (conv2d, _conv_matrix_call)
ALL_FUNCTIONS = [(f, CONV_KERNEL) for f in CONV_FUNCTIONS] + [
    (f, TRANSPOSE_KERNEL) for f in TRANSPOSED_VIEWS
]
ALL_IDS = ["conv2d", "conv_matrix", *(view.__name__ for view in TRANSPOSED_VIEWS)]


@pytest.mark.parametrize(("function", "kernel"), ALL_FUNCTIONS, ids=ALL_IDS)
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"stride": 0}, r"stride must be a positive integer.*got 0"),
        ({"stride": -2}, r"stride must be a positive integer.*got -2"),
        ({"stride": (1, 0)}, r"stride must be a positive integer.*got \(1, 0\)"),
        ({"dilation": 0}, r"dilation must be a positive integer.*got 0"),
        ({"padding": "full"}, r"padding must be 'valid', 'same'.*got 'full'"),
        ({"padding": -1}, r"padding must be a non-negative integer.*got -1"),
    ],
)
def test_bad_stride_dilation_or_padding_is_a_value_error_naming_it(
    function, kernel, options, message
):
    with pytest.raises(ValueError, match=message):
        function(GOOD_X, kernel, **options)


@pytest.mark.parametrize(("function", "kernel"), ALL_FUNCTIONS, ids=ALL_IDS)
@pytest.mark.parametrize(
    "options", [{"stride": 1.5}, {"dilation": "2"}, {"padding": 1.0}, {"stride": True}]
)
def test_non_integer_stride_dilation_or_padding_is_a_type_error(function, kernel, options):
    ((name, value),) = options.items()
    expected = "a non-negative integer" if name == "padding" else "a positive integer"
    message = f"{name} must be {expected} or a pair of them, got {re.escape(repr(value))}"
    with pytest.raises(TypeError, match=message):
        function(GOOD_X, kernel, **options)


@pytest.mark.parametrize("function", (conv2d, *TRANSPOSED_VIEWS), ids=lambda f: f.__name__)
@pytest.mark.parametrize("shape", [(6, 6), (1, 1, 6, 6, 2)])
def test_x_of_the_wrong_rank_is_a_value_error(function, shape):
    kernel = CONV_KERNEL if function is conv2d else TRANSPOSE_KERNEL
    expected = r"x must have shape \(H, W, C\) or \(N, H, W, C\), got shape " + re.escape(
        str(shape)
    )
    with pytest.raises(ValueError, match=expected):
        function(np.ones(shape), kernel)


@pytest.mark.parametrize(("function", "kernel"), ALL_FUNCTIONS, ids=ALL_IDS)
def test_kernel_of_the_wrong_rank_is_a_value_error(function, kernel):
    with pytest.raises(ValueError, match=r"kernel must have shape \(kh, kw, .*got shape \(3, 3\)"):
        function(GOOD_X, kernel[..., 0, 0])


@pytest.mark.parametrize(("function", "kernel"), ALL_FUNCTIONS, ids=ALL_IDS)
def test_channels_of_x_and_kernel_must_match(function, kernel):
    with pytest.raises(ValueError, match=r"kernel has 2 input channels .* has 3 channels"):
        function(np.ones((6, 6, 3)), kernel)


def test_a_conv2d_kernel_given_to_a_transposed_convolution_is_caught_by_its_channels():
    # (3, 3, 2, 4) read as Conv2DTranspose means 4 input channels, but x has 2.
    with pytest.raises(ValueError, match=r"axis 3 of the transposed layout"):
        conv_transpose(GOOD_X, CONV_KERNEL)


@pytest.mark.parametrize("function", CONV_FUNCTIONS, ids=["conv2d", "conv_matrix"])
@pytest.mark.parametrize(
    ("kernel_size", "options", "message"),
    [
        (
            7,
            {},
            (
                r"kernel is larger than the padded input along height: dilated kernel size 7, "
                r"padded input size 6 \(padding='valid'\)"
            ),
        ),
        (
            5,
            {"padding": 1, "dilation": 2},
            r"kernel is larger .* height: dilated kernel size 9, padded input size 8 \(padding=1\)",
        ),
    ],
)
def test_kernel_larger_than_the_padded_input_is_a_value_error(
    function, kernel_size, options, message
):
    with pytest.raises(ValueError, match=message):
        function(GOOD_X, np.ones((kernel_size, 1, 2, 1)), **options)


@pytest.mark.parametrize("view", TRANSPOSED_VIEWS, ids=lambda view: view.__name__)
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"stride": 2, "output_padding": 2},
            r"output_padding must be smaller than stride.*got output_padding=2 with stride=\(2, 2\)",
        ),
        ({"output_padding": 1}, r"output_padding=1 with stride=\(1, 1\)"),
        ({"stride": 2, "output_padding": -1}, r"output_padding must be a non-negative.*got -1"),
        ({"padding": 5}, r"padding=5 crops the whole output along height"),
        (
            {"padding": "same", "output_padding": 0},
            r"output_padding=0 with padding='same' gives an empty output along height",
        ),
    ],
)
def test_bad_output_padding_or_a_padding_that_empties_the_output_is_a_value_error(
    view, options, message
):
    # A 1 x 1 input and a 2 x 2 kernel: the full canvas is 2 x 2 at stride 1.
    with pytest.raises(ValueError, match=message):
        view(np.ones((1, 1, 1)), np.ones((2, 2, 1, 1)), **options)


def test_conv_matrix_rejects_a_malformed_input_shape():
    # A bare int is the wrong type (a shape is a tuple); a zero side is a wrong value.
    with pytest.raises(TypeError, match=r"input_shape must be \(H, W\) or \(H, W, C\).*got int 36"):
        conv_matrix(36, CONV_KERNEL)
    with pytest.raises(ValueError, match=r"input_shape .*got \(6, 0, 2\)"):
        conv_matrix((6, 0, 2), CONV_KERNEL)


def test_empty_or_non_numeric_arrays_are_rejected():
    with pytest.raises(ValueError, match=r"x must not be empty, got shape \(0, 6, 2\)"):
        conv2d(np.ones((0, 6, 2)), CONV_KERNEL)
    with pytest.raises(TypeError, match=r"x must hold real numbers, got dtype <U1"):
        conv2d(np.full((6, 6, 2), "a"), CONV_KERNEL)


def test_the_module_imports_numpy_only():
    # Keras appears in these tests, never in the reference implementations.
    source = Path(reference.__file__).read_text(encoding="utf-8")
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["import numpy as np", "from deconv_tutor import _validation as check"]
