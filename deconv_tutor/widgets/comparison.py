"""The video comparison: clips side by side or with a wipe, frame by frame, with PSNR."""

from __future__ import annotations

import html
from collections.abc import Mapping

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from deconv_tutor import _validation as check
from deconv_tutor.widgets._shared import Panel, image_view, png_bytes

__all__ = ["render_compare", "video_compare"]


def _clips(clips):
    """Two or more named videos of one shape, as float32."""
    if not isinstance(clips, Mapping):
        raise TypeError(f"clips must be a dict of named videos, got {type(clips).__name__}")
    if len(clips) < 2:
        raise ValueError(f"clips must hold at least two named videos, got {len(clips)}")
    checked = {}
    for name, video in clips.items():
        array = check.float_array(video, f"clips[{name!r}]")
        check.video_layout(array.shape, f"clips[{name!r}]")
        checked[str(name)] = array
    shapes = {video.shape for video in checked.values()}
    if len(shapes) != 1:
        raise ValueError(
            f"clips must all have the same shape, got "
            f"{ {name: video.shape for name, video in checked.items()} }"
        )
    return checked


def render_compare(clips, frame, mode="side", wipe=0.5, against=None):
    """One frame of several clips, side by side or as a wipe between two.

    Parameters
    ----------
    clips : dict of str to array_like
        Two or more videos of one shape ``(T, H, W, C)``, float (values outside [0, 1],
        a model's raw output, are shown clipped).
    frame : int
        Frame index.
    mode : {"side", "wipe"}, optional
        ``"side"``: all clips left to right with a white gap. ``"wipe"``: the
        first clip left of the wipe line, ``against`` (default: the second)
        right of it, a yellow line between.
    wipe : float, optional
        Position of the wipe line, 0 (left edge) to 1 (right edge).
    against : str, optional
        The clip compared with the first in ``"wipe"`` mode.

    Returns
    -------
    ndarray of uint8, shape (H, W', 3)
        The picture.

    Examples
    --------
    >>> clips = {"noisy": np.zeros((2, 4, 6, 3)), "clean": np.ones((2, 4, 6, 3))}
    >>> render_compare(clips, 0).shape
    (4, 14, 3)
    >>> render_compare(clips, 1, mode="wipe", wipe=0.5)[0, :, 0].tolist()
    [0, 0, 0, 255, 255, 255]
    """
    checked = _clips(clips)
    first = next(iter(checked.values()))
    frames, height, width = first.shape[:3]
    frame = check.integer(
        frame, "frame", minimum=0, maximum=frames - 1, what=f"an integer in [0, {frames})"
    )
    check.choice(mode, "mode", ("side", "wipe"))
    wipe = check.number(wipe, "wipe", minimum=0.0, maximum=1.0)
    pictures = {}
    for name, video in checked.items():
        picture = check.to_uint8(video[frame], name, clip=True)
        pictures[name] = np.repeat(picture, 3, -1) if picture.shape[-1] == 1 else picture
    if mode == "side":
        gap = np.full((height, 2, 3), 255, np.uint8)
        parts = []
        for picture in pictures.values():
            parts.extend([picture, gap])
        return np.concatenate(parts[:-1], axis=1)
    names = list(pictures)
    against = names[1] if against is None else check.choice(against, "against", names[1:])
    cut = round(wipe * width)
    result = pictures[against].copy()
    result[:, :cut] = pictures[names[0]][:, :cut]
    if 0 < cut < width:
        result[:, cut] = (255, 220, 0)
    return result


def _psnr_strip(curves, frames, width_px=420, height_px=150):
    """The PSNR-per-frame plot as an RGB array, and a function frame -> pixel column."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = Figure(figsize=(width_px / 72, height_px / 72), dpi=72)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.1, 0.24, 0.68, 0.66))
    steps = np.arange(frames)
    notes = []
    for name, values in curves.items():
        finite = np.where(np.isfinite(values), values, np.nan)
        if np.all(np.isnan(finite)):
            notes.append(f"{name}: identical")
            continue
        ax.plot(steps, finite, marker="o", markersize=3, label=name)
    ax.set_xlim(-0.5, frames - 0.5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel("frame")
    ax.set_ylabel("PSNR (dB)")
    if ax.lines:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if notes:
        ax.set_title("; ".join(notes), fontsize=8)
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    columns = np.round(ax.transData.transform(np.c_[steps, np.zeros(frames)])[:, 0]).astype(int)
    y0, y1 = (np.round(pixels.shape[0] - ax.bbox.extents[[3, 1]])).astype(int)
    return pixels, columns, (max(y0, 0), min(y1, pixels.shape[0]))


def video_compare(clips, display_width=512):
    """Compare two or more clips: side by side or with a wipe, frame by frame, with PSNR.

    PSNR per frame against the first clip (:func:`deconv_tutor.metrics.psnr_per_frame`)
    is plotted under the pictures; a red line marks the current frame.

    Parameters
    ----------
    clips : dict of str to array_like
        Two or more videos of one shape ``(T, H, W, C)``; the first is the reference.
    display_width : int, optional
        Width of the comparison picture on screen.

    Returns
    -------
    Panel
        Controls ``mode`` ("side" / "wipe"), ``wipe`` (0-1), ``against`` (clip for
        the wipe), ``frame`` (with a linked ``play`` button); views ``picture``,
        ``psnr`` (images) and ``text``.

    Examples
    --------
    >>> clean = np.random.default_rng(0).random((3, 8, 8, 3)).astype(np.float32)
    >>> panel = video_compare({"clean": clean, "dark": clean * 0.9})
    >>> panel.controls["play"].value = 2
    >>> panel.controls["frame"].value
    2
    """
    from deconv_tutor import metrics

    checked = _clips(clips)
    display_width = check.integer(display_width, "display_width", minimum=1)
    names = list(checked)
    reference_clip = checked[names[0]]
    frames = reference_clip.shape[0]
    curves = {
        name: np.asarray(metrics.psnr_per_frame(reference_clip, checked[name]), float)
        for name in names[1:]
    }
    strip, columns, (y0, y1) = _psnr_strip(curves, frames)
    controls = {
        "mode": widgets.ToggleButtons(
            options=[("side by side", "side"), ("wipe", "wipe")], value="side", description="view"
        ),
        "wipe": widgets.FloatSlider(0.5, min=0.0, max=1.0, step=0.01, description="wipe"),
        "against": widgets.Dropdown(options=names[1:], value=names[1], description="against"),
        "frame": widgets.IntSlider(0, min=0, max=frames - 1, description="frame"),
        "play": widgets.Play(0, min=0, max=frames - 1, interval=125, description="play"),
    }
    widgets.link((controls["play"], "value"), (controls["frame"], "value"))
    views = {"picture": image_view(display_width), "psnr": image_view(), "text": widgets.HTML()}

    def update(panel):
        mode, index = controls["mode"].value, controls["frame"].value
        controls["wipe"].disabled = controls["against"].disabled = mode != "wipe"
        views["picture"].value = png_bytes(
            render_compare(checked, index, mode, controls["wipe"].value, controls["against"].value)
        )
        marked = strip.copy()
        marked[y0:y1, max(columns[index] - 1, 0) : columns[index] + 1] = (214, 39, 40)
        views["psnr"].value = png_bytes(marked)
        values = ", ".join(f"{name} {curves[name][index]:.2f} dB" for name in names[1:])
        shown = (
            " | ".join(names)
            if mode == "side"
            else f"{names[0]} ◀ wipe ▶ {controls['against'].value}"
        )
        views["text"].value = (
            f"frame {index} of 0–{frames - 1} · {html.escape(shown)} · PSNR vs "
            f"{html.escape(names[0])}: {html.escape(values)}"
        )

    rows = [
        widgets.HBox([controls["mode"], controls["wipe"], controls["against"]]),
        widgets.HBox([controls["play"], controls["frame"]]),
        views["picture"],
        views["text"],
        views["psnr"],
    ]
    panel = Panel(
        {name: control for name, control in controls.items() if name != "play"},
        views,
        rows,
        update,
    )
    panel.controls["play"] = controls["play"]
    panel.refresh()
    return panel
