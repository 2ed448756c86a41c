"""How fast is a model, and how fast could it be? Frames per second against the machine's ceiling.

A model's cost is its multiply-adds (MACs) per output pixel
(:func:`deconv_tutor.cost.macs_per_pixel`); a frame costs that times its pixels, and
one MAC is two floating-point operations. The machine's rate is measured, not looked
up: :func:`matmul_ceiling` times a large dense matrix multiply, the operation every
framework tunes best, through the same Keras backend the models run on.
:func:`throughput` times a model on whole frames and reports the GFLOP/s it achieves;
the ratio of the two says how much of the machine the model uses. Thin layers (few
channels) do little work per byte they move, which :func:`arithmetic_intensity`
estimates layer by layer; :func:`memory_bandwidth` measures the bytes per second that
bounds them.

Real time is a budget: at ``fps`` frames per second of ``pixels`` each, a machine
doing ``G`` GFLOP/s affords ``G * 1e9 / (2 * fps * pixels)`` MACs per pixel
(:func:`max_macs_per_pixel`).

Timing is wall-clock (``time.perf_counter``) after untimed warm-up calls (the first
call of a Keras model traces and compiles it). Every function keeps the *fastest* of
its timed runs, as ``timeit`` advises: on a shared machine the slower runs measure the
other processes, not the code. Every number still depends on the load at the moment
it was taken.
"""

import math
import time

import keras
import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor import cost

#: Frame rate of cinema, and the default bar for "real time".
REAL_TIME_FPS = 24

_FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def _wait(result):
    """Block until a (possibly asynchronous) backend result exists: reduce it, fetch one number."""
    return float(keras.ops.convert_to_numpy(keras.ops.sum(result)))


def _fastest(call, repeats, warmup=1):
    """(fastest seconds of ``repeats`` timed calls after ``warmup`` untimed ones, last result)."""
    for _ in range(warmup):
        result = call()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - start)
    return min(seconds), result


def matmul_ceiling(size=1024, dtype="float32", repeats=5):
    """GFLOP/s of a dense ``size x size`` matrix multiply (``keras.ops.matmul``), measured now.

    A square matrix product costs ``2 * size**3`` floating-point operations and is the
    operation BLAS libraries and GPUs run closest to their peak, so its rate is a
    practical ceiling for a convolution network on the same machine and backend. One
    untimed product warms up; the fastest of ``repeats`` timed ones gives the rate. Each
    timing waits for the result (a sum fetched to the host, ``size**2`` additions, under
    0.1% of the work for ``size >= 1024``).

    Parameters
    ----------
    size : int, default 1024
        Side of the two square matrices, >= 16. On a GPU take 4096 or more: a 1024
        product is over before the timer notices.
    dtype : {"float32", "float16", "bfloat16", "float64"}, default "float32"
    repeats : int, default 5
        Timed products, >= 1.

    Returns
    -------
    float
        Giga floating-point operations per second (1 GFLOP = 1e9 FLOP).

    Examples
    --------
    >>> rate = matmul_ceiling(size=64, repeats=2)
    >>> rate > 0
    True
    """
    size = check.integer(size, "size", minimum=16)
    repeats = check.integer(repeats, "repeats", minimum=1)
    check.choice(dtype, "dtype", _FLOAT_DTYPES)
    rng = np.random.default_rng(0)
    a = keras.ops.convert_to_tensor(rng.standard_normal((size, size)), dtype=dtype)
    b = keras.ops.convert_to_tensor(rng.standard_normal((size, size)), dtype=dtype)
    seconds, _ = _fastest(lambda: _wait(keras.ops.matmul(a, b)), repeats)
    return 2 * size**3 / seconds / 1e9


def memory_bandwidth(megabytes=64, repeats=5):
    """GB/s of a streaming element-wise operation (``keras.ops.add`` of two big arrays), measured now.

    Adding two float32 arrays of ``megabytes`` each reads both and writes the sum;
    waiting for it reads the sum once more (a reduction), so one timing moves four
    arrays' worth of bytes for almost no arithmetic. That is the speed of every layer
    without weights (activations, additions, resizes) and the limit of thin
    convolutions. ``matmul_ceiling() / memory_bandwidth()`` is the machine's *ridge*: a
    layer doing fewer FLOPs per byte (:func:`arithmetic_intensity`) cannot reach the
    matmul rate. Fastest of ``repeats`` timings after one untimed run.

    Parameters
    ----------
    megabytes : float, default 64
        Size of each array (1 MB = 1e6 bytes), > 0; far larger than the CPU caches.
    repeats : int, default 5
        Timed runs, >= 1.

    Returns
    -------
    float
        Gigabytes per second (1 GB = 1e9 bytes).

    Examples
    --------
    >>> memory_bandwidth(megabytes=1, repeats=2) > 0
    True
    """
    megabytes = check.number(megabytes, "megabytes", minimum=0, exclusive_minimum=True)
    repeats = check.integer(repeats, "repeats", minimum=1)
    count = max(int(megabytes * 1e6 // 4), 1)
    rng = np.random.default_rng(0)
    a = keras.ops.convert_to_tensor(rng.random(count, dtype=np.float32))
    b = keras.ops.convert_to_tensor(rng.random(count, dtype=np.float32))
    seconds, _ = _fastest(lambda: _wait(keras.ops.add(a, b)), repeats)
    return 4 * 4 * count / seconds / 1e9


def _check_model_and_shape(model, frame_shape):
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if not isinstance(frame_shape, (tuple, list)):
        raise TypeError(
            "frame_shape must be the shape of one input sample, e.g. (480, 848, 3), "
            f"got {type(frame_shape).__name__} {frame_shape!r:.80}"
        )
    if not frame_shape:
        raise ValueError(
            "frame_shape must be the shape of one input sample, e.g. (480, 848, 3), "
            f"got {frame_shape!r}"
        )
    for axis, size in enumerate(frame_shape):
        check.integer(size, f"frame_shape[{axis}]", minimum=1)
    expected = tuple(model.inputs[0].shape[1:])
    if len(expected) != len(frame_shape) or any(
        want is not None and want != got for want, got in zip(expected, frame_shape)
    ):
        raise ValueError(
            f"frame_shape must match the model's input {expected} (None = any size), "
            f"got {tuple(frame_shape)}"
        )
    return tuple(int(size) for size in frame_shape)


def throughput(model, frame_shape, batch_size=1, frames=8, warmup=1, seed=0):
    """Frames per second of ``model`` on whole frames, and the GFLOP/s that represents.

    Random frames in [0, 1] of ``frame_shape`` go through ``model.predict_on_batch``
    (Keras's compiled predict step, result copied back to the host) ``batch_size`` at
    a time. ``warmup`` untimed calls come first: the first call traces and compiles.
    Then ``ceil(frames / batch_size)`` timed calls; seconds per frame is the fastest
    call's time divided by ``batch_size``.

    The work of one frame is ``cost.macs_per_pixel(model, frame_shape)`` times the
    pixels of one *output* frame. ``macs_per_pixel`` counts per output pixel, so for an
    upscaler ``frame_shape`` is the low-resolution input and the MACs are billed to the
    ``scale**2`` times more pixels it returns; for a temporal model the input holds
    several frames and the output is one.

    Parameters
    ----------
    model : keras.Model
        Single input, single output.
    frame_shape : tuple of int
        One input sample without the batch axis: ``(height, width, channels)``, or
        ``(frames, height, width, channels)`` for a temporal model.
    batch_size : int, default 1
        Samples per call, >= 1. Batch 1 is the latency of a live stream; larger
        batches keep wide hardware busier.
    frames : int, default 8
        Samples to time (rounded up to whole batches), >= 1.
    warmup : int, default 1
        Untimed calls first, >= 0.
    seed : int, default 0
        Seed of the random input frames.

    Returns
    -------
    dict
        ``input_shape``, ``output_shape`` (one sample each), ``output_pixels`` (height x
        width of one output frame), ``macs_per_pixel`` (per output pixel),
        ``macs_per_frame``, ``batch_size``, ``frames_timed``, ``seconds_per_frame``,
        ``fps`` (frames per second = 1 / seconds per frame) and ``gflops``
        (``2 * macs_per_frame * fps / 1e9``).

    Examples
    --------
    >>> from deconv_tutor import models
    >>> model = models.espcn(scale=2, filters=8)
    >>> result = throughput(model, (12, 16, 3), batch_size=2, frames=2)
    >>> result["output_shape"], result["output_pixels"], result["frames_timed"]
    ((24, 32, 3), 768, 2)
    >>> result["macs_per_frame"] == result["macs_per_pixel"] * 768
    True
    >>> round(result["gflops"] * 1e9 / (2 * result["macs_per_frame"] * result["fps"]), 6)
    1.0
    """
    frame_shape = _check_model_and_shape(model, frame_shape)
    batch_size = check.integer(batch_size, "batch_size", minimum=1)
    frames = check.integer(frames, "frames", minimum=1)
    warmup = check.integer(warmup, "warmup", minimum=0)
    rng = np.random.default_rng(check.integer(seed, "seed", minimum=0))
    batch = rng.random((batch_size, *frame_shape), dtype=np.float32)
    # A fresh predict function traces at this exact shape. Reusing one traced at another
    # shape lets TensorFlow relax it to unknown sizes, which some layers (a bicubic
    # UpSampling2D) cannot trace.
    model.make_predict_function(force=True)
    calls = math.ceil(frames / batch_size)
    fastest, output = _fastest(lambda: model.predict_on_batch(batch), calls, warmup)
    output_shape = tuple(int(size) for size in np.shape(output)[1:])
    output_pixels = math.prod(output_shape[:2]) if len(output_shape) >= 3 else 1
    per_pixel = float(cost.macs_per_pixel(model, frame_shape))
    per_frame = per_pixel * output_pixels
    seconds_per_frame = fastest / batch_size
    fps = 1.0 / seconds_per_frame
    return {
        "input_shape": frame_shape,
        "output_shape": output_shape,
        "output_pixels": output_pixels,
        "macs_per_pixel": per_pixel,
        "macs_per_frame": per_frame,
        "batch_size": batch_size,
        "frames_timed": calls * batch_size,
        "seconds_per_frame": seconds_per_frame,
        "fps": fps,
        "gflops": 2 * per_frame * fps / 1e9,
    }


def real_time(fps, target=REAL_TIME_FPS):
    """Whether ``fps`` frames per second keeps up with a ``target`` frame rate.

    Parameters
    ----------
    fps : float
        Measured frames per second, > 0.
    target : float, default 24
        Frame rate to keep up with (24 cinema, 25/30 TV, 60 games), > 0.

    Returns
    -------
    bool

    Examples
    --------
    >>> real_time(30.0), real_time(12.5), real_time(50, target=60)
    (True, False, False)
    """
    return check.number(fps, "fps", minimum=0, exclusive_minimum=True) >= check.number(
        target, "target", minimum=0, exclusive_minimum=True
    )


def max_macs_per_pixel(gflops, output_size, fps=REAL_TIME_FPS):
    """The most multiply-adds per output pixel a model may cost to run at ``fps`` on ``gflops``.

    Real time needs ``fps * pixels * 2 * MACs_per_pixel <= gflops * 1e9``.

    Parameters
    ----------
    gflops : float
        Achievable rate of the machine in GFLOP/s (e.g. a fraction of
        :func:`matmul_ceiling`), > 0.
    output_size : tuple of int
        ``(height, width)`` of the output frames.
    fps : float, default 24
        Frames per second to reach, > 0.

    Returns
    -------
    float

    Examples
    --------
    100 GFLOP/s at 720p and 24 frames per second allow about 2,260 MACs per pixel:

    >>> round(max_macs_per_pixel(100.0, (720, 1280)))
    2261
    """
    gflops = check.number(gflops, "gflops", minimum=0, exclusive_minimum=True)
    fps = check.number(fps, "fps", minimum=0, exclusive_minimum=True)
    output_size = check.size_pair(output_size, "output_size")
    return gflops * 1e9 / (2 * fps * math.prod(output_size))


def arithmetic_intensity(model):
    """FLOPs per byte moved, layer by layer, for the convolutions of a model (a rough estimate).

    For a convolution with a ``k``-tap kernel (``k = kh * kw`` or ``kt * kh * kw``),
    ``c_in`` input and ``c_out`` output channels, each output position costs
    ``2 * k * c_in * c_out`` FLOPs and, at best, reads ``c_in`` and writes ``c_out``
    float32 values, so its intensity is ``2 * k * c_in * c_out / (4 * (c_in + c_out))``
    FLOP per byte. A transposed convolution with stride ``s`` (per axis, ``S`` their
    product) does the same work per *input* position and writes ``S * c_out`` values:
    ``2 * k * c_in * c_out / (4 * (c_in + S * c_out))``. The estimate ignores caches and
    re-reads (im2col copies the input ``k`` times), so real layers move more bytes;
    a layer far below the machine's ratio of FLOP/s to memory bytes/s (its "ridge",
    about 5-20 FLOP/byte for a CPU) is memory bound whatever its kernel does.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    list of dict
        One per convolution (nested models included), in layer order: ``name``,
        ``layer`` (class name), ``taps`` (``k``), ``in_channels``, ``out_channels``,
        ``flops_per_byte``.

    Examples
    --------
    >>> from deconv_tutor import models
    >>> rows = arithmetic_intensity(models.dncnn(channels=3, filters=32, depth=3))
    >>> [(row["name"], row["in_channels"], row["out_channels"]) for row in rows]
    [('conv1', 3, 32), ('conv2', 32, 32), ('noise', 32, 3)]
    >>> [round(row["flops_per_byte"], 1) for row in rows]
    [12.3, 72.0, 12.3]
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    transposed = (
        keras.layers.Conv1DTranspose,
        keras.layers.Conv2DTranspose,
        keras.layers.Conv3DTranspose,
    )
    convolutions = (keras.layers.Conv1D, keras.layers.Conv2D, keras.layers.Conv3D)
    rows = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            rows += arithmetic_intensity(layer)
            continue
        if not isinstance(layer, convolutions + transposed):
            continue
        kernel = tuple(layer.kernel.shape)
        taps = math.prod(kernel[:-2])
        if isinstance(layer, transposed):
            # Keras's transposed layout is (k..., out, in); one input position writes S outputs.
            out_channels, in_channels = kernel[-2:]
            written = math.prod(layer.strides) * out_channels
        else:
            in_channels = kernel[-2] * getattr(layer, "groups", 1)
            out_channels = kernel[-1]
            written = out_channels
        flops = 2 * taps * kernel[-2] * kernel[-1]
        rows.append(
            {
                "name": layer.name,
                "layer": type(layer).__name__,
                "taps": taps,
                "in_channels": int(in_channels),
                "out_channels": int(out_channels),
                "flops_per_byte": flops / (4 * (in_channels + written)),
            }
        )
    return rows
