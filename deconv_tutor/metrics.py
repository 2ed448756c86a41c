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
:func:`ssim_metric` use ``keras.ops`` only, so they work on every backend. They load
Keras on first use (``metrics.psnr_metric``), so this module imports without it; their
``__name__`` is ``"psnr"`` and ``"ssim"``, which is how Keras names them in logs.
Both are registered with Keras's serialization (``deconv_tutor>psnr_metric`` and
``deconv_tutor>ssim_metric``), so a model compiled with them can be saved to a
``.keras`` file and loaded back, compiled, by ``keras.models.load_model`` in any
process that has imported :mod:`deconv_tutor.metrics`.
"""

from __future__ import annotations

import numpy as np

from deconv_tutor import _validation as check

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

#: Side of SSIM's uniform window (scikit-image's default, which ssim_metric reproduces).
SSIM_WINDOW = 7
#: SSIM's stabilising constants, as fractions of the data range (scikit-image's defaults).
SSIM_K1, SSIM_K2 = 0.01, 0.03
#: The Keras PSNR's cap in dB (mse floor 1e-10), so that a perfect batch logs a number.
PSNR_CAP_DB = 100.0


def _as_frames(array, name, data_range=1.0):
    """Return ``array`` as float64 ``(frames, height, width, channels)``, after checks."""
    # float64 throughout, so that tiny differences between float64 inputs still count.
    array = check.float_array(array, name, dtype=np.float64)
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
    data_range = check.number(data_range, "data_range", minimum=0, exclusive_minimum=True)
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

    Parameters
    ----------
    reference, test : numpy.ndarray
        Videos (or images) of the same shape, floats in [0, ``data_range``].
    data_range : float
        The largest possible value (1 for the course's videos).

    Returns
    -------
    float
        In dB; ``inf`` when every frame is identical to its reference.

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
    if min(reference.shape[1:3]) < SSIM_WINDOW:
        raise ValueError(
            f"frames must be at least {SSIM_WINDOW}x{SSIM_WINDOW} for SSIM's window, got "
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

    Parameters
    ----------
    reference, test : numpy.ndarray
        Videos (or images) of the same shape, floats in [0, ``data_range``].
    data_range : float
        The largest possible value (1 for the course's videos).

    Returns
    -------
    float
        At most 1 (identical frames).

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
    n_classes = check.integer(n_classes, "n_classes", minimum=1)
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

    Parameters
    ----------
    true_mask, pred_mask : numpy.ndarray
        Integer class ids of the same shape.
    n_classes : int
        Number of classes; ids run from 0 to ``n_classes - 1``.

    Returns
    -------
    float
        The mean IoU, in [0, 1].

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

    Parameters
    ----------
    reference, test : numpy.ndarray
        Videos (or images) of the same shape, floats in [0, ``data_range``].
    data_range : float
        The largest possible value (1 for the course's videos).

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


def __getattr__(name):
    # The Keras metrics load Keras; the NumPy measures above must not, so that evaluating
    # a restored clip (and scikit-image-only code such as `restoration`) stays light.
    if name in ("psnr_metric", "ssim_metric"):
        from deconv_tutor import _keras_metrics

        return getattr(_keras_metrics, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
