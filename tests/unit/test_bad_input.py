"""Specification: every bad argument to the public API gets a TypeError or a ValueError that
names the parameter; nothing is accepted silently, nothing fails deep inside a library.

One table, many rows: each row is a call with exactly one bad argument, the exception it must
raise (TypeError for a wrong type, ValueError for a wrong value, as ``_validation`` states),
and the parameter the message must name. A call that returns is a failure (a silent
outcome), and so is an error of the wrong type or one that names nothing. The Keras models
some calls need are built once per module (the ``ctx`` fixture), so the suite stays fast.

This file holds the NumPy side (sizes, reference convolutions, data, restoration,
metrics, plotting) and the value sets and helpers the other parts import:
``test_bad_input_keras.py`` (models, layers, costs, speed, the deconvnet, training's
helpers, the exercise engine) and ``test_bad_input_widgets.py``.
"""

import re

import numpy as np
import pytest

from deconv_tutor import arithmetic, data, metrics, plotting, reference, restoration

NAN, INF = float("nan"), float("inf")

# Value sets: (bad value, the exception it must raise). Each holds one kind of mistake a
# learner makes: a float or a string where an integer belongs, a bool (never a number), NaN.
POS_INT = [
    (0, ValueError),
    (-3, ValueError),
    (2.5, TypeError),
    ("3", TypeError),
    (True, TypeError),
    (None, TypeError),
]
NONNEG_INT = [(-1, ValueError), (1.5, TypeError), ("0", TypeError), (False, TypeError)]
NUMBER = [
    ("1", TypeError),
    (1j, TypeError),
    (True, TypeError),
    (None, TypeError),
    (NAN, ValueError),
    (INF, ValueError),
]
NONNEG_NUM = NUMBER + [(-1.0, ValueError)]
POS_NUM = [
    (0.0, ValueError),
    (-1.0, ValueError),
    ("1", TypeError),
    (NAN, ValueError),
    (1j, TypeError),
    (True, TypeError),
    (INF, ValueError),
    (None, TypeError),
]
BOOL = [("no", TypeError), (1, TypeError), (None, TypeError)]
CHOICE = [("nonsense", ValueError), (3, TypeError)]
# 'valid', 'same' or pixels per side.
PADDING = [("full", ValueError), (1.5, TypeError), (-1, ValueError), (None, TypeError)]


def unit_video(shape=(2, 8, 8, 3), seed=0):
    """A float32 video in [0, 1]: what every bad value below is a corruption of."""
    return np.random.default_rng(seed).random(shape).astype(np.float32)


_V = unit_video()
# Bad videos: wrong type, wrong layout, wrong range, not finite, empty.
VIDEO = [
    ("abc", TypeError),
    (None, TypeError),
    (_V.astype(complex), TypeError),
    (np.where(_V > 0.5, np.nan, _V).astype(np.float32), ValueError),
    (_V * 255, ValueError),
    ((_V * 255).astype(np.uint8), TypeError),
    (_V[0], ValueError),  # one frame where a video belongs
    (np.zeros((2, 8, 8, 2), np.float32), ValueError),
    (np.zeros((0, 8, 8, 3), np.float32), ValueError),
]
# Bad inputs of a function that takes a frame or a video.
FRAME = [
    ("abc", TypeError),
    (None, TypeError),
    (_V.astype(complex), TypeError),
    (np.full((8, 8, 3), np.nan, np.float32), ValueError),
    (np.zeros((1, 2, 8, 8, 3), np.float32), ValueError),
]


class Table:
    """Rows of (call, parameter, exception), each with a readable test id."""

    def __init__(self):
        self.cases = []

    def each(self, label, parameter, values, call):
        for value, error in values:
            shown = "".join(ch for ch in _short(value) if ch.isalnum() or ch in ".-_,()") or "x"
            self.cases.append(
                pytest.param(
                    lambda ctx, value=value: call(ctx, value),
                    parameter,
                    error,
                    id=f"{label}-{parameter}={shown}-{error.__name__}-{len(self.cases)}",
                )
            )


def _short(value):
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{value.shape}"
    return repr(value)[:24]


def tiny_models():
    """The few Keras models the other parts' calls need, built once, after the seed is set."""
    import keras

    from deconv_tutor import deconvnet, models

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(2, 3, padding="same", name="c"),
            keras.layers.Conv2DTranspose(1, 2, strides=2, padding="same", name="t"),
        ]
    )
    projector = deconvnet.projector(model, "c")
    return {
        "model": model,
        "dncnn1": models.dncnn(channels=1, filters=4, depth=3),
        "projector": projector,
        "forward": projector.forward(unit_video((8, 8, 1))),
    }


def assert_refused(call, parameter, error, ctx):
    """The call raises ``error`` (exactly that class or a subclass), naming ``parameter``."""
    try:
        result = call(ctx)
    except (TypeError, ValueError) as raised:
        message = str(raised)
        assert isinstance(raised, error), (
            f"expected {error.__name__}, got {type(raised).__name__}: {message}"
        )
        # The name as a whole word: 'size' must not be satisfied by 'kernel_size'.
        assert re.search(rf"(?<![\w.]){re.escape(parameter)}(?!\w)", message), (
            f"the message does not name {parameter!r}: {message}"
        )
    else:
        pytest.fail(f"silently accepted: returned {type(result).__name__}")


V = _V  # (2, 8, 8, 3) float32 in [0, 1]
GREY = V[..., :1]
FRAME8 = V[0]
K4 = np.ones((3, 3, 1, 1))  # a Keras Conv2D kernel (kh, kw, in, out)
X3 = np.arange(16.0).reshape(4, 4, 1)
PSF = np.full((3, 3), 1 / 9)
MASK = np.array([[0, 1], [2, 1]])

table = Table()
each = table.each

# arithmetic: sizes
for label, call, first in [
    ("conv_output_size", arithmetic.conv_output_size, "size"),
    ("conv_input_sizes", arithmetic.conv_input_sizes, "output_size"),
    ("conv_transpose_output_size", arithmetic.conv_transpose_output_size, "size"),
]:
    each(label, first, POS_INT, lambda c, v, f=call: f(v, 3))
    each(label, "kernel_size", POS_INT, lambda c, v, f=call: f(8, v))
    each(label, "stride", POS_INT, lambda c, v, f=call: f(8, 3, stride=v))
    each(label, "dilation", POS_INT, lambda c, v, f=call: f(8, 3, dilation=v))
    each(label, "padding", PADDING, lambda c, v, f=call: f(8, 3, padding=v))
each(
    "conv_transpose_output_size",
    "output_padding",
    [(-1, ValueError), (2, ValueError), (0.5, TypeError), ("0", TypeError)],
    lambda c, v: arithmetic.conv_transpose_output_size(4, 3, stride=2, output_padding=v),
)
each("pool_output_size", "size", POS_INT, lambda c, v: arithmetic.pool_output_size(v, 2))
each("pool_output_size", "pool_size", POS_INT, lambda c, v: arithmetic.pool_output_size(8, v))
each("pool_output_size", "stride", POS_INT[:-1], lambda c, v: arithmetic.pool_output_size(8, 2, v))
each(
    "pool_output_size",
    "padding",
    PADDING[:2],
    lambda c, v: arithmetic.pool_output_size(8, 2, padding=v),
)
each("valid_output_paddings", "stride", POS_INT, lambda c, v: arithmetic.valid_output_paddings(v))
each(
    "valid_output_paddings",
    "dilation",
    POS_INT,
    lambda c, v: arithmetic.valid_output_paddings(2, v),
)

# reference: NumPy convolutions
ARRAY_X = [
    ("abc", TypeError),
    (None, TypeError),
    (np.zeros((4, 4, 1), complex), TypeError),
    (np.full((4, 4, 1), np.nan), ValueError),
    (np.zeros((4,)), ValueError),
    (np.zeros((0, 4, 1)), ValueError),
]
ARRAY_K = [
    ("abc", TypeError),
    (None, TypeError),
    (np.ones((3, 3, 1, 1), complex), TypeError),
    (np.full((3, 3, 1, 1), np.inf), ValueError),
    (np.ones((3,)), ValueError),
    (np.ones((3, 3, 2, 1)), ValueError),  # Conv2D layout (kh, kw, in, out): in is not x's 1
]
# Conv2DTranspose's layout is (kh, kw, out, in): there the mismatch is in the last axis.
ARRAY_KT = ARRAY_K[:-1] + [(np.ones((3, 3, 1, 2)), ValueError)]
for label, call in {
    "conv2d": reference.conv2d,
    "conv_transpose": reference.conv_transpose,
    "conv_transpose_matrix": reference.conv_transpose_matrix,
    "conv_transpose_scatter": reference.conv_transpose_scatter,
    "conv_transpose_zero_insert": reference.conv_transpose_zero_insert,
}.items():
    each(label, "x", ARRAY_X, lambda c, v, f=call: f(v, K4))
    each(label, "kernel", ARRAY_K if label == "conv2d" else ARRAY_KT, lambda c, v, f=call: f(X3, v))
    each(label, "stride", POS_INT[:4], lambda c, v, f=call: f(X3, K4, stride=v))
    each(label, "padding", PADDING, lambda c, v, f=call: f(X3, K4, padding=v))
    each(label, "dilation", POS_INT[:4], lambda c, v, f=call: f(X3, K4, dilation=v))
for label, call in {
    "conv_transpose": reference.conv_transpose,
    "conv_transpose_scatter": reference.conv_transpose_scatter,
}.items():
    each(
        label,
        "output_padding",
        [(5, ValueError), (-1, ValueError), (0.5, TypeError)],
        lambda c, v, f=call: f(X3, K4, stride=2, output_padding=v),
    )
each(
    "conv_matrix",
    "input_shape",
    [("abc", TypeError), ((0, 3), ValueError), ((3.5, 3), TypeError)],
    lambda c, v: reference.conv_matrix(v, K4),
)
each(
    "conv_matrix",
    "input_shape",
    [((300, 300, 2), ValueError)],
    lambda c, v: reference.conv_matrix(v, np.ones((3, 3, 2, 1))),
)
each("conv_matrix", "kernel", ARRAY_K[:4], lambda c, v: reference.conv_matrix((4, 4), v))
each("conv_matrix", "stride", POS_INT[:3], lambda c, v: reference.conv_matrix((4, 4), K4, stride=v))
each("scatter_steps", "x", ARRAY_X[:4], lambda c, v: reference.scatter_steps(v, np.ones((2, 2))))
each(
    "scatter_steps", "kernel", ARRAY_K[:4], lambda c, v: reference.scatter_steps(np.ones((2, 2)), v)
)
each(
    "scatter_steps",
    "stride",
    POS_INT[:3],
    lambda c, v: reference.scatter_steps(np.ones((2, 2)), np.ones((2, 2)), stride=v),
)

# data: degradations, PSFs and synthetic clips
each("add_gaussian_noise", "video", VIDEO, lambda c, v: data.add_gaussian_noise(v, 0.1))
each("add_gaussian_noise", "sigma", NONNEG_NUM, lambda c, v: data.add_gaussian_noise(V, v))
each("add_gaussian_noise", "seed", NONNEG_INT, lambda c, v: data.add_gaussian_noise(V, 0.1, seed=v))
each("add_gaussian_noise", "clip", BOOL, lambda c, v: data.add_gaussian_noise(V, 0.1, clip=v))
each("add_poisson_noise", "video", VIDEO[:4], lambda c, v: data.add_poisson_noise(v, 10))
each(
    "add_poisson_noise",
    "peak",
    POS_NUM + [(1e30, ValueError)],
    lambda c, v: data.add_poisson_noise(V, v),
)
each("add_poisson_noise", "clip", BOOL, lambda c, v: data.add_poisson_noise(V, 10, clip=v))
each("psf_box", "size", POS_INT + [(4, ValueError)], lambda c, v: data.psf_box(v))
each(
    "psf_gaussian", "size", POS_INT[:3] + [(2, ValueError)], lambda c, v: data.psf_gaussian(v, 1.0)
)
each("psf_gaussian", "sigma", POS_NUM, lambda c, v: data.psf_gaussian(5, v))
each(
    "psf_motion",
    "length",
    NUMBER + [(0.5, ValueError), (1e9, ValueError)],
    lambda c, v: data.psf_motion(v),
)
each("psf_motion", "angle", NUMBER, lambda c, v: data.psf_motion(3, v))
each("blur", "video", VIDEO[:5], lambda c, v: data.blur(v, PSF))
each(
    "blur",
    "psf",
    [
        ("abc", TypeError),
        (np.ones((2, 2)) / 4, ValueError),
        (np.full((3, 3), 0.5), ValueError),
        (-PSF, ValueError),
        (np.ones(3) / 3, ValueError),
        (np.full((3, 3), np.nan), ValueError),
    ],
    lambda c, v: data.blur(V, v),
)
each("downscale", "video", VIDEO[:5], lambda c, v: data.downscale(v, 2))
each("downscale", "factor", POS_INT + [(3, ValueError)], lambda c, v: data.downscale(V, v))
each("check_video", "video", VIDEO, lambda c, v: data.check_video(v))
each("moving_shapes", "frames", POS_INT, lambda c, v: data.moving_shapes(frames=v, size=(16, 16)))
each(
    "moving_shapes",
    "size",
    [(16, TypeError), ((0, 16), ValueError), ((16,), ValueError), ((16.0, 16), TypeError)],
    lambda c, v: data.moving_shapes(frames=2, size=v),
)
each(
    "moving_shapes",
    "n_shapes",
    NONNEG_INT,
    lambda c, v: data.moving_shapes(frames=2, size=(16, 16), n_shapes=v),
)
each(
    "moving_shapes",
    "seed",
    NONNEG_INT,
    lambda c, v: data.moving_shapes(frames=2, size=(16, 16), seed=v),
)
each(
    "moving_shapes",
    "frames",
    [(10**9, ValueError)],
    lambda c, v: data.moving_shapes(frames=v, size=(64, 64)),
)
each("photo_clip", "name", CHOICE, lambda c, v: data.photo_clip(v, frames=2, size=(16, 16)))
each(
    "photo_clip",
    "frames",
    POS_INT + [(10**9, ValueError)],
    lambda c, v: data.photo_clip(frames=v, size=(16, 16)),
)
each(
    "photo_clip",
    "size",
    [(16, TypeError), ((0, 16), ValueError), ((16, 16, 3), ValueError)],
    lambda c, v: data.photo_clip(frames=2, size=v),
)
each(
    "photo_clip", "motion", CHOICE, lambda c, v: data.photo_clip(frames=2, size=(16, 16), motion=v)
)
each(
    "photo_clip", "seed", NONNEG_INT, lambda c, v: data.photo_clip(frames=2, size=(16, 16), seed=v)
)
each("load_photo", "name", CHOICE + [(None, TypeError)], lambda c, v: data.load_photo(v))
each(
    "read_video",
    "path",
    [(None, TypeError), (123, TypeError), ("", ValueError)],
    lambda c, v: data.read_video(v),
)
each(
    "iter_frames",
    "path",
    [(None, TypeError), (123, TypeError)],
    lambda c, v: next(iter(data.iter_frames(v))),
)
each(
    "write_video",
    "path",
    [(None, TypeError), (123, TypeError)],
    lambda c, v: data.write_video(v, V),
)

# restoration: classical baselines, frame by frame
for label, call in {
    "denoise_gaussian": lambda v: restoration.denoise_gaussian(v, 1.0),
    "denoise_median": lambda v: restoration.denoise_median(v, 3),
    "denoise_tv": lambda v: restoration.denoise_tv(v, 0.1),
    "denoise_wavelet": lambda v: restoration.denoise_wavelet(v),
    "denoise_nl_means": lambda v: restoration.denoise_nl_means(v, 0.1),
    "upscale_nearest": lambda v: restoration.upscale_nearest(v, 2),
    "upscale_bicubic": lambda v: restoration.upscale_bicubic(v, 2),
    "upscale_lanczos": lambda v: restoration.upscale_lanczos(v, 2),
    "wiener": lambda v: restoration.wiener(v, PSF, 0.01),
    "inverse_filter": lambda v: restoration.inverse_filter(v, PSF),
    "richardson_lucy": lambda v: restoration.richardson_lucy(v, PSF, num_iter=2),
    "unsupervised_wiener": lambda v: restoration.unsupervised_wiener(v, PSF),
}.items():
    each(label, "video", FRAME, lambda c, v, f=call: f(v))
each(
    "denoise_gaussian", "sigma_filter", NONNEG_NUM, lambda c, v: restoration.denoise_gaussian(V, v)
)
each("denoise_median", "size", POS_INT, lambda c, v: restoration.denoise_median(V, v))
each("denoise_tv", "weight", POS_NUM, lambda c, v: restoration.denoise_tv(V, v))
each("denoise_wavelet", "sigma", POS_NUM[:6], lambda c, v: restoration.denoise_wavelet(V, v))
each("denoise_wavelet", "levels", POS_INT, lambda c, v: restoration.denoise_wavelet(V, levels=v))
each("denoise_nl_means", "sigma", NONNEG_NUM, lambda c, v: restoration.denoise_nl_means(V, v))
each(
    "denoise_nl_means",
    "patch_size",
    POS_INT,
    lambda c, v: restoration.denoise_nl_means(V, 0.1, patch_size=v),
)
each(
    "denoise_nl_means",
    "patch_distance",
    POS_INT,
    lambda c, v: restoration.denoise_nl_means(V, 0.1, patch_distance=v),
)
for label, call in {
    "upscale_nearest": restoration.upscale_nearest,
    "upscale_bicubic": restoration.upscale_bicubic,
    "upscale_lanczos": restoration.upscale_lanczos,
}.items():
    each(label, "factor", POS_INT, lambda c, v, f=call: f(V, v))
each(
    "wiener",
    "psf",
    [("abc", TypeError), (np.ones((2, 2)) / 4, ValueError), (-PSF, ValueError)],
    lambda c, v: restoration.wiener(V, v, 0.01),
)
each("wiener", "balance", POS_NUM, lambda c, v: restoration.wiener(V, PSF, v))
each("wiener", "boundary", CHOICE, lambda c, v: restoration.wiener(V, PSF, 0.01, boundary=v))
each("wiener", "clip", BOOL, lambda c, v: restoration.wiener(V, PSF, 0.01, clip=v))
each("inverse_filter", "eps", POS_NUM, lambda c, v: restoration.inverse_filter(V, PSF, eps=v))
each(
    "inverse_filter",
    "psf",
    [(np.full((3, 3), 0.5), ValueError), (None, TypeError)],
    lambda c, v: restoration.inverse_filter(V, v),
)
each(
    "richardson_lucy",
    "num_iter",
    POS_INT,
    lambda c, v: restoration.richardson_lucy(V, PSF, num_iter=v),
)
each(
    "richardson_lucy",
    "boundary",
    CHOICE,
    lambda c, v: restoration.richardson_lucy(V, PSF, boundary=v),
)
each(
    "unsupervised_wiener",
    "seed",
    NONNEG_INT,
    lambda c, v: restoration.unsupervised_wiener(V, PSF, seed=v),
)
each(
    "tune_wiener_balance",
    "balances",
    [((), ValueError), ((0.1, -1.0), ValueError), (("a",), TypeError), (0.1, TypeError)],
    lambda c, v: restoration.tune_wiener_balance(V, V, PSF, v),
)
each(
    "tune_wiener_balance",
    "clean",
    [(V[:1], ValueError), ("abc", TypeError)],
    lambda c, v: restoration.tune_wiener_balance(V, v, PSF, (0.01,)),
)
each(
    "best_classical_denoiser",
    "sigma",
    POS_NUM[:5],
    lambda c, v: restoration.best_classical_denoiser(V, V, v),
)
each(
    "best_classical_denoiser",
    "clean",
    [(V[:1], ValueError), (None, TypeError)],
    lambda c, v: restoration.best_classical_denoiser(V, v, 0.1),
)
each(
    "pad_for_deconvolution",
    "frame",
    [("abc", TypeError), (np.zeros(4), ValueError), (np.full((8, 8), np.nan), ValueError)],
    lambda c, v: restoration.pad_for_deconvolution(v, PSF),
)
each(
    "pad_for_deconvolution",
    "mode",
    CHOICE,
    lambda c, v: restoration.pad_for_deconvolution(FRAME8, PSF, mode=v),
)
each(
    "taper_edges",
    "frame",
    [("abc", TypeError), (np.zeros(4), ValueError)],
    lambda c, v: restoration.taper_edges(v, PSF),
)
each(
    "taper_edges",
    "psf",
    [(np.ones((2, 2)) / 4, ValueError), ("abc", TypeError)],
    lambda c, v: restoration.taper_edges(FRAME8, v),
)

# metrics
for label, call in {
    "psnr": metrics.psnr,
    "ssim": metrics.ssim,
    "psnr_per_frame": metrics.psnr_per_frame,
    "ssim_per_frame": metrics.ssim_per_frame,
    "report": metrics.report,
}.items():
    each(label, "reference", VIDEO[:2] + VIDEO[4:], lambda c, v, f=call: f(v, V))
    each(
        label,
        "test",
        [(V[..., :1], ValueError), (V * 255, ValueError), (np.zeros((2, 8, 8, 2)), ValueError)],
        lambda c, v, f=call: f(V, v),
    )
    each(label, "data_range", POS_NUM[:4], lambda c, v, f=call: f(V, V, data_range=v))
each("temporal_flicker", "video", VIDEO[:6], lambda c, v: metrics.temporal_flicker(v))
each(
    "temporal_flicker",
    "reference",
    [(V[:1], ValueError), ("abc", TypeError)],
    lambda c, v: metrics.temporal_flicker(V, v),
)
for label, call in {"iou": metrics.iou, "mean_iou": metrics.mean_iou}.items():
    each(
        label,
        "true_mask",
        [
            (MASK * 0.5, TypeError),
            ("abc", TypeError),
            (MASK + 5, ValueError),
            (MASK[:1], ValueError),
        ],
        lambda c, v, f=call: f(v, MASK, 3),
    )
    each(
        label,
        "pred_mask",
        [(-MASK, ValueError), (MASK.astype(complex), TypeError)],
        lambda c, v, f=call: f(MASK, v, 3),
    )
    each(label, "n_classes", POS_INT, lambda c, v, f=call: f(MASK, MASK, v))
for label, call in {"psnr_metric": metrics.psnr_metric, "ssim_metric": metrics.ssim_metric}.items():
    each(
        label,
        "y_pred",
        [
            (V[..., :1], ValueError),
            (V * 255, ValueError),
            (V[:1], ValueError),
            (V.astype(complex), TypeError),
        ],
        lambda c, v, f=call: f(V, v),
    )
    each(
        label,
        "y_true",
        [(V * 255, ValueError), ("abc", TypeError), (V[0, 0], ValueError)],
        lambda c, v, f=call: f(v, V),
    )

# plotting
each(
    "as_display_image",
    "image",
    [
        ("abc", TypeError),
        (np.zeros((2, 2), complex), TypeError),
        (np.zeros((2, 2, 2, 2, 2)), ValueError),
    ],
    lambda c, v: plotting.as_display_image(v),
)
each(
    "show_images",
    "images",
    [
        ("abc", TypeError),
        (None, TypeError),
        ([], ValueError),
        (np.zeros((2, 4, 4), complex), TypeError),
    ],
    lambda c, v: plotting.show_images(v),
)
each("show_images", "ncols", POS_INT[:-1], lambda c, v: plotting.show_images(V, ncols=v))
each("show_images", "size", POS_NUM, lambda c, v: plotting.show_images(V, size=v))
each(
    "show_images",
    "titles",
    [(["a"], ValueError), ("ab", TypeError), (5, TypeError)],
    lambda c, v: plotting.show_images(V, titles=v),
)
each(
    "before_after",
    "before",
    [("abc", TypeError), (np.zeros((2, 2), complex), TypeError)],
    lambda c, v: plotting.before_after(v, FRAME8),
)
each(
    "before_after",
    "after",
    [(np.zeros((4, 4, 3)), ValueError), (None, TypeError)],
    lambda c, v: plotting.before_after(FRAME8, v),
)
each(
    "before_after",
    "titles",
    [("ab", TypeError), (("a",), ValueError)],
    lambda c, v: plotting.before_after(FRAME8, FRAME8, v),
)
each("before_after", "diff", BOOL, lambda c, v: plotting.before_after(FRAME8, FRAME8, diff=v))
each(
    "before_after", "size", POS_NUM[:5], lambda c, v: plotting.before_after(FRAME8, FRAME8, size=v)
)
each("show_video", "video", VIDEO[:5] + VIDEO[6:], lambda c, v: plotting.show_video(v))
each("show_video", "fps", POS_NUM, lambda c, v: plotting.show_video(V, fps=v))
each("show_video", "format", CHOICE, lambda c, v: plotting.show_video(V, format=v))
each("show_video", "width", POS_INT[:-1], lambda c, v: plotting.show_video(V, width=v))
each("show_video", "loop", BOOL, lambda c, v: plotting.show_video(V, loop=v))
each("show_video", "max_bytes", POS_INT, lambda c, v: plotting.show_video(V, max_bytes=v))
each(
    "kernel_heatmap",
    "kernel",
    [
        ("abc", TypeError),
        (np.ones(3), ValueError),
        (np.full((2, 2), np.nan), ValueError),
        (np.ones((2, 2), complex), TypeError),
    ],
    lambda c, v: plotting.kernel_heatmap(v),
)
each("kernel_heatmap", "size", POS_NUM[:5], lambda c, v: plotting.kernel_heatmap(PSF, size=v))
each(
    "shape_diagram",
    "trace",
    [
        ("trace", TypeError),
        (5, TypeError),
        ([], ValueError),
        ([(1, 2)], TypeError),
        ([("a", "b", (None, "x"))], TypeError),
    ],
    lambda c, v: plotting.shape_diagram(v),
)
each(
    "shape_diagram",
    "highlight",
    [(3, TypeError)],
    lambda c, v: plotting.shape_diagram([("a", "Conv2D", (8, 8, 1))], highlight=v),
)

# sizes that ask for more memory than a machine has: refused before anything is allocated
HUGE = [(10**6, ValueError)]
each("conv_transpose", "stride", HUGE, lambda c, v: reference.conv_transpose(X3, K4, stride=v))
each(
    "conv_transpose_scatter",
    "stride",
    HUGE,
    lambda c, v: reference.conv_transpose_scatter(X3, K4, stride=v),
)
each(
    "conv_transpose_zero_insert",
    "stride",
    HUGE,
    lambda c, v: reference.conv_transpose_zero_insert(X3, K4, stride=v),
)
each("conv2d", "padding", HUGE, lambda c, v: reference.conv2d(X3, K4, padding=v))
each("conv2d", "dilation", HUGE, lambda c, v: reference.conv2d(X3, K4, padding="same", dilation=v))
each(
    "conv_transpose_matrix",
    "x",
    [(np.ones((64, 64, 1)), ValueError)],
    lambda c, v: reference.conv_transpose_matrix(v, K4, stride=64),
)
each(
    "scatter_steps",
    "stride",
    HUGE,
    lambda c, v: reference.scatter_steps(np.ones((2, 2)), np.ones((2, 2)), stride=v),
)
each("psf_box", "size", [(10**6 + 1, ValueError)], lambda c, v: data.psf_box(v))
each("psf_gaussian", "size", [(10**6 + 1, ValueError)], lambda c, v: data.psf_gaussian(v, 1.0))
for label, call in {
    "upscale_nearest": restoration.upscale_nearest,
    "upscale_bicubic": restoration.upscale_bicubic,
    "upscale_lanczos": restoration.upscale_lanczos,
}.items():
    each(label, "factor", [(10**5, ValueError)], lambda c, v, f=call: f(V, v))
each("show_images", "size", [(1e6, ValueError)], lambda c, v: plotting.show_images(V, size=v))
each(
    "before_after",
    "size",
    [(1e6, ValueError)],
    lambda c, v: plotting.before_after(FRAME8, FRAME8, size=v),
)
each(
    "kernel_heatmap", "size", [(1e6, ValueError)], lambda c, v: plotting.kernel_heatmap(PSF, size=v)
)

CASES = table.cases


@pytest.mark.parametrize(("call", "parameter", "error"), CASES)
def test_bad_argument_is_refused_with_a_message_naming_it(call, parameter, error):
    assert_refused(call, parameter, error, ctx=None)


def test_the_table_is_large_and_mixes_type_and_value_errors():
    kinds = [case.values[2] for case in CASES]
    assert len(kinds) >= 250
    assert kinds.count(TypeError) > 50 and kinds.count(ValueError) > 50
