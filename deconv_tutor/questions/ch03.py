"""Exercises of chapter 03, deconvolution proper: a blur's rank, the Wiener gain, a zero of the box, RL's stop.

The chapter imports them (``from deconv_tutor.questions.ch03 import chapter, q1, q2, q3, q4``)
and shows only the questions. ``q1`` and ``q4`` are about the chapter's objects (the 8x8 box-blur
matrix ``C`` of section 7; the motion-blurred clip and the iteration counts of section 4); this
module makes them with the chapter's own calls, so its checks do not depend on the notebook's
variables, and the solutions run here as they do in the chapter.

Examples
--------
>>> from deconv_tutor.questions.ch03 import C, chapter
>>> [exercise.name for exercise in chapter], C.shape
(['q1', 'q2', 'q3', 'q4'], (64, 64))
"""

import numpy as np

from deconv_tutor import data, metrics, reference, restoration
from deconv_tutor.exercises import Exercise, ExerciseSet

# Section 1 and 4 of the chapter: the sharp clip, its motion blur and RL's iteration counts.
clean = data.photo_clip("astronaut", frames=8, size=(64, 64), motion="pan", seed=0)
motion_psf = data.psf_motion(9, angle=30)
blurred = data.blur(clean, motion_psf)
iteration_counts = (1, 3, 10, 20, 30, 50, 80)
# Section 7: the 3x3 box blur of an 8x8 image as a matrix ("same" padding, zeros outside).
C = reference.conv_matrix((8, 8), data.psf_box(3).reshape(3, 3, 1, 1), padding="same")


def _rl_best_count(noise):
    observed = data.add_gaussian_noise(blurred[:2], noise, seed=0)
    curve = [
        metrics.psnr(clean[:2], restoration.richardson_lucy(observed, motion_psf, n))
        for n in iteration_counts
    ]
    return iteration_counts[int(np.argmax(curve))]


chapter = ExerciseSet("03 deconvolution proper")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="blur_rank",
        expected=lambda: int(np.linalg.matrix_rank(C)),
        hints=[
            "The rank is the number of singular values that are not zero.",
            "64 singular values, and section 7 counted how many of them are zero.",
        ],
        solution="blur_rank = 64 - 15  # or np.linalg.matrix_rank(C)",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="wiener_gain",
        cases=[
            (np.array([1.0, 0.5, 0.01]), 0.01),
            (np.array([1 + 1j, 0.1j]), 0.1),
            (np.array([2.0]), 1e-3),
        ],
        expected=lambda H, balance: np.conj(H) / (np.abs(H) ** 2 + balance),
        hints=[
            "Take the Wiener formula of section 3 with |L|^2 replaced by 1.",
            "np.conj(H) on top; |H| squared plus the balance below.",
        ],
        solution="def wiener_gain(H, balance):\n    return np.conj(H) / (np.abs(H) ** 2 + balance)",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="zero_frequency",
        expected=1 / 3,
        atol=1e-3,
        hints=[
            "The 1-D 3-tap box has the gain (1 + 2 cos(2πf)) / 3 at f cycles per pixel.",
            "Solve cos(2πf) = -1/2 for f between 0 and 0.5; the stripes of section 7 have this "
            "period.",
        ],
        solution="zero_frequency = 1 / 3  # cos(2π/3) = -1/2: a period of 3 pixels",
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="rl_best_count_at_005",
        expected=lambda: _rl_best_count(0.05),
        hints=[
            "Copy the loop of section 4 with noise σ = 0.05 and keep the count of the highest PSNR.",
            "iteration_counts[int(np.argmax(curve))]",
        ],
        solution=(
            "observed = data.add_gaussian_noise(blurred[:2], 0.05, seed=0)\n"
            "curve = [metrics.psnr(clean[:2], restoration.richardson_lucy(observed, motion_psf, n))\n"
            "         for n in iteration_counts]\n"
            "rl_best_count_at_005 = iteration_counts[int(np.argmax(curve))]"
        ),
    )
)
