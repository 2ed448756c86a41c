"""Specification of deconv_tutor.restoration: classical baselines, frame by frame.

The clips are built here from scikit-image's bundled astronaut photo (no deconv_tutor.data, so
this file never imports Keras): a 4-frame, 64 x 64 pan over the photo shrunk to 128 x 128.
Blurred clips are cut from the *blurred* photo, so the blur near a frame's border comes from the
real scene outside it, as in a camera, and not from any boundary assumption of ours.
"""

import re

import numpy as np
import pytest
import skimage.data
from scipy import ndimage

from deconv_tutor import restoration
from deconv_tutor.restoration import (
    BOUNDARIES,
    best_classical_denoiser,
    denoise_gaussian,
    denoise_median,
    denoise_nl_means,
    denoise_tv,
    denoise_wavelet,
    inverse_filter,
    pad_for_deconvolution,
    richardson_lucy,
    taper_edges,
    tune_wiener_balance,
    unsupervised_wiener,
    upscale_bicubic,
    upscale_lanczos,
    upscale_nearest,
    wiener,
)

FRAMES, SIZE = 4, 64
NOISE_SIGMA = 0.1
BORDER = 8  # width in pixels of the band where boundary artefacts live


def psnr(reference, test):
    """Mean over frames of per-frame PSNR (dB, data range 1), as metrics.psnr defines it."""
    reference = np.asarray(reference, dtype=np.float64)
    test = np.asarray(test, dtype=np.float64)
    if reference.ndim == 3:
        reference, test = reference[None], test[None]
    mse = np.mean((reference - test) ** 2, axis=(1, 2, 3))
    return float(np.mean(10 * np.log10(1 / mse)))


def border_psnr(reference, test, width=BORDER):
    """PSNR over the outer band of every frame only."""
    band = np.ones(reference.shape[1:3], dtype=bool)
    band[width:-width, width:-width] = False
    error = (np.asarray(reference, np.float64) - np.asarray(test, np.float64))[:, band]
    return float(10 * np.log10(1 / np.mean(error**2)))


def gaussian_psf(size=9, sigma=1.5):
    profile = np.exp(-((np.arange(size) - size // 2) ** 2) / (2 * sigma**2))
    psf = np.outer(profile, profile)
    return psf / psf.sum()


def pan(scene, frames=FRAMES, size=SIZE):
    """A camera pan: crops moving 2 px down and 3 px right per frame."""
    return np.stack(
        [
            scene[32 + 2 * t : 32 + 2 * t + size, 40 + 3 * t : 40 + 3 * t + size]
            for t in range(frames)
        ]
    ).astype(np.float32)


@pytest.fixture(scope="module")
def scene():
    photo = skimage.data.astronaut().astype(np.float64) / 255
    return photo.reshape(128, 4, 128, 4, 3).mean(axis=(1, 3))  # area-average to 128 x 128


@pytest.fixture(scope="module")
def clean(scene):
    return pan(scene)


@pytest.fixture(scope="module")
def noisy(clean):
    rng = np.random.default_rng(0)
    return np.clip(clean + rng.normal(0, NOISE_SIGMA, clean.shape), 0, 1).astype(np.float32)


@pytest.fixture(scope="module")
def psf():
    return gaussian_psf()


@pytest.fixture(scope="module")
def blurred(scene, psf):
    """Blurred by a 9 x 9 Gaussian (sigma 1.5) plus faint noise (sigma 0.005)."""
    blurred_scene = ndimage.convolve(scene, psf[..., None], mode="reflect")
    rng = np.random.default_rng(1)
    clip = pan(blurred_scene)
    return np.clip(clip + rng.normal(0, 0.005, clip.shape), 0, 1).astype(np.float32)


# ----------------------------------------------------------------------------- upscaling

UPSCALERS = [upscale_nearest, upscale_bicubic, upscale_lanczos]


@pytest.mark.parametrize("upscale", UPSCALERS, ids=lambda f: f.__name__)
def test_upscalers_multiply_height_and_width_and_return_float32(upscale, clean):
    upscaled = upscale(clean[:, :16, :24], 3)
    assert upscaled.shape == (FRAMES, 48, 72, 3)
    assert upscaled.dtype == np.float32
    assert 0 <= upscaled.min() and upscaled.max() <= 1


@pytest.mark.parametrize("upscale", UPSCALERS, ids=lambda f: f.__name__)
def test_upscalers_take_a_single_frame_and_return_a_single_frame(upscale, clean):
    assert upscale(clean[0, :16, :16], 2).shape == (32, 32, 3)


@pytest.mark.parametrize("upscale", UPSCALERS, ids=lambda f: f.__name__)
def test_upscaling_by_one_returns_the_clip_unchanged(upscale, clean):
    np.testing.assert_allclose(upscale(clean, 1), clean, atol=1e-6)


@pytest.mark.parametrize("upscale", [upscale_bicubic, upscale_lanczos], ids=lambda f: f.__name__)
def test_interpolating_upscalers_beat_nearest_neighbour_on_a_downscaled_clip(upscale, clean):
    small = clean.reshape(FRAMES, 32, 2, 32, 2, 3).mean(axis=(2, 4))  # area-average by 2
    nearest = psnr(clean, upscale_nearest(small, 2))
    # Measured: nearest 21.8 dB, bicubic 23.6 dB, Lanczos 23.7 dB.
    assert psnr(clean, upscale(small, 2)) > nearest + 1.0


# ----------------------------------------------------------------------------- denoising

DENOISERS = {
    "gaussian": lambda video: denoise_gaussian(video, sigma_filter=0.75),
    "median": lambda video: denoise_median(video, size=3),
    "tv": lambda video: denoise_tv(video, weight=0.05),
    "wavelet": lambda video: denoise_wavelet(video),
    "wavelet_known_sigma": lambda video: denoise_wavelet(video, sigma=NOISE_SIGMA),
    "nl_means": lambda video: denoise_nl_means(video, sigma=NOISE_SIGMA),
}


@pytest.mark.parametrize("name", DENOISERS)
def test_each_denoiser_raises_psnr_on_gaussian_noise_of_sigma_0_1(name, clean, noisy):
    denoised = DENOISERS[name](noisy)
    assert denoised.shape == noisy.shape and denoised.dtype == np.float32
    # Measured gains over the noisy 20.8 dB: gaussian 2.5, median 1.6, tv 3.7, wavelet 3.6,
    # nl_means 4.0 dB.
    assert psnr(clean, denoised) > psnr(clean, noisy) + 1.0


@pytest.mark.parametrize("name", DENOISERS)
def test_denoisers_work_frame_by_frame(name, noisy):
    whole_clip = DENOISERS[name](noisy)
    one_frame = DENOISERS[name](noisy[2])
    assert one_frame.shape == noisy[2].shape
    np.testing.assert_allclose(one_frame, whole_clip[2], atol=1e-6)


def test_median_filter_removes_an_isolated_hot_pixel():
    frame = np.full((9, 9, 1), 0.5, dtype=np.float32)
    frame[4, 4] = 1.0
    np.testing.assert_array_equal(denoise_median(frame, 3), np.full((9, 9, 1), 0.5))


def test_wavelet_denoiser_estimates_the_noise_level_well_enough(clean, noisy):
    estimated = psnr(clean, denoise_wavelet(noisy))
    known = psnr(clean, denoise_wavelet(noisy, sigma=NOISE_SIGMA))
    assert abs(estimated - known) < 0.5


def test_stronger_nl_means_smooths_more(noisy):
    gentle = denoise_nl_means(noisy, sigma=NOISE_SIGMA, h=0.04)
    strong = denoise_nl_means(noisy, sigma=NOISE_SIGMA, h=0.2)
    assert np.abs(np.diff(strong, axis=2)).mean() < np.abs(np.diff(gentle, axis=2)).mean()


@pytest.fixture(scope="module")
def denoiser_table(noisy, clean):
    return best_classical_denoiser(noisy, clean, NOISE_SIGMA)


def test_best_classical_denoiser_ranks_every_method_best_first(denoiser_table):
    methods = {row["method"] for row in denoiser_table}
    assert methods == {"none", "gaussian", "median", "tv", "wavelet", "nl_means"}
    scores = [row["psnr"] for row in denoiser_table]
    assert scores == sorted(scores, reverse=True)
    assert all(set(row) == {"method", "params", "psnr"} for row in denoiser_table)


def test_best_classical_denoiser_reports_the_noisy_input_as_the_bar_to_beat(
    denoiser_table, noisy, clean
):
    (none_row,) = [row for row in denoiser_table if row["method"] == "none"]
    assert none_row["psnr"] == pytest.approx(psnr(clean, noisy), abs=1e-4)
    # Measured: NL-means with h = 0.6 sigma wins, 4.4 dB above the noisy clip.
    assert denoiser_table[0]["psnr"] > none_row["psnr"] + 3.0


def test_best_classical_denoiser_scores_can_be_reproduced_from_the_table(
    denoiser_table, noisy, clean
):
    functions = {
        "gaussian": denoise_gaussian,
        "median": denoise_median,
        "tv": denoise_tv,
        "wavelet": denoise_wavelet,
        "nl_means": denoise_nl_means,
    }
    best = denoiser_table[0]
    rerun = functions[best["method"]](noisy, **best["params"])
    assert psnr(clean, rerun) == pytest.approx(best["psnr"], abs=1e-4)


# ----------------------------------------------------------------------------- deconvolution


@pytest.fixture(scope="module")
def tuned(blurred, clean, psf):
    return tune_wiener_balance(blurred, clean, psf)


def test_tuned_wiener_raises_psnr_over_the_blurred_clip(tuned, blurred, clean, psf):
    balance, _ = tuned
    restored = wiener(blurred, psf, balance)
    assert restored.shape == blurred.shape and restored.dtype == np.float32
    # Measured: blurred 20.1 dB, Wiener (tuned balance 3e-4) 23.8 dB.
    assert psnr(clean, restored) > psnr(clean, blurred) + 2.5


def test_richardson_lucy_raises_psnr_over_the_blurred_clip(blurred, clean, psf):
    # Measured: blurred 20.1 dB, 10 iterations 21.9 dB.
    assert psnr(clean, richardson_lucy(blurred, psf, num_iter=10)) > psnr(clean, blurred) + 1.0


def test_unsupervised_wiener_raises_psnr_without_a_tuned_balance(blurred, clean, psf):
    restored = unsupervised_wiener(blurred[0], psf)
    assert restored.shape == blurred[0].shape
    # Measured: 20.4 dB -> 23.4 dB on this frame.
    assert psnr(clean[0], restored) > psnr(clean[0], blurred[0]) + 1.0


def test_unsupervised_wiener_is_repeatable_with_a_seed(blurred, psf):
    frame = blurred[0, :32, :32]
    np.testing.assert_array_equal(
        unsupervised_wiener(frame, psf, seed=3), unsupervised_wiener(frame, psf, seed=3)
    )


def test_inverse_filter_is_exact_on_a_noiseless_wrap_around_blur(clean):
    # A blur whose transfer function never vanishes (its gain is at least 0.2), applied with
    # wrap-around, the FFT's own model.
    psf = np.array([[0.0, 1.0, 0.0], [1.0, 6.0, 1.0], [0.0, 1.0, 0.0]]) / 10
    blurred = ndimage.convolve(clean[:1], psf[None, ..., None], mode="wrap")
    restored = inverse_filter(blurred, psf, boundary="none", clip=False)
    np.testing.assert_allclose(restored, clean[:1], atol=1e-4)


def test_inverse_filter_blows_up_faint_noise_where_wiener_does_not(tuned, blurred, clean, psf):
    balance, _ = tuned
    inverse = psnr(clean, inverse_filter(blurred, psf))
    # Measured: inverse 6.4 dB (worse than the blurred 20.1 dB), Wiener 23.8 dB.
    assert inverse < psnr(clean, blurred) - 10
    assert inverse < psnr(clean, wiener(blurred, psf, balance)) - 10
    raw = inverse_filter(blurred, psf, clip=False)
    assert np.abs(raw).max() > 1  # unclipped, the result leaves the [0, 1] range


def test_tune_wiener_balance_returns_the_best_balance_and_a_curve(tuned):
    balance, table = tuned
    assert [row["balance"] for row in table] == list(restoration.DEFAULT_BALANCES)
    best_row = max(table, key=lambda row: row["psnr"])
    assert balance == best_row["balance"]
    # Too little regularisation amplifies noise, too much blurs: the best lies inside the sweep.
    assert table[0]["psnr"] < best_row["psnr"] and table[-1]["psnr"] < best_row["psnr"]


def test_tune_wiener_balance_accepts_custom_balances(blurred, clean, psf):
    balance, table = tune_wiener_balance(blurred[:1], clean[:1], psf, balances=[1.0, 1e-3])
    assert balance == 1e-3 and len(table) == 2


# Boundaries: border-band PSNR, measured (dB; blurred input 20.0):
#   Wiener (balance 1e-3): none 15.3, taper 20.4, reflect 23.3;
#   Richardson-Lucy (10 it.): none 14.1, taper 19.1, reflect 22.1;
#   inverse filter: none 4.5, taper 6.7, reflect 6.4.
DECONVOLVERS = {
    "wiener": lambda video, psf, boundary: wiener(video, psf, 1e-3, boundary=boundary),
    "richardson_lucy": lambda video, psf, boundary: richardson_lucy(
        video, psf, num_iter=10, boundary=boundary
    ),
}


@pytest.mark.parametrize("name", DECONVOLVERS)
@pytest.mark.parametrize("boundary", ["reflect", "taper"])
def test_boundary_handling_reduces_the_error_near_the_frame_border(
    name, boundary, blurred, clean, psf
):
    deconvolve = DECONVOLVERS[name]
    untreated = border_psnr(clean, deconvolve(blurred, psf, "none"))
    treated = border_psnr(clean, deconvolve(blurred, psf, boundary))
    assert treated > untreated + 3.0


@pytest.mark.parametrize("name", DECONVOLVERS)
def test_reflect_padding_restores_the_border_better_than_the_blurred_input(
    name, blurred, clean, psf
):
    restored = DECONVOLVERS[name](blurred, psf, "reflect")
    assert border_psnr(clean, restored) > border_psnr(clean, blurred) + 1.0


@pytest.mark.parametrize("boundary", ["reflect", "taper"])
def test_boundary_handling_reduces_the_inverse_filters_border_error(boundary, blurred, clean, psf):
    untreated = border_psnr(clean, inverse_filter(blurred, psf, boundary="none"))
    treated = border_psnr(clean, inverse_filter(blurred, psf, boundary=boundary))
    assert treated > untreated + 1.0


def test_pad_for_deconvolution_pads_by_the_psf_size_and_crops_back(clean, psf):
    padded, crop = pad_for_deconvolution(clean[0], psf)
    assert padded.shape == (SIZE + 2 * 9, SIZE + 2 * 9, 3)
    np.testing.assert_array_equal(padded[crop], clean[0])
    # Mirrored about the pixel edge: above the frame come its first, second, ... rows.
    top = crop[0].start
    np.testing.assert_array_equal(padded[top - 1, crop[1]], clean[0, 0])
    np.testing.assert_array_equal(padded[top - 2, crop[1]], clean[0, 1])


def test_pad_for_deconvolution_mirror_mode_skips_the_border_pixel(clean, psf):
    padded, crop = pad_for_deconvolution(clean[0], psf, mode="mirror")
    np.testing.assert_array_equal(padded[crop[0].start - 1, crop[1]], clean[0, 1])


def test_pad_for_deconvolution_accepts_a_grayscale_frame_and_other_modes(clean, psf):
    padded, crop = pad_for_deconvolution(clean[0, ..., 0], psf, mode="edge")
    assert padded.ndim == 2
    np.testing.assert_array_equal(padded[0, crop[1]], clean[0, 0, :, 0])


def test_taper_edges_makes_the_borders_match_a_wrap_around_blur(clean, psf):
    frame = clean[0]
    tapered = taper_edges(frame, psf)
    wrap_blurred = ndimage.convolve(frame, psf[..., None], mode="wrap")
    # On the border the frame is replaced by its periodic blur; deep inside it is untouched.
    np.testing.assert_allclose(tapered[0], wrap_blurred[0], atol=1e-5)
    np.testing.assert_allclose(tapered[:, -1], wrap_blurred[:, -1], atol=1e-5)
    np.testing.assert_allclose(tapered[16:-16, 16:-16], frame[16:-16, 16:-16], rtol=0, atol=1e-7)
    # The step from the right edge to the left edge (the FFT's wrap-around) shrinks.
    step = np.abs(frame[:, 0] - frame[:, -1]).mean()
    assert np.abs(tapered[:, 0] - tapered[:, -1]).mean() < step / 2
    assert tapered.dtype == np.float32 and 0 <= tapered.min() and tapered.max() <= 1


@pytest.mark.parametrize(
    "deconvolve",
    [
        lambda video, psf: wiener(video, psf, 1e-2),
        lambda video, psf: richardson_lucy(video, psf, num_iter=2),
        lambda video, psf: inverse_filter(video, psf),
    ],
    ids=["wiener", "richardson_lucy", "inverse_filter"],
)
def test_deconvolution_of_a_single_frame_returns_a_single_frame(deconvolve, blurred, psf):
    restored = deconvolve(blurred[0], psf)
    assert restored.shape == blurred[0].shape and restored.dtype == np.float32
    np.testing.assert_allclose(restored, deconvolve(blurred[:1], psf)[0], atol=1e-6)


# ----------------------------------------------------------------------------- bad input

FRAME = np.full((2, 16, 16, 3), 0.5, dtype=np.float32)
PSF = np.full((3, 3), 1 / 9)

# Every public function that takes a video, called with valid other arguments.
VIDEO_FUNCTIONS = {
    "upscale_nearest": lambda v: upscale_nearest(v, 2),
    "upscale_bicubic": lambda v: upscale_bicubic(v, 2),
    "upscale_lanczos": lambda v: upscale_lanczos(v, 2),
    "denoise_gaussian": lambda v: denoise_gaussian(v, 1.0),
    "denoise_median": lambda v: denoise_median(v, 3),
    "denoise_tv": lambda v: denoise_tv(v, 0.1),
    "denoise_wavelet": lambda v: denoise_wavelet(v),
    "denoise_nl_means": lambda v: denoise_nl_means(v, 0.1),
    "best_classical_denoiser_noisy": lambda v: best_classical_denoiser(v, FRAME, 0.1),
    "best_classical_denoiser_clean": lambda v: best_classical_denoiser(FRAME, v, 0.1),
    "inverse_filter": lambda v: inverse_filter(v, PSF),
    "wiener": lambda v: wiener(v, PSF, 0.01),
    "unsupervised_wiener": lambda v: unsupervised_wiener(v, PSF),
    "richardson_lucy": lambda v: richardson_lucy(v, PSF),
    "tune_wiener_balance_blurred": lambda v: tune_wiener_balance(v, FRAME, PSF),
    "tune_wiener_balance_clean": lambda v: tune_wiener_balance(FRAME, v, PSF),
    "pad_for_deconvolution": lambda v: pad_for_deconvolution(v, PSF),
    "taper_edges": lambda v: taper_edges(v, PSF),
}
FRAME_ONLY = {"pad_for_deconvolution", "taper_edges"}


@pytest.mark.parametrize("name", VIDEO_FUNCTIONS)
def test_wrong_rank_is_rejected_with_the_expected_shapes(name):
    too_many = np.full((1, 2, 16, 16, 3), 0.5, dtype=np.float32)
    with pytest.raises(ValueError, match=r"must be .*3-D .*got 5-D"):
        VIDEO_FUNCTIONS[name](too_many)
    if name not in FRAME_ONLY:  # pad/taper take a 2-D grayscale frame on purpose
        with pytest.raises(ValueError, match=r"must be 4-D .*got 2-D"):
            VIDEO_FUNCTIONS[name](FRAME[0, ..., 0])


@pytest.mark.parametrize("name", VIDEO_FUNCTIONS)
def test_uint8_frames_are_rejected_with_a_hint_to_divide_by_255(name):
    with pytest.raises(TypeError, match=r"must hold floats in \[0, 1\], got uint8.*/ 255"):
        VIDEO_FUNCTIONS[name](np.full(FRAME.shape, 128, dtype=np.uint8)[0])


@pytest.mark.parametrize("name", VIDEO_FUNCTIONS)
def test_values_outside_zero_one_are_rejected(name):
    eight_bit_range = FRAME[0] * 510
    eight_bit_range[0, 0] = 0
    with pytest.raises(ValueError, match=r"values must lie in \[0, 1\], got min 0 and max 255"):
        VIDEO_FUNCTIONS[name](eight_bit_range)
    with pytest.raises(ValueError, match=r"\[0, 1\], got min -0.5"):
        VIDEO_FUNCTIONS[name](FRAME[0] - 1)


@pytest.mark.parametrize("name", ["wiener", "richardson_lucy", "denoise_tv"])
def test_non_finite_values_are_rejected(name):
    frame = FRAME.copy()
    frame[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        VIDEO_FUNCTIONS[name](frame)


PSF_FUNCTIONS = {
    "inverse_filter": lambda psf: inverse_filter(FRAME, psf),
    "wiener": lambda psf: wiener(FRAME, psf, 0.01),
    "unsupervised_wiener": lambda psf: unsupervised_wiener(FRAME, psf),
    "richardson_lucy": lambda psf: richardson_lucy(FRAME, psf),
    "tune_wiener_balance": lambda psf: tune_wiener_balance(FRAME, FRAME, psf),
    "pad_for_deconvolution": lambda psf: pad_for_deconvolution(FRAME[0], psf),
    "taper_edges": lambda psf: taper_edges(FRAME[0], psf),
}
BAD_PSFS = {
    "one-dimensional": (
        np.full(3, 1 / 3),
        ValueError,
        r"psf must have shape \(kernel height, kernel width\), 2-D, got shape \(3,\)",
    ),
    "per-channel": (
        np.full((3, 3, 3), 1 / 27),
        ValueError,
        r"psf must have shape .*2-D, got shape \(3, 3, 3\)",
    ),
    "not normalised": (np.ones((3, 3)), ValueError, r"psf must sum to one .*got a sum of 9"),
    "negative": (
        np.array([[0.0, -0.5, 0.0], [0.5, 1.0, 0.5], [0.0, -0.5, 0.0]]),
        ValueError,
        r"psf must be non-negative, got a minimum of -0.5",
    ),
    "larger than the frame": (np.full((17, 3), 1 / 51), ValueError, r"not be larger than a frame"),
    "complex": (np.full((3, 3), 1 / 9 + 0j), TypeError, r"psf must hold real numbers"),
}


@pytest.mark.parametrize("function_name", PSF_FUNCTIONS)
@pytest.mark.parametrize("psf_name", BAD_PSFS)
def test_invalid_psfs_are_rejected(function_name, psf_name):
    psf, error, message = BAD_PSFS[psf_name]
    with pytest.raises(error, match=message):
        PSF_FUNCTIONS[function_name](psf)


def test_a_psf_summing_to_one_within_a_thousandth_is_accepted():
    almost = PSF * 1.0005
    assert wiener(FRAME, almost, 0.01).shape == FRAME.shape


@pytest.mark.parametrize("upscale", UPSCALERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "factor, error",
    [
        (0, ValueError),
        (-2, ValueError),
        (2.5, TypeError),
        (2.0, TypeError),
        ("2", TypeError),
        (True, TypeError),
    ],
)
def test_scale_factor_must_be_a_positive_integer(upscale, factor, error):
    with pytest.raises(
        error,
        match=rf"factor must be a positive integer, got ({type(factor).__name__} )?{re.escape(repr(factor))}",
    ):
        upscale(FRAME, factor)


POSITIVE_PARAMETERS = {
    "sigma_filter": lambda value: denoise_gaussian(FRAME, value),
    "weight": lambda value: denoise_tv(FRAME, value),
    "sigma": lambda value: denoise_nl_means(FRAME, value),
    "h": lambda value: denoise_nl_means(FRAME, 0.1, h=value),
    "balance": lambda value: wiener(FRAME, PSF, value),
    "eps": lambda value: inverse_filter(FRAME, PSF, eps=value),
}


@pytest.mark.parametrize("parameter", POSITIVE_PARAMETERS)
@pytest.mark.parametrize("value", [0, -0.1, float("nan")])
def test_strengths_and_noise_levels_must_be_positive(parameter, value):
    with pytest.raises(ValueError, match=rf"{parameter} must be a positive finite number, got"):
        POSITIVE_PARAMETERS[parameter](value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: denoise_wavelet(FRAME, sigma=0),
        lambda: denoise_wavelet(FRAME, sigma=-0.1),
        lambda: best_classical_denoiser(FRAME, FRAME, 0),
        lambda: best_classical_denoiser(FRAME, FRAME, -1.0),
    ],
    ids=["wavelet_zero", "wavelet_negative", "best_zero", "best_negative"],
)
def test_noise_sigma_must_be_positive(call):
    with pytest.raises(ValueError, match=r"sigma must be a positive finite number, got -?[01]"):
        call()


def test_noise_sigma_must_be_a_number():
    with pytest.raises(TypeError, match=r"sigma must be a positive finite number, got str '0.1'"):
        denoise_nl_means(FRAME, "0.1")


@pytest.mark.parametrize("num_iter", [0, -3])
def test_richardson_lucy_needs_at_least_one_iteration(num_iter):
    with pytest.raises(ValueError, match=rf"num_iter must be a positive integer, got {num_iter}"):
        richardson_lucy(FRAME, PSF, num_iter=num_iter)


def test_richardson_lucy_iterations_must_be_an_integer():
    with pytest.raises(TypeError, match=r"num_iter must be a positive integer, got float 2.5"):
        richardson_lucy(FRAME, PSF, num_iter=2.5)


@pytest.mark.parametrize("size, error", [(4, ValueError), (0, ValueError), (3.0, TypeError)])
def test_median_window_must_be_a_positive_odd_integer(size, error):
    with pytest.raises(error, match=rf"size must be a positive odd integer, got (float )?{size}"):
        denoise_median(FRAME, size)


@pytest.mark.parametrize("parameter", ["patch_size", "patch_distance"])
def test_nl_means_patch_parameters_must_be_positive_integers(parameter):
    with pytest.raises(ValueError, match=rf"{parameter} must be a positive integer, got 0"):
        denoise_nl_means(FRAME, 0.1, **{parameter: 0})


@pytest.mark.parametrize(
    "call",
    [
        lambda: wiener(FRAME, PSF, 0.01, boundary="wrap"),
        lambda: richardson_lucy(FRAME, PSF, boundary="periodic"),
        lambda: inverse_filter(FRAME, PSF, boundary="same"),
        lambda: unsupervised_wiener(FRAME, PSF, boundary="Reflect"),
        lambda: tune_wiener_balance(FRAME, FRAME, PSF, boundary=""),
    ],
)
def test_unknown_boundary_is_rejected_with_the_choices(call):
    with pytest.raises(
        ValueError, match=r"boundary must be one of 'reflect', 'taper', 'none', got"
    ):
        call()
    assert BOUNDARIES == ("reflect", "taper", "none")


def test_a_boundary_that_is_not_a_string_is_a_type_error():
    with pytest.raises(TypeError, match=r"boundary must be one of .*got NoneType None"):
        inverse_filter(FRAME, PSF, boundary=None)


def test_unknown_padding_mode_is_rejected():
    with pytest.raises(ValueError, match=r"mode must be one of .*got 'wrap'"):
        pad_for_deconvolution(FRAME[0], PSF, mode="wrap")


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: best_classical_denoiser(FRAME, FRAME[:1], 0.1), r"noisy must have the same"),
        (lambda: tune_wiener_balance(FRAME[:, :8], FRAME, PSF), r"blurred must have the same"),
    ],
)
def test_clean_and_degraded_clips_must_have_the_same_shape(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("balances", [(), "0.01", None, (0.01, 0)])
def test_balances_must_be_a_non_empty_sequence_of_positive_numbers(balances):
    with pytest.raises((ValueError, TypeError), match=r"balance"):
        tune_wiener_balance(FRAME, FRAME, PSF, balances=balances)


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_unsupervised_wiener_seed_must_be_a_non_negative_integer(seed):
    error = ValueError if isinstance(seed, int) and not isinstance(seed, bool) else TypeError
    with pytest.raises(error, match=r"seed must be a non-negative integer"):
        unsupervised_wiener(FRAME, PSF, seed=seed)


def test_clip_flag_must_be_boolean():
    with pytest.raises(TypeError, match=r"clip must be True or False, got str 'no'"):
        wiener(FRAME, PSF, 0.01, clip="no")


def test_restoration_does_not_import_keras():
    import subprocess
    import sys

    code = "import sys, deconv_tutor.restoration; print('keras' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.stdout.strip() == "False", result.stderr
