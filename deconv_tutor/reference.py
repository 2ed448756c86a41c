"""NumPy reference implementations of convolution and transposed convolution.

Every function here is short enough to read in one go and is checked, in
``tests/unit/test_reference.py``, against ``keras.ops.conv`` and
``keras.ops.conv_transpose``. Only NumPy is imported.

Conventions (the same as Keras):

* images are channels-last, ``(H, W, C)`` or a batch ``(N, H, W, C)``;
  the result has the same rank as the input;
* a ``Conv2D`` kernel has layout ``(kh, kw, in_channels, out_channels)``;
* a ``Conv2DTranspose`` kernel has layout ``(kh, kw, out_channels, in_channels)``.
  That is the layout of the forward convolution it transposes, whose input
  is the transposed convolution's output: one array serves both directions;
* ``stride``, ``dilation`` and ``output_padding`` are an int or an
  ``(along H, along W)`` pair; ``padding`` is ``"valid"``, ``"same"``, an int
  (zeros added on *each* side) or an ``(along H, along W)`` pair of ints.

Sizes along one axis, with ``i`` the input size, ``k`` the kernel size,
``s`` the stride, ``d`` the dilation, ``dk = d * (k - 1) + 1`` the dilated
kernel size, ``p`` an explicit per-side padding and ``a`` the output padding:

=================  ============================  ==================================
padding            convolution                   transposed convolution
=================  ============================  ==================================
``"valid"``        ``(i - dk) // s + 1``         ``s * (i - 1) + dk + a``,
                                                 ``a`` defaults to ``max(dk, s) - dk``
``"same"``         ``ceil(i / s)``               ``s * i``, or with ``a`` given
                                                 ``s * (i - 1) + dk % 2 + a``
int ``p``          ``(i + 2p - dk) // s + 1``    ``s * (i - 1) + a + dk - 2p``
=================  ============================  ==================================

A transposed convolution is the adjoint (the matrix transpose) of the forward
convolution that maps its *output* size back to its *input* size. So each
transposed configuration is described by two numbers per axis: the output
size ``o`` and the padding ``pad_before`` of that forward convolution; for
``"same"`` it is TensorFlow's rule ``max(s * (i - 1) + dk - o, 0) // 2``. Stride
and dilation both larger than one are fine here, although Keras refuses them.
"""

import numpy as np

from deconv_tutor import _validation as check

__all__ = [
    "conv2d",
    "conv_matrix",
    "conv_transpose",
    "conv_transpose_matrix",
    "conv_transpose_scatter",
    "conv_transpose_zero_insert",
    "scatter_steps",
]


# --------------------------------------------------------------------------
# Validation: every public function checks its arguments here, so that the
# implementations below can assume well-formed input.
# --------------------------------------------------------------------------


def _paddings(padding):
    """("valid" | "same" | int, same) for the H and W axes."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode not in ("valid", "same"):
            raise ValueError(
                "padding must be 'valid', 'same', a non-negative int or a pair of them, "
                f"got {padding!r}"
            )
        return (mode, mode)
    return check.int_pair(padding, "padding", minimum=0)


def _images(x):
    """x as a batch (N, H, W, C), and whether it came without a batch axis."""
    x = check.real_array(x, "x", ndims=(3, 4), shape_text="(H, W, C) or (N, H, W, C)")
    return (x[np.newaxis], True) if x.ndim == 3 else (x, False)


def _kernel(kernel, layout):
    return check.real_array(kernel, "kernel", ndims=(4,), shape_text=layout)


def _dtype(*arrays):
    # float32 stays float32 (what Keras computes in); ints and bools become floats.
    return np.result_type(*(array.dtype for array in arrays), np.float32)


def _conv_geometry(size, kernel_size, stride, padding, dilation, axis):
    """(output size, zeros before the input) of a convolution along one axis."""
    dilated = dilation * (kernel_size - 1) + 1
    if padding == "same":
        # TensorFlow's rule: pad as little as possible, the odd zero goes after.
        out = -(-size // stride)
        return out, max((out - 1) * stride + dilated - size, 0) // 2
    before = 0 if padding == "valid" else padding
    if size + 2 * before < dilated:
        raise ValueError(
            f"kernel is larger than the padded input along {axis}: dilated kernel size "
            f"{dilated}, padded input size {size + 2 * before} (padding={padding!r})"
        )
    return (size + 2 * before - dilated) // stride + 1, before


def _transpose_geometry(size, kernel_size, stride, padding, output_padding, dilation, axis):
    """(output size, pad_before of the forward convolution) along one axis, as in Keras."""
    dilated = dilation * (kernel_size - 1) + 1
    if padding == "valid":
        extra = max(dilated, stride) - dilated if output_padding is None else output_padding
        return stride * (size - 1) + dilated + extra, 0
    if padding == "same":
        if output_padding is None:
            return stride * size, max(dilated - stride, 0) // 2
        out = stride * (size - 1) + dilated % 2 + output_padding
        if out < 1:
            raise ValueError(
                f"output_padding={output_padding} with padding='same' gives an empty output "
                f"along {axis}: {stride} * ({size} - 1) + {dilated} % 2 + {output_padding} = 0"
            )
        return out, max(stride * (size - 1) + dilated - out, 0) // 2
    out = stride * (size - 1) + (output_padding or 0) + dilated - 2 * padding
    if out < 1:
        raise ValueError(
            f"padding={padding} crops the whole output along {axis}: "
            f"{stride} * ({size} - 1) + {output_padding or 0} + {dilated} - 2 * {padding} = {out}"
        )
    return out, padding


def _output_paddings(output_padding, strides):
    if output_padding is None:
        return (None, None)
    pads = check.int_pair(output_padding, "output_padding", minimum=0)
    if any(pad >= stride for pad, stride in zip(pads, strides)):
        raise ValueError(
            "output_padding must be smaller than stride along each axis, got "
            f"output_padding={output_padding!r} with stride={strides}"
        )
    return pads


def _prepare_conv(x, kernel, stride, padding, dilation):
    images, unbatched = _images(x)
    kernel = _kernel(kernel, "(kh, kw, in_channels, out_channels)")
    if images.shape[-1] != kernel.shape[2]:
        raise ValueError(
            f"kernel has {kernel.shape[2]} input channels (axis 2 of (kh, kw, in, out)) "
            f"but x has {images.shape[-1]} channels"
        )
    strides = check.int_pair(stride, "stride", minimum=1)
    dilations = check.int_pair(dilation, "dilation", minimum=1)
    geometry = [
        _conv_geometry(size, k, s, p, d, axis)
        for size, k, s, p, d, axis in zip(
            images.shape[1:3],
            kernel.shape[:2],
            strides,
            _paddings(padding),
            dilations,
            ("height", "width"),
        )
    ]
    # The padded input and the output are the largest arrays; a huge padding or stride is
    # refused here rather than after seconds of allocating.
    (out_h, before_h), (out_w, before_w) = geometry
    spans = [d * (k - 1) + 1 for d, k in zip(dilations, kernel.shape[:2])]
    padded = (images.shape[1] + 2 * before_h + spans[0], images.shape[2] + 2 * before_w + spans[1])
    channels = max(kernel.shape[2], kernel.shape[3])
    check.allocation(
        (images.shape[0], *padded, channels), "x with this stride, padding and dilation", itemsize=8
    )
    check.allocation(
        (images.shape[0], out_h, out_w, channels),
        "x with this stride, padding and dilation",
        itemsize=8,
    )
    return images, unbatched, kernel, strides, dilations, geometry


def _prepare_transpose(x, kernel, stride, padding, output_padding, dilation):
    images, unbatched = _images(x)
    kernel = _kernel(kernel, "(kh, kw, out_channels, in_channels)")
    if images.shape[-1] != kernel.shape[3]:
        raise ValueError(
            f"kernel has {kernel.shape[3]} input channels (axis 3 of the transposed layout "
            f"(kh, kw, out, in)) but x has {images.shape[-1]} channels"
        )
    strides = check.int_pair(stride, "stride", minimum=1)
    dilations = check.int_pair(dilation, "dilation", minimum=1)
    output_paddings = _output_paddings(output_padding, strides)
    geometry = [
        _transpose_geometry(size, k, s, p, a, d, axis)
        for size, k, s, p, a, d, axis in zip(
            images.shape[1:3],
            kernel.shape[:2],
            strides,
            _paddings(padding),
            output_paddings,
            dilations,
            ("height", "width"),
        )
    ]
    # The canvas every stamp lands on (and the output) are the largest arrays.
    canvas = [
        s * (size - 1) + d * (k - 1) + 1 + abs(before) + out
        for s, size, d, k, (out, before) in zip(
            strides, images.shape[1:3], dilations, kernel.shape[:2], geometry
        )
    ]
    channels = max(kernel.shape[2], kernel.shape[3])
    check.allocation(
        (images.shape[0], *canvas, channels), "x with this stride, padding and dilation", itemsize=8
    )
    return images, unbatched, kernel, strides, dilations, geometry


def _window(images, starts, sizes):
    """images[:, start : start + size] along H and W, reading zeros outside the array.

    A negative start pads with zeros in front, a window past the end pads after,
    and a window inside the array crops it: one helper for padding and cropping.
    """
    out = np.zeros((images.shape[0], *sizes, images.shape[3]), dtype=images.dtype)
    source, target = [], []
    for start, size, length in zip(starts, sizes, images.shape[1:3]):
        low, high = max(start, 0), min(start + size, length)
        high = max(high, low)
        source.append(slice(low, high))
        target.append(slice(low - start, high - start))
    out[:, target[0], target[1]] = images[:, source[0], source[1]]
    return out


def _finish(result, unbatched):
    return result[0] if unbatched else result


# --------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------


def conv2d(x, kernel, stride=1, padding="valid", dilation=1):
    """2-D convolution (a cross-correlation, as in every deep-learning framework).

    ``y[n, r, c, o] = sum over i, j, ch of
    x_padded[n, r * s + i * d, c * s + j * d, ch] * kernel[i, j, ch, o]``,
    the same as ``keras.ops.conv`` and ``keras.layers.Conv2D`` (without bias).

    Parameters
    ----------
    x : array_like, shape (H, W, C_in) or (N, H, W, C_in)
        Channels-last image or batch of images.
    kernel : array_like, shape (kh, kw, C_in, C_out)
        Keras ``Conv2D`` layout.
    stride : int or (int, int), optional
        Step between neighbouring output pixels, in input pixels.
    padding : {"valid", "same"} or int or (int, int), optional
        ``"valid"``: no zeros; ``"same"``: TensorFlow's padding, output size
        ``ceil(H / stride)``; an int ``p``: ``p`` zeros on each side.
    dilation : int or (int, int), optional
        Spacing between kernel taps.

    Returns
    -------
    ndarray, shape (H_out, W_out, C_out) or (N, H_out, W_out, C_out)
        Float array (float32 unless an input is float64).

    Raises
    ------
    ValueError
        Wrong rank, channel mismatch, stride or dilation < 1, negative or
        unknown padding, or a kernel larger than the padded input.

    Examples
    --------
    >>> x = np.arange(16.0).reshape(4, 4, 1)
    >>> kernel = np.ones((2, 2, 1, 1))
    >>> conv2d(x, kernel)[..., 0]
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    >>> conv2d(x, kernel, stride=2, padding="same").shape
    (2, 2, 1)
    """
    images, unbatched, kernel, strides, dilations, geometry = _prepare_conv(
        x, kernel, stride, padding, dilation
    )
    dtype = _dtype(images, kernel)
    (out_h, before_h), (out_w, before_w) = geometry
    (s_h, s_w), (d_h, d_w) = strides, dilations
    # Pad (or crop the unused tail) so that the slices below stay inside the array.
    needed_h = (out_h - 1) * s_h + d_h * (kernel.shape[0] - 1) + 1
    needed_w = (out_w - 1) * s_w + d_w * (kernel.shape[1] - 1) + 1
    padded = _window(images, (-before_h, -before_w), (needed_h, needed_w)).astype(dtype, copy=False)
    out = np.zeros((images.shape[0], out_h, out_w, kernel.shape[3]), dtype=dtype)
    # Loop over the kh * kw taps, not over pixels: through tap (i, j) every output
    # pixel reads the input pixel (r * s + i * d, c * s + j * d), so one strided
    # slice gathers that pixel for all outputs, and a matmul mixes the channels.
    for i in range(kernel.shape[0]):
        for j in range(kernel.shape[1]):
            seen = padded[
                :,
                i * d_h : i * d_h + (out_h - 1) * s_h + 1 : s_h,
                j * d_w : j * d_w + (out_w - 1) * s_w + 1 : s_w,
            ]
            out += seen @ kernel[i, j].astype(dtype)
    return _finish(out, unbatched)


def _conv_matrix(in_hw, kernel, strides, befores, out_hw, dilations, dtype):
    """Dense matrix of a convolution with explicit geometry (no validation).

    Rows are the output pixels (out_h, out_w, C_out) and columns the input
    pixels (in_h, in_w, C_in), both in C (row-major) order.
    """
    kh, kw, in_channels, out_channels = kernel.shape
    shape = (*out_hw, out_channels, *in_hw, in_channels)
    check.allocation(shape, "the convolution matrix of x", itemsize=np.dtype(dtype).itemsize)
    matrix = np.zeros(shape, dtype=dtype)
    rows, cols = np.arange(out_hw[0]), np.arange(out_hw[1])
    for i in range(kh):
        for j in range(kw):
            # Through tap (i, j), output (r, c) reads input (r*s + i*d - pad, ...);
            # taps that land in the zero padding contribute nothing.
            in_rows = rows * strides[0] + i * dilations[0] - befores[0]
            in_cols = cols * strides[1] + j * dilations[1] - befores[1]
            keep_r = (in_rows >= 0) & (in_rows < in_hw[0])
            keep_c = (in_cols >= 0) & (in_cols < in_hw[1])
            matrix[
                rows[keep_r, None],
                cols[None, keep_c],
                :,
                in_rows[keep_r, None],
                in_cols[None, keep_c],
                :,
            ] = kernel[i, j].T
    return matrix.reshape(np.prod(out_hw) * out_channels, np.prod(in_hw) * in_channels)


def conv_matrix(input_shape, kernel, stride=1, padding="valid", dilation=1):
    """The convolution as a matrix ``C``: ``conv2d(x).ravel() == C @ x.ravel()``.

    Both sides are flattened in NumPy's default (C, row-major) order of the
    channels-last array: pixel ``(r, c)``, channel ``ch`` of an ``(H, W, C)``
    image sits at index ``(r * W + c) * C + ch``. Each row of ``C`` holds the
    kernel weights one output pixel applies to the whole input; most entries
    are zero, which is why no framework computes a convolution this way.

    Parameters
    ----------
    input_shape : (int, int) or (int, int, int)
        ``(H, W)`` or ``(H, W, C_in)`` of one unbatched image.
    kernel : array_like, shape (kh, kw, C_in, C_out)
        Keras ``Conv2D`` layout.
    stride, padding, dilation
        As in :func:`conv2d`.

    Returns
    -------
    ndarray, shape (H_out * W_out * C_out, H * W * C_in)

    Examples
    --------
    >>> kernel = np.array([[1.0, 2.0], [3.0, 4.0]]).reshape(2, 2, 1, 1)
    >>> conv_matrix((3, 3), kernel)
    array([[1., 2., 0., 3., 4., 0., 0., 0., 0.],
           [0., 1., 2., 0., 3., 4., 0., 0., 0.],
           [0., 0., 0., 1., 2., 0., 3., 4., 0.],
           [0., 0., 0., 0., 1., 2., 0., 3., 4.]])
    >>> x = np.arange(9.0).reshape(3, 3, 1)
    >>> bool(np.allclose(conv_matrix(x.shape, kernel) @ x.ravel(), conv2d(x, kernel).ravel()))
    True
    """
    kernel = _kernel(kernel, "(kh, kw, in_channels, out_channels)")
    shape = tuple(input_shape) if isinstance(input_shape, (tuple, list)) else input_shape
    if not isinstance(shape, tuple) or not all(check.is_integer(size) for size in shape):
        raise TypeError(
            f"input_shape must be (H, W) or (H, W, C) of positive ints, got "
            f"{type(input_shape).__name__} {input_shape!r:.80}"
        )
    if len(shape) not in (2, 3) or not all(size >= 1 for size in shape):
        raise ValueError(
            f"input_shape must be (H, W) or (H, W, C) of positive ints, got {input_shape!r}"
        )
    if len(shape) == 3 and shape[2] != kernel.shape[2]:
        raise ValueError(
            f"kernel has {kernel.shape[2]} input channels (axis 2 of (kh, kw, in, out)) "
            f"but input_shape has {shape[2]} channels"
        )
    strides = check.int_pair(stride, "stride", minimum=1)
    dilations = check.int_pair(dilation, "dilation", minimum=1)
    (out_h, before_h), (out_w, before_w) = [
        _conv_geometry(size, k, s, p, d, axis)
        for size, k, s, p, d, axis in zip(
            shape[:2],
            kernel.shape[:2],
            strides,
            _paddings(padding),
            dilations,
            ("height", "width"),
        )
    ]
    in_channels, out_channels = kernel.shape[2], kernel.shape[3]
    check.allocation(
        (out_h * out_w * out_channels, shape[0] * shape[1] * in_channels),
        "conv_matrix(input_shape, kernel)",
        itemsize=np.dtype(_dtype(kernel)).itemsize,
    )
    return _conv_matrix(
        shape[:2],
        kernel,
        strides,
        (before_h, before_w),
        (out_h, out_w),
        dilations,
        _dtype(kernel),
    )


# --------------------------------------------------------------------------
# Transposed convolution, three ways (plus the fast path)
# --------------------------------------------------------------------------


def conv_transpose_scatter(x, kernel, stride=1, padding="valid", output_padding=None, dilation=1):
    """Transposed convolution as scatter-add: every input pixel stamps the kernel.

    Input pixel ``(r, c)`` adds ``kernel @ x[r, c]`` (a ``(kh, kw, C_out)``
    patch) to the output at ``(r * stride, c * stride)``; overlapping stamps
    add up. The stamps land on a full canvas of size ``s * (H - 1) + dk``,
    which ``padding`` then crops (and ``output_padding`` extends with zeros).
    This version loops over pixels to show the idea; :func:`conv_transpose`
    computes the same thing vectorised.

    Parameters
    ----------
    x : array_like, shape (H, W, C_in) or (N, H, W, C_in)
        Channels-last image or batch of images.
    kernel : array_like, shape (kh, kw, C_out, C_in)
        Keras ``Conv2DTranspose`` layout.
    stride : int or (int, int), optional
        Distance between the stamps of neighbouring input pixels.
    padding : {"valid", "same"} or int or (int, int), optional
        ``"valid"`` and ``"same"`` as in ``keras.layers.Conv2DTranspose``; an
        int ``p`` crops ``p`` pixels from each side of the full canvas.
    output_padding : None or int or (int, int), optional
        Extra rows/columns at the bottom/right, smaller than ``stride``;
        ``None`` lets Keras's rule choose.
    dilation : int or (int, int), optional
        Spacing between kernel taps.

    Returns
    -------
    ndarray, shape (H_out, W_out, C_out) or (N, H_out, W_out, C_out)

    Raises
    ------
    ValueError
        Wrong rank, channel mismatch, stride or dilation < 1, negative or
        unknown padding, ``output_padding >= stride``, or a padding that crops
        the whole output.

    Examples
    --------
    The example of d2l's "Transposed Convolution" section:

    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1)
    >>> kernel = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1, 1)
    >>> conv_transpose_scatter(x, kernel)[..., 0]
    array([[ 0.,  0.,  1.],
           [ 0.,  4.,  6.],
           [ 4., 12.,  9.]])
    >>> conv_transpose_scatter(x, kernel, stride=2)[..., 0]
    array([[0., 0., 0., 1.],
           [0., 0., 2., 3.],
           [0., 2., 0., 3.],
           [4., 6., 6., 9.]])
    """
    images, unbatched, kernel, strides, dilations, geometry = _prepare_transpose(
        x, kernel, stride, padding, output_padding, dilation
    )
    dtype = _dtype(images, kernel)
    (out_h, before_h), (out_w, before_w) = geometry
    (s_h, s_w), (d_h, d_w) = strides, dilations
    kh, kw, out_channels, _ = kernel.shape
    height, width = images.shape[1:3]
    span_h, span_w = d_h * (kh - 1) + 1, d_w * (kw - 1) + 1
    canvas = np.zeros(
        (images.shape[0], s_h * (height - 1) + span_h, s_w * (width - 1) + span_w, out_channels),
        dtype=dtype,
    )
    for r in range(height):
        for c in range(width):
            # The stamp of one pixel: the kernel scaled by the pixel's channels.
            stamp = np.einsum("nc,hwoc->nhwo", images[:, r, c], kernel)
            canvas[:, r * s_h : r * s_h + span_h : d_h, c * s_w : c * s_w + span_w : d_w] += stamp
    return _finish(_window(canvas, (before_h, before_w), (out_h, out_w)), unbatched)


def conv_transpose_zero_insert(
    x, kernel, stride=1, padding="valid", output_padding=None, dilation=1
):
    """Transposed convolution as an ordinary convolution of a spread-out input.

    Insert ``stride - 1`` zeros between neighbouring input pixels, pad with
    ``dk - 1 - pad_before`` zeros in front (and what the output size needs
    behind), then run a stride-1 :func:`conv2d` with the kernel flipped
    upside down and left to right (and its channel axes swapped). This is why
    a transposed convolution is also called a "fractionally strided"
    convolution, and why it costs ``stride**2`` times more than it needs to.

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As in :func:`conv_transpose_scatter`; ``kernel`` in the
        ``Conv2DTranspose`` layout ``(kh, kw, C_out, C_in)``.

    Returns
    -------
    ndarray, shape (H_out, W_out, C_out) or (N, H_out, W_out, C_out)

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1)
    >>> kernel = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1, 1)
    >>> conv_transpose_zero_insert(x, kernel, stride=2)[..., 0]
    array([[0., 0., 0., 1.],
           [0., 0., 2., 3.],
           [0., 2., 0., 3.],
           [4., 6., 6., 9.]])
    """
    images, unbatched, kernel, strides, dilations, geometry = _prepare_transpose(
        x, kernel, stride, padding, output_padding, dilation
    )
    dtype = _dtype(images, kernel)
    (out_h, before_h), (out_w, before_w) = geometry
    (s_h, s_w), (d_h, d_w) = strides, dilations
    kh, kw = kernel.shape[:2]
    span_h, span_w = d_h * (kh - 1) + 1, d_w * (kw - 1) + 1
    batch, height, width, in_channels = images.shape
    spread = np.zeros(
        (batch, s_h * (height - 1) + 1, s_w * (width - 1) + 1, in_channels), dtype=dtype
    )
    spread[:, ::s_h, ::s_w] = images
    # dk - 1 zeros in front let the first output see the first pixel with the last
    # tap; the forward convolution's own padding removes that many again. A large
    # explicit padding makes this negative, and the window then crops instead.
    padded = _window(
        spread,
        (before_h - (span_h - 1), before_w - (span_w - 1)),
        (out_h + span_h - 1, out_w + span_w - 1),
    )
    # The flip turns "a pixel pushes to its neighbours" into "an output pulls from
    # its neighbours"; swapping axes 2 and 3 gives the Conv2D layout (kh, kw, in, out).
    flipped = kernel[::-1, ::-1].transpose(0, 1, 3, 2)
    return _finish(
        conv2d(padded, flipped, stride=1, padding="valid", dilation=dilations), unbatched
    )


def conv_transpose_matrix(x, kernel, stride=1, padding="valid", output_padding=None, dilation=1):
    """Transposed convolution as multiplication by the transposed convolution matrix.

    Build the matrix ``C`` of the forward convolution that maps the output
    size back to the input size (same kernel array, read as a ``Conv2D``
    kernel ``(kh, kw, in=C_out, out=C_in)``), and multiply by ``C.T``. This is
    where the name comes from, and it is exactly how the gradient of a
    convolution with respect to its input is computed.

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As in :func:`conv_transpose_scatter`.

    Returns
    -------
    ndarray, shape (H_out, W_out, C_out) or (N, H_out, W_out, C_out)

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1)
    >>> kernel = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1, 1)
    >>> conv_transpose_matrix(x, kernel)[..., 0]
    array([[ 0.,  0.,  1.],
           [ 0.,  4.,  6.],
           [ 4., 12.,  9.]])
    """
    images, unbatched, kernel, strides, dilations, geometry = _prepare_transpose(
        x, kernel, stride, padding, output_padding, dilation
    )
    dtype = _dtype(images, kernel)
    (out_h, before_h), (out_w, before_w) = geometry
    matrix = _conv_matrix(
        (out_h, out_w),
        kernel.astype(dtype),
        strides,
        (before_h, before_w),
        images.shape[1:3],
        dilations,
        dtype,
    )
    batch = images.shape[0]
    # (C.T @ x) for each image at once: flattened images as rows times C.
    flat = images.reshape(batch, -1).astype(dtype) @ matrix
    return _finish(flat.reshape(batch, out_h, out_w, kernel.shape[2]), unbatched)


def conv_transpose(x, kernel, stride=1, padding="valid", output_padding=None, dilation=1):
    """Transposed convolution, vectorised: the fast path the widgets use.

    The scatter-add of :func:`conv_transpose_scatter`, reorganised: one matrix
    product computes every pixel's whole stamp at once (all ``kh * kw`` taps,
    shape ``(N, H, W, kh, kw, C_out)``), then a loop over the taps, not over
    the pixels, adds each tap's plane into the canvas with one strided slice.
    About 2x slower than ``keras.ops.conv_transpose`` on CPU
    (``benchmarks/reference_speed.py``).

    Parameters
    ----------
    x, kernel, stride, padding, output_padding, dilation
        As in :func:`conv_transpose_scatter`.

    Returns
    -------
    ndarray, shape (H_out, W_out, C_out) or (N, H_out, W_out, C_out)

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1)
    >>> kernel = np.array([[0.0, 1.0], [2.0, 3.0]]).reshape(2, 2, 1, 1)
    >>> conv_transpose(x, kernel, stride=2, padding="same")[..., 0]
    array([[0., 0., 0., 1.],
           [0., 0., 2., 3.],
           [0., 2., 0., 3.],
           [4., 6., 6., 9.]])
    >>> conv_transpose(np.ones((1, 5, 5, 16)), np.ones((3, 3, 8, 16)), stride=2).shape
    (1, 11, 11, 8)
    """
    images, unbatched, kernel, strides, dilations, geometry = _prepare_transpose(
        x, kernel, stride, padding, output_padding, dilation
    )
    dtype = _dtype(images, kernel)
    (out_h, before_h), (out_w, before_w) = geometry
    (s_h, s_w), (d_h, d_w) = strides, dilations
    kh, kw, out_channels, in_channels = kernel.shape
    batch, height, width, _ = images.shape
    pixels = images.reshape(-1, in_channels).astype(dtype, copy=False)
    kernel = kernel.astype(dtype, copy=False)
    canvas = np.zeros(
        (
            batch,
            s_h * (height - 1) + d_h * (kh - 1) + 1,
            s_w * (width - 1) + d_w * (kw - 1) + 1,
            out_channels,
        ),
        dtype=dtype,
    )
    # (N*H*W, C_in) @ (C_in, kh*kw*C_out): all stamps in a single matrix product.
    # One call rather than one per tap: the BLAS threads then synchronise once,
    # which keeps the time steady on a busy machine.
    weights = kernel.transpose(3, 0, 1, 2).reshape(in_channels, -1)
    stamps = (pixels @ weights).reshape(batch, height, width, kh, kw, out_channels)
    for i in range(kh):
        for j in range(kw):
            # Tap (i, j) of pixel (r, c) lands at (r * s + i * d, c * s + j * d).
            canvas[
                :,
                i * d_h : i * d_h + s_h * (height - 1) + 1 : s_h,
                j * d_w : j * d_w + s_w * (width - 1) + 1 : s_w,
            ] += stamps[:, :, :, i, j]
    if (before_h, before_w) != (0, 0) or canvas.shape[1:3] != (out_h, out_w):
        canvas = _window(canvas, (before_h, before_w), (out_h, out_w))
    return _finish(canvas, unbatched)


def scatter_steps(x, kernel, stride=1, padding="valid", output_padding=None, dilation=1):
    """Partial outputs of a transposed convolution, one input pixel at a time.

    For a stepper widget: ``steps[t]`` is the (cropped) output after the
    first ``t + 1`` input pixels, in row-major order, have stamped the
    kernel, so ``steps[-1]`` is the complete transposed convolution. Single
    channel only, to keep the picture readable. The result holds
    ``H * W`` full outputs, so keep the input small (a few dozen pixels).

    Parameters
    ----------
    x : array_like, shape (H, W)
        One single-channel image.
    kernel : array_like, shape (kh, kw)
        One single-channel kernel.
    stride, padding, output_padding, dilation
        As in :func:`conv_transpose_scatter`.

    Returns
    -------
    ndarray, shape (H * W, H_out, W_out)

    Examples
    --------
    >>> x = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> kernel = np.array([[0.0, 1.0], [2.0, 3.0]])
    >>> steps = scatter_steps(x, kernel)
    >>> steps.shape
    (4, 3, 3)
    >>> steps[1]
    array([[0., 0., 1.],
           [0., 2., 3.],
           [0., 0., 0.]])
    >>> steps[-1]
    array([[ 0.,  0.,  1.],
           [ 0.,  4.,  6.],
           [ 4., 12.,  9.]])
    """
    image = check.real_array(
        x, "x", ndims=(2,), shape_text="(H, W) (scatter_steps takes one channel)"
    )
    kernel = check.real_array(
        kernel, "kernel", ndims=(2,), shape_text="(kh, kw) (scatter_steps takes one channel)"
    )
    height, width = image.shape
    # Step t is the transposed convolution of an image holding only the first
    # t + 1 pixels; by linearity that is the running sum of single-pixel outputs.
    single_pixels = (np.eye(height * width) * image.ravel()).reshape(-1, height, width, 1)
    stamps = conv_transpose(
        single_pixels, kernel[:, :, None, None], stride, padding, output_padding, dilation
    )
    return np.cumsum(stamps[..., 0], axis=0)
