"""The deconvnet widget: a chosen feature map of a frame, projected back to its pixels.

The projection itself is :mod:`deconv_tutor.deconvnet`; this module shows it.
"""

from __future__ import annotations

import html

import ipywidgets as widgets
import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor import deconvnet
from deconv_tutor.widgets._shared import (
    Panel,
    caption,
    clip_frames,
    image_view,
    png_bytes,
    viridis,
)

__all__ = ["deconvnet_projection", "render_projection"]


def render_projection(way_back, forward, channel, keep="max"):
    """The deconvnet widget's pictures for one channel of one frame's forward pass.

    Parameters
    ----------
    way_back : deconv_tutor.deconvnet.Projector
        The projector of the layer shown.
    forward : deconv_tutor.deconvnet.ForwardPass
        ``way_back.forward(frame)``.
    channel : int
        Channel of the layer.
    keep : {"max", "all"}, optional
        Project the strongest activation or the whole map.

    Returns
    -------
    activation : ndarray of uint8, shape (H', W', 3)
        The channel's map, viridis from 0 to its maximum (black for a silent channel).
    projection : ndarray, float32, shape of the frame
        :func:`deconv_tutor.deconvnet.to_display` of the projection (grey = 0).
    text : str
        Where the strongest activation is, and how to read the colours (HTML).

    Examples
    --------
    >>> import keras
    >>> from deconv_tutor import deconvnet
    >>> model = keras.Sequential([keras.Input((8, 8, 1)),
    ...                           keras.layers.Conv2D(2, 3, activation="relu", name="c")])
    >>> way_back = deconvnet.projector(model, "c")
    >>> forward = way_back.forward(np.random.default_rng(0).random((8, 8, 1)))
    >>> activation, projection, text = render_projection(way_back, forward, 1)
    >>> activation.shape, projection.shape
    ((6, 6, 3), (8, 8, 1))
    """
    if not isinstance(way_back, deconvnet.Projector):
        raise TypeError(f"way_back must be a deconvnet.Projector, got {type(way_back).__name__}")
    signal = way_back.project(forward, channel, keep)
    maps = forward.maps[..., channel]
    peak = float(maps.max())
    activation = viridis(maps / peak) if peak > 0 else np.zeros((*maps.shape, 3), np.uint8)
    row, col = np.unravel_index(np.argmax(maps), maps.shape)
    text = (
        f"<b>{html.escape(way_back.layer_name)}</b> channel {channel}: strongest activation "
        f"{peak:.3f} at ({row}, {col}) of {maps.shape[0]}×{maps.shape[1]}"
        + (" — this channel is silent on this frame, nothing to project" if peak <= 0 else "")
        + "<br>projection: grey = 0, light = positive, dark = negative"
    )
    return activation, deconvnet.to_display(signal), text


def deconvnet_projection(model, clip, display_width=192, *, layer=None):
    """Zeiler-Fergus projections of a chosen feature map back to the pixels of a frame.

    Any layer of the course's encoder-decoder can be chosen: an encoder layer
    (back through convolutions and unpooling) or a decoder layer (back through
    the transposed convolutions or upsamplings first), see
    :func:`deconv_tutor.deconvnet.project`.

    Parameters
    ----------
    model : keras.Model
        A model whose layers the deconvnet can pass back through (for example
        :func:`deconv_tutor.models.encoder_decoder`, either upsampling).
    clip : array_like
        A video ``(T, H, W, C)`` (or one frame) the model accepts, float.
    display_width : int, optional
        Width of each picture on screen.
    layer : str, optional
        The layer shown first, one of :func:`deconv_tutor.deconvnet.projectable_layers`;
        default the last.

    Returns
    -------
    Panel
        Controls ``layer`` (a menu of the projectable layers), ``channel``, ``frame``,
        ``keep`` ("max" / "all"); views ``input``, ``activation``, ``projection``
        (images) and ``text``. A layer name typed into the menu that cannot be projected
        shows a message naming the layer in the way. ``panel.cache`` holds one forward
        pass per ``(layer, frame)``: channels and modes reuse it.

    Examples
    --------
    >>> from deconv_tutor import models
    >>> model = models.encoder_decoder((16, 16, 3), filters=4, depth=2)
    >>> panel = deconvnet_projection(model, np.zeros((2, 16, 16, 3), np.float32),
    ...                              layer="up2_transpose")
    >>> panel.controls["layer"].options[-4:]
    ('up2_transpose', 'up1_transpose', 'output_conv', 'output')
    >>> panel.controls["channel"].max
    7
    >>> panel.controls["layer"].value = "down1_pool"
    >>> panel.controls["channel"].max
    3
    """
    video = clip_frames(clip)
    display_width = check.integer(display_width, "display_width", minimum=1)
    names = deconvnet.projectable_layers(model)
    if not names:
        raise ValueError(
            f"model must have layers a deconvnet can project ({deconvnet.SUPPORTED}), "
            f"got none in {model.name!r}"
        )
    if layer is None:
        layer = names[-1]
    if layer not in names:
        raise ValueError(
            f"layer must be one of the projectable layers ({', '.join(names)}), got {layer!r}"
        )
    controls = {
        "layer": widgets.Combobox(
            options=names,
            value=layer,
            description="layer",
            ensure_option=False,
            continuous_update=False,
        ),
        "channel": widgets.IntSlider(
            0, min=0, max=0, description="channel", continuous_update=False
        ),
        "frame": widgets.IntSlider(
            0, min=0, max=len(video) - 1, description="frame", continuous_update=False
        ),
        "keep": widgets.ToggleButtons(
            options=[("strongest activation", "max"), ("whole map", "all")],
            value="max",
            description="project",
        ),
    }
    views = {
        "input": image_view(display_width),
        "activation": image_view(display_width),
        "projection": image_view(display_width),
        "text": widgets.HTML(),
    }
    cache = {}
    shown = {"frame": None}

    def update(panel):
        layer_name, index = controls["layer"].value, controls["frame"].value
        way_back = deconvnet.projector(model, layer_name)
        key = (layer_name, index)
        if key not in cache:
            if len(cache) > 32:
                cache.clear()
            cache[key] = way_back.forward(video[index])
        forward = cache[key]
        channels = forward.maps.shape[-1]
        if controls["channel"].max != channels - 1:
            with panel.quiet():
                controls["channel"].max = channels - 1
        activation, projection, text = render_projection(
            way_back, forward, controls["channel"].value, controls["keep"].value
        )
        if shown["frame"] != index:
            views["input"].value = png_bytes(video[index])
            shown["frame"] = index
        views["activation"].value = png_bytes(activation)
        views["projection"].value = png_bytes(projection)
        views["text"].value = text

    rows = [
        widgets.HBox([controls["layer"], controls["channel"]]),
        widgets.HBox([controls["frame"], controls["keep"]]),
        widgets.HBox(
            [
                caption("frame", views["input"]),
                caption("activation (this channel)", views["activation"]),
                caption("projection to pixels", views["projection"]),
            ]
        ),
        views["text"],
    ]
    panel = Panel(controls, views, rows, update)
    panel.cache = cache
    panel.refresh()
    return panel
