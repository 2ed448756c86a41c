"""How fast is the NumPy transposed convolution next to keras.ops.conv_transpose?

The widgets recompute a transposed convolution on every slider move, so the
readable NumPy version in ``deconv_tutor.reference`` must stay close to the
framework: the target is within 5x of ``keras.ops.conv_transpose`` on a
1x128x128x16 input, 3x3 kernel, stride 2, "same" padding, 16 output channels.

Both functions are timed in alternating rounds (so a busy machine slows both
alike) after a warm-up; the table shows medians of ``time.perf_counter``
times. The two teaching views are timed a few times for comparison only.
Results go to ``benchmarks/results/reference_speed.json``.

    python benchmarks/reference_speed.py [--runs 50] [--check]
"""

import argparse
import datetime
import json
import statistics
import sys
import time
from pathlib import Path

import _common

_common.prepare()

import keras
import numpy as np

from deconv_tutor import reference

TARGET_RATIO = 5.0
INPUT_SHAPE = (1, 128, 128, 16)
KERNEL_SHAPE = (3, 3, 16, 16)  # Conv2DTranspose layout: (kh, kw, out, in)
STRIDE, PADDING = 2, "same"
RESULTS = _common.RESULTS / "reference_speed.json"


def numpy_version_of(x, kernel):
    return reference.conv_transpose(x, kernel, stride=STRIDE, padding=PADDING)


def keras_version_of(x, kernel):
    # Converting back to NumPy waits for the result, and gives what the NumPy path gives.
    output = keras.ops.conv_transpose(x, kernel, strides=STRIDE, padding=PADDING)
    return keras.ops.convert_to_numpy(output)


def seconds(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def alternating_medians(functions, args, runs, warmup):
    """Median seconds per function, timing them in turn so load changes hit all alike."""
    for _ in range(warmup):
        for function in functions:
            function(*args)
    times = [[] for _ in functions]
    for _ in range(runs):
        for function, record in zip(functions, times):
            record.append(seconds(function, *args))
    return [statistics.median(record) for record in times]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs of each (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    parser.add_argument(
        "--teaching-runs",
        type=int,
        default=3,
        help="timed runs of the slow teaching views (default 3; 0 skips them)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON file to write")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when the ratio misses the target"
    )
    options = parser.parse_args(argv)
    if options.runs < 1 or options.warmup < 0 or options.teaching_runs < 0:
        parser.error("--runs must be >= 1, --warmup and --teaching-runs >= 0")

    rng = np.random.default_rng(0)
    x = rng.standard_normal(INPUT_SHAPE).astype("float32")
    kernel = rng.standard_normal(KERNEL_SHAPE).astype("float32")

    # Timing a wrong answer would be pointless: check agreement first.
    difference = float(np.max(np.abs(numpy_version_of(x, kernel) - keras_version_of(x, kernel))))
    if difference > 1e-3:
        print(f"NumPy and Keras disagree: max |difference| = {difference:.2e}", file=sys.stderr)
        return 1

    numpy_s, keras_s = alternating_medians(
        [numpy_version_of, keras_version_of], (x, kernel), options.runs, options.warmup
    )
    ratio = numpy_s / keras_s
    rows = [
        ("reference.conv_transpose (NumPy, vectorised)", numpy_s, options.runs),
        ("keras.ops.conv_transpose", keras_s, options.runs),
    ]
    if options.teaching_runs:
        for view in (reference.conv_transpose_zero_insert, reference.conv_transpose_scatter):
            (view_s,) = alternating_medians(
                [lambda a, b, view=view: view(a, b, stride=STRIDE, padding=PADDING)],
                (x, kernel),
                options.teaching_runs,
                warmup=0,
            )
            rows.append((f"reference.{view.__name__} (teaching)", view_s, options.teaching_runs))

    meets_target = ratio <= TARGET_RATIO
    info = _common.machine_info()
    print(
        f"Transposed convolution: input {INPUT_SHAPE}, kernel {KERNEL_SHAPE} "
        f"(kh, kw, out, in), stride {STRIDE}, padding {PADDING!r}, float32"
    )
    print(
        f"{info['cpu_count']} CPUs, load {info['load_average_1min']}, {info['backend']} "
        f"{info['backend_version']}, keras {info['keras']}, numpy {info['numpy']} "
        f"({info['blas']})\n"
    )
    width = max(len(name) for name, _, _ in rows)
    print(f"{'implementation':<{width}}  {'median ms':>9}  {'runs':>4}")
    for name, median_s, runs in rows:
        print(f"{name:<{width}}  {median_s * 1e3:9.2f}  {runs:4d}")
    print(
        f"\nratio NumPy / Keras: {ratio:.2f}x   target: within {TARGET_RATIO:g}x   "
        f"{'met' if meets_target else 'MISSED'}"
    )

    options.output.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "benchmark": "reference_speed",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "benchmarks/reference_speed.py", *sys.argv[1:]]),
        "config": {
            "input_shape": INPUT_SHAPE,
            "kernel_shape": KERNEL_SHAPE,
            "kernel_layout": "(kh, kw, out, in)",
            "stride": STRIDE,
            "padding": PADDING,
            "dtype": "float32",
            "runs": options.runs,
            "warmup": options.warmup,
            "statistic": "median of time.perf_counter seconds, alternating rounds",
        },
        "max_abs_difference": difference,
        "results_ms": {name: round(median_s * 1e3, 4) for name, median_s, _ in rows},
        "ratio_numpy_over_keras": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "meets_target": meets_target,
        "machine": info,
    }
    options.output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {options.output}")
    return 1 if options.check and not meets_target else 0


if __name__ == "__main__":
    sys.exit(main())
