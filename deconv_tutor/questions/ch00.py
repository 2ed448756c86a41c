"""Exercises of chapter 00, start here: the clip's frames, a frame's shape, the value range, the budget.

The chapter imports them (``from deconv_tutor.questions.ch00 import chapter, q1, q2, q3, q4``)
and shows only the questions. ``q1`` and ``q2`` are about the chapter's ``clip``; this module
makes the same clip with the same call, so its checks do not depend on the notebook's variables.

Examples
--------
>>> from deconv_tutor.questions.ch00 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3', 'q4']
"""

from deconv_tutor import data, training
from deconv_tutor.exercises import Exercise, ExerciseSet

# The chapter's clip, made by the chapter's own call (section "A video clip").
clip = data.photo_clip("astronaut", frames=12, size=(64, 64), motion="pan", seed=0)

chapter = ExerciseSet("00 start here")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="frames_in_clip",
        expected=lambda: clip.shape[0],
        hints=[
            "A clip is (frames, height, width, channels).",
            "Look at `clip.shape[0]` or `len(clip)`.",
        ],
        solution="frames_in_clip = len(clip)",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="frame_shape",
        expected=lambda: clip[0].shape,
        hints=[
            "Index the clip with one frame number: `clip[0]`.",
            "Drop the first axis of `clip.shape`.",
        ],
        solution="frame_shape = clip[0].shape",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="value_range",
        expected=(0.0, 1.0),
        hints=[
            "The course's video convention fixes the range of every pixel value.",
            "The darkest value is 0.0; what is the brightest?",
        ],
        solution="value_range = (0.0, 1.0)",
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="budget_variable",
        expected=training.BUDGET_VARIABLE,
        hints=[
            "It is the variable the tests set to `smoke`.",
            "See the section 'Hardware and the training budget'.",
        ],
        solution='budget_variable = "DECONV_TUTOR_BUDGET"',
    )
)
