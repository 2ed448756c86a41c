"""Upscaling baselines: nearest neighbour, bicubic and Lanczos, frame by frame."""

import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor.restoration._frames import as_output, as_video, map_channels


def upscale_nearest(video, factor):
    """Upscale every frame by repeating each pixel ``factor`` x ``factor`` times.

    The crudest baseline: blocky, but it invents nothing. Chapter 07 compares every upscaler
    with it.

    Parameters
    ----------
    video : ndarray
        Float clip (frames, height, width, channels) or one frame (height, width, channels),
        values in [0, 1].
    factor : int
        Positive integer scale factor.

    Returns
    -------
    ndarray
        float32, (frames, factor * height, factor * width, channels) (or one frame).

    Examples
    --------
    >>> frame = np.array([[[0.0], [1.0]]], dtype=np.float32)  # one row, two pixels
    >>> upscale_nearest(frame, 2)[..., 0]
    array([[0., 0., 1., 1.],
           [0., 0., 1., 1.]], dtype=float32)
    """
    clip, single_frame = as_video(video)
    factor = check.integer(factor, "factor", minimum=1)
    check.allocation(
        (clip.shape[0], clip.shape[1] * factor, clip.shape[2] * factor, clip.shape[3]),
        "factor",
        itemsize=8,
    )
    upscaled = np.repeat(np.repeat(clip, factor, axis=1), factor, axis=2)
    return as_output(upscaled, single_frame)


def upscale_bicubic(video, factor):
    """Upscale every frame with cubic interpolation (``skimage.transform.resize``, order 3).

    scikit-image's order 3 is a cubic *B-spline* interpolation (the spline passes through the
    samples), slightly sharper than the Keys "bicubic" kernel of image editors. Pixel centres
    are aligned the way an area-average ``downscale`` maps them, so ``downscale`` followed by
    ``upscale_bicubic`` does not shift the picture. Results are clipped to the input's range,
    scikit-image's default, because the cubic overshoots at edges.

    Parameters
    ----------
    video : ndarray
        Float clip (frames, height, width, channels) or one frame (height, width, channels),
        values in [0, 1].
    factor : int
        Positive integer scale factor.

    Returns
    -------
    ndarray
        float32, (frames, factor * height, factor * width, channels) (or one frame).

    See Also
    --------
    upscale_lanczos, upscale_nearest

    Examples
    --------
    >>> clip = np.full((2, 8, 8, 3), 0.25, dtype=np.float32)
    >>> upscaled = upscale_bicubic(clip, 2)
    >>> upscaled.shape, upscaled.dtype
    ((2, 16, 16, 3), dtype('float32'))
    >>> print(round(float(upscaled.mean()), 4))  # a flat frame stays flat
    0.25
    """
    from skimage.transform import resize

    clip, single_frame = as_video(video)
    factor = check.integer(factor, "factor", minimum=1)
    check.allocation(
        (clip.shape[0], clip.shape[1] * factor, clip.shape[2] * factor, clip.shape[3]),
        "factor",
        itemsize=8,
    )
    _, height, width, channels = clip.shape
    # One frame at a time: resizing the 4-D array would also interpolate across frames.
    upscaled = np.stack(
        [
            resize(
                frame,
                (height * factor, width * factor, channels),
                order=3,
                mode="reflect",
                anti_aliasing=False,
            )
            for frame in clip
        ]
    )
    return as_output(upscaled, single_frame)


def upscale_lanczos(video, factor):
    """Upscale every frame with a Lanczos-3 kernel (Pillow's ``Image.resize(LANCZOS)``).

    Lanczos-3 (a sinc windowed by a wider sinc, 6 taps per axis) keeps more fine detail than the
    cubic but rings a little more. Pillow runs it in its 32-bit float mode ``"F"``, one channel
    at a time, so no 8-bit quantisation is involved (Pillow comes with matplotlib). The
    kernel's negative lobes overshoot at edges; the result is clipped to [0, 1] so that it stays
    a valid video.

    Parameters
    ----------
    video : ndarray
        Float clip (frames, height, width, channels) or one frame (height, width, channels),
        values in [0, 1].
    factor : int
        Positive integer scale factor.

    Returns
    -------
    ndarray
        float32, (frames, factor * height, factor * width, channels) (or one frame).

    See Also
    --------
    upscale_bicubic, upscale_nearest

    Examples
    --------
    >>> ramp = np.linspace(0, 1, 8, dtype=np.float32)[None, :, None].repeat(8, axis=0)
    >>> upscaled = upscale_lanczos(ramp, 2)
    >>> upscaled.shape
    (16, 16, 1)
    >>> bool(np.all(np.diff(upscaled[4, 2:-2, 0]) > 0))  # the ramp still rises
    True
    """
    from PIL import Image

    clip, single_frame = as_video(video)
    factor = check.integer(factor, "factor", minimum=1)
    check.allocation(
        (clip.shape[0], clip.shape[1] * factor, clip.shape[2] * factor, clip.shape[3]),
        "factor",
        itemsize=8,
    )
    _, height, width, _ = clip.shape
    size = (width * factor, height * factor)  # Pillow sizes are (width, height)

    def resize_channel(channel):
        image = Image.fromarray(channel.astype(np.float32))  # 2-D float32 -> mode "F"
        return np.asarray(image.resize(size, Image.Resampling.LANCZOS))

    upscaled = map_channels(resize_channel, clip)
    return as_output(np.clip(upscaled, 0.0, 1.0), single_frame)
