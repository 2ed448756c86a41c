"""Exercises of chapter 12, your own video: time against real time, output sizes, tiles, frames.

The chapter imports them (``from deconv_tutor.questions.ch12 import chapter, q1, q2, q3, q4``)
and shows only the questions; every expected value is computed here from the rules the
``restore`` command follows (:mod:`deconv_tutor.restore`, :mod:`deconv_tutor.tiling`).

Examples
--------
>>> from deconv_tutor.questions.ch12 import chapter
>>> [exercise.name for exercise in chapter]
['q1', 'q2', 'q3', 'q4']
"""

from deconv_tutor import tiling
from deconv_tutor.exercises import Exercise, ExerciseSet


def _tiles_720p():
    # The reference denoiser's strides multiply to 4; the command's tiles: 512 px, 32 overlap.
    rows = tiling.tile_starts(720, tiling.DEFAULT_TILE, tiling.DEFAULT_OVERLAP, multiple=4)
    cols = tiling.tile_starts(1280, tiling.DEFAULT_TILE, tiling.DEFAULT_OVERLAP, multiple=4)
    return len(rows) * len(cols)


def _real_time_factor(frames, seconds, fps):
    return frames / seconds / fps


chapter = ExerciseSet("12 your own video")
q1 = chapter.add(
    Exercise(
        "q1",
        answer_name="seconds_needed",
        expected=30 * 12 / 7.5,
        atol=0.01,
        wrong_answers=[12 * 7.5, 12 / 7.5, 7.5 * 30 / 12],
        hints=[
            "First count the frames: 12 seconds at 30 frames per second.",
            "Then divide the frames by the frames the command restores each second.",
        ],
        solution="seconds_needed = 12 * 30 / 7.5  # 360 frames at 7.5 frames/s: 48 s",
    )
)
q2 = chapter.add(
    Exercise(
        "q2",
        answer_name="upscaled_size",
        expected=(1280, 720),
        wrong_answers=[(640, 360), (720, 1280), (2560, 1440)],
        hints=[
            "The command writes sizes as width x height, like the video players do.",
            "An upscaler by s makes every side s times longer; the aspect ratio stays.",
        ],
        solution="upscaled_size = (2 * 640, 2 * 360)",
    )
)
q3 = chapter.add(
    Exercise(
        "q3",
        answer_name="tiles_720p",
        expected=_tiles_720p,
        wrong_answers=[4, 3, 1],
        hints=[
            "Count the tiles along each axis with tiling.tile_starts(length, 512, 32, multiple=4).",
            "Tiles overlap, so 1280 pixels need more than 1280 / 512 tiles; the last one ends "
            "at the edge.",
        ],
        solution=(
            "tiles_720p = len(tiling.tile_starts(720, 512, 32, multiple=4)) * "
            "len(tiling.tile_starts(1280, 512, 32, multiple=4))"
        ),
    )
)
q4 = chapter.add(
    Exercise(
        "q4",
        answer_name="real_time_factor",
        cases=[(240, 20.0, 24), (300, 10.0, 30), (48, 4.0, 12.0), (1, 2.0, 25)],
        expected=_real_time_factor,
        rtol=1e-6,
        hints=[
            "Frames per second restored: frames / seconds.",
            "Real time is the video's own frame rate: divide by it. Above 1 is faster than "
            "real time.",
        ],
        solution=("def real_time_factor(frames, seconds, fps):\n    return frames / seconds / fps"),
    )
)
