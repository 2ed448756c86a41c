"""Motion compensation: line the neighbouring frames up with the middle one.

A multi-frame denoiser gains by averaging what several frames show of the same point, but
when the camera moves the same point sits at a different place in every frame (chapter 09:
the plain mean of five frames of a pan is *worse* than one noisy frame). Aligning the
neighbours first removes that motion, so that the network only has to average.

Here the motion is one translation per frame, the camera's pan: phase correlation
(:func:`skimage.registration.phase_cross_correlation`) finds the shift that lines two frames
up, to a quarter of a pixel, and :func:`scipy.ndimage.shift` moves the neighbour by it
(bilinear; the border it uncovers repeats the nearest edge pixel). Zoom and rotation are not
compensated: the rest is left for the network to learn.

Both frames are smoothed a little (a Gaussian of 1 pixel) before the correlation, so that
independent noise in the two frames does not pull the peak. The module uses NumPy, SciPy and
scikit-image only.
"""

import warnings

import numpy as np
from scipy import ndimage
from skimage.registration import phase_cross_correlation

from deconv_tutor import _validation as check

__all__ = ["align_to_middle", "align_windows", "estimate_shift"]

#: The correlation peak is located to 1/UPSAMPLE of a pixel.
UPSAMPLE = 4
#: Standard deviation, in pixels, of the Gaussian applied before the correlation.
SMOOTHING = 1.0


def estimate_shift(reference, moving):
    """The translation that moves ``moving`` onto ``reference``, in pixels.

    Parameters
    ----------
    reference, moving : array_like
        Two frames of the same shape, ``(height, width)`` or ``(height, width, channels)``;
        the channels are averaged.

    Returns
    -------
    numpy.ndarray
        ``(rows, columns)``, to a quarter of a pixel: ``scipy.ndimage.shift(moving, shift)``
        lines ``moving`` up with ``reference``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> frame = rng.random((32, 32))
    >>> estimate_shift(frame, np.roll(frame, (2, -3), axis=(0, 1)))
    array([-2.,  3.])
    """
    reference = check.image(reference, "reference")
    moving = check.image(moving, "moving")
    if moving.shape != reference.shape:
        raise ValueError(
            f"moving must have the shape of reference, {reference.shape}, got {moving.shape}"
        )
    grey = [frame.mean(axis=-1) if frame.ndim == 3 else frame for frame in (reference, moving)]
    smooth = [ndimage.gaussian_filter(frame, SMOOTHING) for frame in grey]
    if min(np.ptp(frame) for frame in smooth) == 0:  # a flat frame has no motion to find
        return np.zeros(2)
    with warnings.catch_warnings():
        # It also computes an error between the frames, which is not used here and warns
        # when a frame is flat; a flat frame has no motion to find and gets shift 0.
        warnings.filterwarnings("ignore", "Could not determine RMS error", UserWarning)
        shift, _, _ = phase_cross_correlation(*smooth, upsample_factor=UPSAMPLE, normalization=None)
    return np.asarray(shift, dtype=np.float64)


def align_to_middle(window):
    """Every frame of a window moved onto its middle frame.

    Parameters
    ----------
    window : array_like
        ``(frames, height, width, channels)`` floats, an odd number of frames.

    Returns
    -------
    numpy.ndarray
        float32, the same shape; the middle frame unchanged, each other frame shifted by
        :func:`estimate_shift` against it.

    Raises
    ------
    ValueError
        If the window has an even number of frames (it has no middle frame).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> frame = rng.random((32, 32, 3), dtype=np.float32)
    >>> window = np.stack([np.roll(frame, 2 * t, axis=1) for t in range(3)])  # a pan
    >>> aligned = align_to_middle(window)
    >>> bool(np.allclose(aligned[0, :, 4:-4], window[1, :, 4:-4]))  # away from the border
    True
    """
    window = check.float_array(window, "window")
    check.video_layout(window.shape, "window")
    if len(window) % 2 == 0:
        raise ValueError(
            f"window must have an odd number of frames (a middle one), got {len(window)} frames"
        )
    middle = window[len(window) // 2]
    aligned = np.empty_like(window)
    for t, frame in enumerate(window):
        shift = estimate_shift(middle, frame)
        aligned[t] = ndimage.shift(frame, (*shift, 0), order=1, mode="nearest")
    return aligned


def align_windows(windows):
    """:func:`align_to_middle` for each window of a batch.

    Parameters
    ----------
    windows : array_like
        ``(windows, frames, height, width, channels)`` floats.

    Returns
    -------
    numpy.ndarray
        float32, the same shape.

    Examples
    --------
    >>> import numpy as np
    >>> align_windows(np.zeros((2, 3, 8, 8, 1))).shape
    (2, 3, 8, 8, 1)
    """
    windows = check.float_array(windows, "windows")
    if windows.ndim != 5:
        raise ValueError(
            "windows must be 5-D (windows, frames, height, width, channels), "
            f"got shape {windows.shape}"
        )
    return np.stack([align_to_middle(window) for window in windows])
