"""``environment.prepare`` quiets TensorFlow's retracing advice and nothing else."""

import logging

import keras
import pytest

from deconv_tutor import environment

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="the filter sits on TensorFlow's logger"
)

RETRACING = (
    "5 out of the last 5 calls to <function one_step_on_data_distributed at 0x7f> triggered "
    "tf.function retracing. Tracing is expensive and the excessive number of tracings could be due to"
)


def _shown(message):
    import tensorflow as tf

    record = logging.LogRecord("tensorflow", logging.WARNING, __file__, 1, message, None, None)
    return bool(tf.get_logger().filter(record))


def test_prepare_hides_the_retracing_warning_and_shows_the_others(tmp_path):
    environment.prepare(seed=0, workdir=tmp_path)
    assert not _shown(RETRACING)
    assert _shown("Your input ran out of data; interrupting training.")


def test_preparing_twice_adds_the_filter_once(tmp_path):
    import tensorflow as tf

    environment.prepare(seed=0, workdir=tmp_path)
    environment.prepare(seed=1, workdir=tmp_path)
    assert tf.get_logger().filters.count(environment._not_a_retracing_warning) == 1
