"""One call at the top of every notebook: keep files local, logs quiet and results repeatable."""

import contextlib
import os
import pathlib
import random
import sys

import numpy as np

from deconv_tutor import _validation as check

#: Variables pointing at per-user folders, redirected into the working folder.
CACHE_VARIABLES = {
    "KERAS_HOME": "keras",
    "MPLCONFIGDIR": "matplotlib",
    "IMAGEIO_USERDIR": "imageio",
}


def find_workdir(start=None):
    """Return the course's working folder: the nearest parent holding ``pyproject.toml``.

    Falls back to ``start`` itself, so a notebook copied elsewhere still keeps its files beside it.

    Parameters
    ----------
    start : str or path-like, optional
        Where to start looking; the current folder by default.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> find_workdir().is_dir()
    True
    """
    if start is not None and not isinstance(start, (str, os.PathLike)):
        raise TypeError(
            f"start must be a folder path (str or os.PathLike) or None, got "
            f"{type(start).__name__} {start!r:.80}"
        )
    start = pathlib.Path(start or os.getcwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file() and (folder / "deconv_tutor").is_dir():
            return folder
    return start


def prepare(seed=0, workdir=None):
    """Prepare a notebook: local caches, quiet TensorFlow logs, TensorFlow backend, seeds.

    Call it before importing Keras: Keras reads ``KERAS_HOME`` and ``KERAS_BACKEND`` at import.
    Variables already set (by ``make lab`` or by the learner) are left as they are.

    Parameters
    ----------
    seed : int, default 0
        Seed for Python's, NumPy's and (when Keras is imported) the backend's random generators.
    workdir : str or path-like, optional
        Folder under which ``.cache/`` is created; found with :func:`find_workdir` by default.

    Returns
    -------
    pathlib.Path
        The cache folder.

    Examples
    --------
    >>> cache = prepare(seed=0)
    >>> cache.name
    '.cache'
    >>> os.environ["KERAS_BACKEND"] in {"tensorflow", "jax", "torch"}
    True
    """
    seed = check.integer(seed, "seed", minimum=0)
    cache = pathlib.Path(workdir or find_workdir()) / ".cache"
    for variable, folder in CACHE_VARIABLES.items():
        if variable not in os.environ:
            os.environ[variable] = str(cache / folder)
        pathlib.Path(os.environ[variable]).mkdir(parents=True, exist_ok=True)
    # TensorFlow prints start-up chatter to stderr; nbval and learners only need errors.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    random.seed(seed)
    np.random.seed(seed)
    _small_figures()
    with _quiet_native_stderr():
        import keras  # noqa: E402  (after the variables above, on purpose)

        if keras.backend.backend() == "tensorflow":
            import tensorflow  # its C++ start-up lines go to the silenced stream

            tensorflow.get_logger().addFilter(_not_a_retracing_warning)  # added once only

    keras.utils.set_random_seed(seed)
    return cache


def _not_a_retracing_warning(record):
    """False for TensorFlow's "triggered tf.function retracing" warning, True otherwise.

    The chapters score several models in turn, and Keras traces each model's ``predict``
    once; TensorFlow counts those first traces of different models as retracing and prints
    a paragraph of advice that does not apply. Chapter 09 also runs one model at several
    frame sizes on purpose, which is real retracing and just as intended. Every other
    TensorFlow message still shows.
    """
    return "triggered tf.function retracing" not in record.getMessage()


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence file descriptor 2 for a moment.

    TensorFlow's C++ start-up lines (oneDNN, CUDA probing) are written by absl before
    ``TF_CPP_MIN_LOG_LEVEL`` is read, straight to the process's stderr, so only the
    descriptor itself can hold them back. Python-level warnings still reach the learner.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _small_figures():
    """Modest figure resolution: notebooks are committed with their outputs and must stay small."""
    import matplotlib

    matplotlib.rcParams.update(
        {"figure.dpi": 72, "savefig.dpi": 72, "image.interpolation": "nearest"}
    )
