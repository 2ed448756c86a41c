"""benchmarks/quality.py: step budgets, the two evaluation splits, and the target checks."""

import sys
from pathlib import Path

import keras
import numpy as np
import pytest

from deconv_tutor import training
from deconv_tutor.data import photos

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import quality  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)


def test_each_task_trains_a_fixed_number_of_steps_per_budget():
    cpu = training.BUDGETS["cpu"]
    assert quality.planned_steps(cpu, "sr") == 2400
    assert quality.planned_steps(cpu, "denoise") == 3200
    assert quality.planned_steps(cpu, "deblur") == 2800
    assert quality.planned_steps(training.BUDGETS["smoke"], "denoise") == 6


def test_nothing_in_the_benchmark_stops_on_wall_time():
    source = Path(quality.__file__).read_text()
    assert "stop_training" not in source and "TimeCap" not in source


def test_the_learning_rate_follows_the_steps_done_only():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    schedule = quality.CosineSteps(planned_steps=10, learning_rate=1e-3)
    schedule.set_model(model)
    rates = []
    for step in range(11):
        schedule.on_train_batch_begin(step)
        rates.append(float(model.optimizer.learning_rate.numpy()))
        schedule.on_train_batch_end(step)
    assert rates[0] == pytest.approx(1e-3)
    assert rates[5] == pytest.approx(1e-3 * (0.05 + 0.95 * 0.5))
    assert rates[10] == pytest.approx(5e-5)
    assert all(a >= b for a, b in zip(rates, rates[1:]))


def test_validation_and_test_clips_come_from_their_own_photos(monkeypatch):
    asked = []
    real = quality.data.photo_clip

    def spy(name, **kwargs):
        asked.append(name)
        return real(name, frames=1, size=(16, 16), motion=kwargs["motion"], seed=kwargs["seed"])

    monkeypatch.setattr(quality.data, "photo_clip", spy)
    assert quality.split_clip("validation").shape == (2, 16, 16, 3)
    assert quality.split_clip("test").shape == (2, 16, 16, 3)
    assert asked == [*photos.VALIDATION_PHOTOS, *photos.TEST_PHOTOS]


def _row(method, kind, split, psnr):
    return {"task": "denoise", "method": method, "kind": kind, "split": split, "psnr": psnr}


def test_the_target_is_decided_on_test_against_the_best_classical_method():
    rows = [
        _row("noisy input", "input", "validation", 20.0),
        _row("tv", "classical", "validation", 29.0),
        _row("nl_means", "classical", "validation", 30.0),
        _row("dncnn", "learned", "validation", 31.5),
        _row("noisy input", "input", "test", 20.0),
        _row("tv", "classical", "test", 28.5),
        _row("nl_means", "classical", "test", 28.0),
        _row("dncnn", "learned", "test", 29.2),
        _row("denoiser_encoder_decoder", "learned", "test", 29.0),
    ]
    validation, test = quality.target_checks("denoise", rows, ("tv", "nl_means"))
    assert (validation["split"], validation["met"], validation["decides"]) == (
        "validation",
        True,
        False,
    )
    assert test["decides"] and test["baseline"] == "tv" and test["best_learned"] == "dncnn"
    assert test["gain_db"] == pytest.approx(0.7) and not test["met"]


def test_the_table_shows_validation_and_test_side_by_side():
    rows = [
        {**_row("nl_means", "classical", "validation", 30.0), "ssim": 0.9},
        {**_row("nl_means", "classical", "test", 28.0), "ssim": 0.8},
    ]
    table = quality.format_table(rows).splitlines()
    assert "val dB" in table[0] and "test dB" in table[0]
    assert "30.00" in table[2] and "28.00" in table[2]


def test_the_score_records_a_colour_cast():
    clean = np.full((1, 8, 8, 3), 0.5, np.float32)
    restored = clean + np.array([0.0, -0.03, 0.01], np.float32)
    assert quality.score(clean, restored)["mean_error_rgb"] == [0.0, -0.03, 0.01]
