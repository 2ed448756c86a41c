"""Exercises of chapter 07, super-resolution: shapes, sub-pixel channels, bicubic, FSRCNN's head.

The chapter imports them (``from deconv_tutor.questions.ch07 import chapter, q1, q2, q3, q4``)
and shows only the questions. ``q3`` rebuilds the chapter's test ``motorcycle_left`` pan (8 frames,
96 × 96, seed 0), so its check does not depend on the notebook's variables.

Examples
--------
>>> from deconv_tutor.questions.ch07 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3', 'q4']
"""

from deconv_tutor import data, metrics, models, restoration
from deconv_tutor.exercises import Exercise, ExerciseSet


def _motorcycle():
    # The chapter's test_clips["motorcycle_left"].
    return data.photo_clip("motorcycle_left", frames=8, size=(96, 96), motion="pan", seed=0)


def _bicubic_psnr_x3():
    clip = _motorcycle()
    return metrics.psnr(clip, restoration.upscale_bicubic(data.downscale(clip, 3), 3))


chapter = ExerciseSet("07 super-resolution")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="low_res_shape",
        expected=(10, 40, 64, 3),
        hints=[
            "data.downscale divides the height and width by the factor; frames and channels stay.",
            "120 / 3 and 192 / 3.",
        ],
        solution="low_res_shape = (10, 40, 64, 3)",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="subpixel_channels",
        cases=[(3, 2), (3, 3), (1, 4), (4, 2)],
        expected=lambda channels, scale: channels * scale**2,
        hints=[
            "Depth-to-space turns each group of scale x scale channels into one block of pixels.",
            "channels * scale ** 2",
        ],
        solution="def subpixel_channels(channels, scale):\n    return channels * scale ** 2",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="bicubic_psnr_x3",
        expected=_bicubic_psnr_x3,
        atol=0.01,
        hints=[
            "Downscale test_clips['motorcycle_left'] by 3 with data.downscale, upscale it back with "
            "restoration.upscale_bicubic, then compare with the original.",
            "metrics.psnr(reference, test): the original clip comes first.",
        ],
        solution=(
            "# test_clips['motorcycle_left'] in the chapter; built again here so that the line runs"
            " anywhere\n"
            "test_clip = data.photo_clip('motorcycle_left', frames=8, size=(96, 96), motion='pan',"
            " seed=0)\n"
            "small = data.downscale(test_clip, 3)\n"
            "bicubic_psnr_x3 = metrics.psnr(test_clip, restoration.upscale_bicubic(small, 3))"
        ),
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="head_parameters",
        wrong_answers=[9 * 9 * 3 * 32],  # the biases forgotten
        expected=lambda: models.fsrcnn(3).get_layer("deconv").count_params(),
        hints=[
            "The head of models.fsrcnn(3) is a Conv2DTranspose with kernel 3 * 3 = 9, from d = 32 "
            "feature channels to 3 colour channels, plus one bias per output channel.",
            "Keras stores the kernel as (kh, kw, out, in): 9 * 9 * 3 * 32 weights, and 3 biases.",
        ],
        solution="head_parameters = 9 * 9 * 3 * 32 + 3",
    )
)
