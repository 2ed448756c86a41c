"""Exercises of chapter 09, temporal models: MACs per frame, fps, time fields, real-time budgets.

The chapter imports them (``from deconv_tutor.questions.ch09 import chapter, q1, q2, q3, q4``)
and shows only the questions.

Examples
--------
>>> from deconv_tutor.questions.ch09 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3', 'q4']
"""

from deconv_tutor import speed
from deconv_tutor.exercises import Exercise, ExerciseSet

chapter = ExerciseSet("09 temporal models and real-time speed")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="macs_per_frame",
        expected=2000 * 1280 * 720,
        wrong_answers=[2 * 2000 * 1280 * 720, 2000 * 1920 * 1080],  # FLOPs; 1080p
        hints=[
            "MACs per pixel times the pixels of one output frame.",
            "720p is 1280 × 720 pixels.",
        ],
        solution="macs_per_frame = 2000 * 1280 * 720  # 1,843,200,000",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="fps",
        expected=20.0,
        rtol=1e-3,
        wrong_answers=[0.05],
        hints=["Frames per second and seconds per frame are reciprocals."],
        solution="fps = 1 / 0.05",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="frames_seen",
        expected=7,
        hints=[
            "One Conv3D with a time kernel of 3 sees 3 frames.",
            "Each further layer adds kernel − 1 = 2 frames: 1 + 3 × (3 − 1).",
        ],
        solution="frames_seen = 1 + 3 * (3 - 1)  # 7",
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="max_macs",
        expected=lambda: speed.max_macs_per_pixel(50, (480, 848), fps=24),
        rtol=1e-3,
        wrong_answers=[50e9 / (24 * 480 * 848)],  # one FLOP per multiply-add
        hints=[
            "Real time needs 2 × MACs per pixel × pixels × fps <= FLOP/s.",
            "speed.max_macs_per_pixel(gflops, (height, width), fps) computes it.",
        ],
        solution="max_macs = speed.max_macs_per_pixel(50, (480, 848), fps=24)  # about 2,559",
    )
)
