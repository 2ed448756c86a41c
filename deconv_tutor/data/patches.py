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
        self.scale = check.integer(scale, "scale", minimum=1)
        self.patch_size = check.integer(patch_size, "patch_size", minimum=1)
        if self.patch_size % self.scale:
            raise ValueError(
                f"patch_size must be a multiple of scale={self.scale}, got {self.patch_size}"
            )
        self.batch_size = check.integer(batch_size, "batch_size", minimum=1)
        self.steps = check.integer(steps, "steps", minimum=1)
        self.seed = check.integer(seed, "seed", minimum=0)
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
