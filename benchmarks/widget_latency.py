"""How long each widget takes to redraw, at 256x256: the pure render function and the full update.

A widget feels instant below about 100 ms. For every widget of deconv_tutor.widgets this
measures the median time of

* ``render``: the pure render function (what a test or a notebook cell calls), and
* ``update``: the whole path a slider move takes in the kernel: the control's ``value``
  changes, the observer runs the render function, encodes the PNG and sets the views
  (everything except the trip to the browser).

A row over the target gets a reason computed in the same run (``why``): for a
deconvnet projection, the forward pass (and, for a whole map, the way back) it needs
against the machine's matrix-multiply rate; for the training monitor, how its redraw
compares with the epoch it follows.

Run from the repository root (prints a table, writes benchmarks/results/widget_latency.json):

    .venv/bin/python benchmarks/widget_latency.py [--repeats 15] [--only WIDGET]
"""

import argparse
import io
import json
import pathlib
import statistics
import time

import _common

_common.prepare()
ROOT = _common.ROOT

import ipywidgets
import keras
import numpy as np

from deconv_tutor import cost, data, deconvnet, models, speed, training
from deconv_tutor import widgets as W

TARGET_MS = 100.0
SIZE = 256


def median_ms(function, repeats, warmup=2):
    """Median wall-clock and CPU milliseconds of ``function()`` (CPU: all threads together).

    On a shared machine the wall time depends on what else runs; the CPU time is the work
    itself, which an idle machine spreads over its cores. ``function.setup()``, where a
    case has one, runs before each call, untimed.
    """
    setup = getattr(function, "setup", lambda: None)
    for _ in range(warmup):
        setup()
        function()
    times, cpu = [], []
    for _ in range(repeats):
        setup()
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        times.append((time.perf_counter() - start) * 1000.0)
        cpu.append((time.process_time() - start_cpu) * 1000.0)
    return statistics.median(times), statistics.median(cpu)


def toggler(panel, name, values):
    """A function that moves one control to its next value (so the observer always fires)."""
    state = {"index": 0}

    def move():
        state["index"] = (state["index"] + 1) % len(values)
        panel.controls[name].value = values[state["index"]]
        if panel.error is not None:
            raise RuntimeError(f"{name}={values[state['index']]!r} failed: {panel.error}")

    return move


def cases(repeats):
    clip = data.photo_clip("astronaut", frames=4, size=(SIZE, SIZE))
    frame = clip[0]
    noisy = data.add_gaussian_noise(clip, 25 / 255, seed=0)
    keras.utils.set_random_seed(0)
    model = models.encoder_decoder((SIZE, SIZE, 3), filters=32, depth=3)
    # Chapter 10 projects the decoder of the trained denoiser (transposed convolutions,
    # skips): the way back starts at full resolution, the forward pass is most of the net.
    denoiser = models.denoiser_encoder_decoder()

    explorer = W.kernel_explorer(frame)
    presets = W.kernel_explorer(frame)  # its own panel: stays at stride 1
    calculator = W.output_size_calculator()
    stepper = W.transposed_conv_stepper()
    stepper.controls["input_size"].value = 4
    checkerboard = W.checkerboard_explorer()
    maps = W.feature_map_explorer(model, clip)
    projection = W.deconvnet_projection(model, clip)
    projection.controls["layer"].value = "down3_pool"
    compare = W.video_compare({"clean": clip, "noisy": noisy})
    monitor_image = ipywidgets.Image(format="png")
    monitor = W.TrainingMonitor(clip[:3], clip[:3], output=monitor_image)
    monitor.set_model(model)
    monitor.history = {
        "loss": [0.05, 0.03, 0.02],
        "val_loss": [0.06, 0.04, 0.03],
        "psnr": [20.0, 23.0, 25.0],
        "val_psnr": [19.0, 22.0, 24.0],
    }
    sobel5 = W.kernel_preset("sobel x", 5)

    yield (
        "kernel_explorer",
        "render: 3x3 gaussian, 256x256x3",
        lambda: W.render_kernel(frame, W.kernel_preset("gaussian"), 1, "same"),
    )
    yield (
        "kernel_explorer",
        "render: 5x5 sobel, dilation 2",
        lambda: W.render_kernel(frame, sobel5, 1, "same", 2),
    )
    yield (
        "kernel_explorer",
        "update: stride slider (1 <-> 2)",
        toggler(explorer, "stride", [1, 2]),
    )
    yield (
        "kernel_explorer",
        "update: preset (fills 25 cells, one redraw)",
        toggler(presets, "preset", ["sharpen", "laplacian"]),
    )
    yield (
        "output_size_calculator",
        "render",
        lambda: W.render_output_size("transpose", SIZE, 3, 2, "same", 1, 1),
    )
    yield (
        "output_size_calculator",
        "update: input size slider",
        toggler(calculator, "size", [64, 63]),  # the slider stops at 64
    )
    yield (
        "transposed_conv_stepper",
        "render: 4x4 input, 3x3 kernel",
        lambda: W.render_transposed_step(np.arange(16.0).reshape(4, 4), np.ones((3, 3)), 7),
    )
    yield ("transposed_conv_stepper", "update: step slider", toggler(stepper, "step", [3, 9]))
    yield (
        "checkerboard_explorer",
        "render: 3 layers",
        lambda: W.render_checkerboard([3, 3, 3], [2, 2, 2], 6, SIZE),
    )
    yield (
        "checkerboard_explorer",
        "update: kernel slider",
        toggler(checkerboard, "kernel_1", [4, 3]),
    )
    yield (
        "feature_map_explorer",
        "render: feature_maps + grid, down1_conv (256x256x32)",
        lambda: W.render_feature_maps(W.feature_maps(model, frame, "down1_conv")),
    )
    yield (
        "feature_map_explorer",
        "update: frame slider (new forward pass)",
        _uncached(maps, toggler(maps, "frame", [1, 2])),
    )
    yield (
        "feature_map_explorer",
        "update: channel page (cached activations)",
        toggler(maps, "first_channel", [16, 0]),
    )
    yield (
        "deconvnet_projection",
        "render: project down3_pool (3 poolings, 3 convs)",
        lambda: deconvnet.project(model, frame, "down3_pool", 5),
    )
    yield (
        "deconvnet_projection",
        "render: project down1_conv",
        lambda: deconvnet.project(model, frame, "down1_conv", 5),
    )
    yield ("deconvnet_projection", "update: channel slider", toggler(projection, "channel", [5, 6]))
    decoder = W.deconvnet_projection(denoiser, clip, layer="up1_transpose")
    yield (
        "deconvnet_projection",
        "render: project denoiser up1_transpose (decoder, skips)",
        lambda: deconvnet.project(denoiser, frame, "up1_transpose", 5),
    )
    yield (
        "deconvnet_projection",
        "update: frame slider, denoiser up1_transpose (new forward)",
        _uncached(decoder, toggler(decoder, "frame", [1, 2])),
    )
    yield (
        "deconvnet_projection",
        "update: channel slider, denoiser up1_transpose (cached)",
        toggler(decoder, "channel", [5, 6]),
    )
    yield (
        "deconvnet_projection",
        "update: layer menu, denoiser up1_transpose <-> up2_conv (new forward)",
        _uncached(decoder, toggler(decoder, "layer", ["up2_conv", "up1_transpose"])),
    )
    whole = W.deconvnet_projection(denoiser, clip, layer="up1_transpose")
    whole.controls["keep"].value = "all"
    yield (
        "deconvnet_projection",
        "update: channel slider, whole map, denoiser up1_transpose (cached)",
        toggler(whole, "channel", [5, 6]),
    )
    yield (
        "deconvnet_projection",
        "update: frame slider, whole map, denoiser up1_transpose (new forward)",
        _uncached(whole, toggler(whole, "frame", [1, 2])),
    )
    yield (
        "deconvnet_projection",
        "update: frame slider, whole map, denoiser up1_transpose (frame computed ahead)",
        _computed_ahead(whole, toggler(whole, "frame", [1, 2])),
    )
    yield (
        "deconvnet_projection",
        "update: frame slider, denoiser up1_transpose (frame computed ahead)",
        _computed_ahead(decoder, toggler(decoder, "frame", [1, 2])),
    )
    yield (
        "video_compare",
        "render: 2 clips side by side",
        lambda: W.render_compare({"clean": clip, "noisy": noisy}, 1),
    )
    yield ("video_compare", "update: frame slider", toggler(compare, "frame", [1, 2]))
    yield ("video_compare", "update: wipe slider", _wipe(compare))
    yield (
        "TrainingMonitor",
        "render: curves + 3 samples, PNG (no prediction)",
        lambda: _png(W.render_training(monitor.history, clip[:3], clip[:3], clip[:3])),
    )
    yield (
        "TrainingMonitor",
        "update: one epoch's redraw (predicts 3 frames, once per epoch)",
        monitor.draw,
    )


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=72)
    return buffer.getvalue()


def forward_floor_ms(model, layer_name, ceiling_gflops):
    """Milliseconds the forward pass up to ``layer_name`` needs at least, at the ceiling."""
    forward = keras.Model(model.input, model.get_layer(layer_name).output)
    macs = cost.macs_per_pixel(forward, (SIZE, SIZE, 3)) * SIZE * SIZE  # full-size output
    return 2.0 * macs / (ceiling_gflops * 1e9) * 1000.0, 2.0 * macs / 1e9


def epoch_seconds(budget_name="cpu"):
    """Seconds of one training epoch of the encoder-decoder at a budget (5 timed steps)."""
    budget = training.select_budget(budget_name)
    keras.utils.set_random_seed(0)
    model = models.encoder_decoder((budget.patch_size, budget.patch_size, 3))
    rng = np.random.default_rng(0)
    shape = (budget.batch_size, budget.patch_size, budget.patch_size, 3)
    batch = rng.random(shape, dtype=np.float32)
    models.compile_restoration(model, 1e-3)
    model.train_on_batch(batch, batch)  # traces the step
    start = time.perf_counter()
    for _ in range(5):
        model.train_on_batch(batch, batch)
    return (time.perf_counter() - start) / 5 * budget.steps_per_epoch, budget


def way_back_gflop(model, layer_name, forward_gflop):
    """GFLOP of the whole-map way back of one channel from ``layer_name`` at SIZE x SIZE.

    Each step back costs what its layer cost forward (``forward_gflop`` in all), except the
    first: a transposed convolution with full-size output, taken back from one of its
    channels.
    """
    layer = model.get_layer(layer_name)
    k_h, k_w, outputs, inputs = layer.kernel.shape
    s_h, s_w = layer.strides
    own = 2.0 * (SIZE // s_h) * (SIZE // s_w) * k_h * k_w * inputs * outputs / 1e9
    return forward_gflop - own + own / outputs


def explain(rows):
    """Add ``why`` to each row over the target, from figures measured now."""
    slow = [row for row in rows if not row["within_target"]]
    if not slow:
        return
    ceiling = speed.matmul_ceiling()
    epoch = {}
    for row in slow:
        if row["widget"] == "deconvnet_projection":
            keras.utils.set_random_seed(0)
            denoiser = models.denoiser_encoder_decoder()
            floor, gflop = forward_floor_ms(denoiser, "up1_transpose", ceiling)
            back = way_back_gflop(denoiser, "up1_transpose", gflop)
            forward = (
                f"the forward pass to up1_transpose, {gflop:.1f} GFLOP at {SIZE}x{SIZE}, "
                f"{floor:.0f} ms at this machine's matrix-multiply rate ({ceiling:.0f} GFLOP/s)"
            )
            whole = (
                f"a whole map goes back densely, each step back costing what its layer cost "
                f"forward: {back:.1f} GFLOP, {back / ceiling * 1000:.0f} ms at that rate"
            )
            if "whole map" in row["path"] and "frame" in row["path"]:
                what = f"a new frame needs {forward}, then {whole}; together"
                what += f" {(gflop + back) / ceiling * 1000:.0f} ms before any overhead"
            elif "whole map" in row["path"]:
                what = f"{whole}, before any overhead"
            else:
                what = (
                    f"a new frame or layer needs {forward} before any overhead; the way back "
                    "of one activation only visits its receptive field"
                )
            row["why"] = (
                f"{what}; the forward pass is cached per frame and layer, and the frames next "
                "to the one shown are computed ahead while the learner looks, so the channel "
                "slider and a move to a frame computed ahead pay only the way back; "
                f"{SIZE // 2}x{SIZE // 2} frames cost a quarter"
            )
        elif row["widget"] == "TrainingMonitor":
            if not epoch:
                epoch["seconds"], epoch["budget"] = epoch_seconds()
            seconds, budget = epoch["seconds"], epoch["budget"]
            row["why"] = (
                "not slider-driven: a Keras callback redraws once per epoch, after the epoch; "
                f"one epoch at the {budget.name} budget ({budget.steps_per_epoch} steps of "
                f"{budget.batch_size} patches of {budget.patch_size}x{budget.patch_size}) "
                f"takes {seconds:.1f} s here, so the redraw adds "
                f"{row['median_ms'] / 10 / seconds:.1f}% to the training time"
            )
        else:
            row["why"] = "no reason computed: a regression to look into"


def _uncached(panel, move):
    """A move whose activations are not cached, so it runs the model (a frame or layer not
    computed ahead). The work ahead of the last move is finished first, untimed: it would
    otherwise share the cores with the move measured."""

    def setup():
        if hasattr(panel.cache, "wait"):
            panel.cache.wait()
        panel.cache.clear()

    move.setup = setup
    return move


def _computed_ahead(panel, move):
    """A move to a frame the panel computed ahead, while the learner looked (untimed)."""
    move.setup = panel.cache.wait
    return move


def _wipe(panel):
    panel.controls["mode"].value = "wipe"
    return toggler(panel, "wipe", [0.3, 0.7])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument(
        "--output",
        help="where the JSON goes (default benchmarks/results/widget_latency.json; with "
        "--only, nothing is written unless --output is given)",
    )
    parser.add_argument(
        "--only", help="measure only this widget's rows (e.g. deconvnet_projection)"
    )
    arguments = parser.parse_args()
    if arguments.output is None and arguments.only is None:
        arguments.output = str(ROOT / "benchmarks" / "results" / "widget_latency.json")
    rows = []
    for widget, path, function in cases(arguments.repeats):
        if arguments.only is not None and widget != arguments.only:
            continue
        milliseconds, cpu_milliseconds = median_ms(function, arguments.repeats)
        rows.append(
            {
                "widget": widget,
                "path": path,
                "median_ms": round(milliseconds, 2),
                "median_cpu_ms": round(cpu_milliseconds, 2),
                "within_target": milliseconds <= TARGET_MS,
            }
        )
    explain(rows)
    width = max(len(row["widget"]) for row in rows)
    path_width = max(len(row["path"]) for row in rows)
    print(f"{'widget':<{width}}  {'path':<{path_width}}  median ms  CPU ms")
    for row in rows:
        flag = "" if row["within_target"] else f"  (> {TARGET_MS:.0f} ms)"
        print(
            f"{row['widget']:<{width}}  {row['path']:<{path_width}}  {row['median_ms']:9.2f}"
            f"  {row['median_cpu_ms']:6.1f}{flag}"
        )
    for row in rows:
        if "why" in row:
            print(
                f"\n{row['widget']}, {row['path']}: {row['median_ms']:.0f} ms\n  why: {row['why']}"
            )
    if arguments.output is None:
        return
    result = {
        "what": (
            "median redraw time of each widget at 256x256 (render function; full update); "
            "median_cpu_ms: the CPU time of the same redraw, all threads together"
        ),
        "command": "python benchmarks/widget_latency.py",
        "target_ms": TARGET_MS,
        "repeats": arguments.repeats,
        "machine": _common.machine_info(),
        "rows": rows,
    }
    output = pathlib.Path(arguments.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


if __name__ == "__main__":
    main()
