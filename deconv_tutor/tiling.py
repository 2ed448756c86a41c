"""Run a restoration model on frames of any size: padding, overlapping tiles, seamless blending.

A convolutional restoration model takes a frame of any size, but not comfortably: memory
grows with the frame (a 1080p frame through a 32-filter encoder-decoder holds hundreds of
megabytes of feature maps), and models with strided layers need sizes that divide by the
product of their strides. :class:`Restorer` hides both:

- the frame is padded (mirror padding) at its bottom and right edges up to a multiple of
  the model's strides (:func:`size_multiple`), and the output cropped back;
- a frame of more pixels than one ``tile x tile`` tile (memory grows with the pixels, not
  with the longer side: a 640 x 360 frame needs less than a 512 x 512 tile) is cut into
  ``tile x tile`` tiles that overlap by ``overlap`` pixels; each tile's output is weighted
  by a window that falls from 1 to 0 across the overlap (a quarter of it at each end held
  at 0, where a tile's border pixels saw the zero padding of the model's convolutions),
  and the weighted outputs are summed and divided by the summed weights. The windows of two neighbours add
  up to one, so a smooth picture stays smooth and no seam is drawn. Tiles start on
  multiples of the model's strides, so each tile sees the pixel grid the whole frame
  would: away from the tile borders, tiled and whole-frame outputs agree to rounding.

:func:`apply` is the one-call form, on an array of frames.
"""

import numpy as np

from deconv_tutor import _validation as check

__all__ = ["Restorer", "apply", "size_multiple", "tile_starts"]

#: Default tile side (input pixels): a 512 x 512 tile of the 32-filter encoder-decoder holds
#: about 100 MB of feature maps per frame of a batch of four. A frame of at most 512 x 512
#: pixels in all runs whole, whatever its shape.
DEFAULT_TILE = 512
#: Default overlap of neighbouring tiles (input pixels); the reference models' receptive
#: fields are 25 (deblurrer) to about 40 (encoder-decoder, depth 2) pixels wide.
DEFAULT_OVERLAP = 32


def _layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers"):
            yield from _layers(layer)
        else:
            yield layer


def size_multiple(model):
    """The number a frame's height and width must divide by for ``model``.

    The product of the strides of its strided convolutions and pooling layers (a
    transposed convolution undoes a stride and adds none); 1 for a model without them.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    int

    Examples
    --------
    >>> from deconv_tutor import models
    >>> size_multiple(models.denoiser_encoder_decoder(channels=3, filters=8, depth=2))
    4
    >>> size_multiple(models.espcn(scale=2, channels=3, filters=8))
    1
    """
    import keras

    multiple = 1
    for layer in _layers(model):
        strides = None
        if isinstance(layer, keras.layers.Conv2DTranspose):
            continue
        if isinstance(layer, keras.layers.Conv2D | keras.layers.MaxPooling2D):
            strides = layer.strides
        elif isinstance(layer, keras.layers.AveragePooling2D):
            strides = layer.strides
        if strides is not None:
            multiple *= max(int(s) for s in strides)
    return multiple


def tile_starts(length, tile, overlap, multiple=1):
    """Where tiles start along one axis, so that they cover ``length`` pixels and overlap.

    Consecutive tiles start ``tile - overlap`` pixels apart (rounded down to a multiple of
    ``multiple``); the last one ends exactly at ``length``.

    Parameters
    ----------
    length : int
        Pixels along the axis (a multiple of ``multiple``).
    tile : int
        Tile side (a multiple of ``multiple``, at most ``length``).
    overlap : int
        Pixels shared by neighbours, less than ``tile``.
    multiple : int
        Every start is a multiple of it.

    Returns
    -------
    list of int

    Examples
    --------
    >>> tile_starts(854, 512, 32)
    [0, 342]
    >>> tile_starts(1280, 512, 32, multiple=4)
    [0, 480, 768]
    >>> tile_starts(400, 512, 32)
    [0]
    """
    length = check.integer(length, "length", minimum=1)
    multiple = check.integer(multiple, "multiple", minimum=1)
    tile = check.integer(tile, "tile", minimum=multiple)
    overlap = check.integer(overlap, "overlap", minimum=0)
    if tile >= length:
        return [0]
    step = (tile - overlap) // multiple * multiple
    if step < multiple:
        raise ValueError(
            f"overlap must leave a step of at least {multiple} pixel(s) between tiles, got "
            f"tile={tile} and overlap={overlap}"
        )
    starts = list(range(0, length - tile, step))
    last = (length - tile) // multiple * multiple
    if starts[-1] != last:
        starts.append(last)
    return starts


def _ramp(n):
    """Rising weights over ``n`` overlapping pixels: 0 for a quarter, linear, 1 for a quarter.

    ``ramp[i] + ramp[n - 1 - i] == 1``: a falling edge is the reversed rising one.
    """
    margin = n // 4
    span = max(n - 2 * margin, 1)
    return np.clip((np.arange(n) + 0.5 - margin) / span, 0.0, 1.0)


def _axis_weights(starts, tile, scale):
    """One weight vector (output pixels) per tile along an axis."""
    weights = []
    for index, start in enumerate(starts):
        w = np.ones(tile * scale)
        if index > 0:
            shared = (starts[index - 1] + tile - start) * scale
            w[:shared] = np.minimum(w[:shared], _ramp(shared))
        if index < len(starts) - 1:
            shared = (start + tile - starts[index + 1]) * scale
            w[tile * scale - shared :] = np.minimum(w[tile * scale - shared :], _ramp(shared)[::-1])
        weights.append(w)
    return weights


def _pad_to(frames, height, width):
    pad_h, pad_w = height - frames.shape[1], width - frames.shape[2]
    if pad_h == 0 and pad_w == 0:
        return frames
    # Mirror padding continues the picture; a frame smaller than the padding is edge-padded.
    mode = "symmetric" if pad_h <= frames.shape[1] and pad_w <= frames.shape[2] else "edge"
    return np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode=mode)


class Restorer:
    """A model wrapped to take frames of any size, in overlapping tiles when they are large.

    Parameters
    ----------
    model : keras.Model
        Takes ``(batch, h, w, channels)`` float32 in [0, 1] and returns
        ``(batch, s * h, s * w, channels)``, ``s`` the scale (1 for restoration).
    tile : int or None
        Tile side in input pixels (rounded down to a multiple of the model's strides);
        frames with both sides within it run whole. ``None``: always whole frames.
    overlap : int
        Pixels shared by neighbouring tiles, less than half of ``tile``.
    batch_size : int
        Tiles (or whole frames) per call of the model.

    Attributes
    ----------
    scale : int
        Output size over input size, measured once on a small frame of zeros.
    multiple : int
        What the padded frames divide by (:func:`size_multiple`).
    channels : int
        Channels the model takes and returns.

    Examples
    --------
    >>> from deconv_tutor import models
    >>> restorer = Restorer(models.espcn(scale=2, channels=3, filters=8), tile=16, overlap=4)
    >>> restorer.scale
    2
    >>> restorer(np.zeros((2, 20, 30, 3), "float32")).shape
    (2, 40, 60, 3)
    """

    def __init__(self, model, *, tile=DEFAULT_TILE, overlap=DEFAULT_OVERLAP, batch_size=4):
        if not hasattr(model, "predict_on_batch"):
            raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
        self.model = model
        self.multiple = size_multiple(model)
        self.batch_size = check.integer(batch_size, "batch_size", minimum=1)
        self.overlap = check.integer(overlap, "overlap", minimum=0)
        if tile is not None:
            tile = check.integer(
                tile, "tile", minimum=2 * self.overlap + 1, what="an integer > 2 * overlap"
            )
            tile = tile // self.multiple * self.multiple
            if tile < self.multiple:
                raise ValueError(
                    f"tile must be at least {self.multiple} pixels for this model (the product of "
                    f"its strides), got {tile}"
                )
        self.tile = tile
        self.channels, self.scale = self._probe()

    def _probe(self):
        shape = self.model.input_shape
        channels = shape[-1] if isinstance(shape, tuple) else None
        if channels is None:
            raise ValueError(
                f"model must take one input with a known channel count (batch, h, w, c), got "
                f"input shape {shape}"
            )
        side = self.multiple * max(1, -(-16 // self.multiple))
        probe = np.zeros((1, side, side + self.multiple, channels), np.float32)
        try:
            out = np.asarray(self.model.predict_on_batch(probe))
        except Exception as error:
            raise ValueError(
                f"model could not process a {side}x{side + self.multiple} frame of "
                f"{channels} channels: {error}"
            ) from error
        if out.ndim != 4 or out.shape[-1] != channels:
            raise ValueError(
                f"model must return frames with as many channels as it takes ({channels}), "
                f"got output shape {out.shape} for input {probe.shape}"
            )
        ratio_h, ratio_w = out.shape[1] / probe.shape[1], out.shape[2] / probe.shape[2]
        if ratio_h != ratio_w or ratio_h != int(ratio_h) or ratio_h < 1:
            raise ValueError(
                f"model output must be a whole-number scale of its input, got "
                f"{probe.shape[1:3]} -> {out.shape[1:3]}"
            )
        return channels, int(ratio_h)

    def _predict(self, batch):
        return np.asarray(self.model.predict_on_batch(batch), np.float32)

    def _whole(self, frames, height, width):
        s = self.scale
        outputs = [
            self._predict(frames[i : i + self.batch_size])
            for i in range(0, len(frames), self.batch_size)
        ]
        return np.concatenate(outputs)[:, : height * s, : width * s]

    def _tiled(self, frames, height, width):
        s = self.scale
        padded_h, padded_w = frames.shape[1:3]
        tile_h, tile_w = min(self.tile, padded_h), min(self.tile, padded_w)
        rows = tile_starts(padded_h, tile_h, self.overlap, self.multiple)
        cols = tile_starts(padded_w, tile_w, self.overlap, self.multiple)
        row_w, col_w = _axis_weights(rows, tile_h, s), _axis_weights(cols, tile_w, s)
        total = np.zeros((padded_h * s, padded_w * s), np.float32)
        for r, y in enumerate(rows):
            for c, x in enumerate(cols):
                total[y * s : (y + tile_h) * s, x * s : (x + tile_w) * s] += np.outer(
                    row_w[r], col_w[c]
                )
        out = np.zeros((len(frames), padded_h * s, padded_w * s, self.channels), np.float32)
        jobs = [
            (f, r, c, y, x) for f in range(len(frames)) for r, y in enumerate(rows)
            for c, x in enumerate(cols)
        ]  # fmt: skip
        for i in range(0, len(jobs), self.batch_size):
            chunk = jobs[i : i + self.batch_size]
            batch = np.stack([frames[f, y : y + tile_h, x : x + tile_w] for f, _, _, y, x in chunk])
            for (f, r, c, y, x), result in zip(chunk, self._predict(batch)):
                weight = np.outer(row_w[r], col_w[c]).astype(np.float32)[..., None]
                out[f, y * s : (y + tile_h) * s, x * s : (x + tile_w) * s] += result * weight
        out /= total[None, :, :, None]
        return out[:, : height * s, : width * s]

    def tiles_for(self, height, width):
        """How many tiles a ``height x width`` frame is cut into (1: it runs whole).

        A frame runs whole when it has no more pixels than one ``tile x tile`` tile (after
        padding to the model's size multiple), whatever its shape.

        Parameters
        ----------
        height, width : int
            Frame size in input pixels.

        Returns
        -------
        int

        Examples
        --------
        >>> from deconv_tutor import models
        >>> restorer = Restorer(models.espcn(2, 3, 8), tile=512, overlap=32)
        >>> restorer.tiles_for(480, 854), restorer.tiles_for(360, 640)  # 640 x 360 < 512 x 512
        (2, 1)
        """
        m = self.multiple
        padded_h, padded_w = -(-height // m) * m, -(-width // m) * m
        if self.tile is None or padded_h * padded_w <= self.tile**2:
            return 1
        tile_h, tile_w = min(self.tile, padded_h), min(self.tile, padded_w)
        return len(tile_starts(padded_h, tile_h, self.overlap, m)) * len(
            tile_starts(padded_w, tile_w, self.overlap, m)
        )

    def __call__(self, frames):
        """Restore frames: ``(n, h, w, c)`` in, ``(n, s*h, s*w, c)`` out, clipped to [0, 1].

        Parameters
        ----------
        frames : numpy.ndarray
            float ``(n, h, w, channels)`` in [0, 1], or one frame ``(h, w, channels)``.

        Returns
        -------
        numpy.ndarray
            float32, the shape of the input with ``h`` and ``w`` times :attr:`scale`.
        """
        array = check.float_array(frames, "frames")
        single = array.ndim == 3
        video = check.video(array[None] if single else array, "frames")
        if video.shape[-1] != self.channels:
            raise ValueError(
                f"frames must have {self.channels} channels for this model, got "
                f"{video.shape[-1]} (shape {video.shape})"
            )
        height, width = video.shape[1:3]
        m = self.multiple
        padded = _pad_to(video, -(-height // m) * m, -(-width // m) * m)
        if self.tiles_for(height, width) == 1:
            out = self._whole(padded, height, width)
        else:
            out = self._tiled(padded, height, width)
        out = np.clip(out, 0.0, 1.0)
        return out[0] if single else out


def apply(model, frames, *, tile=DEFAULT_TILE, overlap=DEFAULT_OVERLAP, batch_size=4):
    """Restore frames of any size with ``model``: padded, in overlapping tiles when large.

    The one call chapters and ``python -m deconv_tutor restore`` share for the model step
    (the command streams a file through a :class:`Restorer` a few frames at a time).

    Parameters
    ----------
    model : keras.Model
        A restoration model (same size out) or an upscaler (``scale`` times larger out).
    frames : numpy.ndarray
        float ``(n, h, w, channels)`` (or one ``(h, w, channels)`` frame) in [0, 1].
    tile : int or None
        Tile side in input pixels; frames within it run whole; ``None``: always whole.
    overlap : int
        Pixels shared by neighbouring tiles.
    batch_size : int
        Tiles or frames per model call.

    Returns
    -------
    numpy.ndarray
        float32 in [0, 1] (clipped), ``scale`` times larger for an upscaler.

    Examples
    --------
    >>> from deconv_tutor import models
    >>> model = models.denoiser_encoder_decoder(channels=3, filters=8, depth=2)
    >>> frames = np.random.default_rng(0).random((2, 30, 70, 3)).astype("float32")
    >>> whole = apply(model, frames, tile=None)
    >>> tiled = apply(model, frames, tile=32, overlap=12)
    >>> whole.shape == tiled.shape == frames.shape  # a fresh model is the identity
    True
    >>> bool(np.abs(whole - frames).max() < 1e-6 and np.abs(tiled - frames).max() < 1e-6)
    True
    """
    return Restorer(model, tile=tile, overlap=overlap, batch_size=batch_size)(frames)
