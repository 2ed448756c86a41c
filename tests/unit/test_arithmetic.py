"""Specification of deconv_tutor.arithmetic: sizes agree with Keras, shape traces find the bug."""

import itertools

import keras
import numpy as np
import pytest

from deconv_tutor.arithmetic import (
    ShapeTrace,
    conv_input_sizes,
    conv_output_size,
    conv_transpose_output_size,
    pool_output_size,
    trace_shapes,
    valid_output_paddings,
)

SIZES = range(1, 21)
KERNELS = range(1, 6)
STRIDES = range(1, 4)
DILATIONS = range(1, 3)
MODES = ("valid", "same")


def _ours(function, *args, **kwargs):
    """Our answer, or the string "error" when we refuse with a ValueError."""
    try:
        return function(*args, **kwargs)
    except ValueError:
        return "error"


def _keras_height(compute, size):
    """Keras's output height for a size x size input; "error" where Keras refuses or
    reports an empty output (which our functions refuse on purpose)."""
    try:
        height = compute((1, size, size, 1))[1]
    except ValueError:
        return "error"
    return height if height >= 1 else "error"


def _conv_shape_fn(kernel, stride, padding, dilation):
    if stride > 1 and dilation > 1:
        # Keras layers refuse this combination; keras.ops.conv still computes a shape.
        def compute(shape):
            return keras.ops.conv(
                keras.KerasTensor(shape),
                keras.KerasTensor((kernel, kernel, 1, 1)),
                strides=stride,
                padding=padding,
                dilation_rate=dilation,
            ).shape

        return compute
    layer = keras.layers.Conv2D(1, kernel, strides=stride, padding=padding, dilation_rate=dilation)
    return layer.compute_output_shape


def _conv_transpose_shape_fn(kernel, stride, padding, output_padding, dilation):
    if stride > 1 and dilation > 1:

        def compute(shape):
            return keras.ops.conv_transpose(
                keras.KerasTensor(shape),
                keras.KerasTensor((kernel, kernel, 1, 1)),
                strides=stride,
                padding=padding,
                output_padding=output_padding,
                dilation_rate=dilation,
            ).shape

        return compute
    layer = keras.layers.Conv2DTranspose(
        1,
        kernel,
        strides=stride,
        padding=padding,
        output_padding=output_padding,
        dilation_rate=dilation,
    )
    return layer.compute_output_shape


# --------------------------------------------------------------------------------------
# Sizes agree with Keras on an exhaustive grid
# --------------------------------------------------------------------------------------


def test_conv_output_size_matches_keras_conv2d_on_the_whole_grid():
    checked = 0
    for kernel, stride, dilation, padding in itertools.product(KERNELS, STRIDES, DILATIONS, MODES):
        compute = _conv_shape_fn(kernel, stride, padding, dilation)
        for size in SIZES:
            expected = _keras_height(compute, size)
            got = _ours(conv_output_size, size, kernel, stride, padding, dilation)
            assert got == expected, (size, kernel, stride, padding, dilation)
            checked += 1
    assert checked == 20 * 5 * 3 * 2 * 2


def test_conv_output_size_refuses_exactly_where_keras_refuses():
    # 'valid' with a kernel that does not fit: both refuse; 'same' never refuses.
    assert _keras_height(_conv_shape_fn(5, 1, "valid", 1), 4) == "error"
    with pytest.raises(ValueError, match="kernel_size 5"):
        conv_output_size(4, 5)
    assert conv_output_size(4, 5, padding="same") == 4


@pytest.mark.parametrize("pool_layer", [keras.layers.MaxPooling2D, keras.layers.AveragePooling2D])
def test_pool_output_size_matches_keras_pooling_on_the_whole_grid(pool_layer):
    for pool, stride, padding in itertools.product(KERNELS, (None, *STRIDES), MODES):
        compute = pool_layer(pool, strides=stride, padding=padding).compute_output_shape
        for size in SIZES:
            expected = _keras_height(compute, size)
            got = _ours(pool_output_size, size, pool, stride, padding)
            assert got == expected, (size, pool, stride, padding)


def test_conv_transpose_output_size_matches_keras_conv2d_transpose_on_the_whole_grid():
    checked = 0
    for kernel, stride, dilation, padding in itertools.product(KERNELS, STRIDES, DILATIONS, MODES):
        for output_padding in [None, *range(stride)]:
            compute = _conv_transpose_shape_fn(kernel, stride, padding, output_padding, dilation)
            for size in SIZES:
                expected = _keras_height(compute, size)
                got = _ours(
                    conv_transpose_output_size,
                    size,
                    kernel,
                    stride,
                    padding,
                    output_padding,
                    dilation,
                )
                assert got == expected, (size, kernel, stride, padding, output_padding, dilation)
                checked += 1
    assert checked == 20 * 5 * 2 * 2 * (2 + 3 + 4)


def test_keras_mode_names_are_case_insensitive_like_keras():
    assert conv_output_size(10, 3, 2, "SAME") == conv_output_size(10, 3, 2, "same") == 5
    assert conv_transpose_output_size(5, 3, 2, "Valid") == 11


# --------------------------------------------------------------------------------------
# Explicit padding: the conv_arithmetic formulas
# --------------------------------------------------------------------------------------


def test_explicit_padding_equals_zero_padding_followed_by_a_valid_keras_conv():
    for before, after, kernel, stride in itertools.product(range(3), range(3), KERNELS, STRIDES):
        padder = keras.layers.ZeroPadding2D(((before, after), (before, after)))
        conv = keras.layers.Conv2D(1, kernel, strides=stride, padding="valid")
        for size in SIZES:
            padded_shape = padder.compute_output_shape((1, size, size, 1))
            expected = _keras_height(conv.compute_output_shape, padded_shape[1])
            got = _ours(conv_output_size, size, kernel, stride, (before, after))
            assert got == expected, (size, kernel, stride, before, after)


def test_int_padding_is_per_side():
    assert conv_output_size(7, 3, stride=2, padding=1) == conv_output_size(7, 3, 2, (1, 1)) == 4
    assert conv_output_size(5, 3, padding=(0, 2)) == 5


def test_transposed_size_follows_the_conv_arithmetic_formula_with_explicit_padding():
    # o' = s (i' - 1) + a + d (k - 1) + 1 - 2p
    for size, kernel, stride, pad, dilation in itertools.product(
        range(1, 8), KERNELS, STRIDES, range(3), DILATIONS
    ):
        for output_padding in range(stride):
            expected = stride * (size - 1) + output_padding + dilation * (kernel - 1) + 1 - 2 * pad
            got = _ours(
                conv_transpose_output_size, size, kernel, stride, pad, output_padding, dilation
            )
            assert got == (expected if expected >= 1 else "error")


def test_transposed_conv_with_explicit_padding_undoes_the_forward_size_for_every_output_padding():
    for size, kernel, stride, pad in itertools.product(SIZES, KERNELS, STRIDES, range(3)):
        for output_padding in valid_output_paddings(stride):
            try:
                up = conv_transpose_output_size(size, kernel, stride, pad, output_padding)
            except ValueError:
                continue  # the padding removes everything: no forward input exists
            assert conv_output_size(up, kernel, stride, pad) == size


def test_output_padding_none_means_zero_with_explicit_padding():
    assert conv_transpose_output_size(4, 3, 2, 1) == conv_transpose_output_size(4, 3, 2, 1, 0) == 7


# --------------------------------------------------------------------------------------
# Inverting a strided size is ambiguous: conv_input_sizes and output_padding
# --------------------------------------------------------------------------------------


def test_inputs_3_and_4_both_give_2_at_stride_2_kernel_3_same():
    assert conv_output_size(3, 3, stride=2, padding="same") == 2
    assert conv_output_size(4, 3, stride=2, padding="same") == 2
    assert conv_input_sizes(2, 3, stride=2, padding="same") == [3, 4]


@pytest.mark.parametrize("padding", ["valid", "same", 0, 1, 2, (0, 1), (2, 0)])
def test_conv_input_sizes_is_exactly_the_set_of_inputs_giving_that_output(padding):
    for kernel, stride, dilation in itertools.product(KERNELS, STRIDES, DILATIONS):
        by_output = {}
        for size in range(1, 80):
            output = _ours(conv_output_size, size, kernel, stride, padding, dilation)
            if output != "error":
                by_output.setdefault(output, []).append(size)
        for output in range(1, 15):
            assert conv_input_sizes(output, kernel, stride, padding, dilation) == by_output.get(
                output, []
            ), (output, kernel, stride, padding, dilation)


def test_a_strided_conv_has_stride_many_input_sizes_per_output():
    for kernel, stride in itertools.product(KERNELS, STRIDES):
        assert len(conv_input_sizes(10, kernel, stride, "valid")) == stride
        assert len(conv_input_sizes(10, kernel, stride, "same")) == stride


def test_large_explicit_padding_can_leave_no_input_for_an_output():
    # With 4 zeros on each side even a 1-pixel input gives 9 outputs of a 1x1 kernel.
    assert conv_output_size(1, 1, padding=4) == 9
    assert conv_input_sizes(3, 1, padding=4) == []


@pytest.mark.parametrize(
    ("kernel", "padding"),
    [
        (1, "valid"),
        (2, "valid"),
        (3, "valid"),
        (4, "valid"),
        (1, "same"),
        (3, "same"),
        (5, "same"),
        (3, 1),
        (4, (1, 2)),
    ],
)
def test_each_valid_output_padding_picks_one_of_the_ambiguous_input_sizes(kernel, padding):
    for stride, output in itertools.product(STRIDES, range(2, 12)):
        recovered = [
            conv_transpose_output_size(output, kernel, stride, padding, output_padding)
            for output_padding in valid_output_paddings(stride)
        ]
        assert recovered == conv_input_sizes(output, kernel, stride, padding)


def test_keras_same_with_even_kernel_and_output_padding_is_one_below_the_forward_sizes():
    # Keras's rule (i-1)s + (k mod 2) + a: for even k the candidates shift down by one,
    # so output_padding=0 names a size no 'same' convolution maps back to i.
    for kernel, stride in itertools.product((2, 4), (2, 3)):
        recovered = [
            conv_transpose_output_size(5, kernel, stride, "same", a)
            for a in valid_output_paddings(stride)
        ]
        assert recovered == [size - 1 for size in conv_input_sizes(5, kernel, stride, "same")]
        assert conv_output_size(recovered[0], kernel, stride, "same") == 4


def test_output_padding_none_keeps_keras_default_sizes():
    assert conv_transpose_output_size(8, 3, 2, "same") == 16  # s * i
    assert conv_transpose_output_size(8, 3, 2, "valid") == 17  # s (i-1) + max(k, s)
    assert conv_transpose_output_size(8, 1, 3, "valid") == 24  # stride larger than kernel


@pytest.mark.parametrize("stride", [1, 2, 3, 4])
def test_valid_output_paddings_are_what_keras_conv2d_transpose_accepts(stride):
    allowed = valid_output_paddings(stride)
    assert allowed == list(range(stride))
    for output_padding in allowed:
        keras.layers.Conv2DTranspose(1, 3, strides=stride, output_padding=output_padding)
    with pytest.raises(ValueError):
        keras.layers.Conv2DTranspose(1, 3, strides=stride, output_padding=stride)
    with pytest.raises(ValueError, match="output_padding must be smaller than stride"):
        conv_transpose_output_size(4, 3, stride, "same", output_padding=stride)


def test_valid_output_paddings_do_not_depend_on_dilation_in_keras():
    assert valid_output_paddings(1, dilation=3) == [0]
    assert valid_output_paddings(2, dilation=2) == [0, 1]


# --------------------------------------------------------------------------------------
# Bad input: ValueError / TypeError that names the parameter and the value
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: conv_output_size(0, 3), "size must be a positive integer, got 0"),
        (lambda: conv_output_size(-4, 3), "size must be a positive integer, got -4"),
        (lambda: conv_output_size(6, 0), "kernel_size must be a positive integer, got 0"),
        (lambda: conv_output_size(6, 3, stride=0), "stride must be a positive integer, got 0"),
        (lambda: conv_output_size(6, 3, stride=-1), "stride must be a positive integer, got -1"),
        (lambda: conv_output_size(6, 3, dilation=0), "dilation must be a positive integer, got 0"),
        (lambda: conv_output_size(6, 3, padding="full"), "padding must be 'valid', 'same'"),
        (
            lambda: conv_output_size(6, 3, padding=-1),
            "padding must be a non-negative integer, got -1",
        ),
        (lambda: conv_output_size(6, 3, padding=(1, 2, 3)), "padding as a sequence must be"),
        (lambda: conv_output_size(6, 3, padding=(1, -2)), r"padding\[1\] \(after\) must be"),
        (lambda: conv_output_size(2, 3), "kernel_size 3 .* padded input of 2 pixels"),
        (lambda: conv_output_size(4, 3, dilation=2), "kernel_size 3 \\(covering 5 pixels"),
        (lambda: pool_output_size(1, 2), "pool_size 2 must fit in the padded input of 1"),
        (lambda: pool_output_size(4, 2, stride=0), "stride must be a positive integer, got 0"),
        (lambda: pool_output_size(4, 0), "pool_size must be a positive integer, got 0"),
        (
            lambda: conv_transpose_output_size(4, 3, stride=2, output_padding=2),
            "output_padding must be smaller than stride \\(2\\), got output_padding=2",
        ),
        (
            lambda: conv_transpose_output_size(4, 3, stride=1, output_padding=1),
            "output_padding must be smaller than stride \\(1\\)",
        ),
        (
            lambda: conv_transpose_output_size(4, 3, 2, output_padding=-1),
            "output_padding must be a non-negative integer, got -1",
        ),
        (lambda: conv_transpose_output_size(1, 1, padding=1), "expected a positive output size"),
        (lambda: conv_transpose_output_size(1, 2, 2, "same", 0), "got 0"),
        (lambda: conv_transpose_output_size(4, 3, padding="causal"), "got 'causal'"),
        (lambda: conv_input_sizes(0, 3), "output_size must be a positive integer, got 0"),
        (lambda: conv_input_sizes(3, 3, stride=0), "stride must be a positive integer, got 0"),
        (lambda: valid_output_paddings(0), "stride must be a positive integer, got 0"),
        (lambda: valid_output_paddings(2, dilation=0), "dilation must be a positive integer"),
    ],
)
def test_bad_values_raise_value_error_naming_parameter_and_value(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: conv_output_size("64", 3), "size must be a positive integer, got str '64'"),
        (lambda: conv_output_size(6.5, 3), "size must be a positive integer, got float 6.5"),
        (lambda: conv_output_size(6.0, 3), "size must be a positive integer, got float 6.0"),
        (
            lambda: conv_output_size(64, None),
            "kernel_size must be a positive integer, got NoneType",
        ),
        (
            lambda: conv_output_size(64, 3, stride=True),
            "stride must be a positive integer, got bool",
        ),
        (lambda: conv_output_size(64, 3, padding=None), "padding must be 'valid', 'same'"),
        (lambda: conv_output_size(64, 3, padding=("1", 1)), r"padding\[0\] \(before\)"),
        (lambda: pool_output_size(64, [2]), "pool_size must be a positive integer, got list"),
        (lambda: conv_transpose_output_size(4, 3, 2, output_padding="1"), "output_padding"),
        (lambda: conv_input_sizes(2.0j, 3), "output_size must be a positive integer, got complex"),
        (lambda: valid_output_paddings("2"), "stride must be a positive integer, got str"),
    ],
)
def test_wrong_types_raise_type_error_naming_parameter(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def test_numpy_integers_are_accepted_as_sizes():
    assert conv_output_size(np.int64(64), np.int32(3), padding="same") == 64
    assert type(conv_output_size(np.int64(64), 3)) is int


# --------------------------------------------------------------------------------------
# trace_shapes
# --------------------------------------------------------------------------------------


def _article_model():
    """The article's listing: three poolings, two upsamplings, 'valid' convolutions."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((64, 64, 3), name="image"),
            layers.Conv2D(32, (3, 3), activation="relu", name="conv1"),
            layers.MaxPooling2D((2, 2), name="pool1"),
            layers.Conv2D(64, (3, 3), activation="relu", name="conv2"),
            layers.MaxPooling2D((2, 2), name="pool2"),
            layers.Conv2D(128, (3, 3), activation="relu", name="conv3"),
            layers.MaxPooling2D((2, 2), name="pool3"),
            layers.UpSampling2D((2, 2), name="up1"),
            layers.Conv2D(64, (3, 3), activation="relu", name="conv4"),
            layers.UpSampling2D((2, 2), name="up2"),
            layers.Conv2D(3, (3, 3), activation="sigmoid", padding="same", name="out"),
        ]
    )


def _fixed_encoder_decoder():
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((64, 64, 3), name="image"),
            layers.Conv2D(16, 3, padding="same", activation="relu", name="enc1"),
            layers.MaxPooling2D(2, name="pool1"),
            layers.Conv2D(32, 3, padding="same", activation="relu", name="enc2"),
            layers.MaxPooling2D(2, name="pool2"),
            layers.Conv2DTranspose(32, 3, strides=2, padding="same", name="dec1"),
            layers.Conv2DTranspose(16, 3, strides=2, padding="same", name="dec2"),
            layers.Conv2D(3, 3, padding="same", activation="sigmoid", name="out"),
        ]
    )


def test_trace_of_the_article_model_shows_every_size_from_64_down_to_20():
    trace = trace_shapes(_article_model(), target_shape=(64, 64, 3))
    assert isinstance(trace, ShapeTrace)
    heights = [row.output_shape[0] for row in trace.rows]
    assert heights == [64, 62, 31, 29, 14, 12, 6, 12, 10, 20, 20]
    assert [row.name for row in trace.rows][:2] == ["image", "conv1"]
    assert [row.class_name for row in trace.rows][:3] == ["InputLayer", "Conv2D", "MaxPooling2D"]
    assert trace.final_shape == (20, 20, 3)
    assert trace.mismatch is True


def test_article_model_cannot_reach_its_target_from_the_input_because_of_its_factors():
    trace = trace_shapes(_article_model(), target_shape=(64, 64, 3))
    # Three 2x poolings and two 2x upsamplings: 64 / 8 * 4 = 32 at best.
    assert trace.first_unreachable == "image"
    assert "3 downsamplings by 2 (pool1, pool2, pool3)" in trace.reason
    assert "2 upsamplings by 2 (up1, up2)" in trace.reason
    assert "would give 32x32, not the target 64x64" in trace.reason
    ideal = [row.ideal_final[0] for row in trace.rows]
    assert ideal == [32, 32, 32, 32, 28, 24, 24, 24, 20, 20, 20]


def test_article_trace_counts_the_parameters_like_keras():
    model = _article_model()
    trace = trace_shapes(model)
    assert [row.params for row in trace.rows[1:]] == [
        layer.count_params() for layer in model.layers
    ]
    assert trace.total_params == model.count_params() == 168771


def test_fixed_encoder_decoder_reaches_its_target_and_has_no_culprit():
    trace = trace_shapes(_fixed_encoder_decoder(), target_shape=(64, 64, 3))
    assert [row.output_shape[0] for row in trace.rows] == [64, 64, 32, 32, 16, 32, 64, 64]
    assert trace.final_shape == (64, 64, 3)
    assert trace.mismatch is False
    assert trace.first_unreachable is None
    assert trace.reason is None
    assert all(row.ideal_final == (64, 64) for row in trace.rows)


def test_without_target_nothing_is_judged():
    trace = trace_shapes(_article_model())
    assert trace.target_shape is None
    assert trace.mismatch is None
    assert trace.first_unreachable is None
    assert "target" not in str(trace)


def test_valid_conv_is_named_when_the_factors_alone_would_reach_the_target():
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((64, 64, 3), name="image"),
            layers.Conv2D(8, 3, padding="same", name="keeps"),
            layers.Conv2D(8, 5, padding="valid", name="shrinks"),
            layers.MaxPooling2D(2, name="pool"),
            layers.UpSampling2D(2, name="up"),
            layers.Conv2D(3, 3, padding="same", name="out"),
        ]
    )
    trace = trace_shapes(model, (64, 64, 3))
    assert trace.final_shape == (60, 60, 3)
    assert trace.first_unreachable == "shrinks"
    assert "'valid' padding with a 5x5 kernel" in trace.reason
    assert "64x64 -> 60x60, where 'same' padding would give 64x64" in trace.reason


def test_valid_pooling_of_an_odd_size_is_named_when_it_loses_the_last_row():
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((60, 60, 1), name="image"),
            layers.Conv2D(4, 3, name="conv"),  # 58: still rescued by 'same' pools later
            layers.MaxPooling2D(2, name="pool1"),  # 29
            layers.MaxPooling2D(2, name="pool2"),  # 14: the odd row is gone for good
            layers.UpSampling2D(2, name="up1"),
            layers.UpSampling2D(2, name="up2"),
        ]
    )
    trace = trace_shapes(model, (60, 60, 4))
    assert [row.ideal_final[0] for row in trace.rows] == [60, 60, 60, 56, 56, 56]
    assert trace.first_unreachable == "pool2"
    assert "29x29 -> 14x14, where 'same' padding would give 15x15" in trace.reason
    assert "pooling drops the rows" in trace.reason


def test_a_transposed_conv_that_overshoots_is_named():
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((16, 16, 2), name="code"),
            layers.Conv2DTranspose(2, 3, strides=2, padding="valid", name="up"),
        ]
    )
    trace = trace_shapes(model, (32, 32, 2))
    assert trace.final_shape == (33, 33, 2)
    assert trace.first_unreachable == "up"
    assert "transposed convolution" in trace.reason
    assert "16x16 -> 33x33, where 'same' padding would give 32x32" in trace.reason


def test_a_layer_that_later_repairs_the_size_clears_the_earlier_ones():
    # A 'valid' transposed conv (8 -> 18) reaches a target that 'same' (8 -> 16) would miss.
    inputs = keras.Input((8, 8, 1), name="code")
    outputs = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="valid", name="up")(inputs)
    trace = trace_shapes(keras.Model(inputs, outputs), (18, 18, 1))
    assert trace.rows[0].ideal_final == (16, 16)
    assert trace.mismatch is False
    assert trace.first_unreachable is None


def test_wrong_channel_count_names_the_layer_that_sets_it():
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((16, 16, 3), name="image"),
            layers.Conv2D(8, 3, padding="same", name="features"),
            layers.Conv2D(1, 3, padding="same", name="to_gray"),
            layers.Activation("sigmoid", name="squash"),
        ]
    )
    trace = trace_shapes(model, (16, 16, 3))
    assert trace.first_unreachable == "to_gray"
    assert trace.reason == "it produces 1 channels, the target has 3"


def test_functional_model_with_skip_connection_is_traced_in_graph_order():
    layers = keras.layers
    inputs = keras.Input((32, 32, 3), name="frames")
    skip = layers.Conv2D(8, 3, padding="same", name="enc")(inputs)
    down = layers.MaxPooling2D(2, name="pool")(skip)
    up = layers.Conv2DTranspose(8, 2, strides=2, padding="same", name="dec")(down)
    merged = layers.Concatenate(name="merge")([skip, up])
    outputs = layers.Conv2D(3, 1, name="rgb")(merged)
    trace = trace_shapes(keras.Model(inputs, outputs), target_shape=(32, 32, 3))
    assert [row.name for row in trace.rows] == ["frames", "enc", "pool", "dec", "merge", "rgb"]
    assert trace.rows[4].output_shape == (32, 32, 16)
    assert trace.first_unreachable is None
    assert trace.mismatch is False


def test_dense_and_flatten_layers_are_reported_but_not_analysed_spatially():
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1), name="image"),
            layers.Conv2D(2, 3, name="conv"),
            layers.Flatten(name="flat"),
            layers.Dense(4, name="dense"),
            layers.Dense(3, activation="softmax", name="probs"),
        ]
    )
    trace = trace_shapes(model)
    assert [row.output_shape for row in trace.rows] == [(8, 8, 1), (6, 6, 2), (72,), (4,), (3,)]
    assert [row.params for row in trace.rows] == [0, 20, 0, 292, 15]
    assert trace.rows[-1].ideal_final is None
    mismatched = trace_shapes(model, target_shape=(5,))
    assert mismatched.first_unreachable == "probs"
    assert "differs from the target (5,)" in mismatched.reason


def test_text_table_is_deterministic_and_marks_the_culprit():
    first = str(trace_shapes(_article_model(), (64, 64, 3)))
    second = str(trace_shapes(_article_model(), (64, 64, 3)))
    assert first == second == repr(trace_shapes(_article_model(), (64, 64, 3)))
    lines = first.splitlines()
    assert lines[0].split() == ["layer", "class", "output", "shape", "params", "ideal", "final"]
    assert lines[2].startswith("image ") and lines[2].endswith("<- first unreachable")
    assert "conv1" in lines[3] and "(62, 62, 32)" in lines[3] and "896" in lines[3]
    assert "output (20, 20, 3), target (64, 64, 3): mismatch" in first
    assert all(line == line.rstrip() for line in lines)


def test_html_table_has_one_row_per_layer_and_highlights_the_culprit():
    page = trace_shapes(_article_model(), (64, 64, 3))._repr_html_()
    assert page.startswith("<table")
    assert page.count("<tr") == 1 + 11
    assert page.count("background") == 1
    assert "'same'" not in page and "&#x27;same&#x27;" in page  # the reason is escaped
    assert "first unreachable: image" in page


def test_trace_rejects_what_it_cannot_trace():
    with pytest.raises(TypeError, match="model must be a keras.Model, got list"):
        trace_shapes([keras.layers.Conv2D(1, 3)])
    with pytest.raises(ValueError, match="model must be built on a known input shape"):
        trace_shapes(keras.Sequential([keras.layers.Conv2D(1, 3)]))
    model = _fixed_encoder_decoder()
    with pytest.raises(TypeError, match="target_shape must be a tuple of ints"):
        trace_shapes(model, target_shape=64)
    with pytest.raises(ValueError, match=r"target_shape\[0\] must be a positive integer, got 0"):
        trace_shapes(model, target_shape=(0, 64, 3))
    with pytest.raises(
        TypeError, match=r"target_shape\[0\] must be a positive integer, got NoneType"
    ):
        trace_shapes(model, target_shape=(None, 64, 64, 3))


def test_trace_refuses_targets_it_cannot_compare():
    inputs = keras.Input((None, None, 3), name="any_size")
    outputs = keras.layers.Conv2D(3, 3, padding="same", name="conv")(inputs)
    flexible = keras.Model(inputs, outputs)
    assert trace_shapes(flexible).final_shape == (None, None, 3)
    with pytest.raises(ValueError, match="output of unknown size"):
        trace_shapes(flexible, (64, 64, 3))

    inputs = keras.Input((8, 8, 1), name="image")
    two_heads = keras.Model(
        inputs,
        [keras.layers.Conv2D(1, 1, name="a")(inputs), keras.layers.Conv2D(2, 1, name="b")(inputs)],
    )
    assert trace_shapes(two_heads).final_shape == [(8, 8, 1), (8, 8, 2)]
    with pytest.raises(ValueError, match="one output, got a model with 2 outputs"):
        trace_shapes(two_heads, (8, 8, 1))


def test_a_layer_called_twice_is_refused_rather_than_traced_once():
    inputs = keras.Input((8, 8, 1), name="image")
    shared = keras.layers.Conv2D(1, 3, padding="same", name="shared")
    model = keras.Model(inputs, shared(shared(inputs)))
    with pytest.raises(ValueError, match="layer 'shared' called 2 times"):
        trace_shapes(model)
