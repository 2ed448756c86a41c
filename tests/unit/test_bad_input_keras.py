"""Specification, second part: bad arguments to models, layers, costs, the deconvnet, speed,
training's small helpers and the exercise engine each get a TypeError or a ValueError that
names the parameter (the widgets have ``test_bad_input_widgets.py``).

The value sets and the checking helper come from ``test_bad_input.py``. The Keras models a
call needs are built once per module, after the seed is set (the ``ctx`` fixture); builders
given a bad argument must refuse it before building anything.
"""

import keras
import numpy as np
import pytest
from test_bad_input import (
    BOOL,
    CHOICE,
    NONNEG_INT,
    NONNEG_NUM,
    NUMBER,
    POS_INT,
    POS_NUM,
    Table,
    assert_refused,
    tiny_models,
    unit_video,
)

from deconv_tutor import (
    arithmetic,
    cost,
    deconvnet,
    environment,
    exercises,
    layers,
    models,
    segmenters,
    speed,
    structure,
    training,
)

GREY = unit_video((8, 8, 1))
POS_CHANNELS = POS_INT  # channels, filters, depth, scale: positive integers alike

table = Table()
each = table.each


@pytest.fixture(scope="module")
def ctx():
    return tiny_models()


# model builders: every size a positive integer, every mode a choice
BUILDERS = {
    "dncnn": (models.dncnn, ("channels", "filters", "depth")),
    "deblurrer": (models.deblurrer, ("channels", "filters", "depth")),
    "denoiser_encoder_decoder": (models.denoiser_encoder_decoder, ("channels", "filters", "depth")),
    "espcn": (models.espcn, ("scale", "channels", "filters")),
    "fsrcnn": (models.fsrcnn, ("scale", "channels", "d", "s", "m")),
    "resize_conv_upscaler": (models.resize_conv_upscaler, ("scale", "channels", "filters")),
    "upscaler_encoder_decoder": (
        models.upscaler_encoder_decoder,
        ("scale", "channels", "filters", "depth"),
    ),
    "temporal_denoiser": (models.temporal_denoiser, ("frames", "channels", "filters")),
    "encoder_decoder": (models.encoder_decoder, ("filters", "depth")),
    "softmax_segmenter": (models.softmax_segmenter, ("n_classes", "filters", "depth")),
    "unet": (segmenters.unet, ("channels", "filters", "depth")),
    "fcn_segmenter": (segmenters.fcn_segmenter, ("channels", "filters", "depth")),
}
for label, (builder, names) in BUILDERS.items():
    fixed = {"n_classes": 3} if label in ("unet", "fcn_segmenter") else {}
    for name in names:
        values = NONNEG_INT if name == "m" else POS_CHANNELS  # FSRCNN may have no mapping layer
        each(label, name, values, lambda c, v, f=builder, n=name, k=fixed: f(**k, **{n: v}))
each("unet", "n_classes", POS_INT[1:], lambda c, v: segmenters.unet(v))
each("fcn_segmenter", "n_classes", POS_INT[1:], lambda c, v: segmenters.fcn_segmenter(v))
each(
    "fcn_segmenter",
    "bilinear_init",
    BOOL,
    lambda c, v: segmenters.fcn_segmenter(3, bilinear_init=v),
)
each(
    "encoder_decoder",
    "output_activation",
    [("nonsense", ValueError), (3, TypeError)],
    lambda c, v: models.encoder_decoder(output_activation=v),
)
each("encoder_decoder", "upsampling", CHOICE, lambda c, v: models.encoder_decoder(upsampling=v))
each(
    "encoder_decoder",
    "input_shape",
    [
        ("abc", TypeError),
        ((64, 64), ValueError),
        ((0, 64, 3), ValueError),
        ((64.0, 64, 3), TypeError),
    ],
    lambda c, v: models.encoder_decoder(input_shape=v),
)
each("softmax_segmenter", "upsampling", CHOICE, lambda c, v: models.softmax_segmenter(upsampling=v))
each(
    "softmax_segmenter",
    "input_shape",
    [("abc", TypeError), ((64, 64), ValueError)],
    lambda c, v: models.softmax_segmenter(input_shape=v),
)
each("espcn", "skip", CHOICE, lambda c, v: models.espcn(skip=v))
each("espcn", "residual", BOOL, lambda c, v: models.espcn(residual=v))
each("fsrcnn", "skip", CHOICE, lambda c, v: models.fsrcnn(skip=v))
each(
    "upscaler_encoder_decoder",
    "skip",
    CHOICE,
    lambda c, v: models.upscaler_encoder_decoder(skip=v),
)
each("fsrcnn", "residual", BOOL, lambda c, v: models.fsrcnn(residual=v))
each("fsrcnn", "kernel_size", POS_INT[:-1], lambda c, v: models.fsrcnn(kernel_size=v))
each(
    "resize_conv_upscaler",
    "interpolation",
    CHOICE,
    lambda c, v: models.resize_conv_upscaler(interpolation=v),
)
each("resize_conv_upscaler", "residual", BOOL, lambda c, v: models.resize_conv_upscaler(residual=v))
each("temporal_denoiser", "mode", CHOICE, lambda c, v: models.temporal_denoiser(mode=v))
each(
    "compile_restoration",
    "model",
    [("abc", TypeError), (None, TypeError)],
    lambda c, v: models.compile_restoration(v),
)
each(
    "compile_restoration",
    "learning_rate",
    POS_NUM,
    lambda c, v: models.compile_restoration(c["dncnn1"], v),
)
each(
    "compile_restoration",
    "loss",
    [("nonsense", ValueError), (3, TypeError)],
    lambda c, v: models.compile_restoration(c["dncnn1"], loss=v),
)
each(
    "compile_restoration",
    "decay_steps",
    POS_INT[:-1],
    lambda c, v: models.compile_restoration(c["dncnn1"], decay_steps=v),
)
each(
    "compile_segmenter",
    "model",
    [("abc", TypeError)],
    lambda c, v: segmenters.compile_segmenter(v, 3),
)
each(
    "compile_segmenter",
    "n_classes",
    POS_INT[1:],
    lambda c, v: segmenters.compile_segmenter(c["model"], v),
)
each(
    "compile_segmenter",
    "learning_rate",
    POS_NUM[:5],
    lambda c, v: segmenters.compile_segmenter(c["model"], 2, v),
)

# layers
each("bilinear_kernel", "kernel_size", POS_INT, lambda c, v: layers.bilinear_kernel(v, 1))
each("bilinear_kernel", "channels", POS_INT, lambda c, v: layers.bilinear_kernel(4, v))
each("DepthToSpace", "block_size", POS_INT, lambda c, v: layers.DepthToSpace(v))
each("Resize2D", "size", POS_INT, lambda c, v: layers.Resize2D(v))
each(
    "SelectFrame",
    "index",
    [(1.5, TypeError), ("0", TypeError), (True, TypeError), (None, TypeError)],
    lambda c, v: layers.SelectFrame(v),
)
each(
    "segmentation_head",
    "n_classes",
    POS_INT[1:],
    lambda c, v: layers.segmentation_head(keras.Input((8, 8, 4)), v),
)
each(
    "segmentation_head",
    "x",
    [("abc", TypeError), (None, TypeError)],
    lambda c, v: layers.segmentation_head(v, 3),
)

# cost and arithmetic on models
each(
    "macs_per_pixel",
    "model",
    [("abc", TypeError), (None, TypeError), (3, TypeError)],
    lambda c, v: cost.macs_per_pixel(v),
)
each(
    "macs_per_pixel",
    "input_shape",
    [
        ((8, 8, 3), ValueError),
        ((8, 8), ValueError),
        ("abc", TypeError),
        ((8.0, 8, 1), TypeError),
        ((0, 8, 1), ValueError),
    ],
    lambda c, v: cost.macs_per_pixel(c["dncnn1"], input_shape=v),
)
each(
    "parameter_count",
    "model",
    [("abc", TypeError), (None, TypeError)],
    lambda c, v: cost.parameter_count(v),
)
each(
    "trace_shapes",
    "model",
    [("abc", TypeError), (None, TypeError)],
    lambda c, v: arithmetic.trace_shapes(v),
)
each(
    "trace_shapes",
    "target_shape",
    [("abc", TypeError), ((), ValueError), ((8.5, 8, 1), TypeError)],
    lambda c, v: arithmetic.trace_shapes(c["model"], v),
)

# speed
each("real_time", "fps", NONNEG_NUM, lambda c, v: speed.real_time(v))
each("real_time", "target", POS_NUM, lambda c, v: speed.real_time(30, target=v))
each("max_macs_per_pixel", "gflops", POS_NUM, lambda c, v: speed.max_macs_per_pixel(v, (720, 1280)))
each(
    "max_macs_per_pixel",
    "output_size",
    [(720, TypeError), ((0, 1280), ValueError), ((720.0, 1280), TypeError)],
    lambda c, v: speed.max_macs_per_pixel(100.0, v),
)
each(
    "max_macs_per_pixel",
    "fps",
    POS_NUM,
    lambda c, v: speed.max_macs_per_pixel(100.0, (720, 1280), v),
)
each("matmul_ceiling", "size", POS_INT, lambda c, v: speed.matmul_ceiling(size=v))
each("matmul_ceiling", "repeats", POS_INT, lambda c, v: speed.matmul_ceiling(size=16, repeats=v))
each(
    "matmul_ceiling",
    "dtype",
    [("nonsense", ValueError), (3, TypeError)],
    lambda c, v: speed.matmul_ceiling(size=16, dtype=v),
)
each("memory_bandwidth", "megabytes", POS_NUM[:5], lambda c, v: speed.memory_bandwidth(megabytes=v))
each(
    "memory_bandwidth",
    "repeats",
    POS_INT,
    lambda c, v: speed.memory_bandwidth(megabytes=1, repeats=v),
)
each("throughput", "model", [("abc", TypeError)], lambda c, v: speed.throughput(v, (8, 8, 1)))
each(
    "throughput",
    "frame_shape",
    [("abc", TypeError), ((8, 8, 3), ValueError), ((0, 8, 1), ValueError)],
    lambda c, v: speed.throughput(c["model"], v),
)
each(
    "throughput",
    "batch_size",
    POS_INT,
    lambda c, v: speed.throughput(c["model"], (8, 8, 1), batch_size=v),
)
each(
    "throughput", "frames", POS_INT, lambda c, v: speed.throughput(c["model"], (8, 8, 1), frames=v)
)
each(
    "throughput",
    "warmup",
    NONNEG_INT,
    lambda c, v: speed.throughput(c["model"], (8, 8, 1), warmup=v),
)
each("throughput", "seed", NONNEG_INT, lambda c, v: speed.throughput(c["model"], (8, 8, 1), seed=v))
each(
    "arithmetic_intensity",
    "model",
    [("abc", TypeError), (None, TypeError)],
    lambda c, v: speed.arithmetic_intensity(v),
)

# structure: the measures of chapter 10's projections
each(
    "roughness",
    "picture",
    [
        ("abc", TypeError),
        (np.zeros((8, 8, 1)), ValueError),
        (np.ones((2, 8)), ValueError),
        (np.zeros((8, 8)), ValueError),
        (np.full((8, 8), np.nan), ValueError),
    ],
    lambda c, v: structure.roughness(v),
)
each(
    "projection_measures",
    "edges",
    [
        ("abc", TypeError),
        (np.ones((4, 8)), ValueError),
        (np.ones((8, 8)), ValueError),
        (np.ones((8, 8, 1)), ValueError),
    ],
    lambda c, v: structure.projection_measures(c["model"], GREY, "c", v),
)
each(
    "compare_with_untrained",
    "untrained",
    [([], ValueError)],
    lambda c, v: structure.compare_with_untrained(c["model"], v, GREY, ["c"], np.eye(8)),
)
each(
    "projection_measures",
    "layer_name",
    [("nonsense", ValueError), (3, TypeError)],
    lambda c, v: structure.projection_measures(c["model"], GREY, v, np.eye(8)),
)

# deconvnet
each(
    "project",
    "frame",
    [
        ("abc", TypeError),
        (np.zeros((8, 8, 3)), ValueError),
        (np.full((8, 8, 1), np.nan), ValueError),
        (np.zeros((8, 8, 1), complex), TypeError),
    ],
    lambda c, v: deconvnet.project(c["model"], v, "c", 0),
)
each(
    "project",
    "layer_name",
    [("nonsense", ValueError), (3, TypeError)],
    lambda c, v: deconvnet.project(c["model"], GREY, v, 0),
)
each(
    "project",
    "channel",
    [(5, ValueError), (-9, ValueError), (0.5, TypeError), ("0", TypeError), (True, TypeError)],
    lambda c, v: deconvnet.project(c["model"], GREY, "c", v),
)
each("project", "keep", CHOICE, lambda c, v: deconvnet.project(c["model"], GREY, "c", 0, keep=v))
each(
    "project",
    "normalise",
    BOOL,
    lambda c, v: deconvnet.project(c["model"], GREY, "c", 0, normalise=v),
)
each("project", "model", [("abc", TypeError)], lambda c, v: deconvnet.project(v, GREY, "c", 0))
each(
    "projector",
    "layer_name",
    [("nonsense", ValueError), (3, TypeError)],
    lambda c, v: deconvnet.projector(c["model"], v),
)
each(
    "projector",
    "model",
    [("abc", TypeError), (None, TypeError)],
    lambda c, v: deconvnet.projector(v, "c"),
)
each(
    "projectable_layers",
    "model",
    [("abc", TypeError)],
    lambda c, v: deconvnet.projectable_layers(v),
)
each(
    "crop_to_support",
    "projection",
    [("abc", TypeError), (np.zeros(4), ValueError), (np.full((4, 4), np.nan), ValueError)],
    lambda c, v: deconvnet.crop_to_support(v, 2),
)
each(
    "crop_to_support", "size", POS_INT, lambda c, v: deconvnet.crop_to_support(np.zeros((4, 4)), v)
)
each(
    "crop_to_support",
    "background",
    NUMBER,
    lambda c, v: deconvnet.crop_to_support(np.zeros((4, 4)), 2, background=v),
)
each(
    "support",
    "projection",
    [("abc", TypeError), (np.zeros((4, 4), complex), TypeError)],
    lambda c, v: deconvnet.support(v),
)
each(
    "support", "background", NUMBER, lambda c, v: deconvnet.support(np.zeros((4, 4)), background=v)
)
each(
    "to_display",
    "projection",
    [("abc", TypeError), (np.full(3, np.inf), ValueError), (None, TypeError)],
    lambda c, v: deconvnet.to_display(v),
)

# training's small helpers (fit and checkpoints have their own tests)
each("set_seed", "seed", NONNEG_INT + [(None, TypeError)], lambda c, v: training.set_seed(v))
each("set_seed", "deterministic", BOOL[:2], lambda c, v: training.set_seed(0, deterministic=v))
each(
    "select_budget",
    "name",
    [("nonsense", ValueError), ("", ValueError)],
    lambda c, v: training.select_budget(v),
)
each(
    "check_hardware",
    "hardware_info",
    [("abc", TypeError), ({}, ValueError), (None, TypeError)],
    lambda c, v: training.check_hardware(v),
)

# the exercise engine's own arguments (a learner's answers are never refused: see
# test_hostile_answers.py); these are the author's mistakes
each(
    "Exercise",
    "name",
    [(3, TypeError), ("", ValueError), (None, TypeError)],
    lambda c, v: exercises.Exercise(v, answer_name="a", expected=1),
)
each(
    "Exercise",
    "answer_name",
    [(3, TypeError), ("not an identifier", ValueError)],
    lambda c, v: exercises.Exercise("q", answer_name=v, expected=1),
)
each(
    "Exercise",
    "rtol",
    NONNEG_NUM,
    lambda c, v: exercises.Exercise("q", answer_name="a", expected=1, rtol=v),
)
each(
    "Exercise",
    "atol",
    NONNEG_NUM,
    lambda c, v: exercises.Exercise("q", answer_name="a", expected=1, atol=v),
)
each(
    "Exercise",
    "time_limit",
    [
        (float("inf"), ValueError),
        (float("nan"), ValueError),
        (0, ValueError),
        (-1, ValueError),
        ("5", TypeError),
        (True, TypeError),
        (1j, TypeError),
    ],
    lambda c, v: exercises.Exercise("q", answer_name="a", expected=1, time_limit=v),
)
each(
    "Exercise",
    "hints",
    [("one hint", TypeError), ([1], TypeError)],
    lambda c, v: exercises.Exercise("q", answer_name="a", expected=1, hints=v),
)
each(
    "Exercise",
    "solution",
    [(3, TypeError)],
    lambda c, v: exercises.Exercise("q", answer_name="a", expected=1, solution=v),
)
each(
    "Exercise",
    "reveal",
    BOOL[:2],
    lambda c, v: exercises.Exercise("q", answer_name="a", expected=1, reveal=v),
)
each(
    "Exercise",
    "checker",
    [("abc", TypeError), (3, TypeError)],
    lambda c, v: exercises.Exercise("q", answer_name="a", expected=1, checker=v),
)
each(
    "Exercise",
    "cases",
    [("abc", TypeError), (3, TypeError), ([], ValueError)],
    lambda c, v: exercises.Exercise("q", answer_name="f", expected=lambda x: x, cases=v),
)
each(
    "Exercise.hint",
    "n",
    [(0, ValueError), (5, ValueError), (1.0, TypeError), ("1", TypeError)],
    lambda c, v: exercises.Exercise("q", answer_name="a", expected=1, hints=["h"]).hint(v),
)
each(
    "Exercise.check",
    "namespace",
    [("abc", TypeError), (3, TypeError)],
    lambda c, v: exercises.Exercise("q", answer_name="a", expected=1).evaluate(namespace=v),
)
each("find_difference", "rtol", NONNEG_NUM, lambda c, v: exercises.find_difference(1, 1, rtol=v))
each("find_difference", "atol", NONNEG_NUM, lambda c, v: exercises.find_difference(1, 1, atol=v))
each(
    "find_difference",
    "name",
    [(3, TypeError)],
    lambda c, v: exercises.find_difference(1, 1, name=v),
)
each("find_difference", "reveal", BOOL[:2], lambda c, v: exercises.find_difference(1, 1, reveal=v))
each(
    "assert_equivalent",
    "rtol",
    NONNEG_NUM[:4],
    lambda c, v: exercises.assert_equivalent(1, 1, rtol=v),
)
each(
    "Verdict",
    "status",
    [("nonsense", ValueError), (3, TypeError)],
    lambda c, v: exercises.Verdict(v, "m"),
)
each(
    "Verdict",
    "message",
    [(3, TypeError), (None, TypeError)],
    lambda c, v: exercises.Verdict("correct", v),
)
each(
    "Hint",
    "number",
    [(-1, ValueError), (1.0, TypeError), (3, ValueError)],
    lambda c, v: exercises.Hint("h", v, 2),
)
each("Hint", "total", [(-1, ValueError), ("2", TypeError)], lambda c, v: exercises.Hint("h", 1, v))
each(
    "ExerciseSet",
    "title",
    [(3, TypeError), (None, TypeError)],
    lambda c, v: exercises.ExerciseSet(v),
)
each(
    "ExerciseSet",
    "exercises",
    [("abc", TypeError), ([3], TypeError)],
    lambda c, v: exercises.ExerciseSet("t", v),
)
each(
    "ExerciseSet.add",
    "exercise",
    [(3, TypeError), ("q", TypeError)],
    lambda c, v: exercises.ExerciseSet("t").add(v),
)
each(
    "self_test",
    "namespace",
    [("abc", TypeError), (3, TypeError)],
    lambda c, v: exercises.self_test(v),
)
each(
    "environment.prepare",
    "seed",
    NONNEG_INT + [(None, TypeError)],
    lambda c, v: environment.prepare(seed=v),
)
each(
    "environment.find_workdir",
    "start",
    [(123, TypeError)],
    lambda c, v: environment.find_workdir(v),
)

# sizes that ask for more memory than a machine has: refused before anything is allocated
each(
    "bilinear_kernel",
    "kernel_size",
    [(10**5, ValueError)],
    lambda c, v: layers.bilinear_kernel(v, 100),
)

CASES = table.cases


@pytest.mark.parametrize(("call", "parameter", "error"), CASES)
def test_bad_argument_is_refused_with_a_message_naming_it(call, parameter, error, ctx):
    assert_refused(call, parameter, error, ctx)


def test_macs_per_pixel_of_a_grey_model_is_not_counted_on_a_colour_input():
    keras.utils.set_random_seed(0)
    model = models.dncnn(channels=1, filters=2, depth=2)
    # 3x3 convolutions 1 -> 2 and 2 -> 1: 9 * 1 * 2 + 9 * 2 * 1 = 36 multiply-adds a pixel.
    assert cost.macs_per_pixel(model, input_shape=(8, 8, 1)) == 36
    # Counted on a colour input it came out three times too large (the 144 for 72).
    with pytest.raises(ValueError, match=r"input_shape must fit the model's input"):
        cost.macs_per_pixel(model, input_shape=(8, 8, 3))


def test_macs_per_pixel_reads_a_sequential_model_with_an_input():
    model = keras.Sequential(
        [keras.Input((None, None, 1)), keras.layers.Conv2D(2, 3, padding="same")]
    )
    assert cost.macs_per_pixel(model, input_shape=(8, 8, 1)) == 18
