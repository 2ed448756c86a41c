"""How fast does ``python -m deconv_tutor restore`` run, end to end, and what holds it back?

For each task (its reference model) and each output size (480p: 854 x 480, 720p: 1280 x 720;
the upscaler gets frames half that size, 428 x 240 and 640 x 360, so that its *output* is
480p or 720p), a synthetic clip (a pan over a test photo with noise, H.264 CRF 23, an AAC
tone) is restored by :func:`deconv_tutor.restore.restore_video` (decode + model + encode,
the progress line off), and each stage is timed alone on the same frames:

- ``decode``: :func:`deconv_tutor.data.iter_frames` through the clip (frames to float);
- ``model``: the :class:`deconv_tutor.tiling.Restorer` the command uses (same tiles and
  batch) on frames already in memory;
- ``encode``: the command's H.264 writer (same CRF and preset) fed frames from memory.

The bottleneck is the slowest stage. The target of issue 15: x2 upscaling to 480p output at
24 frames/s or more end to end with the fastest reference upscaler. Figures are frames per
second, wall time, on whatever this machine is doing (its load is recorded beside them).
Results go to ``benchmarks/results/restore_speed.json``; ``--markdown`` prints the README table.

    python benchmarks/restore_speed.py [--frames 48] [--tasks denoise upscale ...]
        [--sizes 480p 720p] [--preset medium] [--repeats 1] [--markdown]

With ``--repeats N`` each row's end-to-end figure is the median of N runs (all N are
recorded), and each stage's the median of N passes: on a shared machine one run can be off
by a few frames per second.
"""

import argparse
import datetime
import json
import sys
import tempfile
import time
from pathlib import Path

import _common

_common.prepare()

import numpy as np

from deconv_tutor import pretrained, restore, tiling
from deconv_tutor.data import iter_frames

RESULTS = _common.RESULTS / "restore_speed.json"
SIZES = {"480p": (480, 854), "720p": (720, 1280)}  # output (height, width)
TARGET = {"task": "upscale", "size": "480p", "frames_per_second": 24.0}
PHOTO = "grace_hopper"


def _input_size(size, scale):
    height, width = SIZES[size]
    # Even sizes (H.264 yuv420p): 854 / 2 = 427 becomes 428.
    return (height // scale + (height // scale) % 2, width // scale + (width // scale) % 2)


def _median_seconds(call, repeats):
    """The median wall time of ``repeats`` calls."""
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds))


def _rate(frames, seconds):
    return frames / seconds if seconds > 0 else float("inf")


def models_for(task):
    """The reference models a task's rows time: every x2 upscaler (the default, the fast one
    and the large one), the one reference model of each other task."""
    if task != "upscale":
        return [pretrained.for_task(task)]
    return [
        name
        for name, spec in pretrained.REFERENCE_MODELS.items()
        if spec["task"] == "upscale" and spec["scale"] == 2
    ]


def measure(task, name, size, frames, preset, folder, repeats=1):
    """End-to-end (the median of ``repeats`` runs) and per-stage frames per second of one
    reference model (``name``) doing its task at one output size."""
    scale = pretrained.record(name)["scale"]
    in_h, in_w = _input_size(size, scale)
    source = Path(folder) / f"{name}_{size}_in.mp4"
    restore.write_sample_clip(
        source, photo=PHOTO, frames=frames, size=(in_h, in_w), fps=24, crf=23,
        noise_sigma=15 / 255,
    )  # fmt: skip
    runs = [
        restore.restore_video(
            source, Path(folder) / f"{name}_{size}_out{run}.mp4", task, model=name,
            preset=preset, progress=False,
        )["frames_per_second"]
        for run in range(repeats)
    ]  # fmt: skip

    def decode():
        return np.stack(list(iter_frames(source)))

    model, _, _ = restore.load_model(name, task, scale if task == "upscale" else None)
    restorer = tiling.Restorer(model)

    decoded = decode()
    first = restorer(decoded[:4])  # warm-up: the first call traces the model
    # One array for the output of every pass, its pages touched before timing: a fresh
    # 700 MB array per pass (144 frames at 480p) would time the page faults, which the
    # command, holding a few frames at a time, does not pay.
    restored = np.ones((len(decoded), *first.shape[1:]), np.float32)

    def run_model():
        for i in range(0, len(decoded), 4):
            restored[i : i + 4] = restorer(decoded[i : i + 4])

    def encode(frames):  # each pass replaces the file of the one before
        height, width = frames.shape[1:3]
        target = Path(folder) / f"{name}_{size}_encoded.mp4"
        encoder = restore._Encoder(
            target, width, height, 24, crf=restore.DEFAULT_CRF, preset=preset
        )
        for frame in frames:
            encoder.write(frame)
        encoder.finish()

    # Each stage alone, as often as the end-to-end run and the median kept: one pass of
    # each can be off by half on a shared machine (the first passes are the slowest).
    decode_s = _median_seconds(decode, repeats)
    model_s = _median_seconds(run_model, repeats)
    encode_s = _median_seconds(lambda: encode(restored), repeats)
    height, width = restored.shape[1:3]

    stages = {
        "decode": _rate(frames, decode_s),
        "model": _rate(frames, model_s),
        "encode": _rate(frames, encode_s),
    }
    row = {
        "task": task,
        "model": name,
        "steps_factor": pretrained.record(name).get("steps_factor"),
        "size": size,
        "input": f"{in_w}x{in_h}",
        "output": f"{width}x{height}",
        "tiles_per_frame": restorer.tiles_for(in_h, in_w),
        "frames": frames,
        "end_to_end_fps": float(np.median(runs)),
        "end_to_end_runs_fps": [round(rate, 2) for rate in runs],
        "stages_fps": stages,
        "bottleneck": min(stages, key=stages.get),
        "load_average_1min": _common.load_average(),
    }
    print(
        f"{task:8s} {name:15s} {size}: {row['input']:>9s} -> {row['output']:9s} end to end "
        f"{row['end_to_end_fps']:6.1f} fps; decode {stages['decode']:6.1f}, model "
        f"{stages['model']:6.1f}, encode {stages['encode']:6.1f}; bottleneck: {row['bottleneck']}",
        flush=True,
    )
    return row


def markdown(record):
    """The README's table from a record."""
    lines = [
        "| task (reference model) | input -> output | end to end (frames/s) | model alone | "
        "decode alone | encode alone | bottleneck |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in record["rows"]:
        stages = row["stages_fps"]
        lines.append(
            f"| {row['task']} ({row['model']}) | {row['input']} -> {row['output']} | "
            f"{row['end_to_end_fps']:.1f} | {stages['model']:.1f} | {stages['decode']:.1f} | "
            f"{stages['encode']:.1f} | {row['bottleneck']} |"
        )
    verdict = record["target"]
    lines.append("")
    lines.append(
        f"Target: x2 upscaling to 480p output at >= {verdict['frames_per_second']:g} frames/s end "
        f"to end with the fastest reference upscaler: {verdict['measured']:.1f} frames/s "
        f"({verdict.get('model')}), {'met' if verdict['met'] else 'not met'}."
    )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=48, help="frames per clip (default 48)")
    parser.add_argument("--tasks", nargs="+", default=list(restore.TASKS), choices=restore.TASKS)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--preset", default=restore.DEFAULT_PRESET, help="x264 preset")
    parser.add_argument(
        "--repeats", type=int, default=1, help="end-to-end runs per row; the median is reported"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--markdown", action="store_true", help="print the README table of the stored results"
    )
    options = parser.parse_args(argv)
    if options.markdown:
        print(markdown(json.loads(options.output.read_text())))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in options.sizes:
            for task in options.tasks:
                for name in models_for(task):
                    rows.append(
                        measure(
                            task, name, size, options.frames, options.preset, folder,
                            options.repeats,
                        )
                    )  # fmt: skip
    # The target is for the fastest reference upscaler: the best end-to-end rate of its rows.
    target_rows = [r for r in rows if r["task"] == TARGET["task"] and r["size"] == TARGET["size"]]
    fastest = max(target_rows, key=lambda r: r["end_to_end_fps"], default=None)
    measured = fastest["end_to_end_fps"] if fastest else float("nan")
    record = {
        "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        "command": "python benchmarks/restore_speed.py " + " ".join(argv or sys.argv[1:]),
        "preset": options.preset,
        "crf": restore.DEFAULT_CRF,
        "machine": _common.machine_info(),
        "rows": rows,
        "target": {
            **TARGET,
            "model": fastest["model"] if fastest else None,
            "measured": measured,
            "met": bool(measured >= TARGET["frames_per_second"]),
        },
    }
    options.output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(markdown(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
