"""Hardware, budgets and resumable fitting: everything a training cell needs.

A training cell in the course looks like this, in every chapter::

    budget = training.select_budget()          # smoke | cpu | gpu, and why
    with training.configure(budget):           # mixed precision, multi-GPU scope
        model = models.encoder_decoder(...)    # build *and* compile here
    history = training.fit(model, data, budget=budget, run_dir="runs/denoise")

:func:`fit` trains a model on the devices it was built on (:func:`replicas`); on a
machine with several GPUs, a model built outside ``configure`` is refused with a message
rather than left to crash inside the backend. Batches are split evenly over the devices:
array data whose last batch would not split is topped up from the epoch's first samples.

Three ideas live here:

- **Budgets.** The same notebook must run in seconds in CI (``smoke``), in a few
  minutes on a two-core laptop (``cpu``) and at full size on a GPU (``gpu``). A
  :class:`Budget` holds the sizes that change between them; :func:`select_budget`
  picks one from an argument, from ``DECONV_TUTOR_BUDGET``, or from the hardware.
- **Hardware.** :func:`hardware` describes the machine as a plain dict (backend,
  devices, GPUs and their compute capability, dtype policy). The decisions taken
  from it (:func:`choose_precision`, :func:`choose_distribution`,
  :func:`auto_budget`) are pure functions of that dict, so they are tested with
  fake machines. Only the active Keras backend is imported, lazily.
- **Resumable fitting.** :func:`fit` saves the model and its optimizer state
  (``run_dir/last.keras``) and a small JSON (``run_dir/state.json``: epochs done,
  history so far) after every epoch; run again, it resumes where it stopped, so a
  killed kernel loses at most the epoch in progress.

This is the only module of the package that imports a backend (TensorFlow, JAX or
PyTorch) directly: device listing, distribution strategies and op determinism have
no backend-agnostic Keras API.
"""

import contextlib
import dataclasses
import functools
import json
import os
import pathlib

import keras
import numpy as np

from deconv_tutor import _validation as check

#: Budget names, from the smallest to the largest.
BUDGET_NAMES = ("smoke", "cpu", "gpu")

#: Environment variable that chooses the budget when :func:`select_budget` gets no name.
BUDGET_VARIABLE = "DECONV_TUTOR_BUDGET"

#: File names inside ``run_dir``.
CHECKPOINT_NAME = "last.keras"
STATE_NAME = "state.json"

_DISTRIBUTION_KINDS = ("single", "mirrored", "data_parallel")


def _quoted(names):
    return ", ".join(repr(name) for name in names)


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much training a notebook cell may do.

    Patch sizes are multiples of 24, so they divide by 2**3 (a depth-3
    encoder-decoder) and by the super-resolution factors 2, 3 and 4.

    Parameters
    ----------
    name : {"smoke", "cpu", "gpu"}
        ``smoke``: a few seconds per fit (CI); ``cpu``: a few minutes on two cores;
        ``gpu``: larger patches, wider models, more epochs.
    epochs : int
        Epochs of one fit.
    steps_per_epoch : int
        Batches per epoch (for patch datasets built with this budget).
    batch_size : int
        Patches per batch (the global batch, split across GPUs when there are several).
    patch_size : int
        Height and width of the training patches, in pixels.
    filters : int
        Base width (filters of the first layer) of the models built for this budget.
    reason : str
        Why this budget was chosen.

    Examples
    --------
    >>> budget = Budget("smoke", epochs=2, steps_per_epoch=3, batch_size=4, patch_size=24,
    ...                 filters=8, reason="example")
    >>> budget.epochs * budget.steps_per_epoch
    6
    """

    name: str
    epochs: int
    steps_per_epoch: int
    batch_size: int
    patch_size: int
    filters: int
    reason: str = ""

    def __post_init__(self):
        if self.name not in BUDGET_NAMES:
            raise ValueError(f"name must be one of {_quoted(BUDGET_NAMES)}, got {self.name!r}")
        for field in ("epochs", "steps_per_epoch", "batch_size", "patch_size", "filters"):
            check.integer(getattr(self, field), field, minimum=1)
        if not isinstance(self.reason, str):
            raise TypeError(f"reason must be a string, got {type(self.reason).__name__}")


#: The three presets; :func:`select_budget` copies one and fills in ``reason``.
BUDGETS = {
    "smoke": Budget("smoke", epochs=2, steps_per_epoch=3, batch_size=4, patch_size=24, filters=8),
    "cpu": Budget("cpu", epochs=8, steps_per_epoch=50, batch_size=16, patch_size=48, filters=16),
    "gpu": Budget("gpu", epochs=40, steps_per_epoch=200, batch_size=64, patch_size=96, filters=64),
}


# --------------------------------------------------------------------------- hardware


def hardware():
    """Describe the machine Keras trains on, as a plain dict.

    Only the active Keras backend is asked (and imported): TensorFlow through
    ``tf.config.list_physical_devices("GPU")``, JAX through ``jax.devices()``,
    PyTorch through ``torch.cuda.device_count()``.

    Returns
    -------
    dict
        ``backend`` (str), ``devices`` (tuple of readable names, ``("CPU",)``
        without GPUs), ``gpus`` (tuple of dicts with ``name`` and
        ``compute_capability``, a ``(major, minor)`` tuple or None),
        ``gpu_count`` (int), ``cpu_count`` (int), ``precision`` (the global Keras
        dtype policy, e.g. ``"float32"`` or ``"mixed_float16"``) and
        ``mixed_precision`` (bool).

    Examples
    --------
    >>> info = hardware()
    >>> info["backend"] == keras.backend.backend()
    True
    >>> info["gpu_count"] == len(info["gpus"])
    True
    """
    backend = keras.backend.backend()
    gpus = tuple(_list_gpus(backend))
    devices = tuple(f"GPU:{index} {gpu['name']}" for index, gpu in enumerate(gpus)) or ("CPU",)
    precision = keras.mixed_precision.global_policy().name
    return {
        "backend": backend,
        "devices": devices,
        "gpus": gpus,
        "gpu_count": len(gpus),
        "cpu_count": os.cpu_count() or 1,
        "precision": precision,
        "mixed_precision": precision != "float32",
    }


def _list_gpus(backend):
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = []
        for device in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(device)
            gpus.append(
                {
                    "name": details.get("device_name", device.name),
                    "compute_capability": _capability(details.get("compute_capability")),
                }
            )
        return gpus
    if backend == "jax":
        import jax

        return [
            {
                "name": getattr(device, "device_kind", str(device)),
                "compute_capability": _capability(getattr(device, "compute_capability", None)),
            }
            for device in jax.devices()
            if device.platform == "gpu"
        ]
    if backend == "torch":
        import torch

        return [
            {
                "name": torch.cuda.get_device_name(index),
                "compute_capability": _capability(torch.cuda.get_device_capability(index)),
            }
            for index in range(torch.cuda.device_count())
        ]
    # Other backends (numpy, openvino) only run on the CPU here.
    return []


def _capability(value):
    """``(8, 0)``, ``"8.0"`` or None -> ``(8, 0)`` or None."""
    if value is None:
        return None
    if isinstance(value, str):
        major, _, minor = value.partition(".")
        return (int(major), int(minor or 0))
    return (int(value[0]), int(value[1]))


def _check_hardware(hardware_info):
    if not isinstance(hardware_info, dict):
        raise TypeError(
            f"hardware_info must be a dict like hardware() returns, got {type(hardware_info).__name__}"
        )
    missing = [key for key in ("backend", "gpus", "gpu_count") if key not in hardware_info]
    if missing:
        raise ValueError(
            f"hardware_info must have the keys 'backend', 'gpus' and 'gpu_count', missing {missing}"
        )
    return hardware_info


# --------------------------------------------------------------------------- pure decisions


def auto_budget(hardware_info):
    """The budget :func:`select_budget` picks automatically, and why.

    Parameters
    ----------
    hardware_info : dict
        As returned by :func:`hardware` (only ``gpus`` and ``gpu_count`` are read).

    Returns
    -------
    tuple of (str, str)
        The budget name (``"gpu"`` when a GPU is visible, else ``"cpu"``) and the reason.

    Examples
    --------
    >>> auto_budget({"backend": "tensorflow", "gpus": (), "gpu_count": 0})
    ('cpu', 'no GPU found: cpu budget')
    >>> h100 = {"name": "NVIDIA H100", "compute_capability": (9, 0)}
    >>> auto_budget({"backend": "jax", "gpus": (h100, h100), "gpu_count": 2})
    ('gpu', '2 GPUs found (NVIDIA H100): gpu budget')
    """
    hardware_info = _check_hardware(hardware_info)
    count = hardware_info["gpu_count"]
    if count == 0:
        return "cpu", "no GPU found: cpu budget"
    names = ", ".join(sorted({gpu["name"] for gpu in hardware_info["gpus"]}))
    plural = "GPU" if count == 1 else "GPUs"
    return "gpu", f"{count} {plural} found ({names}): gpu budget"


def choose_precision(hardware_info):
    """The Keras dtype policy to train with on this hardware.

    - no GPU, or a GPU older than compute capability 7.0 (no tensor cores):
      ``"float32"``; half precision would save little and cost accuracy;
    - compute capability 7.x (Volta, Turing): ``"mixed_float16"``: tensor cores
      run float16; Keras wraps the optimizer in a ``LossScaleOptimizer`` so that
      small gradients do not underflow float16's narrow exponent range;
    - compute capability 8.0 or more (Ampere, Hopper and later): ``"mixed_bfloat16"``:
      as fast as float16 on these tensor cores, with float32's exponent range, so no
      loss scaling and no overflow.

    Variables stay float32 in both mixed policies; the models of this package
    compute their output layer in float32.
    With several GPUs the oldest decides; a GPU of unknown capability counts as old.

    Parameters
    ----------
    hardware_info : dict
        As returned by :func:`hardware`.

    Returns
    -------
    str
        ``"float32"``, ``"mixed_float16"`` or ``"mixed_bfloat16"``.

    Examples
    --------
    >>> def machine(*capabilities):
    ...     gpus = tuple({"name": "GPU", "compute_capability": c} for c in capabilities)
    ...     return {"backend": "tensorflow", "gpus": gpus, "gpu_count": len(gpus)}
    >>> choose_precision(machine())
    'float32'
    >>> choose_precision(machine((7, 5)))
    'mixed_float16'
    >>> choose_precision(machine((9, 0), (8, 0)))
    'mixed_bfloat16'
    >>> choose_precision(machine((8, 6), (6, 1)))
    'float32'
    """
    hardware_info = _check_hardware(hardware_info)
    if hardware_info["gpu_count"] == 0:
        return "float32"
    capabilities = [gpu.get("compute_capability") for gpu in hardware_info["gpus"]]
    if any(capability is None for capability in capabilities):
        return "float32"
    oldest = min(tuple(capability) for capability in capabilities)
    if oldest >= (8, 0):
        return "mixed_bfloat16"
    if oldest >= (7, 0):
        return "mixed_float16"
    return "float32"


def choose_distribution(hardware_info, batch_size=None):
    """How :func:`strategy_scope` spreads training over the devices.

    Data parallelism uses the backend's own engine, never a hand-written loop:

    - ``"mirrored"``: TensorFlow with more than one GPU, ``tf.distribute.MirroredStrategy``
      (one model replica per GPU, gradients all-reduced);
    - ``"data_parallel"``: JAX with more than one GPU, ``keras.distribution.DataParallel``;
    - ``"single"``: everything else: CPU, one GPU, PyTorch (Keras's ``fit`` has no
      multi-GPU engine for it), or a global ``batch_size`` that does not split
      evenly over the GPUs.

    Parameters
    ----------
    hardware_info : dict
        As returned by :func:`hardware`.
    batch_size : int, optional
        The global batch size; it must divide evenly by the GPU count to be split.

    Returns
    -------
    str
        ``"single"``, ``"mirrored"`` or ``"data_parallel"``.

    Examples
    --------
    >>> gpu = {"name": "NVIDIA A100", "compute_capability": (8, 0)}
    >>> choose_distribution({"backend": "tensorflow", "gpus": (gpu,), "gpu_count": 1})
    'single'
    >>> choose_distribution({"backend": "tensorflow", "gpus": (gpu, gpu), "gpu_count": 2})
    'mirrored'
    >>> choose_distribution({"backend": "jax", "gpus": (gpu, gpu), "gpu_count": 2})
    'data_parallel'
    >>> choose_distribution({"backend": "jax", "gpus": (gpu, gpu), "gpu_count": 2}, batch_size=3)
    'single'
    """
    hardware_info = _check_hardware(hardware_info)
    count = hardware_info["gpu_count"]
    if batch_size is not None:
        check.integer(batch_size, "batch_size", minimum=1)
    if count < 2 or (batch_size is not None and batch_size % count):
        return "single"
    return {"tensorflow": "mirrored", "jax": "data_parallel"}.get(
        hardware_info["backend"], "single"
    )


# --------------------------------------------------------------------------- budgets


def select_budget(name=None, *, hardware_info=None):
    """Choose the training budget: by argument, else ``DECONV_TUTOR_BUDGET``, else the hardware.

    Parameters
    ----------
    name : {"smoke", "cpu", "gpu"}, optional
        Force a budget. Without it the environment variable ``DECONV_TUTOR_BUDGET``
        decides, and without that the hardware: ``"gpu"`` when a GPU is visible,
        else ``"cpu"``. Names are case-insensitive.
    hardware_info : dict, optional
        The machine to decide for (as returned by :func:`hardware`); the real one
        by default. Only read when neither ``name`` nor the variable is set.

    Returns
    -------
    Budget
        A copy of the preset in :data:`BUDGETS` whose ``reason`` says why it was chosen.

    Raises
    ------
    ValueError
        For a name (argument or variable) that is not a budget; the message lists the valid names.

    Examples
    --------
    >>> select_budget("smoke")
    Budget(name='smoke', epochs=2, steps_per_epoch=3, batch_size=4, patch_size=24, filters=8, reason="argument name='smoke'")
    >>> select_budget(hardware_info={"backend": "tensorflow", "gpus": (), "gpu_count": 0}).name in BUDGET_NAMES
    True
    """
    if name is not None:
        return _preset(name, "name", f"argument name={name!r}")
    variable = os.environ.get(BUDGET_VARIABLE, "").strip()
    if variable:
        return _preset(variable, BUDGET_VARIABLE, f"{BUDGET_VARIABLE}={variable}")
    chosen, reason = auto_budget(hardware() if hardware_info is None else hardware_info)
    return dataclasses.replace(BUDGETS[chosen], reason=reason)


def _preset(name, source, reason):
    if not isinstance(name, str):
        raise TypeError(f"{source} must be a string, one of {_quoted(BUDGET_NAMES)}, got {name!r}")
    key = name.strip().lower()
    if key not in BUDGETS:
        raise ValueError(f"{source} must be one of {_quoted(BUDGET_NAMES)}, got {name!r}")
    return dataclasses.replace(BUDGETS[key], reason=reason)


def _resolve_budget(budget):
    if budget is None:
        return select_budget()
    if isinstance(budget, str):
        return select_budget(budget)
    if not isinstance(budget, Budget):
        raise TypeError(
            f"budget must be a Budget, a budget name or None, got {type(budget).__name__}"
        )
    return budget


def describe(budget=None, *, hardware_info=None):
    """The one line every training cell prints: backend, devices, precision, budget, sizes.

    Parameters
    ----------
    budget : Budget or str, optional
        The budget (or its name); :func:`select_budget` by default.
    hardware_info : dict, optional
        The machine (as returned by :func:`hardware`); the real one by default.

    Returns
    -------
    str

    Examples
    --------
    >>> cpu_only = {"backend": "tensorflow", "devices": ("CPU",), "gpus": (), "gpu_count": 0,
    ...             "precision": "float32"}
    >>> print(describe(select_budget("smoke"), hardware_info=cpu_only))
    backend: tensorflow | devices: CPU | mixed precision: off (float32) | budget: smoke (argument name='smoke') | epochs: 2 | patch: 24x24
    """
    budget = _resolve_budget(budget)
    info = _check_hardware(hardware() if hardware_info is None else hardware_info)
    devices = ", ".join(info.get("devices") or ("CPU",))
    distribution = choose_distribution(info, budget.batch_size)
    if distribution != "single":
        devices += f" ({distribution.replace('_', ' ')})"
    precision = info.get("precision", "float32")
    switch = "off" if precision == "float32" else "on"
    return (
        f"backend: {info['backend']} | devices: {devices} | mixed precision: {switch} ({precision})"
        f" | budget: {budget.name} ({budget.reason}) | epochs: {budget.epochs}"
        f" | patch: {budget.patch_size}x{budget.patch_size}"
    )


# --------------------------------------------------------------------------- GPU set-up


@functools.cache
def _engine(kind):
    """One strategy / distribution per process: creating them twice wastes GPU memory.

    It spreads over the devices the backend trains on: the GPUs when there are any, else
    the CPU devices, which is how the tests run it on two simulated devices.
    """
    if kind == "mirrored":
        import tensorflow as tf

        devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
        return tf.distribute.MirroredStrategy(devices=[device.name for device in devices])
    if kind == "data_parallel":
        return keras.distribution.DataParallel(devices=keras.distribution.list_devices())
    raise ValueError(f"kind must be one of {_quoted(_DISTRIBUTION_KINDS[1:])}, got {kind!r}")


def _model_engine(model):
    """The data-parallel engine ``model`` was built under, or None for one device."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        strategy = model.distribute_strategy
        return None if strategy is tf.distribute.get_strategy() or (
            strategy.num_replicas_in_sync == 1
        ) else strategy
    if backend == "jax" and model.variables:
        sharding = getattr(model.variables[0].value, "sharding", None)
        if sharding is not None and len(sharding.device_set) > 1:
            return _engine("data_parallel")
    return None


def replicas(model):
    """How many devices ``model`` trains on: the replicas of the engine it was built under.

    A model built inside ``with configure(budget):`` on a machine with several GPUs has
    one replica per GPU; any other model has one. :func:`fit` trains it there.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    int

    Examples
    --------
    >>> replicas(keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]))
    1
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    engine = _model_engine(model)
    if engine is None:
        return 1
    if hasattr(engine, "num_replicas_in_sync"):
        return engine.num_replicas_in_sync
    return int(engine.device_mesh.devices.size)


@contextlib.contextmanager
def strategy_scope(budget=None, *, hardware_info=None):
    """Context manager in which to build (and compile) models.

    On one device (CPU or a single GPU) it does nothing and yields None. With
    several GPUs it enters the backend's data-parallel engine chosen by
    :func:`choose_distribution` (``tf.distribute.MirroredStrategy`` on TensorFlow,
    ``keras.distribution.DataParallel`` on JAX) and yields it. The model remembers
    a TensorFlow strategy; on JAX, :func:`fit` re-enters the distribution while
    training so batches are sharded over the GPUs. Without GPUs, the engine spreads over
    the CPU devices the backend lists (two simulated ones in the tests).

    Parameters
    ----------
    budget : Budget or str, optional
        Its ``batch_size`` must split evenly over the GPUs; :func:`select_budget` by default.
    hardware_info : dict, optional
        The machine (as returned by :func:`hardware`); the real one by default.

    Yields
    ------
    None or the strategy / distribution object

    Examples
    --------
    >>> with strategy_scope("smoke", hardware_info={"backend": "tensorflow", "gpus": (),
    ...                                             "gpu_count": 0}) as engine:
    ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> print(engine)
    None
    """
    budget = _resolve_budget(budget)
    info = _check_hardware(hardware() if hardware_info is None else hardware_info)
    kind = choose_distribution(info, budget.batch_size)
    if kind == "single":
        yield None
        return
    engine = _engine(kind)
    with engine.scope():
        yield engine


def configure(budget=None, *, hardware_info=None):
    """Prepare the hardware for training and return the scope to build models in.

    On GPUs, sets the global Keras dtype policy chosen by :func:`choose_precision`
    (mixed precision); it must happen before the model is built. Without a GPU the
    policy is left as it is. Returns :func:`strategy_scope`.

    Parameters
    ----------
    budget : Budget or str, optional
        :func:`select_budget` by default.
    hardware_info : dict, optional
        The machine (as returned by :func:`hardware`); the real one by default.

    Returns
    -------
    contextlib.AbstractContextManager

    Examples
    --------
    >>> with configure("smoke"):
    ...     model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
    >>> model.outputs[0].shape
    (None, 1)
    """
    budget = _resolve_budget(budget)
    info = _check_hardware(hardware() if hardware_info is None else hardware_info)
    if info["gpu_count"] > 0:
        keras.mixed_precision.set_global_policy(choose_precision(info))
    return strategy_scope(budget, hardware_info=info)


def set_seed(seed=0, *, deterministic=None):
    """Seed Python, NumPy and the backend; make TensorFlow ops deterministic on the CPU.

    Parameters
    ----------
    seed : int, default 0
        Passed to ``keras.utils.set_random_seed``.
    deterministic : bool, optional
        Call ``tf.config.experimental.enable_op_determinism()`` (TensorFlow backend
        only). By default only when no GPU is visible: on GPUs some kernels have no
        deterministic version (they would raise) and others get slower, while on the
        CPU reproducible notebook outputs cost next to nothing.

    Examples
    --------
    >>> set_seed(0)
    >>> first = keras.ops.convert_to_numpy(keras.random.uniform((2,)))
    >>> set_seed(0)
    >>> bool((keras.ops.convert_to_numpy(keras.random.uniform((2,))) == first).all())
    True
    """
    seed = check.integer(seed, "seed", minimum=0)
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() != "tensorflow":
        return
    if deterministic is None:
        deterministic = hardware()["gpu_count"] == 0
    if deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


# --------------------------------------------------------------------------- fitting


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
    budget = _resolve_budget(budget)
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

    engine = _model_engine(model)
    planned = choose_distribution(hardware(), budget.batch_size)
    if engine is None and planned != "single":
        raise ValueError(
            f"model must be built inside `with training.configure(budget):` to train on the "
            f"{hardware()['gpu_count']} GPUs of this machine ({planned}); it was built on one device"
        )
    replica_count = replicas(model)
    if replica_count > 1:
        inputs, targets, batch_size = _split_evenly(
            inputs, targets, batch_size, replica_count, "train_data"
        )
        if _is_array_pair(validation_data):
            validation_data = _FullBatches(*validation_data, budget.batch_size, shuffle=False)
    # Keras's JAX trainer shards batches only inside the distribution's scope.
    jax_engine = engine is not None and keras.backend.backend() == "jax"
    scope = engine.scope() if jax_engine and keras.distribution.distribution() is None else (
        contextlib.nullcontext()
    )
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
