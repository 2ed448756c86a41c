"""Specification of deconv_tutor.metrics: PSNR, SSIM, IoU, flicker, the report, Keras metrics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from deconv_tutor.data import add_gaussian_noise, moving_shapes, photo_clip
from deconv_tutor.metrics import (
    iou,
    mean_iou,
    psnr,
    psnr_metric,
    psnr_per_frame,
    report,
    ssim,
    ssim_metric,
    ssim_per_frame,
    temporal_flicker,
)


@pytest.fixture(scope="module")
def clean():
    return photo_clip("chelsea", frames=4, size=(32, 32), motion="pan", seed=0)


@pytest.fixture(scope="module")
def noisy(clean):
    # Noise that grows frame by frame, so per-frame values differ.
    sigmas = np.array([0.02, 0.05, 0.1, 0.2], np.float32)[:, None, None, None]
    rng = np.random.default_rng(0)
    return np.clip(clean + sigmas * rng.standard_normal(clean.shape).astype(np.float32), 0, 1)


# ------------------------------------------------------------------------------------ PSNR


def test_psnr_per_frame_agrees_with_scikit_image(clean, noisy):
    expected = [peak_signal_noise_ratio(c, n, data_range=1.0) for c, n in zip(clean, noisy)]
    np.testing.assert_allclose(psnr_per_frame(clean, noisy), expected, rtol=1e-6)


def test_clip_psnr_is_the_mean_of_per_frame_psnr(clean, noisy):
    per_frame = psnr_per_frame(clean, noisy)
    assert np.all(np.diff(per_frame) < 0)  # more noise, lower PSNR
    assert psnr(clean, noisy) == pytest.approx(per_frame.mean())


def test_psnr_of_a_known_error_and_of_a_perfect_match():
    reference = np.full((2, 8, 8, 3), 0.5, np.float32)
    assert psnr(reference, reference + 0.1) == pytest.approx(20.0, abs=1e-4)
    assert psnr(reference, reference) == np.inf


def test_psnr_respects_data_range():
    reference = np.zeros((1, 4, 4, 1), np.float32)
    assert psnr(reference, reference + 25.5, data_range=255) == pytest.approx(20.0, abs=1e-4)


def test_images_count_as_one_frame_videos(clean, noisy):
    assert psnr_per_frame(clean[0], noisy[0]).shape == (1,)
    assert psnr(clean[0, ..., 0], noisy[0, ..., 0]) == pytest.approx(
        peak_signal_noise_ratio(clean[0, ..., 0], noisy[0, ..., 0], data_range=1.0), rel=1e-6
    )


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**16), st.floats(0.01, 0.3))
def test_psnr_and_ssim_are_symmetric(seed, sigma):
    rng = np.random.default_rng(seed)
    a = rng.random((1, 8, 8, 3)).astype(np.float32)
    b = np.clip(a + sigma * rng.standard_normal(a.shape).astype(np.float32), 0, 1)
    assert psnr(a, b) == pytest.approx(psnr(b, a))
    assert ssim(a, b) == pytest.approx(ssim(b, a))


# ------------------------------------------------------------------------------------ SSIM


def test_ssim_per_frame_agrees_with_scikit_image(clean, noisy):
    expected = [
        structural_similarity(c, n, channel_axis=-1, data_range=1.0) for c, n in zip(clean, noisy)
    ]
    np.testing.assert_allclose(ssim_per_frame(clean, noisy), expected, rtol=1e-6)
    assert ssim(clean, noisy) == pytest.approx(np.mean(expected))


def test_ssim_is_one_for_identical_frames_and_falls_with_noise(clean, noisy):
    np.testing.assert_allclose(ssim_per_frame(clean, clean), 1.0)
    assert np.all(np.diff(ssim_per_frame(clean, noisy)) < 0)


def test_ssim_needs_frames_at_least_as_large_as_its_window():
    with pytest.raises(ValueError, match="at least 7x7 .* got 6x8"):
        ssim(np.zeros((1, 6, 8, 1), np.float32), np.zeros((1, 6, 8, 1), np.float32))


# ------------------------------------------------------------------------------ bad inputs


@pytest.mark.parametrize("measure", [psnr, psnr_per_frame, ssim, ssim_per_frame, report])
def test_measures_refuse_mismatched_shapes(measure):
    with pytest.raises(ValueError, match=r"same shape, got \(2, 8, 8, 3\) and \(2, 8, 8, 1\)"):
        measure(np.zeros((2, 8, 8, 3), np.float32), np.zeros((2, 8, 8, 1), np.float32))


def test_uint8_input_raises_type_error_telling_to_divide_by_255():
    with pytest.raises(TypeError, match=r"test must hold floats .* / 255"):
        psnr(np.zeros((1, 8, 8, 3), np.float32), np.zeros((1, 8, 8, 3), np.uint8))


def test_values_outside_the_data_range_raise_and_suggest_clipping():
    reference = np.zeros((1, 8, 8, 3), np.float32)
    with pytest.raises(ValueError, match=r"test values must lie in \[0, 1\] .* max 1.2.*np.clip"):
        psnr(reference, reference + 1.2)


def test_wrong_rank_and_layout_are_refused():
    with pytest.raises(ValueError, match="image .* or a video"):
        psnr(np.zeros((1, 1, 8, 8, 3), np.float32), np.zeros((1, 1, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match=r"1 or 3 channels, got 8 .* reference\[\.\.\., None\]"):
        psnr(np.zeros((4, 8, 8), np.float32), np.zeros((4, 8, 8), np.float32))


def test_data_range_must_be_positive():
    with pytest.raises(ValueError, match="data_range must be a positive finite number, got 0"):
        psnr(np.zeros((1, 4, 4, 1), np.float32), np.zeros((1, 4, 4, 1), np.float32), data_range=0)


# ------------------------------------------------------------------------------------- IoU


def test_iou_per_class_on_a_small_example():
    true_mask = np.array([[0, 0, 1, 1], [2, 2, 2, 2]])
    pred_mask = np.array([[0, 1, 1, 1], [2, 2, 0, 0]])
    # class 0: {0,1} vs {0,6,7} -> 1/4; class 1: {2,3} vs {1,2,3} -> 2/3; class 2: 2/4
    np.testing.assert_allclose(iou(true_mask, pred_mask, 4)[:3], [0.25, 2 / 3, 0.5])
    assert np.isnan(iou(true_mask, pred_mask, 4)[3])  # class 3 is in neither mask
    assert mean_iou(true_mask, pred_mask, 4) == pytest.approx((0.25 + 2 / 3 + 0.5) / 3)


def test_iou_of_a_perfect_segmentation_is_one_for_every_present_class():
    _, masks = moving_shapes(frames=3, size=(32, 32), n_shapes=3, seed=0)
    np.testing.assert_allclose(iou(masks, masks, 4), 1.0)
    assert mean_iou(masks, masks, 4) == 1.0


def test_iou_refuses_probabilities_bad_ids_and_mismatched_shapes():
    mask = np.zeros((4, 4), np.int32)
    with pytest.raises(TypeError, match=r"argmax\(axis=-1\)"):
        iou(mask, np.zeros((4, 4, 3), np.float32), 3)
    with pytest.raises(ValueError, match=r"pred_mask class ids must lie in \[0, 2\] .* max 3"):
        iou(mask, mask + 3, 3)
    with pytest.raises(ValueError, match="same shape"):
        iou(mask, mask[:2], 3)
    with pytest.raises(ValueError, match="n_classes must be a positive integer"):
        iou(mask, mask, 0)


# --------------------------------------------------------------------------------- flicker


def test_flicker_of_a_still_video_is_zero_and_of_motion_is_positive(clean):
    still = np.repeat(clean[:1], 4, axis=0)
    assert temporal_flicker(still) == 0.0
    assert temporal_flicker(clean) > 0.0


def test_flicker_against_a_reference_counts_only_changes_of_the_error(clean):
    steady_error = np.clip(clean * 0.9, 0, 1)
    jumping_error = add_gaussian_noise(clean, 0.05, seed=0)
    assert temporal_flicker(steady_error, clean) < 0.01
    assert temporal_flicker(jumping_error, clean) > 0.03
    expected = np.mean(np.abs(np.diff(jumping_error.astype(np.float64) - clean, axis=0)))
    assert temporal_flicker(jumping_error, clean) == pytest.approx(expected, rel=1e-6)


def test_flicker_needs_two_frames_and_a_matching_reference(clean):
    with pytest.raises(ValueError, match="at least 2 frames, got 1"):
        temporal_flicker(clean[:1])
    with pytest.raises(ValueError, match="reference must have the shape of video"):
        temporal_flicker(clean, clean[:2])


# ---------------------------------------------------------------------------------- report


def test_report_gathers_clip_and_per_frame_values(clean, noisy):
    result = report(clean, noisy)
    assert result["frames"] == 4
    assert result["psnr"] == pytest.approx(psnr(clean, noisy))
    assert result["ssim"] == pytest.approx(ssim(clean, noisy))
    np.testing.assert_allclose(result["psnr_per_frame"], psnr_per_frame(clean, noisy))
    np.testing.assert_allclose(result["ssim_per_frame"], ssim_per_frame(clean, noisy))
    assert result["temporal_flicker"] == pytest.approx(temporal_flicker(noisy, clean))


def test_report_of_a_single_image_has_no_flicker(clean, noisy):
    assert np.isnan(report(clean[0], noisy[0])["temporal_flicker"])


# ---------------------------------------------------------------------------- Keras metrics


def test_psnr_metric_gives_each_sample_its_psnr(clean, noisy):
    values = np.asarray(psnr_metric(clean, noisy))
    np.testing.assert_allclose(values, psnr_per_frame(clean, noisy), rtol=1e-4)


def test_psnr_metric_caps_a_perfect_sample_at_100_db(clean):
    np.testing.assert_allclose(np.asarray(psnr_metric(clean, clean)), 100.0, rtol=1e-5)


def test_ssim_metric_matches_scikit_image_ssim_for_images_and_clips(clean, noisy):
    np.testing.assert_allclose(
        np.asarray(ssim_metric(clean, noisy)), ssim_per_frame(clean, noisy), atol=1e-4
    )
    clips = np.stack([clean, noisy])  # (batch, frames, height, width, channels)
    expected = [ssim(clean, clean), ssim(clean, noisy)]
    np.testing.assert_allclose(
        np.asarray(ssim_metric(np.stack([clean, clean]), clips)), expected, atol=1e-4
    )


def test_ssim_metric_refuses_other_ranks_and_frames_smaller_than_its_window():
    with pytest.raises(ValueError, match="y_true must be"):
        ssim_metric(np.zeros((8, 8, 3), np.float32), np.zeros((8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="at least 7x7 .* got 5x8"):
        ssim_metric(np.zeros((2, 5, 8, 3), np.float32), np.zeros((2, 5, 8, 3), np.float32))


def test_float64_inputs_keep_their_precision():
    reference = np.full((1, 8, 8, 1), 0.5)
    assert np.isfinite(psnr(reference, reference + 1e-9))


def test_keras_logs_the_metrics_as_psnr_and_ssim(clean):
    import keras

    assert psnr_metric.__name__ == "psnr" and ssim_metric.__name__ == "ssim"
    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Conv2D(3, 3, padding="same", activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=[psnr_metric, ssim_metric])
    history = model.fit(
        clean, clean, epochs=1, batch_size=2, verbose=0, validation_data=(clean, clean)
    )
    assert {"psnr", "ssim", "val_psnr", "val_ssim"} <= set(history.history)


def _compiled_tiny_model():
    import keras

    keras.utils.set_random_seed(0)
    inputs = keras.Input((32, 32, 3))
    outputs = keras.layers.Conv2D(3, 3, padding="same", activation="sigmoid")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=[psnr_metric, ssim_metric])
    return model


def test_a_model_compiled_with_the_metrics_survives_save_and_load_model(tmp_path, clean, noisy):
    import keras

    model = _compiled_tiny_model()
    model.fit(noisy, clean, epochs=1, batch_size=2, verbose=0)
    before = model.evaluate(noisy, clean, verbose=0, return_dict=True)
    path = tmp_path / "model.keras"
    model.save(path)

    loaded = keras.models.load_model(path)

    assert loaded.compiled
    after = loaded.evaluate(noisy, clean, verbose=0, return_dict=True)
    assert set(after) == {"loss", "psnr", "ssim"}
    for name in ("loss", "psnr", "ssim"):
        assert after[name] == pytest.approx(before[name], rel=1e-5)
    # The loaded model keeps training with the same metric names in its history.
    history = loaded.fit(noisy, clean, epochs=1, batch_size=2, verbose=0)
    assert {"psnr", "ssim"} <= set(history.history)


def test_a_model_compiled_with_the_metrics_can_be_cloned_and_recompiled_from_its_config(
    clean, noisy
):
    import keras

    model = _compiled_tiny_model()
    metric_configs = model.get_compile_config()["metrics"]
    assert [config["config"] for config in metric_configs] == [
        "deconv_tutor>psnr_metric",
        "deconv_tutor>ssim_metric",
    ]
    # A whole-model round trip through the serialization Keras uses for .keras files.
    copy = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert copy.compiled
    clone = keras.models.clone_model(model)
    clone.compile_from_config(model.get_compile_config())
    # The metrics are the mean per-sample PSNR and SSIM of the original model's output.
    restored = model.predict(noisy, verbose=0)
    for rebuilt in (copy, clone):
        rebuilt.set_weights(model.get_weights())
        values = rebuilt.evaluate(noisy, clean, verbose=0, return_dict=True)
        assert values["psnr"] == pytest.approx(psnr(clean, restored), rel=1e-4)
        assert values["ssim"] == pytest.approx(ssim(clean, restored), abs=1e-4)
