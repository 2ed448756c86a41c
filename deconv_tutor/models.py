"""Keras model builders: the article's model, restoration, segmentation and temporal models, costs.

Chapter 04 reproduces the article's model (:data:`ARTICLE_LISTING`,
:func:`article_model`), shows why ``fit`` fails (a 20x20x3 output for a 64x64x3
target), and fixes it with :func:`encoder_decoder`: ``"same"`` padding, as many
upsamplings as poolings, and the transposed convolution the article imported but
never used. :func:`segmentation_head` is the softmax output layer of the article's
layer zoo; :func:`softmax_segmenter` puts it on the same encoder-decoder.
:func:`parameter_count` and :func:`macs_per_pixel` measure what a model costs.

The later chapters' models take frames of any size and are compiled for training:

- denoising (chapter 06): :func:`dncnn` (residual CNN), :func:`denoiser_encoder_decoder`
  (strided convolutions down, transposed convolutions up);
- super-resolution (chapter 07): :func:`fsrcnn` (transposed-convolution head),
  :func:`espcn` (sub-pixel head, :class:`DepthToSpace`), :func:`resize_conv_upscaler`;
- deblurring (chapter 03): :func:`deblurrer`;
- segmentation (chapter 08): :func:`fcn_segmenter` (bilinear-initialised transposed
  convolution, :func:`bilinear_kernel`) and :func:`unet`;
- temporal models (chapter 09): :func:`temporal_denoiser` (early fusion or ``Conv3D``).

:func:`compile_restoration` compiles any restoration model; :data:`ZOO` lists the
builders for the benchmarks.

Layers are spelled ``keras.layers.Conv2DTranspose(...)``; every layer of a
built model has a readable name (``down1_conv``, ``up1_transpose``, ...), so the
feature-map widgets can list them.
"""

import functools
import math
import warnings

import keras
import numpy as np

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
    elif isinstance(layer, keras.layers.UpSampling2D):
        # An interpolating resize weighs a fixed window of input values for every output
        # value (per channel); nearest neighbour only copies, so it costs nothing.
        taps = _INTERPOLATION_TAPS.get(layer.interpolation, 0)
        if not taps:
            return 0
        positions = _spatial(layer.output.shape, data_format)
        channels = layer.output.shape[1 if data_format == "channels_first" else -1]
        weights = (taps, channels)
    else:
        return 0
    if any(size is None for size in positions):
        raise ValueError(
            f"layer {layer.name!r} has unknown spatial size {positions}; pass input_shape to"
            " macs_per_pixel to measure a fully convolutional model at a given size"
        )
    return math.prod(weights) * math.prod(positions)


#: Multiply-adds per output value of an ``UpSampling2D`` resize: the taps of its 2-D
#: interpolation kernel (2x2 bilinear, 4x4 bicubic, 6x6 and 10x10 Lanczos).
_INTERPOLATION_TAPS = {
    "nearest": 0,
    "area": 0,
    "bilinear": 4,
    "bicubic": 16,
    "lanczos3": 36,
    "lanczos5": 100,
}


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

    - ``UpSampling2D``: the taps of its interpolation kernel per output value
      (bilinear 4, bicubic 16, Lanczos 36 or 100; nearest neighbour 0, a copy).

    Biases, activations, pooling, normalisation and pure rearrangements
    (:class:`DepthToSpace`, reshapes, slicing) are not counted: they cost a few
    operations per value, not per weight. Nested models are counted layer by layer.
    For a model whose input is several frames (:func:`temporal_denoiser`), the
    output pixels are those of the one frame it returns, so every input frame's
    work is billed to them.

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
        new_input = keras.Input(tuple(input_shape))
        # clone_model wants the same structure: a model built with inputs=[x] takes a list.
        if isinstance(uncompiled.input, (list, tuple)):
            new_input = [new_input]
        model = keras.models.clone_model(uncompiled, input_tensors=new_input)
    pixels = _spatial(model.outputs[0].shape)
    if any(size is None for size in pixels):
        raise ValueError(
            f"model output has unknown spatial size {pixels}; pass input_shape, e.g. (64, 64, 3)"
        )
    return _total_macs(model) / math.prod(pixels)


#: Name used in the module contracts.
count_macs_per_pixel = macs_per_pixel


# =========================================================================== restoration models
#
# Builders of chapters 03, 06, 07 (restoration), 08 (segmentation) and 09 (temporal models).
# Every one takes frames of any height and width (``keras.Input((None, None, channels))``),
# so a model trained on small patches runs on whole frames.

#: Loss functions accepted by :func:`compile_restoration`.
RESTORATION_LOSSES = ("mse", "mae")
#: Resize interpolations of :func:`resize_conv_upscaler`.
RESIZE_INTERPOLATIONS = ("nearest", "bilinear", "bicubic")
#: Interpolations of the resized-input skip of :func:`fsrcnn` and :func:`espcn`.
SKIP_INTERPOLATIONS = ("bicubic", "lanczos3", "lanczos5", "bilinear", "nearest")
#: Modes of :func:`temporal_denoiser`.
TEMPORAL_MODES = ("early_fusion", "conv3d")


def _check_int_at_least(value, name, minimum, what=None):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        what = what or f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return value


def _check_scale(scale):
    return _check_int_at_least(scale, "scale", 2, "an integer >= 2 (the upscaling factor)")


def _check_n_classes(n_classes):
    return _check_int_at_least(n_classes, "n_classes", 2, "an integer >= 2 (softmax classes)")


def _check_choice(value, name, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


@keras.saving.register_keras_serializable(package="deconv_tutor")
class DepthToSpace(keras.layers.Layer):
    """Sub-pixel rearrangement (pixel shuffle): ``(H, W, C * r**2) -> (r * H, r * W, C)``.

    Wraps ``keras.ops.depth_to_space`` (any backend) in a layer that can be saved and
    cloned. Output pixel ``(r * h + i, r * w + j)`` of channel ``c`` is input channel
    ``(i * r + j) * C + c`` at ``(h, w)``: each group of ``r**2`` channels fills one
    ``r x r`` block. It has no weights and costs no multiply-adds.

    Parameters
    ----------
    block_size : int
        The upscaling factor ``r`` (>= 2).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(4, dtype="float32").reshape(1, 1, 1, 4)  # one pixel, 4 channels
    >>> np.asarray(DepthToSpace(2)(x))[0, :, :, 0]
    array([[0., 1.],
           [2., 3.]], dtype=float32)
    """

    def __init__(self, block_size, **kwargs):
        super().__init__(**kwargs)
        self.block_size = _check_int_at_least(block_size, "block_size", 2)

    def build(self, input_shape):
        channels = input_shape[-1]
        if len(input_shape) != 4 or channels is None or channels % self.block_size**2:
            raise ValueError(
                f"inputs must be (batch, height, width, channels) with channels divisible by "
                f"block_size**2 = {self.block_size**2}, got shape {tuple(input_shape)}"
            )
        self.built = True

    def call(self, inputs):
        return keras.ops.depth_to_space(inputs, self.block_size)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        r = self.block_size
        return (
            batch,
            None if height is None else height * r,
            None if width is None else width * r,
            channels // r**2,
        )

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}


@keras.saving.register_keras_serializable(package="deconv_tutor")
class FramesToChannels(keras.layers.Layer):
    """Stack the frames of a clip along the channels: ``(T, H, W, C) -> (H, W, T * C)``.

    Early fusion: the first convolution then sees every frame at once. Channel
    ``t * C + c`` holds channel ``c`` of frame ``t``. No weights, no multiply-adds.

    Examples
    --------
    >>> import numpy as np
    >>> clip = np.stack([np.full((2, 2, 1), t, "float32") for t in range(3)])[None]
    >>> np.asarray(FramesToChannels()(clip))[0, 0, 0]
    array([0., 1., 2.], dtype=float32)
    """

    def build(self, input_shape):
        if len(input_shape) != 5 or input_shape[1] is None or input_shape[-1] is None:
            raise ValueError(
                "inputs must be (batch, frames, height, width, channels) with known frames and "
                f"channels, got shape {tuple(input_shape)}"
            )
        self.built = True

    def call(self, inputs):
        _, frames, _, _, channels = inputs.shape
        shape = keras.ops.shape(inputs)
        stacked = keras.ops.transpose(inputs, (0, 2, 3, 1, 4))
        return keras.ops.reshape(stacked, (-1, shape[2], shape[3], frames * channels))

    def compute_output_shape(self, input_shape):
        batch, frames, height, width, channels = input_shape
        return (batch, height, width, frames * channels)


@keras.saving.register_keras_serializable(package="deconv_tutor")
class SelectFrame(keras.layers.Layer):
    """One frame of a clip: ``(batch, T, H, W, C) -> (batch, H, W, C)``.

    Parameters
    ----------
    index : int
        Frame to keep, ``0 <= index < T``.

    Examples
    --------
    >>> import numpy as np
    >>> clip = np.arange(3, dtype="float32").reshape(1, 3, 1, 1, 1)
    >>> float(np.asarray(SelectFrame(1)(clip))[0, 0, 0, 0])
    1.0
    """

    def __init__(self, index, **kwargs):
        super().__init__(**kwargs)
        self.index = _check_int_at_least(index, "index", 0, "a non-negative integer")

    def build(self, input_shape):
        frames = input_shape[1] if len(input_shape) == 5 else None
        if frames is None or self.index >= frames:
            raise ValueError(
                f"inputs must be (batch, frames, height, width, channels) with more than "
                f"index={self.index} frames, got shape {tuple(input_shape)}"
            )
        self.built = True

    def call(self, inputs):
        return inputs[:, self.index]

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *input_shape[2:])

    def get_config(self):
        return {**super().get_config(), "index": self.index}


def compile_restoration(model, learning_rate=1e-3, *, loss="mse", decay_steps=None):
    """Compile a restoration model: Adam, a pixel loss, and the PSNR / SSIM metrics.

    Parameters
    ----------
    model : keras.Model
    learning_rate : float, default 1e-3
        Adam's (initial) learning rate, > 0.
    loss : {"mse", "mae"}, default "mse"
        Mean squared error matches PSNR (PSNR is ``-10 log10(MSE)``); mean absolute
        error (L1) often gives slightly sharper results with short training.
    decay_steps : int, optional
        Cosine decay of the learning rate from ``learning_rate`` to 1/20 of it over
        this many optimizer steps (then constant); a constant rate without it.

    Returns
    -------
    keras.Model
        The same model, compiled; it logs ``loss``, ``psnr`` and ``ssim``.

    Examples
    --------
    >>> model = compile_restoration(dncnn(channels=1, filters=4, depth=2), loss="mae")
    >>> model.loss, [metric.__name__ for metric in (psnr_metric, ssim_metric)]
    ('mae', ['psnr', 'ssim'])
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if (
        isinstance(learning_rate, bool)
        or not isinstance(learning_rate, (int, float))
        or not learning_rate > 0
    ):
        raise ValueError(f"learning_rate must be a positive number, got {learning_rate!r}")
    _check_choice(loss, "loss", RESTORATION_LOSSES)
    rate = float(learning_rate)
    if decay_steps is not None:
        _check_positive_int(decay_steps, "decay_steps")
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps, alpha=0.05)
    model.compile(
        optimizer=keras.optimizers.Adam(rate),
        loss=loss,
        metrics=[psnr_metric, ssim_metric],
    )
    return model


def _conv(filters, name, kernel_size=3, **kwargs):
    kwargs.setdefault("activation", "relu")
    return keras.layers.Conv2D(filters, kernel_size, padding="same", name=name, **kwargs)


def _head_initializer(residual):
    """Zeros for the last layer of a residual model, Keras's default otherwise.

    A residual model then starts as the identity (or as plain interpolation, for an
    upscaler) and training only adds what helps. From a random last layer the first
    updates mostly cancel the random output, and with ReLU layers before it that can
    switch every unit off for good: measured on x2 super-resolution, ESPCN trained
    from a random head stayed exactly at its bicubic skip (36.38 dB on the held-out
    clips), from a zero head it reached 37.75 dB with the same 400 steps.
    """
    return "zeros" if residual else "glorot_uniform"


def _residual_head(channels, name, **kwargs):
    """The linear last convolution of a residual model, starting at zero (float32 output)."""
    return _conv(
        channels,
        name,
        activation=None,
        kernel_initializer=_head_initializer(True),
        dtype="float32",
        **kwargs,
    )


def dncnn(channels=3, filters=32, depth=8):
    """DnCNN-style residual denoiser: the network predicts the noise, the model returns ``x - noise``.

    ``depth`` 3x3 convolutions: the first and the ``depth - 2`` middle ones with
    ``filters`` channels and ReLU, the last one linear with ``channels`` outputs (the
    noise estimate). Predicting the residual (Zhang et al., 2017) is easier than
    predicting the clean frame: the identity is free, and the noise is a simpler,
    zero-mean signal. Unlike the paper there is no batch normalisation: the small
    batches of the ``cpu`` budget make its statistics noisy, and at this depth
    residual learning trains well without it. The noise layer starts at zero, so a
    fresh model is the identity and training only adds what helps.

    Receptive field: ``2 * depth + 1`` pixels. Cost: ``9 * filters * (2 * channels +
    (depth - 2) * filters)`` multiply-adds per output pixel.

    Parameters
    ----------
    channels : int, default 3
        Channels of the frames (3 colour, 1 grey).
    filters : int, default 32
        Width of the hidden layers.
    depth : int, default 8
        Number of convolutions, >= 2.

    Returns
    -------
    keras.Model
        ``(batch, H, W, channels) -> (batch, H, W, channels)``, any H and W; compiled
        by :func:`compile_restoration` (Adam 1e-3, MSE, PSNR/SSIM). The noise layer is
        named ``"noise"``, the output ``"denoised"``.

    Examples
    --------
    >>> model = dncnn(channels=3, filters=16, depth=4)
    >>> model.outputs[0].shape
    (None, None, None, 3)
    >>> parameter_count(model), macs_per_pixel(model, input_shape=(32, 32, 3))
    (5523, 5472.0)
    """
    _check_positive_int(channels, "channels")
    _check_positive_int(filters, "filters")
    _check_int_at_least(depth, "depth", 2)
    inputs = keras.Input((None, None, channels), name="noisy")
    features = inputs
    for index in range(1, depth):
        features = _conv(filters, f"conv{index}")(features)
    noise = _residual_head(channels, "noise")(features)
    outputs = keras.layers.Subtract(dtype="float32", name="denoised")([inputs, noise])
    return compile_restoration(keras.Model(inputs, outputs, name=f"dncnn_{depth}x{filters}"))


def denoiser_encoder_decoder(channels=3, filters=32, depth=2):
    """Encoder-decoder denoiser: strided convolutions down, transposed convolutions up.

    A 3x3 convolution (``filters``), then ``depth`` levels down, each a stride-2 3x3
    convolution and a 3x3 convolution with ``filters * 2**level`` channels; back up,
    each level a stride-2 ``Conv2DTranspose`` (kernel 4, a multiple of the stride, so
    every output pixel gets the same number of taps: no checkerboard by construction),
    added to the encoder's features of the same size (skip connection) and a 3x3
    convolution. A linear 3x3 convolution predicts the noise, and the model returns
    ``x - noise`` (the global skip from the input, as in :func:`dncnn`; the noise layer
    starts at zero, so a fresh model is the identity).

    Working at 1/2 and 1/4 resolution buys a large receptive field for few
    multiply-adds; the skips give back the detail the strided layers drop.

    Parameters
    ----------
    channels : int, default 3
    filters : int, default 32
        Width at full resolution, doubled at each level down.
    depth : int, default 2
        Levels of downsampling, >= 1. Frame height and width must be divisible by
        ``2**depth`` (the skip additions fail otherwise).

    Returns
    -------
    keras.Model
        ``(batch, H, W, channels) -> (batch, H, W, channels)``; compiled by
        :func:`compile_restoration`.

    Examples
    --------
    >>> model = denoiser_encoder_decoder(channels=3, filters=8, depth=2)
    >>> model.predict(np.zeros((1, 16, 24, 3), "float32"), verbose=0).shape
    (1, 16, 24, 3)
    >>> [layer.name for layer in model.layers if "transpose" in layer.name]
    ['up2_transpose', 'up1_transpose']
    """
    _check_positive_int(channels, "channels")
    _check_positive_int(filters, "filters")
    _check_positive_int(depth, "depth")
    inputs = keras.Input((None, None, channels), name="noisy")
    features = _conv(filters, "in_conv")(inputs)
    skips = [features]
    for level in range(1, depth + 1):
        width = filters * 2**level
        features = keras.layers.Conv2D(
            width, 3, strides=2, padding="same", activation="relu", name=f"down{level}_stride"
        )(features)
        features = _conv(width, f"down{level}_conv")(features)
        skips.append(features)
    skips.pop()
    for level in range(depth, 0, -1):
        width = filters * 2 ** (level - 1)
        features = keras.layers.Conv2DTranspose(
            width, 4, strides=2, padding="same", activation="relu", name=f"up{level}_transpose"
        )(features)
        features = keras.layers.Add(name=f"up{level}_skip")([skips.pop(), features])
        features = _conv(width, f"up{level}_conv")(features)
    noise = _residual_head(channels, "noise")(features)
    outputs = keras.layers.Subtract(dtype="float32", name="denoised")([inputs, noise])
    return compile_restoration(
        keras.Model(inputs, outputs, name=f"denoiser_encoder_decoder_{depth}x{filters}")
    )


@keras.saving.register_keras_serializable(package="deconv_tutor")
class Resize2D(keras.layers.UpSampling2D):
    """``UpSampling2D`` that still runs when ``predict`` meets a new frame size.

    Keras 3.15's ``ops.image.resize`` tests ``size[0] <= 0`` in Python. When
    TensorFlow retraces ``predict`` for a second frame size it leaves height and
    width unknown, the size becomes a tensor and that test raises
    ``OperatorNotAllowedInGraphError``. Only in that case (TensorFlow, unknown
    size, an interpolating mode) this layer calls ``tf.image.resize``, the op
    Keras itself would run; everywhere else it is ``UpSampling2D`` unchanged,
    multiply-adds included.

    Examples
    --------
    >>> inputs = keras.Input((None, None, 1))
    >>> model = keras.Model(inputs, Resize2D(2, interpolation="bicubic")(inputs))
    >>> [model.predict(np.ones((1, n, n, 1), "float32"), verbose=0).shape for n in (4, 6)]
    [(1, 8, 8, 1), (1, 12, 12, 1)]
    """

    def call(self, inputs):
        unknown = None in tuple(inputs.shape[1:3])
        if (
            not unknown
            or self.interpolation == "nearest"
            or self.data_format != "channels_last"
            or keras.backend.backend() != "tensorflow"
        ):
            return super().call(inputs)
        import tensorflow as tf  # reached on the TensorFlow backend only

        size = tf.shape(inputs)[1:3] * tf.constant(self.size, dtype="int32")
        return tf.image.resize(inputs, size, method=self.interpolation)


def _upscaled_skip(inputs, scale, residual, interpolation):
    """The low-resolution input resized to the output grid, or None without a residual."""
    if not residual:
        return None
    return Resize2D(scale, interpolation=interpolation, dtype="float32", name="skip")(inputs)


def _upscaler_output(skip, detail):
    if skip is None:
        return keras.layers.Activation("linear", dtype="float32", name="upscaled")(detail)
    return keras.layers.Add(dtype="float32", name="upscaled")([skip, detail])


def _check_residual(residual):
    if not isinstance(residual, bool):
        raise TypeError(f"residual must be True or False, got {residual!r}")


def fsrcnn(
    scale=2, channels=3, d=32, s=12, m=2, *, kernel_size=None, residual=True, skip="bicubic"
):
    """FSRCNN-style upscaler: all the work at low resolution, a transposed convolution at the end.

    As in Dong et al. (2016): a 5x5 feature extraction (``d`` channels), a 1x1
    *shrink* to ``s`` channels, ``m`` 3x3 *mapping* layers, a 1x1 *expand* back to
    ``d``, each with PReLU; then the head, a ``Conv2DTranspose`` with stride
    ``scale`` that scatters every low-resolution pixel into a ``scale x scale``
    block of the output. The head's kernel is ``3 * scale`` by default, a multiple
    of the stride, so every output pixel gets the same number of taps (the paper's
    9x9 at stride 2 does not, which invites checkerboard artifacts).

    With ``residual=True`` (default) the input, resized by interpolation
    (``UpSampling2D``, bicubic unless ``skip`` says otherwise), is added to the output:
    the network learns only the detail the interpolation misses (global residual
    learning), which trains much faster; the head then starts at zero, so a fresh model
    is plain interpolation.

    Parameters
    ----------
    scale : int, default 2
        Upscaling factor, >= 2.
    channels : int, default 3
    d : int, default 32
        Feature width (the paper uses 56).
    s : int, default 12
        Shrunk width of the mapping layers.
    m : int, default 2
        Number of mapping layers, >= 0 (the paper uses 4).
    kernel_size : int, optional
        Kernel of the transposed-convolution head; ``3 * scale`` by default.
    residual : bool, default True
        Add the resized input (global residual).
    skip : {"bicubic", "lanczos3", "lanczos5", "bilinear", "nearest"}, default "bicubic"
        Interpolation of that resized input. Keras's bicubic is the Keys kernel, which
        scores below scikit-image's cubic spline; ``"lanczos3"`` starts closer to the
        truth (about +0.9 dB over Keras's bicubic on x2 photo clips) for 36 instead
        of 16 taps, but the PyTorch backend cannot resize with it.

    Returns
    -------
    keras.Model
        ``(batch, H, W, channels) -> (batch, scale * H, scale * W, channels)``;
        compiled by :func:`compile_restoration`. :func:`macs_per_pixel` counts per
        *output* (high-resolution) pixel.

    Examples
    --------
    >>> model = fsrcnn(scale=2)
    >>> model.predict(np.zeros((1, 12, 16, 3), "float32"), verbose=0).shape
    (1, 24, 32, 3)
    >>> model.get_layer("deconv").kernel_size, model.get_layer("deconv").strides
    ((6, 6), (2, 2))
    >>> parameter_count(model), macs_per_pixel(model, input_shape=(12, 12, 3))
    (9419, 2352.0)
    """
    _check_scale(scale)
    _check_positive_int(channels, "channels")
    _check_positive_int(d, "d")
    _check_positive_int(s, "s")
    _check_int_at_least(m, "m", 0, "a non-negative integer")
    kernel_size = 3 * scale if kernel_size is None else kernel_size
    _check_positive_int(kernel_size, "kernel_size")
    _check_residual(residual)
    _check_choice(skip, "skip", SKIP_INTERPOLATIONS)

    def conv_prelu(features, width, size, name):
        features = _conv(width, name, size, activation=None)(features)
        return keras.layers.PReLU(shared_axes=[1, 2], name=f"{name}_prelu")(features)

    inputs = keras.Input((None, None, channels), name="low_res")
    features = conv_prelu(inputs, d, 5, "feature")
    features = conv_prelu(features, s, 1, "shrink")
    for index in range(1, m + 1):
        features = conv_prelu(features, s, 3, f"map{index}")
    features = conv_prelu(features, d, 1, "expand")
    detail = keras.layers.Conv2DTranspose(
        channels,
        kernel_size,
        strides=scale,
        padding="same",
        kernel_initializer=_head_initializer(residual),
        dtype="float32",
        name="deconv",
    )(features)
    outputs = _upscaler_output(_upscaled_skip(inputs, scale, residual, skip), detail)
    return compile_restoration(keras.Model(inputs, outputs, name=f"fsrcnn_x{scale}"))


def espcn(scale=2, channels=3, filters=32, *, residual=True, skip="bicubic"):
    """ESPCN-style upscaler: convolutions at low resolution, then a sub-pixel (depth-to-space) head.

    As in Shi et al. (2016): a 5x5 convolution (``filters``), a 3x3 convolution
    (``filters // 2``), both ReLU, and a 3x3 convolution to ``channels * scale**2``
    channels that :class:`DepthToSpace` rearranges into ``scale x scale`` blocks.
    Equivalent to a transposed convolution whose kernel is split into ``scale**2``
    phases, computed without a single multiplication by an inserted zero.

    With ``residual=True`` (default) the resized input (``skip``) is added to the output
    (global residual learning; the head starts at zero, see :func:`fsrcnn`).

    Parameters
    ----------
    scale : int, default 2
        Upscaling factor, >= 2.
    channels : int, default 3
    filters : int, default 32
        Width of the first layer (the paper uses 64).
    residual : bool, default True
        Add the resized input (global residual).
    skip : {"bicubic", "lanczos3", "lanczos5", "bilinear", "nearest"}, default "bicubic"
        Interpolation of that resized input (the choices are compared in :func:`fsrcnn`).

    Returns
    -------
    keras.Model
        ``(batch, H, W, channels) -> (batch, scale * H, scale * W, channels)``;
        compiled by :func:`compile_restoration`.

    Examples
    --------
    >>> model = espcn(scale=3, channels=1, filters=8)
    >>> model.predict(np.zeros((1, 10, 10, 1), "float32"), verbose=0).shape
    (1, 30, 30, 1)
    >>> model.get_layer("subpixel_conv").filters  # channels * scale**2
    9
    """
    _check_scale(scale)
    _check_positive_int(channels, "channels")
    _check_positive_int(filters, "filters")
    _check_residual(residual)
    _check_choice(skip, "skip", SKIP_INTERPOLATIONS)
    inputs = keras.Input((None, None, channels), name="low_res")
    features = _conv(filters, "conv1", 5)(inputs)
    features = _conv(max(filters // 2, 1), "conv2")(features)
    features = _conv(
        channels * scale**2,
        "subpixel_conv",
        activation=None,
        kernel_initializer=_head_initializer(residual),
    )(features)
    detail = DepthToSpace(scale, dtype="float32", name="depth_to_space")(features)
    outputs = _upscaler_output(_upscaled_skip(inputs, scale, residual, skip), detail)
    return compile_restoration(keras.Model(inputs, outputs, name=f"espcn_x{scale}"))


def resize_conv_upscaler(
    scale=2, channels=3, filters=32, *, interpolation="bilinear", residual=True
):
    """Resize-convolution upscaler: interpolate first, then convolve at high resolution.

    ``UpSampling2D`` by ``scale`` (``interpolation``), then three 3x3 convolutions
    (``filters``, ``filters // 2`` with ReLU, then ``channels``, linear). No
    transposed convolution, so no uneven overlap and no checkerboard (Odena et al.,
    2016), at the price of running every convolution on ``scale**2`` times more pixels.

    With ``residual=True`` (default) the resized input itself is added to the
    output (global residual learning): the convolutions learn what the interpolation
    misses, starting from zero.

    Parameters
    ----------
    scale : int, default 2
        Upscaling factor, >= 2.
    channels : int, default 3
    filters : int, default 32
    interpolation : {"nearest", "bilinear", "bicubic"}, default "bilinear"
    residual : bool, default True
        Add the resized input.

    Returns
    -------
    keras.Model
        ``(batch, H, W, channels) -> (batch, scale * H, scale * W, channels)``;
        compiled by :func:`compile_restoration`.

    Examples
    --------
    >>> model = resize_conv_upscaler(scale=2, filters=8, interpolation="nearest")
    >>> model.predict(np.zeros((1, 8, 8, 3), "float32"), verbose=0).shape
    (1, 16, 16, 3)
    >>> any(isinstance(layer, keras.layers.Conv2DTranspose) for layer in model.layers)
    False
    """
    _check_scale(scale)
    _check_positive_int(channels, "channels")
    _check_positive_int(filters, "filters")
    _check_choice(interpolation, "interpolation", RESIZE_INTERPOLATIONS)
    _check_residual(residual)
    inputs = keras.Input((None, None, channels), name="low_res")
    resized = Resize2D(scale, interpolation=interpolation, dtype="float32", name="resize")(inputs)
    features = _conv(filters, "conv1")(resized)
    features = _conv(max(filters // 2, 1), "conv2")(features)
    detail = _conv(
        channels,
        "conv3",
        activation=None,
        kernel_initializer=_head_initializer(residual),
        dtype="float32",
    )(features)
    if residual:
        outputs = keras.layers.Add(dtype="float32", name="upscaled")([resized, detail])
    else:
        outputs = keras.layers.Activation("linear", dtype="float32", name="upscaled")(detail)
    return compile_restoration(keras.Model(inputs, outputs, name=f"resize_conv_x{scale}"))


def _dilations(depth):
    """1, 2, 3, 4, ..., 4, 3, 2, 1: rising then falling dilation rates (at most 4)."""
    return [min(index + 1, depth - index, 4) for index in range(depth)]


def deblurrer(channels=3, filters=32, depth=6):
    """Learned deblurring: a residual CNN of dilated convolutions that adds back the lost detail.

    ``depth`` 3x3 convolutions with dilation rates rising and falling
    (``1, 2, 3, 3, 2, 1`` for depth 6, as in IRCNN, Zhang et al. 2017): a blur
    spreads each point over a whole PSF, so undoing it needs a receptive field
    larger than the PSF, and dilation widens it at no extra cost. The last layer is
    linear and its output is *added* to the blurred input (global residual): the
    network predicts the sharpening correction, and starts at zero (a fresh model is
    the identity). Receptive field: ``1 + 2 * sum(dilations)`` pixels (25 for depth 6).

    Trained on one blur (PSF) and noise level, it learns to undo that blur without
    being told the PSF, unlike Wiener or Richardson-Lucy, which need it.

    Parameters
    ----------
    channels : int, default 3
    filters : int, default 32
    depth : int, default 6
        Number of convolutions, >= 2.

    Returns
    -------
    keras.Model
        ``(batch, H, W, channels) -> (batch, H, W, channels)``; compiled by
        :func:`compile_restoration`.

    Examples
    --------
    >>> model = deblurrer(channels=1, filters=8, depth=6)
    >>> [layer.dilation_rate[0] for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    [1, 2, 3, 3, 2, 1]
    >>> model.predict(np.zeros((1, 20, 20, 1), "float32"), verbose=0).shape
    (1, 20, 20, 1)
    """
    _check_positive_int(channels, "channels")
    _check_positive_int(filters, "filters")
    _check_int_at_least(depth, "depth", 2)
    dilations = _dilations(depth)
    inputs = keras.Input((None, None, channels), name="blurred")
    features = inputs
    for index, rate in enumerate(dilations[:-1], start=1):
        features = _conv(filters, f"conv{index}", dilation_rate=rate)(features)
    correction = _residual_head(channels, "correction", dilation_rate=dilations[-1])(features)
    outputs = keras.layers.Add(dtype="float32", name="sharpened")([inputs, correction])
    return compile_restoration(keras.Model(inputs, outputs, name=f"deblurrer_{depth}x{filters}"))


# =========================================================================== segmentation


def bilinear_kernel(kernel_size, channels):
    """A ``Conv2DTranspose`` kernel that performs bilinear upsampling, channel by channel.

    The 2-D tent ``(1 - |i - c| / f) * (1 - |j - c| / f)`` with ``f = (k + 1) // 2``
    and centre ``c = f - 1`` (k odd) or ``f - 0.5`` (k even), on the diagonal of the
    channel axes, so channel ``c`` only feeds channel ``c``. Used with stride ``f``
    and ``padding="same"`` (kernel ``2 * f - f % 2``: 4 for stride 2, 16 for stride 8),
    each input pixel spreads a tent over its neighbourhood and the overlapping tents
    sum to linear interpolation: away from the borders the layer equals
    ``UpSampling2D(f, interpolation="bilinear")``. This is how FCN (Long et al., 2015)
    initialises its learnable upsampling.

    Parameters
    ----------
    kernel_size : int
        ``k``, >= 2.
    channels : int
        Input = output channels.

    Returns
    -------
    numpy.ndarray
        float32 ``(k, k, channels, channels)``: Keras's ``Conv2DTranspose`` layout
        ``(kh, kw, out, in)``.

    Examples
    --------
    >>> kernel = bilinear_kernel(4, channels=1)
    >>> kernel[:, :, 0, 0]
    array([[0.0625, 0.1875, 0.1875, 0.0625],
           [0.1875, 0.5625, 0.5625, 0.1875],
           [0.1875, 0.5625, 0.5625, 0.1875],
           [0.0625, 0.1875, 0.1875, 0.0625]], dtype=float32)
    >>> float(kernel[:, :, 0, 0].sum())  # the stride squared: 4 outputs per input pixel
    4.0
    """
    _check_int_at_least(kernel_size, "kernel_size", 2)
    _check_positive_int(channels, "channels")
    factor = (kernel_size + 1) // 2
    centre = factor - 1 if kernel_size % 2 else factor - 0.5
    tent = 1 - np.abs(np.arange(kernel_size) - centre) / factor
    kernel = np.zeros((kernel_size, kernel_size, channels, channels), dtype=np.float32)
    kernel[:, :, np.arange(channels), np.arange(channels)] = np.outer(tent, tent)[..., None]
    return kernel


def _compile_segmenter(model, n_classes):
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="pixel_accuracy"),
            keras.metrics.MeanIoU(num_classes=n_classes, sparse_y_pred=False, name="mean_iou"),
        ],
    )
    return model


def fcn_segmenter(n_classes, channels=3, filters=16, bilinear_init=True, *, depth=3):
    """FCN-style segmenter: a pooled encoder, class scores, one learnable x``2**depth`` upsampling.

    ``depth`` blocks of 3x3 convolution (``filters * 2**level`` channels, ReLU) and
    2x2 max-pooling, a 3x3 convolution, a 1x1 convolution to ``n_classes`` scores at
    1/``2**depth`` resolution, then a single ``Conv2DTranspose`` (stride
    ``f = 2**depth``, kernel ``2 f``, no bias) back to full resolution, and a per-pixel
    softmax. With ``bilinear_init=True`` that transposed convolution starts as exact
    bilinear upsampling (:func:`bilinear_kernel`) and training refines it; otherwise it
    starts from Keras's random (Glorot) kernel. Coarse by design: chapter 08 shows the
    blocky masks it gives, which :func:`unet` fixes with skip connections.

    Parameters
    ----------
    n_classes : int
        Classes per pixel, >= 2.
    channels : int, default 3
    filters : int, default 16
    bilinear_init : bool, default True
    depth : int, default 3
        Poolings; frame height and width must be divisible by ``2**depth``.

    Returns
    -------
    keras.Model
        ``(batch, H, W, channels) -> (batch, H, W, n_classes)`` probabilities; compiled
        with Adam, sparse categorical cross-entropy (integer masks), pixel accuracy and
        mean IoU. The upsampling layer is named ``"upsample"``.

    Examples
    --------
    >>> model = fcn_segmenter(n_classes=4, filters=4)
    >>> model.predict(np.zeros((1, 16, 24, 3), "float32"), verbose=0).shape
    (1, 16, 24, 4)
    >>> upsample = model.get_layer("upsample")
    >>> upsample.kernel_size, upsample.strides
    ((16, 16), (8, 8))
    >>> bool(np.allclose(upsample.get_weights()[0], bilinear_kernel(16, 4)))
    True
    """
    _check_n_classes(n_classes)
    _check_positive_int(channels, "channels")
    _check_positive_int(filters, "filters")
    if not isinstance(bilinear_init, bool):
        raise TypeError(f"bilinear_init must be True or False, got {bilinear_init!r}")
    _check_positive_int(depth, "depth")
    factor = 2**depth
    inputs = keras.Input((None, None, channels), name="frames")
    features = inputs
    for level in range(1, depth + 1):
        features = _conv(filters * 2 ** (level - 1), f"block{level}_conv")(features)
        features = keras.layers.MaxPooling2D(2, name=f"block{level}_pool")(features)
    features = _conv(filters * 2**depth, "bottleneck")(features)
    scores = keras.layers.Conv2D(n_classes, 1, name="score")(features)
    upsample = keras.layers.Conv2DTranspose(
        n_classes, 2 * factor, strides=factor, padding="same", use_bias=False, name="upsample"
    )
    logits = upsample(scores)
    if bilinear_init:
        upsample.kernel.assign(bilinear_kernel(2 * factor, n_classes))
    outputs = keras.layers.Activation("softmax", dtype="float32", name="segmentation_softmax")(
        logits
    )
    model = keras.Model(inputs, outputs, name=f"fcn_segmenter_x{factor}")
    return _compile_segmenter(model, n_classes)


def unet(n_classes, channels=3, filters=16, depth=2):
    """U-Net segmenter: an encoder-decoder whose decoder concatenates the encoder's features.

    ``depth`` levels of two 3x3 convolutions (``filters * 2**level`` channels, ReLU)
    and 2x2 max-pooling, two convolutions at the bottom, then ``depth`` levels up: a
    2x2 stride-2 ``Conv2DTranspose`` (the paper's "up-convolution"; kernel = stride,
    so no overlap and no checkerboard), concatenation with the encoder features of
    the same size (the skip that restores sharp boundaries), two 3x3 convolutions;
    finally :func:`segmentation_head` (1x1 convolution + per-pixel softmax).

    Parameters
    ----------
    n_classes : int
        Classes per pixel, >= 2.
    channels : int, default 3
    filters : int, default 16
    depth : int, default 2
        Poolings; frame height and width must be divisible by ``2**depth``.

    Returns
    -------
    keras.Model
        ``(batch, H, W, channels) -> (batch, H, W, n_classes)`` probabilities; compiled
        like :func:`fcn_segmenter`.

    Examples
    --------
    >>> model = unet(n_classes=3, filters=4, depth=2)
    >>> probabilities = model.predict(np.zeros((1, 16, 16, 3), "float32"), verbose=0)
    >>> probabilities.shape, bool(np.allclose(probabilities.sum(axis=-1), 1))
    ((1, 16, 16, 3), True)
    >>> [layer.name for layer in model.layers if "concat" in layer.name]
    ['up2_concat', 'up1_concat']
    """
    _check_n_classes(n_classes)
    _check_positive_int(channels, "channels")
    _check_positive_int(filters, "filters")
    _check_positive_int(depth, "depth")

    def block(features, width, name):
        features = _conv(width, f"{name}_conv1")(features)
        return _conv(width, f"{name}_conv2")(features)

    inputs = keras.Input((None, None, channels), name="frames")
    features = inputs
    skips = []
    for level in range(1, depth + 1):
        features = block(features, filters * 2 ** (level - 1), f"down{level}")
        skips.append(features)
        features = keras.layers.MaxPooling2D(2, name=f"down{level}_pool")(features)
    features = block(features, filters * 2**depth, "bottom")
    for level in range(depth, 0, -1):
        width = filters * 2 ** (level - 1)
        features = keras.layers.Conv2DTranspose(
            width, 2, strides=2, padding="same", activation="relu", name=f"up{level}_transpose"
        )(features)
        features = keras.layers.Concatenate(name=f"up{level}_concat")([skips.pop(), features])
        features = block(features, width, f"up{level}")
    outputs = segmentation_head(features, n_classes)
    return _compile_segmenter(keras.Model(inputs, outputs, name=f"unet_{depth}"), n_classes)


# =========================================================================== temporal models


def temporal_denoiser(frames=5, channels=3, filters=32, mode="early_fusion"):
    """Multi-frame denoiser: ``frames`` noisy frames in, the denoised middle frame out.

    Neighbouring frames show the same scene with independent noise, so looking at
    them averages the noise away where the motion allows. Two ways to use them:

    - ``"early_fusion"``: stack the frames along the channels
      (:class:`FramesToChannels`) and run the :func:`dncnn` body (8 convolutions): only
      the first layer sees time, so it costs barely more than one frame;
    - ``"conv3d"``: ``Conv3D`` layers over (time, height, width) with a stride-2
      spatial downsampling and a ``Conv3DTranspose`` (kernel (3, 4, 4), stride
      (1, 2, 2)) back up, added to the full-resolution features, then a ``Conv3D`` with
      kernel ``(frames, 1, 1)`` that fuses time, and two 2-D convolutions. Frame
      height and width must be even.

    Both predict the noise of the middle frame and return ``middle - noise``
    (residual, as :func:`dncnn`, the single-frame counterpart; the noise layer starts at
    zero, so a fresh model returns the middle frame). :func:`macs_per_pixel`
    bills the work on all ``frames`` inputs to the pixels of the one output frame.

    Parameters
    ----------
    frames : int, default 5
        Input frames, odd (a middle frame exists), >= 1.
    channels : int, default 3
    filters : int, default 32
    mode : {"early_fusion", "conv3d"}, default "early_fusion"

    Returns
    -------
    keras.Model
        ``(batch, frames, H, W, channels) -> (batch, H, W, channels)``; compiled by
        :func:`compile_restoration`.

    Examples
    --------
    >>> model = temporal_denoiser(frames=3, filters=8, mode="conv3d")
    >>> model.predict(np.zeros((1, 3, 16, 16, 3), "float32"), verbose=0).shape
    (1, 16, 16, 3)
    >>> fusion = temporal_denoiser(frames=5, filters=16)
    >>> fusion.inputs[0].shape, tuple(fusion.get_layer("conv1").kernel.shape)
    ((None, 5, None, None, 3), (3, 3, 15, 16))
    """
    _check_int_at_least(frames, "frames", 1, "a positive odd integer")
    if frames % 2 == 0:
        raise ValueError(f"frames must be a positive odd integer (a middle frame), got {frames}")
    _check_positive_int(channels, "channels")
    _check_positive_int(filters, "filters")
    _check_choice(mode, "mode", TEMPORAL_MODES)
    inputs = keras.Input((frames, None, None, channels), name="noisy_frames")
    middle = SelectFrame(frames // 2, name="middle_frame")(inputs)
    if mode == "early_fusion":
        features = FramesToChannels(name="frames_to_channels")(inputs)
        for index in range(1, 8):
            features = _conv(filters, f"conv{index}")(features)
    else:
        full = keras.layers.Conv3D(filters, 3, padding="same", activation="relu", name="conv3d1")(
            inputs
        )
        features = keras.layers.Conv3D(
            filters, 3, strides=(1, 2, 2), padding="same", activation="relu", name="down_conv3d"
        )(full)
        features = keras.layers.Conv3D(
            filters, 3, padding="same", activation="relu", name="conv3d2"
        )(features)
        features = keras.layers.Conv3DTranspose(
            filters,
            (3, 4, 4),
            strides=(1, 2, 2),
            padding="same",
            activation="relu",
            name="up_transpose3d",
        )(features)
        features = keras.layers.Add(name="skip")([full, features])
        features = keras.layers.Conv3D(
            filters, (frames, 1, 1), activation="relu", name="fuse_time"
        )(features)
        features = SelectFrame(0, name="drop_time_axis")(features)
        features = _conv(filters, "conv2d1")(features)
    noise = _residual_head(channels, "noise")(features)
    outputs = keras.layers.Subtract(dtype="float32", name="denoised")([middle, noise])
    return compile_restoration(
        keras.Model(inputs, outputs, name=f"temporal_denoiser_{mode}_{frames}")
    )


#: Builders for the benchmarks (``benchmarks/speed.py``, ``benchmarks/quality.py``):
#: name -> callable returning a fresh model with the defaults (keyword arguments
#: override them). The segmenters get 4 classes, as many as ``data.SHAPE_CLASSES``.
ZOO = {
    "dncnn": dncnn,
    "denoiser_encoder_decoder": denoiser_encoder_decoder,
    "fsrcnn": fsrcnn,
    "espcn": espcn,
    "resize_conv_upscaler": resize_conv_upscaler,
    "deblurrer": deblurrer,
    "fcn_segmenter": functools.partial(fcn_segmenter, n_classes=4),
    "unet": functools.partial(unet, n_classes=4),
    "temporal_early_fusion": functools.partial(temporal_denoiser, mode="early_fusion"),
    "temporal_conv3d": functools.partial(temporal_denoiser, mode="conv3d"),
}

#: What each :data:`ZOO` model does, which fixes its input: ``"denoise"``, ``"deblur"``
#: and ``"segment"`` take frames (H, W, C); ``"upscale"`` low-resolution frames and
#: returns them ``scale`` times larger; ``"temporal_denoise"`` takes (frames, H, W, C).
ZOO_TASKS = {
    "dncnn": "denoise",
    "denoiser_encoder_decoder": "denoise",
    "fsrcnn": "upscale",
    "espcn": "upscale",
    "resize_conv_upscaler": "upscale",
    "deblurrer": "deblur",
    "fcn_segmenter": "segment",
    "unet": "segment",
    "temporal_early_fusion": "temporal_denoise",
    "temporal_conv3d": "temporal_denoise",
}
