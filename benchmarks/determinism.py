"""Are two runs of the same training the same? PSNR of two identical runs, each in a fresh process.

Each run is a new Python process that sets the seed (``training.set_seed``: Python, NumPy,
the backend, and TensorFlow's op determinism on the CPU) *before* it builds the model,
trains a denoiser for a fixed number of steps on ``data.patches.PhotoPatches`` of the
training photos (sigma 25/255, the budget's patch and batch size), and scores it on the
validation clips. The two runs' PSNRs must agree within :data:`TOLERANCE_DB` (issue 11);
the largest weight difference says whether they are bit-for-bit equal.

Run directly::

    python benchmarks/determinism.py [--budget cpu] [--steps N] [--model dncnn]

and the result goes to ``benchmarks/results/determinism_<budget>.json``. The number of
steps is what the run does whatever the machine's load; only the wall time changes.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import _common

_common.prepare()

#: Issue 11: two runs of the same training at ``cpu`` agree to within this many dB.
TOLERANCE_DB = 0.05
SIGMA = 25 / 255


def one_run(budget_name, steps, model_name, weights_path, seed):
    """Train once in this process; return the validation PSNR (and save the weights)."""
    import time

    import numpy as np

    from deconv_tutor import data, metrics, models, training
    from deconv_tutor.data import photos
    from deconv_tutor.data.patches import PhotoPatches

    budget = training.select_budget(budget_name)
    training.set_seed(seed)
    model = models.ZOO[model_name](filters=budget.filters)
    models.compile_restoration(model, 1e-3, loss="mse", decay_steps=steps)
    patches = PhotoPatches(
        photos.train_photos(),
        lambda batch, batch_seed: data.add_gaussian_noise(batch, SIGMA, seed=batch_seed),
        patch_size=budget.patch_size,
        batch_size=budget.batch_size,
        steps=steps,
        seed=seed,
    )
    clean = np.concatenate(
        [
            data.photo_clip(name, frames=4, size=(96, 96), motion="pan_zoom", seed=1)
            for name in photos.VALIDATION_PHOTOS
        ]
    )
    noisy = data.add_gaussian_noise(clean, SIGMA, seed=1000)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as run_dir:
        training.fit(model, patches, budget=budget, epochs=1, run_dir=run_dir, verbose=0)
    seconds = time.perf_counter() - start
    restored = np.clip(model.predict(noisy, batch_size=4, verbose=0), 0.0, 1.0)
    np.savez(weights_path, *[np.asarray(w) for w in model.get_weights()])
    return {
        "psnr": metrics.psnr(clean, restored),
        "noisy_psnr": metrics.psnr(clean, noisy),
        "train_seconds": round(seconds, 1),
    }


def compare(first, second, weights):
    """The two runs' PSNR difference and largest weight difference."""
    import numpy as np

    a, b = (np.load(path) for path in weights)
    largest = max(float(np.max(np.abs(a[key] - b[key]))) for key in a.files)
    difference = abs(first["psnr"] - second["psnr"])
    return {
        "psnr_difference_db": difference,
        "largest_weight_difference": largest,
        "bitwise_equal": largest == 0.0,
        "within_tolerance": difference <= TOLERANCE_DB,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="cpu", choices=("smoke", "cpu", "gpu"))
    parser.add_argument("--steps", type=int, help="training steps (default: the budget's steps)")
    parser.add_argument(
        "--model", default="denoiser_encoder_decoder", choices=("dncnn", "denoiser_encoder_decoder")
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--one-run", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)

    from deconv_tutor import training

    budget = training.select_budget(options.budget)
    steps = options.steps or budget.steps
    if options.one_run is not None:
        facts = one_run(
            budget.name, steps, options.model, options.one_run.with_suffix(".npz"), options.seed
        )
        options.one_run.write_text(json.dumps(facts))
        return 0

    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for index in range(2):
            out = Path(folder) / f"run{index}.json"
            command = [
                sys.executable,
                __file__,
                "--budget",
                budget.name,
                "--steps",
                str(steps),
                "--model",
                options.model,
                "--seed",
                str(options.seed),
                "--one-run",
                str(out),
            ]
            subprocess.run(command, check=True)
            runs.append(json.loads(out.read_text()))
        verdict = compare(*runs, [Path(folder) / f"run{index}.npz" for index in range(2)])
    result = {
        "command": " ".join(
            ["python", "benchmarks/determinism.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "budget": budget.name,
        "model": options.model,
        "steps": steps,
        "seed": options.seed,
        "runs": runs,
        **verdict,
        "tolerance_db": TOLERANCE_DB,
        "machine": _common.machine_info(),
    }
    output = options.output or _common.RESULTS / f"determinism_{budget.name}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"{options.model}, {steps} steps at {budget.name}: PSNR {runs[0]['psnr']:.4f} and "
        f"{runs[1]['psnr']:.4f} dB (noisy {runs[0]['noisy_psnr']:.2f} dB), difference "
        f"{verdict['psnr_difference_db']:.4f} dB (tolerance {TOLERANCE_DB} dB: "
        f"{'met' if verdict['within_tolerance'] else 'NOT met'}); largest weight difference "
        f"{verdict['largest_weight_difference']:.3g} "
        f"({'bit-for-bit equal' if verdict['bitwise_equal'] else 'not bit-for-bit'})"
    )
    print(f"written to {output}")
    return 0 if verdict["within_tolerance"] else 1


if __name__ == "__main__":
    sys.exit(main())
