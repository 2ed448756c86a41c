"""Exercises of chapter 10, seeing inside: a receptive field, a decoder kernel, a top location.

The chapter imports them (``from deconv_tutor.questions.ch10 import chapter, q1, q2, q3``) and
shows only the questions. ``q2`` asks about the chapter's architecture at base width 8 (the
``smoke`` budget's), built here, so its check does not depend on the notebook's model.

Examples
--------
>>> from deconv_tutor.questions.ch10 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3']
"""

import numpy as np

from deconv_tutor import models
from deconv_tutor.exercises import Case, Exercise, ExerciseSet


def _up2_kernel_shape():
    model = models.encoder_decoder((None, None, 3), filters=8, depth=3)
    return tuple(model.get_layer("up2_transpose").kernel.shape)


def _top_location(feature_map):
    row, col = np.unravel_index(np.argmax(feature_map), np.shape(feature_map))
    return int(row), int(col)


_grid = np.random.default_rng(1).normal(size=(5, 6))

chapter = ExerciseSet("10 seeing inside")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="field_down2_pool",
        expected=10,
        hints=[
            "Start from 1 pixel with a step of 1; a 3x3 convolution adds 2 steps, a 2x2 pooling "
            "adds 1 step and doubles the step.",
            "down1_conv: 3, down1_pool: 4 (step 2), down2_conv: 4 + 2 x 2 = 8, down2_pool: ?",
        ],
        solution="field_down2_pool = 10  # 1 -> 3 -> 4 -> 8 -> 10",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="up2_kernel_shape",
        expected=_up2_kernel_shape,
        hints=[
            "Conv2DTranspose stores (kh, kw, out, in).",
            "up2_transpose turns the 4F channels of up3_transpose into 2F channels with a 4x4 "
            "kernel; here F = 8.",
        ],
        solution="up2_kernel_shape = (4, 4, 2 * 8, 4 * 8)  # (kh, kw, out, in) with F = 8",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="top_location",
        cases=[Case(_grid), Case(np.eye(4)[::-1]), Case(np.arange(12.0).reshape(3, 4))],
        expected=_top_location,
        hints=[
            "np.argmax gives a position in the flattened array.",
            "np.unravel_index turns it into (row, column).",
        ],
        solution=(
            "def top_location(feature_map):\n"
            "    row, col = np.unravel_index(np.argmax(feature_map), feature_map.shape)\n"
            "    return int(row), int(col)"
        ),
    )
)
