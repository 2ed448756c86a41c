"""Classical restoration baselines, applied to a video frame by frame.

Every learned model in the course is compared with the classical method that solves the same
problem without training:

* upscaling: :func:`upscale_nearest`, :func:`upscale_bicubic`, :func:`upscale_lanczos`
  (``downscale`` lives in :mod:`deconv_tutor.data`);
* denoising: :func:`denoise_gaussian`, :func:`denoise_median`, :func:`denoise_tv`,
  :func:`denoise_wavelet`, :func:`denoise_nl_means`, and :func:`best_classical_denoiser`, which
  sweeps them all so that a chapter reports the *best* classical result, not a strawman;
* deconvolution (undoing a known blur): :func:`inverse_filter`, :func:`wiener`,
  :func:`unsupervised_wiener`, :func:`richardson_lucy`, with :func:`tune_wiener_balance`, and the
  boundary treatments :func:`pad_for_deconvolution` and :func:`taper_edges`.

Shapes
------
A video is float32 ``(frames, height, width, channels)`` with values in [0, 1]. Every function
also accepts a single frame ``(height, width, channels)`` and then returns a single frame: a 3-D
array is always read as *one colour frame*, never as a grayscale clip (give a grayscale clip a
channel axis of size 1). Any floating dtype is accepted; results are float32.

Frames are restored independently, channel by channel: these baselines use no temporal
information, which is exactly what chapter 09's multi-frame models add.

Boundaries in deconvolution
---------------------------
Fourier-domain deconvolution (inverse filter, Wiener) treats the frame as one tile of a periodic
pattern: the right edge touches the left edge. A real frame is not periodic, so the wrap-around
is a sharp step that the blur model cannot explain; the deconvolution "sharpens" it, and the
ringing it produces spreads across the whole frame. Richardson-Lucy (as implemented by
scikit-image) assumes zeros outside the frame instead, which darkens the modelled border and
produces bright, noisy edges. Every deconvolution function therefore takes ``boundary``:

``"reflect"`` (default)
    Mirror-pad the frame by the PSF size (:func:`pad_for_deconvolution`), taper the edges of
    the *padded* frame (:func:`taper_edges`), deconvolve, crop. The content keeps a natural
    continuation across its border, and the wrap-around step, now in the padding, is smoothed
    into what a periodic blur would produce.
``"taper"``
    Blend the frame with its own circularly blurred copy near the borders
    (:func:`taper_edges`, like MATLAB's ``edgetaper``), so that the frame fits the periodic
    model; no extra pixels, but the outer band stays soft.
``"none"``
    Use the algorithm's own assumption (periodic, or zeros for Richardson-Lucy); kept to show
    the artefacts in chapter 03.

For Richardson-Lucy, ``"reflect"`` and ``"taper"`` also wrap-pad the prepared frame by the PSF
size, so that the zeros it assumes lie beyond a seamless periodic continuation.

Why this default: on 64 x 64 crops of 4 scikit-image photos x 4 PSFs (9 x 9 Gaussian, 5 x 5
box, 9-pixel horizontal and diagonal motion) with noise sigma 0.005 and each method at its best
balance or iteration count, Wiener averaged 25.97 dB with ``"reflect"``, 25.64 dB with
``"taper"`` and 24.84 dB with mirror padding alone (no taper, twice the PSF size);
Richardson-Lucy 25.79 dB with ``"reflect"`` against 25.56 dB with mirror padding alone.

References
----------
.. [1] R. C. Gonzalez and R. E. Woods, *Digital Image Processing*, 4th ed., ch. 5
   (inverse and Wiener filtering).
.. [2] W. H. Richardson, "Bayesian-based iterative method of image restoration", JOSA 62 (1972);
   L. B. Lucy, "An iterative technique for the rectification of observed distributions",
   AJ 79 (1974).
.. [3] S. G. Chang, B. Yu and M. Vetterli, "Adaptive wavelet thresholding for image denoising
   and compression", IEEE TIP 9 (2000) (BayesShrink).
.. [4] A. Buades, B. Coll and J.-M. Morel, "A non-local algorithm for image denoising",
   CVPR 2005.
"""

import numpy as np
from scipy import ndimage

from deconv_tutor import _validation as check
from deconv_tutor import metrics

__all__ = [
    "BOUNDARIES",
    "DEFAULT_BALANCES",
    "best_classical_denoiser",
    "denoise_gaussian",
    "denoise_median",
    "denoise_nl_means",
    "denoise_tv",
    "denoise_wavelet",
    "inverse_filter",
    "pad_for_deconvolution",
    "richardson_lucy",
    "taper_edges",
    "tune_wiener_balance",
    "unsupervised_wiener",
    "upscale_bicubic",
    "upscale_lanczos",
    "upscale_nearest",
    "wiener",
]

#: Boundary treatments accepted by the deconvolution functions (see the module docstring).
BOUNDARIES = ("reflect", "taper", "none")

#: Wiener balances tried by :func:`tune_wiener_balance`: half-decades from 1e-4 to 1.
DEFAULT_BALANCES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0)

# Values may exceed [0, 1] by float32 rounding (a blurred frame of ones is 1.0000001): accept
# that much, refuse anything larger so that an unscaled 0-255 clip is caught.
_RANGE_TOLERANCE = 1e-6


# --------------------------------------------------------------------------- input validation


def _as_video(video, name="video"):
    """Validate a clip or a frame; return it as float64 (T, H, W, C) and whether it was a frame."""
    array = check.float_array(video, name, dtype=np.float64)
    if array.ndim not in (3, 4):
        raise ValueError(
            f"{name} must be 4-D (frames, height, width, channels) or 3-D (height, width, "
            f"channels), got {array.ndim}-D with shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    check.unit_range(array, name, tolerance=_RANGE_TOLERANCE)
    single_frame = array.ndim == 3
    return (array[np.newaxis] if single_frame else array), single_frame


def _odd_size(size, name="size"):
    size = check.integer(size, name, minimum=1, what="a positive odd integer")
    if size % 2 == 0:
        raise ValueError(f"{name} must be a positive odd integer, got {size}")
    return size


def _as_output(video, single_frame):
    """Return float32, dropping the frame axis again when the input was a single frame."""
    video = video.astype(np.float32)
    return video[0] if single_frame else video


def _check_same_shape(reference, test, reference_name, test_name):
    if reference.shape != test.shape:
        raise ValueError(
            f"{test_name} must have the same shape as {reference_name} {reference.shape}, "
            f"got {test.shape}"
        )


def _as_frame(frame, name="frame"):
    """Validate one frame (H, W) or (H, W, C); return float64 (H, W, C) and whether it was 2-D."""
    array = np.asarray(frame)
    if array.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be 3-D (height, width, channels) or 2-D (height, width), "
            f"got {array.ndim}-D with shape {array.shape}"
        )
    grayscale = array.ndim == 2
    video, _ = _as_video(array[..., np.newaxis] if grayscale else array, name)
    return video[0], grayscale


# --------------------------------------------------------------------------- shared helpers


def _map_channels(function, video):
    """Apply ``function`` to every (H, W) channel of every frame of a (T, H, W, C) clip."""
    frames = [
        np.stack([function(frame[..., c]) for c in range(frame.shape[-1])], axis=-1)
        for frame in video
    ]
    return np.stack(frames)


def _otf(psf, shape):
    """Optical transfer function: the FFT of the PSF zero-padded to ``shape``, centre at (0, 0).

    The roll puts the PSF's centre pixel ``(kh // 2, kw // 2)`` at the origin, the same
    convention as :func:`skimage.restoration.wiener`, so a centred PSF does not shift the frame.
    """
    padded = np.zeros(shape)
    padded[: psf.shape[0], : psf.shape[1]] = psf
    padded = np.roll(padded, (-(psf.shape[0] // 2), -(psf.shape[1] // 2)), axis=(0, 1))
    return np.fft.fft2(padded)


# --------------------------------------------------------------------------- upscaling


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
    clip, single_frame = _as_video(video)
    factor = check.integer(factor, "factor", minimum=1)
    upscaled = np.repeat(np.repeat(clip, factor, axis=1), factor, axis=2)
    return _as_output(upscaled, single_frame)


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

    clip, single_frame = _as_video(video)
    factor = check.integer(factor, "factor", minimum=1)
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
    return _as_output(upscaled, single_frame)


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

    clip, single_frame = _as_video(video)
    factor = check.integer(factor, "factor", minimum=1)
    _, height, width, _ = clip.shape
    size = (width * factor, height * factor)  # Pillow sizes are (width, height)

    def resize_channel(channel):
        image = Image.fromarray(channel.astype(np.float32))  # 2-D float32 -> mode "F"
        return np.asarray(image.resize(size, Image.Resampling.LANCZOS))

    upscaled = _map_channels(resize_channel, clip)
    return _as_output(np.clip(upscaled, 0.0, 1.0), single_frame)


# --------------------------------------------------------------------------- denoising


def denoise_gaussian(video, sigma_filter):
    """Denoise every frame with a Gaussian low-pass filter (``scipy.ndimage.gaussian_filter``).

    Averages each pixel with its neighbours: noise drops, and so do edges. It smooths only the
    two spatial axes, never across frames or channels.

    Parameters
    ----------
    video : ndarray
        Float clip (frames, height, width, channels) or one frame (height, width, channels),
        values in [0, 1].
    sigma_filter : float
        Standard deviation of the Gaussian kernel in pixels (not the noise level), > 0.

    Returns
    -------
    ndarray
        float32, same shape as ``video``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.full((2, 32, 32, 3), 0.5)
    >>> noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1)
    >>> bool(denoise_gaussian(noisy, 1.0).std() < noisy.std() / 3)
    True
    """
    clip, single_frame = _as_video(video)
    sigma_filter = check.number(sigma_filter, "sigma_filter", minimum=0, exclusive_minimum=True)
    # Reflect at the borders so that the frame edge does not darken (zeros) or wrap around.
    smoothed = ndimage.gaussian_filter(
        clip, sigma=(0, sigma_filter, sigma_filter, 0), mode="reflect"
    )
    return _as_output(smoothed, single_frame)


def denoise_median(video, size):
    """Denoise every frame with a ``size`` x ``size`` median filter (``scipy.ndimage``).

    The median ignores outliers, so it removes salt-and-pepper noise and keeps straight edges
    better than a mean; it erases details thinner than half the window.

    Parameters
    ----------
    video : ndarray
        Float clip (frames, height, width, channels) or one frame (height, width, channels),
        values in [0, 1].
    size : int
        Window side in pixels, a positive odd integer (an even window has no centre pixel and
        would shift the frame by half a pixel).

    Returns
    -------
    ndarray
        float32, same shape as ``video``.

    Examples
    --------
    >>> frame = np.zeros((5, 5, 1), dtype=np.float32)
    >>> frame[2, 2] = 1.0  # one hot pixel
    >>> float(denoise_median(frame, 3).max())
    0.0
    """
    clip, single_frame = _as_video(video)
    size = _odd_size(size)
    filtered = ndimage.median_filter(clip, size=(1, size, size, 1), mode="reflect")
    return _as_output(filtered, single_frame)


def denoise_tv(video, weight):
    """Denoise every frame by total-variation minimisation (Chambolle's algorithm).

    Finds the frame closest to the input whose total variation (sum of gradient magnitudes) is
    small: flat regions become flat, edges stay sharp, textures turn into "cartoon" patches.
    Uses :func:`skimage.restoration.denoise_tv_chambolle` with ``channel_axis=-1``.

    Parameters
    ----------
    video : ndarray
        Float clip (frames, height, width, channels) or one frame (height, width, channels),
        values in [0, 1].
    weight : float
        Denoising strength, > 0; about the noise sigma is a good start (0.1 for sigma 0.1).

    Returns
    -------
    ndarray
        float32, same shape as ``video``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.full((1, 32, 32, 3), 0.5)
    >>> noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1)
    >>> bool(np.abs(denoise_tv(noisy, 0.1) - clean).mean() < np.abs(noisy - clean).mean() / 3)
    True
    """
    from skimage.restoration import denoise_tv_chambolle

    clip, single_frame = _as_video(video)
    weight = check.number(weight, "weight", minimum=0, exclusive_minimum=True)
    denoised = np.stack(
        [denoise_tv_chambolle(frame, weight=weight, channel_axis=-1) for frame in clip]
    )
    return _as_output(denoised, single_frame)


# Orthonormal 2-D Haar transform, written out so that the wavelet denoiser needs no PyWavelets
# (scikit-image's denoise_wavelet imports it, and it is not a dependency of this course).
def _haar_forward(image, levels):
    """Return the coarse approximation and, per level from fine to coarse, (h, v, d) details."""
    details = []
    approx = image
    for _ in range(levels):
        a, b = approx[0::2, 0::2], approx[0::2, 1::2]
        c, d = approx[1::2, 0::2], approx[1::2, 1::2]
        details.append(((a - b + c - d) / 2, (a + b - c - d) / 2, (a - b - c + d) / 2))
        approx = (a + b + c + d) / 2
    return approx, details


def _haar_inverse(approx, details):
    for horizontal, vertical, diagonal in reversed(details):
        image = np.empty((2 * approx.shape[0], 2 * approx.shape[1]))
        image[0::2, 0::2] = (approx + horizontal + vertical + diagonal) / 2
        image[0::2, 1::2] = (approx - horizontal + vertical - diagonal) / 2
        image[1::2, 0::2] = (approx + horizontal - vertical - diagonal) / 2
        image[1::2, 1::2] = (approx - horizontal - vertical + diagonal) / 2
        approx = image
    return approx


def _soft_threshold(coefficients, threshold):
    return np.sign(coefficients) * np.maximum(np.abs(coefficients) - threshold, 0.0)


def _wavelet_denoise_channel(channel, sigma, levels):
    height, width = channel.shape
    block = 2**levels
    # Half-sample symmetric padding to a multiple of 2**levels: no step at the border.
    padded = np.pad(channel, ((0, -height % block), (0, -width % block)), mode="symmetric")
    approx, details = _haar_forward(padded, levels)
    if sigma is None:
        # Donoho's robust estimate: the finest diagonal band is almost pure noise, and the
        # median absolute value of Gaussian noise is 0.6745 sigma.
        sigma = float(np.median(np.abs(details[0][2]))) / 0.6745
    shrunk = []
    for bands in details:
        level = []
        for band in bands:
            # BayesShrink: threshold = noise variance / estimated signal standard deviation.
            signal_variance = max(float(np.mean(band**2)) - sigma**2, np.finfo(float).eps)
            level.append(_soft_threshold(band, sigma**2 / np.sqrt(signal_variance)))
        shrunk.append(tuple(level))
    return _haar_inverse(approx, shrunk)[:height, :width]


def denoise_wavelet(video, sigma=None, levels=3):
    """Denoise every frame by soft-thresholding its Haar wavelet coefficients (BayesShrink).

    Noise spreads evenly over all wavelet coefficients while a photo concentrates in a few large
    ones, so shrinking every detail coefficient towards zero removes mostly noise. The threshold
    of each sub-band is BayesShrink's ``sigma**2 / signal_std`` [3]_, and the result is averaged
    over the four one-pixel shifts of the frame ("cycle spinning") so that the Haar blocks do not
    show. This is scikit-image's ``denoise_wavelet(wavelet="db1", method="BayesShrink")``
    written in NumPy, because scikit-image's version needs PyWavelets, which the course does not
    install.

    Parameters
    ----------
    video : ndarray
        Float clip (frames, height, width, channels) or one frame (height, width, channels),
        values in [0, 1].
    sigma : float, optional
        Noise standard deviation on the [0, 1] scale, > 0. Estimated per channel and frame from
        the finest diagonal coefficients (median absolute deviation) when omitted.
    levels : int, default 3
        Number of decomposition levels.

    Returns
    -------
    ndarray
        float32, same shape as ``video``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.tile(np.linspace(0, 1, 32), (1, 32, 1))[..., None]  # a horizontal ramp
    >>> noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1)
    >>> bool(np.abs(denoise_wavelet(noisy) - clean).mean() < np.abs(noisy - clean).mean() / 2)
    True
    """
    clip, single_frame = _as_video(video)
    if sigma is not None:
        sigma = check.number(sigma, "sigma", minimum=0, exclusive_minimum=True)
    levels = check.integer(levels, "levels", minimum=1)

    def denoise_channel(channel):
        spins = []
        for shift in ((0, 0), (0, 1), (1, 0), (1, 1)):
            shifted = np.roll(channel, shift, axis=(0, 1))
            denoised = _wavelet_denoise_channel(shifted, sigma, levels)
            spins.append(np.roll(denoised, (-shift[0], -shift[1]), axis=(0, 1)))
        return np.mean(spins, axis=0)

    denoised = _map_channels(denoise_channel, clip)
    return _as_output(np.clip(denoised, 0.0, 1.0), single_frame)


def denoise_nl_means(video, sigma, h=None, patch_size=5, patch_distance=6):
    """Denoise every frame with non-local means (:func:`skimage.restoration.denoise_nl_means`).

    Each pixel becomes a weighted mean of pixels whose surrounding *patch* looks alike, wherever
    they are in a search window: repeated structure (edges, textures) averages with itself
    instead of with its neighbours. Runs scikit-image's fast mode and subtracts the expected
    noise distance ``2 * sigma**2`` from patch distances, as in scikit-image's gallery example.

    Parameters
    ----------
    video : ndarray
        Float clip (frames, height, width, channels) or one frame (height, width, channels),
        values in [0, 1].
    sigma : float
        Noise standard deviation on the [0, 1] scale, > 0.
    h : float, optional
        Filter strength (patch-distance cut-off), > 0. Default ``0.8 * sigma``.
    patch_size : int, default 5
        Side of the compared patches in pixels.
    patch_distance : int, default 6
        Radius of the search window in pixels.

    Returns
    -------
    ndarray
        float32, same shape as ``video``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.full((1, 24, 24, 3), 0.5)
    >>> noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1)
    >>> denoised = denoise_nl_means(noisy, sigma=0.1)
    >>> bool(np.abs(denoised - clean).mean() < np.abs(noisy - clean).mean() / 2)
    True
    """
    from skimage.restoration import denoise_nl_means as skimage_nl_means

    clip, single_frame = _as_video(video)
    sigma = check.number(sigma, "sigma", minimum=0, exclusive_minimum=True)
    h = 0.8 * sigma if h is None else check.number(h, "h", minimum=0, exclusive_minimum=True)
    patch_size = check.integer(patch_size, "patch_size", minimum=1)
    patch_distance = check.integer(patch_distance, "patch_distance", minimum=1)
    # scikit-image returns a one-channel frame without its channel axis: give it back.
    denoised = np.stack(
        [
            skimage_nl_means(
                frame,
                patch_size=patch_size,
                patch_distance=patch_distance,
                h=h,
                fast_mode=True,
                sigma=sigma,
                channel_axis=-1,
            ).reshape(frame.shape)
            for frame in clip
        ]
    )
    return _as_output(np.clip(denoised, 0.0, 1.0), single_frame)


def best_classical_denoiser(noisy, clean, sigma):
    """Try every classical denoiser over a small parameter sweep; rank them by PSNR.

    A learned denoiser should be compared with the best classical result, not a badly tuned one.
    The sweep is centred on the true noise level, and the ranking uses the clean clip, so every
    baseline gets oracle-tuned parameters: an optimistic score for the classical side, which
    makes "the network beats it" an honest claim.

    Sweep (16 runs), chosen so that the best setting for photos at sigma 0.05 to 0.2 lies inside
    it, not on its edge: Gaussian ``sigma_filter`` in {0.5, 0.75, 1, 1.5}; median ``size`` in
    {3, 5}; TV ``weight`` in {0.35, 0.5, 0.7, 1} x sigma; wavelet ``sigma`` estimated or given;
    NL-means ``h`` in {0.4, 0.6, 0.8, 1} x sigma. A row for the noisy input itself (method
    ``"none"``) is included as the reference every denoiser must beat.

    Parameters
    ----------
    noisy : ndarray
        Noisy float clip (frames, height, width, channels) or frame, values in [0, 1].
    clean : ndarray
        The clean clip, same shape.
    sigma : float
        Noise standard deviation on the [0, 1] scale, > 0.

    Returns
    -------
    list of dict
        One row per (method, parameters), best first: ``{"method": str, "params": dict,
        "psnr": float}``, PSNR in dB, mean over frames (as ``metrics.psnr``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.tile(np.linspace(0.2, 0.8, 24), (1, 24, 1))[..., None]
    >>> noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1)
    >>> table = best_classical_denoiser(noisy, clean, sigma=0.1)
    >>> sorted({row["method"] for row in table})
    ['gaussian', 'median', 'nl_means', 'none', 'tv', 'wavelet']
    >>> table[0]["psnr"] > [row for row in table if row["method"] == "none"][0]["psnr"] + 5
    True
    """
    noisy_clip, _ = _as_video(noisy, "noisy")
    clean_clip, _ = _as_video(clean, "clean")
    _check_same_shape(clean_clip, noisy_clip, "clean", "noisy")
    sigma = check.number(sigma, "sigma", minimum=0, exclusive_minimum=True)

    # Multiples of sigma are rounded so that the table shows 0.035, not 0.034999999999999996.
    candidates = [("none", lambda clip: clip, {})]
    candidates += [
        ("gaussian", denoise_gaussian, {"sigma_filter": s}) for s in (0.5, 0.75, 1.0, 1.5)
    ]
    candidates += [("median", denoise_median, {"size": s}) for s in (3, 5)]
    candidates += [
        ("tv", denoise_tv, {"weight": round(m * sigma, 6)}) for m in (0.35, 0.5, 0.7, 1.0)
    ]
    candidates += [("wavelet", denoise_wavelet, {"sigma": s}) for s in (None, sigma)]
    candidates += [
        ("nl_means", denoise_nl_means, {"sigma": sigma, "h": round(m * sigma, 6)})
        for m in (0.4, 0.6, 0.8, 1.0)
    ]
    table = [
        {
            "method": method,
            "params": params,
            "psnr": metrics.psnr(clean_clip, function(noisy_clip, **params)),
        }
        for method, function, params in candidates
    ]
    return sorted(table, key=lambda row: row["psnr"], reverse=True)


# --------------------------------------------------------------------------- boundaries


def pad_for_deconvolution(frame, psf, mode="reflect"):
    """Pad a frame on every side by the PSF size, so the content gets a natural continuation.

    FFT-based deconvolution assumes the frame repeats periodically, so the jump from its right
    edge back to its left edge looks like a sharp edge to be un-blurred; its ringing spreads
    over the whole frame. Mirror padding continues the picture smoothly across the border and
    moves that jump into the padding, where :func:`taper_edges` can then smooth it without
    touching the content (``boundary="reflect"`` does both); crop afterwards with
    ``restored[crop]``.

    Parameters
    ----------
    frame : ndarray
        One float frame (height, width, channels) or (height, width), values in [0, 1].
    psf : ndarray
        2-D point-spread function, non-negative, summing to one.
    mode : {"reflect", "mirror", "edge"}, default "reflect"
        Named as in :mod:`scipy.ndimage`: ``"reflect"`` mirrors about the pixel edge, repeating
        the border pixel (``d c b a | a b c d``; NumPy's ``"symmetric"``); ``"mirror"`` mirrors
        about the border pixel's centre (``d c b | a b c d``; NumPy's ``"reflect"``);
        ``"edge"`` repeats the border pixel.

    Returns
    -------
    padded : ndarray
        float32 frame, larger by ``2 * pad`` in height and width, ``pad = max(psf.shape)``.
    crop : tuple of slice
        Index that recovers the original area: ``padded[crop]`` equals ``frame``.

    Examples
    --------
    >>> frame = np.random.default_rng(0).random((16, 20, 3)).astype(np.float32)
    >>> padded, crop = pad_for_deconvolution(frame, np.ones((3, 3)) / 9)
    >>> padded.shape
    (22, 26, 3)
    >>> bool(np.array_equal(padded[crop], frame))
    True
    >>> row = np.array([[0.1, 0.2, 0.3]])
    >>> pad_for_deconvolution(row[..., None].repeat(3, axis=0), np.ones((1, 1)))[0][1, :, 0]
    array([0.1, 0.1, 0.2, 0.3, 0.3], dtype=float32)
    """
    image, grayscale = _as_frame(frame)
    psf = check.psf(psf, frame_shape=image.shape[:2])
    modes = ("reflect", "mirror", "edge")  # "wrap" would restate the periodic assumption
    if mode not in modes:
        raise ValueError(f"mode must be one of {modes}, got {mode!r}")
    padded, crop = _pad_channels(image, psf, mode)
    padded = padded.astype(np.float32)
    return (padded[..., 0] if grayscale else padded), crop


# scipy.ndimage's boundary names (data.blur uses them) mapped to numpy.pad's; "wrap" is internal.
_PAD_MODES = {"reflect": "symmetric", "mirror": "reflect", "edge": "edge", "wrap": "wrap"}


def _pad_channels(image, psf, mode="reflect"):
    """Pad the two leading axes of ``image`` by ``max(psf.shape)``; return it and the crop."""
    pad = max(psf.shape)
    widths = ((pad, pad), (pad, pad)) + ((0, 0),) * (image.ndim - 2)
    padded = np.pad(image, widths, mode=_PAD_MODES[mode])
    return padded, (slice(pad, pad + image.shape[0]), slice(pad, pad + image.shape[1]))


def _edge_weight(psf, shape):
    """MATLAB edgetaper's window: 0 at the borders, 1 farther than the PSF reaches."""
    windows = []
    for axis, length in enumerate(shape):
        projection = psf.sum(axis=1 - axis)  # the PSF's profile along this axis
        # Autocorrelation of the profile by FFT, over length - 1 samples, closed periodically so
        # the window is symmetric: 1 at both ends, falling to 0 one PSF width inside.
        autocorrelation = np.real(np.fft.ifft(np.abs(np.fft.fft(projection, length - 1)) ** 2))
        autocorrelation = np.append(autocorrelation, autocorrelation[0])
        windows.append(1.0 - autocorrelation / autocorrelation.max())
    return np.outer(windows[0], windows[1])


def taper_edges(frame, psf):
    """Blend a frame into its circularly blurred copy near the borders (MATLAB's ``edgetaper``).

    The FFT's periodic model needs the frame's edges to join smoothly. Here each pixel becomes
    ``w * frame + (1 - w) * blurred``, where ``blurred`` is the frame blurred by ``psf`` *with
    wrap-around* and the weight ``w`` (built from the autocorrelation of the PSF's row and column
    profiles) is 0 on the border and 1 farther inside than the PSF reaches. The border is then
    exactly what a periodic blur would produce, so deconvolution finds no step to sharpen. No
    pixels are added, but the outer band stays a little blurred.

    Parameters
    ----------
    frame : ndarray
        One float frame (height, width, channels) or (height, width), values in [0, 1].
    psf : ndarray
        2-D point-spread function, non-negative, summing to one, smaller than the frame.

    Returns
    -------
    ndarray
        float32 frame, same shape.

    Examples
    --------
    >>> frame = np.zeros((16, 16), dtype=np.float32)
    >>> frame[:, :8] = 1.0  # bright left half: a step at the wrap-around too
    >>> tapered = taper_edges(frame, np.ones((5, 5)) / 25)
    >>> print(tapered[8, 0], tapered[8, 15])  # borders now meet halfway
    0.6 0.4
    >>> bool(np.array_equal(tapered[8, 5:11], frame[8, 5:11]))  # the interior is untouched
    True
    """
    image, grayscale = _as_frame(frame)
    psf = check.psf(psf, frame_shape=image.shape[:2])
    height, width = image.shape[:2]
    if min(height, width) < 3:
        raise ValueError(f"frame must be at least 3 x 3 pixels, got {height} x {width}")
    weight = _edge_weight(psf, (height, width))[..., np.newaxis]
    otf = _otf(psf, (height, width))[..., np.newaxis]
    blurred = np.real(np.fft.ifft2(np.fft.fft2(image, axes=(0, 1)) * otf, axes=(0, 1)))
    tapered = (weight * image + (1 - weight) * blurred).astype(np.float32)
    return tapered[..., 0] if grayscale else tapered


# --------------------------------------------------------------------------- deconvolution


def _taper_channel(channel, psf):
    weight = _edge_weight(psf, channel.shape)
    blurred = np.real(np.fft.ifft2(np.fft.fft2(channel) * _otf(psf, channel.shape)))
    return weight * channel + (1 - weight) * blurred


def _deconvolve(clip, psf, boundary, deconvolve_channel, periodic, clip_output):
    """Run ``deconvolve_channel`` on every channel of every frame with the boundary treatment.

    ``periodic`` says what the algorithm assumes outside the frame: True for FFT methods
    (wrap-around), False for scikit-image's Richardson-Lucy (zeros).
    """

    def restore(channel):
        if boundary == "none":
            return deconvolve_channel(channel)
        if boundary == "reflect":
            prepared, crop = _pad_channels(channel, psf)
            prepared = _taper_channel(prepared, psf)  # smooth the wrap-around, in the padding
        else:
            prepared, crop = _taper_channel(channel, psf), (slice(None), slice(None))
        if periodic:
            return deconvolve_channel(prepared)[crop]
        # The prepared frame joins smoothly with its periodic copies, not with zeros: give the
        # zero-padded algorithm those copies, one PSF size on every side.
        wrapped, wrap_crop = _pad_channels(prepared, psf, mode="wrap")
        return deconvolve_channel(wrapped)[wrap_crop][crop]

    restored = _map_channels(restore, clip)
    return np.clip(restored, 0.0, 1.0) if clip_output else restored


def inverse_filter(video, psf, eps=1e-3, boundary="reflect", clip=True):
    """Deconvolve every frame by dividing its spectrum by the blur's (the naive inverse filter).

    Blurring multiplies the frame's Fourier transform by the PSF's, ``H``; dividing by ``H``
    undoes it exactly, in the absence of noise. Where ``|H|`` is tiny (the fine details the blur
    almost erased) the division multiplies whatever noise is there by up to ``1 / eps``: even
    noise invisible to the eye swamps the frame. Frequencies with ``|H| < eps`` are set to zero
    (a truncated "pseudo-inverse") so the division is defined. Chapter 03 shows this blow-up;
    :func:`wiener` is the cure.

    Parameters
    ----------
    video : ndarray
        Blurred float clip (frames, height, width, channels) or frame, values in [0, 1].
    psf : ndarray
        2-D point-spread function of the blur, non-negative, summing to one, centred at
        ``(kh // 2, kw // 2)``.
    eps : float, default 1e-3
        Frequencies where the blur's gain ``|H|`` is below ``eps`` are dropped, > 0.
    boundary : {"reflect", "taper", "none"}, default "reflect"
        How the frame's borders are prepared for the FFT's periodic assumption (module
        docstring).
    clip : bool, default True
        Clip the result to [0, 1]; ``False`` shows how far the noise blows up.

    Returns
    -------
    ndarray
        float32, same shape as ``video``.

    Examples
    --------
    A wrap-around blur is exactly the FFT's model: without noise, the inverse is exact.

    >>> from scipy import ndimage
    >>> rng = np.random.default_rng(0)
    >>> frame = rng.random((32, 32, 1))
    >>> psf = np.full((3, 3), 1 / 9)
    >>> blurred = ndimage.convolve(frame, psf[..., None], mode="wrap")
    >>> restored = inverse_filter(blurred, psf, boundary="none")
    >>> print(round(float(np.abs(restored - frame).max()), 6))
    0.0

    With 1 % noise added, the errors exceed the whole [0, 1] range.

    >>> noisy = np.clip(blurred + rng.normal(0, 0.01, blurred.shape), 0, 1)
    >>> raw = inverse_filter(noisy, psf, boundary="none", clip=False)
    >>> bool(np.abs(raw - frame).max() > 1)
    True
    """
    clip_input, single_frame = _as_video(video)
    psf = check.psf(psf, frame_shape=clip_input.shape[1:3])
    eps = check.number(eps, "eps", minimum=0, exclusive_minimum=True)
    boundary = check.choice(boundary, "boundary", BOUNDARIES)
    clip = check.boolean(clip, "clip")

    def deconvolve_channel(channel):
        transfer = _otf(psf, channel.shape)
        spectrum = np.fft.fft2(channel)
        kept = np.abs(transfer) >= eps
        quotient = np.divide(spectrum, transfer, out=np.zeros_like(spectrum), where=kept)
        return np.real(np.fft.ifft2(quotient))

    restored = _deconvolve(clip_input, psf, boundary, deconvolve_channel, True, clip)
    return _as_output(restored, single_frame)


def wiener(video, psf, balance, boundary="reflect", clip=True):
    """Deconvolve every frame with a Wiener filter (:func:`skimage.restoration.wiener`).

    The Wiener(-Hunt) filter is the inverse filter made safe: it divides by ``H`` where the blur
    kept the signal well above the noise and gives up gracefully where it did not,
    ``X = conj(H) Y / (|H|**2 + balance * |L|**2)`` with ``L`` the Laplacian (a smoothness
    penalty). ``balance`` trades sharpness (small) for less noise and ringing (large); tune it
    with :func:`tune_wiener_balance`.

    Parameters
    ----------
    video : ndarray
        Blurred float clip (frames, height, width, channels) or frame, values in [0, 1].
    psf : ndarray
        2-D point-spread function of the blur, non-negative, summing to one, centred at
        ``(kh // 2, kw // 2)``.
    balance : float
        Regularisation weight, > 0 (about the noise-to-signal power ratio; 1e-3 to 1e-1 for
        mild noise). ``balance = 0`` would be the inverse filter: use :func:`inverse_filter`.
    boundary : {"reflect", "taper", "none"}, default "reflect"
        How the frame's borders are prepared for the FFT's periodic assumption (module
        docstring).
    clip : bool, default True
        Clip the result to [0, 1].

    Returns
    -------
    ndarray
        float32, same shape as ``video``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.full((1, 32, 32, 1), 0.2)
    >>> clean[:, 8:24, 8:24] = 0.8  # a bright square with a darker bar inside
    >>> clean[:, 12:20, 14:18] = 0.4
    >>> g = np.exp(-np.arange(-2, 3) ** 2 / 2)
    >>> psf = np.outer(g, g) / np.outer(g, g).sum()  # 5 x 5 Gaussian, sigma 1
    >>> from scipy import ndimage
    >>> blurred = ndimage.convolve(clean, psf[None, ..., None], mode="reflect")
    >>> noisy = np.clip(blurred + rng.normal(0, 0.01, blurred.shape), 0, 1)
    >>> psnr = lambda x: round(float(10 * np.log10(1 / np.mean((x - clean) ** 2))), 1)
    >>> psnr(noisy), psnr(wiener(noisy, psf, balance=1e-3))
    (23.0, 25.8)
    """
    from skimage.restoration import wiener as skimage_wiener

    clip_input, single_frame = _as_video(video)
    psf = check.psf(psf, frame_shape=clip_input.shape[1:3])
    balance = check.number(balance, "balance", minimum=0, exclusive_minimum=True)
    boundary = check.choice(boundary, "boundary", BOUNDARIES)
    clip = check.boolean(clip, "clip")

    def deconvolve_channel(channel):
        return skimage_wiener(channel, psf, balance, clip=False)

    restored = _deconvolve(clip_input, psf, boundary, deconvolve_channel, True, clip)
    return _as_output(restored, single_frame)


def unsupervised_wiener(video, psf, boundary="reflect", seed=0, clip=True):
    """Wiener deconvolution that estimates its own balance (scikit-image's ``unsupervised_wiener``).

    A Gibbs sampler draws the noise and signal precisions (whose ratio is the Wiener balance)
    together with the image, and returns the posterior mean: no clean frame is needed to tune
    it, at the price of about a second per 64 x 64 channel.

    Parameters
    ----------
    video : ndarray
        Blurred float clip (frames, height, width, channels) or frame, values in [0, 1].
    psf : ndarray
        2-D point-spread function of the blur, non-negative, summing to one, centred at
        ``(kh // 2, kw // 2)``.
    boundary : {"reflect", "taper", "none"}, default "reflect"
        How the frame's borders are prepared for the FFT's periodic assumption (module
        docstring).
    seed : int, default 0
        Seed of the sampler's ``numpy.random.default_rng``; same seed, same result.
    clip : bool, default True
        Clip the result to [0, 1].

    Returns
    -------
    ndarray
        float32, same shape as ``video``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.full((1, 32, 32, 1), 0.2)
    >>> clean[:, 8:24, 8:24] = 0.8  # a bright square with a darker bar inside
    >>> clean[:, 12:20, 14:18] = 0.4
    >>> g = np.exp(-np.arange(-2, 3) ** 2 / 2)
    >>> psf = np.outer(g, g) / np.outer(g, g).sum()  # 5 x 5 Gaussian, sigma 1
    >>> from scipy import ndimage
    >>> blurred = ndimage.convolve(clean, psf[None, ..., None], mode="reflect")
    >>> noisy = np.clip(blurred + rng.normal(0, 0.01, blurred.shape), 0, 1)
    >>> psnr = lambda x: round(float(10 * np.log10(1 / np.mean((x - clean) ** 2))), 1)
    >>> restored = unsupervised_wiener(noisy[0], psf)  # one frame in, one frame out
    >>> restored.shape
    (32, 32, 1)
    >>> psnr(noisy[0]), psnr(restored)
    (23.0, 25.6)
    """
    from skimage.restoration import unsupervised_wiener as skimage_unsupervised_wiener

    clip_input, single_frame = _as_video(video)
    psf = check.psf(psf, frame_shape=clip_input.shape[1:3])
    boundary = check.choice(boundary, "boundary", BOUNDARIES)
    seed = check.integer(seed, "seed", minimum=0)
    clip = check.boolean(clip, "clip")
    rng = np.random.default_rng(seed)

    def deconvolve_channel(channel):
        restored, _ = skimage_unsupervised_wiener(channel, psf, clip=False, rng=rng)
        return restored

    restored = _deconvolve(clip_input, psf, boundary, deconvolve_channel, True, clip)
    return _as_output(restored, single_frame)


def richardson_lucy(video, psf, num_iter=30, boundary="reflect", clip=True):
    """Deconvolve every frame by Richardson-Lucy iterations (scikit-image's ``richardson_lucy``).

    Starting from a flat frame, each iteration re-blurs the estimate, compares it with the
    observed frame (a ratio) and corrects the estimate by that ratio blurred with the flipped
    PSF [2]_. It is the maximum-likelihood estimate under Poisson (photon) noise, keeps the
    image non-negative, and sharpens more with every iteration, noise included: the iteration
    count is the regularisation. scikit-image's convolution assumes zeros outside the frame, so
    with ``boundary="none"`` the borders come out bright and noisy.

    Parameters
    ----------
    video : ndarray
        Blurred float clip (frames, height, width, channels) or frame, values in [0, 1].
    psf : ndarray
        2-D point-spread function of the blur, non-negative, summing to one, centred at
        ``(kh // 2, kw // 2)``.
    num_iter : int, default 30
        Number of iterations, >= 1.
    boundary : {"reflect", "taper", "none"}, default "reflect"
        How the frame's borders are prepared (module docstring); ``"reflect"`` and ``"taper"``
        also wrap-pad the prepared frame, since this algorithm assumes zeros, not periodicity.
    clip : bool, default True
        Clip the result to [0, 1].

    Returns
    -------
    ndarray
        float32, same shape as ``video``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.full((1, 32, 32, 1), 0.2)
    >>> clean[:, 8:24, 8:24] = 0.8  # a bright square with a darker bar inside
    >>> clean[:, 12:20, 14:18] = 0.4
    >>> g = np.exp(-np.arange(-2, 3) ** 2 / 2)
    >>> psf = np.outer(g, g) / np.outer(g, g).sum()  # 5 x 5 Gaussian, sigma 1
    >>> from scipy import ndimage
    >>> blurred = ndimage.convolve(clean, psf[None, ..., None], mode="reflect")
    >>> noisy = np.clip(blurred + rng.normal(0, 0.01, blurred.shape), 0, 1)
    >>> psnr = lambda x: round(float(10 * np.log10(1 / np.mean((x - clean) ** 2))), 1)
    >>> psnr(noisy), psnr(richardson_lucy(noisy, psf, num_iter=30))
    (23.0, 25.5)
    """
    from skimage.restoration import richardson_lucy as skimage_richardson_lucy

    clip_input, single_frame = _as_video(video)
    psf = check.psf(psf, frame_shape=clip_input.shape[1:3])
    num_iter = check.integer(num_iter, "num_iter", minimum=1)
    boundary = check.choice(boundary, "boundary", BOUNDARIES)
    clip = check.boolean(clip, "clip")

    def deconvolve_channel(channel):
        # Padding by reflection keeps values in [0, 1]; RL needs a non-negative input.
        return skimage_richardson_lucy(channel, psf, num_iter=num_iter, clip=False)

    restored = _deconvolve(clip_input, psf, boundary, deconvolve_channel, False, clip)
    return _as_output(restored, single_frame)


def tune_wiener_balance(blurred, clean, psf, balances=DEFAULT_BALANCES, boundary="reflect"):
    """Find the Wiener balance that gives the highest PSNR against the clean clip.

    The learned deblurring of chapter 03 is compared with Wiener *at its best*: tuned on the very
    clip it is scored on (an oracle), so the comparison favours the classical side.

    Parameters
    ----------
    blurred : ndarray
        Blurred (and possibly noisy) float clip (frames, height, width, channels) or frame.
    clean : ndarray
        The clean clip, same shape.
    psf : ndarray
        2-D point-spread function of the blur, non-negative, summing to one.
    balances : sequence of float, default :data:`DEFAULT_BALANCES`
        Balances to try, each > 0.
    boundary : {"reflect", "taper", "none"}, default "reflect"
        Passed to :func:`wiener`.

    Returns
    -------
    best_balance : float
        The balance with the highest PSNR (the first one on ties).
    table : list of dict
        ``{"balance": float, "psnr": float}`` in the order of ``balances`` (a curve to plot),
        PSNR in dB, mean over frames (as ``metrics.psnr``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.full((1, 32, 32, 1), 0.2)
    >>> clean[:, 8:24, 8:24] = 0.8  # a bright square with a darker bar inside
    >>> clean[:, 12:20, 14:18] = 0.4
    >>> g = np.exp(-np.arange(-2, 3) ** 2 / 2)
    >>> psf = np.outer(g, g) / np.outer(g, g).sum()  # 5 x 5 Gaussian, sigma 1
    >>> from scipy import ndimage
    >>> blurred = ndimage.convolve(clean, psf[None, ..., None], mode="reflect")
    >>> noisy = np.clip(blurred + rng.normal(0, 0.01, blurred.shape), 0, 1)
    >>> best, table = tune_wiener_balance(noisy, clean, psf, balances=(1e-4, 1e-3, 1e-2, 1.0))
    >>> best
    0.001
    >>> [round(row["psnr"], 1) for row in table]  # too sharp, balanced, too smooth
    [22.9, 25.8, 24.8, 21.2]
    """
    blurred_clip, _ = _as_video(blurred, "blurred")
    clean_clip, _ = _as_video(clean, "clean")
    _check_same_shape(clean_clip, blurred_clip, "clean", "blurred")
    psf = check.psf(psf, frame_shape=blurred_clip.shape[1:3])
    boundary = check.choice(boundary, "boundary", BOUNDARIES)
    if isinstance(balances, (str, bytes)) or not hasattr(balances, "__len__") or not balances:
        raise ValueError(
            f"balances must be a non-empty sequence of positive numbers, got {balances!r}"
        )
    balances = [check.number(balance, "each balance", minimum=0, exclusive_minimum=True) for balance in balances]
    table = [
        {
            "balance": balance,
            "psnr": metrics.psnr(clean_clip, wiener(blurred_clip, psf, balance, boundary=boundary)),
        }
        for balance in balances
    ]
    best = max(table, key=lambda row: row["psnr"])
    return best["balance"], table
