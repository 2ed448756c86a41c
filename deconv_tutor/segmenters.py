"""Segmenters: models that label every pixel of a frame (chapter 08).

:func:`fcn_segmenter` pools to 1/8 of the frame, scores the classes there and upsamples the
scores with a single learnable transposed convolution that starts as bilinear interpolation
(:func:`deconv_tutor.layers.bilinear_kernel`): coarse, blocky masks. :func:`unet` adds what
FCN lacks: a decoder that upsamples step by step and concatenates the encoder's features
of the same size, which gives back sharp boundaries. Both end in the per-pixel softmax
:func:`deconv_tutor.layers.segmentation_head` and are compiled by :func:`compile_segmenter`.
Chapter 04's :func:`deconv_tutor.models.softmax_segmenter` (the article's encoder-decoder
with the same head) is compiled the same way.

They live apart from :mod:`deconv_tutor.models` (frames in, frames out) because their
output is a label per pixel, trained on integer masks and measured by IoU.
"""

import keras
import numpy as np  # noqa: F401 (the examples use it)

from deconv_tutor import _validation as check
from deconv_tutor.layers import bilinear_kernel, segmentation_head

__all__ = ["compile_segmenter", "fcn_segmenter", "pixel_crossentropy", "unet"]


def _conv_relu(filters, name):
    return keras.layers.Conv2D(filters, 3, padding="same", activation="relu", name=name)


@keras.saving.register_keras_serializable(package="deconv_tutor")
def pixel_crossentropy(y_true, y_pred):
    """Cross-entropy of every pixel's class probabilities against its class id.

    Keras's sparse categorical cross-entropy, computed on a flat ``(pixels, classes)``
    view: the same numbers, and PyTorch's backend can train it (its 2-D loss kernel
    rejects the strided view Keras hands it for ``(batch, height, width, classes)``).

    Parameters
    ----------
    y_true : tensor
        Class ids, ``(batch, height, width)``.
    y_pred : tensor
        Probabilities, ``(batch, height, width, classes)``.

    Returns
    -------
    tensor
        One loss per pixel, ``(batch * height * width,)``.

    Examples
    --------
    >>> y_true = np.array([[[0, 1]]])
    >>> y_pred = np.array([[[[0.5, 0.5], [0.2, 0.8]]]], "float32")
    >>> np.round(keras.ops.convert_to_numpy(pixel_crossentropy(y_true, y_pred)), 3)
    array([0.693, 0.223], dtype=float32)
    """
    classes = y_pred.shape[-1]
    return keras.losses.sparse_categorical_crossentropy(
        keras.ops.reshape(y_true, (-1,)), keras.ops.reshape(y_pred, (-1, classes))
    )


def compile_segmenter(model, n_classes, learning_rate=1e-3):
    """Compile a segmenter: Adam, per-pixel cross-entropy, pixel accuracy, mean IoU.

    The targets are integer masks ``(batch, height, width)`` of class numbers; the model
    outputs per-pixel probabilities ``(batch, height, width, n_classes)``.

    Parameters
    ----------
    model : keras.Model
        A model ending in a per-pixel softmax.
    n_classes : int
        Classes per pixel, >= 2 (the mean IoU averages over them).
    learning_rate : float, default 1e-3
        Adam's learning rate, > 0.

    Returns
    -------
    keras.Model
        The same model, compiled; it logs ``loss``, ``pixel_accuracy`` and ``mean_iou``.

    Examples
    --------
    >>> inputs = keras.Input((8, 8, 3))
    >>> model = compile_segmenter(keras.Model(inputs, segmentation_head(inputs, 3)), n_classes=3)
    >>> [metric.name for metric in model.metrics]  # before any training step
    ['loss', 'compile_metrics']
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    n_classes = check.integer(
        n_classes, "n_classes", minimum=2, what="an integer >= 2 (classes of a softmax)"
    )
    rate = check.number(
        learning_rate, "learning_rate", minimum=0, exclusive_minimum=True, what="a positive number"
    )
    model.compile(
        optimizer=keras.optimizers.Adam(rate),
        loss=pixel_crossentropy,
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
    bilinear upsampling (:func:`~deconv_tutor.layers.bilinear_kernel`) and training refines it; otherwise it
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
    n_classes = check.integer(
        n_classes, "n_classes", minimum=2, what="an integer >= 2 (classes of a softmax)"
    )
    channels = check.integer(channels, "channels", minimum=1)
    filters = check.integer(filters, "filters", minimum=1)
    bilinear_init = check.boolean(bilinear_init, "bilinear_init")
    depth = check.integer(depth, "depth", minimum=1)
    factor = 2**depth
    inputs = keras.Input((None, None, channels), name="frames")
    features = inputs
    for level in range(1, depth + 1):
        features = _conv_relu(filters * 2 ** (level - 1), f"block{level}_conv")(features)
        features = keras.layers.MaxPooling2D(2, name=f"block{level}_pool")(features)
    features = _conv_relu(filters * 2**depth, "bottleneck")(features)
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
    return compile_segmenter(model, n_classes)


def unet(n_classes, channels=3, filters=16, depth=2):
    """U-Net segmenter: an encoder-decoder whose decoder concatenates the encoder's features.

    ``depth`` levels of two 3x3 convolutions (``filters * 2**level`` channels, ReLU)
    and 2x2 max-pooling, two convolutions at the bottom, then ``depth`` levels up: a
    2x2 stride-2 ``Conv2DTranspose`` (the paper's "up-convolution"; kernel = stride, so
    one tap per output pixel: even overlap removes one cause of checkerboards, while
    weights that differ by phase can still draw one), concatenation with the encoder features of
    the same size (the skip that restores sharp boundaries), two 3x3 convolutions;
    finally :func:`~deconv_tutor.layers.segmentation_head` (1x1 convolution + per-pixel softmax).

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
    n_classes = check.integer(
        n_classes, "n_classes", minimum=2, what="an integer >= 2 (classes of a softmax)"
    )
    channels = check.integer(channels, "channels", minimum=1)
    filters = check.integer(filters, "filters", minimum=1)
    depth = check.integer(depth, "depth", minimum=1)

    def block(features, width, name):
        features = _conv_relu(width, f"{name}_conv1")(features)
        return _conv_relu(width, f"{name}_conv2")(features)

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
    return compile_segmenter(keras.Model(inputs, outputs, name=f"unet_{depth}"), n_classes)
