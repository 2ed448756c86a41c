"""What the restoration modules share: input checks and per-channel application.

A video is float32 ``(frames, height, width, channels)`` in [0, 1]; every public function
of :mod:`deconv_tutor.restoration` also takes one frame ``(height, width, channels)`` and
gives one back. These helpers make that so, in one place.
"""

import numpy as np

from deconv_tutor import _validation as check

# Values may exceed [0, 1] by float32 rounding (a blurred frame of ones is 1.0000001): accept
# that much, refuse anything larger so that an unscaled 0-255 clip is caught.
RANGE_TOLERANCE = 1e-6


def as_video(video, name="video"):
    """Validate a clip or a frame; return it as float64 (T, H, W, C) and whether it was a frame."""
    array = check.float_array(video, name, dtype=np.float64)
    if array.ndim not in (3, 4):
        raise ValueError(
            f"{name} must be 4-D (frames, height, width, channels) or 3-D (height, width, "
            f"channels), got {array.ndim}-D with shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    check.unit_range(array, name, tolerance=RANGE_TOLERANCE)
    single_frame = array.ndim == 3
    return (array[np.newaxis] if single_frame else array), single_frame


def odd_size(size, name="size"):
    size = check.integer(size, name, minimum=1, what="a positive odd integer")
    if size % 2 == 0:
        raise ValueError(f"{name} must be a positive odd integer, got {size}")
    return size


def as_output(video, single_frame):
    """Return float32, dropping the frame axis again when the input was a single frame."""
    video = video.astype(np.float32)
    return video[0] if single_frame else video


def check_same_shape(reference, test, reference_name, test_name):
    if reference.shape != test.shape:
        raise ValueError(
            f"{test_name} must have the same shape as {reference_name} {reference.shape}, "
            f"got {test.shape}"
        )


def as_frame(frame, name="frame"):
    """Validate one frame (H, W) or (H, W, C); return float64 (H, W, C) and whether it was 2-D."""
    array = check.real_array(frame, name, allow_empty=True)
    if array.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be 3-D (height, width, channels) or 2-D (height, width), "
            f"got {array.ndim}-D with shape {array.shape}"
        )
    grayscale = array.ndim == 2
    video, _ = as_video(array[..., np.newaxis] if grayscale else array, name)
    return video[0], grayscale


def map_channels(function, video):
    """Apply ``function`` to every (H, W) channel of every frame of a (T, H, W, C) clip."""
    frames = [
        np.stack([function(frame[..., c]) for c in range(frame.shape[-1])], axis=-1)
        for frame in video
    ]
    return np.stack(frames)
