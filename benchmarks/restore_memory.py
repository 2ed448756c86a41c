"""Does ``python -m deconv_tutor restore`` keep its memory flat on a long video?

A synthetic 10-minute 854 x 480 clip at 24 frames/s (ffmpeg's ``testsrc2`` with a sine tone,
encoded fast) goes through the command with a tiny model (a 3 x 3 box blur saved as a
``.keras`` file, so that the run takes minutes, not hours: the memory of the pipeline, not of
a big network, is what is measured). While it runs, the resident memory (RSS) of the command's
Python process and of its ffmpeg children is read from ``/proc`` every few seconds. The
result: the range after the warm-up and the trend (MB per minute, a least-squares line), in
``benchmarks/results/restore_memory.json``. Linux only (``/proc``).

    python benchmarks/restore_memory.py [--minutes 10] [--every 5]
"""

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common

_common.prepare()

import imageio_ffmpeg
import numpy as np

from deconv_tutor import data

OUTPUT = _common.RESULTS / "restore_memory.json"
#: Samples taken before this many seconds (model loading, first frames) are not judged.
WARM_UP_S = 30


def make_clip(path, minutes):
    """A ``minutes``-long 854 x 480, 24 frames/s H.264 clip with an AAC tone."""
    seconds = str(60 * minutes)
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=854x480:rate=24",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", seconds, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip


def box_blur_model(path):
    """A 3 x 3 box blur per channel as a Keras model file: the cheapest model the command takes."""
    import keras

    inputs = keras.Input((None, None, 3))
    blur = keras.layers.Conv2D(3, 3, padding="same", use_bias=False, name="box")
    outputs = blur(inputs)
    # (kh, kw, in, out): each channel blurred on its own by data.psf_box.
    kernel = np.einsum("hw,io->hwio", data.psf_box(3), np.eye(3)).astype("float32")
    blur.set_weights([kernel])
    keras.Model(inputs, outputs).save(path)


def rss_mb(pid):
    """Resident memory of one process in MB, or None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def children(pid):
    """The direct children of a process (its ffmpeg decoder and encoders)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(child) for child in text.split()]


def trend_mb_per_minute(samples):
    """Least-squares slope of the Python process's RSS against time, in MB per minute."""
    if len(samples) < 2:
        return float("nan")
    seconds = np.array([s["seconds"] for s in samples])
    python = np.array([s["python_mb"] for s in samples])
    return float(np.polyfit(seconds / 60.0, python, 1)[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the clip")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    options = parser.parse_args(argv)
    samples = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        clip, model, restored = folder / "long.mp4", folder / "box.keras", folder / "out.mp4"
        print(f"writing a {options.minutes:g}-minute 854x480 clip ...", flush=True)
        make_clip(clip, options.minutes)
        box_blur_model(model)
        command = [sys.executable, "-m", "deconv_tutor", "restore", str(clip), str(restored),
                   "--task", "deblur", "--model", str(model), "--preset", "ultrafast", "--quiet"]  # fmt: skip
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=_common.ROOT)
        while process.poll() is None:
            time.sleep(options.every)  # a sampling period, not a wait for a result
            python = rss_mb(process.pid)
            if python is None:
                break
            ffmpeg = [rss_mb(child) for child in children(process.pid)]
            samples.append(
                {
                    "seconds": round(time.perf_counter() - began, 1),
                    "python_mb": round(python, 1),
                    "ffmpeg_mb": [round(m, 1) for m in ffmpeg if m is not None],
                }
            )
            print(f"{samples[-1]['seconds']:7.1f} s  python {python:7.1f} MB  ffmpeg "
                  f"{samples[-1]['ffmpeg_mb']}", flush=True)  # fmt: skip
        seconds = time.perf_counter() - began
        if process.wait() != 0:
            raise SystemExit(f"the restore command failed (exit status {process.returncode})")
    judged = [s for s in samples if s["seconds"] >= WARM_UP_S]
    python = [s["python_mb"] for s in judged]
    ffmpeg = [sum(s["ffmpeg_mb"]) for s in judged if s["ffmpeg_mb"]]
    frames = round(options.minutes * 60 * 24)
    result = {
        "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
        "command": "python benchmarks/restore_memory.py " + " ".join(argv or sys.argv[1:]),
        "clip": f"{options.minutes:g} min, 854x480, 24 frames/s, {frames} frames (testsrc2 + tone)",
        "model": "3x3 box blur (.keras), --task deblur --preset ultrafast",
        "seconds": round(seconds, 1),
        "frames_per_second": round(frames / seconds, 2),
        "warm_up_s": WARM_UP_S,
        "python_mb_range": [min(python), max(python)] if python else None,
        "ffmpeg_mb_range": [min(ffmpeg), max(ffmpeg)] if ffmpeg else None,
        "python_trend_mb_per_minute": round(trend_mb_per_minute(judged), 3),
        "machine": _common.machine_info(),
        "samples": samples,
    }
    options.output.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"\n{frames} frames in {seconds:.0f} s ({result['frames_per_second']} frames/s); after "
        f"{WARM_UP_S} s: Python {result['python_mb_range']} MB, trend "
        f"{result['python_trend_mb_per_minute']:+.3f} MB/min; ffmpeg {result['ffmpeg_mb_range']} MB"
    )
    print(f"written to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
