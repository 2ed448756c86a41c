"""Do the learned models beat the classical baselines? PSNR and SSIM on validation and test photos.

Data (``deconv_tutor.data.photos``, a documented three-way split):

- **train**: ``photos.train_photos()`` (natural colour photos, a tissue slide and grey
  textures), cut into augmented patches by ``data.patches.PhotoPatches`` (random crops at
  four scales, flips and quarter turns, colour jitter, grey textures tinted);
- **validation**: clips of ``photos.VALIDATION_PHOTOS`` (coffee, chelsea), the only data
  that chooses anything here: every classical method's parameters are tuned on it;
- **test**: clips of ``photos.TEST_PHOTOS`` (grace_hopper, motorcycle_left), never used for
  a choice. The targets are checked on the test clips; the validation figures are shown
  beside them.

Tasks:

- ``sr``: x2 super-resolution of area-downscaled clips. Bicubic and Lanczos against
  ``fsrcnn``, ``espcn``, ``resize_conv_upscaler`` and ``upscaler_encoder_decoder``. Target:
  best learned >= the better of bicubic and Lanczos + 1.5 dB.
- ``denoise``: Gaussian noise sigma = 25/255. Every classical denoiser with its
  parameters tuned on validation (``restoration.best_classical_denoiser`` on the
  validation clips), against ``dncnn`` and ``denoiser_encoder_decoder``. Target: best learned
  >= best classical + 1.0 dB. The mean error per channel (a colour cast) is recorded.
- ``deblur``: a 9-pixel motion blur and a Gaussian blur (sigma 1.5), each with noise
  sigma 0.01. Wiener (balance tuned on validation) and Richardson-Lucy (iterations tuned
  on validation) against ``deblurrer`` trained on that blur. Target: learned >= the better
  classical method.

Beside the models trained here, each task with a shipped reference model
(``deconv_tutor.pretrained``, trained for thousands of steps by
``benchmarks/train_reference.py`` on the same training photos) scores it on the same clips
(kind ``"reference"``); the targets take the best of the trained and the reference models.
``--reuse-trained`` trains nothing: it keeps the trained rows of the last run in the JSON
and scores the classical methods and the reference models again.

Budgets are counted in **steps**, not seconds: each model trains for a fixed number of
Adam steps (:data:`TRAINING`: ``budget.steps`` times a per-task factor), with a cosine
learning-rate decay over those steps, whatever the machine's load; the wall time is
measured and reported, never used to stop. The seed is set before each model is built, so
a run is repeatable (up to the last bits of threaded float sums). The loss is L1 for
super-resolution and deblurring and MSE for denoising.

Results go to ``benchmarks/results/quality_<budget>.json``: the machine, the command,
and one row per (method, split); a run with ``--only`` replaces that task's rows and keeps
the others::

    python benchmarks/quality.py [--budget smoke|cpu|gpu] [--only sr|denoise|deblur] [--reuse-trained]
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

from deconv_tutor import cost, data, metrics, models, pretrained, restoration, training
from deconv_tutor.data import photos
from deconv_tutor.data.patches import PhotoPatches

TASKS = ("sr", "denoise", "deblur")
SPLITS = ("validation", "test")
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

#: The targets of issue 11, in dB of PSNR on the test clips.
TARGETS = {
    "sr": ("best learned x2 upscaler >= better of bicubic and Lanczos + 1.5 dB", 1.5),
    "denoise": ("best learned denoiser >= best classical denoiser + 1.0 dB", 1.0),
    "deblur": ("learned deblurrer >= better of Wiener and Richardson-Lucy (each blur)", 0.0),
}

#: Evaluation clips: every validation or test photo, 8 frames of a pan with zoom at 128 x 128.
EVAL_FRAMES, EVAL_SIZE, EVAL_MOTION, EVAL_SEED = 8, (128, 128), "pan_zoom", 1
#: Seed of the run: set before every model is built, and the patches' seed.
SEED = 0

LEARNING_RATE = 1e-3

#: Builder keyword arguments per budget. ``cpu`` uses the defaults of the models (what
#: the chapters use). For FSRCNN they were chosen again on the validation photos once its
#: initialisation was fixed (He weights, PReLU 0.25): after 2,400 steps the default d=32,
#: s=12, m=2 reached 37.74 dB, the paper's width with six mapping layers (d=56, s=16, m=6)
#: 37.57 dB. ``gpu``: wider and deeper versions; ``smoke``: tiny ones.
MODEL_SETTINGS = {
    "smoke": {
        "fsrcnn": {"d": 8, "s": 4, "m": 1},
        "espcn": {"filters": 8},
        "resize_conv_upscaler": {"filters": 8},
        "upscaler_encoder_decoder": {"filters": 8, "depth": 2},
        "dncnn": {"filters": 8, "depth": 4},
        "denoiser_encoder_decoder": {"filters": 8, "depth": 2},
        "deblurrer": {"filters": 8, "depth": 6},
    },
    "cpu": {
        "fsrcnn": {},
        "espcn": {},
        "resize_conv_upscaler": {},
        "upscaler_encoder_decoder": {},
        "dncnn": {},
        "denoiser_encoder_decoder": {},
        "deblurrer": {},
    },
    "gpu": {
        "fsrcnn": {"d": 64, "s": 32, "m": 8},
        "espcn": {"filters": 64},
        "resize_conv_upscaler": {"filters": 64},
        "upscaler_encoder_decoder": {"filters": 64, "depth": 3},
        "dncnn": {"filters": 64, "depth": 17},
        "denoiser_encoder_decoder": {"filters": 64, "depth": 3},
        "deblurrer": {"filters": 64, "depth": 7},
    },
}

#: Per-task training: loss, steps as a multiple of ``budget.steps`` (``cpu``: 400 steps of
#: 16 patches of 48 x 48, times 6 to 8 here: 2,400 to 3,200 steps per model), and whether
#: patches are flipped and turned (not for a motion blur, which has a direction).
TRAINING = {
    "sr": {"loss": "mae", "steps": {"smoke": 1, "cpu": 6, "gpu": 1}, "flips": True},
    "denoise": {"loss": "mse", "steps": {"smoke": 1, "cpu": 8, "gpu": 1}, "flips": True},
    "deblur": {"loss": "mae", "steps": {"smoke": 1, "cpu": 7, "gpu": 1}, "flips": False},
}


# ----------------------------------------------------------------------------- data


def split_clip(split):
    """The clips of one split's photos, one after the other along the frame axis."""
    names = photos.VALIDATION_PHOTOS if split == "validation" else photos.TEST_PHOTOS
    return np.concatenate(
        [
            data.photo_clip(
                name, frames=EVAL_FRAMES, size=EVAL_SIZE, motion=EVAL_MOTION, seed=EVAL_SEED
            )
            for name in names
        ]
    )


def noise_degrade(sigma):
    """``(clean_batch, seed) -> noisy batch``: fresh noise at every batch."""
    return lambda batch, seed: data.add_gaussian_noise(batch, sigma, seed=seed)


def blur_degrade(psf, sigma):
    """``(clean_batch, seed) -> blurred, noisy batch``."""
    return lambda batch, seed: data.add_gaussian_noise(data.blur(batch, psf), sigma, seed=seed)


def downscale_degrade(scale):
    """``(clean_batch, seed) -> area-downscaled batch``."""
    return lambda batch, seed: data.downscale(batch, scale)


# ----------------------------------------------------------------------------- training


class CosineSteps(keras.callbacks.Callback):
    """Cosine learning-rate decay over the planned steps, from ``learning_rate`` to 1/20 of it.

    Counted in steps, so the schedule (and the result) does not depend on the machine's load.
    """

    def __init__(self, planned_steps, learning_rate):
        super().__init__()
        self.planned_steps, self.learning_rate, self.steps = planned_steps, learning_rate, 0

    def on_train_batch_begin(self, batch, logs=None):
        progress = min(self.steps / self.planned_steps, 1.0)
        factor = 0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * progress))
        self.model.optimizer.learning_rate.assign(self.learning_rate * factor)

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1


def planned_steps(budget, task):
    """Steps one model of ``task`` trains for at ``budget``."""
    return budget.steps * TRAINING[task]["steps"][budget.name]


def train(model, degrade, budget, task, run_dir, scale=1, **recipe):
    """Fit ``model`` for its planned steps on fresh augmented patches of the training photos.

    ``recipe`` (``steps``, ``epochs``, ``loss``, ``flips``) overrides what ``task`` and
    ``budget`` set; ``train_reference.py`` trains longer with the same recipe this way.
    """
    defaults = {"epochs": budget.epochs}
    if task in TRAINING:
        defaults.update(TRAINING[task], steps=planned_steps(budget, task))
    settings = {**defaults, **recipe}
    steps, epochs, loss = settings["steps"], settings["epochs"], settings["loss"]
    patches = PhotoPatches(
        photos.train_photos(),
        degrade,
        patch_size=budget.patch_size,
        batch_size=budget.batch_size,
        steps=steps // epochs,
        seed=SEED,
        scale=scale,
        flips=settings["flips"],
    )
    models.compile_restoration(model, LEARNING_RATE, loss=loss)
    schedule = CosineSteps(epochs * (steps // epochs), LEARNING_RATE)
    start = time.perf_counter()
    history = training.fit(
        model,
        patches,
        budget=budget,
        epochs=epochs,
        run_dir=run_dir,
        callbacks=[schedule],
        verbose=2,
    )
    return {
        "train_seconds": round(time.perf_counter() - start, 1),
        "train_steps": schedule.steps,
        "planned_steps": epochs * (steps // epochs),
        "final_loss": float(history.history["loss"][-1]),
        "loss": loss,
        "load_average_1min_after": _common.load_average(),
    }


def predict(model, video):
    """Run a model over a clip, frame batches of 4, clipped to [0, 1] like the baselines."""
    return np.clip(model.predict(video, batch_size=4, verbose=0), 0.0, 1.0)


def score(clean, restored):
    error = (restored - clean).reshape(-1, clean.shape[-1]).mean(axis=0)
    return {
        "psnr": round(metrics.psnr(clean, restored), 3),
        "ssim": round(metrics.ssim(clean, restored), 4),
        "mean_error_rgb": [round(float(value), 4) for value in error],
    }


def row(task, method, kind, split, clean, restored, **extra):
    return {
        "task": task,
        "method": method,
        "kind": kind,
        "split": split,
        **score(clean, restored),
        **extra,
    }


#: Task (as the rows name it) -> the shipped reference models scored beside the trained ones.
REFERENCES = {
    "sr": ("upscale_x2", "upscale_x2_large"),
    "denoise": ("denoise",),
    "deblur (gaussian)": ("deblur_gaussian",),
}

#: Rows of an earlier run to reuse instead of training (``--reuse-trained``); None: train.
REUSED = None


def reference_rows(task, clean, degraded):
    """The shipped reference models of ``task`` (``deconv_tutor.pretrained``), on both splits."""
    rows = []
    for name in REFERENCES.get(task, ()):
        rows += _reference_rows(task, name, clean, degraded)
    return rows


def _reference_rows(task, name, clean, degraded):
    model, record = pretrained.load(name), pretrained.record(name)
    method = f"reference {name}"
    print(f"[{task}] scoring {method} ({record['steps']} steps, {record['command']})")
    return [
        row(
            task,
            method,
            "reference",
            split,
            clean[split],
            predict(model, degraded[split]),
            parameters=record["parameters"],
            train_steps=record["steps"],
            train_seconds=record["train_seconds_this_run"],
            trained_by=record["command"],
        )
        for split in SPLITS
    ]


def learned_rows(task, names, degrade, clean, degraded, budget, run_root, scale=1, label=None):
    """Train each model of ``names`` once; score it on both splits; add the reference model.

    ``clean`` and ``degraded`` map each split to its clips. The seed is set before the
    model is built, so its initial weights are the same in every run. With
    :data:`REUSED` set, the trained rows of that earlier run stand in for training.
    """
    references = reference_rows(task, clean, degraded)
    if REUSED is not None:
        kept = [r for r in REUSED if r["task"] == task and r["kind"] == "learned"]
        if not kept:
            print(f"[{task}] --reuse-trained: the earlier run trained nothing for it; no rows")
        return kept + references
    rows = []
    for name in names:
        training.set_seed(SEED)
        model = models.ZOO[name](**MODEL_SETTINGS[budget.name][name], **_scale_kwarg(name, scale))
        cost_shape = (EVAL_SIZE[0] // scale, EVAL_SIZE[1] // scale, 3)
        method = label or name
        print(f"\n[{task}] training {method} ({cost.parameter_count(model)} parameters)")
        run_dir = Path(run_root) / f"{task.replace(' ', '_')}_{method}"
        facts = train(model, degrade, budget, task.split()[0], run_dir, scale=scale)
        for split in SPLITS:
            rows.append(
                row(
                    task,
                    method,
                    "learned",
                    split,
                    clean[split],
                    predict(model, degraded[split]),
                    parameters=cost.parameter_count(model),
                    macs_per_pixel=round(cost.macs_per_pixel(model, input_shape=cost_shape), 1),
                    model_kwargs=MODEL_SETTINGS[budget.name][name],
                    **facts,
                )
            )
            print(f"[{task}] {method} on {split}: {rows[-1]['psnr']} dB")
    return rows + references


def _scale_kwarg(name, scale):
    return {"scale": scale} if models.ZOO_TASKS[name] == "upscale" else {}


def target_checks(task, rows, classical_methods, label=None):
    """Best learned against the best classical method, on each split; the target is on test."""
    checks = []
    for split in SPLITS:
        here = [r for r in rows if r["split"] == split]
        learned = max(
            (r for r in here if r["kind"] in ("learned", "reference")),
            key=lambda r: r["psnr"],
            # --reuse-trained after a run that never trained this task, and no reference model
            default={
                "method": "none (nothing trained for it in the reused run)",
                "psnr": None,
            },
        )
        baseline = max(
            (r for r in here if r["method"] in classical_methods), key=lambda r: r["psnr"]
        )
        trained = learned["psnr"] is not None
        gain = round(learned["psnr"] - baseline["psnr"], 3) if trained else None
        text, threshold = TARGETS[task.split()[0]]
        checks.append(
            {
                "target": text + (f": {label}" if label else ""),
                "split": split,
                "baseline": baseline["method"],
                "baseline_psnr": baseline["psnr"],
                "best_learned": learned["method"],
                "best_learned_psnr": learned["psnr"],
                "gain_db": gain,
                "threshold_db": threshold,
                "met": trained and gain >= threshold,
                "decides": split == "test",
            }
        )
    return checks


# ----------------------------------------------------------------------------- tasks


def run_sr(budget, clean, run_root):
    low = {split: data.downscale(clean[split], SCALE) for split in SPLITS}
    rows = []
    for split in SPLITS:
        rows.append(
            row(
                "sr",
                "bicubic",
                "classical",
                split,
                clean[split],
                restoration.upscale_bicubic(low[split], SCALE),
            )
        )
        rows.append(
            row(
                "sr",
                "lanczos",
                "classical",
                split,
                clean[split],
                restoration.upscale_lanczos(low[split], SCALE),
            )
        )
    rows += learned_rows(
        "sr",
        ("fsrcnn", "espcn", "resize_conv_upscaler", "upscaler_encoder_decoder"),
        downscale_degrade(SCALE),
        clean,
        low,
        budget,
        run_root,
        scale=SCALE,
    )
    return rows, target_checks("sr", rows, ("bicubic", "lanczos"))


DENOISERS = {
    "gaussian": restoration.denoise_gaussian,
    "median": restoration.denoise_median,
    "tv": restoration.denoise_tv,
    "wavelet": restoration.denoise_wavelet,
    "nl_means": restoration.denoise_nl_means,
}


def run_denoise(budget, clean, run_root):
    noisy = {
        split: data.add_gaussian_noise(clean[split], NOISE_SIGMA, seed=1000 + index)
        for index, split in enumerate(SPLITS)
    }
    start = time.perf_counter()
    # Tuned on validation only: each method's best parameters there are used on test.
    table = restoration.best_classical_denoiser(
        noisy["validation"], clean["validation"], NOISE_SIGMA
    )
    print(f"[denoise] classical sweep on validation: {time.perf_counter() - start:.0f} s")
    rows = [row("denoise", "noisy input", "input", s, clean[s], noisy[s]) for s in SPLITS]
    for method, function in DENOISERS.items():
        best = next(r for r in table if r["method"] == method)  # the table is best first
        for split in SPLITS:
            rows.append(
                row(
                    "denoise",
                    method,
                    "classical",
                    split,
                    clean[split],
                    function(noisy[split], **best["params"]),
                    params=_plain(best["params"]),
                    tuned_on="validation",
                )
            )
    rows += learned_rows(
        "denoise",
        ("dncnn", "denoiser_encoder_decoder"),
        noise_degrade(NOISE_SIGMA),
        clean,
        noisy,
        budget,
        run_root,
    )
    return rows, target_checks("denoise", rows, tuple(DENOISERS))


def run_deblur(budget, clean, run_root):
    rows, checks = [], []
    for blur_name, (description, make_psf) in BLURS.items():
        psf = make_psf()
        task = f"deblur ({blur_name})"
        degraded = {
            split: data.add_gaussian_noise(
                data.blur(clean[split], psf), DEBLUR_NOISE_SIGMA, seed=2000 + index
            )
            for index, split in enumerate(SPLITS)
        }
        balance, _ = restoration.tune_wiener_balance(
            degraded["validation"], clean["validation"], psf
        )
        iterations = max(
            RICHARDSON_LUCY_ITERATIONS,
            key=lambda n: metrics.psnr(
                clean["validation"],
                restoration.richardson_lucy(degraded["validation"], psf, num_iter=n),
            ),
        )
        task_rows = []
        for split in SPLITS:
            task_rows.append(
                row(task, "blurred input", "input", split, clean[split], degraded[split])
            )
            task_rows.append(
                row(
                    task,
                    "Wiener",
                    "classical",
                    split,
                    clean[split],
                    restoration.wiener(degraded[split], psf, balance),
                    params={"balance": balance},
                    tuned_on="validation",
                )
            )
            task_rows.append(
                row(
                    task,
                    "Richardson-Lucy",
                    "classical",
                    split,
                    clean[split],
                    restoration.richardson_lucy(degraded[split], psf, num_iter=iterations),
                    params={"num_iter": iterations},
                    tuned_on="validation",
                )
            )
        task_rows += learned_rows(
            task,
            ("deblurrer",),
            blur_degrade(psf, DEBLUR_NOISE_SIGMA),
            clean,
            degraded,
            budget,
            run_root,
        )
        rows += task_rows
        checks += target_checks(task, task_rows, ("Wiener", "Richardson-Lucy"), description)
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
    """One line per (task, method): PSNR and SSIM on validation and on test, and the cost."""
    header = (
        "task",
        "method",
        "val dB",
        "test dB",
        "val SSIM",
        "test SSIM",
        "parameters",
        "train s",
        "steps",
    )
    keys = []
    for r in rows:
        if (r["task"], r["method"]) not in keys:
            keys.append((r["task"], r["method"]))
    by_key = {(r["task"], r["method"], r["split"]): r for r in rows}
    lines = []
    for task, method in keys:
        val = by_key.get((task, method, "validation"), {})
        test = by_key.get((task, method, "test"), {})
        lines.append(
            (
                task,
                method,
                _cell(val.get("psnr"), 2),
                _cell(test.get("psnr"), 2),
                _cell(val.get("ssim"), 4),
                _cell(test.get("ssim"), 4),
                _cell(test.get("parameters")),
                _cell(test.get("train_seconds"), 0),
                _cell(test.get("train_steps")),
            )
        )
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def render(cells):
        return "  ".join(
            [c.ljust(w) for c, w in zip(cells[:2], widths[:2])]
            + [c.rjust(w) for c, w in zip(cells[2:], widths[2:])]
        )

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(cells) for cells in lines)])


def format_checks(checks):
    return "\n".join(
        f"{'target met    ' if c['met'] else 'target NOT met'}  [{c['split']}"
        f"{'' if c['decides'] else ', shown only'}] {c['target']}: "
        + (
            f"{c['best_learned']} {c['best_learned_psnr']:.2f} dB vs "
            f"{c['baseline']} {c['baseline_psnr']:.2f} dB ({c['gain_db']:+.2f} dB)"
            if c["gain_db"] is not None
            else f"{c['best_learned']}"
        )
        for c in checks
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
        "--run-dir",
        type=Path,
        help="folder of the training checkpoints (default: a temporary folder); "
        "with a folder, a killed run resumes each model where it stopped",
    )
    parser.add_argument(
        "--reuse-trained",
        action="store_true",
        help="train nothing: keep the trained rows of the last run in the JSON, and score "
        "the classical methods and the shipped reference models again",
    )
    options = parser.parse_args(argv)

    name = options.budget or training.auto_budget(training.hardware())[0]
    budget = training.select_budget(name)
    tasks = (options.only,) if options.only else TASKS
    output = options.output or RESULTS / f"quality_{budget.name}.json"
    print(training.describe(budget))
    print(
        f"tasks: {', '.join(tasks)}; steps per model: "
        + ", ".join(f"{task} {planned_steps(budget, task)}" for task in tasks)
        + f"; train photos: {len(photos.TRAIN_PHOTOS)}; validation: "
        f"{', '.join(photos.VALIDATION_PHOTOS)}; test: {', '.join(photos.TEST_PHOTOS)}"
    )

    earlier_tasks = {}
    if options.reuse_trained:
        global REUSED
        earlier_tasks = json.loads(output.read_text()).get("tasks", {}) if output.is_file() else {}
        REUSED = [r for task in tasks for r in earlier_tasks.get(task, {}).get("rows", [])]
    clean = {split: split_clip(split) for split in SPLITS}
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    command = " ".join(["python", "benchmarks/quality.py", *sys.argv[1:]] if argv is None else argv)
    done = {}
    run_rows, run_checks = [], []
    with tempfile.TemporaryDirectory() as temporary:
        run_root = options.run_dir or Path(temporary)
        for task in tasks:
            start = time.perf_counter()
            rows, checks = RUNNERS[task](budget, clean, run_root)
            run_rows += rows
            run_checks += checks
            done[task] = {
                "command": command,
                "date_utc": started,
                "seconds": round(time.perf_counter() - start, 1),
                "machine": _common.machine_info(),
                "rows": rows,
                "targets": checks,
            }
            if options.reuse_trained:
                done[task]["trained_rows_from"] = {
                    key: earlier_tasks.get(task, {}).get(key) for key in ("command", "date_utc")
                }

    # Read just before writing, so that runs of other tasks side by side keep their rows.
    results = json.loads(output.read_text()) if output.is_file() else {}
    if results.get("format") != 2:
        results = {"format": 2}  # the single held-out split of format 1 is not comparable
    results.setdefault("tasks", {}).update(done)
    results.update(
        {
            "budget": {key: value for key, value in vars(budget).items()},
            "steps_per_model": {task: planned_steps(budget, task) for task in TASKS},
            "seed": SEED,
            "training": TRAINING,
            "data": {
                "train_photos": list(photos.TRAIN_PHOTOS),
                "train_patches": "data.patches.PhotoPatches: random crops at scales "
                "(1, 0.7, 0.5, 0.35) of each photo, flips and quarter turns (not for motion "
                "blur), colour jitter, grey photos tinted; fresh patches and noise every batch",
                "validation_photos": list(photos.VALIDATION_PHOTOS),
                "test_photos": list(photos.TEST_PHOTOS),
                "eval_clips": f"{EVAL_FRAMES} frames {EVAL_SIZE[0]}x{EVAL_SIZE[1]} per photo, "
                f"motion {EVAL_MOTION}, seed {EVAL_SEED}",
                "psnr": "metrics.psnr: mean over frames of per-frame PSNR, data range 1",
            },
            "note": (
                "Each model trains for a fixed number of steps whatever the load; train_seconds "
                "is wall time on a machine shared with other jobs. Classical parameters are "
                "tuned on the validation clips only; targets are checked on the test clips."
            ),
        }
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1) + "\n")

    print(
        f"\nQuality at the {budget.name} budget, x{SCALE} SR / sigma 25 / deblurring; "
        f"validation ({', '.join(photos.VALIDATION_PHOTOS)}) and test "
        f"({', '.join(photos.TEST_PHOTOS)}):\n"
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
