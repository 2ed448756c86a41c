"""Specification of deconv_tutor.motion: neighbouring frames lined up with the middle one."""

import warnings

import numpy as np
import pytest
from scipy import ndimage

from deconv_tutor import data, metrics, motion

SIGMA = 25 / 255


@pytest.fixture(scope="module")
def photo():
    return data.photo_clip("chelsea", frames=1, size=(96, 96), seed=0)[0]


@pytest.mark.parametrize("shift", [(0.0, 0.0), (3.0, -5.0), (1.25, 2.75), (-6.5, 0.5)])
def test_a_known_shift_is_found_to_a_quarter_pixel_through_noise(photo, shift):
    moved = ndimage.shift(photo, (*shift, 0), order=3, mode="nearest")
    noisy = [data.add_gaussian_noise(frame[None], SIGMA, seed=seed)[0]
             for seed, frame in enumerate((photo, moved))]  # fmt: skip
    found = motion.estimate_shift(*noisy)
    # `found` moves the second frame back onto the first: the opposite of `shift`.
    np.testing.assert_allclose(found, -np.asarray(shift), atol=0.25)


def test_aligned_neighbours_average_away_the_noise_of_a_pan():
    # Five frames from the middle of a 16-frame pan: a few pixels of motion per frame.
    clean = data.photo_clip("coffee", frames=16, size=(64, 64), motion="pan", seed=1)[6:11]
    noisy = data.add_gaussian_noise(clean, SIGMA, seed=0)
    aligned = motion.align_to_middle(noisy)
    one = metrics.psnr(clean[2], noisy[2])
    plain_mean = metrics.psnr(clean[2], noisy.mean(axis=0))
    aligned_mean = metrics.psnr(clean[2], aligned.mean(axis=0))
    assert plain_mean < one  # the pan smears a plain average
    assert aligned_mean > one + 4  # 5 aligned frames: up to 7 dB less noise
    np.testing.assert_array_equal(aligned[2], noisy[2])  # the middle frame is untouched
    assert aligned.dtype == np.float32 and aligned.shape == noisy.shape


def test_windows_are_aligned_one_by_one():
    clean = data.photo_clip("coffee", frames=6, size=(32, 32), motion="pan", seed=2)
    windows = np.stack([clean[0:3], clean[3:6]])
    aligned = motion.align_windows(windows)
    np.testing.assert_array_equal(aligned[1], motion.align_to_middle(clean[3:6]))


def test_a_flat_frame_has_no_motion_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shift = motion.estimate_shift(np.zeros((16, 16, 3)), np.zeros((16, 16, 3)))
    np.testing.assert_array_equal(shift, [0.0, 0.0])


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: motion.align_to_middle(np.zeros((4, 8, 8, 3))), ValueError,
         "odd number of frames .* got 4 frames"),
        (lambda: motion.align_to_middle(np.zeros((8, 8, 3))), ValueError,
         r"4-D \(frames, height, width, channels\), got shape \(8, 8, 3\)"),
        (lambda: motion.align_to_middle(np.zeros((3, 8, 8, 3), np.uint8)), TypeError,
         "floats in \\[0, 1\\], got uint8"),
        (lambda: motion.align_windows(np.zeros((3, 8, 8, 3))), ValueError,
         r"5-D \(windows, frames, height, width, channels\), got shape \(3, 8, 8, 3\)"),
        (lambda: motion.estimate_shift(np.zeros((8, 8)), np.zeros((8, 9))), ValueError,
         r"shape of reference, \(8, 8\), got \(8, 9\)"),
        (lambda: motion.estimate_shift("frame", np.zeros((8, 8))), TypeError,
         "reference must be an array of numbers, got str"),
    ],
)  # fmt: skip
def test_bad_input_names_what_was_expected_and_what_came(call, error, message):
    with pytest.raises(error, match=message):
        call()
