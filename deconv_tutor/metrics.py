"""Quality measures for restored video and for segmentation masks.

NumPy side (for evaluation and notebooks):

* :func:`psnr`, :func:`psnr_per_frame` -- peak signal-to-noise ratio in dB;
* :func:`ssim`, :func:`ssim_per_frame` -- structural similarity
  (``skimage.metrics.structural_similarity``: 7x7 uniform window, per channel);
* :func:`iou`, :func:`mean_iou` -- intersection over union of class masks;
* :func:`temporal_flicker` -- how much a video changes from frame to frame;
* :func:`report` -- all of the above for one clip, in a dict.

A video is ``(frames, height, width, channels)``; a single image ``(height, width,
channels)`` or ``(height, width)`` counts as a one-frame video. Clip-level PSNR and SSIM
are the mean of the per-frame values, the convention of video restoration papers (it
differs from the PSNR of the whole clip's mean squared error when frames differ in
quality).

Keras side (for ``model.compile(metrics=[...])``): :func:`psnr_metric` and
:func:`ssim_metric` use ``keras.ops`` only, so they work on every backend; their
``__name__`` is ``"psnr"`` and ``"ssim"``, which is how Keras names them in logs.
Both are registered with Keras's serialization (``deconv_tutor>psnr_metric`` and
``deconv_tutor>ssim_metric``), so a model compiled with them can be saved to a
``.keras`` file and loaded back, compiled, by ``keras.models.load_model`` in any
process that has imported :mod:`deconv_tutor.metrics`.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from deconv_tutor.data import _check_float_array

__all__ = [
    "iou",
    "mean_iou",
    "psnr",
    "psnr_metric",
    "psnr_per_frame",
    "report",
    "ssim",
    "ssim_metric",
    "ssim_per_frame",
    "temporal_flicker",
]

# skimage's structural_similarity defaults, which ssim_metric reproduces.
_SSIM_WINDOW = 7
_SSIM_K1, _SSIM_K2 = 0.01, 0.03
# The Keras PSNR is capped here (mse floor 1e-10) so that a perfect batch logs a number.
_PSNR_CAP_DB = 100.0


def _check_data_range(data_range):
    if isinstance(data_range, bool) or not isinstance(
        data_range, (int, float, np.integer, np.floating)
    ):
        raise TypeError(f"data_range must be a positive number, got {data_range!r}")
    if not np.isfinite(data_range) or data_range <= 0:
        raise ValueError(f"data_range must be a positive number, got {data_range}")
    return float(data_range)


def _as_frames(array, name, data_range=1.0):
    """Return ``array`` as float64 ``(frames, height, width, channels)``, after checks."""
    # float64 throughout, so that tiny differences between float64 inputs still count.
    array = _check_float_array(array, name, dtype=np.float64)
    if array.ndim == 2:
        array = array[None, :, :, None]
    elif array.ndim == 3:
        array = array[None]
    elif array.ndim != 4:
        raise ValueError(
            f"{name} must be an image (height, width[, channels]) or a video "
            f"(frames, height, width, channels), got shape {array.shape}"
        )
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if array.shape[-1] not in (1, 3):
        raise ValueError(
            f"{name} must be channels-last with 1 or 3 channels, got {array.shape[-1]} channels "
            f"(shape {array.shape}); a grey video needs a channel axis: {name}[..., None]"
        )
    if array.min() < 0 or array.max() > data_range:
        raise ValueError(
            f"{name} values must lie in [0, {data_range:g}] (data_range), got min "
            f"{float(array.min()):.4g} and max {float(array.max()):.4g}; clip a model's output "
            f"first: np.clip({name}, 0, {data_range:g})"
        )
    return array


def _pair(reference, test, data_range):
    data_range = _check_data_range(data_range)
    reference = _as_frames(reference, "reference", data_range)
    test = _as_frames(test, "test", data_range)
    if reference.shape != test.shape:
        raise ValueError(
            f"reference and test must have the same shape, got {reference.shape} and {test.shape}"
        )
    return reference, test, data_range


def psnr_per_frame(reference, test, data_range=1.0):
    """Peak signal-to-noise ratio of every frame, in dB.

    ``PSNR = 10 log10(data_range**2 / MSE)``; a frame identical to its reference gives
    ``inf``.

    Parameters
    ----------
    reference, test : numpy.ndarray
        Videos (or images) of the same shape, floats in [0, ``data_range``].
    data_range : float
        The largest possible value (1 for the course's videos).

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(frames,)``.

    Examples
    --------
    >>> import numpy as np
    >>> reference = np.full((2, 8, 8, 3), 0.5, dtype=np.float32)
    >>> test = reference.copy()
    >>> test[1] += 0.1
    >>> psnr_per_frame(reference, test).round(2)
    array([inf, 20.])
    """
    reference, test, data_range = _pair(reference, test, data_range)
    mse = np.mean((reference - test) ** 2, axis=(1, 2, 3))
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(data_range**2 / mse)


def psnr(reference, test, data_range=1.0):
    """Peak signal-to-noise ratio in dB; for a video, the mean of the per-frame values.

    Examples
    --------
    >>> import numpy as np
    >>> reference = np.zeros((3, 8, 8, 1), dtype=np.float32)
    >>> round(psnr(reference, reference + 0.01), 2)
    40.0
    """
    return float(np.mean(psnr_per_frame(reference, test, data_range)))


def ssim_per_frame(reference, test, data_range=1.0):
    """Structural similarity of every frame (1 is identical).

    Each frame is compared with ``skimage.metrics.structural_similarity(...,
    channel_axis=-1, data_range=data_range)``: a 7x7 uniform window, the mean over
    channels, the border of 3 pixels left out.

    Parameters
    ----------
    reference, test : numpy.ndarray
        Videos (or images) of the same shape, frames at least 7x7.
    data_range : float
        The largest possible value.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``(frames,)``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> reference = rng.random((2, 16, 16, 3)).astype(np.float32)
    >>> ssim_per_frame(reference, reference)
    array([1., 1.])
    """
    from skimage.metrics import structural_similarity

    reference, test, data_range = _pair(reference, test, data_range)
    if min(reference.shape[1:3]) < _SSIM_WINDOW:
        raise ValueError(
            f"frames must be at least {_SSIM_WINDOW}x{_SSIM_WINDOW} for SSIM's window, got "
            f"{reference.shape[1]}x{reference.shape[2]}"
        )
    return np.array(
        [
            structural_similarity(r, t, channel_axis=-1, data_range=data_range)
            for r, t in zip(reference, test)
        ]
    )


def ssim(reference, test, data_range=1.0):
    """Structural similarity; for a video, the mean of the per-frame values.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> reference = rng.random((2, 16, 16, 3)).astype(np.float32)
    >>> round(ssim(reference, reference * 0.5 + 0.25), 3)  # contrast halved
    0.801
    """
    return float(np.mean(ssim_per_frame(reference, test, data_range)))


def _check_mask(mask, name, n_classes):
    mask = np.asarray(mask)
    if np.issubdtype(mask.dtype, np.floating):
        raise TypeError(
            f"{name} must hold integer class ids, got dtype {mask.dtype}; for per-class "
            f"probabilities take {name}.argmax(axis=-1)"
        )
    if not np.issubdtype(mask.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class ids, got dtype {mask.dtype}")
    if mask.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {mask.shape}")
    if mask.min() < 0 or mask.max() >= n_classes:
        raise ValueError(
            f"{name} class ids must lie in [0, {n_classes - 1}] (n_classes={n_classes}), got "
            f"min {int(mask.min())} and max {int(mask.max())}"
        )
    return mask


def iou(true_mask, pred_mask, n_classes):
    """Intersection over union of every class: ``|true & pred| / |true | pred|``.

    Parameters
    ----------
    true_mask, pred_mask : numpy.ndarray
        Integer class ids of the same shape (any rank: one frame or a whole clip).
    n_classes : int
        Number of classes; ids run from 0 to ``n_classes - 1``.

    Returns
    -------
    numpy.ndarray
        float64 array ``(n_classes,)``; ``nan`` for a class in neither mask.

    Examples
    --------
    >>> import numpy as np
    >>> true_mask = np.array([[0, 0, 1, 1]])
    >>> pred_mask = np.array([[0, 1, 1, 1]])
    >>> iou(true_mask, pred_mask, n_classes=3).round(3)
    array([0.5  , 0.667,   nan])
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"n_classes must be a positive integer, got {n_classes!r}")
    true_mask = _check_mask(true_mask, "true_mask", n_classes)
    pred_mask = _check_mask(pred_mask, "pred_mask", n_classes)
    if true_mask.shape != pred_mask.shape:
        raise ValueError(
            f"true_mask and pred_mask must have the same shape, got {true_mask.shape} and "
            f"{pred_mask.shape}"
        )
    # One confusion matrix: rows are true classes, columns predicted ones.
    confusion = np.bincount(
        true_mask.ravel().astype(np.int64) * n_classes + pred_mask.ravel().astype(np.int64),
        minlength=n_classes * n_classes,
    ).reshape(n_classes, n_classes)
    intersection = np.diag(confusion).astype(np.float64)
    union = confusion.sum(axis=0) + confusion.sum(axis=1) - intersection
    with np.errstate(invalid="ignore"):
        return np.where(union > 0, intersection / np.maximum(union, 1), np.nan)


def mean_iou(true_mask, pred_mask, n_classes):
    """Mean of :func:`iou` over the classes present in either mask.

    Examples
    --------
    >>> import numpy as np
    >>> round(mean_iou(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), n_classes=3), 3)
    0.583
    """
    return float(np.nanmean(iou(true_mask, pred_mask, n_classes)))


def temporal_flicker(video, reference=None):
    """Mean absolute frame-to-frame change, a measure of flicker.

    Without a reference: ``mean |v[t+1] - v[t]|`` over all pixels and frame pairs, which
    counts motion as well as flicker. With a reference: the same for the residual
    ``v - reference``, i.e. ``mean |(v[t+1] - v[t]) - (r[t+1] - r[t])|`` -- change the
    reference does not have. A restoration with a steady error scores 0; one whose error
    jumps from frame to frame scores high.

    Parameters
    ----------
    video : numpy.ndarray
        Video ``(frames, height, width, channels)`` in [0, 1], at least 2 frames.
    reference : numpy.ndarray, optional
        Clean video of the same shape.

    Returns
    -------
    float
        On the [0, 1] scale of the pixel values.

    Examples
    --------
    >>> import numpy as np
    >>> reference = np.zeros((4, 8, 8, 1), dtype=np.float32)
    >>> steady = reference + 0.1
    >>> blinking = reference + np.array([0.0, 0.1, 0.0, 0.1], dtype=np.float32)[:, None, None, None]
    >>> temporal_flicker(steady, reference), round(temporal_flicker(blinking, reference), 3)
    (0.0, 0.1)
    """
    video = _as_frames(video, "video")
    if video.shape[0] < 2:
        raise ValueError(
            f"video must have at least 2 frames, got {video.shape[0]} "
            "(flicker compares consecutive frames)"
        )
    if reference is not None:
        reference = _as_frames(reference, "reference")
        if reference.shape != video.shape:
            raise ValueError(
                f"reference must have the shape of video {video.shape}, got {reference.shape}"
            )
        video = video - reference
    return float(np.mean(np.abs(np.diff(video, axis=0))))


def report(reference, test, data_range=1.0):
    """PSNR, SSIM and flicker of ``test`` against ``reference``, per frame and per clip.

    Returns
    -------
    dict
        ``psnr`` and ``ssim`` (floats, means over frames), ``psnr_per_frame`` and
        ``ssim_per_frame`` (arrays), ``temporal_flicker`` (of the residual, see
        :func:`temporal_flicker`; ``nan`` for a single frame) and ``frames``.

    Examples
    --------
    >>> import numpy as np
    >>> reference = np.zeros((2, 8, 8, 3), dtype=np.float32)
    >>> result = report(reference, reference + 0.1)
    >>> sorted(result)
    ['frames', 'psnr', 'psnr_per_frame', 'ssim', 'ssim_per_frame', 'temporal_flicker']
    >>> round(result["psnr"], 2), result["frames"]
    (20.0, 2)
    """
    per_frame_psnr = psnr_per_frame(reference, test, data_range)
    per_frame_ssim = ssim_per_frame(reference, test, data_range)
    reference_frames, test_frames, data_range = _pair(reference, test, data_range)
    if test_frames.shape[0] > 1:
        flicker = float(np.mean(np.abs(np.diff(test_frames - reference_frames, axis=0))))
    else:
        flicker = float("nan")
    return {
        "psnr": float(np.mean(per_frame_psnr)),
        "ssim": float(np.mean(per_frame_ssim)),
        "psnr_per_frame": per_frame_psnr,
        "ssim_per_frame": per_frame_ssim,
        "temporal_flicker": flicker,
        "frames": int(test_frames.shape[0]),
    }


@keras.saving.register_keras_serializable(package="deconv_tutor")
def psnr_metric(y_true, y_pred):
    """Keras metric: PSNR in dB of every sample of a batch, for pixel values in [0, 1].

    Uses ``keras.ops`` only (any backend), computes in float32 even under mixed
    precision, and caps a perfect sample at 100 dB. Its ``__name__`` is ``"psnr"``, so
    ``model.compile(metrics=[psnr_metric])`` logs ``psnr`` and ``val_psnr``. It is
    registered as ``"deconv_tutor>psnr_metric"``, so a compiled model that uses it
    survives ``model.save(...)`` and ``keras.models.load_model(...)``.

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
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    axes = tuple(range(1, len(y_true.shape)))
    mse = ops.mean(ops.square(y_true - y_pred), axis=axes)
    mse = ops.maximum(mse, 10.0 ** (-_PSNR_CAP_DB / 10.0))
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
    y_true = ops.cast(y_true, "float32")
    y_pred = ops.cast(y_pred, "float32")
    rank = len(y_true.shape)
    if rank not in (4, 5):
        raise ValueError(
            "y_true must be (batch, height, width, channels) or (batch, frames, height, width, "
            f"channels), got shape {tuple(y_true.shape)}"
        )
    height, width = y_true.shape[-3], y_true.shape[-2]
    if (height is not None and height < _SSIM_WINDOW) or (
        width is not None and width < _SSIM_WINDOW
    ):
        raise ValueError(
            f"frames must be at least {_SSIM_WINDOW}x{_SSIM_WINDOW} for SSIM's window, got "
            f"{height}x{width}"
        )
    if rank == 5:
        batch_frames = ops.shape(y_true)[:2]
        image_shape = tuple(y_true.shape[2:])
        y_true = ops.reshape(y_true, (-1,) + image_shape)
        y_pred = ops.reshape(y_pred, (-1,) + image_shape)

    def local_mean(x):
        return ops.average_pool(x, pool_size=_SSIM_WINDOW, strides=1, padding="valid")

    n = _SSIM_WINDOW * _SSIM_WINDOW
    unbiased = n / (n - 1.0)
    mean_true, mean_pred = local_mean(y_true), local_mean(y_pred)
    var_true = unbiased * (local_mean(y_true * y_true) - mean_true * mean_true)
    var_pred = unbiased * (local_mean(y_pred * y_pred) - mean_pred * mean_pred)
    covariance = unbiased * (local_mean(y_true * y_pred) - mean_true * mean_pred)
    c1, c2 = _SSIM_K1**2, _SSIM_K2**2
    similarity = ((2.0 * mean_true * mean_pred + c1) * (2.0 * covariance + c2)) / (
        (mean_true * mean_true + mean_pred * mean_pred + c1) * (var_true + var_pred + c2)
    )
    per_image = ops.mean(similarity, axis=(1, 2, 3))
    if rank == 5:
        per_image = ops.mean(ops.reshape(per_image, batch_frames), axis=1)
    return per_image


ssim_metric.__name__ = "ssim"
