"""How long do a budget's steps take? CPU seconds per training step of every model of the zoo.

The budgets count steps, not seconds (``Budget.steps``), so a model learns the same on a
busy machine as on a quiet one. To choose how many steps fit in a chapter's minutes, this
script measures each model's cost per step at a budget's batch and patch size in **CPU
seconds** of this process (``time.process_time``: all its threads) as well as in wall
seconds. On a quiet machine with two cores a step takes between half and all of its CPU
seconds (the two cores share it, or do not), so ``cpu_seconds_per_step * steps`` bounds
the wall time of one model's training from above. CPU time depends on load far less than
wall time but not at all is too strong: on an oversubscribed machine TensorFlow's thread
pool spins while it waits for a core, which counts as CPU time, so a busy machine gives a
looser (larger) bound. Both figures and the load average are recorded.

Usage::

    python benchmarks/budget_steps.py [--budget cpu] [--steps 20]

writes ``benchmarks/results/budget_steps_<budget>.json`` and prints, per model, the CPU
seconds per step and the minutes that ``budget.steps`` would take at most.
"""

import argparse
import json
import pathlib
import sys
import time

import _common

_common.prepare()

import numpy as np

from deconv_tutor import cost, models, training

WARMUP_STEPS = 3


def _batch(name, budget, rng):
    """A random (input, target) batch of the shape model ``name`` trains on."""
    size, batch = budget.patch_size, budget.batch_size
    task = models.ZOO_TASKS[name]
    if task == "upscale":
        return rng.random((batch, size // 2, size // 2, 3), "float32"), rng.random(
            (batch, size, size, 3), "float32"
        )
    if task == "segment":
        return rng.random((batch, size, size, 3), "float32"), rng.integers(
            0, 4, (batch, size, size)
        ).astype("int32")
    if task == "temporal_denoise":
        return rng.random((batch, 5, size, size, 3), "float32"), rng.random(
            (batch, size, size, 3), "float32"
        )
    return rng.random((batch, size, size, 3), "float32"), rng.random(
        (batch, size, size, 3), "float32"
    )


def measure(name, budget, steps):
    """CPU and wall seconds per training step of zoo model ``name`` at ``budget``'s sizes."""
    training.set_seed(0)
    kwargs = {"scale": 2} if models.ZOO_TASKS[name] == "upscale" else {}
    model = models.ZOO[name](**kwargs)
    if models.ZOO_TASKS[name] == "segment":
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    else:
        models.compile_restoration(model, 1e-3, loss="mse")
    x, y = _batch(name, budget, np.random.default_rng(0))
    for _ in range(WARMUP_STEPS):  # tracing and the first allocations are not a step's cost
        model.train_on_batch(x, y)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return {
        "model": name,
        "parameters": cost.parameter_count(model),
        "cpu_seconds_per_step": (time.process_time() - cpu) / steps,
        "wall_seconds_per_step": (time.perf_counter() - wall) / steps,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="cpu", choices=training.BUDGET_NAMES)
    parser.add_argument("--steps", type=int, default=20, help="timed steps per model")
    parser.add_argument("--output")
    options = parser.parse_args(argv)
    if options.steps < 1:
        parser.error(f"--steps must be at least 1, got {options.steps}")
    budget = training.select_budget(options.budget)
    rows = []
    for name in models.ZOO:
        row = measure(name, budget, options.steps)
        row["max_minutes_for_budget_steps"] = round(
            row["cpu_seconds_per_step"] * budget.steps / 60, 2
        )
        rows.append(row)
        print(
            f"{name:26s} {row['parameters']:>8d} parameters  "
            f"{row['cpu_seconds_per_step'] * 1000:7.1f} CPU ms/step  "
            f"{row['wall_seconds_per_step'] * 1000:7.1f} wall ms/step  "
            f"{budget.steps} steps <= {row['max_minutes_for_budget_steps']:.1f} min",
            flush=True,
        )
    result = {
        "command": " ".join(
            ["python", "benchmarks/budget_steps.py", *(sys.argv[1:] if argv is None else argv)]
        ),
        "budget": {key: value for key, value in vars(budget).items()},
        "steps": budget.steps,
        "timed_steps": options.steps,
        "machine": _common.machine_info(),
        "note": "CPU seconds (time.process_time, all threads) per step, at the model zoo's "
        "default sizes; on a quiet 2-core machine a step's wall time lies between half and "
        "all of its CPU time, so max_minutes_for_budget_steps is an upper bound.",
        "models": rows,
    }
    output = pathlib.Path(options.output or _common.RESULTS / f"budget_steps_{budget.name}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(result, indent=1) + "\n")
    print(f"written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
