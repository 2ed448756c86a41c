"""The deconvnet's way back for a whole feature map, as one compiled graph of dense steps.

:mod:`deconv_tutor.deconvnet` carries the signal of one activation as a window around its
non-zero part, with NumPy between the backend's convolutions: right for one activation,
whose receptive field is small. A whole map covers every pixel, and there that glue
(copies to and from the backend, crops, sums, channel checks) costs a third of the time.
This module writes the same steps back on whole maps in ``keras.ops`` and traces them
once per (projector, frame size) into one graph of the backend (``tf.function`` on
TensorFlow, ``jax.jit`` on JAX): nothing leaves the backend between the first
convolution and the last, and the two branches of a skip may run side by side.

The signal starts as the kept channel alone (one channel wide) and stays so through the
layers that treat channels apart (ReLU, pooling, upsampling, a skip's copy); the first
convolution on the way reads that channel's slice of its kernel, as the windowed walk
does with its active channels.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "channel_axis",
    "compiler",
    "dilated",
    "prepared_kernel",
    "same_before",
    "supported",
    "way_back",
]


def dilated(kernel, dilations):
    """The kernel with ``d - 1`` zeros between its taps: a dilation done by hand.

    Examples
    --------
    >>> dilated(np.ones((2, 2, 1, 1), np.float32), (2, 1))[..., 0, 0].tolist()
    [[1.0, 1.0], [0.0, 0.0], [1.0, 1.0]]
    """
    d_h, d_w = dilations
    if d_h == d_w == 1:
        return kernel
    height, width = kernel.shape[:2]
    result = np.zeros(
        (d_h * (height - 1) + 1, d_w * (width - 1) + 1, *kernel.shape[2:]), np.float32
    )
    result[::d_h, ::d_w] = kernel
    return result


def same_before(size, window, stride, out):
    """Pixels a "same" convolution or pooling pads in front (Keras's, TensorFlow's rule).

    Examples
    --------
    >>> same_before(8, 3, 1, 8), same_before(8, 4, 2, 4)
    (1, 1)
    """
    return max((out - 1) * stride + window - size, 0) // 2


def compiler():
    """The backend's tracing compiler (a function of a function), or None for eager only.

    Examples
    --------
    >>> import keras
    >>> (compiler() is None) == (keras.backend.backend() not in ("tensorflow", "jax"))
    True
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return lambda function: tf.function(function, autograph=False)
    if backend == "jax":
        import jax

        return jax.jit
    return None


def supported(steps):
    """Whether every step of a walk has a dense form here (pooling: windows that tile).

    Overlapping or gapped poolings (pool size other than the stride) stay with the
    windowed walk.

    Examples
    --------
    >>> supported([])
    True
    """
    return all(
        tuple(layer.pool_size) == tuple(layer.strides)
        for _, layer, kind, _ in steps
        if kind == "pool"
    )


def prepared_kernel(kind, layer, kernel):
    """The kernel in the layout its dense step convolves with (see :func:`channel_axis`).

    Examples
    --------
    >>> import keras
    >>> layer = keras.layers.Conv2D(4, 3)
    >>> prepared_kernel("conv", layer, np.zeros((3, 3, 2, 4), np.float32)).shape
    (3, 3, 4, 2)
    """
    if kind == "transpose":
        strides, dilations = tuple(layer.strides), tuple(layer.dilation_rate)
        if strides != (1, 1) and dilations != (1, 1):
            kernel = dilated(kernel, dilations)
        return np.ascontiguousarray(kernel)
    if tuple(layer.strides) != (1, 1):
        return np.ascontiguousarray(dilated(kernel, tuple(layer.dilation_rate)))
    # Stride 1: the convolution with the flipped kernel, the backend's fastest kernel.
    return np.ascontiguousarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))


def channel_axis(kind, layer):
    """The axis of :func:`prepared_kernel` that holds the channels of the layer's output.

    Examples
    --------
    >>> import keras
    >>> channel_axis("conv", keras.layers.Conv2D(4, 3, strides=2))
    3
    """
    return 3 if kind == "conv" and tuple(layer.strides) != (1, 1) else 2


def _fit(ops, part, befores, shape):
    """Rows ``before .. before + size`` of ``part`` on each axis, zeros past its end."""
    pads = [(0, 0)]
    for axis, (before, size) in enumerate(zip(befores, shape[:2]), start=1):
        pads.append((0, max(0, before + size - part.shape[axis])))
    if any(after for _, after in pads):
        part = ops.pad(part, [*pads, (0, 0)])
    return part[:, befores[0] : befores[0] + shape[0], befores[1] : befores[1] + shape[1]]


def _conv_back(ops, signal, layer, weights, in_shape, out_shape):
    """A Conv2D's adjoint (see ``deconvnet._conv_back``, of which this is the whole-map case)."""
    strides, dilations = tuple(layer.strides), tuple(layer.dilation_rate)
    spans = [d * (k - 1) + 1 for k, d in zip(layer.kernel_size, dilations)]
    befores = [
        same_before(size, span, stride, out) if layer.padding == "same" else 0
        for size, span, stride, out in zip(in_shape[:2], spans, strides, out_shape[:2])
    ]
    if strides != (1, 1):
        return _fit(ops, ops.conv_transpose(signal, weights, strides, "valid"), befores, in_shape)
    pads = [(span - 1 - b, i - o + b) for span, b, i, o in zip(spans, befores, in_shape, out_shape)]
    if all(a == (span - 1) // 2 and a + b == span - 1 for (a, b), span in zip(pads, spans)):
        return ops.conv(signal, weights, 1, "same", dilation_rate=dilations)
    padded = ops.pad(signal, [(0, 0), *pads, (0, 0)])
    return ops.conv(padded, weights, 1, "valid", dilation_rate=dilations)


def _transpose_back(ops, signal, layer, weights, in_shape, out_shape):
    """A Conv2DTranspose's adjoint: the signal on the uncropped canvas, a strided convolution."""
    strides, dilations = tuple(layer.strides), tuple(layer.dilation_rate)
    pads = [(0, 0)]
    for axis, (size, k, s, d) in enumerate(
        zip(in_shape[:2], layer.kernel_size, strides, dilations)
    ):
        full = s * (size - 1) + d * (k - 1) + 1  # the canvas before cropping
        before = max(full - out_shape[axis], 0) // 2 if layer.padding == "same" else 0
        after = full - before - out_shape[axis]
        if after < 0:  # output_padding: rows the canvas never had
            signal = signal[:, : full - before] if axis == 0 else signal[:, :, : full - before]
            after = 0
        pads.append((before, after))
    canvas = ops.pad(signal, [*pads, (0, 0)])
    if strides != (1, 1) and dilations != (1, 1):
        dilations = (1, 1)  # dilated by hand in prepared_kernel
    return ops.conv(canvas, weights, strides, "valid", dilation_rate=dilations)


def _unpool(ops, signal, layer, pool_input, in_shape, out_shape):
    """A MaxPooling2D whose windows tile: each value goes to its window's first maximum."""
    (p_h, p_w), same = tuple(layer.pool_size), layer.padding == "same"
    (height, width), (rows, cols) = in_shape[:2], out_shape[:2]
    befores = [
        same_before(size, p, p, out) if same else 0
        for size, p, out in zip((height, width), (p_h, p_w), (rows, cols))
    ]
    region = pool_input[:, : rows * p_h - befores[0], : cols * p_w - befores[1]]
    pads = [
        (b, out * p - b - min(size, out * p - b))
        for b, out, p, size in zip(befores, (rows, cols), (p_h, p_w), (height, width))
    ]
    if any(a or b for a, b in pads):
        region = ops.pad(region, [(0, 0), *pads, (0, 0)], constant_values=-np.inf)
    channels = region.shape[-1]
    taps = ops.reshape(
        ops.transpose(ops.reshape(region, (1, rows, p_h, cols, p_w, channels)), (0, 1, 3, 5, 2, 4)),
        (1, rows, cols, channels, p_h * p_w),
    )
    hits = ops.cast(ops.equal(taps, ops.max(taps, axis=-1, keepdims=True)), "int32")
    first = ops.logical_and(ops.equal(hits, 1), ops.equal(ops.cumsum(hits, axis=-1), 1))
    spread = ops.where(first, ops.expand_dims(signal, -1), ops.zeros_like(taps))
    spread = ops.reshape(
        ops.transpose(ops.reshape(spread, (1, rows, cols, channels, p_h, p_w)), (0, 1, 4, 2, 5, 3)),
        (1, rows * p_h, cols * p_w, channels),
    )
    return _fit(ops, spread, befores, in_shape)


def way_back(steps, shapes, target, source, activation_name):
    """The dense way back of one walk as a function of tensors, to compile once per frame size.

    Parameters
    ----------
    steps : list of tuple
        ``(index, layer, kind, parents)`` in forward order, as ``Projector`` keeps them.
    shapes : dict of int to tuple
        Every map's shape (no batch axis) for the frame size.
    target, source : int
        Indices of the projected layer and of the model input.
    activation_name : callable
        ``layer -> name`` of its activation.

    Returns
    -------
    callable
        ``(start, channel, kernels, pools) -> projection``: ``start`` the kept channel's map
        ``(1, H', W', 1)``, ``channel`` an int32 scalar, ``kernels`` the
        :func:`prepared_kernel` weights and ``pools`` the pooling inputs ``(1, H, W, C)``,
        both by step index; the projection is ``(1, H, W, C)``.
    """
    import keras

    ops = keras.ops

    def run(start, channel, kernels, pools):
        def widened(signal, narrow, channels):
            if not narrow:
                return signal
            return signal * ops.one_hot(channel, channels, dtype=signal.dtype)

        picked = ops.reshape(ops.cast(channel, "int32"), (1,))
        signals = {target: (start, True)}  # (signal, only the kept channel)
        for index, layer, kind, parents in reversed(steps):
            if index not in signals:
                continue
            signal, narrow = signals.pop(index)
            in_shapes = [shapes[parent] for parent in parents]
            if kind == "relu" or (
                kind in ("conv", "transpose") and activation_name(layer) == "relu"
            ):
                signal = ops.relu(signal)
            if kind in ("conv", "transpose"):
                weights = kernels[index]
                if narrow:
                    weights = ops.take(weights, picked, axis=channel_axis(kind, layer))
                back = _conv_back if kind == "conv" else _transpose_back
                parts = [(back(ops, signal, layer, weights, in_shapes[0], shapes[index]), False)]
            elif kind == "pool":
                values = pools[index]
                if narrow:
                    values = ops.take(values, picked, axis=3)
                unpooled = _unpool(ops, signal, layer, values, in_shapes[0], shapes[index])
                parts = [(unpooled, narrow)]
            elif kind == "upsample":
                (s_h, s_w), (height, width) = tuple(layer.size), in_shapes[0][:2]
                blocks = ops.reshape(signal, (1, height, s_h, width, s_w, signal.shape[-1]))
                parts = [(ops.sum(blocks, axis=(2, 4)), narrow)]
            elif kind == "concatenate":
                signal = widened(signal, narrow, shapes[index][-1])
                axis = (layer.axis if layer.axis > 0 else layer.axis + 4) - 1
                parts, edge = [], 0
                for shape in in_shapes:
                    cut = [slice(None)] * 4
                    cut[axis + 1] = slice(edge, edge + shape[axis])
                    parts.append((signal[tuple(cut)], False))
                    edge += shape[axis]
            else:  # add: a copy to every input; relu, dropout, increasing activations
                parts = [(signal, narrow)] * len(parents)
            for parent, (part, part_narrow) in zip(parents, parts):
                if parent in signals:
                    other, other_narrow = signals[parent]
                    if other_narrow != part_narrow:
                        channels = shapes[parent][-1]
                        other = widened(other, other_narrow, channels)
                        part = widened(part, part_narrow, channels)
                    signals[parent] = (other + part, other_narrow and part_narrow)
                else:
                    signals[parent] = (part, part_narrow)
        signal, narrow = signals[source]
        return widened(signal, narrow, shapes[source][-1])

    return run
