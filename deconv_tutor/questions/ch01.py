"""Exercises of chapter 01, convolution: an output size, a flipped kernel, a matrix shape, the size formula.

The chapter imports them with the kernel that question 2 is about
(``from deconv_tutor.questions.ch01 import chapter, kernel_q2, q1, q2, q3, q4``) and shows only
the questions.

Examples
--------
>>> from deconv_tutor.questions.ch01 import chapter, kernel_q2
>>> [exercise.name for exercise in chapter], kernel_q2.shape
(['q1', 'q2', 'q3', 'q4'], (3, 3))
"""

import numpy as np

from deconv_tutor import arithmetic, reference
from deconv_tutor.exercises import Case, Exercise, ExerciseSet

# The kernel of question 2, imported by the chapter so the learner can build the answer from it.
kernel_q2 = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])

chapter = ExerciseSet("01 convolution")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="output_size",
        expected=lambda: arithmetic.conv_output_size(64, 5, stride=2, padding=1),
        wrong_answers=[30],  # the padding forgotten
        hints=[
            "o = floor((i + 2p - d(k - 1) - 1) / s) + 1 with i=64, k=5, s=2, p=1, d=1.",
            "(64 + 2 - 4 - 1) // 2 + 1",
        ],
        solution="output_size = (64 + 2 * 1 - 1 * (5 - 1) - 1) // 2 + 1",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="flipped_kernel",
        expected=lambda: kernel_q2[::-1, ::-1],
        hints=[
            "A true convolution turns the kernel by 180 degrees: flip the rows and the columns.",
            "NumPy's slice [::-1] reverses an axis.",
        ],
        solution="flipped_kernel = kernel_q2[::-1, ::-1]",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="matrix_shape",
        expected=lambda: reference.conv_matrix((6, 6), np.ones((3, 3, 1, 1))).shape,
        hints=[
            "One row per output pixel, one column per input pixel.",
            "A 'valid' 3x3 convolution of a 6x6 image gives 4x4 outputs.",
        ],
        solution="matrix_shape = (4 * 4, 6 * 6)",
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="conv_size",
        cases=[
            (64, 3, 1, 0, 1),
            (64, 5, 2, 1, 1),
            (7, 3, 2, 1, 1),
            (64, 3, 1, 0, 2),
            Case(20, 5, stride=3, padding=2, dilation=2),
        ],
        expected=lambda size, kernel_size, stride=1, padding=0, dilation=1: (
            arithmetic.conv_output_size(size, kernel_size, stride, padding, dilation)
        ),
        hints=[
            "Start from the span of the dilated kernel: dilation * (kernel_size - 1) + 1.",
            "Integer division // is the floor for non-negative numbers.",
        ],
        solution="def conv_size(size, kernel_size, stride=1, padding=0, dilation=1):\n"
        "    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1",
    )
)
