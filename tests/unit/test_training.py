"""Specification of deconv_tutor.training: budgets, hardware decisions, resumable fitting."""

import dataclasses
import json
import zipfile

import keras
import numpy as np
import pytest

from deconv_tutor import training
from deconv_tutor.training import budgets

CPU_ONLY = {
    "backend": "tensorflow",
    "devices": ("CPU",),
    "gpus": (),
    "gpu_count": 0,
    "precision": "float32",
}


def machine(backend="tensorflow", *capabilities, name="NVIDIA Test GPU"):
    """A fake hardware() dict with one GPU per compute capability given."""
    gpus = tuple({"name": name, "compute_capability": capability} for capability in capabilities)
    devices = tuple(f"GPU:{index} {name}" for index in range(len(gpus))) or ("CPU",)
    return {
        "backend": backend,
        "devices": devices,
        "gpus": gpus,
        "gpu_count": len(gpus),
        "precision": "float32",
    }


# ----------------------------------------------------------------------------- budgets


def test_argument_beats_the_environment_variable(monkeypatch):
    monkeypatch.setenv("DECONV_TUTOR_BUDGET", "cpu")
    budget = training.select_budget("smoke")
    assert budget.name == "smoke"
    assert "argument" in budget.reason


def test_environment_variable_chooses_when_no_argument_is_given(monkeypatch):
    monkeypatch.setenv("DECONV_TUTOR_BUDGET", "cpu")
    budget = training.select_budget(hardware_info=machine("tensorflow", (9, 0)))
    assert budget.name == "cpu"
    assert budget.reason == "DECONV_TUTOR_BUDGET=cpu"


def test_names_are_case_insensitive(monkeypatch):
    monkeypatch.setenv("DECONV_TUTOR_BUDGET", " Smoke ")
    assert training.select_budget().name == "smoke"
    assert training.select_budget("GPU").name == "gpu"


def test_without_argument_or_variable_no_gpu_means_cpu_budget(monkeypatch):
    monkeypatch.delenv("DECONV_TUTOR_BUDGET", raising=False)
    budget = training.select_budget(hardware_info=machine("tensorflow"))
    assert budget.name == "cpu"
    assert budget.reason == "no GPU found: cpu budget"


def test_without_argument_or_variable_a_gpu_means_gpu_budget(monkeypatch):
    monkeypatch.setenv("DECONV_TUTOR_BUDGET", "")  # empty counts as unset
    budget = training.select_budget(hardware_info=machine("jax", (8, 0), name="NVIDIA A100"))
    assert budget.name == "gpu"
    assert budget.reason == "1 GPU found (NVIDIA A100): gpu budget"


@pytest.mark.parametrize("source", ["argument", "variable"])
def test_an_unknown_budget_name_raises_and_lists_the_valid_names(monkeypatch, source):
    monkeypatch.setenv("DECONV_TUTOR_BUDGET", "turbo" if source == "variable" else "smoke")
    with pytest.raises(ValueError, match="'smoke', 'cpu', 'gpu', got 'turbo'") as error:
        training.select_budget("turbo" if source == "argument" else None)
    expected = "name" if source == "argument" else "DECONV_TUTOR_BUDGET"
    assert str(error.value).startswith(expected)


def test_a_budget_must_be_a_budget_or_its_name():
    with pytest.raises(
        TypeError, match="budget must be a Budget or one of 'smoke', 'cpu', 'gpu', got int 3"
    ):
        training.select_budget(3)
    budget = training.select_budget("cpu")
    assert training.select_budget(budget) is budget


def test_budgets_grow_from_smoke_to_cpu_to_gpu():
    smoke, cpu, gpu = (training.BUDGETS[name] for name in training.BUDGET_NAMES)
    for field in ("epochs", "steps_per_epoch", "batch_size", "patch_size", "filters"):
        assert getattr(smoke, field) <= getattr(cpu, field) <= getattr(gpu, field), field
    assert smoke.epochs * smoke.steps_per_epoch <= 8, "smoke fits must take seconds"


@pytest.mark.parametrize("name", training.BUDGET_NAMES)
def test_patch_sizes_suit_a_depth_3_model_and_upscaling_by_2_3_4(name):
    patch = training.BUDGETS[name].patch_size
    assert all(patch % divisor == 0 for divisor in (8, 2, 3, 4))


def test_a_budget_is_frozen_and_validated():
    budget = training.select_budget("smoke")
    with pytest.raises(dataclasses.FrozenInstanceError):
        budget.epochs = 5
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        dataclasses.replace(budget, epochs=0)
    with pytest.raises(ValueError, match="name must be one of"):
        dataclasses.replace(budget, name="tiny")


# ----------------------------------------------------------------------------- hardware


def test_hardware_describes_the_active_backend_and_its_devices():
    info = training.hardware()
    assert info["backend"] == keras.backend.backend()
    assert info["gpu_count"] == len(info["gpus"])
    assert (info["devices"] == ("CPU",)) == (info["gpu_count"] == 0)
    assert info["mixed_precision"] == (info["precision"] != "float32")


def test_describe_is_one_line_with_backend_devices_precision_budget_epochs_patch():
    line = training.describe(training.select_budget("smoke"), hardware_info=CPU_ONLY)
    assert "\n" not in line
    for part in (
        "backend: tensorflow",
        "devices: CPU",
        "mixed precision: off (float32)",
        "budget: smoke (argument name='smoke')",
        "epochs: 2",
        "patch: 24x24",
    ):
        assert part in line


def test_describe_names_the_gpus_mixed_precision_and_data_parallelism():
    two_gpus = dict(
        machine("tensorflow", (9, 0), (9, 0), name="NVIDIA H200"), precision="mixed_bfloat16"
    )
    line = training.describe("gpu", hardware_info=two_gpus)
    assert "devices: GPU:0 NVIDIA H200, GPU:1 NVIDIA H200 (mirrored)" in line
    assert "mixed precision: on (mixed_bfloat16)" in line
    assert "budget: gpu" in line and "epochs: 40" in line and "patch: 96x96" in line


@pytest.mark.parametrize(
    "capabilities, policy",
    [
        ((), "float32"),
        (((6, 1),), "float32"),
        (((7, 0),), "mixed_float16"),
        (((7, 5),), "mixed_float16"),
        (((8, 0),), "mixed_bfloat16"),
        (((9, 0), (9, 0)), "mixed_bfloat16"),
        (((9, 0), (7, 5)), "mixed_float16"),
        ((None,), "float32"),
    ],
)
def test_precision_follows_the_oldest_gpu_compute_capability(capabilities, policy):
    assert training.choose_precision(machine("tensorflow", *capabilities)) == policy


@pytest.mark.parametrize(
    "backend, gpus, batch_size, kind",
    [
        ("tensorflow", 0, None, "single"),
        ("tensorflow", 1, None, "single"),
        ("tensorflow", 2, 64, "mirrored"),
        ("jax", 4, 64, "data_parallel"),
        ("jax", 3, 64, "single"),
        ("torch", 2, 64, "single"),
    ],
)
def test_data_parallelism_only_with_several_gpus_and_a_backend_engine(
    backend, gpus, batch_size, kind
):
    hardware_info = machine(backend, *[(8, 0)] * gpus)
    assert training.choose_distribution(hardware_info, batch_size) == kind


def test_decisions_reject_an_incomplete_hardware_dict():
    with pytest.raises(ValueError, match="missing \\['gpu_count'\\]"):
        training.choose_precision({"backend": "tensorflow", "gpus": ()})
    with pytest.raises(TypeError, match="hardware_info must be a dict"):
        training.choose_distribution(["GPU:0"])


def test_strategy_scope_is_a_null_context_on_one_device():
    with training.strategy_scope("smoke", hardware_info=CPU_ONLY) as engine:
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    assert engine is None
    assert model.count_params() == 8


def test_configure_leaves_float32_on_a_cpu_and_sets_mixed_precision_on_a_gpu():
    original = keras.mixed_precision.global_policy().name
    try:
        with training.configure("smoke", hardware_info=CPU_ONLY):
            pass
        assert keras.mixed_precision.global_policy().name == original
        with training.configure("smoke", hardware_info=machine("tensorflow", (8, 6))):
            layer = keras.layers.Dense(2)
        assert layer.dtype_policy.name == "mixed_bfloat16"
    finally:
        keras.mixed_precision.set_global_policy(original)


def test_set_seed_repeats_random_numbers_and_rejects_bad_seeds():
    training.set_seed(3)
    first = keras.ops.convert_to_numpy(keras.random.normal((4,)))
    training.set_seed(3)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(keras.random.normal((4,))), first)
    with pytest.raises(ValueError, match="seed must be a non-negative integer, got -1"):
        training.set_seed(-1)


# ----------------------------------------------------------------------------- fitting


def tiny_model(seed):
    """A two-layer conv net on 8x8 images; seed decides its initial weights."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(1, 3, padding="same"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model


def tiny_data(seed=0):
    """8 samples: with the smoke batch size of 4 that is 2 steps per epoch."""
    rng = np.random.default_rng(seed)
    images = rng.random((8, 8, 8, 1), dtype=np.float32)
    return images, 0.5 * images


class InterruptAt(keras.callbacks.Callback):
    """Simulates a killed kernel at the end of an epoch, remembering the weights then."""

    def __init__(self, epoch, how="raise"):
        super().__init__()
        self.epoch, self.how, self.weights = epoch, how, None

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            self.weights = [weight.copy() for weight in self.model.get_weights()]
            if self.how == "raise":
                raise KeyboardInterrupt
            self.model.stop_training = True


class Recorder(keras.callbacks.Callback):
    """Records the weights and optimizer step when training starts, and each epoch run."""

    def __init__(self):
        super().__init__()
        self.start_weights, self.start_iterations, self.epochs = None, None, []

    def on_train_begin(self, logs=None):
        self.start_weights = [weight.copy() for weight in self.model.get_weights()]
        self.start_iterations = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def test_every_epoch_leaves_a_checkpoint_and_a_state_file(tmp_path):
    seen = []

    class ReadState(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(training.read_state(tmp_path)["epoch"])

    training.fit(
        tiny_model(0),
        tiny_data(),
        budget="smoke",
        epochs=2,
        run_dir=tmp_path,
        callbacks=[ReadState()],
        verbose=0,
    )
    assert seen == [1, 2]
    assert (tmp_path / "last.keras").is_file()
    # The state travels inside the checkpoint archive: one rename commits both.
    with zipfile.ZipFile(tmp_path / "last.keras") as archive:
        state = json.loads(archive.read("state.json"))
    assert state["epoch"] == state["epochs"] == 2
    assert len(state["history"]["loss"]) == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == [".lock", "last.keras"]
    assert (tmp_path / ".lock").read_text() == "", "a run that ended leaves the lock empty"


def test_an_interrupted_fit_resumes_at_the_next_epoch_with_exactly_the_saved_weights(tmp_path):
    interrupt = InterruptAt(epoch=2)
    with pytest.raises(KeyboardInterrupt):
        training.fit(
            tiny_model(0),
            tiny_data(),
            budget="smoke",
            epochs=4,
            run_dir=tmp_path,
            callbacks=[interrupt],
            verbose=0,
        )
    assert training.read_state(tmp_path)["epoch"] == 2

    # A new kernel: the same architecture, other initial weights.
    fresh, recorder = tiny_model(1), Recorder()
    assert not all(np.array_equal(a, b) for a, b in zip(fresh.get_weights(), interrupt.weights))
    history = training.fit(
        fresh,
        tiny_data(),
        budget="smoke",
        epochs=4,
        run_dir=tmp_path,
        callbacks=[recorder],
        verbose=0,
    )

    for loaded, saved in zip(recorder.start_weights, interrupt.weights, strict=True):
        np.testing.assert_array_equal(loaded, saved)
    assert recorder.start_iterations == 2 * 2, (
        "the optimizer state (2 epochs x 2 steps) is restored"
    )
    assert recorder.epochs == [2, 3], "training resumes at the third epoch"
    assert len(history.history["loss"]) == 4
    assert history.epoch == [0, 1, 2, 3]


def test_a_fit_stopped_early_returns_its_epochs_and_the_next_call_finishes_the_run(tmp_path):
    first = training.fit(
        tiny_model(0),
        tiny_data(),
        budget="smoke",
        epochs=4,
        run_dir=tmp_path,
        callbacks=[InterruptAt(epoch=2, how="stop")],
        verbose=0,
    )
    assert len(first.history["loss"]) == 2
    second = training.fit(
        tiny_model(0), tiny_data(), budget="smoke", epochs=4, run_dir=tmp_path, verbose=0
    )
    assert len(second.history["loss"]) == 4
    assert second.history["loss"][:2] == first.history["loss"], (
        "earlier epochs are merged, not rerun"
    )
    assert training.read_state(tmp_path)["history"] == second.history


def test_a_complete_run_is_loaded_and_returned_without_training(tmp_path, capsys):
    trained = tiny_model(0)
    done = training.fit(trained, tiny_data(), budget="smoke", epochs=2, run_dir=tmp_path, verbose=0)
    fresh, recorder = tiny_model(1), Recorder()
    again = training.fit(
        fresh,
        tiny_data(),
        budget="smoke",
        epochs=2,
        run_dir=tmp_path,
        callbacks=[recorder],
        verbose=1,
    )
    assert recorder.start_weights is None, "model.fit was not called"
    assert "run already complete: 2/2 epochs" in capsys.readouterr().out
    assert again.history == done.history
    for loaded, saved in zip(fresh.get_weights(), trained.get_weights(), strict=True):
        np.testing.assert_array_equal(loaded, saved)


def test_asking_for_more_epochs_extends_a_complete_run(tmp_path):
    training.fit(tiny_model(0), tiny_data(), budget="smoke", epochs=1, run_dir=tmp_path, verbose=0)
    recorder = Recorder()
    history = training.fit(
        tiny_model(0),
        tiny_data(),
        budget="smoke",
        epochs=3,
        run_dir=tmp_path,
        callbacks=[recorder],
        verbose=0,
    )
    assert recorder.epochs == [1, 2]
    assert len(history.history["loss"]) == 3


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_resuming_a_different_model_from_a_run_dir_raises(tmp_path):
    training.fit(tiny_model(0), tiny_data(), budget="smoke", epochs=1, run_dir=tmp_path, verbose=0)
    other = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 5, padding="same")])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="holds a checkpoint of a different model"):
        training.fit(other, tiny_data(), budget="smoke", epochs=2, run_dir=tmp_path, verbose=0)


def test_a_separate_state_file_is_reported_not_trusted(tmp_path):
    (tmp_path / "state.json").write_text('{"epoch": 1, "epochs": 2, "history": {}}')
    with pytest.raises(ValueError, match="holds a separate 'state.json'.*delete the run folder"):
        training.read_state(tmp_path)


@pytest.fixture
def fresh_process(monkeypatch):
    """As in a new kernel: no budget line has been shown yet."""
    monkeypatch.setattr(budgets, "_LINES_SHOWN", set())


def test_smoke_budget_prints_the_describe_line_and_one_line_per_epoch(
    tmp_path, capsys, fresh_process
):
    training.fit(
        tiny_model(0), tiny_data(), validation_data=tiny_data(1), budget="smoke", run_dir=tmp_path
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("backend: ") and "budget: smoke" in lines[0]
    assert lines[1].startswith("epoch 1/2 - loss: ") and "val_loss: " in lines[1]
    assert lines[2].startswith("epoch 2/2 - loss: ")


def test_the_budget_line_is_printed_once_per_process_for_a_given_budget_and_epochs(
    tmp_path, capsys, fresh_process
):
    for index in range(4):  # a cell that trains four models
        training.fit(tiny_model(0), tiny_data(), budget="smoke", run_dir=tmp_path / str(index))
    training.fit(tiny_model(0), tiny_data(), budget="smoke", epochs=1, run_dir=tmp_path / "one")
    lines = capsys.readouterr().out.splitlines()
    budget_lines = [line for line in lines if line.startswith("backend: ")]
    assert len(budget_lines) == 2, "once for 2 epochs, once for the run of another length"
    assert "epochs: 2" in budget_lines[0] and "epochs: 1" in budget_lines[1]


def test_fit_does_not_repeat_the_line_the_chapter_printed_with_describe(
    tmp_path, capsys, fresh_process
):
    print(training.describe("smoke"))  # a chapter's opening cell
    training.fit(tiny_model(0), tiny_data(), budget="smoke", run_dir=tmp_path)
    lines = capsys.readouterr().out.splitlines()
    assert sum(line.startswith("backend: ") for line in lines) == 1


def test_an_interrupt_says_where_the_next_call_resumes(tmp_path, capsys):
    with pytest.raises(KeyboardInterrupt):
        training.fit(
            tiny_model(0),
            tiny_data(),
            budget="smoke",
            epochs=3,
            run_dir=tmp_path,
            callbacks=[InterruptAt(epoch=1)],
        )
    assert "resume at epoch 2" in capsys.readouterr().out


def test_verbose_zero_prints_nothing(tmp_path, capsys):
    training.fit(tiny_model(0), tiny_data(), budget="smoke", epochs=1, run_dir=tmp_path, verbose=0)
    assert capsys.readouterr().out == ""


def test_fits_on_the_cpu_are_deterministic_after_set_seed(tmp_path):
    losses = []
    for run in ("a", "b"):
        training.set_seed(0)
        model = tiny_model(0)
        training.set_seed(0)
        history = training.fit(
            model, tiny_data(), budget="smoke", epochs=2, run_dir=tmp_path / run, verbose=0
        )
        losses.append(history.history["loss"])
    assert losses[0] == losses[1]


def test_fit_rejects_bad_arguments(tmp_path):
    model, data = tiny_model(0), tiny_data()
    uncompiled = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 3)])
    with pytest.raises(ValueError, match="model must be compiled"):
        training.fit(uncompiled, data, budget="smoke", run_dir=tmp_path)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        training.fit(model, data, budget="smoke", epochs=0, run_dir=tmp_path)
    with pytest.raises(ValueError, match="verbose must be 'auto', 0, 1 or 2, got 'loud'"):
        training.fit(model, data, budget="smoke", run_dir=tmp_path, verbose="loud")
    with pytest.raises(TypeError, match="callbacks must hold keras.callbacks.Callback objects"):
        training.fit(model, data, budget="smoke", run_dir=tmp_path, callbacks=[print])
    with pytest.raises(TypeError, match="budget must be a Budget"):
        training.fit(model, data, budget=2, run_dir=tmp_path)
    assert not (tmp_path / "state.json").exists()


# ----------------------------------------------------------------------------- live plot


def test_live_plot_updates_one_display_slot_per_epoch_inside_a_kernel(tmp_path, monkeypatch):
    # fit's live plot is the widgets' TrainingMonitor: one display slot, redrawn in place.
    from deconv_tutor.widgets import monitor

    display_module = pytest.importorskip("IPython.display")
    calls = []

    class Handle:
        def update(self, image):
            calls.append(("update", image))

    def fake_display(image, display_id=False):
        calls.append(("display", image))
        return Handle()

    monkeypatch.setattr(monitor, "_in_kernel", lambda: True)
    monkeypatch.setattr(display_module, "display", fake_display)
    training.fit(
        tiny_model(0),
        tiny_data(),
        budget="smoke",
        epochs=3,
        run_dir=tmp_path,
        verbose=0,
        live_plot=True,
    )
    assert [kind for kind, _ in calls] == ["display", "update", "update"]
    assert all(image.data.startswith(b"\x89PNG") for _, image in calls)


def test_live_plot_is_a_no_op_outside_a_kernel(tmp_path):
    history = training.fit(
        tiny_model(0),
        tiny_data(),
        budget="smoke",
        epochs=1,
        run_dir=tmp_path,
        verbose=0,
        live_plot=True,
    )
    assert len(history.history["loss"]) == 1


def test_live_plot_of_a_resumed_run_draws_the_earlier_epochs_too(tmp_path, monkeypatch):
    from deconv_tutor.widgets import monitor

    pytest.importorskip("IPython.display")
    drawn = []

    def spy(history, *args, **kwargs):
        drawn.append({key: list(values) for key, values in history.items()})
        return monitor.Figure(figsize=(1, 1))

    monkeypatch.setattr(monitor, "_in_kernel", lambda: True)
    monkeypatch.setattr(monitor, "render_training", spy)
    monkeypatch.setattr("IPython.display.display", lambda *args, **kwargs: None)
    model, data = tiny_model(0), tiny_data()
    training.fit(model, data, budget="smoke", epochs=2, run_dir=tmp_path, verbose=0)
    training.fit(model, data, budget="smoke", epochs=3, run_dir=tmp_path, verbose=0, live_plot=True)
    assert len(drawn) == 1 and len(drawn[0]["loss"]) == 3
