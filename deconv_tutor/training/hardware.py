"""The machine Keras trains on, and the decisions taken from it.

:func:`hardware` describes the machine as a plain dict (backend, devices, GPUs and their
compute capability, dtype policy). The decisions taken from it (:func:`choose_precision`,
:func:`choose_distribution`) are pure functions of that dict, so they are tested with
made-up machines. :func:`set_seed` makes a run repeatable. Only the active Keras backend
is imported, lazily: device listing and op determinism have no backend-neutral Keras API.
"""

import os

import keras

from deconv_tutor import _validation as check

__all__ = ["check_hardware", "choose_distribution", "choose_precision", "hardware", "set_seed"]


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


def check_hardware(hardware_info):
    """Check that ``hardware_info`` describes a machine as :func:`hardware` does; return it.

    The decisions (:func:`choose_precision`, :func:`choose_distribution`, the budgets)
    read ``backend``, ``gpus`` and ``gpu_count``; tests pass made-up machines.

    Parameters
    ----------
    hardware_info : dict
        A machine description.

    Returns
    -------
    dict
        The same dict.

    Examples
    --------
    >>> check_hardware({"backend": "jax", "gpus": (), "gpu_count": 0})["gpu_count"]
    0
    >>> check_hardware({"backend": "jax"})
    Traceback (most recent call last):
    ...
    ValueError: hardware_info must have the keys 'backend', 'gpus' and 'gpu_count', missing ['gpus', 'gpu_count']
    """
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
    hardware_info = check_hardware(hardware_info)
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
    hardware_info = check_hardware(hardware_info)
    count = hardware_info["gpu_count"]
    if batch_size is not None:
        check.integer(batch_size, "batch_size", minimum=1)
    if count < 2 or (batch_size is not None and batch_size % count):
        return "single"
    return {"tensorflow": "mirrored", "jax": "data_parallel"}.get(
        hardware_info["backend"], "single"
    )


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
    if deterministic is not None:
        deterministic = check.boolean(deterministic, "deterministic")
    keras.utils.set_random_seed(seed)
    if keras.backend.backend() != "tensorflow":
        return
    if deterministic is None:
        deterministic = hardware()["gpu_count"] == 0
    if deterministic:
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
