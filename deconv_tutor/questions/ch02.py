"""Exercises of chapter 02, transposed convolution: a size, an ``output_padding``, scatter-add, even overlap.

The chapter imports them (``from deconv_tutor.questions.ch02 import chapter, q1, q2, q3, q4``)
and shows only the questions.

Examples
--------
>>> from deconv_tutor.questions.ch02 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3', 'q4']
"""

import numpy as np

from deconv_tutor import arithmetic, reference, widgets
from deconv_tutor.exercises import Exercise, ExerciseSet


def _scatter_add_1d_reference(x, kernel, stride):
    signal = np.asarray(x, dtype=float).reshape(1, -1, 1)
    taps = np.asarray(kernel, dtype=float).reshape(1, -1, 1, 1)
    return reference.conv_transpose_scatter(signal, taps, stride=(1, stride))[0, :, 0]


def _even_overlap_kernels(stride):
    # Kernel sizes whose stamps leave every interior output pixel with the same, non-zero count.
    even = []
    for k in range(1, 10):
        inner = widgets.overlap_profile([k], [stride], input_size=12)[k:-k]
        if inner.min() > 0 and inner.min() == inner.max():
            even.append(k)
    return even


def _output_padding_for_seven():
    # The output_padding that brings a stride-2, 3x3, "same" layer from 4 back to 7.
    return next(
        a
        for a in arithmetic.valid_output_paddings(2)
        if arithmetic.conv_transpose_output_size(4, 3, stride=2, padding="same", output_padding=a)
        == 7
    )


chapter = ExerciseSet("02 transposed convolution")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="q1_size",
        wrong_answers=[2 * 31],  # the size with padding="same"
        expected=lambda: arithmetic.conv_transpose_output_size(31, 5, stride=2, padding="valid"),
        hints=[
            "'valid' means p = 0, and with k >= s Keras adds no output_padding.",
            "o = s (i - 1) + k with i = 31, k = 5, s = 2.",
        ],
        solution="q1_size = 2 * (31 - 1) + 5",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="q2_output_padding",
        expected=_output_padding_for_seven,
        hints=[
            "With padding='same' and output_padding given, Keras uses o = s (i - 1) + (k mod 2) + a.",
            "2 * (4 - 1) + 1 + a = 7.",
        ],
        solution="q2_output_padding = 0",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="scatter_add_1d",
        cases=[
            ([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], 2),
            ([1.0, -1.0], [0.5, 1.0, 0.5], 1),
            ([2.0, 0.0, 1.0, 4.0], [1.0, 2.0, 3.0, 4.0], 2),
            ([1.0], [3.0, 2.0], 1),
            ([1.0, 2.0], [1.0, 2.0, 3.0], 3),
        ],
        expected=_scatter_add_1d_reference,
        hints=[
            "Start from np.zeros(stride * (len(x) - 1) + len(kernel)).",
            "For each n, add x[n] * kernel to out[n * stride : n * stride + len(kernel)].",
        ],
        solution=(
            "def scatter_add_1d(x, kernel, stride):\n"
            "    out = np.zeros(stride * (len(x) - 1) + len(kernel))\n"
            "    for n, value in enumerate(x):\n"
            "        out[n * stride : n * stride + len(kernel)] += value * np.asarray(kernel)\n"
            "    return out"
        ),
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="q4_kernel_sizes",
        expected=lambda: _even_overlap_kernels(3),
        hints=[
            "Try widgets.checkerboard_explorer() with stride 3.",
            "Kernels smaller than the stride leave holes (0 taps); the others must fit a whole "
            "number of strides.",
        ],
        solution="q4_kernel_sizes = [3, 6, 9]",
    )
)
