"""The transposed-convolution stepper: one input pixel stamped at a time, beside its zero-insertion view."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor import reference
from deconv_tutor.widgets._shared import Panel

__all__ = ["render_transposed_step", "transposed_conv_stepper", "zero_insertion_grid"]

_CELL = (
    "border:1px solid #999;width:2.4em;height:2.1em;text-align:center;"
    "font-family:monospace;font-size:12px;padding:0"
)


def _number(value):
    value = float(value)
    if value == round(value) and abs(value) < 1e6:
        return str(round(value))
    return f"{value:.2f}"


def _table(values, title, styles=None):
    rows = []
    for r, row in enumerate(np.asarray(values)):
        cells = []
        for c, value in enumerate(row):
            extra = styles.get((r, c), "") if styles else ""
            cells.append(f'<td style="{_CELL};{extra}">{_number(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div style="display:inline-block;vertical-align:top;margin-right:1.5em">'
        f'<div style="font-weight:bold;margin-bottom:4px">{title}</div>'
        f'<table style="border-collapse:collapse">{"".join(rows)}</table></div>'
    )


def _padding_before(size, kernel_size, stride, padding, out_size):
    """Rows cropped from the top of the full scatter canvas (the forward conv's padding)."""
    if padding == "valid":
        return 0
    if padding == "same":
        return max(stride * (size - 1) + kernel_size - out_size, 0) // 2
    return int(padding)


def _small_array(value, name):
    """A single-channel 2-D array of finite reals, as float64."""
    return check.real_array(value, name, ndims=(2,), shape_text="(H, W), one channel").astype(
        np.float64
    )


def zero_insertion_grid(x, kernel_shape, stride, padding, output_shape):
    """The input of the zero-insertion view of a transposed convolution.

    ``x`` spread out with ``stride - 1`` zeros between neighbouring pixels and
    framed with zeros, so that sliding the *flipped* kernel over it (a plain
    ``"valid"`` correlation) gives the transposed convolution of ``x``:
    ``output[u, v] = sum(grid[u:u+kh, v:v+kw] * kernel[::-1, ::-1])``.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The input.
    kernel_shape : tuple of int
        ``(kh, kw)``.
    stride : int
        The transposed convolution's stride.
    padding : {"valid", "same"} or int
        As in :func:`deconv_tutor.reference.conv_transpose`.
    output_shape : tuple of int
        The transposed convolution's output ``(H_out, W_out)``.

    Returns
    -------
    grid : ndarray, shape (H_out + kh - 1, W_out + kw - 1)
        The spread and framed input.
    places : dict
        ``{(r, c): (u, v)}``: where each input pixel sits in ``grid`` (pixels
        that the padding crops away entirely are left out).

    Examples
    --------
    >>> grid, places = zero_insertion_grid(np.array([[1.0, 2.0]]), (2, 2), 2, "valid", (2, 4))
    >>> grid
    array([[0., 0., 0., 0., 0.],
           [0., 1., 0., 2., 0.],
           [0., 0., 0., 0., 0.]])
    >>> places
    {(0, 0): (1, 1), (0, 1): (1, 3)}
    """
    image = _small_array(x, "x")
    kh, kw = check.size_pair(kernel_shape, "kernel_shape")
    out_h, out_w = check.size_pair(output_shape, "output_shape")
    stride = check.integer(stride, "stride", minimum=1)
    top = kh - 1 - _padding_before(image.shape[0], kh, stride, padding, out_h)
    left = kw - 1 - _padding_before(image.shape[1], kw, stride, padding, out_w)
    grid = np.zeros((out_h + kh - 1, out_w + kw - 1))
    places = {}
    for r in range(image.shape[0]):
        for c in range(image.shape[1]):
            u, v = top + r * stride, left + c * stride
            if 0 <= u < grid.shape[0] and 0 <= v < grid.shape[1]:
                grid[u, v] = image[r, c]
                places[(r, c)] = (u, v)
    return grid, places


def render_transposed_step(x, kernel, step, stride=2, padding="valid"):
    """One step of a transposed convolution as scatter-add, beside its zero-insertion view.

    Left: the input with the current pixel (orange) and the pixels already
    done (grey); the kernel; the output after ``step + 1`` stamps, with the
    current stamp's cells outlined. Right: the same computation as a direct
    convolution: the input spread out with ``stride - 1`` zeros between pixels
    and padded, which a sliding, flipped kernel reads; the current pixel is
    orange there too, and it reaches exactly the outlined output cells.

    Parameters
    ----------
    x : array_like, shape (H, W)
        A small single-channel input (a few pixels).
    kernel : array_like, shape (kh, kw)
        Single-channel kernel.
    step : int
        Index of the input pixel being stamped, row-major, ``0 <= step < H * W``.
    stride : int, optional
        Stride of the transposed convolution.
    padding : {"valid", "same"} or int, optional
        As in :func:`deconv_tutor.reference.conv_transpose_scatter`.

    Returns
    -------
    str
        HTML (tables with the values).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> text = render_transposed_step(x, np.ones((2, 2)), step=1, stride=2)
    >>> "step 2 of 4" in text
    True
    """
    image = _small_array(x, "x")
    weights = _small_array(kernel, "kernel")
    count = image.size
    step = check.integer(
        step, "step", minimum=0, maximum=count - 1, what=f"an integer in [0, {count})"
    )
    steps = reference.scatter_steps(image, weights, stride, padding)
    row, col = divmod(step, image.shape[1])
    single = np.zeros_like(image)
    single[row, col] = 1.0
    reach = reference.conv_transpose(
        single[..., None], np.ones((*weights.shape, 1, 1)), stride, padding
    )[..., 0]
    current = "background:#ffb74d"
    done = "background:#e0e0e0"
    input_styles = {
        (r, c): (current if (r, c) == (row, col) else done)
        for r in range(image.shape[0])
        for c in range(image.shape[1])
        if r * image.shape[1] + c <= step
    }
    output_styles = {
        tuple(position): "outline:2px solid #e65100;outline-offset:-2px"
        for position in np.argwhere(reach > 0)
    }
    spread, places = zero_insertion_grid(image, weights.shape, stride, padding, steps.shape[1:])
    spread_styles = {
        place: (current if pixel == (row, col) else "background:#fff3e0")
        for pixel, place in places.items()
    }
    for u in range(spread.shape[0]):
        for v in range(spread.shape[1]):
            spread_styles.setdefault((u, v), "color:#bbb")
    title = f"output after step {step + 1} of {count}"
    zero_title = f"zero-insertion view: {stride - 1} zero(s) between pixels, padded"
    return (
        f"<div>{_table(image, 'input x', input_styles)}{_table(weights, 'kernel')}"
        f"{_table(steps[step], title, output_styles)}</div>"
        f'<div style="margin-top:10px">'
        f"{_table(spread, zero_title, spread_styles)}"
        f"{_table(weights[::-1, ::-1], 'flipped kernel')}"
        f"{_table(steps[-1], 'complete output')}</div>"
    )


def transposed_conv_stepper(x=None, kernel=None):
    """Step through a transposed convolution one input pixel at a time.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        Input; default ``[[1, 2], ...]`` of the size chosen with the
        ``input_size`` slider.
    kernel : array_like, shape (kh, kw), optional
        Kernel; default ``1, 2, 3, ...`` of the size chosen with ``kernel_size``.

    Returns
    -------
    Panel
        Controls ``step`` (counted from 1, as the title "output after step 1 of 4" counts;
        with a ``play`` button), ``stride``, ``padding``,
        ``input_size`` and ``kernel_size`` (fixed when ``x`` / ``kernel`` are
        given); view ``text`` (HTML from :func:`render_transposed_step`).

    Examples
    --------
    >>> panel = transposed_conv_stepper()
    >>> panel.controls["step"].value, panel.controls["step"].max
    (1, 4)
    >>> panel.controls["input_size"].value = 3
    >>> panel.controls["step"].max
    9
    """
    given_x = None if x is None else _small_array(x, "x")
    given_kernel = None if kernel is None else _small_array(kernel, "kernel")
    controls = {
        # Counted from 1, like the title over the output ("output after step 1 of 4").
        "step": widgets.IntSlider(1, min=1, max=4, description="step"),
        "play": widgets.Play(1, min=1, max=4, interval=700, description="play"),
        "stride": widgets.IntSlider(2, min=1, max=3, description="stride"),
        "padding": widgets.Dropdown(
            options=[("valid", "valid"), ("same", "same"), ("0", 0), ("1", 1), ("2", 2)],
            value="valid",
            description="padding",
        ),
        "input_size": widgets.IntSlider(
            2,
            min=2,
            max=4,
            description="input size",
            disabled=given_x is not None,
            style={"description_width": "initial"},
        ),
        "kernel_size": widgets.IntSlider(
            3,
            min=2,
            max=4,
            description="kernel size",
            disabled=given_kernel is not None,
            style={"description_width": "initial"},
        ),
    }
    widgets.link((controls["play"], "value"), (controls["step"], "value"))
    widgets.link((controls["play"], "max"), (controls["step"], "max"))
    views = {"text": widgets.HTML()}

    def current():
        size = controls["input_size"].value
        k = controls["kernel_size"].value
        image = (
            given_x if given_x is not None else np.arange(1.0, size * size + 1).reshape(size, size)
        )
        weights = (
            given_kernel if given_kernel is not None else np.arange(1.0, k * k + 1).reshape(k, k)
        )
        return image, weights

    def resize(change):
        image, _ = current()
        with panel.hold():
            controls["step"].max = image.size
            controls["step"].value = min(controls["step"].value, image.size)

    def update(panel):
        image, weights = current()
        views["text"].value = render_transposed_step(
            image,
            weights,
            controls["step"].value - 1,
            controls["stride"].value,
            controls["padding"].value,
        )

    rows = [
        widgets.HBox([controls["play"], controls["step"]]),
        widgets.HBox([controls["stride"], controls["padding"]]),
        widgets.HBox([controls["input_size"], controls["kernel_size"]]),
        views["text"],
    ]
    # Play's own value mirrors step through the link; observing both would draw twice.
    panel = Panel(
        {name: control for name, control in controls.items() if name != "play"},
        views,
        rows,
        update,
        manual=("input_size",),
    )
    panel.controls["play"] = controls["play"]
    controls["input_size"].observe(resize, names="value")
    with panel.hold():
        resize(None)
    return panel
