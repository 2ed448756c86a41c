"""Exercises of chapter 05, video data: a clip's bytes, a noise level, a downscaled shape, uint8 to float.

The chapter imports them (``from deconv_tutor.questions.ch05 import chapter, q1, q2, q3, q4``)
and shows only the questions. ``q3``'s solution uses the chapter's ``clean`` clip; this module
makes it with the chapter's own call, so the solution runs here as it does in the chapter.

Examples
--------
>>> from deconv_tutor.questions.ch05 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3', 'q4']
"""

import numpy as np

from deconv_tutor import data
from deconv_tutor.exercises import Exercise, ExerciseSet

# The chapter's first clip (section 1).
clean = data.photo_clip("astronaut", frames=10, size=(96, 96), motion="pan", seed=0)


def _float32_result(result):
    if np.asarray(result).dtype != np.float32:
        raise AssertionError(f"the result must be float32, got {np.asarray(result).dtype}")


_rng = np.random.default_rng(5)

chapter = ExerciseSet("05 video data")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="clip_bytes",
        expected=lambda: np.zeros((8, 96, 96, 3), np.float32).nbytes,
        hints=[
            "Count the values: frames × height × width × channels.",
            "A float32 value takes 4 bytes.",
        ],
        solution="clip_bytes = 8 * 96 * 96 * 3 * 4  # or np.zeros((8, 96, 96, 3), np.float32).nbytes",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="sigma",
        expected=10 / 255,
        atol=1e-4,
        wrong_answers=[10],
        hints=["Our videos use the [0, 1] scale, where white is 1, not 255."],
        solution="sigma = 10 / 255",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="downscaled_shape",
        expected=lambda: data.downscale(clean, 3).shape,
        hints=[
            "The frame axis and the channel axis do not change.",
            "Each 3 × 3 block becomes one pixel.",
        ],
        solution="downscaled_shape = data.downscale(clean, 3).shape  # (10, 32, 32, 3)",
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="to_float_video",
        cases=[
            _rng.integers(0, 256, (2, 4, 4, 3), dtype=np.uint8),
            np.array([[[[0, 128, 255]]]], dtype=np.uint8),
        ],
        expected=lambda frames_uint8: frames_uint8.astype(np.float32) / 255,
        checker=_float32_result,
        hints=[
            "Divide by the largest 8-bit value.",
            "Convert to float32 first: uint8 / 255 gives float64.",
        ],
        solution="def to_float_video(frames_uint8):\n    return frames_uint8.astype(np.float32) / 255",
    )
)
