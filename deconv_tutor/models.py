"""Keras model builders: the article's model and its fix, restoration and temporal models.

Chapter 04 reproduces the article's model (:data:`ARTICLE_LISTING`,
:func:`article_model`), shows why ``fit`` fails (a 20x20x3 output for a 64x64x3
target), and fixes it with :func:`encoder_decoder`: ``"same"`` padding, as many
upsamplings as poolings, and the transposed convolution the article imported but
never used. :func:`softmax_segmenter` puts the softmax output layer of the article's
layer zoo (:func:`deconv_tutor.layers.segmentation_head`) on the same encoder-decoder.

The later chapters' models take frames of any size and are compiled for training by
:func:`compile_restoration`:

- denoising (chapter 06): :func:`dncnn` (residual CNN), :func:`denoiser_encoder_decoder`
  (strided convolutions down, transposed convolutions up);
- super-resolution (chapter 07): :func:`fsrcnn` (transposed-convolution head),
  :func:`espcn` (sub-pixel head), :func:`resize_conv_upscaler`,
  :func:`upscaler_encoder_decoder` (interpolation, then the denoiser's network);
- deblurring (chapter 03): :func:`deblurrer`;
- temporal models (chapter 09): :func:`temporal_denoiser` (early fusion or ``Conv3D``).

:data:`ZOO` lists them, with chapter 08's segmenters, for the benchmarks.

Three neighbours hold what is not a builder: :mod:`deconv_tutor.layers` (the custom
layers, e.g. ESPCN's ``DepthToSpace``), :mod:`deconv_tutor.cost` (weights and
multiply-adds per pixel of any model) and :mod:`deconv_tutor.segmenters` (the models
that label pixels, chapter 08).

Layers are spelled ``keras.layers.Conv2DTranspose(...)``; every layer of a
built model has a readable name (``down1_conv``, ``up1_transpose``, ...), so the
feature-map widgets can list them.
"""

import functools
import warnings

import keras
import numpy as np  # noqa: F401 (the examples use it)

from deconv_tutor import _validation as check
from deconv_tutor import segmenters
from deconv_tutor.layers import (
    DepthToSpace,
    FramesToChannels,
    Resize2D,
    SelectFrame,
    segmentation_head,
)
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


def _trunk_arguments(input_shape, filters, depth, upsampling):
    """The encoder-decoder's arguments, checked; ``input_shape`` as a tuple.

    Beyond their types, one rule belongs to the architecture: a given height or width must
    be divisible by ``2**depth``, since each pooling halves it and each upsampling doubles it.
    """
    filters = check.integer(filters, "filters", minimum=1)
    depth = check.integer(depth, "depth", minimum=1)
    check.choice(upsampling, "upsampling", UPSAMPLING_MODES)
    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(
            f"input_shape must be (height, width, channels), got {type(input_shape).__name__} "
            f"{input_shape!r}"
        )
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels), got {input_shape!r}")
    height, width, channels = input_shape
    channels = check.integer(channels, "input_shape channels", minimum=1)
    factor = 2**depth
    sizes = []
    for name, size in (("height", height), ("width", width)):
        if size is not None:
            size = check.integer(size, f"input_shape {name}", minimum=1)
            if size % factor:
                raise ValueError(
                    f"input_shape {name} must be divisible by 2**depth = {factor} (depth={depth}),"
                    f" got {size}: each of the {depth} poolings halves it, and each upsampling"
                    " doubles it"
                )
        sizes.append(size)
    return (*sizes, channels), filters, depth


def _output_activation(output_activation):
    """None or the name of a Keras activation, checked before any layer is built."""
    if output_activation is None:
        return "linear"
    if not isinstance(output_activation, str):
        raise TypeError(
            "output_activation must be None or the name of a Keras activation such as "
            f"'sigmoid', got {type(output_activation).__name__} {output_activation!r}"
        )
    try:
        keras.activations.get(output_activation)
    except (ValueError, TypeError):
        raise ValueError(
            "output_activation must be None or the name of a Keras activation such as "
            f"'sigmoid', 'linear', 'relu' or 'tanh', got {output_activation!r}"
        ) from None
    return output_activation


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
    input_shape, filters, depth = _trunk_arguments(input_shape, filters, depth, upsampling)
    activation = _output_activation(output_activation)
    inputs = keras.Input(input_shape, name="frames")
    features = _encoder_decoder_trunk(inputs, filters, depth, upsampling)
    outputs = keras.layers.Conv2D(
        input_shape[-1], 3, padding="same", dtype="float32", name="output_conv"
    )(features)
    outputs = keras.layers.Activation(activation, dtype="float32", name="output")(outputs)
    model = keras.Model(inputs, outputs, name=f"encoder_decoder_{upsampling}")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="mean_squared_error",
        metrics=[psnr_metric, ssim_metric],
    )
    return model


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
    input_shape, filters, depth = _trunk_arguments(input_shape, filters, depth, upsampling)
    inputs = keras.Input(input_shape, name="frames")
    features = _encoder_decoder_trunk(inputs, filters, depth, upsampling)
    outputs = segmentation_head(features, n_classes)
    model = keras.Model(inputs, outputs, name=f"softmax_segmenter_{upsampling}")
    return segmenters.compile_segmenter(model, n_classes)


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
    rate = check.number(
        learning_rate, "learning_rate", minimum=0, exclusive_minimum=True, what="a positive number"
    )
    check.choice(loss, "loss", RESTORATION_LOSSES)
    if decay_steps is not None:
        decay_steps = check.integer(decay_steps, "decay_steps", minimum=1)
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
    >>> from deconv_tutor.cost import macs_per_pixel, parameter_count
    >>> parameter_count(model), macs_per_pixel(model, input_shape=(32, 32, 3))
    (5523, 5472.0)
    """
    channels = check.integer(channels, "channels", minimum=1)
    filters = check.integer(filters, "filters", minimum=1)
    depth = check.integer(depth, "depth", minimum=2)
    inputs = keras.Input((None, None, channels), name="noisy")
    features = inputs
    for index in range(1, depth):
        features = _conv(filters, f"conv{index}")(features)
    noise = _residual_head(channels, "noise")(features)
    outputs = keras.layers.Subtract(dtype="float32", name="denoised")([inputs, noise])
    return compile_restoration(keras.Model(inputs, outputs, name=f"dncnn_{depth}x{filters}"))


def _strided_encoder_decoder(inputs, filters, depth):
    """The body of :func:`denoiser_encoder_decoder`: full-resolution features of ``inputs``."""
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
    return features


def denoiser_encoder_decoder(channels=3, filters=32, depth=2):
    """Encoder-decoder denoiser: strided convolutions down, transposed convolutions up.

    A 3x3 convolution (``filters``), then ``depth`` levels down, each a stride-2 3x3
    convolution and a 3x3 convolution with ``filters * 2**level`` channels; back up,
    each level a stride-2 ``Conv2DTranspose`` (kernel 4, a multiple of the stride, so
    every output pixel gets the same number of taps: even overlap removes one cause of
    checkerboards, while weights that differ by phase can still draw one),
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
    channels = check.integer(channels, "channels", minimum=1)
    filters = check.integer(filters, "filters", minimum=1)
    depth = check.integer(depth, "depth", minimum=1)
    inputs = keras.Input((None, None, channels), name="noisy")
    features = _strided_encoder_decoder(inputs, filters, depth)
    noise = _residual_head(channels, "noise")(features)
    outputs = keras.layers.Subtract(dtype="float32", name="denoised")([inputs, noise])
    return compile_restoration(
        keras.Model(inputs, outputs, name=f"denoiser_encoder_decoder_{depth}x{filters}")
    )


def _check_scale(scale):
    return check.integer(scale, "scale", minimum=2, what="an integer >= 2 (the upscaling factor)")


def _check_skip(skip):
    check.choice(skip, "skip", SKIP_INTERPOLATIONS)
    if skip.startswith("lanczos") and keras.backend.backend() == "torch":
        # Keras's torch backend resizes with torch.nn.functional.interpolate: no Lanczos.
        raise ValueError(
            f"skip={skip!r} needs Lanczos resizing, which Keras's torch backend does not have; "
            "use skip='bicubic' on torch, or the TensorFlow or JAX backend"
        )
    return skip


def _upscaled_skip(inputs, scale, residual, interpolation):
    """The low-resolution input resized to the output grid, or None without a residual."""
    if not residual:
        return None
    return Resize2D(scale, interpolation=interpolation, dtype="float32", name="skip")(inputs)


def _upscaler_output(skip, detail):
    if skip is None:
        return keras.layers.Activation("linear", dtype="float32", name="upscaled")(detail)
    return keras.layers.Add(dtype="float32", name="upscaled")([skip, detail])


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
        compiled by :func:`compile_restoration`. :func:`~deconv_tutor.cost.macs_per_pixel` counts per
        *output* (high-resolution) pixel.

    Examples
    --------
    >>> model = fsrcnn(scale=2)
    >>> model.predict(np.zeros((1, 12, 16, 3), "float32"), verbose=0).shape
    (1, 24, 32, 3)
    >>> model.get_layer("deconv").kernel_size, model.get_layer("deconv").strides
    ((6, 6), (2, 2))
    >>> from deconv_tutor.cost import macs_per_pixel, parameter_count
    >>> parameter_count(model), macs_per_pixel(model, input_shape=(12, 12, 3))
    (9419, 2352.0)
    """
    scale = _check_scale(scale)
    channels = check.integer(channels, "channels", minimum=1)
    d = check.integer(d, "d", minimum=1)
    s = check.integer(s, "s", minimum=1)
    m = check.integer(m, "m", minimum=0)
    kernel_size = 3 * scale if kernel_size is None else kernel_size
    kernel_size = check.integer(kernel_size, "kernel_size", minimum=1)
    residual = check.boolean(residual, "residual")
    _check_skip(skip)

    def conv_prelu(features, width, size, name):
        # The paper's initialisation (He et al., 2015): He-normal weights and PReLU slopes of
        # 0.25. With Keras's defaults (Glorot weights, slopes 0) the signal shrank layer by
        # layer; with m=6 it all but vanished, the weights stopped moving and the model never
        # left its skip (36.38 dB on the validation photos after 2,400 steps; 37.57 with this).
        features = _conv(width, name, size, activation=None, kernel_initializer="he_normal")(
            features
        )
        return keras.layers.PReLU(
            alpha_initializer=keras.initializers.Constant(0.25),
            shared_axes=[1, 2],
            name=f"{name}_prelu",
        )(features)

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
    channels that :class:`~deconv_tutor.layers.DepthToSpace` rearranges into ``scale x scale`` blocks.
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
    scale = _check_scale(scale)
    channels = check.integer(channels, "channels", minimum=1)
    filters = check.integer(filters, "filters", minimum=1)
    residual = check.boolean(residual, "residual")
    _check_skip(skip)
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
    scale = _check_scale(scale)
    channels = check.integer(channels, "channels", minimum=1)
    filters = check.integer(filters, "filters", minimum=1)
    check.choice(interpolation, "interpolation", RESIZE_INTERPOLATIONS)
    residual = check.boolean(residual, "residual")
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


def upscaler_encoder_decoder(scale=2, channels=3, filters=32, depth=2, *, skip="bicubic"):
    """Encoder-decoder upscaler: interpolate, then the denoiser's network adds the lost detail.

    The input is resized by ``scale`` (``skip``, bicubic by default), as SRCNN and VDSR do
    (Dong et al., 2014; Kim et al., 2016), and :func:`denoiser_encoder_decoder`'s network
    runs on the result: strided convolutions down, ``Conv2DTranspose`` layers back up,
    skip connections at every level. It predicts what the interpolation misses, added to
    the resized input (global residual; the head starts at zero, so a fresh model is plain
    interpolation). Its first strided convolution brings the features back to the input's
    resolution and the second below it: a much wider view of the picture than
    :func:`espcn`'s, for many more multiply-adds, most of them at the output's resolution.

    Parameters
    ----------
    scale : int, default 2
        Upscaling factor, >= 2.
    channels : int, default 3
    filters : int, default 32
        Width at the output's resolution, doubled at each level down.
    depth : int, default 2
        Levels of downsampling, >= 1. The output's height and width (``scale`` times the
        input's) must be divisible by ``2**depth``.
    skip : {"bicubic", "lanczos3", "lanczos5", "bilinear", "nearest"}, default "bicubic"
        Interpolation of the resized input (the choices are compared in :func:`fsrcnn`).

    Returns
    -------
    keras.Model
        ``(batch, H, W, channels) -> (batch, scale * H, scale * W, channels)``;
        compiled by :func:`compile_restoration`.

    Examples
    --------
    >>> model = upscaler_encoder_decoder(scale=2, filters=8)
    >>> model.predict(np.zeros((1, 8, 12, 3), "float32"), verbose=0).shape
    (1, 16, 24, 3)
    >>> [layer.name for layer in model.layers if "transpose" in layer.name]
    ['up2_transpose', 'up1_transpose']
    """
    scale = _check_scale(scale)
    channels = check.integer(channels, "channels", minimum=1)
    filters = check.integer(filters, "filters", minimum=1)
    depth = check.integer(depth, "depth", minimum=1)
    _check_skip(skip)
    inputs = keras.Input((None, None, channels), name="low_res")
    resized = _upscaled_skip(inputs, scale, True, skip)
    features = _strided_encoder_decoder(resized, filters, depth)
    detail = _residual_head(channels, "detail")(features)
    outputs = _upscaler_output(resized, detail)
    return compile_restoration(
        keras.Model(inputs, outputs, name=f"upscaler_encoder_decoder_x{scale}")
    )


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
    channels = check.integer(channels, "channels", minimum=1)
    filters = check.integer(filters, "filters", minimum=1)
    depth = check.integer(depth, "depth", minimum=2)
    dilations = _dilations(depth)
    inputs = keras.Input((None, None, channels), name="blurred")
    features = inputs
    for index, rate in enumerate(dilations[:-1], start=1):
        features = _conv(filters, f"conv{index}", dilation_rate=rate)(features)
    correction = _residual_head(channels, "correction", dilation_rate=dilations[-1])(features)
    outputs = keras.layers.Add(dtype="float32", name="sharpened")([inputs, correction])
    return compile_restoration(keras.Model(inputs, outputs, name=f"deblurrer_{depth}x{filters}"))


# =========================================================================== temporal models


def temporal_denoiser(frames=5, channels=3, filters=32, mode="early_fusion"):
    """Multi-frame denoiser: ``frames`` noisy frames in, the denoised middle frame out.

    Neighbouring frames show the same scene with independent noise, so looking at
    them averages the noise away where the motion allows. Two ways to use them:

    - ``"early_fusion"``: stack the frames along the channels
      (:class:`~deconv_tutor.layers.FramesToChannels`) and run the :func:`dncnn` body (8 convolutions): only
      the first layer sees time, so it costs barely more than one frame;
    - ``"conv3d"``: ``Conv3D`` layers over (time, height, width) with a stride-2
      spatial downsampling and a ``Conv3DTranspose`` (kernel (3, 4, 4), stride
      (1, 2, 2)) back up, added to the full-resolution features, then a ``Conv3D`` with
      kernel ``(frames, 1, 1)`` that fuses time, and two 2-D convolutions. Frame
      height and width must be even.

    Both predict the noise of the middle frame and return ``middle - noise``
    (residual, as :func:`dncnn`, the single-frame counterpart; the noise layer starts at
    zero, so a fresh model returns the middle frame). :func:`~deconv_tutor.cost.macs_per_pixel`
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
    frames = check.integer(frames, "frames", minimum=1, what="a positive odd integer")
    if frames % 2 == 0:
        raise ValueError(f"frames must be a positive odd integer (a middle frame), got {frames}")
    channels = check.integer(channels, "channels", minimum=1)
    filters = check.integer(filters, "filters", minimum=1)
    check.choice(mode, "mode", TEMPORAL_MODES)
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
    "upscaler_encoder_decoder": upscaler_encoder_decoder,
    "deblurrer": deblurrer,
    "fcn_segmenter": functools.partial(segmenters.fcn_segmenter, n_classes=4),
    "unet": functools.partial(segmenters.unet, n_classes=4),
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
    "upscaler_encoder_decoder": "upscale",
    "deblurrer": "deblur",
    "fcn_segmenter": "segment",
    "unet": "segment",
    "temporal_early_fusion": "temporal_denoise",
    "temporal_conv3d": "temporal_denoise",
}
