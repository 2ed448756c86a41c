"""Custom Keras layers of the course's models, the softmax head, the bilinear kernel.

Every layer here has no weights and is registered with
``keras.saving.register_keras_serializable(package="deconv_tutor")``, so a model that
uses one saves to a ``.keras`` file and loads back (``keras.saving.load_model``) in any
process that has imported :mod:`deconv_tutor`. The registered names
(``"deconv_tutor>DepthToSpace"``, ...) are what a saved file refers to; they must not
change, or older files stop loading.

- :class:`DepthToSpace`: the sub-pixel rearrangement of ESPCN (chapter 07);
- :class:`Resize2D`: ``UpSampling2D`` that survives ``predict`` on a second frame size;
- :class:`FramesToChannels` and :class:`SelectFrame`: the clip-to-frame reshapes of the
  temporal models (chapter 09);
- :func:`bilinear_kernel`: a ``Conv2DTranspose`` kernel equal to bilinear upsampling, the
  start of FCN's learnable upsampling (chapter 08);
- :func:`segmentation_head`: the per-pixel softmax output layer of the article's layer
  zoo (chapters 04 and 08).

They live apart from :mod:`deconv_tutor.models` because they are building blocks, not
models: chapters use them on their own (a ``DepthToSpace`` on a hand-made tensor, a
bilinear kernel drawn as an image), and :mod:`deconv_tutor.cost` must know them.
"""

import keras
import numpy as np

from deconv_tutor import _validation as check

__all__ = [
    "DepthToSpace",
    "FramesToChannels",
    "Resize2D",
    "SelectFrame",
    "bilinear_kernel",
    "segmentation_head",
]


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
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``).

    Examples
    --------
    >>> x = np.arange(4, dtype="float32").reshape(1, 1, 1, 4)  # one pixel, 4 channels
    >>> np.asarray(DepthToSpace(2)(x))[0, :, :, 0]
    array([[0., 1.],
           [2., 3.]], dtype=float32)
    """

    def __init__(self, block_size, **kwargs):
        super().__init__(**kwargs)
        self.block_size = check.integer(block_size, "block_size", minimum=2)

    def build(self, input_shape):
        """Check that the input is 4-D with channels divisible by ``block_size**2``."""
        channels = input_shape[-1]
        if len(input_shape) != 4 or channels is None or channels % self.block_size**2:
            raise ValueError(
                f"inputs must be (batch, height, width, channels) with channels divisible by "
                f"block_size**2 = {self.block_size**2}, got shape {tuple(input_shape)}"
            )
        self.built = True

    def call(self, inputs):
        """Rearrange each group of ``block_size**2`` channels into one block of pixels."""
        return keras.ops.depth_to_space(inputs, self.block_size)

    def compute_output_shape(self, input_shape):
        """``(batch, r * H, r * W, C / r**2)`` for an input ``(batch, H, W, C)``."""
        batch, height, width, channels = input_shape
        r = self.block_size
        return (
            batch,
            None if height is None else height * r,
            None if width is None else width * r,
            channels // r**2,
        )

    def get_config(self):
        """The layer's configuration, with ``block_size``, for saving."""
        return {**super().get_config(), "block_size": self.block_size}


@keras.saving.register_keras_serializable(package="deconv_tutor")
class FramesToChannels(keras.layers.Layer):
    """Stack the frames of a clip along the channels: ``(T, H, W, C) -> (H, W, T * C)``.

    Early fusion: the first convolution then sees every frame at once. Channel
    ``t * C + c`` holds channel ``c`` of frame ``t``. No weights, no multiply-adds.

    Parameters
    ----------
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``).

    Examples
    --------
    >>> clip = np.stack([np.full((2, 2, 1), t, "float32") for t in range(3)])[None]
    >>> np.asarray(FramesToChannels()(clip))[0, 0, 0]
    array([0., 1., 2.], dtype=float32)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def build(self, input_shape):
        """Check that the input is 5-D with a known number of frames and channels."""
        if len(input_shape) != 5 or input_shape[1] is None or input_shape[-1] is None:
            raise ValueError(
                "inputs must be (batch, frames, height, width, channels) with known frames and "
                f"channels, got shape {tuple(input_shape)}"
            )
        self.built = True

    def call(self, inputs):
        """Move the frame axis next to the channels and merge the two."""
        _, frames, _, _, channels = inputs.shape
        shape = keras.ops.shape(inputs)
        stacked = keras.ops.transpose(inputs, (0, 2, 3, 1, 4))
        return keras.ops.reshape(stacked, (-1, shape[2], shape[3], frames * channels))

    def compute_output_shape(self, input_shape):
        """``(batch, H, W, T * C)`` for an input ``(batch, T, H, W, C)``."""
        batch, frames, height, width, channels = input_shape
        return (batch, height, width, frames * channels)


@keras.saving.register_keras_serializable(package="deconv_tutor")
class SelectFrame(keras.layers.Layer):
    """One frame of a clip: ``(batch, T, H, W, C) -> (batch, H, W, C)``.

    Parameters
    ----------
    index : int
        Frame to keep, ``0 <= index < T``.
    **kwargs
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``).

    Examples
    --------
    >>> clip = np.arange(3, dtype="float32").reshape(1, 3, 1, 1, 1)
    >>> float(np.asarray(SelectFrame(1)(clip))[0, 0, 0, 0])
    1.0
    """

    def __init__(self, index, **kwargs):
        super().__init__(**kwargs)
        self.index = check.integer(index, "index", minimum=0)

    def build(self, input_shape):
        """Check that the input is 5-D with more than ``index`` frames."""
        frames = input_shape[1] if len(input_shape) == 5 else None
        if frames is None or self.index >= frames:
            raise ValueError(
                f"inputs must be (batch, frames, height, width, channels) with more than "
                f"index={self.index} frames, got shape {tuple(input_shape)}"
            )
        self.built = True

    def call(self, inputs):
        """Frame ``index`` of every clip in the batch."""
        return inputs[:, self.index]

    def compute_output_shape(self, input_shape):
        """``(batch, H, W, C)`` for an input ``(batch, T, H, W, C)``."""
        return (input_shape[0], *input_shape[2:])

    def get_config(self):
        """The layer's configuration, with ``index``, for saving."""
        return {**super().get_config(), "index": self.index}


@keras.saving.register_keras_serializable(package="deconv_tutor")
class Resize2D(keras.layers.UpSampling2D):
    """``UpSampling2D`` that still runs when ``predict`` meets a new frame size.

    Keras 3.15's ``ops.image.resize`` tests ``size[0] <= 0`` in Python. When
    TensorFlow retraces ``predict`` for a second frame size it leaves height and
    width unknown, the size becomes a tensor and that test raises
    ``OperatorNotAllowedInGraphError``. Only in that case (TensorFlow, unknown
    size, an interpolating mode) this layer calls ``tf.image.resize``, the op
    Keras itself would run; everywhere else it is ``UpSampling2D`` unchanged,
    multiply-adds included (:func:`deconv_tutor.cost.macs_per_pixel` counts it as one).

    Parameters
    ----------
    size : int or tuple of int, default 2
        The upsampling factor, as in ``UpSampling2D``.
    **kwargs
        Passed to ``keras.layers.UpSampling2D`` (``interpolation``, ``name``, ``dtype``).

    Examples
    --------
    >>> inputs = keras.Input((None, None, 1))
    >>> model = keras.Model(inputs, Resize2D(2, interpolation="bicubic")(inputs))
    >>> [model.predict(np.ones((1, n, n, 1), "float32"), verbose=0).shape for n in (4, 6)]
    [(1, 8, 8, 1), (1, 12, 12, 1)]
    """

    def __init__(self, size=2, **kwargs):
        # Keras's own check calls a float or a bool size a ValueError, and takes True as 1.
        super().__init__(check.int_pair(size, "size"), **kwargs)

    def call(self, inputs):
        """Resize like ``UpSampling2D``; through ``tf.image.resize`` when the size is unknown."""
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
    kernel_size = check.integer(kernel_size, "kernel_size", minimum=2)
    channels = check.integer(channels, "channels", minimum=1)
    check.allocation((kernel_size, kernel_size, channels, channels), "kernel_size and channels")
    factor = (kernel_size + 1) // 2
    centre = factor - 1 if kernel_size % 2 else factor - 0.5
    tent = 1 - np.abs(np.arange(kernel_size) - centre) / factor
    kernel = np.zeros((kernel_size, kernel_size, channels, channels), dtype=np.float32)
    kernel[:, :, np.arange(channels), np.arange(channels)] = np.outer(tent, tent)[..., None]
    return kernel


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
    n_classes = check.integer(
        n_classes, "n_classes", minimum=2, what="an integer >= 2 (classes of a softmax)"
    )
    shape = getattr(x, "shape", None)
    if shape is None:
        raise TypeError(
            f"x must be a 4-D Keras tensor (batch, height, width, channels), got "
            f"{type(x).__name__} {x!r:.80}"
        )
    if len(shape) != 4:
        raise ValueError(
            f"x must be a 4-D tensor (batch, height, width, channels), got shape {shape}"
        )
    logits = keras.layers.Conv2D(n_classes, 1, dtype="float32", name=f"{name}_logits")(x)
    return keras.layers.Activation("softmax", dtype="float32", name=f"{name}_softmax")(logits)
