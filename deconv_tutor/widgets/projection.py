"""The deconvnet widget: a chosen feature map of a frame, projected back to its pixels.

The projection itself is :mod:`deconv_tutor.deconvnet`; this module shows it.
"""

from __future__ import annotations

import collections
import concurrent.futures
import html

import ipywidgets as widgets
import keras
import numpy as np

from deconv_tutor import _graph, deconvnet
from deconv_tutor import _validation as check
from deconv_tutor.widgets._shared import (
    Panel,
    caption,
    clip_frames,
    image_view,
    png_bytes,
    viridis,
)

__all__ = ["ForwardPasses", "deconvnet_projection", "render_projection", "strongest_channel"]

#: Forward passes a panel keeps (the least recently used go first). One pass of the course's
#: denoiser up to ``up1_transpose`` holds 20 MB at 256x256 (1.2 MB at chapter 10's 64x64).
_KEPT = 9
#: Frames of the shown layer computed ahead, nearest to the shown one first: the whole clip
#: when it has at most :data:`_KEPT` frames (chapter 10's has 8).
_AHEAD = _KEPT - 1
_worker = None


def _shared_worker():
    """The one thread every panel's forward passes run on, started at first use.

    One thread for all panels: two panels never run their passes at once, and a panel's work
    ahead never competes with another's for the cores.
    """
    global _worker
    if _worker is None:
        _worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="deconvnet")
    return _worker


def _run_now(function, *args):
    """``function(*args)`` in this thread, as a finished future (its error kept in it)."""
    future = concurrent.futures.Future()
    try:
        future.set_result(function(*args))
    except Exception as error:  # noqa: BLE001 (given back by result(), like a worker's)
        future.set_exception(error)
    return future


class ForwardPasses:
    """A deconvnet panel's forward passes, one per ``(layer, frame)``, some computed ahead.

    A new frame costs the panel one forward pass up to the layer (on the course's denoiser
    at 256x256, more than half of a frame-slider move). So, once a frame is drawn, the
    frames next to it are run on a worker thread while the learner looks at the picture,
    and a move to one of them finds its pass done. A request from the panel first cancels
    its work ahead that has not started, so it waits for one running pass at most (and for
    what another open panel queued on the same thread).

    Not on JAX: Keras's JAX predict step donates the model's variable buffers and puts new
    ones back, so a model must not be used from two threads at once (the learner's next
    cell would race the worker). There every pass is computed when asked, in the caller's
    thread, and nothing is computed ahead.

    Parameters
    ----------
    kept : int, optional
        How many passes to keep; the least recently used are dropped first.

    Attributes
    ----------
    computed : list of tuple
        Every ``(layer, frame)`` computed, in order (each once while it is kept).
    computes_ahead : bool
        Whether passes run on the worker thread and frames are computed ahead (every
        backend but JAX).

    Examples
    --------
    >>> import keras
    >>> from deconv_tutor import deconvnet
    >>> model = keras.Sequential([keras.Input((8, 8, 1)),
    ...                           keras.layers.Conv2D(2, 3, activation="relu", name="c")])
    >>> way_back = deconvnet.projector(model, "c")
    >>> clip = np.random.default_rng(0).random((3, 8, 8, 1), dtype=np.float32)
    >>> passes = ForwardPasses()
    >>> passes.get(way_back, clip, 0).maps.shape
    (6, 6, 2)
    >>> passes.ahead(way_back, clip, 0)
    >>> passes.wait()
    >>> sorted(passes) == ([("c", 0), ("c", 1), ("c", 2)] if passes.computes_ahead else [("c", 0)])
    True
    """

    def __init__(self, kept=_KEPT):
        self._kept = check.integer(kept, "kept", minimum=1)
        self._futures = collections.OrderedDict()
        self.computed = []
        self.computes_ahead = keras.backend.backend() != "jax"

    def __iter__(self):
        return iter(self._futures)

    def __len__(self):
        return len(self._futures)

    def _run(self, way_back, frame, key):
        forward = way_back.forward(frame)
        self.computed.append(key)
        return forward

    def _submit(self, way_back, clip, index):
        key = (way_back.layer_name, index)
        future = self._futures.get(key)
        if future is None:
            run = _shared_worker().submit if self.computes_ahead else _run_now
            future = run(self._run, way_back, clip[index], key)
            self._futures[key] = future
        self._futures.move_to_end(key)
        while len(self._futures) > self._kept:
            self._futures.popitem(last=False)[1].cancel()
        return future

    def get(self, way_back, clip, index):
        """The forward pass of one frame up to a layer, computed now or ahead.

        Waits for it if it is being computed; computes it first if not (cancelling this
        panel's work ahead that has not started). An error of the pass is raised here.

        Parameters
        ----------
        way_back : deconv_tutor.deconvnet.Projector
            The projector of the layer.
        clip : numpy.ndarray
            The panel's frames ``(T, H, W, C)``.
        index : int
            The frame.

        Returns
        -------
        deconv_tutor.deconvnet.ForwardPass
        """
        # cancel() stops only the passes not started yet; a running one finishes.
        for key in [key for key, future in self._futures.items() if future.cancel()]:
            del self._futures[key]
        return self._submit(way_back, clip, index).result()

    def ahead(self, way_back, clip, index):
        """Queue the passes of the frames nearest to one, those not kept yet, nearest first.

        Parameters
        ----------
        way_back : deconv_tutor.deconvnet.Projector
            The projector of the layer.
        clip : numpy.ndarray
            The panel's frames ``(T, H, W, C)``.
        index : int
            The frame shown: :data:`_AHEAD` frames around it are queued (fewer than ``kept``).
        """
        if not self.computes_ahead:
            return
        order = sorted(range(len(clip)), key=lambda other: (abs(other - index), -other))
        for other in order[1 : min(_AHEAD, self._kept - 1) + 1]:
            self._submit(way_back, clip, other)
        # The shown frame stays the most recently used, so it is the last to be dropped.
        if (way_back.layer_name, index) in self._futures:
            self._futures.move_to_end((way_back.layer_name, index))

    def wait(self):
        """Block until the work queued so far is done (errors stay with their pass)."""
        concurrent.futures.wait(list(self._futures.values()))

    def clear(self):
        """Forget every pass (the next request computes afresh)."""
        for future in self._futures.values():
            future.cancel()
        self._futures.clear()


def _contrast(signal, percentile):
    """The projection scaled so that the ``percentile``-th percentile of its non-zero ``|p|``
    maps to black / white, clipped beyond (100: the plain ``to_display``).

    One strong pixel would otherwise scale everything else to grey.
    """
    magnitude = np.abs(signal)
    active = magnitude[magnitude > 0]
    if percentile >= 100 or active.size == 0:
        return deconvnet.to_display(signal), float(magnitude.max())
    # A percentile of a regular sample of at most 2**15 values: a contrast, not a statistic,
    # and a few milliseconds less per slider move on a 256x256 frame.
    sample = active[:: max(1, active.size // 2**15)]
    scale = float(np.percentile(sample, percentile))
    return np.clip(signal / (2.0 * scale) + 0.5, 0.0, 1.0).astype(np.float32), scale


def strongest_channel(forward):
    """The channel with the largest activation anywhere in ``forward``'s maps.

    The deconvnet widget opens on it: channel 0 may be silent on the frame (a ReLU unit
    that never fires), and its projection is a plain grey picture.

    Parameters
    ----------
    forward : deconv_tutor.deconvnet.ForwardPass
        A projector's forward pass.

    Returns
    -------
    int
        The channel index.

    Examples
    --------
    >>> import keras
    >>> from deconv_tutor import deconvnet
    >>> model = keras.Sequential([keras.Input((8, 8, 1)),
    ...                           keras.layers.Conv2D(3, 3, activation="relu", name="c")])
    >>> way_back = deconvnet.projector(model, "c")
    >>> forward = way_back.forward(np.random.default_rng(0).random((8, 8, 1)))
    >>> strongest_channel(forward) == int(np.argmax(forward.maps.max(axis=(0, 1))))
    True
    """
    return int(np.argmax(forward.maps.reshape(-1, forward.maps.shape[-1]).max(axis=0)))


def render_projection(way_back, forward, channel, keep="max", percentile=99.0):
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
    percentile : float, optional
        Contrast: this percentile of the projection's non-zero magnitudes is drawn black or
        white, stronger values clipped; 100 scales by the largest (one strong pixel then
        leaves the rest nearly grey).

    Returns
    -------
    activation : ndarray of uint8, shape (H', W', 3)
        The channel's map, viridis from 0 to its maximum (black for a silent channel).
    projection : ndarray, float32, shape of the frame
        The projection in [0, 1], grey = 0 (:func:`deconv_tutor.deconvnet.to_display`
        with the contrast of ``percentile``).
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
    percentile = check.number(
        percentile, "percentile", minimum=0, maximum=100, exclusive_minimum=True
    )
    signal = way_back.project(forward, channel, keep)
    shown, scale = _contrast(signal, percentile)
    maps = forward.maps[..., channel]
    peak = float(maps.max())
    activation = viridis(maps / peak) if peak > 0 else np.zeros((*maps.shape, 3), np.uint8)
    row, col = np.unravel_index(np.argmax(maps), maps.shape)
    text = (
        f"<b>{html.escape(way_back.layer_name)}</b> channel {channel}: strongest activation "
        f"{peak:.3f} at ({row}, {col}) of {maps.shape[0]}×{maps.shape[1]}"
        + (" — this channel is silent on this frame, nothing to project" if peak <= 0 else "")
        + "<br>projection: grey = 0, light = positive, dark = negative; "
        + f"white / black at ±{scale:.3g}"
        + (
            f" (the {percentile:g}th percentile of |p|, beyond it clipped)"
            if percentile < 100
            else ""
        )
    )
    return activation, shown, text


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
        default the last. The widget opens on the channel of that layer that is strongest
        on the first frame (:func:`strongest_channel`), drawn with the contrast of
        :func:`render_projection`.

    Returns
    -------
    Panel
        Controls ``layer`` (a menu of the projectable layers), ``channel``, ``frame``,
        ``keep`` ("max" / "all"); views ``input``, ``activation``, ``projection``
        (images) and ``text``. A layer name typed into the menu that cannot be projected
        shows a message naming the layer in the way. ``panel.cache`` (a
        :class:`ForwardPasses`) holds one forward pass per ``(layer, frame)``: channels and
        modes reuse it, and (except on JAX) the frames next to the one shown are computed
        ahead on a worker thread while the learner looks.

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
    # A clip the model cannot take is refused here, by name, not at the first slider move.
    check.image(video[0], "clip", like=_graph.image_input_shape(model))
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
            # "auto": each button as wide as its label ("strongest activati..." was cut).
            style={"button_width": "auto"},
        ),
    }
    views = {
        "input": image_view(display_width),
        "activation": image_view(display_width),
        "projection": image_view(display_width),
        "text": widgets.HTML(),
    }
    passes = ForwardPasses()
    shown = {"frame": None, "activation": None}

    def update(panel):
        layer_name, index = controls["layer"].value, controls["frame"].value
        way_back = deconvnet.projector(model, layer_name)
        forward = passes.get(way_back, video, index)
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
        # The activation does not depend on "keep": a toggle re-encodes the projection only.
        drawn = shown["activation"]
        if drawn is None or drawn[0] is not forward or drawn[1] != controls["channel"].value:
            views["activation"].value = png_bytes(activation)
            shown["activation"] = (forward, controls["channel"].value)
        views["projection"].value = png_bytes(projection)
        views["text"].value = text
        passes.ahead(way_back, video, index)

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
    panel.cache = passes
    with panel.hold():
        # Open on a channel that fires: channel 0 may be silent, a flat grey projection.
        first = passes.get(deconvnet.projector(model, layer), video, 0)
        controls["channel"].max = first.maps.shape[-1] - 1
        controls["channel"].value = strongest_channel(first)
    return panel
