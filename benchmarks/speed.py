"""How fast does every model of the course run on whole frames? Frames per second and GFLOP/s.

Every builder of ``deconv_tutor.models.ZOO`` (default widths, untrained: speed does not
depend on the weights) is timed with ``deconv_tutor.speed.throughput`` at 480p and
720p *output*, at batch 1 (the latency of a live stream) and batched, on the CPU and,
when Keras sees one, on the GPU. 480p is 848x480 rather than 854x480: 854 is odd
after one halving, and the encoder-decoders and the FCN need widths divisible by 4
and 8 (848 = 8 x 106). Upscalers get the low-resolution frame (424x240 and 640x360
for x2) and the temporal models a stack of 5 frames. The batched size is ``--batch``
(4), halved while one layer's output for the batch would exceed ``--max-activation-gb``
(the 720p Conv3D model at batch 4 would hold several 2.4 GB tensors).

In the same run, on the same device, ``speed.matmul_ceiling`` measures the dense
matrix-multiply rate (the ceiling) and ``speed.memory_bandwidth`` the streaming rate;
their ratio is the roofline "ridge" in FLOP/byte. The load of a shared machine drifts,
so the ceiling is measured again just before each model and once at the end; the
device's ceiling is the best of these (what the cores do when they get the chance), and
each row gives the model's achieved GFLOP/s as a percentage of it, next to the ceiling
measured just before the model (``local``), which shows how busy the machine was then.

Targets (issue 5):

1. the fastest x2 upscaler runs at >= 24 frames/s at 480p output on the CPU, while
   staying >= 1 dB over bicubic. Its PSNR comes from ``results/quality_cpu.json``
   (written by ``benchmarks/quality.py --budget cpu``) when that file holds the same
   model configuration; otherwise this script trains it briefly (``--sr-steps``) on
   patches of the training photos and measures it against bicubic on the held-out
   photos, and says so;
2. every model reaches >= 40% of the ceiling's GFLOP/s (best of its rows on a device),
   or the table says why not: narrow layers (channel widths), layers below the ridge,
   and the layers without multiply-adds that stream whole frames.

The machine is shared: the load average is recorded before and after, and all numbers
are the fastest of a few calls (``deconv_tutor.speed``'s statistic). Results go to ``benchmarks/results/speed.json``
(``speed_quick.json`` with ``--quick``)::

    python benchmarks/speed.py [--quick] [--batch 4] [--frames 2] [--sr-steps 1500]
"""

import argparse
import datetime
import json
import math
import sys
import time
from pathlib import Path

import _common

_common.prepare()

import keras
import numpy as np

from deconv_tutor import cost, data, metrics, models, restoration, speed, training

#: Output frame sizes (height, width); 848 instead of 854, see the module docstring.
RESOLUTIONS = {"480p": (480, 848), "720p": (720, 1280)}
TEMPORAL_FRAMES = 5
SCALE = 2
TARGET_FPS = 24
TARGET_DB_OVER_BICUBIC = 1.0
TARGET_CEILING_FRACTION = 0.40
#: A convolution with fewer channels than this on either side counts as narrow.
NARROW_CHANNELS = 16
RESULTS = _common.RESULTS


def input_shape_for(name, output_size):
    """One input sample of ZOO model ``name`` giving frames of ``output_size``."""
    height, width = output_size
    task = models.ZOO_TASKS[name]
    if task == "upscale":
        return (height // SCALE, width // SCALE, 3)
    if task == "temporal_denoise":
        return (TEMPORAL_FRAMES, height, width, 3)
    return (height, width, 3)


def largest_activation_bytes(model, frame_shape):
    """Bytes of the largest layer output for one sample (float32), from a clone at that shape."""
    uncompiled = model.__class__.from_config(model.get_config())
    clone = keras.models.clone_model(uncompiled, input_tensors=keras.Input(frame_shape))
    return max(4 * math.prod(layer.output.shape[1:]) for layer in clone.layers)


def batched_size(model, frame_shape, batch, limit_gb):
    per_sample = largest_activation_bytes(model, frame_shape)
    while batch > 1 and batch * per_sample > limit_gb * 1e9:
        batch //= 2
    return batch


def widths(model):
    rows = speed.arithmetic_intensity(model)
    return [rows[0]["in_channels"], *(row["out_channels"] for row in rows)] if rows else []


def layers_without_macs(model):
    """Layers that stream whole frames without counted multiply-adds (activations, adds, resizes)."""
    counted = {row["name"] for row in speed.arithmetic_intensity(model)}
    return [
        layer.name
        for layer in model.layers
        if layer.name not in counted and not isinstance(layer, keras.layers.InputLayer)
    ]


def why_below(model, ridge):
    """What the model's structure says about a low fraction of the ceiling (computed, not typed)."""
    rows = speed.arithmetic_intensity(model)
    reasons = []
    narrow = [r for r in rows if min(r["in_channels"], r["out_channels"]) < NARROW_CHANNELS]
    if narrow:
        listed = ", ".join(f"{r['name']} {r['in_channels']}->{r['out_channels']}" for r in narrow)
        reasons.append(
            f"{len(narrow)} of {len(rows)} convolutions narrow (<{NARROW_CHANNELS} channels: "
            f"{listed}): GEMMs too thin to fill the vector units"
        )
    below = [r for r in rows if r["flops_per_byte"] < ridge]
    if below:
        listed = ", ".join(f"{r['name']} {r['flops_per_byte']:.1f}" for r in below)
        reasons.append(f"memory bound below the ridge {ridge:.1f} FLOP/B: {listed}")
    else:
        lowest = min(rows, key=lambda r: r["flops_per_byte"])
        reasons.append(
            f"no convolution below the ridge {ridge:.1f} FLOP/B (lowest {lowest['name']} "
            f"{lowest['flops_per_byte']:.1f}), so not memory bound by this estimate"
        )
    free = layers_without_macs(model)
    if free:
        reasons.append(
            f"{len(free)} layers without MACs (activations, adds, resizes, rearrangements) "
            "stream whole frames at memory speed"
        )
    kinds = sorted({r["layer"] for r in rows if r["layer"] not in ("Conv2D",)})
    if kinds:
        reasons.append("also uses " + ", ".join(kinds) + " (kernels other than plain Conv2D)")
    dilated = [
        f"{layer.name} {max(layer.dilation_rate)}"
        for layer in model.layers
        if max(getattr(layer, "dilation_rate", (1,))) > 1
    ]
    if dilated:
        reasons.append(f"{len(dilated)} dilated convolutions ({', '.join(dilated)})")
    return "; ".join(reasons)


def devices_to_time(hardware):
    """(label, keras device name, matmul size): the CPU, then each GPU Keras sees."""
    found = [("CPU", "cpu:0", 1024)]
    # A GPU finishes a 1024 product before the timer notices; 8192 keeps it busy.
    found += [(f"GPU:{index}", f"gpu:{index}", 8192) for index in range(hardware["gpu_count"])]
    return found


def quality_from_file(name):
    """(model PSNR, bicubic PSNR, source) from results/quality_cpu.json, if it has this model."""
    path = RESULTS / "quality_cpu.json"
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    rows = record.get("tasks", {}).get("sr", {}).get("rows", [])
    found = {row["method"]: row for row in rows}
    if name not in found or "bicubic" not in found or found[name].get("model_kwargs", {}) != {}:
        return None
    command = record["tasks"]["sr"].get("command", "benchmarks/quality.py --budget cpu")
    return found[name]["psnr"], found["bicubic"]["psnr"], f"{path.name} ({command})"


def quick_quality(name, steps, seed=0):
    """Train the default ZOO upscaler briefly and measure it and bicubic on held-out clips."""
    training.set_seed(seed)
    train_clips = [
        data.photo_clip(photo, frames=8, size=(96, 96), motion="pan_zoom", seed=index)
        for index, photo in enumerate(data.PHOTOS_TRAIN)
    ]
    dataset = data.PatchDataset(
        train_clips,
        lambda v: data.downscale(v, SCALE),
        patch_size=48,
        batch_size=16,
        steps=steps,
        seed=seed,
        scale=SCALE,
    )
    model = models.ZOO[name](scale=SCALE)
    models.compile_restoration(model, 1e-3, loss="mae", decay_steps=steps)
    start = time.perf_counter()
    model.fit(dataset, epochs=1, verbose=0)
    train_seconds = time.perf_counter() - start
    model_psnr, bicubic_psnr = [], []
    for photo in data.PHOTOS_HELDOUT:
        clean = data.photo_clip(photo, frames=4, size=(96, 96), motion="pan", seed=1)
        low = data.downscale(clean, SCALE)
        upscaled = np.clip(model.predict(low, verbose=0), 0, 1)
        model_psnr.append(metrics.psnr(clean, upscaled))
        bicubic_psnr.append(metrics.psnr(clean, restoration.upscale_bicubic(low, SCALE)))
    source = (
        f"measured here: {steps} steps of 16 patches (48x48, MAE, Adam 1e-3 cosine) on "
        f"{', '.join(data.PHOTOS_TRAIN)} in {train_seconds:.0f} s; PSNR on 4-frame 96x96 clips "
        f"of {', '.join(data.PHOTOS_HELDOUT)}"
    )
    return float(np.mean(model_psnr)), float(np.mean(bicubic_psnr)), source


def print_table(rows):
    header = (
        f"{'device':6s} {'model':26s} {'out':5s} {'input':>15s} {'batch':>5s} {'GMAC/fr':>8s} "
        f"{'s/frame':>8s} {'fps':>7s} {'GFLOP/s':>8s} {'local':>8s} {'% ceil':>6s}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        shape = "x".join(str(size) for size in row["input_shape"])
        print(
            f"{row['device']:6s} {row['model']:26s} {row['resolution']:5s} {shape:>15s} "
            f"{row['batch_size']:5d} {row['macs_per_frame'] / 1e9:8.2f} "
            f"{row['seconds_per_frame']:8.3f} {row['fps']:7.2f} {row['gflops']:8.1f} "
            f"{row['local_ceiling_gflops']:8.1f} {row['percent_of_ceiling']:6.1f}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 480p only, batch 1 and 2, one timed call, 20 SR steps",
    )
    parser.add_argument("--batch", type=int, default=4, help="batched size (default 4)")
    parser.add_argument(
        "--frames",
        type=int,
        default=2,
        help="timed frames at batch 1 (default 2; batched: one call)",
    )
    parser.add_argument(
        "--max-activation-gb",
        type=float,
        default=1.5,
        help="halve the batch while one layer output exceeds this (default 1.5)",
    )
    parser.add_argument(
        "--sr-steps",
        type=int,
        default=1500,
        help="training steps when the upscaler PSNR must be measured here",
    )
    parser.add_argument("--only", nargs="*", choices=list(models.ZOO), help="models to time")
    parser.add_argument("--output", type=Path, default=None, help="JSON file to write")
    options = parser.parse_args(argv)
    if options.batch < 2 or options.frames < 1 or options.sr_steps < 1:
        parser.error("--batch must be >= 2, --frames and --sr-steps >= 1")
    if options.quick:
        options.batch, options.frames = 2, 1
        options.sr_steps = min(options.sr_steps, 20)
    resolutions = {"480p": RESOLUTIONS["480p"]} if options.quick else RESOLUTIONS
    names = options.only or list(models.ZOO)
    output = options.output or RESULTS / ("speed_quick.json" if options.quick else "speed.json")

    started = time.perf_counter()
    load_before = _common.load_average()
    info = _common.machine_info()
    hardware = training.hardware()
    print(
        f"{info['cpu_count']} CPUs ({info['cpu_model']}), load {load_before}, "
        f"{info['backend']} {info['backend_version']}, keras {info['keras']}, "
        f"devices {', '.join(info['devices'])}\n"
    )

    rows, device_facts, model_facts = [], {}, {}
    for label, device_name, matmul_size in devices_to_time(hardware):
        with keras.device(device_name):
            ceiling = speed.matmul_ceiling(size=matmul_size, repeats=3 if options.quick else 7)
            bandwidth = speed.memory_bandwidth(repeats=3 if options.quick else 7)
            device_facts[label] = {
                "matmul_size": matmul_size,
                "memory_bandwidth_gbs": round(bandwidth, 2),
                "load_average_1min_at_start": _common.load_average(),
            }
            print(
                f"{label}: matmul {ceiling:.1f} GFLOP/s ({matmul_size}x{matmul_size} float32), "
                f"streaming {bandwidth:.1f} GB/s"
            )
            ceilings = [ceiling]
            for name in names:
                model = models.ZOO[name]()
                # The load on a shared machine drifts: measure the ceiling again next to
                # each model, so a model's fraction compares two rates taken together.
                ceiling_now = speed.matmul_ceiling(size=matmul_size, repeats=5)
                ceilings.append(ceiling_now)
                model_facts.setdefault(
                    name,
                    {
                        "task": models.ZOO_TASKS[name],
                        "parameters": cost.parameter_count(model),
                        "channel_widths": widths(model),
                        "lowest_flops_per_byte": round(
                            min(r["flops_per_byte"] for r in speed.arithmetic_intensity(model)), 1
                        ),
                        "layers_without_macs": len(layers_without_macs(model)),
                    },
                )
                for resolution, size in resolutions.items():
                    shape = input_shape_for(name, size)
                    batches = (
                        1,
                        batched_size(model, shape, options.batch, options.max_activation_gb),
                    )
                    for batch in dict.fromkeys(batches):
                        frames = options.frames if batch == 1 else batch
                        result = speed.throughput(
                            model, shape, batch_size=batch, frames=frames, warmup=1
                        )
                        row = {
                            "device": label,
                            "model": name,
                            "resolution": resolution,
                            **result,
                            "local_ceiling_gflops": ceiling_now,
                            "load_average_1min": _common.load_average(),
                        }
                        rows.append(row)
                        print(
                            f"  {label} {name} {resolution} batch {batch}: "
                            f"{result['fps']:.2f} fps, {result['gflops']:.1f} GFLOP/s "
                            f"(ceiling just before: {ceiling_now:.1f})",
                            flush=True,
                        )
                keras.backend.clear_session()
            ceilings.append(speed.matmul_ceiling(size=matmul_size, repeats=7))
            best = max(ceilings)
            device_facts[label].update(
                matmul_ceiling_gflops=round(best, 2),
                ridge_flops_per_byte=round(best / bandwidth, 2),
                matmul_ceilings_measured_gflops=[round(c, 2) for c in ceilings],
            )
            print(
                f"{label}: ceiling = best of {len(ceilings)} measurements = {best:.1f} GFLOP/s "
                f"(lowest {min(ceilings):.1f}); ridge {best / bandwidth:.1f} FLOP/byte"
            )
            for row in rows:
                if row["device"] == label:
                    row["percent_of_ceiling"] = 100 * row["gflops"] / best

    print()
    print_table(rows)

    # Target 1: the fastest x2 upscaler at 480p output on the CPU, and its quality.
    upscale_rows = [
        r
        for r in rows
        if r["device"] == "CPU"
        and r["resolution"] == "480p"
        and models.ZOO_TASKS[r["model"]] == "upscale"
    ]
    upscaler_target = None
    if upscale_rows:
        fastest = max(upscale_rows, key=lambda r: r["fps"])
        at_batch_1 = max(
            (r for r in upscale_rows if r["model"] == fastest["model"] and r["batch_size"] == 1),
            key=lambda r: r["fps"],
        )
        quality = quality_from_file(fastest["model"])
        if quality is None:
            quality = quick_quality(fastest["model"], options.sr_steps)
        model_psnr, bicubic_psnr, source = quality
        gain = model_psnr - bicubic_psnr
        fast_enough = speed.real_time(fastest["fps"], TARGET_FPS)
        budget = speed.max_macs_per_pixel(
            max(fastest["gflops"], 1e-9), RESOLUTIONS["480p"], fps=TARGET_FPS
        )
        upscaler_target = {
            "target": f"fastest x{SCALE} upscaler >= {TARGET_FPS} fps at 480p output on the CPU "
            f"and >= {TARGET_DB_OVER_BICUBIC} dB over bicubic",
            "model": fastest["model"],
            "fps_best": round(fastest["fps"], 2),
            "fps_best_batch": fastest["batch_size"],
            "fps_batch_1": round(at_batch_1["fps"], 2),
            "achieved_gflops": round(fastest["gflops"], 2),
            "macs_per_pixel": fastest["macs_per_pixel"],
            "gflops_needed_for_target": round(2 * fastest["macs_per_frame"] * TARGET_FPS / 1e9, 2),
            "max_macs_per_pixel_at_achieved_rate": round(budget, 1),
            "psnr": round(model_psnr, 3),
            "bicubic_psnr": round(bicubic_psnr, 3),
            "db_over_bicubic": round(gain, 3),
            "psnr_source": source,
            "fast_enough": fast_enough,
            "good_enough": gain >= TARGET_DB_OVER_BICUBIC,
            "met": fast_enough and gain >= TARGET_DB_OVER_BICUBIC,
        }
        t = upscaler_target
        print(f"\nTarget 1: {t['target']}")
        print(
            f"  fastest: {t['model']}, {t['fps_best']:.1f} fps (batch {t['fps_best_batch']}; "
            f"{t['fps_batch_1']:.1f} at batch 1), {t['psnr']:.2f} dB vs bicubic "
            f"{t['bicubic_psnr']:.2f} dB ({gain:+.2f} dB; {source})"
        )
        print(
            f"  {TARGET_FPS} fps at {t['macs_per_pixel']:.0f} MACs/pixel needs "
            f"{t['gflops_needed_for_target']:.1f} GFLOP/s; at the {t['achieved_gflops']:.1f} "
            f"GFLOP/s it achieved, real time allows {budget:.0f} MACs/pixel"
        )
        print(
            f"  target {'met' if t['met'] else 'NOT met'}"
            + (
                ""
                if t["met"]
                else f" (speed {'ok' if fast_enough else 'short'}, quality "
                f"{'ok' if t['good_enough'] else 'short'})"
            )
        )

    # Target 2: each model's best fraction of the ceiling on each device.
    efficiency = {}
    print(
        f"\nTarget 2: every model >= {TARGET_CEILING_FRACTION:.0%} of the matmul ceiling "
        "(best row per device)"
    )
    for label, name in dict.fromkeys((r["device"], r["model"]) for r in rows):
        best = max(
            (r for r in rows if r["device"] == label and r["model"] == name),
            key=lambda r: r["percent_of_ceiling"],
        )
        met = best["percent_of_ceiling"] >= 100 * TARGET_CEILING_FRACTION
        device_ceiling = device_facts[label]["matmul_ceiling_gflops"]
        busy = best["local_ceiling_gflops"] / device_ceiling
        entry = {
            "best_percent_of_ceiling": round(best["percent_of_ceiling"], 1),
            "at": f"{best['resolution']} batch {best['batch_size']}",
            "met": met,
        }
        entry["percent_of_local_ceiling"] = round(
            100 * best["gflops"] / best["local_ceiling_gflops"], 1
        )
        if not met:
            entry["why_not"] = why_below(
                models.ZOO[name](), device_facts[label]["ridge_flops_per_byte"]
            )
            if busy < 0.6:
                # Other processes took the cores: the matmul measured next to this model ran
                # far below the device's best, and so did the model.
                entry["why_not"] = (
                    f"busy machine: the ceiling measured just before it was "
                    f"{best['local_ceiling_gflops']:.0f} GFLOP/s, {busy:.0%} of the best "
                    f"{device_ceiling:.0f} (load {best['load_average_1min']}); against that "
                    f"local ceiling it reached {entry['percent_of_local_ceiling']:.0f}%; "
                    + entry["why_not"]
                )
        efficiency[f"{label} {name}"] = entry
        facts = model_facts[name]
        print(
            f"  {label} {name:26s} {entry['best_percent_of_ceiling']:5.1f}% "
            f"({entry['at']}; {entry['percent_of_local_ceiling']:.0f}% of the local ceiling) "
            f"{'met' if met else 'NOT met'}; widths "
            f"{'-'.join(map(str, facts['channel_widths']))}"
        )
        if not met:
            print(f"      why: {entry['why_not']}")
    keras.backend.clear_session()

    load_after = _common.load_average()
    record = {
        "benchmark": "speed",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            ["python", "benchmarks/speed.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "seconds": round(time.perf_counter() - started, 1),
        "config": {
            "resolutions": {k: f"{w}x{h}" for k, (h, w) in resolutions.items()},
            "resolution_note": "480p is 848x480, not 854x480: widths must divide by 8 for the "
            "encoder-decoders and the FCN (848 = 8 x 106)",
            "upscale_factor": SCALE,
            "temporal_frames": TEMPORAL_FRAMES,
            "batched_size": options.batch,
            "max_activation_gb": options.max_activation_gb,
            "timed_frames_batch_1": options.frames,
            "warmup_calls": 1,
            "statistic": "fastest predict_on_batch call of the timed ones / batch size; "
            "ceilings: fastest of the timed products",
            "models": "deconv_tutor.models.ZOO with default arguments, untrained",
            "quick": options.quick,
        },
        "machine": {
            **info,
            "load_average_1min_before": load_before,
            "load_average_1min_after": load_after,
            "note": "2 shared cores: other processes ran during the measurement; "
            "see the load averages per row",
        },
        "devices": device_facts,
        "models": model_facts,
        "rows": [
            {
                **{k: v for k, v in r.items() if k not in ("input_shape", "output_shape")},
                "input_shape": list(r["input_shape"]),
                "output_shape": list(r["output_shape"]),
                "seconds_per_frame": round(r["seconds_per_frame"], 5),
                "fps": round(r["fps"], 3),
                "gflops": round(r["gflops"], 3),
                "local_ceiling_gflops": round(r["local_ceiling_gflops"], 2),
                "percent_of_ceiling": round(r["percent_of_ceiling"], 2),
            }
            for r in rows
        ],
        "targets": {"upscaler_real_time": upscaler_target, "ceiling_fraction": efficiency},
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    print(
        f"\nload average {load_before} before, {load_after} after; "
        f"{record['seconds']:.0f} s; wrote {output}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
