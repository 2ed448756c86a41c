"""Deconvnet projections (Zeiler and Fergus, 2014): one feature map back to the pixels.

Keep one activation of a layer (or one whole channel), set every other activation of
that layer to zero, and pass this signal back through the network to the input, each
layer by its own step back:

- a ``Conv2D`` (any stride, padding, dilation): its *transposed* convolution, the adjoint
  of its linear part, with the same kernel;
- a ``Conv2DTranspose``: the strided *convolution* with the same kernel (its adjoint; the
  Keras layout ``(kh, kw, out, in)`` read as the ``(kh, kw, in, out)`` of the way back);
- a ``MaxPooling2D``: *unpooling*, each value sent to where its window's maximum was on the
  way forward (the switches);
- a nearest ``UpSampling2D``: the sum over each block (its adjoint);
- an ``Add``: a copy of the signal to every input; a ``Concatenate``: the signal split back
  into its inputs' parts (a skip connection gets its share, and a layer read twice adds
  the two ways back);
- a ReLU (a layer of its own or a layer's activation): the signal is rectified, whatever
  the forward pass did; increasing activations (sigmoid, tanh) and dropout pass it on.

Biases are ignored. What arrives at the input shows which pattern, at which place,
excites the unit: for a decoder layer as for an encoder layer.

The way back is prepared once per (model, layer) by :func:`projector`: the graph walk,
the checks and a compiled forward pass. A :class:`Projector` then runs the forward pass
once per frame (:meth:`Projector.forward`) and the way back once per channel
(:meth:`Projector.project`). A single activation only reaches its receptive field, so the
signal is carried as a window around its non-zero part rather than as whole feature maps:
projecting one activation costs a few milliseconds at any frame size. A whole map
covers every pixel: it goes back through the same steps on whole maps, traced once per
frame size into one graph of the backend (``tf.function``, ``jax.jit``), with no NumPy
between its convolutions (other backends carry it as one window).

References
----------
M. D. Zeiler and R. Fergus, "Visualizing and Understanding Convolutional Networks",
ECCV 2014. https://arxiv.org/abs/1311.2901
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import keras
import numpy as np

from deconv_tutor import _dense_way_back as dense
from deconv_tutor import _graph
from deconv_tutor import _validation as check

__all__ = [
    "SUPPORTED",
    "ForwardPass",
    "Projector",
    "backward_step",
    "crop_to_support",
    "project",
    "projectable_layers",
    "projector",
    "support",
    "to_display",
]

#: The layers a deconvnet passes back through, in words.
SUPPORTED = (
    "Conv2D and Conv2DTranspose (ReLU, linear, sigmoid or tanh), MaxPooling2D, "
    "UpSampling2D (nearest), Add, Concatenate, ReLU, activation and dropout layers"
)
_PASS_THROUGH = (
    "Dropout",
    "SpatialDropout2D",
    "GaussianNoise",
    "GaussianDropout",
    "ActivityRegularization",
)
# Increasing activations keep the order of what they receive; the deconvnet never reads
# the forward values of an activation, so it passes its signal through them unchanged.
_MONOTONE = ("linear", "sigmoid", "tanh")
_KEEP = ("max", "all")


# ------------------------------------------------------------------------------ layers
def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation))


def _kind(layer):
    """``(kind, None)``: how the signal goes back through ``layer``; ``(None, reason)`` if it cannot."""
    kind = type(layer).__name__
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        return None, f"{layer.name} is a channels_first {kind}"
    if kind in ("Conv2D", "Conv2DTranspose"):
        if getattr(layer, "groups", 1) != 1:
            return None, f"{layer.name} is a grouped {kind} (groups={layer.groups})"
        activation = _activation_name(layer)
        if activation != "relu" and activation not in _MONOTONE:
            return None, f"{layer.name} is a {kind} with activation {activation!r}"
        return ("conv" if kind == "Conv2D" else "transpose"), None
    if kind == "MaxPooling2D":
        return "pool", None
    if kind == "UpSampling2D":
        if layer.interpolation != "nearest":
            return None, (
                f"{layer.name} is an UpSampling2D with interpolation "
                f"{layer.interpolation!r} (only 'nearest' is projected)"
            )
        return "upsample", None
    if kind == "Add":
        shapes = {tuple(tensor.shape) for tensor in layer.input}
        if len(shapes) != 1:
            return None, f"{layer.name} is an Add that broadcasts {sorted(shapes, key=str)}"
        return "add", None
    if kind == "Concatenate":
        if layer.axis in (0, -len(layer.input[0].shape)):
            return None, f"{layer.name} is a Concatenate along the batch axis"
        return "concatenate", None
    if kind == "ReLU" or (kind == "Activation" and _activation_name(layer) == "relu"):
        return "relu", None
    if kind in _PASS_THROUGH or (kind == "Activation" and _activation_name(layer) in _MONOTONE):
        return "identity", None
    return None, f"{layer.name} is a {kind}"


def _kernel(layer):
    return np.asarray(keras.ops.convert_to_numpy(layer.kernel), np.float32)


# ------------------------------------------------------------------------------ windows
@dataclass
class _Window:
    """A signal that is zero outside ``values``, placed at ``(top, left)`` in its feature map."""

    values: np.ndarray  # (height, width, channels): all the map's channels
    top: int
    left: int


def _trimmed(values, top, left):
    """The window cut down to the box where ``values`` is not zero; None when it is all zero."""
    if values[0].any() and values[-1].any() and values[:, 0].any() and values[:, -1].any():
        return _Window(values, top, left)  # a dense signal: no full pass needed
    rows = np.flatnonzero(values.any(axis=(1, 2)))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(values[rows[0] : rows[-1] + 1].any(axis=(0, 2)))
    values = values[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    return _Window(values, top + int(rows[0]), left + int(cols[0]))


def _placed(values, top, left, shape):
    """The part of ``values`` (placed at top, left) that lies inside a map of ``shape``."""
    inside = _placed_slices(top, left, values.shape, shape)
    if inside is None:
        return None
    (rows, cols), target = inside
    return _trimmed(values[target], rows.start, cols.start)


def _sum(first, second):
    """Two windows of one map added (a layer read twice gets both ways back)."""
    if first is None or second is None:
        return first if second is None else second
    top, left = min(first.top, second.top), min(first.left, second.left)
    bottom = max(first.top + first.values.shape[0], second.top + second.values.shape[0])
    right = max(first.left + first.values.shape[1], second.left + second.values.shape[1])
    total = np.zeros((bottom - top, right - left, first.values.shape[2]), np.float32)
    for window in (first, second):
        rows = slice(window.top - top, window.top - top + window.values.shape[0])
        cols = slice(window.left - left, window.left - left + window.values.shape[1])
        total[rows, cols] += window.values
    return _Window(total, top, left)


def _rectified(window):
    return _trimmed(np.maximum(window.values, 0.0), window.top, window.left)


def _active(values):
    """Indices of the channels where ``values`` is not zero."""
    return np.flatnonzero(values.any(axis=(0, 1)))


def _numpy(tensor):
    return np.asarray(keras.ops.convert_to_numpy(tensor), np.float32)


# ------------------------------------------------------------------------------ steps back
def _conv_back(window, layer, kernel, in_shape, out_shape):
    """Back through a Conv2D: its transposed convolution with the same kernel.

    A ``Conv2D`` kernel ``(kh, kw, in, out)`` is already the ``Conv2DTranspose`` layout
    ``(kh, kw, out_T, in_T)`` of the way back. Input pixels the forward convolution never
    read (a stride that does not divide) get zero.
    """
    strides, dilations = tuple(layer.strides), tuple(layer.dilation_rate)
    active = _active(window.values)
    if active.size == 0:  # the window's values cancelled out
        return [None]
    every = active.size == window.values.shape[2]
    signal = window.values if every else window.values[..., active]
    spans = [d * (k - 1) + 1 for k, d in zip(kernel.shape[:2], dilations)]
    befores = [
        dense.same_before(size, span, stride, out) if layer.padding == "same" else 0
        for size, span, stride, out in zip(in_shape[:2], spans, strides, out_shape[:2])
    ]
    # Forward-input row of the transposed convolution's first output row.
    origins = [window.top * strides[0] - befores[0], window.left * strides[1] - befores[1]]
    weights = kernel if every else kernel[:, :, :, active]
    if strides != (1, 1):
        part = keras.ops.conv_transpose(
            signal[None], dense.dilated(weights, dilations), strides, "valid"
        )
        return [_placed(_numpy(part)[0], *origins, in_shape)]
    # Stride 1: the transposed convolution is the convolution with the flipped kernel over
    # the zero-padded signal, the backend's fastest kernel. Output row r (input row
    # origin + r) reads signal rows r - (span - 1) .. r; only rows inside the input are
    # computed, so a signal that covers its map needs the padding of "same" and no copy.
    rows, pads, firsts = [], [], []
    for axis in (0, 1):
        length, span, origin = signal.shape[axis], spans[axis], origins[axis]
        first, stop = max(0, -origin), min(length + span - 1, in_shape[axis] - origin)
        if first >= stop:
            return [None]
        rows.append(slice(max(0, first - (span - 1)), min(length, stop)))
        pads.append((max(0, span - 1 - first), max(0, stop - length)))
        firsts.append(origin + first)
    flipped = weights[::-1, ::-1].transpose(0, 1, 3, 2)
    signal = signal[rows[0], rows[1]]
    if all(
        before == (span - 1) // 2 and before + after == span - 1
        for (before, after), span in zip(pads, spans)
    ):
        part = keras.ops.conv(signal[None], flipped, 1, "same", dilation_rate=dilations)
    else:
        padded = np.pad(signal, (*pads, (0, 0)))
        part = keras.ops.conv(padded[None], flipped, 1, "valid", dilation_rate=dilations)
    return [_placed(_numpy(part)[0], *firsts, in_shape)]


def _transpose_back(window, layer, kernel, in_shape, out_shape):
    """Back through a Conv2DTranspose: the strided convolution with the same kernel.

    The forward pass scatters input pixel ``u`` into a canvas at ``u * s + a * d`` (tap
    ``a``) and crops ``before`` canvas pixels in front. Its adjoint gathers: the signal,
    put back on the canvas (zeros where the forward pass cropped), read by a "valid"
    convolution of stride ``s`` and dilation ``d``. Only the input pixels whose taps reach
    the window are computed.
    """
    strides, dilations = tuple(layer.strides), tuple(layer.dilation_rate)
    ranges, canvas_origin, canvas_size = [], [], []
    for axis, (size, k, s, d) in enumerate(zip(in_shape[:2], kernel.shape[:2], strides, dilations)):
        span = d * (k - 1) + 1
        full = s * (size - 1) + span  # the canvas before cropping
        before = max(full - out_shape[axis], 0) // 2 if layer.padding == "same" else 0
        start = (window.top if axis == 0 else window.left) + before  # canvas coordinates
        stop = start + window.values.shape[axis]
        first = max(-(-(start - span + 1) // s), 0)
        last = min((stop - 1) // s, size - 1)
        if first > last:  # the window lies only in the output_padding zeros
            return [None]
        ranges.append(first)
        canvas_origin.append(first * s - before)  # in output coordinates
        canvas_size.append((last - first) * s + span)
    active = _active(window.values)
    if active.size == 0:
        return [None]
    canvas = np.zeros((*canvas_size, active.size), np.float32)
    inside = _placed_slices(
        window.top - canvas_origin[0],
        window.left - canvas_origin[1],
        window.values.shape,
        canvas_size,
    )
    if inside is not None:
        (rows, cols), (window_rows, window_cols) = inside
        canvas[rows, cols] = window.values[window_rows, window_cols][..., active]
    weights = kernel[:, :, active]
    if strides != (1, 1) and dilations != (1, 1):
        weights, dilations = dense.dilated(weights, dilations), (1, 1)
    part = keras.ops.conv(canvas[None], weights, strides, "valid", dilation_rate=dilations)
    return [_placed(_numpy(part)[0], ranges[0], ranges[1], in_shape)]


def _unpool(window, layer, pool_input):
    """Back through a MaxPooling2D: each value goes to where its window's maximum was.

    The switches (where in each pooling window the forward pass found its maximum, the
    first one on a tie) are looked up for the pooled pixels of the signal's window only.
    """
    (p_h, p_w), (s_h, s_w) = tuple(layer.pool_size), tuple(layer.strides)
    height, width, channels = pool_input.shape
    same = layer.padding == "same"
    pad_top = dense.same_before(height, p_h, s_h, -(-height // s_h)) if same else 0
    pad_left = dense.same_before(width, p_w, s_w, -(-width // s_w)) if same else 0
    active = _active(window.values)
    if active.size == 0:
        return [None]
    every = active.size == channels
    signal = window.values if every else window.values[..., active]
    rows, cols = signal.shape[:2]
    # The input region the window's pooling windows read; cells outside the input (the
    # padding of "same") never hold the maximum.
    top, left = window.top * s_h - pad_top, window.left * s_w - pad_left
    size = ((rows - 1) * s_h + p_h, (cols - 1) * s_w + p_w)
    (source_rows, source_cols), (target_rows, target_cols) = _placed_slices(
        top, left, size, pool_input.shape
    )
    if (target_rows.stop - target_rows.start, target_cols.stop - target_cols.start) == size:
        region = pool_input[source_rows, source_cols]  # inside the input: no copy
    else:
        region = np.full((*size, channels), -np.inf, np.float32)
        region[target_rows, target_cols] = pool_input[source_rows, source_cols]
    if not every:
        region = region[..., active]
    taps = np.lib.stride_tricks.sliding_window_view(region, (p_h, p_w), axis=(0, 1))
    switches = taps[::s_h, ::s_w].reshape(rows, cols, active.size, p_h * p_w).argmax(axis=-1)
    spread = np.zeros((*size, active.size), np.float32)
    for tap in range(p_h * p_w):
        i, j = divmod(tap, p_w)
        # Overlapping windows can share a maximum: add, as the gradient does.
        spread[i : i + (rows - 1) * s_h + 1 : s_h, j : j + (cols - 1) * s_w + 1 : s_w] += np.where(
            switches == tap, signal, 0.0
        )
    if not every:
        result = np.zeros((*size, channels), np.float32)
        result[..., active] = spread
        spread = result
    return [_placed(spread, top, left, pool_input.shape)]


def _placed_slices(top, left, size, shape):
    """Slices of the overlap of a box at (top, left) with a map: ``(in the map, in the box)``."""
    rows = slice(max(top, 0), min(top + size[0], shape[0]))
    cols = slice(max(left, 0), min(left + size[1], shape[1]))
    if rows.start >= rows.stop or cols.start >= cols.stop:
        return None
    target = (slice(rows.start - top, rows.stop - top), slice(cols.start - left, cols.stop - left))
    return (rows, cols), target


def _upsample_back(window, layer, in_shape):
    """Back through a nearest-neighbour UpSampling2D: the sum over each block."""
    s_h, s_w = tuple(layer.size)
    top, left = window.top // s_h * s_h, window.left // s_w * s_w
    height = -(-(window.top + window.values.shape[0] - top) // s_h) * s_h
    width = -(-(window.left + window.values.shape[1] - left) // s_w) * s_w
    aligned = np.zeros((height, width, window.values.shape[2]), np.float32)
    aligned[
        window.top - top : window.top - top + window.values.shape[0],
        window.left - left : window.left - left + window.values.shape[1],
    ] = window.values
    sums = aligned.reshape(height // s_h, s_h, width // s_w, s_w, -1).sum(axis=(1, 3))
    return [_placed(sums, top // s_h, left // s_w, in_shape)]


def _split(window, layer, in_shapes):
    """Back through a Concatenate: each input gets its own part of the signal."""
    axis = layer.axis - 1 if layer.axis > 0 else layer.axis + 3  # the frame has no batch axis
    parts, edge = [], 0
    for shape in in_shapes:
        if axis == 2:
            values = window.values[..., edge : edge + shape[2]]
            parts.append(_trimmed(values, window.top, window.left))
        else:
            start = window.top if axis == 0 else window.left
            offset = (start - edge, window.left) if axis == 0 else (window.top, start - edge)
            parts.append(_placed(window.values, *offset, shape))
        edge += shape[axis]
    return parts


def _step_back(layer, kind, window, inputs, shapes, kernel):
    """The windows sent to each input of ``layer``: ``inputs`` are the forward inputs
    (used by the unpooling), ``shapes`` their shapes and the output's, last."""
    if kind == "relu":
        return [_rectified(window)]
    if kind in ("conv", "transpose"):
        if _activation_name(layer) == "relu":
            # Zeiler and Fergus rectify the signal on the way back through a ReLU.
            window = _rectified(window)
            if window is None:
                return [None]
        back = _conv_back if kind == "conv" else _transpose_back
        return back(window, layer, kernel, shapes[0], shapes[-1])
    if kind == "pool":
        return _unpool(window, layer, inputs[0])
    if kind == "upsample":
        return _upsample_back(window, layer, shapes[0])
    if kind == "add":
        return [window] * (len(shapes) - 1)  # y = x1 + x2: each input gets the whole signal
    if kind == "concatenate":
        return _split(window, layer, shapes[:-1])
    return [window]  # dropout, increasing activations


def backward_step(layer, signal, inputs):
    """The signals a deconvnet sends back through one layer to each of its inputs.

    For the linear layers (``Conv2D`` and ``Conv2DTranspose`` without a ReLU, nearest
    ``UpSampling2D``, ``Add``, ``Concatenate``) this is the adjoint of the layer without
    its bias: ``<T x, y> = <x, backward_step(T, y, [x])>`` for every ``x`` and ``y``.

    Parameters
    ----------
    layer : keras.layers.Layer
        A layer of a kind :func:`project` passes through, already called on inputs.
    signal : array_like, shape (H', W', C')
        The signal at the layer's output (one frame, no batch axis).
    inputs : sequence of ndarray
        The layer's forward inputs for that frame, one per input, ``(H, W, C)`` each:
        ``MaxPooling2D`` reads its switches there, the other layers their shapes.

    Returns
    -------
    list of ndarray
        One float32 array per input, of that input's shape.

    Raises
    ------
    ValueError
        For a layer kind the deconvnet cannot pass through, or shapes that do not fit the
        layer.

    Examples
    --------
    >>> layer = keras.layers.Conv2DTranspose(2, 4, strides=2, padding="same", use_bias=False)
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(5, 6, 3)).astype(np.float32)
    >>> forward = keras.ops.convert_to_numpy(layer(x[None]))[0]
    >>> y = rng.normal(size=forward.shape).astype(np.float32)
    >>> (back,) = backward_step(layer, y, [x])
    >>> back.shape, bool(np.isclose(np.sum(forward * y), np.sum(x * back), rtol=1e-4))
    ((5, 6, 3), True)
    """
    kind, problem = _kind(layer)
    if kind is None:
        raise ValueError(f"layer must be one of {SUPPORTED}, but {problem}")
    if isinstance(inputs, np.ndarray) or not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"inputs must be a list of arrays, one per layer input, got {type(inputs).__name__}"
        )
    arrays = [check.real_array(x, f"inputs[{i}]", ndims=(3,)) for i, x in enumerate(inputs)]
    arrays = [x.astype(np.float32, copy=False) for x in arrays]
    shapes = [x.shape for x in arrays]
    expected = layer.compute_output_shape(
        [(1, *s) for s in shapes] if len(shapes) > 1 else (1, *shapes[0])
    )
    expected = tuple(int(size) for size in expected[1:])
    values = check.real_array(signal, "signal", ndims=(3,)).astype(np.float32, copy=False)
    if values.shape != expected:
        raise ValueError(
            f"signal must have the layer's output shape {expected} for inputs of shapes "
            f"{shapes}, got {values.shape}"
        )
    kernel = _kernel(layer) if kind in ("conv", "transpose") else None
    window = _trimmed(values, 0, 0)
    parts = (
        [None] * len(shapes)
        if window is None
        else _step_back(layer, kind, window, arrays, [*shapes, expected], kernel)
    )
    return [_full(part, shape) for part, shape in zip(parts, shapes)]


def _full(window, shape):
    result = np.zeros(shape, np.float32)
    if window is not None:
        height, width = window.values.shape[:2]
        result[window.top : window.top + height, window.left : window.left + width] = window.values
    return result


# ------------------------------------------------------------------------------ the walk
class ForwardPass:
    """What the way back needs from one frame's forward pass; made by :meth:`Projector.forward`.

    Parameters
    ----------
    maps : ndarray, shape (H', W', channels)
        The projected layer's activations for the frame (float32).
    frame_shape : tuple of int
        ``(height, width, channels)`` of the frame, the shape of every projection.
    shapes : dict of int to tuple
        The shape of every feature map on the way back, by position in the model's graph.
    values : dict of int to ndarray
        The feature maps the unpooling reads its switches from (and the frame).
    kernels : dict of int to ndarray
        The convolution kernels as they were during this forward pass.

    Attributes
    ----------
    maps : ndarray
        As given.
    frame_shape : tuple of int
        As given.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="c")])
    >>> projector(model, "c").forward(np.zeros((8, 8, 1))).maps.shape
    (6, 6, 2)
    """

    def __init__(self, maps, frame_shape, shapes, values, kernels):
        self.maps = maps
        self.frame_shape = tuple(frame_shape)
        self._shapes = shapes
        self._values = values
        self._kernels = kernels
        self._dense = None  # the kernels and pooling inputs as backend tensors, when needed


class Projector:
    """The way back from one layer of one model to its pixels, prepared once.

    Made by :func:`projector` (which keeps one per model and layer): the graph walk, the
    checks and the compiled forward pass are done once, so that each frame costs one
    forward pass and each channel one way back.

    Parameters
    ----------
    model : keras.Model
        One image input; every layer between the input and ``layer_name`` is one
        :func:`project` passes through, called once.
    layer_name : str
        The layer whose activations are projected.

    Attributes
    ----------
    model : keras.Model
    layer_name : str

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((16, 16, 1)),
    ...                           keras.layers.Conv2D(2, 3, activation="relu", name="c"),
    ...                           keras.layers.MaxPooling2D(name="p")])
    >>> way_back = Projector(model, "p")
    >>> forward = way_back.forward(np.random.default_rng(0).random((16, 16, 1)))
    >>> forward.maps.shape, way_back.project(forward, channel=1).shape
    ((7, 7, 2), (16, 16, 1))
    """

    def __init__(self, model, layer_name):
        if not isinstance(model, keras.Model):
            raise TypeError(
                f"model must be a keras.Model, got {type(model).__name__} {model!r:.80}"
            )
        calls = _graph.layer_calls(model)
        _graph.image_input_shape(model)
        names = [call.name for call in calls]
        if not isinstance(layer_name, str):
            raise TypeError(
                f"layer_name must be the name (str) of a layer of {model.name!r}, got "
                f"{type(layer_name).__name__} {layer_name!r:.80}"
            )
        if layer_name not in names:
            raise ValueError(
                f"layer_name must name a layer of {model.name!r} ({', '.join(names)}), "
                f"got {layer_name!r}"
            )
        target = names.index(layer_name)
        if calls[target].is_input:
            raise ValueError(f"layer_name must name a layer after the input, got {layer_name!r}")
        self._steps = []
        # From the layer back to the input: a message names the nearest layer in the way.
        for index in reversed(_graph.ancestors(calls, target)):
            call = calls[index]
            if call.is_input:
                continue
            kind, problem = _kind(call.layer)
            if kind is None:
                raise ValueError(
                    f"layer_name {layer_name!r}: the deconvnet projects through {SUPPORTED} "
                    f"only, but {problem}"
                )
            self._steps.insert(0, (index, call.layer, kind, call.parents))
        if len(calls[target].outputs) != 1 or len(calls[target].outputs[0].shape) != 4:
            raise ValueError(
                f"layer_name must name a layer with 4-D feature maps (batch, H, W, channels), "
                f"got {layer_name!r} with outputs {calls[target].output_shapes}"
            )
        self.model = model
        self.layer_name = layer_name
        self._target = target
        # The forward pass returns the projected layer and what the unpooling reads.
        self._input = next(i for i, call in enumerate(calls) if call.is_input)
        needed = [target] + sorted(
            {parents[0] for _, _, kind, parents in self._steps if kind == "pool"} - {self._input}
        )
        self._fetched = needed
        self._forward = _graph.submodel(
            model, ("deconvnet", layer_name), [calls[i].outputs[0] for i in needed]
        )
        self._shape_cache = {}
        # A whole map goes back through one compiled graph where the backend traces one.
        compile_ = dense.compiler()
        self._compile = compile_ if compile_ is not None and dense.supported(self._steps) else None
        self._dense = {}

    def _shapes_for(self, frame_shape):
        """Every map's shape in the subgraph for a frame of ``frame_shape`` (no batch axis)."""
        if frame_shape not in self._shape_cache:
            shapes = {self._input: (1, *frame_shape)}
            for index, layer, _, parents in self._steps:
                given = [shapes[parent] for parent in parents]
                shape = layer.compute_output_shape(given if len(given) > 1 else given[0])
                shapes[index] = tuple(int(size) for size in shape)
            self._shape_cache[frame_shape] = {i: s[1:] for i, s in shapes.items()}
        return self._shape_cache[frame_shape]

    def forward(self, frame):
        """Run the model on one frame up to the layer, keeping what the way back needs.

        The weights are read now, so a projection always matches its forward pass, even if
        the model is trained further in between.

        Parameters
        ----------
        frame : array_like, shape (H, W) or (H, W, C)
            One frame the model accepts.

        Returns
        -------
        ForwardPass
        """
        batch = _graph.frame_batch(self.model, frame)
        outputs = self._forward.predict_on_batch([batch])
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        values = {
            index: np.asarray(value[0], np.float32) for index, value in zip(self._fetched, outputs)
        }
        values[self._input] = batch[0]
        kernels = {
            index: _kernel(layer)
            for index, layer, kind, _ in self._steps
            if kind in ("conv", "transpose")
        }
        shapes = self._shapes_for(batch.shape[1:])
        return ForwardPass(values[self._target], tuple(batch.shape[1:]), shapes, values, kernels)

    def project(self, forward, channel, keep="max"):
        """The raw projection of one channel of a forward pass, back at the frame's pixels.

        Parameters
        ----------
        forward : ForwardPass
            From :meth:`forward` of this projector.
        channel : int
            Channel of the layer.
        keep : {"max", "all"}, optional
            Project only the channel's strongest activation, or its whole map.

        Returns
        -------
        ndarray, float32, shape of the frame
            Zero everywhere when the kept activations are zero (a silent channel).
        """
        if not isinstance(forward, ForwardPass):
            raise TypeError(
                f"forward must be a ForwardPass of Projector.forward, got {type(forward).__name__}"
            )
        channels = forward.maps.shape[-1]
        channel = check.integer(
            channel,
            "channel",
            minimum=0,
            maximum=channels - 1,
            what=f"an integer in [0, {channels}) for layer {self.layer_name!r}",
        )
        check.choice(keep, "keep", _KEEP)
        if keep == "all" and self._compile is not None:
            return self._whole_map(forward, channel)
        start = np.zeros_like(forward.maps)
        if keep == "all":
            start[..., channel] = forward.maps[..., channel]
        else:
            row, col = np.unravel_index(np.argmax(forward.maps[..., channel]), start.shape[:2])
            start[row, col, channel] = forward.maps[row, col, channel]
        signals = {self._target: _trimmed(start, 0, 0)}
        shapes = forward._shapes
        # Reverse forward order: a layer is passed once every layer reading it has added
        # its share (a skip connection sums the two ways back).
        for index, layer, kind, parents in reversed(self._steps):
            window = signals.pop(index, None)
            if window is None:
                continue
            inputs = [forward._values.get(parent) for parent in parents]
            in_shapes = [shapes[parent] for parent in parents]
            parts = _step_back(
                layer,
                kind,
                window,
                inputs,
                [*in_shapes, shapes[index]],
                forward._kernels.get(index),
            )
            for parent, part in zip(parents, parts):
                signals[parent] = _sum(signals.get(parent), part)
        return _full(signals.get(self._input), forward.frame_shape)

    def _whole_map(self, forward, channel):
        """:meth:`project` of a whole channel, through the compiled dense way back."""
        if forward.frame_shape not in self._dense:
            run = dense.way_back(
                self._steps, forward._shapes, self._target, self._input, _activation_name
            )
            self._dense[forward.frame_shape] = self._compile(run)
        if forward._dense is None:  # the backend's copies of the kernels, once per forward pass
            forward._dense = (
                {
                    index: keras.ops.convert_to_tensor(
                        dense.prepared_kernel(kind, layer, forward._kernels[index])
                    )
                    for index, layer, kind, _ in self._steps
                    if kind in ("conv", "transpose")
                },
                {
                    index: keras.ops.convert_to_tensor(forward._values[parents[0]][None])
                    for index, _, kind, parents in self._steps
                    if kind == "pool"
                },
            )
        kernels, pools = forward._dense
        start = keras.ops.convert_to_tensor(forward.maps[None, :, :, channel : channel + 1])
        result = self._dense[forward.frame_shape](
            start, keras.ops.convert_to_tensor(channel, "int32"), kernels, pools
        )
        return _numpy(result)[0]


_PROJECTORS = weakref.WeakKeyDictionary()


def projector(model, layer_name):
    """The :class:`Projector` of one layer of a model, made once and kept with the model.

    Parameters
    ----------
    model : keras.Model
        One image input (see :func:`projectable_layers`).
    layer_name : str
        The layer whose activations are projected.

    Returns
    -------
    Projector

    Raises
    ------
    ValueError
        A ``layer_name`` the model does not have or that cannot be projected (the message
        names the layer in the way).

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="c")])
    >>> projector(model, "c") is projector(model, "c")
    True
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__} {model!r:.80}")
    cache = _PROJECTORS.setdefault(model, {})
    if layer_name not in cache:
        cache[layer_name] = Projector(model, layer_name)
    return cache[layer_name]


def projectable_layers(model):
    """Names of the layers :func:`project` can project back to pixel space.

    Parameters
    ----------
    model : keras.Model
        One image input.

    Returns
    -------
    list of str
        Layers with 4-D outputs reached from the input through the layers listed in
        :func:`project` only: the encoder *and* the decoder of an encoder-decoder.

    Examples
    --------
    >>> from deconv_tutor import models
    >>> projectable_layers(models.encoder_decoder((16, 16, 3), filters=4, depth=1))
    ['down1_conv', 'down1_pool', 'up1_transpose', 'output_conv', 'output']
    >>> model = models.encoder_decoder((16, 16, 3), filters=4, depth=1, upsampling="upsample_conv")
    >>> projectable_layers(model)[2:4]
    ['up1_upsample', 'up1_conv']
    """
    calls = _graph.layer_calls(model)
    _graph.image_input_shape(model)
    passable = {}
    for index, call in enumerate(calls):
        if call.is_input:
            passable[index] = True
        else:
            kind, _ = _kind(call.layer)
            passable[index] = kind is not None and all(passable[p] for p in call.parents)
    return [
        call.name
        for index, call in enumerate(calls)
        if not call.is_input
        and passable[index]
        and len(call.outputs) == 1
        and len(call.outputs[0].shape) == 4
    ]


def to_display(projection):
    """Map a raw projection to [0, 1] for showing: zero at 0.5, ``p / (2 max|p|) + 0.5``.

    Parameters
    ----------
    projection : array_like
        A raw projection (finite reals).

    Returns
    -------
    ndarray, float32
        Light: positive, dark: negative; all 0.5 for a projection that is all zero.

    Examples
    --------
    >>> to_display(np.array([-2.0, 0.0, 1.0])).tolist()
    [0.0, 0.5, 0.75]
    """
    values = check.real_array(projection, "projection").astype(np.float32, copy=False)
    peak = float(np.abs(values).max())
    if peak == 0:
        return np.full_like(values, 0.5)
    return (values / (2.0 * peak) + 0.5).astype(np.float32)


def project(model, frame, layer_name, channel, *, keep="max", normalise=True):
    """Project one feature map back to pixel space with a deconvnet (Zeiler and Fergus, 2014).

    The chosen layer's activations are zeroed except channel ``channel`` (and, with
    ``keep="max"``, except its strongest activation), then passed back layer by layer to
    the input, each layer by its step back (see the module's description): the transposed
    convolution for a ``Conv2D``, the strided convolution for a ``Conv2DTranspose``,
    unpooling for a ``MaxPooling2D``, rectification for a ReLU. Biases are ignored.

    Parameters
    ----------
    model : keras.Model
        One image input; every layer between the input and ``layer_name`` must be one the
        deconvnet passes through, called once (see :func:`projectable_layers`).
    frame : array_like, shape (H, W, C)
        One frame the model accepts.
    layer_name : str
        Layer whose activation is projected.
    channel : int
        Channel of that layer.
    keep : {"max", "all"}, optional
        Project only the strongest activation of the channel, or the whole map.
    normalise : bool, optional
        True: map to [0, 1] for display with :func:`to_display` (zero at 0.5); False: the
        raw projection.

    Returns
    -------
    ndarray, float32, shape (H, W, C)
        The input's shape, whatever the layer's resolution. A channel that is silent on
        this frame projects to zeros (0.5 everywhere when normalised).

    Raises
    ------
    ValueError
        A ``layer_name`` that the model does not have or that cannot be projected (the
        message names the layer in the way), a ``channel`` outside the layer's channels, an
        unknown ``keep``.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((16, 16, 1)),
    ...                           keras.layers.Conv2D(2, 3, activation="relu", name="c"),
    ...                           keras.layers.MaxPooling2D(name="p")])
    >>> frame = np.random.default_rng(0).random((16, 16, 1)).astype(np.float32)
    >>> image = project(model, frame, "p", channel=1)
    >>> image.shape, image.dtype, bool(0.0 <= image.min() <= image.max() <= 1.0)
    ((16, 16, 1), dtype('float32'), True)

    A decoder channel of the course's encoder-decoder, at full resolution again:

    >>> from deconv_tutor import models
    >>> keras.utils.set_random_seed(0)
    >>> model = models.encoder_decoder((16, 16, 3), filters=4, depth=2)
    >>> frame = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    >>> project(model, frame, "up1_transpose", channel=2, normalise=False).shape
    (16, 16, 3)
    >>> project(model, frame, "up9_transpose", channel=0)
    Traceback (most recent call last):
    ...
    ValueError: layer_name must name a layer of 'encoder_decoder_transpose' (frames, down1_conv, down1_pool, down2_conv, down2_pool, up2_transpose, up1_transpose, output_conv, output), got 'up9_transpose'
    """
    check.choice(keep, "keep", _KEEP)
    check.boolean(normalise, "normalise")
    way_back = projector(model, layer_name)
    signal = way_back.project(way_back.forward(frame), channel, keep)
    return to_display(signal) if normalise else signal


def support(projection, *, background=0.0):
    """The box where a projection differs from its background, or None when nowhere.

    Parameters
    ----------
    projection : array_like, shape (H, W) or (H, W, C)
        A raw projection (background 0) or a displayed one (background 0.5).
    background : float, optional
        The value that means "nothing".

    Returns
    -------
    tuple of int or None
        ``(top, bottom, left, right)``, bottom and right exclusive; None for a projection
        that is all background (a silent channel).

    Examples
    --------
    >>> picture = np.zeros((6, 6))
    >>> picture[2, 1:4] = 1.0
    >>> support(picture)
    (2, 3, 1, 4)
    >>> print(support(np.zeros((6, 6))))
    None
    """
    values = check.real_array(projection, "projection", ndims=(2, 3))
    background = check.number(background, "background")
    differs = values != background
    if differs.ndim == 3:
        differs = differs.any(axis=-1)
    rows, cols = np.flatnonzero(differs.any(axis=1)), np.flatnonzero(differs.any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def crop_to_support(projection, size, *, background=0.0):
    """A ``size`` x ``size`` window of a projection, centred on where it is not background.

    Parameters
    ----------
    projection : array_like, shape (H, W) or (H, W, C)
        A raw projection (background 0) or a displayed one (background 0.5).
    size : int
        Side of the window; a frame smaller than that is returned whole along that axis.
    background : float, optional
        The value that means "nothing".

    Returns
    -------
    ndarray
        The window. A projection that is all background (a channel silent on this frame)
        has no support to centre on: its central window is returned, all background.

    Examples
    --------
    >>> picture = np.full((32, 32), 0.5)
    >>> picture[20:23, 5:7] = 1.0
    >>> window = crop_to_support(picture, 8, background=0.5)
    >>> window.shape, float(window.max())
    ((8, 8), 1.0)
    >>> float(crop_to_support(np.full((32, 32), 0.5), 8, background=0.5).max())
    0.5
    """
    values = check.real_array(projection, "projection", ndims=(2, 3))
    size = check.integer(size, "size", minimum=1)
    box = support(values, background=background)
    height, width = values.shape[:2]
    if box is None:
        centre_row, centre_col = height // 2, width // 2
    else:
        centre_row, centre_col = (box[0] + box[1] - 1) // 2, (box[2] + box[3] - 1) // 2
    top = min(max(centre_row - size // 2, 0), max(height - size, 0))
    left = min(max(centre_col - size // 2, 0), max(width - size, 0))
    return values[top : top + size, left : left + size]
