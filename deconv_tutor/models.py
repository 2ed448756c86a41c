"""Keras model builders: the article's listing as printed, the fixed encoder-decoder, a softmax segmenter.

Chapter 04 reproduces the article's model (:data:`ARTICLE_LISTING`,
:func:`article_model`), shows why ``fit`` fails (a 20x20x3 output for a 64x64x3
target), and fixes it with :func:`encoder_decoder`: ``"same"`` padding, as many
upsamplings as poolings, and the transposed convolution the article imported but
never used. :func:`segmentation_head` is the softmax output layer of the article's
layer zoo; :func:`softmax_segmenter` puts it on the same encoder-decoder.
:func:`parameter_count` and :func:`macs_per_pixel` measure what a model costs.

Layers are spelled ``keras.layers.Conv2DTranspose(...)``; every layer of a
built model has a readable name (``down1_conv``, ``up1_transpose``, ...), so the
feature-map widgets can list them.
"""

import math
import warnings

import keras

from deconv_tutor.metrics import psnr_metric, ssim_metric

#: The article's Keras listing, verbatim (it does not train: see :func:`article_model`).
ARTICLE_LISTING = """\
from keras.models import Sequential
from keras.layers import Conv2D, Conv2DTranspose, MaxPooling2D, UpSampling2D

model = Sequential()
model.add(Conv2D(32, (3, 3), activation='relu', input_shape=(64, 64, 3)))
model.add(MaxPooling2D((2, 2)))
model.add(Conv2D(64, (3, 3), activation='relu'))
model.add(MaxPooling2D((2, 2)))
model.add(Conv2D(128, (3, 3), activation='relu'))
model.add(MaxPooling2D((2, 2)))
model.add(UpSampling2D((2, 2)))
model.add(Conv2D(64, (3, 3), activation='relu'))
model.add(UpSampling2D((2, 2)))
model.add(Conv2D(3, (3, 3), activation='sigmoid', padding='same'))
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
"""

#: Upsampling modes of :func:`encoder_decoder`.
UPSAMPLING_MODES = ("transpose", "upsample_conv")


def article_model():
    """Build the article's model by running :data:`ARTICLE_LISTING` itself.

    The code shown in chapter 04 is the code run, bugs included:

    - ``valid`` padding trims 2 pixels per 3x3 convolution, and three poolings
      meet only two upsamplings: 64 -> 62 -> 31 -> 29 -> 14 -> 12 -> 6 -> 12
      -> 10 -> 20, so the output is 20x20x3, not 64x64x3, and ``fit`` on
      64x64x3 targets raises a shape error;
    - ``Conv2DTranspose`` is imported but never used;
    - ``accuracy`` (exact equality of values) means nothing for image
      reconstruction.

    Keras 3 warns that ``input_shape=`` on a layer is discouraged in favour of
    ``keras.Input``; that warning, whose text carries a path inside the Keras
    installation, is silenced here so notebook outputs stay the same on every
    machine. The listing itself is untouched.

    Returns
    -------
    keras.Sequential
        Compiled with Adam, binary cross-entropy and accuracy, as in the listing.

    Examples
    --------
    >>> model = article_model()
    >>> model.outputs[0].shape
    (None, 20, 20, 3)
    >>> [layer.__class__.__name__ for layer in model.layers].count("Conv2DTranspose")
    0
    """
    namespace = {}
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"Do not pass an `input_shape`", category=UserWarning
        )
        # Running the listing's own text guarantees the code shown is the code run.
        exec(compile(ARTICLE_LISTING, "<article listing>", "exec"), namespace)  # noqa: S102
    return namespace["model"]


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_input_shape(input_shape, depth):
    """(H, W, C) with H, W None or divisible by 2**depth; returns it as a tuple."""
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}")
    height, width, channels = input_shape
    _check_positive_int(channels, "input_shape channels")
    factor = 2**depth
    for name, size in (("height", height), ("width", width)):
        if size is None:
            continue
        _check_positive_int(size, f"input_shape {name}")
        if size % factor:
            raise ValueError(
                f"input_shape {name} must be divisible by 2**depth = {factor} (depth={depth}),"
                f" got {size}: each of the {depth} poolings halves it, and each upsampling doubles it"
            )
    return tuple(input_shape)


def _check_architecture(filters, depth, upsampling):
    _check_positive_int(filters, "filters")
    _check_positive_int(depth, "depth")
    if upsampling not in UPSAMPLING_MODES:
        raise ValueError(
            f"upsampling must be one of {', '.join(map(repr, UPSAMPLING_MODES))}, got {upsampling!r}"
        )


def _encoder_decoder_trunk(inputs, filters, depth, upsampling):
    """Conv+pool ``depth`` times, then ``depth`` upsamplings back to the input size."""
    features = inputs
    for level in range(1, depth + 1):
        width = filters * 2 ** (level - 1)
        features = keras.layers.Conv2D(
            width, 3, padding="same", activation="relu", name=f"down{level}_conv"
        )(features)
        features = keras.layers.MaxPooling2D(2, name=f"down{level}_pool")(features)
    for level in range(depth, 0, -1):
        width = filters * 2 ** (level - 1)
        if upsampling == "transpose":
            # Kernel 4 = 2 x stride: every output pixel gets the same number of
            # kernel taps (2 per axis), so uneven overlap cannot draw a checkerboard.
            features = keras.layers.Conv2DTranspose(
                width, 4, strides=2, padding="same", activation="relu", name=f"up{level}_transpose"
            )(features)
        else:
            # Resize, then convolve: no overlap pattern at all (Odena et al., 2016).
            features = keras.layers.UpSampling2D(
                2, interpolation="nearest", name=f"up{level}_upsample"
            )(features)
            features = keras.layers.Conv2D(
                width, 3, padding="same", activation="relu", name=f"up{level}_conv"
            )(features)
    return features


def encoder_decoder(
    input_shape=(64, 64, 3),
    filters=32,
    depth=3,
    upsampling="transpose",
    output_activation="sigmoid",
):
    """The article's model, fixed: output shape equal to input shape.

    ``depth`` levels of 3x3 convolution (``"same"`` padding, ReLU, ``filters * 2**level``
    channels) and 2x2 max-pooling, then ``depth`` upsamplings by 2 back to the
    input size, and a 3x3 convolution to the input's channel count.

    Upsampling is either

    - ``"transpose"``: ``Conv2DTranspose`` with a 4x4 kernel and stride 2. The kernel
      size is divisible by the stride, so every output pixel receives the same
      number of kernel taps; uneven overlap (kernel 3, stride 2) is what draws
      checkerboard artifacts;
    - ``"upsample_conv"``: nearest-neighbour ``UpSampling2D`` then a 3x3
      ``Conv2D`` (resize-convolution), which has no overlap pattern at all.

    The output convolution and activation compute in float32, as Keras recommends
    under mixed precision.

    Parameters
    ----------
    input_shape : tuple of (int or None, int or None, int), default (64, 64, 3)
        ``(height, width, channels)``; height and width may be None (fully
        convolutional use); given sizes must be divisible by ``2**depth``.
    filters : int, default 32
        Channels of the first level, doubled at each level down.
    depth : int, default 3
        Number of poolings (and of upsamplings).
    upsampling : {"transpose", "upsample_conv"}, default "transpose"
    output_activation : str or None, default "sigmoid"
        ``"sigmoid"`` keeps outputs in [0, 1] like the video; None for a linear output.

    Returns
    -------
    keras.Model
        Compiled with Adam, mean squared error and the ``psnr`` / ``ssim`` metrics of
        :mod:`deconv_tutor.metrics`.

    Examples
    --------
    >>> model = encoder_decoder((16, 16, 3), filters=4, depth=2)
    >>> model.outputs[0].shape
    (None, 16, 16, 3)
    >>> encoder_decoder((None, None, 1), filters=4, depth=2, upsampling="upsample_conv").outputs[0].shape
    (None, None, None, 1)
    """
    _check_architecture(filters, depth, upsampling)
    input_shape = _check_input_shape(input_shape, depth)
    inputs = keras.Input(input_shape, name="frames")
    features = _encoder_decoder_trunk(inputs, filters, depth, upsampling)
    outputs = keras.layers.Conv2D(
        input_shape[-1], 3, padding="same", dtype="float32", name="output_conv"
    )(features)
    outputs = keras.layers.Activation(
        output_activation or "linear", dtype="float32", name="output"
    )(outputs)
    model = keras.Model(inputs, outputs, name=f"encoder_decoder_{upsampling}")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="mean_squared_error",
        metrics=[psnr_metric, ssim_metric],
    )
    return model


def segmentation_head(x, n_classes, name="segmentation"):
    """Per-pixel softmax output layer: a 1x1 convolution to class scores, then softmax.

    A 1x1 convolution is a fully connected layer applied at every pixel; softmax
    over the last axis turns its ``n_classes`` scores into probabilities that sum
    to one at each pixel.

    Parameters
    ----------
    x : KerasTensor
        Features of shape (batch, height, width, channels).
    n_classes : int
        Number of classes (at least 2).
    name : str, default "segmentation"
        Prefix of the two layers' names (``<name>_logits``, ``<name>_softmax``).

    Returns
    -------
    KerasTensor
        Probabilities of shape (batch, height, width, n_classes), float32.

    Examples
    --------
    >>> features = keras.Input((8, 8, 16))
    >>> probabilities = segmentation_head(features, n_classes=4)
    >>> probabilities.shape
    (None, 8, 8, 4)
    >>> model = keras.Model(features, probabilities)
    >>> total = model.predict(keras.ops.ones((1, 8, 8, 16)), verbose=0).sum(axis=-1)
    >>> bool(abs(total - 1).max() < 1e-5)
    True
    """
    _check_positive_int(n_classes, "n_classes")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2 for a softmax, got {n_classes}")
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) != 4:
        raise ValueError(
            f"x must be a 4-D tensor (batch, height, width, channels), got shape {shape}"
        )
    logits = keras.layers.Conv2D(n_classes, 1, dtype="float32", name=f"{name}_logits")(x)
    return keras.layers.Activation("softmax", dtype="float32", name=f"{name}_softmax")(logits)


def softmax_segmenter(
    input_shape=(64, 64, 3), n_classes=4, filters=32, depth=3, upsampling="transpose"
):
    """The encoder-decoder of :func:`encoder_decoder` with a per-pixel softmax head.

    Parameters
    ----------
    input_shape : tuple, default (64, 64, 3)
        As in :func:`encoder_decoder`.
    n_classes : int, default 4
        Classes per pixel (4 for :data:`deconv_tutor.data.SHAPE_CLASSES`).
    filters, depth, upsampling
        As in :func:`encoder_decoder`.

    Returns
    -------
    keras.Model
        Outputs (batch, height, width, n_classes) probabilities; compiled with Adam,
        sparse categorical cross-entropy (integer masks as targets), pixel accuracy and
        mean IoU.

    Examples
    --------
    >>> model = softmax_segmenter((16, 16, 3), n_classes=4, filters=4, depth=2)
    >>> model.outputs[0].shape
    (None, 16, 16, 4)
    >>> model.layers[-1].name
    'segmentation_softmax'
    """
    _check_architecture(filters, depth, upsampling)
    input_shape = _check_input_shape(input_shape, depth)
    inputs = keras.Input(input_shape, name="frames")
    features = _encoder_decoder_trunk(inputs, filters, depth, upsampling)
    outputs = segmentation_head(features, n_classes)
    model = keras.Model(inputs, outputs, name=f"softmax_segmenter_{upsampling}")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="pixel_accuracy"),
            keras.metrics.MeanIoU(num_classes=n_classes, sparse_y_pred=False, name="mean_iou"),
        ],
    )
    return model


def parameter_count(model):
    """Number of weights of a built model, trainable or not.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    int

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3)])
    >>> parameter_count(model)  # 3*3*1*2 weights + 2 biases
    20
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built:
        raise ValueError("model must be built (give it a keras.Input), got an unbuilt model")
    return int(model.count_params())


def _spatial(shape, data_format="channels_last"):
    """The spatial sizes of a (batch, ..., channels) or (batch, channels, ...) shape."""
    return tuple(shape[2:]) if data_format == "channels_first" else tuple(shape[1:-1])


def _layer_macs(layer):
    """Multiply-adds of one call of ``layer`` on one sample (0 for layers without weights)."""
    data_format = getattr(layer, "data_format", "channels_last")
    transposed = (
        keras.layers.Conv1DTranspose,
        keras.layers.Conv2DTranspose,
        keras.layers.Conv3DTranspose,
    )
    depthwise = (keras.layers.DepthwiseConv1D, keras.layers.DepthwiseConv2D)
    separable = (keras.layers.SeparableConv1D, keras.layers.SeparableConv2D)
    convolutions = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
    if isinstance(layer, transposed):
        # Each input pixel scatters the whole kernel: kernel (k..., cout, cin) x input positions.
        positions = _spatial(layer.input.shape, data_format)
        weights = layer.kernel.shape
    elif isinstance(layer, separable):
        positions = _spatial(layer.output.shape, data_format)
        weights = (
            math.prod(layer.depthwise_kernel.shape) + math.prod(layer.pointwise_kernel.shape),
        )
    elif isinstance(layer, depthwise):
        positions = _spatial(layer.output.shape, data_format)
        weights = layer.kernel.shape
    elif isinstance(layer, convolutions):
        # Kernel (k..., cin/groups, cout) at every output position.
        positions = _spatial(layer.output.shape, data_format)
        weights = layer.kernel.shape
    elif isinstance(layer, keras.layers.Dense):
        # A Dense layer acts on the last axis, at every position of the others.
        positions = tuple(layer.output.shape[1:-1])
        weights = layer.kernel.shape
    else:
        return 0
    if any(size is None for size in positions):
        raise ValueError(
            f"layer {layer.name!r} has unknown spatial size {positions}; pass input_shape to"
            " macs_per_pixel to measure a fully convolutional model at a given size"
        )
    return math.prod(weights) * math.prod(positions)


def _total_macs(model):
    total = 0
    for layer in model.layers:
        total += _total_macs(layer) if isinstance(layer, keras.Model) else _layer_macs(layer)
    return total


def macs_per_pixel(model, input_shape=None):
    """Multiply-adds per output pixel: the cost of a model, independent of the image size.

    Sums, over the layers that multiply by weights, the multiply-adds of one sample,
    and divides by the number of output pixels (height x width of the model's
    output; 1 for an output without spatial axes):

    - ``Conv1D/2D/3D``: ``kh * kw * (cin / groups) * cout`` per output position;
    - ``Conv2DTranspose`` (and 1D/3D): ``kh * kw * cin * cout`` per **input**
      position: each input pixel scatters the whole kernel once. (Counting per
      output position, as for a convolution, would bill the zeros of the
      zero-insertion view and overcount by ``stride**2``.)
    - ``DepthwiseConv``, ``SeparableConv``: their kernels per output position;
    - ``Dense``: ``cin * cout`` per position of the axes before the last.

    Biases, activations, pooling, upsampling and normalisation are not counted:
    they cost a few operations per value, not per weight. Nested models are
    counted layer by layer.

    Parameters
    ----------
    model : keras.Model
        A built single-output model.
    input_shape : tuple, optional
        Measure at this input shape (without batch axis), for models built with
        unknown (None) height and width. The model is cloned; its weights are untouched.

    Returns
    -------
    float

    Examples
    --------
    Hand count: the 3x3 convolution costs 3*3*1*2 = 18 multiply-adds at each of
    8x8 positions (1152); the transposed convolution 2*2*2*1 = 8 at each of its 8x8
    input positions (512); 1664 over 16x16 output pixels is 6.5.

    >>> inputs = keras.Input((8, 8, 1))
    >>> features = keras.layers.Conv2D(2, 3, padding="same")(inputs)
    >>> outputs = keras.layers.Conv2DTranspose(1, 2, strides=2, padding="same")(features)
    >>> macs_per_pixel(keras.Model(inputs, outputs))
    6.5
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built or not getattr(model, "outputs", None):
        raise ValueError("model must be built (give it a keras.Input), got an unbuilt model")
    if len(model.outputs) != 1:
        raise ValueError(f"model must have one output, got {len(model.outputs)}")
    if input_shape is not None:
        if not isinstance(input_shape, (tuple, list)) or any(
            not isinstance(size, int) or size < 1 for size in input_shape
        ):
            raise ValueError(
                f"input_shape must be a tuple of positive integers, got {input_shape!r}"
            )
        # A copy rebuilt from its config is not compiled, so cloning it at the new
        # input shape needs no metric or loss to be deserialised.
        uncompiled = model.__class__.from_config(model.get_config())
        model = keras.models.clone_model(uncompiled, input_tensors=keras.Input(tuple(input_shape)))
    pixels = _spatial(model.outputs[0].shape)
    if any(size is None for size in pixels):
        raise ValueError(
            f"model output has unknown spatial size {pixels}; pass input_shape, e.g. (64, 64, 3)"
        )
    return _total_macs(model) / math.prod(pixels)


#: Name used in the module contracts.
count_macs_per_pixel = macs_per_pixel
