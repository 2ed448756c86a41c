"""Resumable fitting: a checkpoint every epoch, and a run that picks up where it stopped.

:func:`fit` saves the model, its optimizer state and the run's state (epochs done, history
so far) after every epoch, all in one file, ``run_dir/last.keras``; run again, it resumes
where it stopped, so a killed kernel loses at most the epoch in progress.

Three promises, each tested:

- **One atomic commit.** The state is a ``state.json`` inside the ``.keras`` archive, and
  the archive is written under a temporary name and renamed over ``last.keras``: a reader
  (or a run killed at any instant) finds the old weights with the old state or the new with
  the new, never a mix.
- **One run per folder.** A run holds an OS lock on ``run_dir/.lock`` (``flock``) and writes
  its process id there; a second run is refused with the folder and that process id. The
  operating system drops the lock of a process that died, so a killed run's lock is simply
  taken over by the next one (and said so).
- **Damage is reported, never trained over.** A truncated or foreign ``last.keras``, a state
  that does not add up (epoch -1, or 99 of 3) or one missing is an error naming the file
  and the way out: delete the run folder, or pass a new ``run_dir``.
"""

import contextlib
import dataclasses
import json
import os
import zipfile
import zlib

import keras
import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor.training import budgets
from deconv_tutor.training.budgets import select_budget
from deconv_tutor.training.distribution import replicas, training_scope
from deconv_tutor.training.hardware import choose_distribution, hardware

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

__all__ = ["CHECKPOINT_NAME", "LOCK_NAME", "STATE_NAME", "fit", "read_state"]

#: The checkpoint inside ``run_dir``: model, optimizer state and run state in one archive.
CHECKPOINT_NAME = "last.keras"
#: The run's state, a JSON member of the checkpoint archive.
STATE_NAME = "state.json"
#: The lock file inside ``run_dir``; it holds the process id of the run training there.
LOCK_NAME = ".lock"
# Temporary checkpoints: Keras only saves to names ending in ".keras".
_PARTIAL_PATTERN = ".last.*.partial.keras"


def _way_out(run_dir):
    return f"delete the run folder '{run_dir}' to start again, or pass a new run_dir"


def _folder(run_dir):
    run_dir = check.path(run_dir, "run_dir")
    if run_dir.exists() and not run_dir.is_dir():
        raise ValueError(f"run_dir must be a folder for the checkpoints, got the file '{run_dir}'")
    return run_dir


def _checked_state(state, checkpoint, run_dir):
    """The state read from ``checkpoint``, or a ValueError saying what does not add up."""

    def refuse(problem):
        return ValueError(
            f"checkpoint '{checkpoint}' has an inconsistent state ({problem}); {_way_out(run_dir)}"
        )

    if not isinstance(state, dict):
        raise refuse(f"expected a JSON object, got {type(state).__name__}")
    for key in ("epoch", "epochs"):
        if not check.is_integer(state.get(key)) or state[key] < 1:
            raise refuse(f"{key} must be a positive integer, got {state.get(key)!r}")
    if state["epoch"] > state["epochs"]:
        raise refuse(f"epoch {state['epoch']} of a run of {state['epochs']} epochs")
    history = state.get("history")
    if not isinstance(history, dict):
        raise refuse(f"history must be a JSON object, got {type(history).__name__}")
    for key, values in history.items():
        if not isinstance(values, list) or not all(check.is_real_number(v) for v in values):
            raise refuse(f"history[{key!r}] must be a list of numbers")
        # A metric may have started late (validation added on resuming), never run ahead.
        if len(values) > state["epoch"]:
            raise refuse(f"history[{key!r}] has {len(values)} values for {state['epoch']} epochs")
    if history and max(len(values) for values in history.values()) != state["epoch"]:
        raise refuse(f"no metric in history has a value for each of the {state['epoch']} epochs")
    return state


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
        None when the folder (or ``run_dir/last.keras``) does not exist yet.

    Raises
    ------
    TypeError
        If ``run_dir`` is not a str or path-like.
    ValueError
        If ``run_dir`` is a file, or its checkpoint is damaged (truncated, not a ``.keras``
        archive, a member failing its checksum), holds no state, a state that does not
        add up, or sits beside a stray ``state.json``; the message names the file and says
        to delete the run folder or pass a new ``run_dir``.

    Examples
    --------
    >>> import tempfile
    >>> print(read_state(tempfile.mkdtemp()))
    None
    """
    run_dir = _folder(run_dir)
    checkpoint = run_dir / CHECKPOINT_NAME
    stray = run_dir / STATE_NAME
    if stray.exists():
        # Two files cannot be committed at once: an older version's pair may not match.
        raise ValueError(
            f"run_dir '{run_dir}' holds a separate '{stray.name}' (the run state now lives inside "
            f"{CHECKPOINT_NAME}), so its checkpoint cannot be trusted; {_way_out(run_dir)}"
        )
    if not checkpoint.exists():
        return None
    damaged = f"checkpoint '{checkpoint}' is damaged"
    try:
        with zipfile.ZipFile(checkpoint) as archive:
            failing = archive.testzip()
            if failing is not None:
                raise ValueError(
                    f"{damaged} (its member {failing} fails its checksum); {_way_out(run_dir)}"
                )
            if STATE_NAME not in archive.namelist():
                raise ValueError(
                    f"checkpoint '{checkpoint}' holds no run state ({STATE_NAME}): it was not "
                    f"written by fit, or its state was removed; {_way_out(run_dir)}"
                )
            text = archive.read(STATE_NAME)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError) as error:
        raise ValueError(
            f"{damaged} (not a readable .keras archive: {error}); {_way_out(run_dir)}"
        ) from error
    try:
        state = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(
            f"{damaged} (its {STATE_NAME} is not valid JSON: {error}); {_way_out(run_dir)}"
        ) from error
    return _checked_state(state, checkpoint, run_dir)


def _try_lock(file):
    try:
        if fcntl is not None:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        else:
            file.seek(0)
            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _run_lock(run_dir, say):
    """Hold ``run_dir/.lock`` for one run; refuse a folder another live run holds.

    The lock is the operating system's (``flock``; ``msvcrt.locking`` on Windows), so it
    dies with its process: a run killed with SIGKILL leaves its process id in the file but
    no lock, and the next run takes it over. A run that ends normally empties the file.
    """
    # Opened for appending: creating the file never truncates the pid of a live holder.
    file = open(run_dir / LOCK_NAME, "a+")  # noqa: SIM115 (held across the yield)
    locked = False
    try:
        # The pid starts after one padding byte, the byte Windows locks (and then refuses to read).
        file.seek(1)
        previous = file.read().strip()
        if not _try_lock(file):
            holder = f"process {previous}" if previous else "another process"
            raise RuntimeError(
                f"run_dir '{run_dir}' is in use by another training run ({holder} holds "
                f"'{run_dir / LOCK_NAME}'); wait for it to end or stop it, or pass a new run_dir"
            )
        locked = True
        if previous and previous != str(os.getpid()):
            say(f"taking over '{run_dir / LOCK_NAME}' from process {previous}, which has ended")
        file.truncate(0)
        file.write(f" {os.getpid()}\n")
        file.flush()
        # Leftovers of a run killed while saving; nobody else writes here while we hold the lock.
        for partial in run_dir.glob(_PARTIAL_PATTERN):
            partial.unlink()
        yield
    finally:
        if locked:
            # Emptied on every way out but death: a pid left in the file means a dead run.
            with contextlib.suppress(OSError):
                file.truncate(0)
                file.flush()
        file.close()  # closing releases the lock


class _Checkpoint(keras.callbacks.Callback):
    """Saves model, optimizer and the merged history after every epoch, in one commit.

    The archive, with the state inside it, is written under a temporary name, flushed to
    disk and renamed over ``last.keras``: the rename is the one atomic step.
    """

    def __init__(self, run_dir, epochs, history, budget_name):
        super().__init__()
        self.run_dir = run_dir
        self.epochs = epochs
        self.history = {key: list(values) for key, values in history.items()}
        self.budget_name = budget_name
        self.completed = None

    def on_epoch_end(self, epoch, logs=None):
        history = {key: list(values) for key, values in self.history.items()}
        for key, value in (logs or {}).items():
            history.setdefault(key, []).append(float(value))
        state = {
            "epoch": epoch + 1,
            "epochs": self.epochs,
            "budget": self.budget_name,
            "model": self.model.name,
            "history": history,
        }
        partial = self.run_dir / f".last.{os.getpid()}.partial.keras"
        try:
            self.model.save(partial)
            with zipfile.ZipFile(partial, "a") as archive:
                archive.writestr(STATE_NAME, json.dumps(state, indent=1))
            with open(partial, "rb+") as file:
                os.fsync(file.fileno())
            os.replace(partial, self.run_dir / CHECKPOINT_NAME)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.history, self.completed = history, epoch + 1


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
    checkpoint = run_dir / CHECKPOINT_NAME
    try:
        model.load_weights(checkpoint)
    except ValueError as error:
        # Keras's report lists every variable's values; its first line says what differs.
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else "no details"
        raise ValueError(
            f"run_dir '{run_dir}' holds a checkpoint of a different model ({first_line}). "
            f"Use a new run_dir for a new model, or delete the run folder '{run_dir}'."
        ) from error
    except (OSError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise ValueError(
            f"checkpoint '{checkpoint}' is damaged (its weights cannot be loaded: {error}); "
            f"{_way_out(run_dir)}"
        ) from error


def _checked_data(data, name):
    """Refuse the data Keras would misread: lists (taken as many inputs) and odd tuples."""
    if isinstance(data, list):
        raise TypeError(
            f"{name} must be a tuple (x, y) of arrays, a keras.utils.PyDataset, a tf.data.Dataset "
            f"or a generator, got a list of {len(data)} items; write (x, y) with parentheses"
        )
    if isinstance(data, tuple):
        if len(data) != 2:
            raise ValueError(f"{name} must be a tuple (x, y) of two arrays, got {len(data)} items")
        for part, value in zip("xy", data):
            if not isinstance(value, np.ndarray):
                raise TypeError(
                    f"{name} must be a tuple (x, y) of NumPy arrays, got {part} of type "
                    f"{type(value).__name__}"
                )
        if len(data[0]) != len(data[1]):
            raise ValueError(
                f"{name} must hold as many targets as inputs, got x of shape {data[0].shape} "
                f"and y of shape {data[1].shape}"
            )
    return data


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

    After every epoch the model with its optimizer state and the run's state (epochs done,
    history so far) go to ``run_dir/last.keras`` in one atomic commit. Called again with
    the same ``run_dir`` (after a killed kernel, an interrupt, or to train longer), the
    weights and optimizer state are loaded into ``model`` and training continues at the
    next epoch (``initial_epoch``); a run already complete is loaded and returned without
    training. The caller's ``model`` object ends up trained either way. While it trains,
    the run holds a lock on ``run_dir``: a second run there is refused.

    Parameters
    ----------
    model : keras.Model
        Compiled and built (it has an ``Input``).
    train_data : keras.utils.PyDataset, tf.data.Dataset, generator or tuple (x, y) of arrays
        Datasets are given to Keras as they are (they set the steps per epoch); an
        ``(x, y)`` tuple of NumPy arrays is batched with ``budget.batch_size``. A list is
        refused.
    validation_data : optional
        Passed to ``model.fit``; the same forms as ``train_data``.
    budget : Budget or str, optional
        :func:`select_budget` by default.
    epochs : int, optional
        Total epochs of the run (not additional ones); ``budget.epochs`` by default.
    run_dir : str or path-like
        Folder of the checkpoint (``last.keras``) and the lock (``.lock``); created when
        missing.
    callbacks : sequence of keras.callbacks.Callback
        Extra callbacks; they run after the checkpoint of each epoch is written.
    verbose : {"auto", 0, 1, 2}
        ``"auto"``: one line per epoch with the smoke budget (short notebook output),
        the Keras progress bar otherwise. ``0`` prints nothing; ``1``/``2`` are Keras's.
        Unless 0, resume messages are printed first, and the :func:`describe` line of the
        budget (with these ``epochs``) the first time this process shows that line: once
        per chapter, since the opening cell prints it or the first fit does.
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
    TypeError
        For a bad argument: ``train_data`` given as a list (Keras would take it for many
        inputs), ``run_dir`` that is not a path, a callback that is not one.
    ValueError
        For a bad value (``run_dir`` is a file, ``epochs`` < 1), or a checkpoint in
        ``run_dir`` that is damaged, inconsistent or of another model: the message names
        the file and the way out (delete the run folder or pass a new ``run_dir``).
    RuntimeError
        If another live process is training in ``run_dir``; the message names it.
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
    run_dir = _folder(run_dir)
    train_data = _checked_data(train_data, "train_data")
    if validation_data is not None:
        validation_data = _checked_data(validation_data, "validation_data")
    callbacks = list(callbacks)
    for callback in callbacks:
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                f"callbacks must hold keras.callbacks.Callback objects, got {type(callback).__name__}"
            )
    run_dir.mkdir(parents=True, exist_ok=True)

    one_line = verbose == "auto" and budget.name == "smoke"
    keras_verbose = 0 if one_line else (1 if verbose == "auto" else verbose)
    say = print if verbose != 0 else (lambda *args, **kwargs: None)
    line = budgets._budget_line(dataclasses.replace(budget, epochs=epochs))
    if verbose != 0 and budgets._first_time(line):
        print(line)
    with _run_lock(run_dir, say):
        return _fit_locked(
            model,
            train_data,
            validation_data,
            budget=budget,
            epochs=epochs,
            run_dir=run_dir,
            callbacks=callbacks,
            say=say,
            one_line=one_line,
            keras_verbose=keras_verbose,
            live_plot=live_plot,
        )


def _fit_locked(
    model,
    train_data,
    validation_data,
    *,
    budget,
    epochs,
    run_dir,
    callbacks,
    say,
    one_line,
    keras_verbose,
    live_plot,
):
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
