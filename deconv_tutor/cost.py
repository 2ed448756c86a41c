"""What a model costs: its weights (:func:`parameter_count`) and its work per output pixel.

:func:`macs_per_pixel` counts the multiply-adds of the layers that multiply by weights
and divides by the output pixels, so a model's cost does not depend on the frame size:
chapter 07 compares upscalers with it, chapter 09 turns it into frames per second
(:mod:`deconv_tutor.speed`), chapter 11 plots quality against it.

It lives apart from :mod:`deconv_tutor.models` because it measures any Keras model, the
learner's own included, not only the course's builders.
"""

import math

import keras

from deconv_tutor import _validation as check

__all__ = ["macs_per_pixel", "parameter_count"]

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


def _built_model(model):
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if not model.built:
        raise ValueError("model must be built (give it a keras.Input), got an unbuilt model")
    return model


def parameter_count(model):
    """Number of weights of a built model, trainable or not.

    Parameters
    ----------
    model : keras.Model
        A built model (one that has seen a ``keras.Input`` or data).

    Returns
    -------
    int
        Every weight, biases included.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3)])
    >>> parameter_count(model)  # 3*3*1*2 weights + 2 biases
    20
    """
    return int(_built_model(model).count_params())


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


def _total_macs(model):
    total = 0
    for layer in model.layers:
        total += (
            _total_macs(_sized(layer)) if isinstance(layer, keras.Model) else _layer_macs(layer)
        )
    return total


def _sized(nested):
    """A nested model rebuilt at the size it receives, when its own graph leaves sizes open."""
    if all(None not in tuple(tensor.shape[1:]) for tensor in nested.outputs):
        return nested
    try:
        received = tuple(nested.input.shape[1:])
    except (AttributeError, ValueError):  # called several times, or never
        return nested
    if None in received:
        return nested  # _layer_macs then names the layer whose size is unknown
    return _at_input_shape(nested, received)


def _at_input_shape(model, input_shape):
    """A copy of ``model`` rebuilt for inputs of ``input_shape`` (weights not copied)."""
    if len(model.inputs) != 1:
        raise ValueError(
            f"input_shape is for a model with one input, got a model with {len(model.inputs)}"
        )
    if not isinstance(input_shape, (tuple, list)):
        raise TypeError(
            f"input_shape must be a tuple of positive integers (no batch axis), got "
            f"{type(input_shape).__name__} {input_shape!r}"
        )
    input_shape = tuple(
        check.integer(size, "input_shape", minimum=1, what="a tuple of positive integers")
        for size in input_shape
    )
    accepted = tuple(model.inputs[0].shape[1:])
    fits = len(input_shape) == len(accepted) and all(
        wanted is None or wanted == size for size, wanted in zip(input_shape, accepted)
    )
    if not fits:
        raise ValueError(
            f"input_shape must fit the model's input {accepted} (None: any size), got {input_shape}"
        )
    new_input = keras.Input(input_shape)
    # clone_model wants the same structure: a functional model built with inputs=[x] takes
    # a list (a Sequential model has one input, and no .input until it has been called).
    if not isinstance(model, keras.Sequential) and isinstance(model.input, (list, tuple)):
        new_input = [new_input]
    return keras.models.clone_model(model, input_tensors=new_input)


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
    - ``Dense``: ``cin * cout`` per position of the axes before the last;
    - ``UpSampling2D``: the taps of its interpolation kernel per output value
      (bilinear 4, bicubic 16, Lanczos 36 or 100; nearest neighbour 0, a copy).

    Biases, activations, pooling, normalisation and pure rearrangements
    (:class:`deconv_tutor.layers.DepthToSpace`, reshapes, slicing) are not counted: they
    cost a few operations per value, not per weight. Nested models are counted layer by
    layer. For a model whose input is several frames
    (:func:`deconv_tutor.models.temporal_denoiser`), the output pixels are those of the
    one frame it returns, so every input frame's work is billed to them.

    Parameters
    ----------
    model : keras.Model
        A built single-output model (functional, ``Sequential`` or nested).
    input_shape : tuple of int, optional
        Measure at this input shape (without batch axis), for models built with
        unknown (None) height and width. It must fit the model's input: same rank, and
        equal wherever the model fixes a size (its channels, say). The model is cloned;
        its weights are untouched.

    Returns
    -------
    float
        Multiply-adds per output pixel.

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

    A fully convolutional model is measured at a given size; the channels must be its own:

    >>> open_model = keras.Sequential([keras.Input((None, None, 1)), keras.layers.Conv2D(4, 3)])
    >>> macs_per_pixel(open_model, input_shape=(10, 10, 1))
    36.0
    >>> macs_per_pixel(open_model, input_shape=(10, 10, 3))
    Traceback (most recent call last):
    ...
    ValueError: input_shape must fit the model's input (None, None, 1) (None: any size), got (10, 10, 3)
    """
    _built_model(model)
    if not getattr(model, "outputs", None):
        raise ValueError("model must be built (give it a keras.Input), got an unbuilt model")
    if len(model.outputs) != 1:
        raise ValueError(f"model must have one output, got {len(model.outputs)}")
    if input_shape is not None:
        model = _at_input_shape(model, input_shape)
    pixels = _spatial(model.outputs[0].shape)
    if any(size is None for size in pixels):
        raise ValueError(
            f"model output has unknown spatial size {pixels}; pass input_shape, e.g. (64, 64, 3)"
        )
    return _total_macs(model) / math.prod(pixels)
