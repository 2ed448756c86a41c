"""Random (degraded, clean) patch pairs for ``model.fit``: :class:`PatchDataset`.

It subclasses a Keras class, and the rest of :mod:`deconv_tutor.data` must import without
Keras: ``data.PatchDataset`` loads this module on first use.
"""

from __future__ import annotations

import keras
import numpy as np

from deconv_tutor import _validation as check


class PatchDataset(keras.utils.PyDataset):
    """Random (degraded, clean) patch pairs cut from video clips, for ``model.fit``.

    Each clip is degraded once, when the dataset is built, so a noisy clip keeps one
    noise realisation and ``compress`` runs ffmpeg once per clip, not per batch. Batch
    ``index`` is drawn from ``numpy.random.default_rng([seed, index])``: the same index
    always gives the same batch, in any order and with any number of workers.

    Parameters
    ----------
    clean_clips : numpy.ndarray or sequence of numpy.ndarray
        One video or a list of videos, float32 ``(frames, height, width, channels)`` in
        [0, 1] (all with the same channel count).
    degrade : callable
        ``video -> degraded video``; for ``scale > 1`` it must return frames
        ``scale`` times smaller (e.g. ``lambda v: downscale(v, 2)``).
    patch_size : int
        Side of the clean patches; a multiple of ``scale`` and no larger than any clip.
    batch_size : int
        Patches per batch.
    steps : int
        Batches per epoch (``len(dataset)``).
    seed : int
        Seed of the patch positions.
    scale : int
        Super-resolution factor: degraded patches are ``patch_size // scale`` wide.
    **kwargs
        Passed to ``keras.utils.PyDataset`` (``workers``, ``use_multiprocessing``,
        ``max_queue_size``).

    Examples
    --------
    >>> from deconv_tutor.data import downscale, photo_clip
    >>> clips = [photo_clip("astronaut", frames=4, size=(32, 32))]
    >>> data = PatchDataset(clips, lambda v: downscale(v, 2), patch_size=16,
    ...                     batch_size=5, steps=3, scale=2)
    >>> degraded, clean = data[0]
    >>> len(data), degraded.shape, clean.shape
    (3, (5, 8, 8, 3), (5, 16, 16, 3))
    """

    def __init__(
        self, clean_clips, degrade, patch_size, batch_size, steps, seed=0, scale=1, **kwargs
    ):
        super().__init__(**kwargs)
        if isinstance(clean_clips, np.ndarray) and clean_clips.ndim == 4:
            clean_clips = [clean_clips]
        if isinstance(clean_clips, np.ndarray) or not isinstance(clean_clips, (list, tuple)):
            raise TypeError(
                "clean_clips must be a video (frames, height, width, channels) or a list of "
                f"videos, got {type(clean_clips).__name__}"
                + (f" of shape {clean_clips.shape}" if isinstance(clean_clips, np.ndarray) else "")
            )
        if not clean_clips:
            raise ValueError("clean_clips must hold at least one video, got an empty list")
        if not callable(degrade):
            raise TypeError(
                f"degrade must be a callable video -> video, got {type(degrade).__name__}"
            )
        self.scale, self.patch_size, self.batch_size, self.steps, self.seed = _sizes(
            scale, patch_size, batch_size, steps, seed
        )
        self.clean_clips = []
        self.degraded_clips = []
        for index, clip in enumerate(clean_clips):
            name = f"clean_clips[{index}]"
            clip = check.video(clip, name)
            if self.clean_clips and clip.shape[-1] != self.clean_clips[0].shape[-1]:
                raise ValueError(
                    f"{name} has {clip.shape[-1]} channels, but clean_clips[0] has "
                    f"{self.clean_clips[0].shape[-1]}"
                )
            frames, height, width, channels = clip.shape
            if min(height, width) < self.patch_size:
                raise ValueError(
                    f"patch_size must fit in every clip, got {self.patch_size} for {name} of "
                    f"{height}x{width} (height x width)"
                )
            degraded = check.float_array(degrade(clip), f"degrade({name})")
            expected = (frames, height // self.scale, width // self.scale, channels)
            if degraded.shape != expected:
                raise ValueError(
                    f"degrade({name}) must return shape {expected} (scale={self.scale}), "
                    f"got {degraded.shape}"
                )
            self.clean_clips.append(clip)
            self.degraded_clips.append(degraded)

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an integer, got {type(index).__name__}")
        if not 0 <= index < self.steps:
            raise IndexError(f"index must be in [0, {self.steps}), got {index}")
        rng = np.random.default_rng([self.seed, int(index)])
        small = self.patch_size // self.scale
        channels = self.clean_clips[0].shape[-1]
        degraded = np.empty((self.batch_size, small, small, channels), dtype=np.float32)
        clean = np.empty(
            (self.batch_size, self.patch_size, self.patch_size, channels), dtype=np.float32
        )
        for b in range(self.batch_size):
            k = rng.integers(len(self.clean_clips))
            low = self.degraded_clips[k]
            t = rng.integers(low.shape[0])
            # Positions on the low-resolution grid, so both patches show the same area.
            y = rng.integers(low.shape[1] - small + 1)
            x = rng.integers(low.shape[2] - small + 1)
            degraded[b] = low[t, y : y + small, x : x + small]
            Y, X = y * self.scale, x * self.scale
            clean[b] = self.clean_clips[k][t, Y : Y + self.patch_size, X : X + self.patch_size]
        return degraded, clean


#: Scales (relative to the full photo) of the pyramid :class:`PhotoPatches` crops from.
PHOTO_SCALES = (1.0, 0.7, 0.5, 0.35)


class PhotoPatches(keras.utils.PyDataset):
    """Augmented (degraded, clean) patch pairs cut from photos, new ones every epoch.

    Each photo is first shrunk (with anti-aliasing) to every scale of ``scales``: the
    pyramid gives the same scene at several sizes, and a photo shrunk by half or more
    loses its JPEG blocks and sensor noise, so the clean patches are clean. A patch is a
    random crop of a random photo at a random scale, passed through
    :func:`~deconv_tutor.data.photos.augment` (flips and quarter turns, colour jitter;
    grey photos are tinted). The clean batch is then degraded by ``degrade(clean,
    seed)`` with a seed of its own, so noise is fresh at every batch and yet repeatable.

    Batch ``index`` of epoch ``epoch`` is drawn from
    ``numpy.random.default_rng([seed, epoch, index])``: a run that sets the same seed sees
    the same batches, and each epoch sees new ones (Keras calls :meth:`on_epoch_end`).

    Parameters
    ----------
    photos : dict of str to numpy.ndarray, or sequence of numpy.ndarray
        Colour images ``(height, width, 3)`` in [0, 1], e.g.
        :func:`~deconv_tutor.data.photos.train_photos`. A dict's grey photos (three equal
        channels) are tinted by the augmentation.
    degrade : callable
        ``(clean_batch, seed) -> degraded_batch`` on ``(batch, patch, patch, 3)`` arrays
        (a batch of patches has the layout of a video); for ``scale > 1`` it must return
        patches ``scale`` times smaller, e.g. ``lambda batch, seed: downscale(batch, 2)``.
    patch_size : int
        Side of the clean patches; a multiple of ``scale``.
    batch_size : int
        Patches per batch.
    steps : int
        Batches per epoch (``len(dataset)``).
    seed : int
        Seed of every random choice.
    scale : int
        Super-resolution factor, checked against what ``degrade`` returns.
    flips : bool
        Random flips and quarter turns (turn off for a directional blur).
    colour : bool
        Random colour jitter.
    scales : sequence of float
        Pyramid scales in (0, 1]; a photo too small for a patch at some scale skips it.
    **kwargs
        Passed to ``keras.utils.PyDataset``.

    Examples
    --------
    >>> from deconv_tutor.data import add_gaussian_noise, photos
    >>> patches = PhotoPatches(
    ...     photos.train_photos(),
    ...     lambda batch, seed: add_gaussian_noise(batch, 25 / 255, seed=seed),
    ...     patch_size=24, batch_size=4, steps=2, seed=0)
    >>> noisy, clean = patches[0]
    >>> len(patches), noisy.shape, clean.shape
    (2, (4, 24, 24, 3), (4, 24, 24, 3))
    >>> bool((patches[0][1] == clean).all())
    True
    """

    def __init__(
        self,
        photos,
        degrade,
        patch_size,
        batch_size,
        steps,
        seed=0,
        scale=1,
        flips=True,
        colour=True,
        scales=PHOTO_SCALES,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(photos, dict):
            items = list(photos.items())
        elif isinstance(photos, (list, tuple)):
            items = [(f"photos[{index}]", photo) for index, photo in enumerate(photos)]
        else:
            raise TypeError(
                f"photos must be a dict of name -> image or a list of images, got "
                f"{type(photos).__name__}"
            )
        if not items:
            raise ValueError("photos must hold at least one image, got none")
        if not callable(degrade):
            raise TypeError(
                f"degrade must be a callable (clean_batch, seed) -> degraded batch, got "
                f"{type(degrade).__name__}"
            )
        self.degrade = degrade
        self.scale, self.patch_size, self.batch_size, self.steps, self.seed = _sizes(
            scale, patch_size, batch_size, steps, seed
        )
        self.flips = check.boolean(flips, "flips")
        self.colour = check.boolean(colour, "colour")
        if not isinstance(scales, (list, tuple)) or not scales:
            raise TypeError(f"scales must be a non-empty sequence of numbers, got {scales!r}")
        scales = [
            check.number(value, f"scales[{index}]", minimum=0, exclusive_minimum=True, maximum=1)
            for index, value in enumerate(scales)
        ]
        self.epoch = 0
        # (pyramid level, is grey) per (photo, scale) that can hold a patch.
        self.levels = []
        for name, photo in items:
            photo = check.image(photo, name, channels=(3,))
            if photo.ndim != 3:
                raise ValueError(f"{name} must be (height, width, 3), got shape {photo.shape}")
            check.unit_range(photo, name)
            grey = bool(np.array_equal(photo[..., 0], photo[..., 1])) and bool(
                np.array_equal(photo[..., 1], photo[..., 2])
            )
            for factor in scales:
                level = _shrink(photo, factor)
                if min(level.shape[:2]) >= self.patch_size:
                    self.levels.append((level, grey))
        if not self.levels:
            raise ValueError(
                f"patch_size must fit in at least one photo, got {self.patch_size} for photos "
                f"of at most {max(max(p.shape[:2]) for _, p in items)} pixels"
            )

    def __len__(self):
        return self.steps

    def _clean_batch(self, index):
        """The clean patches of batch ``index`` of the current epoch, and the batch's rng."""
        rng = np.random.default_rng([self.seed, self.epoch, int(index)])
        size = self.patch_size
        clean = np.empty((self.batch_size, size, size, 3), dtype=np.float32)
        for b in range(self.batch_size):
            level, grey = self.levels[rng.integers(len(self.levels))]
            y = rng.integers(level.shape[0] - size + 1)
            x = rng.integers(level.shape[1] - size + 1)
            crop = level[y : y + size, x : x + size]
            clean[b] = _augment(crop, rng, flips=self.flips, colour=self.colour, colourise=grey)
        return clean, rng

    def __getitem__(self, index):
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an integer, got {type(index).__name__}")
        if not 0 <= index < self.steps:
            raise IndexError(f"index must be in [0, {self.steps}), got {index}")
        clean, rng = self._clean_batch(index)
        degraded = check.float_array(
            self.degrade(clean, int(rng.integers(2**31))), "degrade(clean_batch, seed)"
        )
        small = self.patch_size // self.scale
        expected = (self.batch_size, small, small, 3)
        if degraded.shape != expected:
            raise ValueError(
                f"degrade(clean_batch, seed) must return shape {expected} (scale={self.scale}), "
                f"got {degraded.shape}"
            )
        return degraded, clean

    def on_epoch_end(self):
        self.epoch += 1


def _augment(crop, rng, **options):
    from deconv_tutor.data.photos import augment

    return augment(crop, rng, **options)


def _shrink(photo, factor):
    if factor == 1.0:
        return np.asarray(photo, dtype=np.float32)
    from skimage.transform import resize

    shape = (max(1, round(photo.shape[0] * factor)), max(1, round(photo.shape[1] * factor)))
    shrunk = resize(photo, shape, order=1, anti_aliasing=True)
    return np.clip(shrunk, 0.0, 1.0).astype(np.float32)


def _sizes(scale, patch_size, batch_size, steps, seed):
    """The checked sizes both patch datasets take: a patch must hold whole ``scale`` blocks."""
    scale = check.integer(scale, "scale", minimum=1)
    patch_size = check.integer(patch_size, "patch_size", minimum=1)
    if patch_size % scale:
        raise ValueError(f"patch_size must be a multiple of scale={scale}, got {patch_size}")
    return (
        scale,
        patch_size,
        check.integer(batch_size, "batch_size", minimum=1),
        check.integer(steps, "steps", minimum=1),
        check.integer(seed, "seed", minimum=0),
    )
