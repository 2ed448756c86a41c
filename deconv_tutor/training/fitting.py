"""Resumable fitting: a checkpoint every epoch, and a run that picks up where it stopped.

:func:`fit` saves the model and its optimizer state (``run_dir/last.keras``) and a small
JSON (``run_dir/state.json``: epochs done, history so far) after every epoch; run again,
it resumes where it stopped, so a killed kernel loses at most the epoch in progress.
"""

import dataclasses
import json
import os
import pathlib

import keras
import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor.training.budgets import describe, select_budget
from deconv_tutor.training.distribution import replicas, training_scope
from deconv_tutor.training.hardware import choose_distribution, hardware

__all__ = ["CHECKPOINT_NAME", "STATE_NAME", "fit", "read_state"]

#: File names inside ``run_dir``.
CHECKPOINT_NAME = "last.keras"
STATE_NAME = "state.json"


def read_state(run_dir):
    """The checkpoint state of a run: epochs done, target epochs and history, or None.

    Parameters
    ----------
    run_dir : str or path-like
        The folder given to :func:`fit`.

    Returns
    -------
    dict or None
        ``{"epoch": epochs done, "epochs": target, "history": {metric: [values]}, ...}``,
        None when the folder holds no checkpoint.

    Examples
    --------
    >>> import tempfile
    >>> print(read_state(tempfile.mkdtemp()))
    None
    """
    path = pathlib.Path(run_dir) / STATE_NAME
    if not path.is_file():
        return None
    if not (pathlib.Path(run_dir) / CHECKPOINT_NAME).is_file():
        raise ValueError(
            f"run_dir {str(run_dir)!r} must hold {CHECKPOINT_NAME} next to {STATE_NAME}, got only"
            f" {STATE_NAME}; delete the folder to start the run again"
        )
    return json.loads(path.read_text())


def _atomic_write_text(path, text):
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    os.replace(partial, path)


class _Checkpoint(keras.callbacks.Callback):
    """Saves model + optimizer and the merged history after every epoch.

    Files are written under temporary names and renamed, so a kernel killed while
    saving leaves the previous checkpoint intact.
    """

    def __init__(self, run_dir, epochs, history, budget_name):
        super().__init__()
        self.run_dir = run_dir
        self.epochs = epochs
        self.history = {key: list(values) for key, values in history.items()}
        self.budget_name = budget_name
        self.completed = None

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.completed = epoch + 1
        # Keras only saves to names ending in ".keras".
        partial = self.run_dir / ".partial.keras"
        self.model.save(partial)
        os.replace(partial, self.run_dir / CHECKPOINT_NAME)
        state = {
            "epoch": self.completed,
            "epochs": self.epochs,
            "budget": self.budget_name,
            "model": self.model.name,
            "history": self.history,
        }
        _atomic_write_text(self.run_dir / STATE_NAME, json.dumps(state, indent=1))


class _EpochLine(keras.callbacks.Callback):
    """One short line per epoch: notebook output stays small and readable."""

    def __init__(self, epochs):
        super().__init__()
        self.epochs = epochs

    def on_epoch_end(self, epoch, logs=None):
        values = " - ".join(f"{key}: {float(value):.4g}" for key, value in (logs or {}).items())
        print(f"epoch {epoch + 1}/{self.epochs} - {values}", flush=True)


def _is_array_pair(data):
    return (
        isinstance(data, tuple) and len(data) == 2 and all(isinstance(p, np.ndarray) for p in data)
    )


class _FullBatches(keras.utils.PyDataset):
    """Arrays as batches that all have ``batch_size`` samples, for data-parallel training.

    A last batch that would not split evenly over the devices (JAX refuses it) is topped up
    with the first samples of the epoch's order instead: every sample is still seen every
    epoch, none is dropped. Training batches are shuffled anew each epoch, as Keras does.
    """

    def __init__(self, inputs, targets, batch_size, shuffle):
        super().__init__()
        self.inputs, self.targets = inputs, targets
        self.batch_size, self.shuffle = batch_size, shuffle
        self.epoch = 0
        self.order = self._order()

    def _order(self):
        count = len(self.inputs)
        if not self.shuffle:
            return np.arange(count)
        return np.random.default_rng([0, self.epoch]).permutation(count)

    def __len__(self):
        return -(-len(self.inputs) // self.batch_size)

    def __getitem__(self, index):
        positions = np.arange(index * self.batch_size, (index + 1) * self.batch_size)
        chosen = self.order[positions % len(self.order)]
        return self.inputs[chosen], self.targets[chosen]

    def on_epoch_end(self):
        self.epoch += 1
        self.order = self._order()


def _split_evenly(inputs, targets, batch_size, replica_count, name):
    """Data whose every batch splits evenly over ``replica_count`` devices, or a clear error."""
    if targets is not None:
        if batch_size % replica_count:
            raise ValueError(
                f"budget.batch_size must be a multiple of the {replica_count} devices, got {batch_size}"
            )
        return _FullBatches(inputs, targets, batch_size, shuffle=True), None, None
    size = getattr(inputs, "batch_size", None)
    if size is not None and size % replica_count:
        raise ValueError(
            f"{name} must give batches that split evenly over the {replica_count} devices, got "
            f"batch_size={size}"
        )
    return inputs, targets, batch_size


def _restore(model, run_dir):
    """Load weights and optimizer state of ``run_dir/last.keras`` into ``model``."""
    if not model.built:
        raise ValueError(
            "model must be built (give it a keras.Input) to resume from a checkpoint, got an unbuilt model"
        )
    # The optimizer's slots only exist once it is built; unbuilt, Keras skips them.
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    try:
        model.load_weights(pathlib.Path(run_dir) / CHECKPOINT_NAME)
    except ValueError as error:
        raise ValueError(
            f"run_dir {str(run_dir)!r} holds a checkpoint of a different model: {error}"
            " Use a new run_dir for a new model."
        ) from error


def _as_history(model, history, epochs, verbose):
    result = keras.callbacks.History()
    result.set_model(model)
    result.set_params({"epochs": epochs, "verbose": verbose})
    result.history = {key: list(values) for key, values in history.items()}
    result.epoch = list(range(max((len(values) for values in history.values()), default=0)))
    return result


def fit(
    model,
    train_data,
    validation_data=None,
    *,
    budget=None,
    epochs=None,
    run_dir,
    callbacks=(),
    verbose="auto",
    live_plot=False,
):
    """Train a compiled model with a checkpoint every epoch, resuming where a previous run stopped.

    After every epoch the model with its optimizer state goes to
    ``run_dir/last.keras`` and the epoch count with the history so far to
    ``run_dir/state.json``. Called again with the same ``run_dir`` (after a killed
    kernel, an interrupt, or to train longer), the weights and optimizer state are
    loaded into ``model`` and training continues at the next epoch
    (``initial_epoch``); a run already complete is loaded and returned without
    training. The caller's ``model`` object ends up trained either way.

    Parameters
    ----------
    model : keras.Model
        Compiled and built (it has an ``Input``).
    train_data : keras.utils.PyDataset, tf.data.Dataset, generator or tuple (x, y) of arrays
        Datasets are given to Keras as they are (they set the steps per epoch); an
        ``(x, y)`` tuple of arrays is batched with ``budget.batch_size``.
    validation_data : optional
        Passed to ``model.fit``.
    budget : Budget or str, optional
        :func:`select_budget` by default.
    epochs : int, optional
        Total epochs of the run (not additional ones); ``budget.epochs`` by default.
    run_dir : str or path-like
        Folder of the checkpoint; created when missing.
    callbacks : sequence of keras.callbacks.Callback
        Extra callbacks; they run after the checkpoint of each epoch is written.
    verbose : {"auto", 0, 1, 2}
        ``"auto"``: one line per epoch with the smoke budget (short notebook output),
        the Keras progress bar otherwise. ``0`` prints nothing; ``1``/``2`` are Keras's.
        Unless 0, the :func:`describe` line and resume messages are printed first.
    live_plot : bool
        Redraw the loss and metric curves of the whole run after every epoch in one
        display slot (a :class:`deconv_tutor.widgets.TrainingMonitor`); does nothing
        outside a Jupyter kernel.

    Returns
    -------
    keras.callbacks.History
        With the full history: epochs of earlier runs in ``run_dir`` and the new ones.

    Raises
    ------
    KeyboardInterrupt
        Passed on after saying from which epoch the next call resumes.

    Examples
    --------
    >>> import tempfile
    >>> from deconv_tutor.training import set_seed
    >>> set_seed(0)
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> model.compile(optimizer="sgd", loss="mse")
    >>> data = (np.ones((8, 2), "float32"), np.zeros((8, 1), "float32"))
    >>> run_dir = tempfile.mkdtemp()
    >>> history = fit(model, data, budget="smoke", epochs=2, run_dir=run_dir, verbose=0)
    >>> len(history.history["loss"]), read_state(run_dir)["epoch"]
    (2, 2)
    >>> history = fit(model, data, budget="smoke", epochs=3, run_dir=run_dir, verbose=0)
    >>> len(history.history["loss"]), read_state(run_dir)["epoch"]
    (3, 3)
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", False):
        raise ValueError(
            "model must be compiled (model.compile(...)) before fit, got an uncompiled model"
        )
    budget = select_budget(budget)
    epochs = budget.epochs if epochs is None else epochs
    epochs = check.integer(epochs, "epochs", minimum=1)
    if verbose not in ("auto", 0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
    if run_dir is None:
        raise ValueError("run_dir must be a folder path for the checkpoints, got None")
    run_dir = pathlib.Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    callbacks = list(callbacks)
    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                f"callbacks must hold keras.callbacks.Callback objects, got {type(callback).__name__}"
            )

    one_line = verbose == "auto" and budget.name == "smoke"
    keras_verbose = 0 if one_line else (1 if verbose == "auto" else verbose)
    say = print if verbose != 0 else (lambda *args, **kwargs: None)
    say(describe(dataclasses.replace(budget, epochs=epochs)))

    state = read_state(run_dir)
    done = state["epoch"] if state else 0
    previous = state["history"] if state else {}
    if done:
        _restore(model, run_dir)
    if done >= epochs:
        say(
            f"run already complete: {done}/{epochs} epochs saved in {run_dir};"
            " loaded the checkpoint, no training"
        )
        return _as_history(model, previous, epochs, keras_verbose)
    if done:
        say(f"resuming from the checkpoint in {run_dir}: epoch {done + 1}/{epochs}")

    checkpoint = _Checkpoint(run_dir, epochs, previous, budget.name)
    # The checkpoint runs first, so an epoch is saved even if a later callback
    # interrupts training at its end.
    extra = [checkpoint, *callbacks]
    if one_line:
        extra.append(_EpochLine(epochs))
    if live_plot:
        from deconv_tutor.widgets.monitor import TrainingMonitor

        extra.append(TrainingMonitor(history=previous))

    if _is_array_pair(train_data):
        inputs, targets, batch_size = train_data[0], train_data[1], budget.batch_size
    else:
        inputs, targets, batch_size = train_data, None, None

    planned = choose_distribution(hardware(), budget.batch_size)
    replica_count = replicas(model)
    if replica_count == 1 and planned != "single":
        raise ValueError(
            f"model must be built inside `with training.configure(budget):` to train on the "
            f"{hardware()['gpu_count']} GPUs of this machine ({planned}); it was built on one device"
        )
    if replica_count > 1:
        inputs, targets, batch_size = _split_evenly(
            inputs, targets, batch_size, replica_count, "train_data"
        )
        if _is_array_pair(validation_data):
            validation_data = _FullBatches(*validation_data, budget.batch_size, shuffle=False)
    scope = training_scope(model)
    try:
        with scope:
            history = model.fit(
                inputs,
                targets,
                batch_size=batch_size,
                epochs=epochs,
                initial_epoch=done,
                validation_data=validation_data,
                callbacks=extra,
                verbose=keras_verbose,
            )
    except KeyboardInterrupt:
        saved = checkpoint.completed or done
        say(
            f"interrupted: {saved}/{epochs} epochs saved in {run_dir};"
            f" call fit again with the same run_dir to resume at epoch {saved + 1}"
        )
        raise
    history.history = {key: list(values) for key, values in checkpoint.history.items()}
    history.epoch = list(range(len(history.history.get("loss", ()))))
    return history
