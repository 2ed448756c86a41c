"""Keras metrics for ``model.compile``: :func:`psnr_metric` and :func:`ssim_metric`.

They compute what :func:`deconv_tutor.metrics.psnr` and :func:`deconv_tutor.metrics.ssim`
compute, in ``keras.ops`` (every backend). They live apart so that
:mod:`deconv_tutor.metrics` imports without Keras; ``metrics.psnr_metric`` loads them.
"""

from __future__ import annotations

import keras
from keras import ops

from deconv_tutor import _validation as check
from deconv_tutor.metrics import PSNR_CAP_DB, SSIM_K1, SSIM_K2, SSIM_WINDOW, ssim  # noqa: F401 (ssim: doctest)


def _checked_pair(y_true, y_pred, ranks, shape_text):
    """Cast both to float32 after checking their shapes, and their values when concrete.

    Shapes are compared as far as they are known (a symbolic batch axis is ``None``), so
    ``(2, 8, 8, 3)`` against ``(2, 8, 8, 1)`` is an error rather than a broadcast. Values
    are checked only for data that is not a backend tensor (NumPy arrays, lists): inside
    ``fit`` the tensors are symbolic, and a training model's raw output may leave [0, 1].
    """
    arrays = {}
    for name, value in (("y_true", y_true), ("y_pred", y_pred)):
        if not ops.is_tensor(value):
            value = check.float_array(value, name)
            # 0-255 data against 0-1 data would give a PSNR that means nothing.
            check.unit_range(value, name, tolerance=1e-6)
        arrays[name] = ops.cast(value, "float32")
    y_true, y_pred = arrays["y_true"], arrays["y_pred"]
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    if len(true_shape) not in ranks:
        raise ValueError(f"y_true must be {shape_text}, got shape {true_shape}")
    if len(pred_shape) != len(true_shape) or any(
        a is not None and b is not None and a != b for a, b in zip(true_shape, pred_shape)
    ):
        raise ValueError(
            f"y_pred must have the shape of y_true {true_shape}, got {pred_shape} "
            "(no broadcasting: a grey output against a colour target is a mistake)"
        )
    return y_true, y_pred


@keras.saving.register_keras_serializable(package="deconv_tutor")
def psnr_metric(y_true, y_pred):
    """Keras metric: PSNR in dB of every sample of a batch, for pixel values in [0, 1].

    Uses ``keras.ops`` only (any backend), computes in float32 even under mixed
    precision, and caps a perfect sample at 100 dB. Its ``__name__`` is ``"psnr"``, so
    ``model.compile(metrics=[psnr_metric])`` logs ``psnr`` and ``val_psnr``. It is
    registered as ``"deconv_tutor>psnr_metric"``, so a compiled model that uses it
    survives ``model.save(...)`` and ``keras.models.load_model(...)``.

    Parameters
    ----------
    y_true : tensor
        The clean targets, ``(batch, height, width, channels)``, values in [0, 1].
    y_pred : tensor
        The model's outputs, the same shape.

    Returns
    -------
    tensor
        Shape ``(batch,)``; Keras averages it over batches.

    Examples
    --------
    >>> import numpy as np
    >>> y_true = np.zeros((2, 8, 8, 3), dtype=np.float32)
    >>> y_pred = y_true + np.array([0.1, 0.01], dtype=np.float32)[:, None, None, None]
    >>> np.asarray(psnr_metric(y_true, y_pred)).round(2)
    array([20., 40.], dtype=float32)
    >>> psnr_metric.__name__
    'psnr'
    >>> keras.saving.get_registered_object("deconv_tutor>psnr_metric") is psnr_metric
    True
    """
    y_true, y_pred = _checked_pair(
        y_true, y_pred, range(2, 6), "a batch of images or clips, 2-D to 5-D"
    )
    axes = tuple(range(1, len(y_true.shape)))
    mse = ops.mean(ops.square(y_true - y_pred), axis=axes)
    mse = ops.maximum(mse, 10.0 ** (-PSNR_CAP_DB / 10.0))
    return -10.0 * ops.log10(mse)


psnr_metric.__name__ = "psnr"


@keras.saving.register_keras_serializable(package="deconv_tutor")
def ssim_metric(y_true, y_pred):
    """Keras metric: SSIM of every sample, as :func:`ssim` computes it, in ``keras.ops``.

    Same definition as scikit-image's default (7x7 uniform window, sample covariance,
    ``K1 = 0.01``, ``K2 = 0.03``, data range 1, mean over the valid window positions and
    the channels), so it matches :func:`ssim` to float32 precision. Accepts images
    ``(batch, height, width, channels)`` or clips ``(batch, frames, height, width,
    channels)`` (mean over frames). Its ``__name__`` is ``"ssim"``; it is registered
    as ``"deconv_tutor>ssim_metric"`` for saving and loading compiled models.

    Parameters
    ----------
    y_true : tensor
        The clean targets, images or clips as above, values in [0, 1].
    y_pred : tensor
        The model's outputs, the same shape.

    Returns
    -------
    tensor
        Shape ``(batch,)``; Keras averages it over batches.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y_true = rng.random((2, 16, 16, 3)).astype(np.float32)
    >>> y_pred = np.clip(y_true + 0.05, 0, 1)
    >>> keras_value = float(np.mean(np.asarray(ssim_metric(y_true, y_pred))))
    >>> bool(abs(keras_value - ssim(y_true, y_pred)) < 1e-4)
    True
    """
    y_true, y_pred = _checked_pair(
        y_true,
        y_pred,
        (4, 5),
        "(batch, height, width, channels) or (batch, frames, height, width, channels)",
    )
    rank = len(y_true.shape)
    height, width = y_true.shape[-3], y_true.shape[-2]
    if (height is not None and height < SSIM_WINDOW) or (width is not None and width < SSIM_WINDOW):
        raise ValueError(
            f"y_true's frames must be at least {SSIM_WINDOW}x{SSIM_WINDOW} for SSIM's window, "
            f"got {height}x{width}"
        )
    if rank == 5:
        batch_frames = ops.shape(y_true)[:2]
        image_shape = tuple(y_true.shape[2:])
        y_true = ops.reshape(y_true, (-1,) + image_shape)
        y_pred = ops.reshape(y_pred, (-1,) + image_shape)

    def local_mean(x):
        return ops.average_pool(x, pool_size=SSIM_WINDOW, strides=1, padding="valid")

    n = SSIM_WINDOW * SSIM_WINDOW
    unbiased = n / (n - 1.0)
    mean_true, mean_pred = local_mean(y_true), local_mean(y_pred)
    var_true = unbiased * (local_mean(y_true * y_true) - mean_true * mean_true)
    var_pred = unbiased * (local_mean(y_pred * y_pred) - mean_pred * mean_pred)
    covariance = unbiased * (local_mean(y_true * y_pred) - mean_true * mean_pred)
    c1, c2 = SSIM_K1**2, SSIM_K2**2
    similarity = ((2.0 * mean_true * mean_pred + c1) * (2.0 * covariance + c2)) / (
        (mean_true * mean_true + mean_pred * mean_pred + c1) * (var_true + var_pred + c2)
    )
    per_image = ops.mean(similarity, axis=(1, 2, 3))
    if rank == 5:
        per_image = ops.mean(ops.reshape(per_image, batch_frames), axis=1)
    return per_image


ssim_metric.__name__ = "ssim"
