"""The reference weights: present for every reference model, loadable, and honestly recorded."""

import json

import keras
import numpy as np
import pytest

from deconv_tutor import pretrained


def test_every_reference_model_ships_its_weights_and_record():
    assert pretrained.available() == sorted(pretrained.REFERENCE_MODELS)


@pytest.mark.parametrize("name", sorted(pretrained.REFERENCE_MODELS))
def test_the_record_is_a_full_training_run_scored_on_validation_and_test(name):
    record = pretrained.record(name)
    # A trial of the script (--steps-factor) writes elsewhere; a shipped record is a full run.
    assert record["steps_factor"] == 1
    assert record["steps"] >= 1000
    for key, value in pretrained.REFERENCE_MODELS[name].items():
        assert json.loads(json.dumps(record[key])) == json.loads(json.dumps(value)), key
    assert {row["split"] for row in record["scores"]} == {"validation", "test"}
    if record["task"] != "segment":  # a segmenter has no classical method to gain over
        assert {g["split"] for g in record["gains"]} == {"validation", "test"}
    assert record["data"]["test"] and not set(record["data"]["test"]) & set(record["data"]["train"])
    assert record["command"].startswith("python benchmarks/train_reference.py")


def test_the_weights_stay_within_the_packages_budget_of_10_mb():
    total = sum(
        (pretrained.FOLDER / f"{name}.weights.h5").stat().st_size
        for name in pretrained.REFERENCE_MODELS
    )
    assert total <= 10e6


RESTORERS = sorted(n for n, s in pretrained.REFERENCE_MODELS.items() if s["task"] != "segment")


@pytest.mark.parametrize("name", RESTORERS)
def test_a_loaded_model_restores_a_frame_of_the_expected_size(name):
    skip = pretrained.REFERENCE_MODELS[name]["kwargs"].get("skip", "bicubic")
    if keras.backend.backend() == "torch" and skip.startswith("lanczos"):
        with pytest.raises(ValueError, match="needs Lanczos resizing, which Keras's torch"):
            pretrained.load(name)
        return
    model = pretrained.load(name)
    scale = pretrained.REFERENCE_MODELS[name]["scale"]
    frame = np.random.default_rng(0).random((1, 24, 32, 3), dtype=np.float32)
    restored = np.asarray(model.predict(frame, verbose=0))
    assert restored.shape == (1, 24 * scale, 32 * scale, 3)
    assert np.isfinite(restored).all()


def test_the_reference_segmenter_gives_class_probabilities_and_records_its_epoch():
    model = pretrained.load("segment_shapes")
    frame = np.random.default_rng(0).random((1, 24, 32, 3), dtype=np.float32)
    probabilities = np.asarray(model.predict(frame, verbose=0))
    assert probabilities.shape == (1, 24, 32, 4)
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, atol=1e-5)
    record = pretrained.record("segment_shapes")
    # The epoch kept is the best on validation, never chosen by the test clips.
    per_epoch = record["validation_mean_iou_per_epoch"]
    assert per_epoch[record["epoch_kept"] - 1] == max(per_epoch)
    validation = next(r for r in record["scores"] if r["split"] == "validation")
    assert abs(validation["mean_iou"] - max(per_epoch)) < 0.01


def test_for_task_names_the_model_and_refuses_what_does_not_exist():
    assert pretrained.for_task("denoise") == "denoise"
    assert pretrained.for_task("deblur") == "deblur_gaussian"
    # The first listed of three x2 upscalers is the default; the others are asked for by name.
    assert pretrained.for_task("upscale", scale=2) == "upscale_x2"
    with pytest.raises(
        ValueError,
        match="no reference model does 'upscale' at scale 4; reference models: upscale at "
        "scale 2, upscale at scale 3$",
    ):
        pretrained.for_task("upscale", scale=4)
    with pytest.raises(ValueError, match="task must be one of"):
        pretrained.for_task("colourise")
    with pytest.raises(TypeError, match="task must be one of"):
        pretrained.for_task(3)


def test_unknown_names_are_refused_with_the_list_of_names():
    with pytest.raises(
        ValueError,
        match=(
            "'deblock', 'deblur_gaussian', 'denoise', 'denoise_article', 'segment_shapes', "
            "'upscale_x2', 'upscale_x2_fast', 'upscale_x2_large', 'upscale_x3'"
        ),
    ):
        pretrained.load("sharpen")


def test_a_missing_file_says_which_and_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "FOLDER", tmp_path)
    assert pretrained.available() == []
    with pytest.raises(FileNotFoundError, match="train_reference.py --only denoise"):
        pretrained.load("denoise")
