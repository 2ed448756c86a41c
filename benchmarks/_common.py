"""What every benchmark script shares: its set-up and the description of the machine it ran on.

Each script calls :func:`prepare` before it imports Keras, so that run directly
(``python benchmarks/speed.py``, not only through ``make bench``) it still keeps its caches
inside the repository, keeps TensorFlow's start-up logs quiet and imports the
``deconv_tutor`` of this checkout.
"""

import importlib.metadata
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"

#: Caches that Keras, Matplotlib and imageio would otherwise create in the home folder.
LOCAL_CACHES = (
    ("KERAS_HOME", "keras"),
    ("MPLCONFIGDIR", "matplotlib"),
    ("IMAGEIO_USERDIR", "imageio"),
)


def prepare():
    """Quiet TensorFlow, keep caches under ``.cache/`` and put this checkout first on the path."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for variable, folder in LOCAL_CACHES:
        os.environ.setdefault(variable, str(ROOT / ".cache" / folder))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def package_version(name):
    """The installed version of distribution ``name``, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_model():
    """The CPU's model name from ``/proc/cpuinfo`` (None elsewhere)."""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return None


def load_average():
    """The 1-minute load average: how busy the (shared) machine was."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def machine_info():
    """The machine, the libraries and the devices a result was measured with."""
    import keras
    import numpy as np

    from deconv_tutor import training

    hardware = training.hardware()
    blas = np.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {})
    backend = keras.backend.backend()
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": cpu_model(),
        "load_average_1min": load_average(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas.get("name"),
        "scikit-image": package_version("scikit-image"),
        "keras": keras.__version__,
        "backend": backend,
        "backend_version": package_version(backend)
        if backend in ("tensorflow", "jax", "torch")
        else None,
        "devices": list(hardware["devices"]),
        "precision": hardware["precision"],
    }
