"""Exercises of chapter 04, Keras building blocks: the half-fixed listing, the encoder's size, a layer's weights, PSNR.

The chapter imports them (``from deconv_tutor.questions.ch04 import chapter, q1, q2, q3, q4``)
and shows only the questions.

Examples
--------
>>> from deconv_tutor.questions.ch04 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3', 'q4']
"""

import keras
import numpy as np

from deconv_tutor import arithmetic, metrics
from deconv_tutor.exercises import Exercise, ExerciseSet


def _encoder_size(size):
    for _ in range(3):  # Conv2D 3x3 "valid", then MaxPooling2D 2x2
        size = arithmetic.pool_output_size(arithmetic.conv_output_size(size, 3), 2)
    return size


def _same_padding_output():
    # The article's layers with "same" padding: three (Conv2D, MaxPooling2D), two UpSampling2D.
    layers = [keras.Input((64, 64, 3))]
    for filters in (32, 64, 128):
        layers += [keras.layers.Conv2D(filters, 3, padding="same"), keras.layers.MaxPooling2D(2)]
    layers += [keras.layers.UpSampling2D(2), keras.layers.Conv2D(64, 3, padding="same")]
    layers += [keras.layers.UpSampling2D(2), keras.layers.Conv2D(3, 3, padding="same")]
    return tuple(keras.Sequential(layers).outputs[0].shape[1:])


chapter = ExerciseSet("04 Keras building blocks")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="same_padding_output",
        wrong_answers=[(64, 64, 3), (20, 20, 3)],
        expected=_same_padding_output,
        hints=[
            "Padding 'same' keeps the size through every convolution; only poolings and "
            "upsamplings change it.",
            "64 is halved three times and doubled twice; the last layer has 3 filters.",
        ],
        solution="same_padding_output = (32, 32, 3)",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="article_encoder_size",
        cases=[64, 100, 37, 128],
        expected=_encoder_size,
        hints=[
            "A 3x3 convolution without padding gives size - 2; a 2x2 pooling gives size // 2.",
            "Repeat (size - 2) // 2 three times.",
        ],
        solution="def article_encoder_size(size):\n    for _ in range(3):\n"
        "        size = (size - 2) // 2\n    return size",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="transpose_params",
        expected=lambda: keras.Sequential(
            [keras.Input((8, 8, 128)), keras.layers.Conv2DTranspose(64, 4, strides=2)]
        ).count_params(),
        hints=[
            "A Conv2DTranspose kernel has shape (kh, kw, out, in); add one bias per output channel.",
            "4 * 4 * 64 * 128 weights, plus 64 biases.",
        ],
        solution="transpose_params = 4 * 4 * 64 * 128 + 64",
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="psnr_db",
        rtol=1e-3,
        expected=lambda: metrics.psnr(
            np.zeros((8, 8, 3), np.float32), np.full((8, 8, 3), 0.05, np.float32)
        ),
        hints=[
            "PSNR = 10 log10(1 / MSE) for values in [0, 1].",
            "Every pixel off by 0.05: MSE = 0.05 ** 2.",
        ],
        solution="psnr_db = 10 * np.log10(1 / 0.05 ** 2)",
    )
)
