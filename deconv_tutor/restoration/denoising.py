"""Classical denoisers, and a sweep that finds the best of them for a clip."""

import numpy as np
from scipy import ndimage

from deconv_tutor import _validation as check
from deconv_tutor import metrics
from deconv_tutor.restoration._frames import (
    as_output,
    as_video,
    check_same_shape,
    map_channels,
    odd_size,
)


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
    clip, single_frame = as_video(video)
    sigma_filter = check.number(sigma_filter, "sigma_filter", minimum=0, exclusive_minimum=True)
    # Reflect at the borders so that the frame edge does not darken (zeros) or wrap around.
    smoothed = ndimage.gaussian_filter(
        clip, sigma=(0, sigma_filter, sigma_filter, 0), mode="reflect"
    )
    return as_output(smoothed, single_frame)


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
    clip, single_frame = as_video(video)
    size = odd_size(size)
    filtered = ndimage.median_filter(clip, size=(1, size, size, 1), mode="reflect")
    return as_output(filtered, single_frame)


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

    clip, single_frame = as_video(video)
    weight = check.number(weight, "weight", minimum=0, exclusive_minimum=True)
    denoised = np.stack(
        [denoise_tv_chambolle(frame, weight=weight, channel_axis=-1) for frame in clip]
    )
    return as_output(denoised, single_frame)


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
    of each sub-band is BayesShrink's ``sigma**2 / signal_std`` [1]_, and the result is averaged
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

    References
    ----------
    .. [1] S. G. Chang, B. Yu and M. Vetterli, "Adaptive wavelet thresholding for image
       denoising and compression", IEEE TIP 9 (2000) (BayesShrink).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> clean = np.tile(np.linspace(0, 1, 32), (1, 32, 1))[..., None]  # a horizontal ramp
    >>> noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1)
    >>> bool(np.abs(denoise_wavelet(noisy) - clean).mean() < np.abs(noisy - clean).mean() / 2)
    True
    """
    clip, single_frame = as_video(video)
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

    denoised = map_channels(denoise_channel, clip)
    return as_output(np.clip(denoised, 0.0, 1.0), single_frame)


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

    clip, single_frame = as_video(video)
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
    return as_output(np.clip(denoised, 0.0, 1.0), single_frame)


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
    noisy_clip, _ = as_video(noisy, "noisy")
    clean_clip, _ = as_video(clean, "clean")
    check_same_shape(clean_clip, noisy_clip, "clean", "noisy")
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
