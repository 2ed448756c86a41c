"""Output sizes of convolution, pooling and transposed convolution, and shape traces.

Every function here works on **one spatial axis** (a height or a width); call it
twice for a non-square feature map. The symbols follow Dumoulin & Visin's
*A guide to convolution arithmetic for deep learning* (conv_arithmetic):

- ``i`` input size, ``k`` kernel size, ``s`` stride, ``d`` dilation,
- ``p`` padding added on each side (or ``p_before + p_after`` = total padding ``P``),
- ``k_eff = d (k - 1) + 1`` the extent the dilated kernel covers,
- ``a`` the ``output_padding`` of a transposed convolution.

A convolution maps ``i`` to ``o = floor((i + P - k_eff) / s) + 1``; its transposed
convolution maps ``i'`` back to ``o' = s (i' - 1) + a + k_eff - P``. Keras names two
padding modes instead of giving ``p``: ``"valid"`` (``P = 0``) and ``"same"``
(enough padding that ``o = ceil(i / s)``). The functions accept both the Keras modes
and explicit padding, and reproduce Keras's own shape rules exactly (they are tested
against ``compute_output_shape`` of the real layers).

Because of the ``floor``, a strided convolution sends ``s`` different input sizes to
the same output size; :func:`conv_input_sizes` lists them, and ``output_padding``
(:func:`valid_output_paddings`) is how a transposed convolution picks one of them.

:func:`trace_shapes` walks a Keras model layer by layer and says where the shapes
go wrong. Keras is imported only inside it, so the size functions stay cheap to import.

References
----------
V. Dumoulin and F. Visin, "A guide to convolution arithmetic for deep learning",
arXiv:1603.07285, 2016. https://github.com/vdumoulin/conv_arithmetic
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass
from typing import NamedTuple

from deconv_tutor import _graph
from deconv_tutor import _validation as check

__all__ = [
    "ShapeRow",
    "ShapeTrace",
    "conv_input_sizes",
    "conv_output_size",
    "conv_transpose_output_size",
    "pool_output_size",
    "trace_shapes",
    "valid_output_paddings",
]

_MODES = ("valid", "same")


# --------------------------------------------------------------------------------------
# Validation at the boundary: the formulas below assume clean integers.
# --------------------------------------------------------------------------------------


def _padding(padding):
    """Return ``"valid"``, ``"same"`` or a ``(before, after)`` pair of ints >= 0."""
    if isinstance(padding, str):
        mode = padding.lower()  # Keras accepts "SAME" / "Valid" too
        if mode not in _MODES:
            raise ValueError(
                "padding must be 'valid', 'same', an int or a (before, after) pair, "
                f"got {padding!r}"
            )
        return mode
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise ValueError(
                f"padding as a sequence must be (before, after), got {len(padding)} values: "
                f"{padding!r}"
            )
        return (
            check.integer(padding[0], "padding[0] (before)", minimum=0),
            check.integer(padding[1], "padding[1] (after)", minimum=0),
        )
    if check.is_real_number(padding):
        per_side = check.integer(padding, "padding", minimum=0)
        return (per_side, per_side)
    raise TypeError(
        "padding must be 'valid', 'same', an int or a (before, after) pair, "
        f"got {type(padding).__name__} {padding!r}"
    )


def _output_padding(output_padding, stride):
    if output_padding is None:
        return None
    output_padding = check.integer(output_padding, "output_padding", minimum=0)
    if output_padding >= stride:
        # Keras's Conv2DTranspose refuses this too: with a >= s the extra rows could
        # not come from any forward convolution of the same stride.
        raise ValueError(
            f"output_padding must be smaller than stride ({stride}), "
            f"got output_padding={output_padding}"
        )
    return output_padding


def _effective_kernel(kernel_size, dilation):
    return dilation * (kernel_size - 1) + 1


# --------------------------------------------------------------------------------------
# Sizes
# --------------------------------------------------------------------------------------


def conv_output_size(size, kernel_size, stride=1, padding="valid", dilation=1):
    """Output size of a convolution along one axis.

    ``o = floor((i + P - k_eff) / s) + 1`` with ``k_eff = d (k - 1) + 1`` and ``P``
    the total padding; Keras's ``"valid"`` is ``P = 0`` and ``"same"`` pads just enough
    that ``o = ceil(i / s)`` whatever the kernel.

    Parameters
    ----------
    size : int
        Input size ``i`` (height or width), at least 1.
    kernel_size : int
        Kernel size ``k``, at least 1.
    stride : int, default 1
        Step ``s`` between two kernel positions, at least 1.
    padding : {"valid", "same"} or int or (int, int), default "valid"
        Keras mode, zeros added on each side, or ``(before, after)``.
    dilation : int, default 1
        Spacing ``d`` between kernel taps (Keras ``dilation_rate``), at least 1.

    Returns
    -------
    int
        Output size ``o``, at least 1.

    Raises
    ------
    ValueError
        If the dilated kernel is larger than the padded input, or an argument is out
        of range. Keras layers additionally refuse ``stride > 1`` together with
        ``dilation > 1``; the formula itself is fine with it.
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> conv_output_size(64, 3)                  # 'valid' loses k - 1 = 2 pixels
    62
    >>> conv_output_size(64, 3, padding="same")
    64
    >>> conv_output_size(7, 3, stride=2, padding=1)
    4
    >>> conv_output_size(7, 3, dilation=2)       # the kernel spans 5 pixels
    3
    >>> conv_output_size(3, 3, stride=2, padding="same"), conv_output_size(4, 3, stride=2, padding="same")
    (2, 2)
    """
    size = check.integer(size, "size", minimum=1)
    kernel_size = check.integer(kernel_size, "kernel_size", minimum=1)
    stride = check.integer(stride, "stride", minimum=1)
    dilation = check.integer(dilation, "dilation", minimum=1)
    padding = _padding(padding)
    if padding == "same":
        return -(-size // stride)  # ceil(i / s): the padding is chosen to make it so
    before, after = (0, 0) if padding == "valid" else padding
    extent = _effective_kernel(kernel_size, dilation)
    padded = size + before + after
    if extent > padded:
        raise ValueError(
            f"kernel_size {kernel_size} (covering {extent} pixels at dilation {dilation}) "
            f"must fit in the padded input of {padded} pixels (size {size} + padding "
            f"{before + after}), got kernel larger than the padded input"
        )
    return (padded - extent) // stride + 1


def pool_output_size(size, pool_size, stride=None, padding="valid"):
    """Output size of a max or average pooling along one axis.

    Pooling slides a ``pool_size`` window like an undilated convolution, with the
    stride defaulting to the window (``MaxPooling2D(2)`` halves the size).

    Parameters
    ----------
    size : int
        Input size, at least 1.
    pool_size : int
        Window size, at least 1.
    stride : int or None, default None
        Step between windows; ``None`` means ``pool_size`` (the Keras default).
    padding : {"valid", "same"} or int or (int, int), default "valid"
        As in :func:`conv_output_size`. Keras pooling layers only offer the two modes;
        explicit padding follows the convolution formula.

    Returns
    -------
    int
        Output size, at least 1.

    Raises
    ------
    ValueError
        If the window does not fit in the (padded) input or an argument is out of range.
    TypeError
        If an argument has the wrong type.

    Examples
    --------
    >>> pool_output_size(62, 2)
    31
    >>> pool_output_size(29, 2)                  # the odd last row is dropped
    14
    >>> pool_output_size(29, 2, padding="same")  # ... or padded and kept
    15
    >>> pool_output_size(10, 3, stride=1)
    8
    """
    pool_size = check.integer(pool_size, "pool_size", minimum=1)
    stride = pool_size if stride is None else check.integer(stride, "stride", minimum=1)
    size = check.integer(size, "size", minimum=1)
    padding = _padding(padding)
    if padding != "same":
        before, after = (0, 0) if padding == "valid" else padding
        if pool_size > size + before + after:
            raise ValueError(
                f"pool_size {pool_size} must fit in the padded input of "
                f"{size + before + after} pixels (size {size} + padding {before + after}), "
                "got a window larger than the padded input"
            )
    return conv_output_size(size, pool_size, stride=stride, padding=padding)


def conv_transpose_output_size(
    size, kernel_size, stride=1, padding="valid", output_padding=None, dilation=1
):
    """Output size of a transposed convolution along one axis.

    With explicit padding: ``o' = s (i' - 1) + a + d (k - 1) + 1 - P`` (``P`` total
    padding, ``2p`` for an int; ``a = output_padding``, 0 when ``None``). With a Keras
    mode the rule is exactly Keras's (``Conv2DTranspose.compute_output_shape``):

    ========  ==============================  =====================================
    padding   ``output_padding=None``         ``output_padding=a``
    ========  ==============================  =====================================
    "valid"   ``s (i'-1) + max(k_eff, s)``    ``s (i'-1) + k_eff + a``
    "same"    ``s i'``                        ``s (i'-1) + (k_eff mod 2) + a``
    ========  ==============================  =====================================

    Parameters
    ----------
    size : int
        Input size ``i'``, at least 1.
    kernel_size : int
        Kernel size ``k``, at least 1.
    stride : int, default 1
        Upsampling factor ``s``, at least 1.
    padding : {"valid", "same"} or int or (int, int), default "valid"
        Keras mode, or the padding ``p`` of the *forward* convolution this layer
        transposes (it is removed from the output), per side or ``(before, after)``.
    output_padding : int or None, default None
        Extra rows ``a`` added at the end, ``0 <= a < stride``
        (see :func:`valid_output_paddings`).
    dilation : int, default 1
        Dilation ``d`` of the kernel, at least 1.

    Returns
    -------
    int
        Output size ``o'``, at least 1.

    Raises
    ------
    ValueError
        If ``output_padding >= stride`` (Keras's rule), the padding removes the whole
        output, or an argument is out of range.
    TypeError
        If an argument has the wrong type.

    Notes
    -----
    For an **even** kernel with ``"same"`` and an explicit ``output_padding``, Keras
    reports ``s (i'-1) + a``: one less than the forward ``"same"`` convolution's input
    sizes (:func:`conv_input_sizes`), so ``output_padding=0`` names a size that no
    stride-``s`` ``"same"`` convolution maps back to ``i'`` (TensorFlow then fails when
    the layer is called). Odd kernels, and ``output_padding=None``, are consistent.

    Examples
    --------
    >>> conv_transpose_output_size(31, 3, stride=2)               # 'valid'
    63
    >>> conv_transpose_output_size(32, 3, stride=2, padding="same")
    64
    >>> conv_transpose_output_size(2, 3, stride=2, padding="same", output_padding=0)
    3
    >>> conv_transpose_output_size(2, 3, stride=2, padding="same", output_padding=1)
    4
    >>> conv_transpose_output_size(4, 3, stride=2, padding=1)     # undoes conv_output_size(7, 3, 2, 1)
    7
    """
    size = check.integer(size, "size", minimum=1)
    kernel_size = check.integer(kernel_size, "kernel_size", minimum=1)
    stride = check.integer(stride, "stride", minimum=1)
    dilation = check.integer(dilation, "dilation", minimum=1)
    padding = _padding(padding)
    output_padding = _output_padding(output_padding, stride)
    extent = _effective_kernel(kernel_size, dilation)
    if padding == "valid":
        extra = max(extent, stride) - extent if output_padding is None else output_padding
        result = stride * (size - 1) + extent + extra
    elif padding == "same":
        if output_padding is None:
            result = stride * size
        else:
            result = stride * (size - 1) + extent % 2 + output_padding
    else:
        extra = 0 if output_padding is None else output_padding
        result = stride * (size - 1) + extra + extent - sum(padding)
    if result < 1:
        raise ValueError(
            f"padding {padding!r} with kernel_size {kernel_size}, stride {stride}, "
            f"output_padding {output_padding} leaves no output for size {size}: "
            f"expected a positive output size, got {result}"
        )
    return result


def conv_input_sizes(output_size, kernel_size, stride=1, padding="valid", dilation=1):
    """All input sizes that a convolution maps to ``output_size``.

    The ``floor`` in :func:`conv_output_size` forgets up to ``s - 1`` trailing pixels,
    so a stride-``s`` convolution sends ``s`` consecutive input sizes to one output size.
    A transposed convolution must pick one of them; ``output_padding`` is that choice.

    Parameters
    ----------
    output_size : int
        The convolution's output size, at least 1.
    kernel_size, stride, padding, dilation
        As in :func:`conv_output_size`.

    Returns
    -------
    list of int
        Increasing input sizes ``i >= 1`` with ``conv_output_size(i, ...) == output_size``:
        ``stride`` of them, fewer only when large explicit padding would need ``i < 1``
        (an empty list if no input gives ``output_size``).

    Raises
    ------
    ValueError, TypeError
        As in :func:`conv_output_size`.

    Examples
    --------
    >>> conv_input_sizes(2, 3, stride=2, padding="same")   # why output_padding exists
    [3, 4]
    >>> conv_input_sizes(31, 2, stride=2)                  # MaxPooling2D(2) on 62 or 63
    [62, 63]
    >>> conv_input_sizes(62, 3)
    [64]
    """
    output_size = check.integer(output_size, "output_size", minimum=1)
    kernel_size = check.integer(kernel_size, "kernel_size", minimum=1)
    stride = check.integer(stride, "stride", minimum=1)
    dilation = check.integer(dilation, "dilation", minimum=1)
    padding = _padding(padding)
    if padding == "same":
        smallest = (output_size - 1) * stride + 1
    else:
        total = 0 if padding == "valid" else sum(padding)
        smallest = (output_size - 1) * stride + _effective_kernel(kernel_size, dilation) - total
    return list(range(max(smallest, 1), smallest + stride))


def valid_output_paddings(stride, dilation=1):
    """The ``output_padding`` values Keras accepts for a given stride.

    Keras requires ``0 <= output_padding < stride``: exactly one value for each of the
    ``stride`` input sizes that the forward convolution cannot tell apart
    (:func:`conv_input_sizes`).

    Parameters
    ----------
    stride : int
        The stride, at least 1.
    dilation : int, default 1
        The dilation, at least 1. It does not change the answer in Keras (PyTorch also
        allows values up to ``max(stride, dilation) - 1``); it is validated so that a
        call can pass a layer's full configuration.

    Returns
    -------
    list of int
        ``[0, 1, ..., stride - 1]``.

    Examples
    --------
    >>> valid_output_paddings(2)
    [0, 1]
    >>> valid_output_paddings(1)
    [0]
    >>> [conv_transpose_output_size(2, 3, stride=2, padding="same", output_padding=a)
    ...  for a in valid_output_paddings(2)]
    [3, 4]
    """
    stride = check.integer(stride, "stride", minimum=1)
    check.integer(dilation, "dilation", minimum=1)
    return list(range(stride))


# --------------------------------------------------------------------------------------
# Shape trace of a Keras model
# --------------------------------------------------------------------------------------


class ShapeRow(NamedTuple):
    """One row of a :class:`ShapeTrace`.

    Parameters
    ----------
    name : str
        The layer's (or input's) name.
    class_name : str
        Its Keras class, e.g. ``"Conv2D"``.
    output_shape : tuple or list of tuple
        Per sample (no batch axis): a tuple, or a list of tuples for a layer with
        several outputs.
    params : int
        Its trainable and non-trainable weights.
    ideal_final : tuple of int or None
        The model's ``(height, width)`` output if every later layer preserved the size
        apart from its resampling factor (see :func:`trace_shapes`), or ``None`` where
        that cannot be worked out.

    Examples
    --------
    >>> row = ShapeRow("pool", "MaxPooling2D", (32, 32, 8), 0, (32, 32))
    >>> row.output_shape
    (32, 32, 8)
    """

    name: str
    class_name: str
    output_shape: object
    params: int
    ideal_final: tuple | None


def _size_text(spatial):
    return "-" if spatial is None else "x".join(str(s) for s in spatial)


def _shape_text(shape):
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


@dataclass(frozen=True)
class ShapeTrace:
    """Layer-by-layer shapes of a Keras model, and where they stop reaching a target.

    Built by :func:`trace_shapes`. ``str()`` and ``repr()`` give a fixed-width text
    table, ``_repr_html_`` an HTML table for notebooks (the culprit row highlighted).

    Parameters
    ----------
    rows : tuple of ShapeRow
        The model input(s), then every layer, in graph order.
    target_shape : tuple of int or None
        The per-sample shape the output should have.
    final_shape : tuple of int or list of tuple
        The model's per-sample output shape.
    first_unreachable : str or None
        Name of the first row after which the target can no longer be reached (see
        :func:`trace_shapes`); ``None`` when the output matches or no target was given.
    reason : str or None
        Why, in one sentence.

    Examples
    --------
    >>> import keras
    >>> inputs = keras.Input((64, 64, 3), name="frame")
    >>> outputs = keras.layers.MaxPooling2D(2, name="pool")(inputs)
    >>> trace = trace_shapes(keras.Model(inputs, outputs), target_shape=(64, 64, 3))
    >>> trace.final_shape, trace.mismatch
    ((32, 32, 3), True)
    """

    rows: tuple
    target_shape: tuple | None
    final_shape: object
    first_unreachable: str | None
    reason: str | None

    @property
    def mismatch(self):
        """``True`` if the output shape differs from the target, ``None`` without a target."""
        if self.target_shape is None:
            return None
        return self.final_shape != self.target_shape

    @property
    def total_params(self):
        """Total parameter count of the traced layers."""
        return sum(row.params for row in self.rows)

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    def _summary_lines(self):
        lines = [f"total params: {self.total_params}"]
        if self.target_shape is None:
            lines.append(f"output {_shape_text(self.final_shape)}")
            return lines
        verdict = "mismatch" if self.mismatch else "match"
        lines.append(
            f"output {_shape_text(self.final_shape)}, target "
            f"{_shape_text(self.target_shape)}: {verdict}"
        )
        if self.first_unreachable is not None:
            lines.append(f"first unreachable: {self.first_unreachable}: {self.reason}")
        return lines

    def to_text(self):
        """The trace as a fixed-width text table.

        Returns
        -------
        str
            One line per row, deterministic, without a final newline.
        """
        header = ("layer", "class", "output shape", "params", "ideal final")
        body = [
            (
                row.name,
                row.class_name,
                _shape_text(row.output_shape),
                str(row.params),
                _size_text(row.ideal_final),
            )
            for row in self.rows
        ]
        widths = [max(len(line[c]) for line in [header, *body]) for c in range(len(header))]

        def render(cells):
            left = [cells[c].ljust(widths[c]) for c in (0, 1, 2)]
            return "  ".join([*left, cells[3].rjust(widths[3]), cells[4].ljust(widths[4])])

        lines = [render(header), render(tuple("-" * w for w in widths))]
        for row, cells in zip(self.rows, body):
            marker = "  <- first unreachable" if row.name == self.first_unreachable else ""
            lines.append(render(cells) + marker)
        for line in self._summary_lines():
            lines.append(textwrap.fill(line, width=88, subsequent_indent="    "))
        return "\n".join(line.rstrip() for line in lines)

    def __str__(self):
        return self.to_text()

    def __repr__(self):
        return self.to_text()

    def _repr_html_(self):
        head = "".join(
            f"<th>{h}</th>" for h in ("layer", "class", "output shape", "params", "ideal final")
        )
        body = []
        for row in self.rows:
            culprit = row.name == self.first_unreachable
            style = ' style="background:#fde2e1;font-weight:bold"' if culprit else ""
            cells = (
                row.name,
                row.class_name,
                _shape_text(row.output_shape),
                str(row.params),
                _size_text(row.ideal_final),
            )
            tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells)
            body.append(f"<tr{style}>{tds}</tr>")
        caption = "<br>".join(html.escape(line) for line in self._summary_lines())
        return (
            '<table class="deconv-tutor-shape-trace">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<p>{caption}</p>"
        )


@dataclass
class _Node:
    """A graph position: a model input or a layer call, with what the trace needs."""

    name: str
    layer: object
    class_name: str
    parents: list  # indices of the nodes feeding this one (what _graph.ancestors follows)
    shapes: list  # per-sample output shapes, one per output tensor
    params: int
    is_input: bool

    @property
    def spatial(self):
        """``(height, width)`` of a single channels-last image output, else ``None``."""
        if len(self.shapes) != 1 or len(self.shapes[0]) != 3:
            return None
        height, width = self.shapes[0][:2]
        return None if height is None or width is None else (height, width)


def _model_graph(model):
    """The model's inputs and layer calls in graph order, with what the trace needs."""
    import keras  # lazy: importing keras costs seconds

    calls = _graph.layer_calls(model)
    nodes, producer = [], {}
    for index, call in enumerate(calls):
        for tensor in call.outputs:
            producer[id(tensor)] = index
        nodes.append(
            _Node(
                call.name,
                call.layer,
                call.class_name,
                sorted(set(call.parents)),
                call.output_shapes,
                0 if call.is_input else int(call.layer.count_params()),
                call.is_input,
            )
        )
    outputs = keras.tree.flatten(model.outputs)
    output_nodes = [producer.get(id(tensor)) for tensor in outputs]
    return nodes, output_nodes, [tuple(tensor.shape[1:]) for tensor in outputs]


def _resampling(layer):
    """``("down" | "up", (fh, fw))`` for a layer whose size changes by a factor, else None."""
    import keras

    down = (
        keras.layers.Conv2D,
        keras.layers.SeparableConv2D,
        keras.layers.DepthwiseConv2D,
        keras.layers.MaxPooling2D,
        keras.layers.AveragePooling2D,
    )
    if isinstance(layer, down):
        return "down", tuple(layer.strides)
    if isinstance(layer, keras.layers.Conv2DTranspose):
        return "up", tuple(layer.strides)
    if isinstance(layer, keras.layers.UpSampling2D):
        return "up", tuple(layer.size)
    return None


def _ideal_map(node, in_spatials, nodes):
    """Output ``(h, w)`` of ``node`` if it changed size only by its resampling factor.

    ``in_spatials``: the ``(h, w)`` of each parent node (``None`` if unknown).
    Returns ``None`` when the answer cannot be worked out.
    """
    import keras

    layer = node.layer
    if node.spatial is None or not in_spatials or any(s is None for s in in_spatials):
        return None
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        return None
    if len(set(in_spatials)) != 1:
        return None  # e.g. a Concatenate fed two different sizes: no consistent answer
    ((height, width),) = set(in_spatials)
    resampling = _resampling(layer)
    if resampling is not None:
        direction, (fh, fw) = resampling
        if direction == "down":  # Keras "same": ceil(i / s)
            return (-(-height // fh), -(-width // fw))
        return (height * fh, width * fw)
    if isinstance(layer, keras.layers.Resizing):
        return (layer.height, layer.width)
    actual_in = [nodes[i].spatial for i in node.parents]
    if any(s is None for s in actual_in) or len(set(actual_in)) != 1:
        return None
    ((actual_h, actual_w),) = set(actual_in)
    if isinstance(layer, (keras.layers.ZeroPadding2D, keras.layers.Cropping2D)):
        # Fixed margins: keep them.
        out_h, out_w = node.spatial
        result = (height + out_h - actual_h, width + out_w - actual_w)
        return result if min(result) >= 1 else None
    if node.spatial == (actual_h, actual_w):
        return (height, width)  # activations, normalisation, merges, 'same' stride 1
    return None


def _ideal_final(nodes, output_node, position):
    """Final ``(h, w)`` keeping the actual shapes up to ``position``, ideal after it."""
    values = []
    for index, node in enumerate(nodes):
        if index <= position or node.is_input:
            values.append(node.spatial)
        else:
            values.append(_ideal_map(node, [values[i] for i in node.parents], nodes))
    return values[output_node]


def _factor_text(factor):
    fh, fw = factor
    return str(fh) if fh == fw else f"{fh}x{fw}"


def _resampling_text(nodes, upstream):
    groups = {}
    for index in sorted(upstream):
        node = nodes[index]
        resampling = None if node.is_input else _resampling(node.layer)
        if resampling is None or resampling[1] == (1, 1):
            continue
        direction, factor = resampling
        groups.setdefault((direction, factor), []).append(node.name)
    if not groups:
        return "the model has no resampling layer"
    parts = []
    for (direction, factor), names in sorted(groups.items()):
        noun = "downsampling" if direction == "down" else "upsampling"
        plural = "s" if len(names) > 1 else ""
        parts.append(f"{len(names)} {noun}{plural} by {_factor_text(factor)} ({', '.join(names)})")
    return " and ".join(parts)


def _layer_reason(node, nodes, in_spatial, ideal_out):
    """What this layer did to the size, compared with its size-preserving version."""
    import keras

    layer = node.layer
    change = f"{_size_text(in_spatial)} -> {_size_text(node.spatial)}"
    if ideal_out is not None:
        change += f", where 'same' padding would give {_size_text(ideal_out)}"
    padding = getattr(layer, "padding", None)
    if isinstance(layer, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)):
        what = f"'{padding}' pooling drops the rows and columns that do not fill a whole window"
    elif isinstance(layer, keras.layers.Conv2DTranspose):
        what = (
            f"the transposed convolution (padding '{padding}', output_padding "
            f"{layer.output_padding}) does not multiply the size by its stride"
        )
    elif _resampling(layer) is not None and padding == "valid":
        kernel = "x".join(str(k) for k in layer.kernel_size)
        what = f"'valid' padding with a {kernel} kernel shrinks the feature map"
    else:
        what = f"{node.class_name} changes the size"
    return f"{what} ({change})"


def _culprit(nodes, output_node, target_shape):
    """``(first_unreachable, reason, ideals)`` following :func:`trace_shapes`'s rule."""
    final = nodes[output_node]
    ideals = [_ideal_final(nodes, output_node, j) for j in range(len(nodes))]
    if target_shape is None or tuple(final.shapes[0]) == target_shape:
        return None, None, ideals
    if final.spatial is None or len(target_shape) != 3:
        return (
            final.name,
            (
                f"the output {_shape_text(final.shapes[0])} differs from the target "
                f"{_shape_text(target_shape)}; the size analysis needs (height, width, "
                "channels) shapes"
            ),
            ideals,
        )

    target_spatial, target_channels = target_shape[:2], target_shape[2]
    channels = final.shapes[0][2]
    channel_note = ""
    if channels != target_channels:
        channel_note = f"; the output also has {channels} channels, the target {target_channels}"

    if final.spatial == target_spatial:
        # Only the channel count is wrong: blame the layer that set it.
        setter = final
        for index in sorted(_graph.ancestors(nodes, output_node), reverse=True):
            node = nodes[index]
            inbound_channels = {nodes[i].shapes[0][-1] for i in node.parents}
            if node.shapes[0][-1] == channels and inbound_channels != {channels}:
                setter = node
                break
        return (
            setter.name,
            (f"it produces {channels} channels, the target has {target_channels}"),
            ideals,
        )

    # The first position from which every later position misses the target.
    first = None
    for index in range(len(nodes) - 1, -1, -1):
        if ideals[index] is None or ideals[index] == target_spatial:
            break
        first = index
    node = nodes[first]
    target_text = _size_text(target_spatial)
    if node.is_input:
        reason = (
            f"even with 'same' padding in every layer the input {_size_text(node.spatial)} "
            f"would give {_size_text(ideals[first])}, not the target {target_text}: "
            f"{_resampling_text(nodes, _graph.ancestors(nodes, output_node))}"
        )
    else:
        in_spatials = [nodes[i].spatial for i in node.parents]
        in_spatial = in_spatials[0] if len(set(in_spatials)) == 1 else None
        ideal_out = _ideal_map(node, in_spatials, nodes)
        reason = (
            f"{_layer_reason(node, nodes, in_spatial, ideal_out)}; after it, even 'same' "
            f"padding in every later layer gives {_size_text(ideals[first])}, not the "
            f"target {target_text}"
        )
    return node.name, reason + channel_note, ideals


def _target(target_shape):
    if target_shape is None:
        return None
    if not isinstance(target_shape, (tuple, list)):
        raise TypeError(
            "target_shape must be a tuple of ints such as (64, 64, 3), "
            f"got {type(target_shape).__name__} {target_shape!r}"
        )
    if len(target_shape) == 0:
        raise ValueError("target_shape must have at least one dimension, got ()")
    return tuple(
        check.integer(size, f"target_shape[{axis}]", minimum=1)
        for axis, size in enumerate(target_shape)
    )


def trace_shapes(model, target_shape=None):
    """Trace the output shape of every layer of a Keras model, and find where it goes wrong.

    Each row gives a layer's name, class, per-sample output shape (no batch axis) and
    parameter count; the model input comes first. With a ``target_shape`` the trace also
    names the first place after which the output can no longer match it.

    **The rule.** For every row ``j`` take the *ideal completion*: keep the real shapes up
    to and including row ``j``, and let every later layer change the size only by its
    resampling factor, as with ``padding="same"`` -- a convolution or pooling of stride
    ``s`` gives ``ceil(h / s)``, a ``Conv2DTranspose`` of stride ``s`` gives ``s h``, an
    ``UpSampling2D`` of factor ``f`` gives ``f h``, cropping and zero-padding layers keep
    their margins, ``Resizing`` its fixed size, and size-preserving layers (activations,
    normalisation, merges of equal sizes, ``Dense`` on the channels) keep the size.
    ``ideal_final`` is the ``(height, width)`` this completion gives (the last row's is
    the real output). ``first_unreachable`` is the first row from which on *every*
    ideal completion misses the target: no choice of padding in the rest of the network
    repairs the output without changing an earlier layer. It is the model input when the
    resampling factors themselves cannot produce the target (then the reason lists them),
    else the layer whose own padding or rounding lost the size. If only the channel
    count is wrong, it is the layer that set the channel count. It is ``None`` when the
    output matches the target or no target is given.

    Parameters
    ----------
    model : keras.Model
        A built Sequential or functional model (start it with ``keras.Input``). Nested
        models are traced as one row each; every layer must be called once.
    target_shape : tuple of int, optional
        The per-sample shape the output should have, e.g. ``(64, 64, 3)``.

    Returns
    -------
    ShapeTrace
        Rows, ``final_shape``, ``target_shape``, ``mismatch``, ``first_unreachable``
        and ``reason``; ``print`` it for a table.

    Raises
    ------
    TypeError
        If ``model`` is not a ``keras.Model`` or ``target_shape`` is not a tuple of ints.
    ValueError
        If the model is not built, calls a layer twice, has several outputs while a
        target is given, has an output of unknown size while a target is given, or a
        ``target_shape`` entry is not positive.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([
    ...     keras.Input((32, 32, 3), name="frames"),
    ...     keras.layers.Conv2D(8, 3, name="conv"),
    ...     keras.layers.MaxPooling2D(2, name="pool"),
    ...     keras.layers.UpSampling2D(2, name="up"),
    ...     keras.layers.Conv2D(3, 3, padding="same", name="rgb"),
    ... ])
    >>> trace = trace_shapes(model, target_shape=(32, 32, 3))
    >>> print(trace)
    layer   class         output shape  params  ideal final
    ------  ------------  ------------  ------  -----------
    frames  InputLayer    (32, 32, 3)        0  32x32
    conv    Conv2D        (30, 30, 8)      224  30x30        <- first unreachable
    pool    MaxPooling2D  (15, 15, 8)        0  30x30
    up      UpSampling2D  (30, 30, 8)        0  30x30
    rgb     Conv2D        (30, 30, 3)      219  30x30
    total params: 443
    output (30, 30, 3), target (32, 32, 3): mismatch
    first unreachable: conv: 'valid' padding with a 3x3 kernel shrinks the feature map
        (32x32 -> 30x30, where 'same' padding would give 32x32); after it, even 'same'
        padding in every later layer gives 30x30, not the target 32x32
    >>> trace.first_unreachable, trace.final_shape, trace.mismatch
    ('conv', (30, 30, 3), True)
    """
    target = _target(target_shape)
    nodes, output_nodes, final_shapes = _model_graph(model)
    final_shape = final_shapes[0] if len(final_shapes) == 1 else final_shapes
    if target is not None:
        if len(output_nodes) != 1:
            raise ValueError(
                "target_shape needs a model with one output, "
                f"got a model with {len(output_nodes)} outputs"
            )
        if any(size is None for size in final_shape):
            raise ValueError(
                f"target_shape {target} cannot be compared with an output of unknown size "
                f"{_shape_text(final_shape)}; build the model on a fixed input size"
            )
    if len(output_nodes) == 1 and output_nodes[0] is not None:
        first_unreachable, reason, ideals = _culprit(nodes, output_nodes[0], target)
    else:
        first_unreachable, reason, ideals = None, None, [None] * len(nodes)
    rows = tuple(
        ShapeRow(
            node.name,
            node.class_name,
            node.shapes[0] if len(node.shapes) == 1 else list(node.shapes),
            node.params,
            ideal,
        )
        for node, ideal in zip(nodes, ideals)
    )
    return ShapeTrace(rows, target, final_shape, first_unreachable, reason)
