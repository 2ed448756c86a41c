"""The output-size calculator: convolution and transposed convolution sizes, formula filled in."""

from __future__ import annotations

import contextlib
import html

import ipywidgets as widgets

from deconv_tutor import _validation as check
from deconv_tutor import arithmetic
from deconv_tutor.widgets._shared import Panel

__all__ = ["output_size_calculator", "output_size_report", "render_output_size"]


def _conv_formula(size, kernel_size, stride, padding, dilation):
    """The output-size formula with this layer's numbers written in, as text."""
    if padding == "same":
        return f"o = ⌈i / s⌉ = ⌈{size} / {stride}⌉"
    before, after = (
        (0, 0)
        if padding == "valid"
        else ((padding, padding) if check.is_integer(padding) else tuple(padding))
    )
    pads = f"2·{before}" if before == after else f"{before} + {after}"
    return (
        f"o = ⌊(i + 2p − d(k − 1) − 1) / s⌋ + 1 = "
        f"⌊({size} + {pads} − {dilation}·({kernel_size} − 1) − 1) / {stride}⌋ + 1"
    )


def _transpose_formula(size, kernel_size, stride, padding, output_padding, dilation):
    extent = f"{dilation}·({kernel_size} − 1) + 1"
    if padding == "valid":
        if output_padding is None:
            return (
                f"o = s(i − 1) + max(d(k − 1) + 1, s) = {stride}·({size} − 1) + "
                f"max({extent}, {stride})"
            )
        return (
            f"o = s(i − 1) + d(k − 1) + 1 + a = {stride}·({size} − 1) + {extent} + {output_padding}"
        )
    if padding == "same":
        if output_padding is None:
            return f"o = s·i = {stride}·{size}"
        return (
            f"o = s(i − 1) + (d(k − 1) + 1) mod 2 + a = {stride}·({size} − 1) + "
            f"({extent}) mod 2 + {output_padding}"
        )
    before, after = (padding, padding) if check.is_integer(padding) else padding
    pads = f"2·{before}" if before == after else f"({before} + {after})"
    return (
        f"o = s(i − 1) + a + d(k − 1) + 1 − 2p = {stride}·({size} − 1) + "
        f"{output_padding or 0} + {extent} − {pads}"
    )


def output_size_report(
    mode="conv", size=5, kernel_size=3, stride=1, padding="valid", dilation=1, output_padding=None
):
    """The numbers behind :func:`output_size_calculator`.

    Parameters
    ----------
    mode : {"conv", "transpose"}
        Convolution or transposed convolution.
    size : int
        Input size along one axis.
    kernel_size : int
        As in :mod:`deconv_tutor.arithmetic`.
    stride : int
        As in :mod:`deconv_tutor.arithmetic`.
    padding : {"valid", "same"}, int or tuple of int
        As in :mod:`deconv_tutor.arithmetic`.
    dilation : int
        As in :mod:`deconv_tutor.arithmetic`.
    output_padding : int, optional
        Only for ``"transpose"``.

    Returns
    -------
    dict
        ``size`` (the output size), ``formula`` (text, numbers substituted),
        ``input_sizes`` (conv: every input size giving the same output;
        transpose: the conv input sizes a transposed layer of this input can
        aim at), ``output_paddings`` (the valid values, transpose only, else
        ``[]``) and ``sizes_by_output_padding`` (transpose: ``{a: size}``).

    Examples
    --------
    >>> report = output_size_report("conv", 4, 3, stride=2, padding="same")
    >>> report["size"], report["formula"], report["input_sizes"]
    (2, 'o = ⌈i / s⌉ = ⌈4 / 2⌉', [3, 4])
    >>> report = output_size_report("transpose", 2, 3, stride=2, padding="same")
    >>> report["size"], report["sizes_by_output_padding"]
    (4, {0: 3, 1: 4})
    """
    check.choice(mode, "mode", ("conv", "transpose"))
    if mode == "conv":
        if output_padding is not None:
            raise ValueError(
                f"output_padding applies to mode='transpose' only, got "
                f"output_padding={output_padding!r} with mode='conv'"
            )
        result = arithmetic.conv_output_size(size, kernel_size, stride, padding, dilation)
        return {
            "size": result,
            "formula": _conv_formula(size, kernel_size, stride, padding, dilation),
            "input_sizes": arithmetic.conv_input_sizes(
                result, kernel_size, stride, padding, dilation
            ),
            "output_paddings": [],
            "sizes_by_output_padding": {},
        }
    result = arithmetic.conv_transpose_output_size(
        size, kernel_size, stride, padding, output_padding, dilation
    )
    paddings = arithmetic.valid_output_paddings(stride, dilation)
    by_padding = {}
    for value in paddings:
        # A padding that crops everything for one value of a only rules out that value.
        with contextlib.suppress(ValueError):
            by_padding[value] = arithmetic.conv_transpose_output_size(
                size, kernel_size, stride, padding, value, dilation
            )
    return {
        "size": result,
        "formula": _transpose_formula(size, kernel_size, stride, padding, output_padding, dilation),
        "input_sizes": arithmetic.conv_input_sizes(size, kernel_size, stride, padding, dilation),
        "output_paddings": paddings,
        "sizes_by_output_padding": by_padding,
    }


def render_output_size(
    mode="conv", size=5, kernel_size=3, stride=1, padding="valid", dilation=1, output_padding=None
):
    """HTML for the output-size calculator: the size, the formula, the ambiguity.

    Parameters
    ----------
    mode : {"conv", "transpose"}
        As in :func:`output_size_report`.
    size : int
        As in :func:`output_size_report`.
    kernel_size : int
        As in :func:`output_size_report`.
    stride : int
        As in :func:`output_size_report`.
    padding : {"valid", "same"}, int or tuple of int
        As in :func:`output_size_report`.
    dilation : int
        As in :func:`output_size_report`.
    output_padding : int, optional
        As in :func:`output_size_report`.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> text = render_output_size("conv", 7, 3, stride=2, padding=1)
    >>> "<b>4</b>" in text and "[7, 8]" in text
    True
    """
    report = output_size_report(mode, size, kernel_size, stride, padding, dilation, output_padding)
    name = "convolution" if mode == "conv" else "transposed convolution"
    lines = [
        f"{name}: input {size} → output <b>{report['size']}</b>",
        f"<code>{html.escape(report['formula'])} = {report['size']}</code>",
    ]
    if mode == "conv":
        sizes = report["input_sizes"]
        lines.append(
            f"input sizes with the same output {report['size']}: {sizes}"
            + (
                " — a transposed convolution cannot tell them apart; "
                "<code>output_padding</code> chooses"
                if len(sizes) > 1
                else ""
            )
        )
    else:
        choices = ", ".join(
            f"a={value} → {result}" for value, result in report["sizes_by_output_padding"].items()
        )
        lines.append(f"valid output_padding: {report['output_paddings']} ({choices})")
        lines.append(
            f"sizes a convolution with these settings maps to {size}: {report['input_sizes']}"
        )
    return "<br>".join(lines)


def output_size_calculator():
    """Sizes of convolution and transposed convolution, with the formula filled in.

    Returns
    -------
    Panel
        Controls ``mode`` ("conv" / "transpose"), ``size`` (1 to 64), ``kernel_size``,
        ``stride``, ``padding``, ``dilation``, ``output_padding`` (``"None"``, Keras's
        default that infers it, or an int; used by "transpose"); view ``text`` (HTML from
        :func:`render_output_size`).

    Examples
    --------
    >>> panel = output_size_calculator()
    >>> panel.controls["mode"].value = "transpose"
    >>> panel.controls["stride"].value = 2
    >>> panel.controls["output_padding"].value = 3
    >>> panel.error
    'ValueError: output_padding must be smaller than stride (2), got output_padding=3'
    """
    # Room for the longest label ("output_padding"), so no description is cut.
    labelled = {"style": {"description_width": "initial"}}
    controls = {
        "mode": widgets.ToggleButtons(
            options=[("convolution", "conv"), ("transposed convolution", "transpose")],
            value="conv",
            description="layer",
            style={"description_width": "initial", "button_width": "auto"},
        ),
        # 1 to 64 on a wide track: about one size per 5 pixels of drag (1 to 256 on the
        # default track moved 2 sizes per pixel), and 64 is the course's frame size.
        "size": widgets.IntSlider(
            8, min=1, max=64, description="input size", layout={"width": "360px"}, **labelled
        ),
        "kernel_size": widgets.IntSlider(3, min=1, max=9, description="kernel", **labelled),
        "stride": widgets.IntSlider(1, min=1, max=4, description="stride", **labelled),
        "padding": widgets.Dropdown(
            options=[("valid", "valid"), ("same", "same")] + [(str(p), p) for p in range(5)],
            value="valid",
            description="padding",
            **labelled,
        ),
        "dilation": widgets.IntSlider(1, min=1, max=4, description="dilation", **labelled),
        # ipywidgets reads a value of None as "nothing selected" and shows an empty menu,
        # so Keras's None travels as the string "None".
        "output_padding": widgets.Dropdown(
            options=[("None", "None")] + [(str(a), a) for a in range(4)],
            value="None",
            description="output_padding",
            **labelled,
        ),
    }
    views = {"text": widgets.HTML()}

    def update(panel):
        transposed = controls["mode"].value == "transpose"
        controls["output_padding"].disabled = not transposed
        output_padding = controls["output_padding"].value
        views["text"].value = render_output_size(
            controls["mode"].value,
            controls["size"].value,
            controls["kernel_size"].value,
            controls["stride"].value,
            controls["padding"].value,
            controls["dilation"].value,
            None if output_padding == "None" or not transposed else output_padding,
        )

    rows = [
        controls["mode"],
        widgets.HBox(
            [
                widgets.VBox([controls[name] for name in ("size", "kernel_size", "stride")]),
                widgets.VBox(
                    [controls[name] for name in ("padding", "dilation", "output_padding")]
                ),
            ]
        ),
        views["text"],
    ]
    panel = Panel(controls, views, rows, update)
    panel.refresh()
    return panel
