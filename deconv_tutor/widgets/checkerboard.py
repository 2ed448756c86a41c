"""The checkerboard explorer: how evenly stacked transposed convolutions cover their output."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor.widgets._shared import VIRIDIS, Panel, caption, image_view, png_bytes

__all__ = [
    "checkerboard_explorer",
    "overlap_counts",
    "overlap_legend",
    "overlap_profile",
    "render_checkerboard",
]


def _layers(kernel_sizes, strides):
    """The layers as two lists of ints, 1 to 3 layers, one stride per kernel size."""
    for name, values in (("kernel_sizes", kernel_sizes), ("strides", strides)):
        if not isinstance(values, (list, tuple, np.ndarray)):
            raise TypeError(f"{name} must be a list of integers, got {type(values).__name__}")
    if not 1 <= len(kernel_sizes) <= 3 or len(kernel_sizes) != len(strides):
        raise ValueError(
            f"kernel_sizes and strides must have 1 to 3 entries each, and as many strides as "
            f"kernel sizes, got {list(kernel_sizes)} and {list(strides)}"
        )
    kernel_sizes = [
        check.integer(k, f"kernel_sizes[{i}]", minimum=1) for i, k in enumerate(kernel_sizes)
    ]
    strides = [check.integer(s, f"strides[{i}]", minimum=1) for i, s in enumerate(strides)]
    return kernel_sizes, strides


def overlap_profile(kernel_sizes, strides, input_size=6):
    """How many kernel taps land on each output pixel along one axis of stacked transposed convs.

    Every layer is a transposed convolution (``"valid"``, all-ones kernel)
    applied to an all-ones input, so each output value counts the paths from the
    input to that pixel: an even count means no pattern, an uneven one is the
    checkerboard of Odena, Dumoulin and Olah, "Deconvolution and Checkerboard
    Artifacts", Distill 2016.

    Parameters
    ----------
    kernel_sizes : sequence of int
        One entry per layer (1 to 3 layers), first layer first.
    strides : sequence of int
        One entry per layer.
    input_size : int, optional
        Input pixels along the axis.

    Returns
    -------
    ndarray of int64
        The counts along the output axis.

    Examples
    --------
    >>> overlap_profile([3], [2], input_size=4).tolist()
    [1, 1, 2, 1, 2, 1, 2, 1, 1]
    >>> overlap_profile([4], [2], input_size=4).tolist()
    [1, 1, 2, 2, 2, 2, 2, 2, 1, 1]
    """
    kernel_sizes, strides = _layers(kernel_sizes, strides)
    input_size = check.integer(input_size, "input_size", minimum=1)
    length = input_size
    for kernel_size, stride in zip(kernel_sizes, strides):
        length = stride * (length - 1) + max(kernel_size, stride)
    # The pictures square the profile (np.outer): refuse a size they could not hold.
    check.allocation((length, length), "input_size", itemsize=8)
    counts = np.ones(input_size, dtype=np.int64)
    for kernel_size, stride in zip(kernel_sizes, strides):
        # Keras 'valid' length; with k < s the gaps between stamps stay at zero.
        out = np.zeros(stride * (len(counts) - 1) + max(kernel_size, stride), dtype=np.int64)
        for tap in range(kernel_size):
            out[tap : tap + stride * (len(counts) - 1) + 1 : stride] += counts
        counts = out
    return counts


def overlap_counts(kernel_sizes, strides, input_size=6):
    """2-D overlap map: :func:`overlap_profile` along rows times along columns.

    Parameters
    ----------
    kernel_sizes : sequence of int
        As in :func:`overlap_profile` (square kernels).
    strides : sequence of int
        As in :func:`overlap_profile` (equal strides per axis).
    input_size : int, optional
        As in :func:`overlap_profile`.

    Returns
    -------
    ndarray of int64, shape (L, L)
        The counts on the output grid.

    Examples
    --------
    >>> overlap_counts([3], [2], input_size=2)
    array([[1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1],
           [2, 2, 4, 2, 2],
           [1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1]])
    """
    profile = overlap_profile(kernel_sizes, strides, input_size)
    return np.outer(profile, profile)


def _interior(kernel_sizes, strides, length):
    """Output positions away from the border effects of every layer."""
    margin = 0
    for index, kernel_size in enumerate(kernel_sizes):
        later = int(np.prod(strides[index + 1 :], dtype=np.int64))
        margin += (kernel_size - 1) * later
    return margin, length - margin


def _bar_chart(values, cell, height=64, band=None):
    """A bar chart of small integer counts drawn as an image (one bar per output pixel)."""
    top = max(int(values.max()), 1)
    chart = np.full((height, len(values) * cell, 3), 255, np.uint8)
    if band is not None:
        chart[:, band[0] * cell : band[1] * cell] = (236, 242, 250)
    levels = np.round(values / top * (height - 4)).astype(int)
    for index, level in enumerate(levels):
        if level > 0:
            chart[height - level :, index * cell : (index + 1) * cell - (1 if cell > 2 else 0)] = (
                VIRIDIS[int(values[index] / top * 255)]
            )
    return chart


def render_checkerboard(kernel_sizes, strides, input_size=6, display_size=256):
    """The checkerboard explorer's pictures: the overlap map and its 1-D profile.

    Parameters
    ----------
    kernel_sizes : sequence of int
        As in :func:`overlap_profile`.
    strides : sequence of int
        As in :func:`overlap_profile`.
    input_size : int, optional
        As in :func:`overlap_profile`.
    display_size : int, optional
        Approximate width in pixels of the pictures (pixels are repeated).

    Returns
    -------
    map_image : ndarray of uint8, shape (L * cell, L * cell, 3)
        Counts coloured with viridis (dark: few taps, yellow: many).
    profile_image : ndarray of uint8, shape (64, L * cell, 3)
        Bars of the 1-D profile; the interior (away from the borders) is shaded.
    text : str
        Sizes, counts, the max/min ratio over the interior and where the interior
        is (HTML).

    Examples
    --------
    >>> picture, bars, text = render_checkerboard([3, 3], [2, 2], input_size=4)
    >>> picture.shape == (bars.shape[1], bars.shape[1], 3), picture.dtype
    (True, dtype('uint8'))
    >>> print(text.split("<br>")[1])
    max/min over the interior: 3 / 1 = 3.00 along one axis, 9.00 on the 2-D map
    """
    profile = overlap_profile(kernel_sizes, strides, input_size)
    kernel_sizes, strides = _layers(kernel_sizes, strides)
    display_size = check.integer(display_size, "display_size", minimum=1)
    check.allocation((display_size, display_size, 3), "display_size", itemsize=1)
    length = len(profile)
    start, stop = _interior(kernel_sizes, strides, length)
    if stop - start < 1:
        raise ValueError(
            f"input_size {input_size} is too small to get away from the borders of "
            f"these layers: increase it"
        )
    cell = max(1, display_size // length)
    top = max(int(profile.max()), 1)
    levels = (np.outer(profile, profile) * 255 // (top * top)).astype(np.intp)
    picture = VIRIDIS[levels]
    picture = np.repeat(np.repeat(picture, cell, axis=0), cell, axis=1)
    bars = _bar_chart(profile, cell, band=(start, stop))
    inner = profile[start:stop]
    high, low = int(inner.max()), int(inner.min())
    if low == 0:
        ratio = (
            "max/min over the interior: ∞ — some output pixels get no tap at all "
            "(kernel smaller than stride): holes"
        )
    else:
        ratio = (
            f"max/min over the interior: {high} / {low} = {high / low:.2f} along one axis, "
            f"{(high / low) ** 2:.2f} on the 2-D map"
        )
    verdict = (
        "even overlap: every output pixel gets the same number of taps (one cause of the "
        "checkerboard gone; weights that differ by phase can still draw it)"
        if high == low
        else "uneven overlap: the taps per pixel alone draw a checkerboard pattern"
    )
    layers = " → ".join(f"(k={k}, s={s})" for k, s in zip(kernel_sizes, strides))
    text = (
        f"{len(kernel_sizes)} layer(s) {layers}: input {input_size} → output {length} "
        f"pixels per axis<br>{ratio}<br>{verdict}; interior = output pixels "
        f"{start}..{stop - 1}"
    )
    return picture, bars, text


def _swatch(colour):
    red, green, blue = (int(value) for value in colour)
    return (
        f'<span style="display:inline-block;width:14px;height:14px;vertical-align:middle;'
        f'border:1px solid #999;background:rgb({red},{green},{blue})"></span>'
    )


def overlap_legend(profile):
    """The colour legend of the taps-per-pixel map: which colour is how many taps.

    The map's colour of an output pixel is its tap count (the product of the row's and
    the column's counts) on viridis, from 0 (dark) to the largest count (yellow).

    Parameters
    ----------
    profile : array_like of int
        :func:`overlap_profile` of the layers shown.

    Returns
    -------
    str
        HTML: a swatch per tap count on the map (at most 8), else a colour bar from 0 to
        the largest count.

    Examples
    --------
    >>> text = overlap_legend(overlap_profile([3], [2], input_size=3))
    >>> [part.split("</span>")[1].strip() for part in text.split("&ensp;")]
    ['1 tap', '2 taps', '4 taps']
    """
    profile = check.real_array(profile, "profile", ndims=(1,)).astype(np.int64)
    counts = np.unique(np.outer(profile, profile))
    top = max(int(counts.max()), 1)
    colour = {int(c): VIRIDIS[int(c) * 255 // top] for c in counts}
    if len(counts) <= 8:
        return "&ensp;".join(
            f"{_swatch(colour[c])} {c} tap{'' if c == 1 else 's'}" for c in map(int, counts)
        )
    stops = ", ".join(
        "rgb({},{},{})".format(*(int(v) for v in VIRIDIS[i])) for i in range(0, 256, 51)
    )
    return (
        f'0 <span style="display:inline-block;width:160px;height:14px;vertical-align:middle;'
        f'background:linear-gradient(to right, {stops})"></span> {top} taps'
    )


def checkerboard_explorer(display_size=256):
    """Kernel size and stride of one to three stacked transposed convolutions -> overlap map.

    After Distill's "Deconvolution and Checkerboard Artifacts": a kernel size
    divisible by the stride overlaps evenly; any other choice paints a grid, and
    stacking layers compounds it.

    Parameters
    ----------
    display_size : int, optional
        Width of the pictures in pixels.

    Returns
    -------
    Panel
        Controls ``layers`` (1-3), ``kernel_1`` .. ``kernel_3``, ``stride_1`` ..
        ``stride_3``, ``input_size``; views ``map``, ``profile`` (images),
        ``legend`` (the map's colours, from :func:`overlap_legend`) and ``text``.

    Examples
    --------
    >>> panel = checkerboard_explorer()
    >>> panel.controls["kernel_1"].value = 4
    >>> "even overlap" in panel.views["text"].value
    True
    """
    display_size = check.integer(display_size, "display_size", minimum=1)
    controls = {"layers": widgets.ToggleButtons(options=[1, 2, 3], value=1, description="layers")}
    for index in (1, 2, 3):
        controls[f"kernel_{index}"] = widgets.IntSlider(
            3, min=1, max=8, description=f"kernel {index}"
        )
        controls[f"stride_{index}"] = widgets.IntSlider(
            2, min=1, max=4, description=f"stride {index}"
        )
    controls["input_size"] = widgets.IntSlider(6, min=2, max=16, description="input size")
    views = {
        "map": image_view(display_size),
        "profile": image_view(),
        "legend": widgets.HTML(),
        "text": widgets.HTML(),
    }

    def update(panel):
        count = controls["layers"].value
        for index in (1, 2, 3):
            for name in (f"kernel_{index}", f"stride_{index}"):
                controls[name].disabled = index > count
        picture, bars, text = render_checkerboard(
            [controls[f"kernel_{i}"].value for i in range(1, count + 1)],
            [controls[f"stride_{i}"].value for i in range(1, count + 1)],
            controls["input_size"].value,
            display_size,
        )
        views["map"].value = png_bytes(picture)
        views["legend"].value = overlap_legend(
            overlap_profile(
                [controls[f"kernel_{i}"].value for i in range(1, count + 1)],
                [controls[f"stride_{i}"].value for i in range(1, count + 1)],
                controls["input_size"].value,
            )
        )
        views["profile"].value = png_bytes(bars)
        views["text"].value = text

    rows = [
        widgets.HBox([controls["layers"], controls["input_size"]]),
        widgets.HBox(
            [widgets.VBox([controls[f"kernel_{i}"], controls[f"stride_{i}"]]) for i in (1, 2, 3)]
        ),
        caption("taps per output pixel", widgets.VBox([views["map"], views["legend"]])),
        caption("one row (shaded: interior)", views["profile"]),
        views["text"],
    ]
    panel = Panel(controls, views, rows, update)
    panel.refresh()
    return panel
