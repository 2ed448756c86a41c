"""Exercises of chapter 08, segmentation: IoU, the bilinear kernel, a segmentation head.

The chapter imports them (``from deconv_tutor.questions.ch08 import chapter, q1, q2, q3, q4``)
and shows only the questions. ``q4`` is checked on a moving-shapes mask and a coarse
prediction of it built here (the mask's 8 × 8 block majority, repeated back to full size),
so its check does not depend on the notebook's variables.

Examples
--------
>>> from deconv_tutor.questions.ch08 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3', 'q4']
"""

import numpy as np

from deconv_tutor import data, metrics
from deconv_tutor.exercises import Exercise, ExerciseSet


def _reference_iou(true_mask, pred_mask, class_id):
    return float(metrics.iou(true_mask, pred_mask, 4)[class_id])


def _coarse(mask, factor=8):
    # The most frequent class of each factor x factor block, repeated back to full size: what a
    # segmenter that only sees 1/8 resolution can at best draw.
    height, width = mask.shape
    onehot = np.eye(len(data.SHAPE_CLASSES))[mask]
    blocks = onehot.reshape(height // factor, factor, width // factor, factor, -1).mean(axis=(1, 3))
    return np.repeat(np.repeat(blocks.argmax(axis=-1), factor, axis=0), factor, axis=1)


_MASK = data.moving_shapes(frames=4, size=(64, 64), n_shapes=3, seed=0)[1][3]
_rng = np.random.default_rng(8)

chapter = ExerciseSet("08 segmentation")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="iou_class_1",
        expected=0.6,
        wrong_answers=[3 / 4],  # over |T| only
        hints=[
            "Count the pixels that are 1 in both masks (the intersection).",
            "The union is |T| + |P| - |T ∩ P|.",
        ],
        solution="iou_class_1 = 3 / 5  # intersection 3, union 4 + 4 - 3 = 5",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="kernel_value",
        expected=0.1875,
        hints=[
            "The 1-D tent for stride 2 is [0.25, 0.75, 0.75, 0.25].",
            "The 2-D kernel is the outer product: row tent × column tent.",
        ],
        solution="kernel_value = 0.25 * 0.75  # = layers.bilinear_kernel(4, 1)[0, 1, 0, 0]",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="head",
        expected=(6, 198),
        hints=[
            "A segmentation head gives one score per class at every pixel.",
            "A 1×1 convolution has in × out weights and out biases.",
        ],
        solution="head = (6, 32 * 6 + 6)",
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="class_iou",
        cases=[
            (_MASK, _coarse(_MASK), 1),
            (_MASK, _coarse(_MASK), 3),
            (_rng.integers(0, 4, (6, 6)), _rng.integers(0, 4, (6, 6)), 2),
        ],
        expected=_reference_iou,
        hints=[
            "Make two boolean masks: true_mask == class_id and pred_mask == class_id.",
            "np.logical_and(...).sum() / np.logical_or(...).sum()",
        ],
        solution=(
            "def class_iou(true_mask, pred_mask, class_id):\n"
            "    t, p = true_mask == class_id, pred_mask == class_id\n"
            "    return np.logical_and(t, p).sum() / np.logical_or(t, p).sum()"
        ),
    )
)
