"""Exercises of chapter 06, denoising: noise levels, PSNR, the classical winner, DnCNN's cost.

The chapter imports them (``from deconv_tutor.questions.ch06 import chapter, q1, q2, q3, q4``)
and shows only the questions; ``q3`` recomputes the chapter's classical sweep at σ = 50 on the
same test clip with the same noise seed, so its check does not depend on the notebook's
variables.

Examples
--------
>>> from deconv_tutor.questions.ch06 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3', 'q4']
"""

import numpy as np

from deconv_tutor import cost, data, models, restoration
from deconv_tutor.data import photos
from deconv_tutor.exercises import Exercise, ExerciseSet


def _test_clip():
    # The chapter's section 1: 4 frames of a pan with zoom over each test photo.
    return np.concatenate(
        [
            data.photo_clip(name, frames=4, size=(128, 128), motion="pan_zoom", seed=1)
            for name in photos.TEST_PHOTOS
        ]
    )


def _winner_at_50():
    # The chapter's section 2: the test clip, noise seeded by σ itself.
    clean = _test_clip()
    noisy = data.add_gaussian_noise(clean, 50 / 255, seed=50)
    return restoration.best_classical_denoiser(noisy, clean, 50 / 255)[0]["method"]


def _dncnn_macs(channels, filters, depth):
    return cost.macs_per_pixel(models.dncnn(channels, filters, depth), (16, 16, channels))


chapter = ExerciseSet("06 denoising")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="sigma_unit",
        expected=40 / 255,
        atol=1e-4,
        wrong_answers=[40],
        hints=["Our frames use the [0, 1] scale, where white is 1, not 255."],
        solution="sigma_unit = 40 / 255",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="noisy_psnr",
        expected=20 * np.log10(255 / 10),
        atol=0.05,
        hints=[
            "Without clipping the mean squared error is σ² (on the [0, 1] scale).",
            "PSNR = 10 log10(1 / MSE) = 20 log10(1 / σ).",
        ],
        solution="noisy_psnr = 20 * np.log10(255 / 10)  # 28.13 dB",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="winner_at_50",
        expected=_winner_at_50,
        wrong_answers=["tv", "median"],
        hints=[
            "Look at the classical table in section 2, or at sweeps[50] (sorted best first).",
            "The answer is a method name as the table writes it, e.g. 'tv'.",
        ],
        solution=(
            "# In the chapter: winner_at_50 = sweeps[50][0]['method']; from scratch:\n"
            "test_clip = np.concatenate([data.photo_clip(name, frames=4, size=(128, 128),"
            " motion='pan_zoom', seed=1) for name in photos.TEST_PHOTOS])\n"
            "noisy_at_50 = data.add_gaussian_noise(test_clip, 50 / 255, seed=50)\n"
            "winner_at_50 = restoration.best_classical_denoiser(noisy_at_50, test_clip,"
            " 50 / 255)[0]['method']"
        ),
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="dncnn_macs",
        cases=[(3, 32, 8), (1, 64, 17), (3, 16, 4)],
        expected=_dncnn_macs,
        hints=[
            "Every layer is a 3×3 convolution: 9 × (input channels) × (output channels) per pixel.",
            "First layer c → f, then depth - 2 layers f → f, last layer f → c.",
        ],
        solution=(
            "def dncnn_macs(channels, filters, depth):\n"
            "    return 9 * filters * (2 * channels + (depth - 2) * filters)"
        ),
    )
)
