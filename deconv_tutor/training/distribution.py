"""Several devices, one way: build inside :func:`configure`, train where the model was built.

:func:`configure` sets the precision (mixed on recent GPUs) and enters the backend's own
data-parallel engine when there are several GPUs (``tf.distribute.MirroredStrategy`` on
TensorFlow, ``keras.distribution.DataParallel`` on JAX); a model built and compiled inside
it remembers where it lives (:func:`replicas`), and :func:`training_scope` gives
:func:`~deconv_tutor.training.fit` the context to train it there.
"""

import contextlib
import functools

import keras

from deconv_tutor.training.budgets import select_budget
from deconv_tutor.training.hardware import (
    check_hardware,
    choose_distribution,
    choose_precision,
    hardware,
)

__all__ = ["configure", "replicas", "strategy_scope", "training_scope"]


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
    raise ValueError(f"kind must be 'mirrored' or 'data_parallel', got {kind!r}")


def _engine_of(model):
    """The data-parallel engine ``model`` was built under, or None for one device."""
    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        strategy = model.distribute_strategy
        return (
            None
            if strategy is tf.distribute.get_strategy() or (strategy.num_replicas_in_sync == 1)
            else strategy
        )
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
    engine = _engine_of(model)
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
    budget = select_budget(budget)
    info = check_hardware(hardware() if hardware_info is None else hardware_info)
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
    budget = select_budget(budget)
    info = check_hardware(hardware() if hardware_info is None else hardware_info)
    if info["gpu_count"] > 0:
        keras.mixed_precision.set_global_policy(choose_precision(info))
    return strategy_scope(budget, hardware_info=info)


def training_scope(model):
    """The context in which :func:`~deconv_tutor.training.fit` trains ``model``.

    Keras's JAX trainer shards each batch over the devices only inside the distribution's
    scope, so a model built under ``configure`` on several devices trains inside it again;
    TensorFlow models remember their strategy, and one device needs nothing.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    contextlib.AbstractContextManager

    Examples
    --------
    >>> with training_scope(keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])):
    ...     pass
    """
    engine = _engine_of(model)
    if engine is None or keras.backend.backend() != "jax" or keras.distribution.distribution():
        return contextlib.nullcontext()
    return engine.scope()
