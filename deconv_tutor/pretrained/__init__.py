"""Reference weights: models trained for longer than a chapter can, shipped with the package.

A chapter trains its models at its budget (a few hundred steps at ``cpu``); some targets
need thousands. The models here were trained by ``benchmarks/train_reference.py`` on the
training photos only (``data.photos.train_photos``), their settings chosen on the
validation photos, and scored on the test photos, which chose nothing. Each one is two
files in this folder:

- ``<name>.weights.h5``: the weights;
- ``<name>.json``: its record: the builder and its arguments, the task and what it was
  trained for (noise levels, blur, scale, compression), the command that trained it, the
  steps, the data, and its PSNR on validation and on test beside the classical methods.

:func:`load` builds the model from its record and loads its weights in one call::

    >>> from deconv_tutor import pretrained
    >>> sorted(pretrained.REFERENCE_MODELS)  # doctest: +NORMALIZE_WHITESPACE
    ['deblock', 'deblur_gaussian', 'denoise', 'denoise_article', 'segment_shapes',
     'upscale_x2', 'upscale_x2_fast', 'upscale_x2_large', 'upscale_x3']
    >>> pretrained.REFERENCE_MODELS["upscale_x2"]["task"]
    'upscale'
"""

import json
import pathlib

from deconv_tutor import _validation as check

__all__ = [
    "FOLDER",
    "REFERENCE_MODELS",
    "TASKS",
    "available",
    "build",
    "for_task",
    "load",
    "record",
]

#: Where the weights and records live (inside the installed package).
FOLDER = pathlib.Path(__file__).resolve().parent

#: The tasks reference models exist for, as the ``restore`` command names them. One more
#: model labels pixels instead (task ``"segment"``, chapter 08): no command restores with it.
TASKS = ("denoise", "upscale", "deblock", "deblur")

#: name -> what the model is and how ``benchmarks/train_reference.py`` trains it. The record
#: written next to the weights repeats these and adds what the training measured.
REFERENCE_MODELS = {
    "denoise": {
        "task": "denoise",
        "builder": "denoiser_encoder_decoder",
        "kwargs": {"channels": 3, "filters": 32, "depth": 2},
        "degradation": "Gaussian noise, sigma drawn per patch uniformly in [0, 55]/255",
        "noise_sigma_range": [0.0, 55 / 255],
        "scale": 1,
    },
    # 32 filters, the chapters' size: with 64, ESPCN stayed at its bicubic skip in this
    # recipe (validation 36.38 dB after 8,000 steps, as after 300; not diagnosed).
    "upscale_x2": {
        "task": "upscale",
        "builder": "espcn",
        "kwargs": {"scale": 2, "channels": 3, "filters": 32},
        "degradation": "area downscaling by 2",
        "scale": 2,
    },
    # The fastest reference upscaler, for real-time restoring on a CPU: half the filters.
    # With 16, TensorFlow's CPU convolutions ran it 1.8 times faster than with 32 (18.6 against
    # 32.9 ms a 428x240 frame, batch 4); with 12 or 24 they were slower than with 16.
    "upscale_x2_fast": {
        "task": "upscale",
        "builder": "espcn",
        "kwargs": {"scale": 2, "channels": 3, "filters": 16},
        "degradation": "area downscaling by 2",
        "scale": 2,
    },
    # The best scored x2 upscaler, asked for by name: the denoiser's encoder-decoder on the
    # Lanczos-resized frame, 56 times ESPCN's weights and 29 times its multiply-adds per pixel.
    # ESPCN-32 had stopped gaining (a trial of three times its steps: validation +0.72 against
    # +0.74 dB over Lanczos). In trials of 2,000 steps this network gained +0.81 dB there with
    # a bicubic skip, +0.94 dB with a Lanczos one (Keras's torch backend cannot run it).
    "upscale_x2_large": {
        "task": "upscale",
        "builder": "upscaler_encoder_decoder",
        "kwargs": {"scale": 2, "channels": 3, "filters": 32, "depth": 2, "skip": "lanczos3"},
        "degradation": "area downscaling by 2",
        "scale": 2,
    },
    # Chapter 07's x3 target (+1.0 dB over bicubic) needs more steps than its budget.
    "upscale_x3": {
        "task": "upscale",
        "builder": "espcn",
        "kwargs": {"scale": 3, "channels": 3, "filters": 32},
        "degradation": "area downscaling by 3",
        "scale": 3,
    },
    "deblock": {
        "task": "deblock",
        "builder": "denoiser_encoder_decoder",
        "kwargs": {"channels": 3, "filters": 32, "depth": 2},
        "degradation": "H.264 (libx264, yuv420p) at CRF drawn from 30 to 40, decoded",
        "crf_range": [30, 40],
        "scale": 1,
    },
    "deblur_gaussian": {
        "task": "deblur",
        "builder": "deblurrer",
        "kwargs": {"channels": 3, "filters": 32, "depth": 6},
        "degradation": "9x9 Gaussian blur, sigma 1.5, then Gaussian noise sigma 0.01",
        "blur": {"kind": "gaussian", "size": 9, "sigma": 1.5},
        "noise_sigma": 0.01,
        "scale": 1,
    },
    # Chapter 04's fixed model: the article's encoder-decoder (its widths 32, 64, 128; no skip
    # connection, every detail through a bottleneck at 1/8 of the size) with "same" padding and
    # three transposed convolutions, trained for chapter 04's noise alone, for longer.
    "denoise_article": {
        "task": "denoise",
        "builder": "encoder_decoder",
        "kwargs": {
            "input_shape": [None, None, 3],
            "filters": 32,
            "depth": 3,
            "upsampling": "transpose",
        },
        "degradation": "Gaussian noise, sigma 25/255",
        "noise_sigma_range": [25 / 255, 25 / 255],
        "scale": 1,
    },
    # Chapter 08's U-Net (its size chosen on the validation clips), trained for longer than
    # the chapter's 1,600 steps, on flipped and recoloured clips.
    "segment_shapes": {
        "task": "segment",
        "builder": "unet",
        "kwargs": {"filters": 16, "depth": 2},
        "degradation": "none: labels disks, squares and triangles moving over photos",
        "scale": 1,
    },
}


def _check_name(name):
    return check.choice(name, "name", sorted(REFERENCE_MODELS))


def _paths(name):
    return FOLDER / f"{name}.weights.h5", FOLDER / f"{name}.json"


def available():
    """The reference models whose weights and record are present, sorted by name.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from deconv_tutor import pretrained
    >>> set(pretrained.available()) <= set(pretrained.REFERENCE_MODELS)
    True
    """
    return sorted(n for n in REFERENCE_MODELS if all(p.is_file() for p in _paths(n)))


def record(name):
    """The record of a reference model: what it is, how it was trained, how it scored.

    Parameters
    ----------
    name : str
        One of :data:`REFERENCE_MODELS`.

    Returns
    -------
    dict
        Everything in :data:`REFERENCE_MODELS` for it, plus ``command``, ``steps``,
        ``data`` and ``scores`` (PSNR on validation and test, with the classical methods).

    Raises
    ------
    FileNotFoundError
        If its record is not in :data:`FOLDER` (run ``benchmarks/train_reference.py``).

    Examples
    --------
    >>> from deconv_tutor import pretrained
    >>> all(pretrained.record(n)["task"] in (*pretrained.TASKS, "segment")
    ...     for n in pretrained.available())
    True
    """
    _, record_path = _paths(_check_name(name))
    if not record_path.is_file():
        raise FileNotFoundError(
            f"the record of reference model {name!r} is missing: expected {record_path}; "
            f"`python benchmarks/train_reference.py --only {name}` trains it"
        )
    return json.loads(record_path.read_text())


def load(name):
    """Build a reference model and load its weights, in one call.

    Parameters
    ----------
    name : str
        One of :data:`REFERENCE_MODELS`.

    Returns
    -------
    keras.Model
        Not compiled; ready for ``predict``.

    Raises
    ------
    FileNotFoundError
        If its weights or record are missing (the message says how to train them).
    ValueError
        If Keras's backend cannot build its network: ``upscale_x2_large`` resizes with
        Lanczos, which the torch backend does not have.

    Examples
    --------
    >>> from deconv_tutor import pretrained
    >>> pretrained.load("upscale_x2").output_shape
    (None, None, None, 3)
    >>> pretrained.load("segment_shapes").output_shape  # a probability per class
    (None, None, None, 4)
    """
    record(name)  # says which file is missing and how to make it
    weights_path, _ = _paths(name)
    if not weights_path.is_file():
        raise FileNotFoundError(
            f"the weights of reference model {name!r} are missing: expected {weights_path}; "
            f"`python benchmarks/train_reference.py --only {name}` trains them"
        )
    model = build(name)  # the record repeats the entry it was trained from (a test checks)
    model.load_weights(weights_path)
    return model


def build(name):
    """A reference model's network, untrained: its builder called with its arguments.

    Parameters
    ----------
    name : str
        One of :data:`REFERENCE_MODELS`.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> from deconv_tutor import pretrained
    >>> pretrained.build("denoise_article").name
    'encoder_decoder_transpose'
    """
    from deconv_tutor import models

    spec = REFERENCE_MODELS[_check_name(name)]
    # Chapter 04's encoder-decoder is not in the zoo, whose models take frames of any size:
    # it takes sizes divisible by 8 only.
    builders = {**models.ZOO, "encoder_decoder": models.encoder_decoder}
    return builders[spec["builder"]](**spec["kwargs"])


def for_task(task, *, scale=1):
    """The name of the reference model for a task (and scale): the first listed for it.

    Where several do the same task at the same scale, the first in :data:`REFERENCE_MODELS`
    is the default of the ``restore`` command: for x2, ``upscale_x2`` (ESPCN), fast enough
    for video on a CPU. The others are asked for by name: ``upscale_x2_fast`` for speed,
    ``upscale_x2_large`` for quality (it scores higher, for 29 times the multiply-adds).

    Parameters
    ----------
    task : str
        One of :data:`TASKS`.
    scale : int, optional
        The upscaling factor (``upscale`` only); 1 for the other tasks.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        If no reference model does that task at that scale.

    Examples
    --------
    >>> from deconv_tutor import pretrained
    >>> pretrained.for_task("upscale", scale=2)
    'upscale_x2'
    >>> pretrained.for_task("upscale", scale=4)
    Traceback (most recent call last):
    ...
    ValueError: no reference model does 'upscale' at scale 4; reference models: upscale at scale 2, upscale at scale 3
    """
    task = check.choice(task, "task", TASKS)
    scale = check.integer(scale, "scale", minimum=1)
    for name, spec in REFERENCE_MODELS.items():
        if spec["task"] == task and spec["scale"] == scale:
            return name
    offered = dict.fromkeys(
        f"{spec['task']} at scale {spec['scale']}"
        for spec in REFERENCE_MODELS.values()
        if spec["task"] == task
    )
    raise ValueError(
        f"no reference model does {task!r} at scale {scale}; reference models: {', '.join(offered)}"
    )
