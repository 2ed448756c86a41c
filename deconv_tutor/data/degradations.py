"""Degradations with explicit parameters: noise, blur with a known PSF, downscaling, codecs."""

from __future__ import annotations

import math
import pathlib
import tempfile

import numpy as np
from scipy import ndimage

from deconv_tutor import _validation as check
from deconv_tutor.data.video_files import CODECS, read_video, write_video


def add_gaussian_noise(video, sigma, seed=0, clip=True):
    """Add white Gaussian noise of standard deviation ``sigma``.

    Parameters
    ----------
    video : numpy.ndarray
        float32 video in [0, 1].
    sigma : float
        Standard deviation on the [0, 1] scale: sigma 25 in 8-bit grey levels is
        ``25 / 255``.
    seed : int
        Seed of the noise.
    clip : bool
        Clip the result to [0, 1], as a sensor saturates. With ``clip=False`` the result
        may leave [0, 1] (and :func:`check_video` would refuse it).

    Returns
    -------
    numpy.ndarray
        float32 noisy video, same shape.

    Examples
    --------
    >>> clean = np.full((2, 64, 64, 1), 0.5, dtype=np.float32)
    >>> noisy = add_gaussian_noise(clean, sigma=25 / 255, seed=0)
    >>> round(float((noisy - clean).std()) * 255)
    25
    """
    video = check.video(video)
    sigma = check.number(
        sigma, "sigma", minimum=0, what="a non-negative number on the [0, 1] scale"
    )
    rng = np.random.default_rng(check.integer(seed, "seed", minimum=0))
    noisy = video + rng.normal(0.0, sigma, video.shape).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0) if check.boolean(clip, "clip") else noisy


def add_poisson_noise(video, peak, seed=0, clip=True):
    """Add Poisson (shot) noise: a pixel of value v counts ``Poisson(v * peak)`` photons.

    Parameters
    ----------
    video : numpy.ndarray
        float32 video in [0, 1].
    peak : float
        Photon count of a white pixel (> 0). Smaller is noisier: the noise standard
        deviation at value v is ``sqrt(v / peak)``.
    seed : int
        Seed of the noise.
    clip : bool
        Clip the result to [0, 1] (counts above ``peak`` saturate).

    Returns
    -------
    numpy.ndarray
        float32 noisy video, same shape.

    Examples
    --------
    >>> clean = np.full((1, 100, 100, 1), 0.25, dtype=np.float32)
    >>> noisy = add_poisson_noise(clean, peak=100, seed=0)
    >>> round(float(noisy.std()), 2)  # sqrt(0.25 / 100)
    0.05
    """
    video = check.video(video)
    # NumPy's Poisson sampler refuses a mean beyond about 9.2e18 ("lam value too large");
    # above 1e12 photons the noise is far below float32 precision anyway.
    peak = check.number(
        peak,
        "peak",
        minimum=0,
        maximum=1e12,
        exclusive_minimum=True,
        what="a positive photon count of at most 1e12",
    )
    rng = np.random.default_rng(check.integer(seed, "seed", minimum=0))
    noisy = (rng.poisson(video.astype(np.float64) * peak) / peak).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0) if check.boolean(clip, "clip") else noisy


def _check_odd_size(size, name="size"):
    size = check.integer(size, name, minimum=1, what="a positive odd integer")
    check.allocation((size, size), name, itemsize=8)
    if size % 2 == 0:
        raise ValueError(
            f"{name} must be a positive odd integer (so the PSF has a centre pixel), got {size}"
        )
    return size


def psf_box(size):
    """A ``size`` x ``size`` box point-spread function (uniform blur), summing to one.

    Parameters
    ----------
    size : int
        Odd side length.

    Returns
    -------
    numpy.ndarray
        float64 ``(height, width)``, odd sides, non-negative, summing to one.

    Examples
    --------
    >>> psf_box(3).round(3)
    array([[0.111, 0.111, 0.111],
           [0.111, 0.111, 0.111],
           [0.111, 0.111, 0.111]])
    """
    size = _check_odd_size(size)
    return np.full((size, size), 1.0 / size**2)


def psf_gaussian(size, sigma):
    """A ``size`` x ``size`` Gaussian point-spread function of width ``sigma``, summing to one.

    Parameters
    ----------
    size : int
        Odd side length; about ``6 * sigma + 1`` holds nearly all of the Gaussian.
    sigma : float
        Standard deviation in pixels (> 0).

    Returns
    -------
    numpy.ndarray
        float64 ``(height, width)``, odd sides, non-negative, summing to one.

    Examples
    --------
    >>> psf = psf_gaussian(5, 1.0)
    >>> psf.shape, round(float(psf.sum()), 6), round(float(psf[2, 2]), 4)
    ((5, 5), 1.0, 0.1621)
    """
    size = _check_odd_size(size)
    sigma = check.number(
        sigma, "sigma", minimum=0, exclusive_minimum=True, what="a positive width in pixels"
    )
    offsets = np.arange(size) - size // 2
    profile = np.exp(-(offsets**2) / (2.0 * sigma**2))
    psf = np.outer(profile, profile)
    return psf / psf.sum()


def psf_motion(length, angle=0.0):
    """A straight motion-blur point-spread function: a line of ``length`` pixels.

    The line is centred on the middle pixel and turned ``angle`` degrees counter-clockwise
    from horizontal (rows grow downwards, so 90 is a vertical line). Each pixel's weight
    is the part of the line that falls in it (sampled at 1/16 pixel); the kernel is the
    smallest odd square that holds the line.

    Parameters
    ----------
    length : float
        Length of the camera (or object) motion during the exposure, in pixels (>= 1).
    angle : float
        Direction in degrees.

    Returns
    -------
    numpy.ndarray
        float64 ``(height, width)``, odd sides, non-negative, summing to one.

    Examples
    --------
    >>> psf_motion(3).round(3)
    array([[0.   , 0.   , 0.   ],
           [0.333, 0.333, 0.333],
           [0.   , 0.   , 0.   ]])
    >>> psf_motion(5, angle=45).shape
    (5, 5)
    """
    length = check.number(length, "length", minimum=1, what="a length in pixels of at least 1")
    angle = check.number(angle, "angle", what="an angle in degrees")
    # The kernel is the smallest odd square holding the line: about (length + 1) pixels a side.
    side = 2 * math.ceil(length / 2) + 1
    check.allocation((side, side), "length", itemsize=8)
    theta = np.deg2rad(angle)
    samples = max(16, int(np.ceil(16 * length)))
    t = -length / 2.0 + (np.arange(samples) + 0.5) * length / samples
    rows = np.rint(-t * np.sin(theta)).astype(int)
    cols = np.rint(t * np.cos(theta)).astype(int)
    half = int(max(np.abs(rows).max(), np.abs(cols).max()))
    psf = np.zeros((2 * half + 1, 2 * half + 1))
    np.add.at(psf, (rows + half, cols + half), 1.0)
    return psf / psf.sum()


def blur(video, psf):
    """Blur every frame and channel with ``psf`` (convolution, 'reflect' boundary).

    Parameters
    ----------
    video : numpy.ndarray
        float32 video in [0, 1].
    psf : numpy.ndarray
        2-D point-spread function with odd sides, non-negative, summing to one (see
        :func:`psf_box`, :func:`psf_gaussian`, :func:`psf_motion`).

    Returns
    -------
    numpy.ndarray
        float32 blurred video, same shape. Frames and channels are never mixed.

    Examples
    --------
    >>> video = np.zeros((1, 5, 5, 1), dtype=np.float32)
    >>> video[0, 2, 2, 0] = 1.0
    >>> blurred = blur(video, psf_box(3))
    >>> round(float(blurred.sum()), 4), round(float(blurred[0, 1, 1, 0]), 4)
    (1.0, 0.1111)
    """
    video = check.video(video)
    psf = check.psf(psf)
    # A kernel of extent 1 along time and channels keeps the convolution per frame, per channel.
    kernel = psf.astype(np.float32)[None, :, :, None]
    out = ndimage.convolve(video, kernel, mode="reflect")
    # Float rounding can step a hair outside [0, 1]; the true result cannot.
    return np.clip(out, 0.0, 1.0)


def downscale(video, factor):
    """Shrink height and width by an integer ``factor``, averaging each factor x factor block.

    Parameters
    ----------
    video : numpy.ndarray
        float32 video in [0, 1].
    factor : int
        Positive integer that divides the height and the width.

    Returns
    -------
    numpy.ndarray
        float32 ``(frames, height // factor, width // factor, channels)``.

    Examples
    --------
    >>> video = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1) / 15
    >>> (downscale(video, 2)[0, ..., 0] * 15).round(2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    video = check.video(video)
    factor = check.integer(factor, "factor", minimum=1)
    frames, height, width, channels = video.shape
    if height % factor or width % factor:
        raise ValueError(
            f"factor must divide the height and width, got factor {factor} for frames of "
            f"{height}x{width} (height x width)"
        )
    blocks = video.reshape(frames, height // factor, factor, width // factor, factor, channels)
    return blocks.mean(axis=(2, 4), dtype=np.float32)


def compress(video, crf, codec="libx264"):
    """Encode with a real video codec at constant rate factor ``crf`` and decode again.

    The clip is written to an MP4 in a temporary folder through imageio's ffmpeg plugin
    (``yuv420p``, so colour is also subsampled 2x) and read back; the artifacts are
    those of the real codec: blocking, ringing, smeared colour.

    Parameters
    ----------
    video : numpy.ndarray
        float32 video in [0, 1] with an even height and width.
    crf : int
        0 (best) to 51 (worst); 18 is visually lossless, 35 and up shows blocks.
    codec : {"libx264", "libx265"}
        H.264 or H.265.

    Returns
    -------
    numpy.ndarray
        float32 decoded video, same shape (a grey clip is averaged back to one channel).

    Examples
    --------
    >>> from deconv_tutor.data import photo_clip
    >>> clip = photo_clip(frames=4, size=(32, 32))
    >>> compressed = compress(clip, crf=40)
    >>> compressed.shape, bool(np.abs(compressed - clip).mean() > 0.005)
    ((4, 32, 32, 3), True)
    """
    video = check.video(video)
    crf = check.integer(crf, "crf", minimum=0, maximum=51, what="an integer from 0 to 51")
    codec = check.choice(codec, "codec", CODECS)
    frames, height, width, channels = video.shape
    if height % 2 or width % 2:
        raise ValueError(
            f"video must have an even height and width for {codec} (yuv420p), got {height}x{width}"
        )
    with tempfile.TemporaryDirectory(prefix="deconv_tutor_") as folder:
        path = pathlib.Path(folder) / "compressed.mp4"
        write_video(path, video, fps=24, crf=crf, codec=codec)
        decoded = read_video(path)
    if decoded.shape[0] != frames:
        raise ValueError(
            f"{codec} round trip returned {decoded.shape[0]} frames instead of {frames}"
        )
    if channels == 1:
        decoded = decoded.mean(axis=-1, keepdims=True)
    return decoded
