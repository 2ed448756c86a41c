"""Data-parallel training on two simulated devices, on JAX and on TensorFlow.

No GPU is needed to know that the multi-device path works: JAX splits the host CPU into two
devices (``--xla_force_host_platform_device_count=2``) and TensorFlow into two logical CPU
devices. Each case runs in a fresh process, since both must be set before the backend
starts. The machine description handed to ``training.configure`` claims two GPUs of unknown
capability, so the course's own decision picks data parallelism and keeps float32.
"""

import os
import subprocess
import sys
import textwrap

import pytest

COMMON = """
import os, tempfile
import numpy as np
import keras
from deconv_tutor import models, training

TWO_DEVICES = {
    "backend": keras.backend.backend(), "devices": ("simulated 0", "simulated 1"),
    "gpus": ({"name": "simulated", "compute_capability": None},) * 2, "gpu_count": 2,
    "cpu_count": 2, "precision": "float32", "mixed_precision": False,
}
training.set_seed(0)
with training.configure("smoke", hardware_info=TWO_DEVICES):
    model = models.compile_restoration(models.dncnn(channels=3, filters=4, depth=3), 1e-3)
print("replicas", training.replicas(model))
# 10 samples in batches of 4: the last batch (2 samples) cannot be split like the others.
x = np.random.default_rng(0).random((10, 16, 16, 3), dtype=np.float32)
history = training.fit(model, (x, x), (x[:6], x[:6]), budget="smoke", epochs=2,
                       run_dir=tempfile.mkdtemp(), verbose=0)
print("epochs", len(history.history["loss"]), "finite", bool(np.isfinite(history.history["loss"]).all()))
print("prediction", model.predict(x[:3], verbose=0).shape)

# A model built outside the scope cannot join a data-parallel run: say so, do not crash later.
outside = models.compile_restoration(models.dncnn(channels=3, filters=4, depth=3), 1e-3)
training.fitting.hardware = lambda: TWO_DEVICES  # what fit sees of the machine
try:
    training.fit(outside, (x, x), budget="smoke", epochs=1, run_dir=tempfile.mkdtemp(), verbose=0)
except ValueError as error:
    print("outside:", error)
"""

SETUP = {
    "jax": "",
    "tensorflow": """
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
""",
}


def _run(backend):
    environment = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    environment["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    script = textwrap.dedent(SETUP[backend]) + COMMON
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=environment
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_a_model_built_in_configure_trains_on_two_devices_with_an_uneven_last_batch(backend):
    pytest.importorskip(backend)
    output = _run(backend)
    assert "replicas 2" in output
    assert "epochs 2 finite True" in output
    assert "prediction (3, 16, 16, 3)" in output
    assert "outside: model must be built inside `with training.configure(budget):`" in output
