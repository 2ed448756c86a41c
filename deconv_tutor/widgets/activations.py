"""The feature-map explorer: any layer's activations, any channel, any frame of a clip."""

from __future__ import annotations

import html
import math

import ipywidgets as widgets
import keras
import numpy as np

from deconv_tutor import _graph
from deconv_tutor import _validation as check
from deconv_tutor.widgets._shared import (
    Panel,
    caption,
    clip_frames,
    image_view,
    png_bytes,
    viridis,
)

__all__ = ["feature_map_explorer", "feature_map_layers", "feature_maps", "render_feature_maps"]


def _output_rank(layer):
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):  # layers used several times have no single output
        return None


def feature_map_layers(model):
    """Names of the layers whose outputs are feature maps (4-D: batch, H, W, channels).

    Parameters
    ----------
    model : keras.Model
        Any model with one image input.

    Returns
    -------
    list of str
        In the order of ``model.layers``.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="c"),
    ...                           keras.layers.Flatten(name="f")])
    >>> feature_map_layers(model)
    ['c']
    """
    _graph.image_input_shape(model)
    return [
        layer.name
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer) and _output_rank(layer) == 4
    ]


def feature_maps(model, frame, layer_name):
    """The activations of one layer for one frame.

    Parameters
    ----------
    model : keras.Model
        Any model with one image input (channels-last).
    frame : array_like, shape (H, W, C)
        One frame the model accepts.
    layer_name : str
        A name from :func:`feature_map_layers`.

    Returns
    -------
    ndarray, float32, shape (H', W', channels)
        The layer's output for the frame.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="c")])
    >>> feature_maps(model, np.zeros((8, 8, 1)), "c").shape
    (6, 6, 2)
    """
    batch = _graph.frame_batch(model, frame)
    names = [layer.name for layer in model.layers]
    if not isinstance(layer_name, str):
        raise TypeError(
            f"layer_name must be the name (str) of a layer, got {type(layer_name).__name__} "
            f"{layer_name!r:.80}"
        )
    if layer_name not in names:
        raise ValueError(
            f"layer_name must name a layer of {model.name!r} ({', '.join(names)}), "
            f"got {layer_name!r}"
        )
    layer = model.get_layer(layer_name)
    if _output_rank(layer) != 4 or isinstance(layer, keras.layers.InputLayer):
        raise ValueError(
            f"layer_name must name a layer with 4-D feature maps "
            f"({', '.join(feature_map_layers(model))}), got {layer_name!r}"
        )
    submodel = _graph.submodel(model, ("maps", layer_name), layer.output)
    values = submodel([batch], training=False)
    return np.asarray(keras.ops.convert_to_numpy(values)[0], dtype=np.float32)


def _tile(maps, ncols, tile=96, gap=2):
    """(N, h, w) values in [0, 1] -> one uint8 RGB grid, each map drawn about ``tile`` pixels.

    Small maps are enlarged by pixel repetition; large ones shrunk by block
    averaging (edge-padded to whole blocks), which keeps the grid quick to send.
    """
    count, height, width = maps.shape
    largest = max(height, width)
    if largest > tile:
        factor = math.ceil(largest / tile)
        padded = np.pad(maps, ((0, 0), (0, -height % factor), (0, -width % factor)), mode="edge")
        maps = padded.reshape(
            count, padded.shape[1] // factor, factor, padded.shape[2] // factor, factor
        ).mean(axis=(2, 4))
        height, width = maps.shape[1:]
    scale = max(1, tile // max(height, width))
    nrows = math.ceil(count / ncols)
    cell_h, cell_w = height * scale, width * scale
    grid = np.full((nrows * (cell_h + gap) - gap, ncols * (cell_w + gap) - gap, 3), 255, np.uint8)
    coloured = viridis(maps)
    if scale > 1:
        coloured = np.repeat(np.repeat(coloured, scale, axis=1), scale, axis=2)
    for index in range(count):
        row, col = divmod(index, ncols)
        grid[
            row * (cell_h + gap) : row * (cell_h + gap) + cell_h,
            col * (cell_w + gap) : col * (cell_w + gap) + cell_w,
        ] = coloured[index]
    return grid


def render_feature_maps(activations, first_channel=0, count=16, ncols=4):
    """A grid of feature maps and their statistics.

    Each map is scaled from its own min to its own max (viridis: dark low,
    yellow high); a constant map is drawn dark. Maps are drawn about 96 pixels
    wide: small ones enlarged, large ones block-averaged.

    Parameters
    ----------
    activations : array_like, shape (H, W, channels)
        From :func:`feature_maps`.
    first_channel : int, optional
        First channel shown.
    count : int, optional
        How many channels (fewer when the layer has fewer left).
    ncols : int, optional
        Columns of the grid.

    Returns
    -------
    grid : ndarray of uint8, shape (rows, cols, 3)
        The maps, tiled.
    stats : dict
        Over the whole layer: ``mean``, ``std``, ``fraction_zero``, ``min``,
        ``max``; and ``channels``: the list of shown channel indices.

    Examples
    --------
    >>> maps = np.maximum(np.random.default_rng(0).normal(size=(8, 8, 6)), 0)
    >>> grid, stats = render_feature_maps(maps, count=4, ncols=2)
    >>> grid.dtype, stats["channels"], round(stats["fraction_zero"], 2)
    (dtype('uint8'), [0, 1, 2, 3], 0.53)
    """
    values = check.real_array(
        activations, "activations", ndims=(3,), shape_text="(H, W, channels)"
    ).astype(np.float32, copy=False)
    channels = values.shape[-1]
    first_channel = check.integer(
        first_channel,
        "first_channel",
        minimum=0,
        maximum=channels - 1,
        what=f"an integer in [0, {channels})",
    )
    count = check.integer(count, "count", minimum=1)
    ncols = check.integer(ncols, "ncols", minimum=1)
    shown = list(range(first_channel, min(first_channel + count, channels)))
    maps = np.moveaxis(values[..., shown], -1, 0)
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    scaled = np.where(span > 0, (maps - low) / np.where(span > 0, span, 1.0), 0.0)
    stats = {
        "mean": float(values.mean()),
        "std": float(values.std()),
        "fraction_zero": float(np.mean(values == 0.0)),
        "min": float(values.min()),
        "max": float(values.max()),
        "channels": shown,
    }
    return _tile(scaled, min(ncols, len(shown))), stats


def _stats_html(stats, layer_name, shape):
    return (
        f"<b>{html.escape(layer_name)}</b> {shape[0]}×{shape[1]}×{shape[2]} · channels "
        f"{stats['channels'][0]}–{stats['channels'][-1]} shown · mean {stats['mean']:.3f}"
        f" · std {stats['std']:.3f} · zero {100 * stats['fraction_zero']:.1f}% · range "
        f"[{stats['min']:.3f}, {stats['max']:.3f}]"
    )


def feature_map_explorer(model, clip, count=16, ncols=4):
    """Look inside any Keras model: any layer with feature maps, any channel, any frame.

    Parameters
    ----------
    model : keras.Model
        One image input, channels-last.
    clip : array_like
        A video ``(T, H, W, C)`` (or one frame) the model accepts, float.
    count : int, optional
        Channels per page.
    ncols : int, optional
        Grid columns.

    Returns
    -------
    Panel
        Controls ``layer`` (all layers with 4-D outputs), ``first_channel``,
        ``frame`` (with a ``play`` button); views ``input``, ``maps`` (images),
        ``stats`` (HTML). ``panel.cache`` holds the activations computed so far,
        by ``(layer, frame)``, so paging through channels does not rerun the model.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((16, 16, 3)),
    ...                           keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
    ...                           keras.layers.MaxPooling2D(name="p1")])
    >>> panel = feature_map_explorer(model, np.zeros((2, 16, 16, 3)))
    >>> panel.controls["layer"].options
    ('c1', 'p1')
    >>> panel.controls["layer"].value = "p1"
    >>> "p1</b> 7×7×4" in panel.views["stats"].value
    True
    """
    video = clip_frames(clip)
    # A clip the model cannot take is refused here, by name, not at the first slider move.
    check.image(video[0], "clip", like=_graph.image_input_shape(model))
    count = check.integer(count, "count", minimum=1)
    ncols = check.integer(ncols, "ncols", minimum=1)
    names = feature_map_layers(model)
    if not names:
        raise ValueError(
            f"model must have at least one layer with 4-D outputs, got none in {model.name!r}"
        )
    controls = {
        # A combobox: pick from the list, or type a name (a wrong one gets a message).
        "layer": widgets.Combobox(
            options=names,
            value=names[0],
            description="layer",
            ensure_option=False,
            continuous_update=False,
        ),
        # "initial": the label gets its own width ("channels from" was cut to "channels f...").
        "first_channel": widgets.IntSlider(
            0,
            min=0,
            max=0,
            step=count,
            description="channels from",
            continuous_update=False,
            style={"description_width": "initial"},
        ),
        "frame": widgets.IntSlider(0, min=0, max=len(video) - 1, description="frame"),
        "play": widgets.Play(0, min=0, max=len(video) - 1, interval=250, description="play"),
    }
    widgets.link((controls["play"], "value"), (controls["frame"], "value"))
    views = {"input": image_view(192), "maps": image_view(), "stats": widgets.HTML()}
    cache = {}

    def update(panel):
        layer_name, index = controls["layer"].value, controls["frame"].value
        key = (layer_name, index)
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[key] = feature_maps(model, video[index], layer_name)
        values = cache[key]
        channels = values.shape[-1]
        if controls["first_channel"].max != max(channels - 1, 0):
            with panel.quiet():
                controls["first_channel"].max = max(channels - 1, 0)
        first = min(controls["first_channel"].value, channels - 1)
        grid, stats = render_feature_maps(values, first, count, ncols)
        views["input"].value = png_bytes(video[index])
        views["maps"].value = png_bytes(grid)
        views["stats"].value = _stats_html(stats, layer_name, values.shape)

    rows = [
        widgets.HBox([controls["layer"], controls["first_channel"]]),
        widgets.HBox([controls["play"], controls["frame"]]),
        widgets.HBox([caption("frame", views["input"]), caption("feature maps", views["maps"])]),
        views["stats"],
    ]
    panel = Panel(
        {name: control for name, control in controls.items() if name != "play"},
        views,
        rows,
        update,
    )
    panel.controls["play"] = controls["play"]
    panel.cache = cache
    panel.refresh()
    return panel
