"""Specification of the live training display, the one used by chapters and training.fit."""

import re

import ipywidgets
import keras
import matplotlib
import numpy as np
import pytest

from deconv_tutor import metrics
from deconv_tutor import widgets as W

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tiny_training():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid")]
    )
    model.compile(optimizer="adam", loss="mse", metrics=[metrics.psnr_metric])
    inputs = np.random.default_rng(0).random((8, 8, 8, 1)).astype(np.float32)
    return model, inputs


def test_monitor_outside_a_kernel_records_the_history_without_drawing(tiny_training):
    model, inputs = tiny_training
    monitor = W.TrainingMonitor(inputs[:2], inputs[:2])
    model.fit(
        inputs,
        inputs,
        epochs=2,
        batch_size=4,
        verbose=0,
        callbacks=[monitor],
        validation_data=(inputs, inputs),
    )
    assert sorted(monitor.history) == ["loss", "psnr", "val_loss", "val_psnr"]
    assert len(monitor.history["loss"]) == 2
    assert monitor.draws == 0 and monitor.last_png is None


def test_monitor_redraws_an_image_widget_every_epoch_with_sample_outputs(tiny_training):
    model, inputs = tiny_training
    image = ipywidgets.Image(format="png")
    monitor = W.TrainingMonitor(inputs[:3], inputs[:3], output=image)
    model.fit(inputs, inputs, epochs=2, batch_size=4, verbose=0, callbacks=[monitor])
    assert monitor.draws == 2
    assert image.value == monitor.last_png and bytes(image.value).startswith(PNG_SIGNATURE)
    figure = monitor.render()
    assert [ax.get_title() for ax in figure.axes] == ["loss", "psnr", ""]
    mosaic = figure.axes[2].images[0].get_array()
    cell = int((1.6 - 0.35) * 72)
    assert mosaic.shape == (3 * cell + 2 * 8, 3 * cell + 2 * 8, 3)  # 3 samples x 3 pictures


def test_monitor_every_n_epochs_still_draws_after_the_last(tiny_training):
    model, inputs = tiny_training
    monitor = W.TrainingMonitor(every=2, output=ipywidgets.Image())
    model.fit(inputs, inputs, epochs=3, batch_size=8, verbose=0, callbacks=[monitor])
    assert monitor.draws == 2


def test_monitor_in_a_kernel_keeps_one_display_slot_so_the_notebook_keeps_one_picture(
    tiny_training, monkeypatch
):
    from deconv_tutor.widgets import monitor as module

    display = pytest.importorskip("IPython.display")
    calls = []

    class Handle:
        def update(self, picture):
            calls.append(("update", picture))

    def fake_display(picture, display_id=False):
        calls.append(("display", picture))
        return Handle()

    monkeypatch.setattr(module, "_in_kernel", lambda: True)
    monkeypatch.setattr(display, "display", fake_display)
    model, inputs = tiny_training
    monitor = W.TrainingMonitor(history={"loss": [0.9, 0.8]})
    model.fit(inputs, inputs, epochs=2, batch_size=8, verbose=0, callbacks=[monitor])
    assert [kind for kind, _ in calls] == ["display", "update"]
    assert all(picture.data.startswith(PNG_SIGNATURE) for _, picture in calls)
    assert len(monitor.history["loss"]) == 4  # the two epochs before, then the two new


def test_render_training_draws_curves_and_sample_rows():
    inputs = np.zeros((2, 4, 4, 3))
    predictions = np.ones((2, 8, 8, 1))  # a 2x upscaler's grey output: other size, one channel
    figure = W.render_training(
        {"loss": [1.0, 0.5], "val_loss": [1.2, 0.7], "learning_rate": [0.1, 0.1]},
        inputs,
        predictions,
    )
    curves, samples = figure.axes
    assert curves.get_title() == "loss"
    assert [line.get_label() for line in curves.lines] == ["train", "validation"]
    assert [text.get_text() for text in samples.texts] == ["input", "prediction"]
    mosaic = samples.images[0].get_array()
    cell = int((1.6 - 0.35) * 72)
    assert mosaic.shape == (2 * cell + 8, 2 * cell + 8, 3)
    np.testing.assert_array_equal(mosaic[:cell, :cell], 0.0)
    np.testing.assert_array_equal(mosaic[:cell, cell + 8 :], 1.0)
    scores = np.zeros((1, 4, 4, 4))
    scores[..., 2] = 1.0  # class 2 wins everywhere: drawn in tab10's third colour
    segmentation = W.render_training({}, predictions=scores)
    colour = np.asarray(matplotlib.colormaps["tab10"].colors[2], np.float32)
    np.testing.assert_allclose(segmentation.axes[0].images[0].get_array()[0, 0], colour)


def test_render_training_draws_a_keras_history_and_a_diverged_loss():
    history = keras.callbacks.History()
    history.history = {"loss": [0.5, float("nan")]}
    figure = W.render_training(history)
    assert [ax.get_title() for ax in figure.axes] == ["loss"]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"every": 0}, ValueError, "every must be a positive integer"),
        ({"every": 1.5}, TypeError, "every must be a positive integer"),
        ({"output": "cell"}, TypeError, "output must be an ipywidgets.Image"),
        ({"sample_targets": np.zeros((1, 2, 2, 1))}, ValueError, "sample_targets need"),
        (
            {"sample_inputs": np.zeros((2, 2, 1))},
            ValueError,
            "sample_inputs must have shape (N, H, W, C)",
        ),
        (
            {"sample_inputs": np.full((1, 2, 2, 1), np.nan)},
            ValueError,
            "sample_inputs must be finite",
        ),
        ({"history": {"loss": ["low"]}}, TypeError, "history['loss'] must be a list of numbers"),
    ],
)
def test_monitor_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        W.TrainingMonitor(**kwargs)


def test_render_training_needs_something_to_draw():
    with pytest.raises(ValueError, match="at least one metric"):
        W.render_training({})
    with pytest.raises(TypeError, match="history must be a dict"):
        W.render_training([1, 2])
    with pytest.raises(TypeError, match="predictions must hold real numbers"):
        W.render_training({"loss": [1.0]}, predictions=np.zeros((1, 2, 2, 1), complex))
