"""Exercises of chapter 11, design choices: receptive fields, a convolution's cost, a Pareto front.

The chapter imports them (``from deconv_tutor.questions.ch11 import chapter, q1, q2, q3, q4``)
and shows only the questions. ``q3``'s four candidate models are :data:`CANDIDATES`, the same
list the chapter prints; its expected front is computed here by brute force.

Examples
--------
>>> from deconv_tutor.questions.ch11 import CANDIDATES, chapter
>>> [exercise.name for exercise in chapter], len(CANDIDATES)
(['q1', 'q2', 'q3', 'q4'], 4)
"""

from deconv_tutor.exercises import Exercise, ExerciseSet

# (PSNR in dB, parameters, frames per second) of four made-up models.
CANDIDATES = [(29.5, 3000, 30.0), (29.0, 3500, 25.0), (30.5, 12000, 8.0), (28.0, 800, 90.0)]


def _front(points):
    # A point is dominated when another is at least as good on every axis (PSNR up, parameters
    # down, fps up) and differs from it.
    def beats(other, point):
        return (
            other != point
            and other[0] >= point[0]
            and other[1] <= point[1]
            and other[2] >= point[2]
        )

    return [i for i, point in enumerate(points) if not any(beats(o, point) for o in points)]


chapter = ExerciseSet("11 design choices")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="field_five_3x3",
        expected=11,
        wrong_answers=[10, 15],
        hints=[
            "Each stride-1 3x3 convolution adds k - 1 = 2 pixels to the window.",
            "Start from 1 pixel.",
        ],
        solution="field_five_3x3 = 1 + 5 * (3 - 1)  # 11",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="conv_macs_per_pixel",
        expected=3 * 3 * 16 * 32,
        hints=[
            "Every output pixel needs each of the kernel's weights once.",
            "The kernel has shape (3, 3, 16, 32) in Keras's layout.",
        ],
        solution="conv_macs_per_pixel = 3 * 3 * 16 * 32  # 4608",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="front_indices",
        expected=lambda: _front(CANDIDATES),
        wrong_answers=[[0, 1, 2, 3], [2, 3]],
        hints=[
            "A point is dominated if another has PSNR >= and parameters <= and fps >=, and differs.",
            "Compare point 1 with point 0.",
        ],
        solution=(
            "front_indices = [0, 2, 3]  # point 0 beats point 1 on every axis; "
            "in the chapter, pareto_front(candidates) says the same"
        ),
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="dilated_field",
        expected=25,
        hints=[
            "A dilated kernel of size k spans (k - 1) * dilation + 1 pixels.",
            "Each of the three layers adds (5 - 1) * 2 = 8 pixels.",
        ],
        solution="dilated_field = 1 + 3 * (5 - 1) * 2  # 25",
    )
)
