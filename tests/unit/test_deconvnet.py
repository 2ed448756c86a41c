"""Specification of deconv_tutor.deconvnet, through its public functions only: each layer's
step back is the adjoint of the layer's linear part, the projection of a whole network is
the composition of those steps, and a single activation stays inside its receptive field."""

import re

import keras
import numpy as np
import pytest

from deconv_tutor import deconvnet, models, reference
from deconv_tutor.widgets import feature_maps

RNG = np.random.default_rng(0)


def single_layer_model(layer, shape=(11, 10, 2)):
    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape)
    return keras.Model(inputs, layer(inputs))


def forward_of(model, *inputs):
    batch = inputs[0][None] if len(inputs) == 1 else [x[None] for x in inputs]
    return model.predict(batch, verbose=0)[0]


def assert_adjoint(forward, backward, x, y):
    """<T x, y> = <x, T^T y>, with T x computed by Keras and T^T y by the deconvnet."""
    left = float(np.sum(np.asarray(forward, np.float64) * y))
    right = float(np.sum(np.asarray(x, np.float64) * backward))
    assert right == pytest.approx(left, rel=1e-4, abs=1e-5 * float(np.abs(y).sum()))


def sparse_like(y, seed):
    # A deconvnet signal is usually one activation or one channel: exercise the path that
    # carries only the non-zero window and channels.
    mask = np.zeros(y.shape, bool)
    rng = np.random.default_rng(seed)
    mask[rng.integers(y.shape[0]), rng.integers(y.shape[1]), rng.integers(y.shape[2])] = True
    mask[-1, -1, 0] = True
    return np.where(mask, y, 0).astype(np.float32)


# --------------------------------------------------------------- each layer's step back
CONV_CASES = [
    (kernel, stride, padding, dilation)
    for kernel in (1, 2, 3)
    for stride in (1, 2, 3)
    for padding in ("valid", "same")
    for dilation in (1, 2)
    if stride == 1 or dilation == 1
]


@pytest.mark.parametrize("kernel, stride, padding, dilation", CONV_CASES)
def test_step_back_through_a_convolution_is_its_adjoint(kernel, stride, padding, dilation):
    layer = keras.layers.Conv2D(
        4, kernel, strides=stride, padding=padding, dilation_rate=dilation, use_bias=False
    )
    model = single_layer_model(layer, (9, 8, 3))
    x = RNG.normal(size=(9, 8, 3)).astype(np.float32)
    forward = forward_of(model, x)
    for y in (RNG.normal(size=forward.shape).astype(np.float32), sparse_like(forward, kernel)):
        (backward,) = deconvnet.backward_step(layer, y, [x])
        assert backward.shape == x.shape and backward.dtype == np.float32
        assert_adjoint(forward, backward, x, y)


# Keras refuses dilation with stride; TensorFlow's oneDNN kernel aborts on an even kernel
# with padding="same" and output_padding=0, so Keras has no reference there.
TRANSPOSE_CASES = [
    (kernel, stride, padding, output_padding, dilation)
    for kernel in (2, 3, 4)
    for stride in (1, 2, 3)
    for padding in ("valid", "same")
    for output_padding in sorted({None, 0, stride - 1}, key=str)
    for dilation in (1, 2)
    if (stride == 1 or dilation == 1)
    and not (kernel % 2 == 0 and padding == "same" and output_padding == 0)
]


@pytest.mark.parametrize("kernel, stride, padding, output_padding, dilation", TRANSPOSE_CASES)
def test_step_back_through_a_transposed_convolution_is_its_adjoint(
    kernel, stride, padding, output_padding, dilation
):
    layer = keras.layers.Conv2DTranspose(
        4,
        kernel,
        strides=stride,
        padding=padding,
        output_padding=output_padding,
        dilation_rate=dilation,
        use_bias=False,
    )
    single_layer_model(layer, (7, 6, 3))
    x = RNG.normal(size=(7, 6, 3)).astype(np.float32)
    # T x by the NumPy reference (checked against Keras in test_reference): TensorFlow's CPU
    # kernel has no dilated transposed convolution.
    weights = keras.ops.convert_to_numpy(layer.kernel)
    forward = reference.conv_transpose(x, weights, stride, padding, output_padding, dilation)
    for y in (RNG.normal(size=forward.shape).astype(np.float32), sparse_like(forward, kernel)):
        (backward,) = deconvnet.backward_step(layer, y, [x])
        assert backward.shape == x.shape and backward.dtype == np.float32
        assert_adjoint(forward, backward, x, y)


@pytest.mark.parametrize("size", [2, (3, 2), (1, 3)])
def test_step_back_through_nearest_upsampling_sums_each_block(size):
    layer = keras.layers.UpSampling2D(size)
    model = single_layer_model(layer, (5, 4, 3))
    x = RNG.normal(size=(5, 4, 3)).astype(np.float32)
    forward = forward_of(model, x)
    for y in (RNG.normal(size=forward.shape).astype(np.float32), sparse_like(forward, 1)):
        (backward,) = deconvnet.backward_step(layer, y, [x])
        assert_adjoint(forward, backward, x, y)


@pytest.mark.parametrize(
    "merge, axis", [("add", None), ("concatenate", -1), ("concatenate", 2), ("concatenate", 1)]
)
def test_step_back_through_a_skip_copies_or_splits_the_signal(merge, axis):
    shapes = (
        [(4, 5, 2), (4, 5, 2)]
        if merge == "add"
        else [(4, 5, 2), (4, 5, 3) if axis == -1 else (4, 7, 2) if axis == 2 else (6, 5, 2)]
    )
    layer = keras.layers.Add() if merge == "add" else keras.layers.Concatenate(axis=axis)
    inputs = [keras.Input(shape) for shape in shapes]
    model = keras.Model(inputs, layer(inputs))
    xs = [RNG.normal(size=shape).astype(np.float32) for shape in shapes]
    forward = forward_of(model, *xs)
    for y in (RNG.normal(size=forward.shape).astype(np.float32), sparse_like(forward, 2)):
        backward = deconvnet.backward_step(layer, y, xs)
        assert [part.shape for part in backward] == [x.shape for x in xs]
        # The adjoint of (x1, x2) -> T(x1, x2) is y -> (T1^T y, T2^T y).
        left = float(np.sum(forward.astype(np.float64) * y))
        right = sum(float(np.sum(x.astype(np.float64) * part)) for x, part in zip(xs, backward))
        assert right == pytest.approx(left, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize(
    "pool, stride, padding, shape",
    [
        (2, 2, "valid", (8, 8, 2)),
        (2, 2, "valid", (9, 7, 2)),
        (3, 2, "same", (9, 7, 2)),
        (3, 3, "same", (10, 8, 1)),
        (3, 1, "valid", (6, 6, 1)),
    ],
)
def test_step_back_through_max_pooling_puts_each_value_where_its_maximum_was(
    pool, stride, padding, shape
):
    layer = keras.layers.MaxPooling2D(pool, stride, padding)
    model = single_layer_model(layer, shape)
    x = RNG.permutation(np.prod(shape)).reshape(shape).astype(np.float32)  # no ties
    pooled = forward_of(model, x)
    (backward,) = deconvnet.backward_step(layer, pooled, [x])
    # Unpooling is the adjoint of the selection the forward pass made: the pooled values,
    # sent back, add up to the same total, and land only on window maxima.
    assert backward.sum() == pytest.approx(pooled.sum())
    rows, cols, channels = np.nonzero(backward)
    assert set(x[rows, cols, channels].tolist()) <= set(pooled.ravel().tolist())
    assert_adjoint(pooled, backward, x, pooled)  # <max-selection of x, y> with y = pooled


def test_step_back_through_a_relu_rectifies_and_through_dropout_passes_on():
    y = RNG.normal(size=(4, 4, 2)).astype(np.float32)
    x = np.zeros((4, 4, 2), np.float32)
    for layer, expected in [
        (keras.layers.ReLU(), np.maximum(y, 0)),
        (keras.layers.Activation("tanh"), y),
        (keras.layers.Dropout(0.5), y),
    ]:
        single_layer_model(layer, (4, 4, 2))
        (backward,) = deconvnet.backward_step(layer, y, [x])
        np.testing.assert_array_equal(backward, expected)


def test_step_back_refuses_unsupported_layers_and_wrong_shapes():
    dense = keras.layers.Dense(3)
    single_layer_model(dense, (4, 4, 2))
    with pytest.raises(ValueError, match="is a Dense"):
        deconvnet.backward_step(dense, np.zeros((4, 4, 3)), [np.zeros((4, 4, 2))])
    conv = keras.layers.Conv2D(3, 3)
    single_layer_model(conv, (6, 6, 2))
    with pytest.raises(
        ValueError, match=re.escape("signal must have the layer's output shape (4, 4, 3)")
    ):
        deconvnet.backward_step(conv, np.zeros((6, 6, 3)), [np.zeros((6, 6, 2))])
    with pytest.raises(TypeError, match="signal must hold real numbers"):
        deconvnet.backward_step(conv, np.zeros((4, 4, 3), complex), [np.zeros((6, 6, 2))])
    with pytest.raises(ValueError, match="signal must be finite"):
        deconvnet.backward_step(conv, np.full((4, 4, 3), np.nan), [np.zeros((6, 6, 2))])


# --------------------------------------------------------------- projections through models
@pytest.mark.parametrize("activation", ["linear", "relu"])
@pytest.mark.parametrize("kind", ["conv", "transpose"])
def test_projection_of_a_whole_channel_through_one_layer_is_its_transpose(activation, kind):
    # <A^T y_c, x> = <y_c, A x> = |y_c|^2 for y = relu(Ax) or y = Ax (no bias): the ReLU
    # only zeroes what y_c already has as zero.
    layer = (
        keras.layers.Conv2D(
            3, 3, strides=2, padding="same", activation=activation, use_bias=False, name="layer"
        )
        if kind == "conv"
        else keras.layers.Conv2DTranspose(
            3, 4, strides=2, padding="same", activation=activation, use_bias=False, name="layer"
        )
    )
    model = single_layer_model(layer, (7, 6, 2))
    frame = RNG.normal(size=(7, 6, 2)).astype(np.float32)
    channel_map = feature_maps(model, frame, "layer")[..., 1]
    projection = deconvnet.project(model, frame, "layer", 1, keep="all", normalise=False)
    assert projection.shape == frame.shape and projection.dtype == np.float32
    assert float(np.sum(projection * frame)) == pytest.approx(
        float(np.sum(channel_map.astype(np.float64) ** 2)), rel=1e-4, abs=1e-4
    )


def skip_model(activation="linear"):
    """A small U-Net-like graph: strided down, transposed up, an Add and a Concatenate skip."""
    keras.utils.set_random_seed(4)
    inputs = keras.Input((12, 10, 2))
    down = keras.layers.Conv2D(
        4, 3, padding="same", activation=activation, use_bias=False, name="enc"
    )(inputs)
    low = keras.layers.Conv2D(
        6, 3, strides=2, padding="same", activation=activation, use_bias=False, name="down"
    )(down)
    up = keras.layers.Conv2DTranspose(
        4, 4, strides=2, padding="same", activation=activation, use_bias=False, name="up"
    )(low)
    added = keras.layers.Add(name="add")([down, up])
    upsampled = keras.layers.UpSampling2D(2, name="resize")(low)
    joined = keras.layers.Concatenate(name="join")([added, upsampled, inputs])
    outputs = keras.layers.Conv2D(3, 3, padding="same", use_bias=False, name="head")(joined)
    return keras.Model(inputs, outputs)


def test_projection_through_skip_connections_adds_the_ways_back():
    # Linear layers only: the whole network is one linear map A, and the deconvnet of the
    # whole map of channel c is A^T y_c, so <x, A^T y_c> = |y_c|^2.
    model = skip_model()
    assert deconvnet.projectable_layers(model) == [
        "enc",
        "down",
        "up",
        "add",
        "resize",
        "join",
        "head",
    ]
    frame = RNG.normal(size=(12, 10, 2)).astype(np.float32)
    for name, channel in [("head", 1), ("join", 5), ("add", 0)]:
        channel_map = feature_maps(model, frame, name)[..., channel]
        projection = deconvnet.project(model, frame, name, channel, keep="all", normalise=False)
        assert float(np.sum(projection * frame)) == pytest.approx(
            float(np.sum(channel_map.astype(np.float64) ** 2)), rel=1e-4
        )


def test_projection_rectifies_the_signal_behind_a_relu_transposed_convolution():
    # Zeiler and Fergus: back through a ReLU the signal is rectified, whatever the forward
    # pass did. Expected, with Keras ops: T^T relu(C^T y_c).
    keras.utils.set_random_seed(8)
    inputs = keras.Input((5, 6, 2))
    x = keras.layers.Conv2DTranspose(
        3, 4, strides=2, padding="same", activation="relu", use_bias=False, name="up"
    )(inputs)
    model = keras.Model(
        inputs, keras.layers.Conv2D(2, 3, padding="same", use_bias=False, name="mix")(x)
    )
    frame = RNG.normal(size=(5, 6, 2)).astype(np.float32)
    top = np.zeros((1, 10, 12, 2), np.float32)
    top[0, ..., 1] = feature_maps(model, frame, "mix")[..., 1]
    back = keras.ops.conv_transpose(top, model.get_layer("mix").kernel, 1, "same")
    assert float(keras.ops.min(back)) < 0  # there is something to rectify
    expected = keras.ops.conv(keras.ops.relu(back), model.get_layer("up").kernel, 2, "same")
    projection = deconvnet.project(model, frame, "mix", 1, keep="all", normalise=False)
    np.testing.assert_allclose(
        projection, keras.ops.convert_to_numpy(expected)[0], rtol=1e-4, atol=1e-5
    )


def walk_back(model, frame, layer_name, channel):
    """The whole-map projection composed from the public ``backward_step``, layer by layer.

    The models here are functional graphs whose layers are listed in forward order, so the
    walk goes through ``model.layers`` backwards; ``feature_maps`` gives each layer's inputs.
    """
    inbound = {
        layer.name: [
            tensor._keras_history.operation.name for tensor in keras.tree.flatten(layer.input)
        ]
        for layer in model.layers[1:]
    }

    known = {model.layers[0].name: frame}

    def values(name):
        if name not in known:
            known[name] = feature_maps(model, frame, name)
        return known[name]

    signals = {layer_name: np.zeros_like(values(layer_name))}
    signals[layer_name][..., channel] = values(layer_name)[..., channel]
    for layer in reversed(model.layers[1:]):
        if layer.name not in signals:
            continue
        parents = inbound[layer.name]
        parts = deconvnet.backward_step(
            layer, signals.pop(layer.name), [values(parent) for parent in parents]
        )
        for parent, part in zip(parents, parts):
            signals[parent] = signals.get(parent, 0) + part
    return signals[model.layers[0].name]


def pooling_model(pool, stride, padding):
    keras.utils.set_random_seed(9)
    inputs = keras.Input((13, 11, 2), name="frame")
    x = keras.layers.Conv2D(4, 3, padding="valid", activation="relu", name="c1")(inputs)
    x = keras.layers.MaxPooling2D(pool, strides=stride, padding=padding, name="pool")(x)
    x = keras.layers.Conv2D(5, 2, padding="same", dilation_rate=2, name="c2")(x)
    x = keras.layers.Conv2D(4, 2, padding="same", activation="relu", name="c3")(x)
    x = keras.layers.Conv2DTranspose(3, 3, strides=2, output_padding=1, name="up")(x)
    x = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same", name="up_same")(x)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.UpSampling2D(2, name="resize")(x)
    return keras.Model(inputs, keras.layers.Concatenate(axis=1, name="join")([x, x]))


WALK_CASES = [
    ("denoiser", lambda: models.denoiser_encoder_decoder(filters=4, depth=2), (16, 24, 3)),
    ("encoder_decoder", lambda: models.encoder_decoder((16, 16, 3), filters=4), (16, 16, 3)),
    ("skips", skip_model, (12, 10, 2)),
    ("skips, relu", lambda: skip_model("relu"), (12, 10, 2)),
    ("tiled pooling, same", lambda: pooling_model(3, 3, "same"), (13, 11, 2)),
    ("tiled pooling, valid", lambda: pooling_model(2, 2, "valid"), (13, 11, 2)),
    ("overlapping pooling", lambda: pooling_model(3, 2, "valid"), (13, 11, 2)),
]


@pytest.mark.parametrize(
    "build, shape", [case[1:] for case in WALK_CASES], ids=[case[0] for case in WALK_CASES]
)
def test_a_whole_map_projection_is_the_composition_of_the_steps_back(build, shape):
    # A whole map goes back through one compiled graph (a single activation through
    # windows): both must be the steps back of backward_step, composed along the graph.
    keras.utils.set_random_seed(2)
    model = build()
    frame = np.random.default_rng(3).random(shape).astype(np.float32)
    for name in deconvnet.projectable_layers(model):
        for channel in (1,):
            expected = walk_back(model, frame, name, channel)
            projection = deconvnet.project(model, frame, name, channel, keep="all", normalise=False)
            scale = max(float(np.abs(expected).max()), 1e-6)
            np.testing.assert_allclose(projection, expected, rtol=0, atol=1e-5 * scale)


@pytest.fixture(scope="module")
def small_model():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((16, 16, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="c1")(inputs)
    x = keras.layers.MaxPooling2D(name="p1")(x)
    x = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="c2")(x)
    x = keras.layers.Flatten(name="flat")(x)
    return keras.Model(inputs, keras.layers.Dense(2, name="dense")(x))


@pytest.fixture(scope="module")
def small_clip():
    return np.random.default_rng(1).random((3, 16, 16, 3)).astype(np.float32)


def test_projection_of_the_strongest_activation_stays_in_its_receptive_field(
    small_model, small_clip
):
    frame = small_clip[0]
    projection = deconvnet.project(small_model, frame, "p1", 2, keep="max", normalise=False)
    maps = feature_maps(small_model, frame, "p1")[..., 2]
    row, col = np.unravel_index(np.argmax(maps), maps.shape)
    top, bottom, left, right = deconvnet.support(projection)
    # c1 (3x3) then 2x2 pooling: pooled pixel (r, c) sees input rows 2r .. 2r + 3.
    assert top >= 2 * row and bottom <= 2 * row + 4
    assert left >= 2 * col and right <= 2 * col + 4


def receptive_field(model, layer_name, row, col):
    """Input rows and columns (inclusive ranges) that can influence one pixel of a layer.

    Interval arithmetic on the course model's layers, independent of the deconvnet code.
    """
    rows, cols = [row, row], [col, col]
    layer = model.get_layer(layer_name)
    while not isinstance(layer, keras.layers.InputLayer):
        for interval in (rows, cols):
            low, high = interval
            if isinstance(layer, keras.layers.Conv2DTranspose):  # k=4, s=2, same: 1 cropped
                low, high = -(-(low + 1 - 3) // 2), (high + 1) // 2
            elif isinstance(layer, keras.layers.Conv2D):  # 3x3, stride 1, same
                low, high = low - 1, high + 1
            elif isinstance(layer, keras.layers.MaxPooling2D):  # 2x2, stride 2
                low, high = 2 * low, 2 * high + 1
            elif isinstance(layer, keras.layers.UpSampling2D):  # nearest, x2
                low, high = low // 2, high // 2
            interval[:] = [low, high]
        layer = layer.input._keras_history.operation
    return rows, cols


@pytest.mark.parametrize("upsampling", ["transpose", "upsample_conv"])
def test_projection_of_a_decoder_activation_stays_in_its_receptive_field(upsampling):
    keras.utils.set_random_seed(5)
    model = models.encoder_decoder((32, 32, 3), filters=4, depth=2, upsampling=upsampling)
    frame = np.random.default_rng(6).random((32, 32, 3)).astype(np.float32)
    decoder = [name for name in deconvnet.projectable_layers(model) if name.startswith("up")]
    assert decoder
    for name in decoder:
        for channel in range(2):
            projection = deconvnet.project(model, frame, name, channel, normalise=False)
            maps = feature_maps(model, frame, name)[..., channel]
            row, col = np.unravel_index(np.argmax(maps), maps.shape)
            (top, bottom), (left, right) = receptive_field(model, name, row, col)
            outside = np.ones(frame.shape[:2], bool)
            outside[max(top, 0) : bottom + 1, max(left, 0) : right + 1] = False
            assert np.all(projection[outside] == 0), (name, channel)
            assert outside.any(), "the receptive field must be a window, not the whole frame"


def test_projector_runs_the_forward_pass_once_per_frame_and_the_way_back_per_channel(
    small_model, small_clip
):
    way_back = deconvnet.projector(small_model, "c2")
    assert deconvnet.projector(small_model, "c2") is way_back
    forward = way_back.forward(small_clip[1])
    np.testing.assert_allclose(
        forward.maps, feature_maps(small_model, small_clip[1], "c2"), atol=1e-6
    )
    for channel in range(forward.maps.shape[-1]):
        for keep in ("max", "all"):
            np.testing.assert_array_equal(
                way_back.project(forward, channel, keep),
                deconvnet.project(
                    small_model, small_clip[1], "c2", channel, keep=keep, normalise=False
                ),
            )


def test_projection_follows_weights_changed_after_the_projector_was_made(small_clip):
    model = single_layer_model(keras.layers.Conv2D(2, 3, use_bias=False, name="c"), (8, 8, 3))
    before = deconvnet.project(model, small_clip[0, :8, :8], "c", 0, keep="all", normalise=False)
    model.get_layer("c").set_weights([2.0 * model.get_layer("c").get_weights()[0]])
    after = deconvnet.project(model, small_clip[0, :8, :8], "c", 0, keep="all", normalise=False)
    np.testing.assert_allclose(after, 4.0 * before, rtol=1e-5, atol=1e-6)  # map x2, kernel x2


@pytest.mark.parametrize("layer_name", ["c1", "p1", "c2"])
@pytest.mark.parametrize("keep", ["max", "all"])
def test_projections_are_display_images_of_the_frame_size(
    small_model, small_clip, layer_name, keep
):
    image = deconvnet.project(small_model, small_clip[1], layer_name, 0, keep=keep)
    assert image.shape == (16, 16, 3) and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0


@pytest.mark.parametrize(
    "layer_name, channel, keep, error, message",
    [
        ("dense", 0, "max", ValueError, "a Dense"),
        ("flat", 0, "max", ValueError, "flat is a Flatten"),
        ("c1", 4, "max", ValueError, "channel must be an integer in [0, 4) for layer 'c1'"),
        ("c1", 1.0, "max", TypeError, "channel must be an integer in [0, 4)"),
        ("c1", 0, "most", ValueError, "keep must be one of 'max', 'all'"),
        ("ghost", 0, "max", ValueError, "layer_name must name a layer"),
        ("input_layer", 0, "max", ValueError, "layer_name must name a layer"),
    ],
)
def test_project_rejects_unsupported_layers_and_bad_arguments(
    small_model, small_clip, layer_name, channel, keep, error, message
):
    with pytest.raises(error, match=re.escape(message)):
        deconvnet.project(small_model, small_clip[0], layer_name, channel, keep=keep)


@pytest.mark.parametrize(
    "frame, error, message",
    [
        (np.zeros((12, 16, 3)), ValueError, "differs in height"),
        (np.zeros((16, 16, 1)), ValueError, "differs in channels"),
        (np.full((16, 16, 3), np.nan), ValueError, "frame must be finite"),
        (np.zeros((16, 16, 3), complex), TypeError, "frame must hold real numbers"),
        (np.full((16, 16, 3), "a"), TypeError, "frame must hold real numbers"),
    ],
)
def test_project_refuses_frames_the_model_does_not_take(small_model, frame, error, message):
    with pytest.raises(error, match=message):
        deconvnet.project(small_model, frame, "c1", 0)


def test_project_refuses_layers_behind_a_bilinear_upsampling_or_a_subtraction():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.UpSampling2D(2, interpolation="bilinear", name="smooth")(inputs)
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3, name="after")(x))
    with pytest.raises(ValueError, match="smooth is an UpSampling2D with interpolation 'bilinear'"):
        deconvnet.project(model, np.zeros((8, 8, 1)), "after", 0)
    assert deconvnet.projectable_layers(model) == []
    difference = keras.layers.Subtract(name="minus")(
        [inputs, keras.layers.Conv2D(1, 3, padding="same", name="c")(inputs)]
    )
    model = keras.Model(inputs, difference)
    assert deconvnet.projectable_layers(model) == ["c"]
    with pytest.raises(ValueError, match="minus is a Subtract"):
        deconvnet.project(model, np.zeros((8, 8, 1)), "minus", 0)


def test_a_layer_called_twice_is_refused_rather_than_projected_once():
    inputs = keras.Input((8, 8, 1))
    shared = keras.layers.Conv2D(1, 3, padding="same", name="shared")
    model = keras.Model(inputs, shared(shared(inputs)))
    with pytest.raises(ValueError, match="layer 'shared' called 2 times"):
        deconvnet.projectable_layers(model)


def test_projectable_layers_of_the_course_model_are_all_its_layers():
    for upsampling in ("transpose", "upsample_conv"):
        model = models.encoder_decoder((16, 16, 3), filters=2, depth=2, upsampling=upsampling)
        names = deconvnet.projectable_layers(model)
        # Encoder and decoder alike: every layer after the input can be projected.
        assert names == [layer.name for layer in model.layers[1:]]
        assert [name for name in names if name.startswith("up")] == (
            ["up2_transpose", "up1_transpose"]
            if upsampling == "transpose"
            else ["up2_upsample", "up2_conv", "up1_upsample", "up1_conv"]
        )


# --------------------------------------------------------------- silent channels, crops
def test_a_silent_channel_projects_to_zeros_and_its_crop_is_the_centre_window():
    # A ReLU channel that never fires (a large negative bias) has nothing to project:
    # the projection is zero, not an error, and cropping it gives a background window.
    keras.utils.set_random_seed(2)
    layer = keras.layers.Conv2D(2, 3, activation="relu", bias_initializer="zeros", name="c")
    model = single_layer_model(layer, (12, 12, 1))
    kernel, bias = layer.get_weights()
    layer.set_weights([kernel, np.array([-100.0, 0.0], np.float32)])
    frame = RNG.random((12, 12, 1)).astype(np.float32)
    assert not feature_maps(model, frame, "c")[..., 0].any()
    for keep in ("max", "all"):
        raw = deconvnet.project(model, frame, "c", 0, keep=keep, normalise=False)
        assert not raw.any()
        assert deconvnet.support(raw) is None
        shown = deconvnet.project(model, frame, "c", 0, keep=keep)
        np.testing.assert_array_equal(shown, 0.5)
        window = deconvnet.crop_to_support(shown, 4, background=0.5)
        assert window.shape == (4, 4, 1) and np.all(window == 0.5)


def test_crop_to_support_centres_the_window_on_the_projection_and_stays_inside_the_frame():
    picture = np.full((20, 30, 3), 0.5)
    picture[2:5, 25:29] = 0.9
    window = deconvnet.crop_to_support(picture, 8, background=0.5)
    assert window.shape == (8, 8, 3)
    assert np.sum(window != 0.5) == np.sum(picture != 0.5)  # the whole support is inside
    assert deconvnet.crop_to_support(picture, 40, background=0.5).shape == (20, 30, 3)
    with pytest.raises(ValueError, match="size must be a positive integer"):
        deconvnet.crop_to_support(picture, 0)
    with pytest.raises(TypeError, match="projection must hold real numbers"):
        deconvnet.crop_to_support(np.zeros((4, 4), complex), 2)


def test_to_display_maps_zero_to_grey_and_the_peak_to_black_or_white():
    np.testing.assert_allclose(deconvnet.to_display(np.array([-4.0, 0.0, 2.0])), [0.0, 0.5, 0.75])
    np.testing.assert_array_equal(deconvnet.to_display(np.zeros(3)), 0.5)
    with pytest.raises(ValueError, match="projection must be finite"):
        deconvnet.to_display(np.array([np.nan]))
