"""Budgets count steps, not seconds; a seeded run repeats itself."""

import sys
from pathlib import Path

import numpy as np
import pytest

from deconv_tutor import data, models, training
from deconv_tutor.data import photos
from deconv_tutor.data.patches import PhotoPatches

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import determinism  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)


@pytest.mark.parametrize("name", training.BUDGET_NAMES)
def test_a_budget_is_a_number_of_steps_per_model(name):
    budget = training.BUDGETS[name]
    assert budget.steps == budget.epochs * budget.steps_per_epoch
    assert training.select_budget(name).steps == budget.steps


def test_the_budgets_grow_from_smoke_to_gpu_and_keep_their_attribute_names():
    smoke, cpu, gpu = (training.BUDGETS[name] for name in training.BUDGET_NAMES)
    assert smoke.steps < cpu.steps < gpu.steps
    for attribute in ("name", "epochs", "steps_per_epoch", "batch_size", "patch_size", "filters"):
        assert hasattr(cpu, attribute)


def test_steps_is_read_only_like_the_rest_of_a_budget():
    with pytest.raises(AttributeError):
        training.BUDGETS["cpu"].steps = 10


def _train_once(seed):
    training.set_seed(seed)
    model = models.denoiser_encoder_decoder(filters=4, depth=1)
    models.compile_restoration(model, 1e-3, loss="mse")
    patches = PhotoPatches(
        [photos.load("coffee")[:96, :96]],
        lambda batch, batch_seed: data.add_gaussian_noise(batch, 0.1, seed=batch_seed),
        patch_size=16,
        batch_size=4,
        steps=3,
        seed=seed,
    )
    model.fit(patches, epochs=2, verbose=0)
    return model.get_weights()


def test_a_seeded_training_on_photo_patches_repeats_bit_for_bit():
    first, again, other = _train_once(0), _train_once(0), _train_once(1)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


def test_the_determinism_benchmark_compares_psnr_and_weights(tmp_path):
    paths = [tmp_path / "a.npz", tmp_path / "b.npz"]
    np.savez(paths[0], np.zeros(3), np.ones(2))
    np.savez(paths[1], np.zeros(3), np.array([1.0, 1.5]))
    verdict = determinism.compare({"psnr": 30.0}, {"psnr": 30.06}, paths)
    assert verdict["largest_weight_difference"] == 0.5 and not verdict["bitwise_equal"]
    assert not verdict["within_tolerance"]  # 0.06 dB > 0.05 dB
    same = determinism.compare({"psnr": 30.0}, {"psnr": 30.0}, [paths[0], paths[0]])
    assert same["bitwise_equal"] and same["within_tolerance"]
