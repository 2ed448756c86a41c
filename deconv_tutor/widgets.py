"""Interactive views for the course: each one a pure render function plus a thin ipywidgets shell.

Every widget here is built the same way:

* a **render function** (``render_kernel``, ``render_output_size``, ``project``, ...)
  turns plain values into an image (an ``ndarray``), HTML text or a figure. It
  validates its input and raises ``ValueError``/``TypeError`` with a precise message;
  tests and notebooks can call it without a browser;
* a **widget function** (``kernel_explorer``, ``output_size_calculator``, ...) returns a
  :class:`Panel`, an ``ipywidgets.VBox`` whose controls are in ``panel.controls`` and
  whose displays are in ``panel.views``. Changing a control (in the browser, or in
  Python: ``panel.controls["stride"].value = 2``) calls the render function and
  updates the views at once. A bad value (a kernel with NaN, a stride that leaves no
  output, a layer that does not exist) shows a red message in ``panel.message``
  instead of a traceback; the last good picture stays on screen.

Images are sent to the browser as PNG bytes in ``ipywidgets.Image`` views, which is
much faster than redrawing a matplotlib figure; ``benchmarks/widget_latency.py``
measures every render path (target: 100 ms at 256x256).

The live training monitor, :class:`TrainingMonitor`, is a Keras callback rather
than a panel; outside IPython it only records the history.
"""

from __future__ import annotations

import contextlib
import html
import io
import math
import weakref
from collections.abc import Mapping

import ipywidgets as widgets
import keras
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from deconv_tutor import reference

__all__ = [
    "KERNEL_PRESETS",
    "Panel",
    "TrainingMonitor",
    "checkerboard_explorer",
    "deconvnet_projection",
    "feature_map_explorer",
    "feature_map_layers",
    "feature_maps",
    "kernel_explorer",
    "kernel_preset",
    "output_size_calculator",
    "output_size_report",
    "overlap_counts",
    "overlap_profile",
    "png_bytes",
    "project",
    "projectable_layers",
    "render_checkerboard",
    "render_compare",
    "render_feature_maps",
    "render_kernel",
    "render_output_size",
    "render_training",
    "render_transposed_step",
    "training_monitor",
    "transposed_conv_stepper",
    "video_compare",
    "zero_insertion_grid",
]

_ERROR_COLOUR = "#b00020"
_VIRIDIS = (matplotlib.colormaps["viridis"](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(
    np.uint8
)


# =====================================================================================
# Shared machinery
# =====================================================================================
def _to_uint8(image):
    """float [0, 1] (clipped for display) or uint8 -> uint8, (H, W, 1) -> (H, W)."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.dtype == np.uint8:
        return array
    return (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def png_bytes(image, scale=1):
    """Encode an image as PNG bytes, fast, for an ``ipywidgets.Image``.

    Parameters
    ----------
    image : ndarray
        ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``; float in [0, 1] (clipped for
        display) or uint8.
    scale : int, optional
        Enlarge by pixel repetition (keeps small pictures crisp in the browser).

    Returns
    -------
    bytes

    Examples
    --------
    >>> data = png_bytes(np.zeros((4, 6, 3)), scale=2)
    >>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    from PIL import Image

    array = _to_uint8(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(f"image must be (H, W), (H, W, 1) or (H, W, 3), got {np.shape(image)}")
    if not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale!r}")
    if scale > 1:
        array = np.repeat(np.repeat(array, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    # Level 1: a fraction of the default's encoding time, files barely larger.
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _figure_png(figure, dpi=72):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _error_html(error):
    text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
    return f'<span style="color:{_ERROR_COLOUR}"><b>&#9888;</b> {html.escape(text)}</span>'


def _image_view(width=None):
    view = widgets.Image(format="png")
    if width is not None:
        view.layout.width = f"{int(width)}px"
    # A VBox stretches its children to its own width; keep pictures at their natural size instead.
    view.layout.align_self = "flex-start"
    return view


def _caption(text, child):
    return widgets.VBox([widgets.HTML(f"<b>{html.escape(text)}</b>"), child])


class Panel(widgets.VBox):
    """A widget: controls, views and one update function that redraws the views.

    Attributes
    ----------
    controls : dict of str to ipywidgets.Widget
        The inputs; setting ``.value`` of one redraws the panel.
    views : dict of str to ipywidgets.Widget
        The outputs (``ipywidgets.Image``, ``ipywidgets.HTML``).
    message : ipywidgets.HTML
        Empty when the last update worked, else the error in red.
    error : str or None
        The last update's error text, or None.
    updates : int
        How many redraws succeeded so far.

    Examples
    --------
    A panel that squares a number; a bad value becomes a message, not a traceback:

    >>> number, result = widgets.FloatText(2.0), widgets.HTML()
    >>> def update(panel):
    ...     value = panel.controls["x"].value
    ...     if value < 0:
    ...         raise ValueError(f"x must be >= 0, got {value}")
    ...     result.value = str(value**2)
    >>> panel = Panel({"x": number}, {"result": result}, [number, result], update)
    >>> panel.refresh(), result.value
    (True, '4.0')
    >>> number.value = -1.0
    >>> panel.error, result.value
    ('ValueError: x must be >= 0, got -1.0', '4.0')
    """

    def __init__(self, controls, views, children, update, manual=()):
        self.controls = dict(controls)
        self.views = dict(views)
        self.message = widgets.HTML("")
        self.error = None
        self.updates = 0
        self._update = update
        self._held = 0
        super().__init__([*children, self.message])
        # Controls in `manual` have their own observer, which redraws (under hold()).
        for name, control in self.controls.items():
            if isinstance(control, widgets.ValueWidget) and name not in manual:
                control.observe(self._on_change, names="value")

    def _on_change(self, change):
        if not self._held:
            self.refresh()

    @contextlib.contextmanager
    def quiet(self):
        """Change controls without redrawing (inside the update function itself)."""
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1

    @contextlib.contextmanager
    def hold(self):
        """Change several controls at once and redraw only once, at the end."""
        with self.quiet():
            yield self
        if not self._held:
            self.refresh()

    def refresh(self):
        """Redraw the views from the controls; return True when that worked.

        Any error ends up in :attr:`message` (red) instead of a traceback in the
        notebook: a widget is an interface, and its user may type anything.
        """
        try:
            self._update(self)
        except Exception as error:  # noqa: BLE001  (shown to the user, see docstring)
            self.error = f"{type(error).__name__}: {error}"
            self.message.value = _error_html(error)
            return False
        self.error = None
        self.message.value = ""
        self.updates += 1
        return True


def _check_image(image, name):
    array = np.asarray(image)
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array, got dtype {array.dtype}")
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (1, 3)):
        raise ValueError(f"{name} must have shape (H, W), (H, W, 1) or (H, W, 3), got "
                         f"{array.shape}")
    if min(array.shape[:2]) < 1:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    array = array.astype(np.float32, copy=False)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite values, got NaN or infinity")
    return array


def _check_video(video, name):
    array = np.asarray(video)
    if array.ndim != 4 or array.shape[-1] not in (1, 3) or min(array.shape[:3]) < 1:
        raise ValueError(f"{name} must have shape (frames, height, width, 1 or 3), got "
                         f"{array.shape}")
    return array.astype(np.float32, copy=False)


def _default_frame(size=256):
    from deconv_tutor import data

    return data.photo_clip("astronaut", frames=1, size=(size, size))[0]


def _number(value):
    value = float(value)
    if value == round(value) and abs(value) < 1e6:
        return str(round(value))
    return f"{value:.2f}"


# =====================================================================================
# Kernel explorer
# =====================================================================================
#: Names accepted by :func:`kernel_preset`.
KERNEL_PRESETS = ("identity", "box blur", "gaussian", "sharpen", "sobel x", "sobel y",
                  "laplacian", "random")

_BINOMIAL = {3: np.array([1.0, 2.0, 1.0]), 5: np.array([1.0, 4.0, 6.0, 4.0, 1.0])}
_DERIVATIVE = {3: np.array([-1.0, 0.0, 1.0]), 5: np.array([-1.0, -2.0, 0.0, 2.0, 1.0])}
_LAPLACIAN = {
    3: np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float),
    5: np.array([[0, 0, 1, 0, 0], [0, 1, 2, 1, 0], [1, 2, -16, 2, 1], [0, 1, 2, 1, 0],
                 [0, 0, 1, 0, 0]], float),
}


def kernel_preset(name, size=3, seed=0):
    """A classic image-processing kernel, 3x3 or 5x5.

    ``"gaussian"`` is the binomial approximation, ``"sharpen"`` is unsharp masking
    (``2 * identity - gaussian``), ``"sobel x"`` responds to vertical edges (a
    derivative along x, smoothing along y), ``"laplacian"`` sums to zero, and
    ``"random"`` draws normal weights (rounded to 2 decimals) from ``seed``.

    Parameters
    ----------
    name : str
        One of :data:`KERNEL_PRESETS`.
    size : {3, 5}
        Kernel height and width.
    seed : int, optional
        Seed of ``"random"``.

    Returns
    -------
    ndarray, shape (size, size), float32

    Examples
    --------
    >>> kernel_preset("sobel x")
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]], dtype=float32)
    >>> float(kernel_preset("gaussian", 5).sum())
    1.0
    """
    if size not in (3, 5):
        raise ValueError(f"size must be 3 or 5, got {size!r}")
    identity = np.zeros((size, size))
    identity[size // 2, size // 2] = 1.0
    smooth = _BINOMIAL[size]
    gaussian = np.outer(smooth, smooth) / smooth.sum() ** 2
    kernels = {
        "identity": lambda: identity,
        "box blur": lambda: np.full((size, size), 1.0 / size**2),
        "gaussian": lambda: gaussian,
        "sharpen": lambda: 2.0 * identity - gaussian,
        "sobel x": lambda: np.outer(smooth, _DERIVATIVE[size]),
        "sobel y": lambda: np.outer(_DERIVATIVE[size], smooth),
        "laplacian": lambda: _LAPLACIAN[size],
        "random": lambda: np.round(np.random.default_rng(seed).normal(0.0, 1.0 / size,
                                                                      (size, size)), 2),
    }
    if name not in kernels:
        raise ValueError(f"name must be one of {KERNEL_PRESETS}, got {name!r}")
    return np.asarray(kernels[name](), dtype=np.float32)


def _conv_formula(size, kernel_size, stride, padding, dilation):
    """The output-size formula with this layer's numbers written in, as text."""
    if padding == "same":
        return f"o = ⌈i / s⌉ = ⌈{size} / {stride}⌉"
    before, after = (0, 0) if padding == "valid" else (
        (padding, padding) if isinstance(padding, (int, np.integer)) else tuple(padding))
    pads = f"2·{before}" if before == after else f"{before} + {after}"
    return (f"o = ⌊(i + 2p − d(k − 1) − 1) / s⌋ + 1 = "
            f"⌊({size} + {pads} − {dilation}·({kernel_size} − 1) − 1) / {stride}⌋ + 1")


_DISPLAYS = ("auto", "clip", "abs", "rescale", "raw")


def render_kernel(frame, kernel, stride=1, padding="valid", dilation=1, display="auto"):
    """Convolve a frame with one 2-D kernel, channel by channel: the kernel explorer's picture.

    Each colour channel is convolved separately with the same kernel (a depthwise
    convolution) by :func:`deconv_tutor.reference.conv2d`, so the output keeps the
    frame's colours.

    Parameters
    ----------
    frame : ndarray
        ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``, float in [0, 1].
    kernel : array_like
        2-D kernel ``(kh, kw)``, finite values.
    stride, dilation : int
        As in :func:`deconv_tutor.arithmetic.conv_output_size`.
    padding : {"valid", "same"} or int
        ``"valid"``, ``"same"`` or an int added on every side. A pair is refused:
        :mod:`~deconv_tutor.arithmetic` reads it as ``(before, after)`` and
        :mod:`~deconv_tutor.reference` as ``(along H, along W)``, so it is ambiguous here.
    display : {"auto", "clip", "abs", "rescale", "raw"}, optional
        How the output is mapped to [0, 1] for showing: ``"clip"`` clips,
        ``"abs"`` shows ``|y| / max|y|`` (edge strength), ``"rescale"`` maps
        min..max to 0..1, ``"raw"`` returns the convolution unchanged.
        ``"auto"``: ``"abs"`` for kernels that sum to zero (edge and Laplacian
        kernels, whose output is signed), else ``"clip"``.

    Returns
    -------
    image : ndarray, float32
        Same number of channels as ``frame``, size
        :func:`~deconv_tutor.arithmetic.conv_output_size` per axis.
    text : str
        Sizes and the output-size formula with the numbers substituted (HTML).

    Examples
    --------
    >>> frame = np.random.default_rng(0).random((32, 32, 3)).astype(np.float32)
    >>> image, text = render_kernel(frame, kernel_preset("box blur"), stride=2, padding="same")
    >>> image.shape, image.dtype
    ((16, 16, 3), dtype('float32'))
    >>> print(text.split("<br>")[0])
    input 32×32×3 → output 16×16×3
    """
    from deconv_tutor import arithmetic

    image = _check_image(frame, "frame")
    weights = np.asarray(kernel, dtype=np.float32)
    if weights.ndim != 2 or min(weights.shape) < 1:
        raise ValueError(f"kernel must be a 2-D array (kh, kw), got shape {np.shape(kernel)}")
    if not np.all(np.isfinite(weights)):
        raise ValueError("kernel must contain only finite values, got NaN or infinity")
    if display not in _DISPLAYS:
        raise ValueError(f"display must be one of {_DISPLAYS}, got {display!r}")
    if not (padding in ("valid", "same") or isinstance(padding, (int, np.integer))):
        raise ValueError(f"padding must be 'valid', 'same' or an int per side, got {padding!r}")
    height, width = image.shape[:2]
    out_h = arithmetic.conv_output_size(height, weights.shape[0], stride, padding, dilation)
    out_w = arithmetic.conv_output_size(width, weights.shape[1], stride, padding, dilation)
    channels = image[..., None] if image.ndim == 2 else image
    # Channels as a batch of grey images: one kernel, applied to each channel alike.
    batch = np.moveaxis(channels, -1, 0)[..., None]
    result = reference.conv2d(batch, weights[:, :, None, None], stride, padding, dilation)
    result = np.moveaxis(result[..., 0], 0, -1)
    if image.ndim == 2:
        result = result[..., 0]
    if display == "auto":
        signed = abs(float(weights.sum())) <= 1e-6 * max(float(np.abs(weights).sum()), 1e-12)
        display = "abs" if signed else "clip"
    note = {"clip": "shown clipped to [0, 1]", "abs": "shown as |y| / max|y| (signed output)",
            "rescale": "shown rescaled from min..max to 0..1", "raw": "raw values"}[display]
    low, high = float(result.min()), float(result.max())
    if display == "clip":
        shown = np.clip(result, 0.0, 1.0)
    elif display == "abs":
        peak = max(abs(low), abs(high))
        shown = np.abs(result) / peak if peak > 0 else np.zeros_like(result)
    elif display == "rescale":
        shown = (result - low) / (high - low) if high > low else np.zeros_like(result)
    else:
        shown = result
    depth = "" if image.ndim == 2 else f"×{image.shape[2]}"
    text = (f"input {height}×{width}{depth} → output {out_h}×{out_w}{depth}<br>"
            f"{_conv_formula(height, weights.shape[0], stride, padding, dilation)} = {out_h}"
            f"<br>output range [{low:.3f}, {high:.3f}], {note}")
    return shown.astype(np.float32, copy=False), text


def kernel_explorer(frame=None, display_width=256):
    """Edit a 3x3 or 5x5 kernel and watch its effect on a video frame.

    Parameters
    ----------
    frame : ndarray, optional
        An image ``(H, W[, C])`` or a video ``(T, H, W, C)`` (a frame slider is
        added). Default: a 256x256 frame of :func:`deconv_tutor.data.photo_clip`.
    display_width : int, optional
        Width of the input picture on screen; the output is drawn at the same
        scale, so a stride visibly shrinks it.

    Returns
    -------
    Panel
        Controls ``preset``, ``kernel_size``, ``stride``, ``padding``, ``dilation``,
        ``display`` (and ``frame`` for a video), plus the cells ``k0_0`` ..
        ``k4_4`` of the 5x5 kernel grid (3x3 uses the centre); ``panel.kernel()``
        returns the kernel in use and ``panel.set_kernel(array)`` sets it. Views:
        ``input``, ``output`` (images) and ``text``.

    Examples
    --------
    >>> panel = kernel_explorer(np.random.default_rng(0).random((24, 24, 3)))
    >>> panel.controls["stride"].value = 2
    >>> print(panel.views["text"].value.split("<br>")[0])
    input 24×24×3 → output 11×11×3
    >>> panel.controls["preset"].value = "sobel x"
    >>> panel.kernel()[1].tolist()
    [-2.0, 0.0, 2.0]
    """
    source = _default_frame() if frame is None else np.asarray(frame)
    if source.ndim not in (2, 3, 4):
        raise ValueError(f"frame must be an image (H, W[, C]) or a video (T, H, W, C), got shape "
                         f"{source.shape}")
    video = source if source.ndim == 4 else source[None]
    controls = {
        "preset": widgets.Dropdown(options=[*KERNEL_PRESETS, "custom"], value="gaussian",
                                   description="preset"),
        "kernel_size": widgets.ToggleButtons(options=[3, 5], value=3, description="kernel"),
        "stride": widgets.IntSlider(1, min=1, max=4, description="stride"),
        "padding": widgets.SelectionSlider(
            options=[("valid", "valid"), ("same", "same"), ("1", 1), ("2", 2), ("3", 3),
                     ("4", 4)], value="valid", description="padding"),
        "dilation": widgets.IntSlider(1, min=1, max=4, description="dilation"),
        "display": widgets.Dropdown(options=list(_DISPLAYS[:-1]), value="auto",
                                    description="display"),
    }
    if source.ndim == 4:
        controls["frame"] = widgets.IntSlider(0, min=0, max=len(video) - 1, description="frame")
    cells = {f"k{row}_{col}": widgets.FloatText(0.0, layout=widgets.Layout(width="4.6em"))
             for row in range(5) for col in range(5)}
    controls.update(cells)
    grid = widgets.GridBox(list(cells.values()),
                           layout=widgets.Layout(grid_template_columns="repeat(3, 4.8em)"))
    width = video.shape[2]
    views = {"input": _image_view(display_width), "output": _image_view(display_width),
             "text": widgets.HTML()}
    state = {"frame": None, "kernel_source": "preset"}

    def kernel_values():
        size = controls["kernel_size"].value
        start = (5 - size) // 2
        return np.array([[cells[f"k{row}_{col}"].value for col in range(start, start + size)]
                         for row in range(start, start + size)], dtype=np.float32)

    def set_kernel(values):
        values = np.asarray(values, dtype=np.float32)
        if values.ndim != 2 or values.shape[0] != values.shape[1] or values.shape[0] not in (3, 5):
            raise ValueError(f"kernel must be 3x3 or 5x5, got shape {values.shape}")
        with panel.hold():
            state["kernel_source"] = "code"
            controls["kernel_size"].value = values.shape[0]
            start = (5 - values.shape[0]) // 2
            for row in range(5):
                for col in range(5):
                    inside = start <= row < start + values.shape[0] and start <= col < start + \
                        values.shape[0]
                    cells[f"k{row}_{col}"].value = float(values[row - start, col - start]) \
                        if inside else 0.0
            controls["preset"].value = "custom"
            state["kernel_source"] = "preset"

    def show_cells():
        size = controls["kernel_size"].value
        start = (5 - size) // 2
        for row in range(5):
            for col in range(5):
                inside = start <= row < start + size and start <= col < start + size
                cells[f"k{row}_{col}"].layout.display = None if inside else "none"
        grid.layout.grid_template_columns = f"repeat({size}, 4.8em)"

    def apply_preset(change=None):
        name = controls["preset"].value
        if state["kernel_source"] != "preset":
            return
        if name == "custom":
            # Choosing "custom" keeps the cells; a size change still needs a redraw.
            panel.refresh()
            return
        values = kernel_preset(name, controls["kernel_size"].value)
        with panel.hold():
            state["kernel_source"] = "code"
            start = (5 - len(values)) // 2
            for row in range(5):
                for col in range(5):
                    inside = start <= row < start + len(values) and start <= col < start + \
                        len(values)
                    cells[f"k{row}_{col}"].value = float(values[row - start, col - start]) \
                        if inside else 0.0
            state["kernel_source"] = "preset"

    def cell_edited(change):
        if state["kernel_source"] == "preset" and controls["preset"].value != "custom":
            # A hand edit turns the preset into a custom kernel (without re-applying it).
            state["kernel_source"] = "code"
            controls["preset"].value = "custom"
            state["kernel_source"] = "preset"

    def update(panel):
        index = controls["frame"].value if "frame" in controls else 0
        if state["frame"] != index:
            state["frame"] = index
            views["input"].value = png_bytes(_check_image(video[index], "frame"))
        image, text = render_kernel(video[index], kernel_values(), controls["stride"].value,
                                    controls["padding"].value, controls["dilation"].value,
                                    controls["display"].value)
        views["output"].value = png_bytes(image)
        views["output"].layout.width = f"{max(1, round(display_width * image.shape[1] / width))}px"
        views["text"].value = text

    rows = [
        widgets.HBox([widgets.VBox([controls["preset"], controls["kernel_size"], grid]),
                      widgets.VBox([controls[name] for name in
                                    ("stride", "padding", "dilation", "display", "frame")
                                    if name in controls])]),
        widgets.HBox([_caption("input", views["input"]), _caption("output", views["output"])]),
        views["text"],
    ]
    panel = Panel(controls, views, rows, update, manual=("preset", "kernel_size"))
    panel.kernel = kernel_values
    panel.set_kernel = set_kernel
    controls["preset"].observe(apply_preset, names="value")
    controls["kernel_size"].observe(lambda change: (show_cells(), apply_preset()), names="value")
    for cell in cells.values():
        cell.observe(cell_edited, names="value")
    with panel.hold():
        show_cells()
        apply_preset()
    return panel


# =====================================================================================
# Output-size calculator
# =====================================================================================
def _transpose_formula(size, kernel_size, stride, padding, output_padding, dilation):
    extent = f"{dilation}·({kernel_size} − 1) + 1"
    if padding == "valid":
        if output_padding is None:
            return (f"o = s(i − 1) + max(d(k − 1) + 1, s) = {stride}·({size} − 1) + "
                    f"max({extent}, {stride})")
        return (f"o = s(i − 1) + d(k − 1) + 1 + a = {stride}·({size} − 1) + {extent} + "
                f"{output_padding}")
    if padding == "same":
        if output_padding is None:
            return f"o = s·i = {stride}·{size}"
        return (f"o = s(i − 1) + (d(k − 1) + 1) mod 2 + a = {stride}·({size} − 1) + "
                f"({extent}) mod 2 + {output_padding}")
    before, after = (padding, padding) if isinstance(padding, (int, np.integer)) else padding
    pads = f"2·{before}" if before == after else f"({before} + {after})"
    return (f"o = s(i − 1) + a + d(k − 1) + 1 − 2p = {stride}·({size} − 1) + "
            f"{output_padding or 0} + {extent} − {pads}")


def output_size_report(mode="conv", size=5, kernel_size=3, stride=1, padding="valid",
                       dilation=1, output_padding=None):
    """The numbers behind :func:`output_size_calculator`.

    Parameters
    ----------
    mode : {"conv", "transpose"}
        Convolution or transposed convolution.
    size, kernel_size, stride, padding, dilation, output_padding
        As in :mod:`deconv_tutor.arithmetic`; ``output_padding`` only for
        ``"transpose"``.

    Returns
    -------
    dict
        ``size`` (the output size), ``formula`` (text, numbers substituted),
        ``input_sizes`` (conv: every input size giving the same output;
        transpose: the conv input sizes a transposed layer of this input can
        aim at), ``output_paddings`` (the valid values, transpose only, else
        ``[]``) and ``sizes_by_output_padding`` (transpose: ``{a: size}``).

    Examples
    --------
    >>> report = output_size_report("conv", 4, 3, stride=2, padding="same")
    >>> report["size"], report["formula"], report["input_sizes"]
    (2, 'o = ⌈i / s⌉ = ⌈4 / 2⌉', [3, 4])
    >>> report = output_size_report("transpose", 2, 3, stride=2, padding="same")
    >>> report["size"], report["sizes_by_output_padding"]
    (4, {0: 3, 1: 4})
    """
    from deconv_tutor import arithmetic

    if mode not in ("conv", "transpose"):
        raise ValueError(f'mode must be "conv" or "transpose", got {mode!r}')
    if mode == "conv":
        if output_padding is not None:
            raise ValueError(f"output_padding applies to mode='transpose' only, got "
                             f"output_padding={output_padding!r} with mode='conv'")
        result = arithmetic.conv_output_size(size, kernel_size, stride, padding, dilation)
        return {"size": result, "formula": _conv_formula(size, kernel_size, stride, padding,
                                                         dilation),
                "input_sizes": arithmetic.conv_input_sizes(result, kernel_size, stride, padding,
                                                           dilation),
                "output_paddings": [], "sizes_by_output_padding": {}}
    result = arithmetic.conv_transpose_output_size(size, kernel_size, stride, padding,
                                                   output_padding, dilation)
    paddings = arithmetic.valid_output_paddings(stride, dilation)
    by_padding = {}
    for value in paddings:
        # A padding that crops everything for one value of a only rules out that value.
        with contextlib.suppress(ValueError):
            by_padding[value] = arithmetic.conv_transpose_output_size(
                size, kernel_size, stride, padding, value, dilation)
    return {"size": result,
            "formula": _transpose_formula(size, kernel_size, stride, padding, output_padding,
                                          dilation),
            "input_sizes": arithmetic.conv_input_sizes(size, kernel_size, stride, padding,
                                                       dilation),
            "output_paddings": paddings, "sizes_by_output_padding": by_padding}


def render_output_size(mode="conv", size=5, kernel_size=3, stride=1, padding="valid",
                       dilation=1, output_padding=None):
    """HTML for the output-size calculator: the size, the formula, the ambiguity.

    Parameters
    ----------
    mode, size, kernel_size, stride, padding, dilation, output_padding
        As in :func:`output_size_report`.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> text = render_output_size("conv", 7, 3, stride=2, padding=1)
    >>> "<b>4</b>" in text and "[7, 8]" in text
    True
    """
    report = output_size_report(mode, size, kernel_size, stride, padding, dilation,
                                output_padding)
    name = "convolution" if mode == "conv" else "transposed convolution"
    lines = [f"{name}: input {size} → output <b>{report['size']}</b>",
             f"<code>{html.escape(report['formula'])} = {report['size']}</code>"]
    if mode == "conv":
        sizes = report["input_sizes"]
        lines.append(f"input sizes with the same output {report['size']}: {sizes}"
                     + (" — a transposed convolution cannot tell them apart; "
                        "<code>output_padding</code> chooses" if len(sizes) > 1 else ""))
    else:
        choices = ", ".join(f"a={value} → {result}"
                            for value, result in report["sizes_by_output_padding"].items())
        lines.append(f"valid output_padding: {report['output_paddings']} ({choices})")
        lines.append(f"sizes a convolution with these settings maps to {size}: "
                     f"{report['input_sizes']}")
    return "<br>".join(lines)


def output_size_calculator():
    """Sizes of convolution and transposed convolution, with the formula filled in.

    Returns
    -------
    Panel
        Controls ``mode`` ("conv" / "transpose"), ``size``, ``kernel_size``,
        ``stride``, ``padding``, ``dilation``, ``output_padding`` (None or an int;
        used by "transpose"); view ``text`` (HTML from
        :func:`render_output_size`).

    Examples
    --------
    >>> panel = output_size_calculator()
    >>> panel.controls["mode"].value = "transpose"
    >>> panel.controls["stride"].value = 2
    >>> panel.controls["output_padding"].value = 3
    >>> panel.error
    'ValueError: output_padding must be smaller than stride (2), got output_padding=3'
    """
    controls = {
        "mode": widgets.ToggleButtons(options=[("convolution", "conv"),
                                               ("transposed convolution", "transpose")],
                                      value="conv", description="layer"),
        "size": widgets.IntSlider(8, min=1, max=256, description="input size"),
        "kernel_size": widgets.IntSlider(3, min=1, max=9, description="kernel"),
        "stride": widgets.IntSlider(1, min=1, max=4, description="stride"),
        "padding": widgets.Dropdown(options=[("valid", "valid"), ("same", "same")] +
                                    [(str(p), p) for p in range(5)], value="valid",
                                    description="padding"),
        "dilation": widgets.IntSlider(1, min=1, max=4, description="dilation"),
        "output_padding": widgets.Dropdown(options=[("None", None)] +
                                           [(str(a), a) for a in range(4)],
                                           value=None, description="output_padding"),
    }
    views = {"text": widgets.HTML()}

    def update(panel):
        transposed = controls["mode"].value == "transpose"
        controls["output_padding"].disabled = not transposed
        views["text"].value = render_output_size(
            controls["mode"].value, controls["size"].value, controls["kernel_size"].value,
            controls["stride"].value, controls["padding"].value, controls["dilation"].value,
            controls["output_padding"].value if transposed else None)

    rows = [controls["mode"],
            widgets.HBox([widgets.VBox([controls[name] for name in ("size", "kernel_size",
                                                                    "stride")]),
                          widgets.VBox([controls[name] for name in ("padding", "dilation",
                                                                    "output_padding")])]),
            views["text"]]
    panel = Panel(controls, views, rows, update)
    panel.refresh()
    return panel


# =====================================================================================
# Transposed-convolution stepper
# =====================================================================================
_CELL = ("border:1px solid #999;width:2.4em;height:2.1em;text-align:center;"
         "font-family:monospace;font-size:12px;padding:0")


def _table(values, title, styles=None):
    rows = []
    for r, row in enumerate(np.asarray(values)):
        cells = []
        for c, value in enumerate(row):
            extra = styles.get((r, c), "") if styles else ""
            cells.append(f'<td style="{_CELL};{extra}">{_number(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div style="display:inline-block;vertical-align:top;margin-right:1.5em">'
            f'<div style="font-weight:bold;margin-bottom:4px">{title}</div>'
            f'<table style="border-collapse:collapse">{"".join(rows)}</table></div>')


def _stepper_padding_before(size, kernel_size, stride, padding, out_size):
    """Rows cropped from the top of the full scatter canvas (the forward conv's padding)."""
    if padding == "valid":
        return 0
    if padding == "same":
        return max(stride * (size - 1) + kernel_size - out_size, 0) // 2
    return int(padding)


def zero_insertion_grid(x, kernel_shape, stride, padding, output_shape):
    """The input of the zero-insertion view of a transposed convolution.

    ``x`` spread out with ``stride - 1`` zeros between neighbouring pixels and
    framed with zeros, so that sliding the *flipped* kernel over it (a plain
    ``"valid"`` correlation) gives the transposed convolution of ``x``:
    ``output[u, v] = sum(grid[u:u+kh, v:v+kw] * kernel[::-1, ::-1])``.

    Parameters
    ----------
    x : ndarray, shape (H, W)
    kernel_shape : tuple of int
        ``(kh, kw)``.
    stride : int
    padding : {"valid", "same"} or int
        As in :func:`deconv_tutor.reference.conv_transpose`.
    output_shape : tuple of int
        The transposed convolution's output ``(H_out, W_out)``.

    Returns
    -------
    grid : ndarray, shape (H_out + kh - 1, W_out + kw - 1)
    places : dict
        ``{(r, c): (u, v)}``: where each input pixel sits in ``grid`` (pixels
        that the padding crops away entirely are left out).

    Examples
    --------
    >>> grid, places = zero_insertion_grid(np.array([[1.0, 2.0]]), (2, 2), 2, "valid", (2, 4))
    >>> grid
    array([[0., 0., 0., 0., 0.],
           [0., 1., 0., 2., 0.],
           [0., 0., 0., 0., 0.]])
    >>> places
    {(0, 0): (1, 1), (0, 1): (1, 3)}
    """
    image = np.asarray(x, dtype=np.float64)
    kh, kw = kernel_shape
    out_h, out_w = output_shape
    top = kh - 1 - _stepper_padding_before(image.shape[0], kh, stride, padding, out_h)
    left = kw - 1 - _stepper_padding_before(image.shape[1], kw, stride, padding, out_w)
    grid = np.zeros((out_h + kh - 1, out_w + kw - 1))
    places = {}
    for r in range(image.shape[0]):
        for c in range(image.shape[1]):
            u, v = top + r * stride, left + c * stride
            if 0 <= u < grid.shape[0] and 0 <= v < grid.shape[1]:
                grid[u, v] = image[r, c]
                places[(r, c)] = (u, v)
    return grid, places


def render_transposed_step(x, kernel, step, stride=2, padding="valid"):
    """One step of a transposed convolution as scatter-add, beside its zero-insertion view.

    Left: the input with the current pixel (orange) and the pixels already
    done (grey); the kernel; the output after ``step + 1`` stamps, with the
    current stamp's cells outlined. Right: the same computation as a direct
    convolution: the input spread out with ``stride - 1`` zeros between pixels
    and padded, which a sliding, flipped kernel reads; the current pixel is
    orange there too, and it reaches exactly the outlined output cells.

    Parameters
    ----------
    x : array_like, shape (H, W)
        A small single-channel input (a few pixels).
    kernel : array_like, shape (kh, kw)
        Single-channel kernel.
    step : int
        Index of the input pixel being stamped, row-major, ``0 <= step < H * W``.
    stride : int, optional
        Stride of the transposed convolution.
    padding : {"valid", "same"} or int, optional
        As in :func:`deconv_tutor.reference.conv_transpose_scatter`.

    Returns
    -------
    str
        HTML (tables with the values).

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> text = render_transposed_step(x, np.ones((2, 2)), step=1, stride=2)
    >>> "step 2 of 4" in text
    True
    """
    image = np.asarray(x, dtype=np.float64)
    weights = np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2 or weights.ndim != 2:
        raise ValueError(f"x and kernel must be 2-D (one channel), got shapes {image.shape} and "
                         f"{weights.shape}")
    if not (np.all(np.isfinite(image)) and np.all(np.isfinite(weights))):
        raise ValueError("x and kernel must contain only finite values, got NaN or infinity")
    count = image.size
    if not isinstance(step, (int, np.integer)) or not 0 <= step < count:
        raise ValueError(f"step must be an integer in [0, {count}), got {step!r}")
    steps = reference.scatter_steps(image, weights, stride, padding)
    row, col = divmod(int(step), image.shape[1])
    single = np.zeros_like(image)
    single[row, col] = 1.0
    reach = reference.conv_transpose(single[..., None], np.ones((*weights.shape, 1, 1)),
                                     stride, padding)[..., 0]
    current = "background:#ffb74d"
    done = "background:#e0e0e0"
    input_styles = {(r, c): (current if (r, c) == (row, col) else done)
                    for r in range(image.shape[0]) for c in range(image.shape[1])
                    if r * image.shape[1] + c <= step}
    output_styles = {tuple(position): "outline:2px solid #e65100;outline-offset:-2px"
                     for position in np.argwhere(reach > 0)}
    spread, places = zero_insertion_grid(image, weights.shape, stride, padding,
                                         steps.shape[1:])
    spread_styles = {place: (current if pixel == (row, col) else "background:#fff3e0")
                     for pixel, place in places.items()}
    for u in range(spread.shape[0]):
        for v in range(spread.shape[1]):
            spread_styles.setdefault((u, v), "color:#bbb")
    title = f"output after step {step + 1} of {count}"
    zero_title = f"zero-insertion view: {stride - 1} zero(s) between pixels, padded"
    return (f"<div>{_table(image, 'input x', input_styles)}{_table(weights, 'kernel')}"
            f"{_table(steps[step], title, output_styles)}</div>"
            f'<div style="margin-top:10px">'
            f"{_table(spread, zero_title, spread_styles)}"
            f"{_table(weights[::-1, ::-1], 'flipped kernel')}"
            f"{_table(steps[-1], 'complete output')}</div>")


def transposed_conv_stepper(x=None, kernel=None):
    """Step through a transposed convolution one input pixel at a time.

    Parameters
    ----------
    x : array_like, shape (H, W), optional
        Input; default ``[[1, 2], ...]`` of the size chosen with the
        ``input_size`` slider.
    kernel : array_like, shape (kh, kw), optional
        Kernel; default ``1, 2, 3, ...`` of the size chosen with ``kernel_size``.

    Returns
    -------
    Panel
        Controls ``step`` (with a ``play`` button), ``stride``, ``padding``,
        ``input_size`` and ``kernel_size`` (fixed when ``x`` / ``kernel`` are
        given); view ``text`` (HTML from :func:`render_transposed_step`).

    Examples
    --------
    >>> panel = transposed_conv_stepper()
    >>> panel.controls["step"].max
    3
    >>> panel.controls["input_size"].value = 3
    >>> panel.controls["step"].max
    8
    """
    given_x = None if x is None else np.asarray(x, dtype=np.float64)
    given_kernel = None if kernel is None else np.asarray(kernel, dtype=np.float64)
    controls = {
        "step": widgets.IntSlider(0, min=0, max=3, description="step"),
        "play": widgets.Play(0, min=0, max=3, interval=700, description="play"),
        "stride": widgets.IntSlider(2, min=1, max=3, description="stride"),
        "padding": widgets.Dropdown(options=[("valid", "valid"), ("same", "same"), ("0", 0),
                                             ("1", 1), ("2", 2)], value="valid",
                                    description="padding"),
        "input_size": widgets.IntSlider(2, min=2, max=4, description="input size",
                                        disabled=given_x is not None),
        "kernel_size": widgets.IntSlider(3, min=2, max=4, description="kernel size",
                                         disabled=given_kernel is not None),
    }
    widgets.link((controls["play"], "value"), (controls["step"], "value"))
    widgets.link((controls["play"], "max"), (controls["step"], "max"))
    views = {"text": widgets.HTML()}

    def current():
        size = controls["input_size"].value
        k = controls["kernel_size"].value
        image = given_x if given_x is not None else np.arange(1.0, size * size + 1).reshape(size,
                                                                                         size)
        weights = given_kernel if given_kernel is not None else np.arange(1.0, k * k + 1).reshape(
            k, k)
        return image, weights

    def resize(change):
        image, _ = current()
        with panel.hold():
            controls["step"].max = image.size - 1
            controls["step"].value = min(controls["step"].value, image.size - 1)

    def update(panel):
        image, weights = current()
        views["text"].value = render_transposed_step(image, weights, controls["step"].value,
                                                     controls["stride"].value,
                                                     controls["padding"].value)

    rows = [widgets.HBox([controls["play"], controls["step"]]),
            widgets.HBox([controls["stride"], controls["padding"]]),
            widgets.HBox([controls["input_size"], controls["kernel_size"]]), views["text"]]
    # Play's own value mirrors step through the link; observing both would draw twice.
    panel = Panel({name: control for name, control in controls.items() if name != "play"},
                  views, rows, update, manual=("input_size",))
    panel.controls["play"] = controls["play"]
    controls["input_size"].observe(resize, names="value")
    with panel.hold():
        resize(None)
    return panel


# =====================================================================================
# Checkerboard explorer
# =====================================================================================
def _check_layers(kernel_sizes, strides):
    kernel_sizes, strides = list(kernel_sizes), list(strides)
    if not 1 <= len(kernel_sizes) <= 3 or len(kernel_sizes) != len(strides):
        raise ValueError(f"kernel_sizes and strides must have 1 to 3 entries each, and as many "
                         f"strides as kernel sizes, got {kernel_sizes} and {strides}")
    for name, values in (("kernel_sizes", kernel_sizes), ("strides", strides)):
        for value in values:
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must hold positive integers, got {values}")
    return kernel_sizes, strides


def overlap_profile(kernel_sizes, strides, input_size=6):
    """How many kernel taps land on each output pixel along one axis of stacked transposed convs.

    Every layer is a transposed convolution (``"valid"``, all-ones kernel)
    applied to an all-ones input, so each output value counts the paths from the
    input to that pixel: an even count means no pattern, an uneven one is the
    checkerboard of Odena, Dumoulin and Olah, "Deconvolution and Checkerboard
    Artifacts", Distill 2016.

    Parameters
    ----------
    kernel_sizes, strides : sequence of int
        One entry per layer (1 to 3 layers), first layer first.
    input_size : int, optional
        Input pixels along the axis.

    Returns
    -------
    ndarray of int64
        The counts along the output axis.

    Examples
    --------
    >>> overlap_profile([3], [2], input_size=4).tolist()
    [1, 1, 2, 1, 2, 1, 2, 1, 1]
    >>> overlap_profile([4], [2], input_size=4).tolist()
    [1, 1, 2, 2, 2, 2, 2, 2, 1, 1]
    """
    kernel_sizes, strides = _check_layers(kernel_sizes, strides)
    if not isinstance(input_size, (int, np.integer)) or input_size < 1:
        raise ValueError(f"input_size must be a positive integer, got {input_size!r}")
    counts = np.ones(input_size, dtype=np.int64)
    for kernel_size, stride in zip(kernel_sizes, strides):
        # Keras 'valid' length; with k < s the gaps between stamps stay at zero.
        out = np.zeros(stride * (len(counts) - 1) + max(kernel_size, stride), dtype=np.int64)
        for tap in range(kernel_size):
            out[tap: tap + stride * (len(counts) - 1) + 1: stride] += counts
        counts = out
    return counts


def overlap_counts(kernel_sizes, strides, input_size=6):
    """2-D overlap map: :func:`overlap_profile` along rows times along columns.

    Parameters
    ----------
    kernel_sizes, strides, input_size
        As in :func:`overlap_profile` (square kernels, equal strides per axis).

    Returns
    -------
    ndarray of int64, shape (L, L)

    Examples
    --------
    >>> overlap_counts([3], [2], input_size=2)
    array([[1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1],
           [2, 2, 4, 2, 2],
           [1, 1, 2, 1, 1],
           [1, 1, 2, 1, 1]])
    """
    profile = overlap_profile(kernel_sizes, strides, input_size)
    return np.outer(profile, profile)


def _interior(kernel_sizes, strides, length):
    """Output positions away from the border effects of every layer."""
    margin = 0
    for index, kernel_size in enumerate(kernel_sizes):
        later = int(np.prod(strides[index + 1:], dtype=np.int64))
        margin += (kernel_size - 1) * later
    return margin, length - margin


def _bar_chart(values, cell, height=64, band=None):
    """A bar chart of small integer counts drawn as an image (one bar per output pixel)."""
    top = max(int(values.max()), 1)
    chart = np.full((height, len(values) * cell, 3), 255, np.uint8)
    if band is not None:
        chart[:, band[0] * cell: band[1] * cell] = (236, 242, 250)
    levels = np.round(values / top * (height - 4)).astype(int)
    for index, level in enumerate(levels):
        if level > 0:
            chart[height - level:, index * cell: (index + 1) * cell - (1 if cell > 2 else 0)] = \
                _VIRIDIS[int(values[index] / top * 255)]
    return chart


def render_checkerboard(kernel_sizes, strides, input_size=6, display_size=256):
    """The checkerboard explorer's pictures: the overlap map and its 1-D profile.

    Parameters
    ----------
    kernel_sizes, strides, input_size
        As in :func:`overlap_profile`.
    display_size : int, optional
        Approximate width in pixels of the pictures (pixels are repeated).

    Returns
    -------
    map_image : ndarray of uint8, shape (L * cell, L * cell, 3)
        Counts coloured with viridis (dark: few taps, yellow: many).
    profile_image : ndarray of uint8, shape (64, L * cell, 3)
        Bars of the 1-D profile; the interior (away from the borders) is shaded.
    text : str
        Sizes, counts and the max/min ratio over the interior (HTML).

    Examples
    --------
    >>> picture, bars, text = render_checkerboard([3, 3], [2, 2], input_size=4)
    >>> picture.shape == (bars.shape[1], bars.shape[1], 3), picture.dtype
    (True, dtype('uint8'))
    >>> print(text.split("<br>")[1])
    max/min over the interior: 3 / 1 = 3.00 along one axis, 9.00 on the 2-D map
    """
    profile = overlap_profile(kernel_sizes, strides, input_size)
    kernel_sizes, strides = list(kernel_sizes), list(strides)
    length = len(profile)
    start, stop = _interior(kernel_sizes, strides, length)
    if stop - start < 1:
        raise ValueError(f"input_size {input_size} is too small to get away from the borders of "
                         f"these layers: increase it")
    cell = max(1, display_size // length)
    top = max(int(profile.max()), 1)
    levels = (np.outer(profile, profile) * 255 // (top * top)).astype(np.intp)
    picture = _VIRIDIS[levels]
    picture = np.repeat(np.repeat(picture, cell, axis=0), cell, axis=1)
    bars = _bar_chart(profile, cell, band=(start, stop))
    inner = profile[start:stop]
    high, low = int(inner.max()), int(inner.min())
    if low == 0:
        ratio = ("max/min over the interior: ∞ — some output pixels get no tap at all "
                 "(kernel smaller than stride): holes")
    else:
        ratio = (f"max/min over the interior: {high} / {low} = {high / low:.2f} along one axis, "
                 f"{(high / low) ** 2:.2f} on the 2-D map")
    verdict = ("even overlap: no checkerboard" if high == low else
               "uneven overlap: a checkerboard pattern")
    layers = " → ".join(f"(k={k}, s={s})" for k, s in zip(kernel_sizes, strides))
    text = (f"{len(kernel_sizes)} layer(s) {layers}: input {input_size} → output {length} "
            f"pixels per axis<br>{ratio}<br>{verdict}; interior = output pixels "
            f"{start}..{stop - 1}")
    return picture, bars, text


def checkerboard_explorer(display_size=256):
    """Kernel size and stride of one to three stacked transposed convolutions -> overlap map.

    After Distill's "Deconvolution and Checkerboard Artifacts": a kernel size
    divisible by the stride overlaps evenly; any other choice paints a grid, and
    stacking layers compounds it.

    Parameters
    ----------
    display_size : int, optional
        Width of the pictures in pixels.

    Returns
    -------
    Panel
        Controls ``layers`` (1-3), ``kernel_1`` .. ``kernel_3``, ``stride_1`` ..
        ``stride_3``, ``input_size``; views ``map``, ``profile`` (images),
        ``text``.

    Examples
    --------
    >>> panel = checkerboard_explorer()
    >>> panel.controls["kernel_1"].value = 4
    >>> "no checkerboard" in panel.views["text"].value
    True
    """
    controls = {"layers": widgets.ToggleButtons(options=[1, 2, 3], value=1, description="layers")}
    for index in (1, 2, 3):
        controls[f"kernel_{index}"] = widgets.IntSlider(3, min=1, max=8,
                                                        description=f"kernel {index}")
        controls[f"stride_{index}"] = widgets.IntSlider(2, min=1, max=4,
                                                        description=f"stride {index}")
    controls["input_size"] = widgets.IntSlider(6, min=2, max=16, description="input size")
    views = {"map": _image_view(display_size), "profile": _image_view(), "text": widgets.HTML()}

    def update(panel):
        count = controls["layers"].value
        for index in (1, 2, 3):
            for name in (f"kernel_{index}", f"stride_{index}"):
                controls[name].disabled = index > count
        picture, bars, text = render_checkerboard(
            [controls[f"kernel_{i}"].value for i in range(1, count + 1)],
            [controls[f"stride_{i}"].value for i in range(1, count + 1)],
            controls["input_size"].value, display_size)
        views["map"].value = png_bytes(picture)
        views["profile"].value = png_bytes(bars)
        views["text"].value = text

    rows = [widgets.HBox([controls["layers"], controls["input_size"]]),
            widgets.HBox([widgets.VBox([controls[f"kernel_{i}"], controls[f"stride_{i}"]])
                          for i in (1, 2, 3)]),
            _caption("taps per output pixel", views["map"]),
            _caption("one row (shaded: interior)", views["profile"]), views["text"]]
    panel = Panel(controls, views, rows, update)
    panel.refresh()
    return panel


# =====================================================================================
# Feature maps
# =====================================================================================
# Sub-models per model, built once per layer: building one costs far more than calling it.
_SUBMODELS = weakref.WeakKeyDictionary()


def _submodel(model, key, outputs):
    cache = _SUBMODELS.setdefault(model, {})
    if key not in cache:
        cache[key] = keras.Model(model.inputs, outputs)
    return cache[key]


def _check_model(model):
    if not isinstance(model, keras.Model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")
    if len(model.inputs) != 1:
        raise ValueError(f"model must have exactly one image input, got {len(model.inputs)}")
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4:
        raise ValueError(f"model input must be (batch, height, width, channels), got {shape}")
    return shape


def _layer(model, layer_name):
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"layer_name must name a layer of {model.name!r} ({', '.join(names)}), "
                         f"got {layer_name!r}")
    return model.get_layer(layer_name)


def _output_rank(layer):
    try:
        return len(layer.output.shape)
    except (AttributeError, ValueError):  # layers used several times have no single output
        return None


def feature_map_layers(model):
    """Names of the layers whose outputs are feature maps (4-D: batch, H, W, channels).

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    list of str

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="c"),
    ...                           keras.layers.Flatten(name="f")])
    >>> feature_map_layers(model)
    ['c']
    """
    _check_model(model)
    return [layer.name for layer in model.layers
            if not isinstance(layer, keras.layers.InputLayer) and _output_rank(layer) == 4]


def _model_batch(model, frame):
    shape = _check_model(model)
    image = np.asarray(frame, dtype=np.float32)
    if image.ndim not in (2, 3) or min(image.shape) < 1:
        raise ValueError(f"frame must have shape (H, W) or (H, W, channels), got {image.shape}")
    if not np.all(np.isfinite(image)):
        raise ValueError("frame must contain only finite values, got NaN or infinity")
    if image.ndim == 2:
        image = image[..., None]
    expected = shape[1:]
    for got, want, axis in zip(image.shape, expected, ("height", "width", "channels")):
        if want is not None and got != want:
            raise ValueError(f"frame must match the model input (height, width, channels) = "
                             f"{expected}, got {image.shape} (differs in {axis})")
    return image[None]


def feature_maps(model, frame, layer_name):
    """The activations of one layer for one frame.

    Parameters
    ----------
    model : keras.Model
        Any model with one image input (channels-last).
    frame : ndarray, shape (H, W, C)
        One frame the model accepts.
    layer_name : str
        A name from :func:`feature_map_layers`.

    Returns
    -------
    ndarray, float32, shape (H', W', channels)

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(2, 3, name="c")])
    >>> feature_maps(model, np.zeros((8, 8, 1)), "c").shape
    (6, 6, 2)
    """
    batch = _model_batch(model, frame)
    layer = _layer(model, layer_name)
    if _output_rank(layer) != 4 or isinstance(layer, keras.layers.InputLayer):
        raise ValueError(f"layer_name must name a layer with 4-D feature maps "
                         f"({', '.join(feature_map_layers(model))}), got {layer_name!r}")
    submodel = _submodel(model, ("maps", layer_name), layer.output)
    values = submodel([batch], training=False)
    return np.asarray(keras.ops.convert_to_numpy(values)[0], dtype=np.float32)


def _tile(maps, ncols, tile=96, gap=2):
    """(N, h, w) values in [0, 1] -> one uint8 RGB grid, each map drawn about ``tile`` pixels.

    Small maps are enlarged by pixel repetition; large ones shrunk by block
    averaging (edge-padded to whole blocks), which keeps the grid quick to send.
    """
    count, height, width = maps.shape
    largest = max(height, width)
    if largest > tile:
        factor = math.ceil(largest / tile)
        padded = np.pad(maps, ((0, 0), (0, -height % factor), (0, -width % factor)), mode="edge")
        maps = padded.reshape(count, padded.shape[1] // factor, factor,
                              padded.shape[2] // factor, factor).mean(axis=(2, 4))
        height, width = maps.shape[1:]
    scale = max(1, tile // max(height, width))
    nrows = math.ceil(count / ncols)
    cell_h, cell_w = height * scale, width * scale
    grid = np.full((nrows * (cell_h + gap) - gap, ncols * (cell_w + gap) - gap, 3), 255, np.uint8)
    coloured = _VIRIDIS[(np.clip(maps, 0.0, 1.0) * 255).astype(np.intp)]
    if scale > 1:
        coloured = np.repeat(np.repeat(coloured, scale, axis=1), scale, axis=2)
    for index in range(count):
        row, col = divmod(index, ncols)
        grid[row * (cell_h + gap): row * (cell_h + gap) + cell_h,
             col * (cell_w + gap): col * (cell_w + gap) + cell_w] = coloured[index]
    return grid


def _activation_stats(values):
    return {"mean": float(values.mean()), "std": float(values.std()),
            "fraction_zero": float(np.mean(values == 0.0)),
            "min": float(values.min()), "max": float(values.max())}


def render_feature_maps(activations, first_channel=0, count=16, ncols=4):
    """A grid of feature maps and their statistics.

    Each map is scaled from its own min to its own max (viridis: dark low,
    yellow high); a constant map is drawn dark. Maps are drawn about 96 pixels
    wide: small ones enlarged, large ones block-averaged.

    Parameters
    ----------
    activations : ndarray, shape (H, W, channels)
        From :func:`feature_maps`.
    first_channel : int, optional
        First channel shown.
    count : int, optional
        How many channels (fewer when the layer has fewer left).
    ncols : int, optional
        Columns of the grid.

    Returns
    -------
    grid : ndarray of uint8, shape (rows, cols, 3)
    stats : dict
        Over the whole layer: ``mean``, ``std``, ``fraction_zero``, ``min``,
        ``max``; and ``channels``: the list of shown channel indices.

    Examples
    --------
    >>> maps = np.maximum(np.random.default_rng(0).normal(size=(8, 8, 6)), 0)
    >>> grid, stats = render_feature_maps(maps, count=4, ncols=2)
    >>> grid.dtype, stats["channels"], round(stats["fraction_zero"], 2)
    (dtype('uint8'), [0, 1, 2, 3], 0.53)
    """
    values = np.asarray(activations, dtype=np.float32)
    if values.ndim != 3:
        raise ValueError(f"activations must have shape (H, W, channels), got {values.shape}")
    channels = values.shape[-1]
    if not isinstance(first_channel, (int, np.integer)) or not 0 <= first_channel < channels:
        raise ValueError(f"first_channel must be in [0, {channels}), got {first_channel!r}")
    for name, value in (("count", count), ("ncols", ncols)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    shown = list(range(first_channel, min(first_channel + count, channels)))
    maps = np.moveaxis(values[..., shown], -1, 0)
    low = maps.min(axis=(1, 2), keepdims=True)
    span = maps.max(axis=(1, 2), keepdims=True) - low
    scaled = np.where(span > 0, (maps - low) / np.where(span > 0, span, 1.0), 0.0)
    stats = _activation_stats(values)
    stats["channels"] = shown
    return _tile(scaled, min(ncols, len(shown))), stats


def _stats_html(stats, layer_name, shape):
    return (f"<b>{html.escape(layer_name)}</b> {shape[0]}×{shape[1]}×{shape[2]} · channels "
            f"{stats['channels'][0]}–{stats['channels'][-1]} shown · mean {stats['mean']:.3f}"
            f" · std {stats['std']:.3f} · zero {100 * stats['fraction_zero']:.1f}% · range "
            f"[{stats['min']:.3f}, {stats['max']:.3f}]")


def _clip_frames(clip):
    video = np.asarray(clip)
    if video.ndim == 3:
        video = video[None]
    return _check_video(video, "clip")


def feature_map_explorer(model, clip, count=16, ncols=4):
    """Look inside any Keras model: any layer with feature maps, any channel, any frame.

    Parameters
    ----------
    model : keras.Model
        One image input, channels-last.
    clip : ndarray
        A video ``(T, H, W, C)`` (or one frame) the model accepts.
    count, ncols : int, optional
        Channels per page and grid columns.

    Returns
    -------
    Panel
        Controls ``layer`` (all layers with 4-D outputs), ``first_channel``,
        ``frame`` (with a ``play`` button); views ``input``, ``maps`` (images),
        ``stats`` (HTML). ``panel.cache`` holds the activations computed so far,
        by ``(layer, frame)``, so paging through channels does not rerun the model.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((16, 16, 3)),
    ...                           keras.layers.Conv2D(4, 3, activation="relu", name="c1"),
    ...                           keras.layers.MaxPooling2D(name="p1")])
    >>> panel = feature_map_explorer(model, np.zeros((2, 16, 16, 3)))
    >>> panel.controls["layer"].options
    ('c1', 'p1')
    >>> panel.controls["layer"].value = "p1"
    >>> "p1</b> 7×7×4" in panel.views["stats"].value
    True
    """
    video = _clip_frames(clip)
    names = feature_map_layers(model)
    if not names:
        raise ValueError(f"model must have at least one layer with 4-D outputs, got none in "
                         f"{model.name!r}")
    controls = {
        # A combobox: pick from the list, or type a name (a wrong one gets a message).
        "layer": widgets.Combobox(options=names, value=names[0], description="layer",
                                  ensure_option=False, continuous_update=False),
        "first_channel": widgets.IntSlider(0, min=0, max=0, step=count,
                                           description="channels from", continuous_update=False),
        "frame": widgets.IntSlider(0, min=0, max=len(video) - 1, description="frame"),
        "play": widgets.Play(0, min=0, max=len(video) - 1, interval=250, description="play"),
    }
    widgets.link((controls["play"], "value"), (controls["frame"], "value"))
    views = {"input": _image_view(192), "maps": _image_view(), "stats": widgets.HTML()}
    cache = {}

    def update(panel):
        layer_name, index = controls["layer"].value, controls["frame"].value
        key = (layer_name, index)
        if key not in cache:
            if len(cache) > 64:
                cache.clear()
            cache[key] = feature_maps(model, video[index], layer_name)
        values = cache[key]
        channels = values.shape[-1]
        if controls["first_channel"].max != max(channels - 1, 0):
            with panel.quiet():
                controls["first_channel"].max = max(channels - 1, 0)
        first = min(controls["first_channel"].value, channels - 1)
        grid, stats = render_feature_maps(values, first, count, ncols)
        views["input"].value = png_bytes(video[index])
        views["maps"].value = png_bytes(grid)
        views["stats"].value = _stats_html(stats, layer_name, values.shape)

    rows = [widgets.HBox([controls["layer"], controls["first_channel"]]),
            widgets.HBox([controls["play"], controls["frame"]]),
            widgets.HBox([_caption("frame", views["input"]), _caption("feature maps",
                                                                       views["maps"])]),
            views["stats"]]
    panel = Panel({name: control for name, control in controls.items() if name != "play"},
                  views, rows, update)
    panel.controls["play"] = controls["play"]
    panel.cache = cache
    panel.refresh()
    return panel


# =====================================================================================
# Deconvnet projection (Zeiler and Fergus, 2014)
# =====================================================================================
_PASS_THROUGH = ("Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
                 "ActivityRegularization")
# Increasing activations keep the order of what they receive; the deconvnet never
# reads the forward values of an activation, so it passes its signal through them
# unchanged. Only the rectification of a ReLU is applied on the way back.
_MONOTONE = ("linear", "sigmoid", "tanh")
_SUPPORTED = ("Conv2D and Conv2DTranspose (ReLU, linear, sigmoid or tanh), MaxPooling2D, "
              "UpSampling2D (nearest), Add, Concatenate, ReLU, activation and dropout layers")


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation))


def _backward_kind(layer):
    """How the deconvnet passes a signal back through ``layer``: a kind, or an error text."""
    kind = type(layer).__name__
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        return None, f"{layer.name} is a channels_first {kind}"
    if kind in ("Conv2D", "Conv2DTranspose"):
        if getattr(layer, "groups", 1) != 1:
            return None, f"{layer.name} is a grouped {kind} (groups={layer.groups})"
        activation = _activation_name(layer)
        if activation != "relu" and activation not in _MONOTONE:
            return None, f"{layer.name} is a {kind} with activation {activation!r}"
        return ("conv" if kind == "Conv2D" else "transpose"), None
    if kind == "MaxPooling2D":
        return "pool", None
    if kind == "UpSampling2D":
        if layer.interpolation != "nearest":
            return None, (f"{layer.name} is an UpSampling2D with interpolation "
                          f"{layer.interpolation!r} (only 'nearest' is projected)")
        return "upsample", None
    if kind == "Add":
        shapes = {tuple(tensor.shape) for tensor in layer.input}
        if len(shapes) != 1:
            return None, f"{layer.name} is an Add that broadcasts {sorted(shapes, key=str)}"
        return "add", None
    if kind == "Concatenate":
        if layer.axis in (0, -len(layer.input[0].shape)):
            return None, f"{layer.name} is a Concatenate along the batch axis"
        return "concatenate", None
    if kind == "ReLU" or (kind == "Activation" and _activation_name(layer) == "relu"):
        return "relu", None
    if kind in _PASS_THROUGH or (kind == "Activation" and _activation_name(layer) in _MONOTONE):
        return "identity", None
    return None, f"{layer.name} is a {kind}"


def _inputs_of(layer):
    """The layers whose outputs ``layer`` reads, in the order of its inputs."""
    # Keras 3 records the graph in `_inbound_nodes` and each symbolic tensor's
    # `_keras_history` (the layer that made it); the public API has no parent link.
    return [tensor._keras_history.operation for tensor in layer._inbound_nodes[0].input_tensors]


def _graph(model, layer_name):
    """The layers between the model input and ``layer_name``, in an order the forward pass allows.

    Returns a list of ``(layer, kind, parents)``: entry 0 is the input layer
    (kind ``"input"``), ``parents`` are the indices of the entries a layer reads,
    and the last entry is ``layer_name``. Skip connections (Add, Concatenate)
    make this a graph rather than a chain: a layer read twice gets both signals.
    """
    target = _layer(model, layer_name)
    order, index = [], {}

    def visit(layer):
        if id(layer) in index:
            return index[id(layer)]
        if isinstance(layer, keras.layers.InputLayer):
            kind, parents = "input", []
        else:
            if len(getattr(layer, "_inbound_nodes", [])) > 1:
                raise ValueError(f"layer_name {layer_name!r}: layer {layer.name!r} is used more "
                                 f"than once; a deconvnet needs every layer applied once")
            kind, problem = _backward_kind(layer)
            if kind is None:
                raise ValueError(f"layer_name {layer_name!r}: the deconvnet projects through "
                                 f"{_SUPPORTED} only, but {problem}")
            parents = [visit(parent) for parent in _inputs_of(layer)]
            if not parents:
                raise ValueError(f"layer_name {layer_name!r}: layer {layer.name!r} reads no "
                                 f"input, so nothing can be projected through it")
        index[id(layer)] = len(order)
        order.append((layer, kind, parents))
        return index[id(layer)]

    # Depth first from the target: every layer comes after all the layers it
    # reads, the input (the only layer that reads nothing) first.
    visit(target)
    return order


def projectable_layers(model):
    """Names of the layers :func:`project` can project back to pixel space.

    Parameters
    ----------
    model : keras.Model

    Returns
    -------
    list of str
        Layers with 4-D outputs reached from the input through Conv2D and
        Conv2DTranspose (ReLU, linear, sigmoid or tanh; any stride, padding
        and dilation), MaxPooling2D, nearest UpSampling2D, Add, Concatenate,
        ReLU, activation and dropout layers: the encoder *and* the decoder of
        an encoder-decoder.

    Examples
    --------
    >>> from deconv_tutor import models
    >>> projectable_layers(models.encoder_decoder((16, 16, 3), filters=4, depth=1))
    ['down1_conv', 'down1_pool', 'up1_transpose', 'output_conv', 'output']
    >>> model = models.encoder_decoder((16, 16, 3), filters=4, depth=1, upsampling="upsample_conv")
    >>> projectable_layers(model)[2:4]
    ['up1_upsample', 'up1_conv']
    """
    names = []
    for name in feature_map_layers(model):
        with contextlib.suppress(ValueError):
            _graph(model, name)
            names.append(name)
    return names


def _same_before(size, window, stride, out):
    return max((out - 1) * stride + window - size, 0) // 2


def _support(signal):
    """Bounding box (top, bottom, left, right) of the pixels where ``signal`` is not zero."""
    rows = np.flatnonzero(np.any(signal != 0, axis=(1, 2)))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(np.any(signal != 0, axis=(0, 2)))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def _kernel_of(layer):
    return keras.ops.convert_to_numpy(layer.kernel).astype(np.float32)


def _conv_adjoint(signal, layer, input_shape, rectify=False):
    """Back through a Conv2D: the transposed convolution with the layer's own kernel.

    A ``Conv2D`` kernel ``(kh, kw, in, out)`` is already the ``Conv2DTranspose``
    layout ``(kh, kw, out_T, in_T)`` of the way back. The full scatter canvas is
    cropped by the forward padding to the forward input's size; input pixels
    the forward convolution never read (a stride that does not divide) get 0.
    A deconvnet signal starts as one activation, so only its non-zero box and
    non-zero channels are transposed (by linearity, the rest adds nothing);
    ``rectify`` applies the layer's ReLU on the way back to that box only.
    """
    kernel = _kernel_of(layer)
    (s_h, s_w), (d_h, d_w) = tuple(layer.strides), tuple(layer.dilation_rate)
    height, width = input_shape[:2]
    result = np.zeros((height, width, kernel.shape[2]), np.float32)
    box = _support(signal)
    if box is None:
        return result
    top, bottom, left, right = box
    output_shape = signal.shape[:2]
    signal = signal[top:bottom, left:right]
    if rectify:
        signal = np.maximum(signal, 0.0)
    active = np.flatnonzero(np.any(signal != 0, axis=(0, 1)))
    if active.size == 0:  # everything was rectified away
        return result
    part = reference.conv_transpose(signal[..., active],
                                    kernel[..., active], (s_h, s_w), "valid", None, (d_h, d_w))
    befores = [_same_before(size, d * (k - 1) + 1, stride, out) if layer.padding == "same"
               else 0 for size, out, k, stride, d in zip((height, width), output_shape,
                                                        kernel.shape[:2], (s_h, s_w),
                                                        (d_h, d_w))]
    # Canvas row r is forward-input row r - before; the part starts at canvas row top * s.
    row0, col0 = top * s_h - befores[0], left * s_w - befores[1]
    rows = slice(max(row0, 0), min(row0 + part.shape[0], height))
    cols = slice(max(col0, 0), min(col0 + part.shape[1], width))
    result[rows, cols] = part[rows.start - row0: rows.stop - row0,
                              cols.start - col0: cols.stop - col0]
    return result


def _transpose_adjoint(signal, layer, input_shape, rectify=False):
    """Back through a Conv2DTranspose: the strided convolution with the layer's own kernel.

    The forward pass scatters input pixel ``u`` into the canvas at
    ``u * s + a * d`` (tap ``a``) and crops ``before`` canvas pixels in front.
    Its adjoint gathers: pad the signal back by ``before`` (zeros where the
    forward pass cropped), then a "valid" convolution with stride ``s`` and
    dilation ``d``. A ``Conv2DTranspose`` kernel ``(kh, kw, out, in)`` is
    already the ``Conv2D`` layout ``(kh, kw, in_C, out_C)`` of that convolution.
    As in :func:`_conv_adjoint`, only the input pixels whose taps reach the
    signal's non-zero box are computed.
    """
    kernel = _kernel_of(layer)
    strides, dilations = tuple(layer.strides), tuple(layer.dilation_rate)
    paddings = layer.output_padding or (None, None)
    result = np.zeros((*input_shape[:2], kernel.shape[3]), np.float32)
    box = _support(signal)
    if box is None:
        return result
    ranges, local = [], []
    for axis, (size, k, s, d, a) in enumerate(zip(input_shape[:2], kernel.shape[:2], strides,
                                                  dilations, paddings)):
        # reference's geometry is Keras's: the canvas pixels cropped in front.
        _, before = reference._transpose_geometry(size, k, s, layer.padding, a, d, axis)
        span = d * (k - 1) + 1
        start, stop = box[2 * axis] + before, box[2 * axis + 1] + before  # canvas coordinates
        first = max(-(-(start - span + 1) // s), 0)
        last = min((stop - 1) // s, size - 1)
        if first > last:  # the signal lies only in the output_padding zeros
            return result
        ranges.append(slice(first, last + 1))
        local.append((first * s - before, (last - first) * s + span))
    (row0, rows), (col0, cols) = local
    source_rows = slice(max(row0, 0), min(row0 + rows, signal.shape[0]))
    source_cols = slice(max(col0, 0), min(col0 + cols, signal.shape[1]))
    source = signal[source_rows, source_cols]
    if rectify:
        source = np.maximum(source, 0.0)
    active = np.flatnonzero(np.any(source != 0, axis=(0, 1)))
    if active.size == 0:  # everything was rectified away, or cropped by the forward pass
        return result
    canvas = np.zeros((rows, cols, active.size), np.float32)
    canvas[source_rows.start - row0: source_rows.stop - row0,
           source_cols.start - col0: source_cols.stop - col0] = source[..., active]
    result[ranges[0], ranges[1]] = reference.conv2d(canvas, kernel[:, :, active], strides,
                                                    "valid", dilations)
    return result


def _upsample_adjoint(signal, layer):
    """Back through a nearest-neighbour UpSampling2D: the sum over each s_h x s_w block."""
    s_h, s_w = tuple(layer.size)
    height, width, channels = signal.shape
    return signal.reshape(height // s_h, s_h, width // s_w, s_w, channels).sum(axis=(1, 3))


def _unpool(signal, layer, pool_input):
    """Back through a MaxPooling2D: each value goes to where its window's maximum was."""
    (ph, pw), (sh, sw) = tuple(layer.pool_size), tuple(layer.strides)
    height, width, channels = pool_input.shape
    out_h, out_w = signal.shape[:2]
    top = _same_before(height, ph, sh, out_h) if layer.padding == "same" else 0
    left = _same_before(width, pw, sw, out_w) if layer.padding == "same" else 0
    result = np.zeros((height, width, channels), np.float32)
    box = _support(signal)
    if box is None:
        return result
    # The switches, looked up only where the signal is non-zero: where in each
    # window the forward pass found its maximum. Reading those windows alone (not
    # the whole map) keeps a single activation's projection fast at any size.
    u, v, c = np.nonzero(signal[box[0]: box[1], box[2]: box[3]])
    u, v = u + box[0], v + box[2]
    rows = u[:, None] * sh - top + np.arange(ph)  # (n, ph) input rows of each window
    cols = v[:, None] * sw - left + np.arange(pw)
    values = pool_input[np.clip(rows, 0, height - 1)[:, :, None],
                        np.clip(cols, 0, width - 1)[:, None, :], c[:, None, None]]
    # "same" padding: window cells outside the input never hold the maximum.
    outside = ((rows < 0) | (rows >= height))[:, :, None] | ((cols < 0) | (cols >= width))[:, None]
    switches = np.where(outside, -np.inf, values).reshape(len(u), ph * pw).argmax(axis=-1)
    row_index = rows[np.arange(len(u)), switches // pw]
    col_index = cols[np.arange(len(u)), switches % pw]
    if sh >= ph and sw >= pw:
        result[row_index, col_index, c] = signal[u, v, c]  # windows do not overlap
    else:
        # Overlapping windows can share a maximum: add, as the gradient does.
        np.add.at(result, (row_index, col_index, c), signal[u, v, c])
    return result


def _backward_step(layer, kind, signal, inputs):
    """The signals a deconvnet sends to each input of ``layer``, given the one at its output.

    ``inputs`` are the layer's forward inputs (one frame each, no batch axis):
    the unpooling reads its switches there, the others only their shapes.
    """
    # Zeiler and Fergus rectify the signal on the way back through a ReLU, whatever
    # the forward pass did: the reconstruction stays a sum of positive parts.
    if kind == "relu":
        return [np.maximum(signal, 0.0)]
    rectify = _activation_name(layer) == "relu"
    if kind == "conv":
        return [_conv_adjoint(signal, layer, inputs[0].shape, rectify)]
    if kind == "transpose":
        return [_transpose_adjoint(signal, layer, inputs[0].shape, rectify)]
    if kind == "pool":
        return [_unpool(signal, layer, inputs[0])]
    if kind == "upsample":
        return [_upsample_adjoint(signal, layer)]
    if kind == "add":
        return [signal] * len(inputs)  # y = x1 + x2: each input gets the whole signal
    if kind == "concatenate":
        axis = layer.axis - 1 if layer.axis > 0 else layer.axis  # the frame has no batch axis
        edges = np.cumsum([part.shape[axis] for part in inputs])[:-1]
        return np.split(signal, edges, axis=axis)
    return [signal]  # dropout, increasing activations


def _forward_graph(model, frame, layer_name):
    """(graph, activations): the layers up to ``layer_name`` and their outputs for one frame."""
    batch = _model_batch(model, frame)
    graph = _graph(model, layer_name)
    if len(graph) == 1:
        raise ValueError(f"layer_name must name a layer after the input, got {layer_name!r}")
    forward = _submodel(model, ("graph", layer_name), [layer.output for layer, _, _ in graph[1:]])
    outputs = forward([batch], training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return graph, [batch[0]] + [np.asarray(keras.ops.convert_to_numpy(value)[0], np.float32)
                                for value in outputs]


def _backward_graph(graph, activations, channel, keep):
    layer_name = graph[-1][0].name
    top = activations[-1]
    channels = top.shape[-1]
    if not isinstance(channel, (int, np.integer)) or not 0 <= channel < channels:
        raise ValueError(f"channel must be an integer in [0, {channels}) for layer "
                         f"{layer_name!r}, got {channel!r}")
    start = np.zeros_like(top)
    if keep == "all":
        start[..., channel] = top[..., channel]
    else:
        row, col = np.unravel_index(np.argmax(top[..., channel]), top.shape[:2])
        start[row, col, channel] = top[row, col, channel]
    signals = [None] * len(graph)
    signals[-1] = start
    # Reverse forward order: a layer is passed once every layer reading it has
    # added its share (a skip connection sums the two ways back).
    for index in range(len(graph) - 1, 0, -1):
        layer, kind, parents = graph[index]
        inputs = [activations[parent] for parent in parents]
        for parent, part in zip(parents, _backward_step(layer, kind, signals[index], inputs)):
            signals[parent] = part if signals[parent] is None else signals[parent] + part
    return signals[0].astype(np.float32)


def _normalise_projection(signal):
    peak = float(np.abs(signal).max())
    if peak == 0:
        return np.full_like(signal, 0.5)
    return (signal / (2.0 * peak) + 0.5).astype(np.float32)


def project(model, frame, layer_name, channel, *, keep="max", normalise=True):
    """Project one feature map back to pixel space with a deconvnet (Zeiler and Fergus, 2014).

    The chosen layer's activations are zeroed except channel ``channel`` (and,
    with ``keep="max"``, except its strongest activation), then passed back
    layer by layer to the input, each step the adjoint (transpose) of the
    forward layer's linear part:

    - a ``Conv2D`` (any stride, padding, dilation): the *transposed* convolution
      with the same kernel (:func:`deconv_tutor.reference.conv_transpose`);
    - a ``Conv2DTranspose``: the strided *convolution* with the same kernel
      (:func:`deconv_tutor.reference.conv2d`; Keras layout ``(kh, kw, out, in)``
      read as ``(kh, kw, in, out)`` of the way back);
    - a ``MaxPooling2D``: *unpooling* with the switches recorded on the way forward;
    - a nearest ``UpSampling2D``: the sum over each ``s x s`` block;
    - an ``Add``: a copy of the signal to every input; a ``Concatenate``: the
      signal split back into its inputs' parts (a skip gets its share);
    - a ReLU (a layer of its own or a layer's activation): rectification;
      increasing activations (sigmoid, tanh) and dropout pass the signal unchanged.

    Biases are ignored. The result shows which input pattern excites that
    unit, for a decoder layer as for an encoder layer.

    Parameters
    ----------
    model : keras.Model
        One image input; every layer between the input and ``layer_name``
        must be one of those above, applied once (see :func:`projectable_layers`).
    frame : ndarray, shape (H, W, C)
        One frame the model accepts.
    layer_name : str
        Layer whose activation is projected.
    channel : int
        Channel of that layer.
    keep : {"max", "all"}, optional
        Project only the strongest activation of the channel, or the whole map.
    normalise : bool, optional
        True: map to [0, 1] for display, zero at 0.5 (``p / (2 max|p|) + 0.5``);
        False: the raw projection.

    Returns
    -------
    ndarray, float32, shape (H, W, C)
        The input's shape, whatever the layer's resolution.

    Raises
    ------
    ValueError
        A ``layer_name`` that the model does not have or that cannot be
        projected (the message names the layer in the way), a ``channel``
        outside the layer's channels, an unknown ``keep``.

    Examples
    --------
    >>> model = keras.Sequential([keras.Input((16, 16, 1)),
    ...                           keras.layers.Conv2D(2, 3, activation="relu", name="c"),
    ...                           keras.layers.MaxPooling2D(name="p")])
    >>> frame = np.random.default_rng(0).random((16, 16, 1)).astype(np.float32)
    >>> image = project(model, frame, "p", channel=1)
    >>> image.shape, image.dtype, bool(0.0 <= image.min() <= image.max() <= 1.0)
    ((16, 16, 1), dtype('float32'), True)

    A decoder channel of the course's encoder-decoder, at full resolution again:

    >>> from deconv_tutor import models
    >>> keras.utils.set_random_seed(0)
    >>> model = models.encoder_decoder((16, 16, 3), filters=4, depth=2)
    >>> frame = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    >>> project(model, frame, "up1_transpose", channel=2, normalise=False).shape
    (16, 16, 3)
    >>> project(model, frame, "up9_transpose", channel=0)
    Traceback (most recent call last):
    ...
    ValueError: layer_name must name a layer of 'encoder_decoder_transpose' (frames, down1_conv, down1_pool, down2_conv, down2_pool, up2_transpose, up1_transpose, output_conv, output), got 'up9_transpose'
    """
    if keep not in ("max", "all"):
        raise ValueError(f'keep must be "max" or "all", got {keep!r}')
    graph, activations = _forward_graph(model, frame, layer_name)
    signal = _backward_graph(graph, activations, channel, keep)
    return _normalise_projection(signal) if normalise else signal


def deconvnet_projection(model, clip, display_width=192, *, layer=None):
    """Zeiler-Fergus projections of a chosen feature map back to the pixels of a frame.

    Any layer of the course's encoder-decoder can be chosen: an encoder layer
    (back through convolutions and unpooling) or a decoder layer (back through
    the transposed convolutions or upsamplings first), see :func:`project`.

    Parameters
    ----------
    model : keras.Model
        A model whose layers :func:`project` can pass back through (for
        example :func:`deconv_tutor.models.encoder_decoder`, either upsampling).
    clip : ndarray
        A video ``(T, H, W, C)`` (or one frame) the model accepts.
    display_width : int, optional
        Width of each picture on screen.
    layer : str, optional
        The layer shown first, one of :func:`projectable_layers`; default the last.

    Returns
    -------
    Panel
        Controls ``layer`` (a menu of the :func:`projectable_layers`), ``channel``,
        ``frame``, ``keep`` ("max" / "all"); views ``input``, ``activation``,
        ``projection`` (images) and ``text``. A layer name typed into the menu
        that cannot be projected shows a message naming the layer in the way.

    Examples
    --------
    >>> from deconv_tutor import models
    >>> model = models.encoder_decoder((16, 16, 3), filters=4, depth=2)
    >>> panel = deconvnet_projection(model, np.zeros((2, 16, 16, 3), np.float32),
    ...                              layer="up2_transpose")
    >>> panel.controls["layer"].options[-4:]
    ('up2_transpose', 'up1_transpose', 'output_conv', 'output')
    >>> panel.controls["channel"].max
    7
    >>> panel.controls["layer"].value = "down1_pool"
    >>> panel.controls["channel"].max
    3
    """
    video = _clip_frames(clip)
    names = projectable_layers(model)
    if not names:
        raise ValueError(f"model must have layers a deconvnet can project ({_SUPPORTED}), "
                         f"got none in {model.name!r}")
    if layer is None:
        layer = names[-1]
    if layer not in names:
        raise ValueError(f"layer must be one of the projectable layers ({', '.join(names)}), "
                         f"got {layer!r}")
    controls = {
        "layer": widgets.Combobox(options=names, value=layer, description="layer",
                                  ensure_option=False, continuous_update=False),
        "channel": widgets.IntSlider(0, min=0, max=0, description="channel",
                                     continuous_update=False),
        "frame": widgets.IntSlider(0, min=0, max=len(video) - 1, description="frame",
                                   continuous_update=False),
        "keep": widgets.ToggleButtons(options=[("strongest activation", "max"),
                                               ("whole map", "all")], value="max",
                                      description="project"),
    }
    views = {"input": _image_view(display_width), "activation": _image_view(display_width),
             "projection": _image_view(display_width), "text": widgets.HTML()}

    cache = {}

    def update(panel):
        layer_name, index = controls["layer"].value, controls["frame"].value
        key = (layer_name, index)
        if key not in cache:
            if len(cache) > 32:
                cache.clear()
            # One forward pass per (layer, frame); channels and modes reuse it.
            cache[key] = _forward_graph(model, video[index], layer_name)
        graph, activations = cache[key]
        channels = activations[-1].shape[-1]
        if controls["channel"].max != channels - 1:
            with panel.quiet():
                controls["channel"].max = channels - 1
        channel = controls["channel"].value
        signal = _backward_graph(graph, activations, channel, controls["keep"].value)
        maps = activations[-1][..., channel]
        peak = float(maps.max())
        views["input"].value = png_bytes(video[index])
        views["activation"].value = png_bytes(
            _VIRIDIS[(np.clip(maps / peak, 0, 1) * 255).astype(np.intp)] if peak > 0 else
            np.zeros((*maps.shape, 3), np.uint8))
        views["projection"].value = png_bytes(_normalise_projection(signal))
        row, col = np.unravel_index(np.argmax(maps), maps.shape)
        views["text"].value = (
            f"<b>{html.escape(layer_name)}</b> channel {channel}: strongest activation "
            f"{peak:.3f} at ({row}, {col}) of {maps.shape[0]}×{maps.shape[1]}"
            + (" — this channel is silent on this frame, nothing to project"
               if peak <= 0 else "") + "<br>projection: grey = 0, light = positive, "
            "dark = negative")

    rows = [widgets.HBox([controls["layer"], controls["channel"]]),
            widgets.HBox([controls["frame"], controls["keep"]]),
            widgets.HBox([_caption("frame", views["input"]),
                          _caption("activation (this channel)", views["activation"]),
                          _caption("projection to pixels", views["projection"])]),
            views["text"]]
    panel = Panel(controls, views, rows, update)
    panel.cache = cache
    panel.refresh()
    return panel


# =====================================================================================
# Video comparison
# =====================================================================================
def _check_clips(clips):
    if not isinstance(clips, Mapping) or len(clips) < 2:
        raise ValueError(f"clips must be a dict of at least two named videos, got "
                         f"{type(clips).__name__} of length {len(clips) if hasattr(clips, '__len__') else '?'}")
    checked = {str(name): _check_video(video, f"clips[{name!r}]") for name, video in
               clips.items()}
    shapes = {video.shape for video in checked.values()}
    if len(shapes) != 1:
        raise ValueError(f"clips must all have the same shape, got "
                         f"{ {name: video.shape for name, video in checked.items()} }")
    return checked


def render_compare(clips, frame, mode="side", wipe=0.5, against=None):
    """One frame of several clips, side by side or as a wipe between two.

    Parameters
    ----------
    clips : dict of str to ndarray
        Two or more videos of one shape ``(T, H, W, C)``.
    frame : int
        Frame index.
    mode : {"side", "wipe"}, optional
        ``"side"``: all clips left to right with a white gap. ``"wipe"``: the
        first clip left of the wipe line, ``against`` (default: the second)
        right of it, a yellow line between.
    wipe : float, optional
        Position of the wipe line, 0 (left edge) to 1 (right edge).
    against : str, optional
        The clip compared with the first in ``"wipe"`` mode.

    Returns
    -------
    ndarray of uint8, shape (H, W', 3)

    Examples
    --------
    >>> clips = {"noisy": np.zeros((2, 4, 6, 3)), "clean": np.ones((2, 4, 6, 3))}
    >>> render_compare(clips, 0).shape
    (4, 14, 3)
    >>> render_compare(clips, 1, mode="wipe", wipe=0.5)[0, :, 0].tolist()
    [0, 0, 0, 255, 255, 255]
    """
    checked = _check_clips(clips)
    first = next(iter(checked.values()))
    frames, height, width = first.shape[:3]
    if not isinstance(frame, (int, np.integer)) or not 0 <= frame < frames:
        raise ValueError(f"frame must be an integer in [0, {frames}), got {frame!r}")
    if mode not in ("side", "wipe"):
        raise ValueError(f'mode must be "side" or "wipe", got {mode!r}')
    pictures = {name: _to_uint8(video[frame]) for name, video in checked.items()}
    pictures = {name: np.repeat(p[..., None], 3, -1) if p.ndim == 2 else p
                for name, p in pictures.items()}
    if mode == "side":
        gap = np.full((height, 2, 3), 255, np.uint8)
        parts = []
        for picture in pictures.values():
            parts.extend([picture, gap])
        return np.concatenate(parts[:-1], axis=1)
    if not 0.0 <= wipe <= 1.0:
        raise ValueError(f"wipe must be between 0 and 1, got {wipe!r}")
    names = list(pictures)
    against = names[1] if against is None else against
    if against not in pictures:
        raise ValueError(f"against must be one of {names}, got {against!r}")
    cut = round(wipe * width)
    result = pictures[against].copy()
    result[:, :cut] = pictures[names[0]][:, :cut]
    if 0 < cut < width:
        result[:, cut] = (255, 220, 0)
    return result


def _psnr_strip(curves, frames, width_px=420, height_px=150):
    """The PSNR-per-frame plot as an RGB array, and a function frame -> pixel column."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = Figure(figsize=(width_px / 72, height_px / 72), dpi=72)
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0.1, 0.24, 0.68, 0.66))
    steps = np.arange(frames)
    notes = []
    for name, values in curves.items():
        finite = np.where(np.isfinite(values), values, np.nan)
        if np.all(np.isnan(finite)):
            notes.append(f"{name}: identical")
            continue
        ax.plot(steps, finite, marker="o", markersize=3, label=name)
    ax.set_xlim(-0.5, frames - 0.5)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    ax.set_xlabel("frame")
    ax.set_ylabel("PSNR (dB)")
    if ax.lines:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if notes:
        ax.set_title("; ".join(notes), fontsize=8)
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    columns = np.round(ax.transData.transform(np.c_[steps, np.zeros(frames)])[:, 0]).astype(int)
    y0, y1 = (np.round(pixels.shape[0] - ax.bbox.extents[[3, 1]])).astype(int)
    return pixels, columns, (max(y0, 0), min(y1, pixels.shape[0]))


def video_compare(clips, display_width=512):
    """Compare two or more clips: side by side or with a wipe, frame by frame, with PSNR.

    PSNR per frame against the first clip (:func:`deconv_tutor.metrics.psnr_per_frame`)
    is plotted under the pictures; a red line marks the current frame.

    Parameters
    ----------
    clips : dict of str to ndarray
        Two or more videos of one shape ``(T, H, W, C)``; the first is the reference.
    display_width : int, optional
        Width of the comparison picture on screen.

    Returns
    -------
    Panel
        Controls ``mode`` ("side" / "wipe"), ``wipe`` (0-1), ``against`` (clip for
        the wipe), ``frame`` (with a linked ``play`` button); views ``picture``,
        ``psnr`` (images) and ``text``.

    Examples
    --------
    >>> clean = np.random.default_rng(0).random((3, 8, 8, 3)).astype(np.float32)
    >>> panel = video_compare({"clean": clean, "dark": clean * 0.9})
    >>> panel.controls["play"].value = 2
    >>> panel.controls["frame"].value
    2
    """
    from deconv_tutor import metrics

    checked = _check_clips(clips)
    names = list(checked)
    reference_clip = checked[names[0]]
    frames = reference_clip.shape[0]
    curves = {name: np.asarray(metrics.psnr_per_frame(reference_clip, checked[name]), float)
              for name in names[1:]}
    strip, columns, (y0, y1) = _psnr_strip(curves, frames)
    controls = {
        "mode": widgets.ToggleButtons(options=[("side by side", "side"), ("wipe", "wipe")],
                                      value="side", description="view"),
        "wipe": widgets.FloatSlider(0.5, min=0.0, max=1.0, step=0.01, description="wipe"),
        "against": widgets.Dropdown(options=names[1:], value=names[1], description="against"),
        "frame": widgets.IntSlider(0, min=0, max=frames - 1, description="frame"),
        "play": widgets.Play(0, min=0, max=frames - 1, interval=125, description="play"),
    }
    widgets.link((controls["play"], "value"), (controls["frame"], "value"))
    views = {"picture": _image_view(display_width), "psnr": _image_view(), "text": widgets.HTML()}

    def update(panel):
        mode, index = controls["mode"].value, controls["frame"].value
        controls["wipe"].disabled = controls["against"].disabled = mode != "wipe"
        views["picture"].value = png_bytes(render_compare(
            checked, index, mode, controls["wipe"].value, controls["against"].value))
        marked = strip.copy()
        marked[y0:y1, max(columns[index] - 1, 0): columns[index] + 1] = (214, 39, 40)
        views["psnr"].value = png_bytes(marked)
        values = ", ".join(f"{name} {curves[name][index]:.2f} dB" for name in names[1:])
        shown = (" | ".join(names) if mode == "side" else
                 f"{names[0]} ◀ wipe ▶ {controls['against'].value}")
        views["text"].value = (f"frame {index} of 0–{frames - 1} · {html.escape(shown)} · PSNR vs "
                               f"{html.escape(names[0])}: {html.escape(values)}")

    rows = [widgets.HBox([controls["mode"], controls["wipe"], controls["against"]]),
            widgets.HBox([controls["play"], controls["frame"]]), views["picture"],
            views["text"], views["psnr"]]
    panel = Panel({name: control for name, control in controls.items() if name != "play"},
                  views, rows, update)
    panel.controls["play"] = controls["play"]
    panel.refresh()
    return panel


# =====================================================================================
# Training monitor
# =====================================================================================
def render_training(history, inputs=None, predictions=None, targets=None, size=(9.0, 2.6)):
    """Loss/metric curves over epochs and, optionally, sample outputs under them.

    Parameters
    ----------
    history : dict of str to list of float
        ``{"loss": [...], "val_loss": [...], "psnr": [...], ...}``; each metric
        gets one panel with its ``val_`` twin.
    inputs, predictions, targets : ndarray, optional
        Sample batches ``(N, H, W, C)``; one row per sample (input, prediction,
        target), up to 3 samples.
    size : tuple of float, optional
        Width and height (inches) of the curve row; each sample row adds 1.6.

    Returns
    -------
    matplotlib.figure.Figure
        Not registered with pyplot.

    Examples
    --------
    >>> figure = render_training({"loss": [0.3, 0.2], "val_loss": [0.4, 0.3], "psnr": [15, 17]})
    >>> [ax.get_title() for ax in figure.axes]
    ['loss', 'psnr']
    """
    if not isinstance(history, Mapping):
        raise TypeError(f"history must be a dict of metric lists, got {type(history).__name__}")
    metrics_shown = []
    for key in history:
        base = key.removeprefix("val_")
        if base not in metrics_shown and base not in ("learning_rate", "lr"):
            metrics_shown.append(base)
    samples = [] if predictions is None else list(range(min(len(predictions), 3)))
    panels = [("input", inputs), ("prediction", predictions), ("target", targets)]
    panels = [(name, batch) for name, batch in panels if batch is not None]
    rows = (1 if metrics_shown else 0) + len(samples)
    if rows == 0:
        raise ValueError("history must hold at least one metric, or predictions be given; "
                         "got neither")
    # Axes placed in inches by hand: a layout engine would cost more than the drawing.
    width, curve_height, sample_height = size[0], (size[1] if metrics_shown else 0.0), 1.6
    height = curve_height + sample_height * len(samples)
    figure = Figure(figsize=(width, height))

    def place(left, bottom, box_width, box_height):
        return figure.add_axes((left / width, bottom / height, box_width / width,
                                box_height / height))

    panel_width = width / max(len(metrics_shown), 1)
    for column, base in enumerate(metrics_shown):
        ax = place(column * panel_width + 0.6, height - curve_height + 0.45,
                   panel_width - 0.8, curve_height - 0.8)
        for key, label in ((base, "train"), (f"val_{base}", "validation")):
            values = history.get(key)
            if values:
                ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3,
                        label=label)
        ax.set_title(base, fontsize=10)
        ax.set_xlabel("epoch", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.legend(fontsize=7)
    if samples:
        # All sample pictures in one mosaic and one axes: a dozen axes cost more than the rest.
        cell = int((sample_height - 0.35) * 72)
        gap = 8
        mosaic = np.ones((len(samples) * (cell + gap) - gap, len(panels) * (cell + gap) - gap, 3),
                         np.float32)
        for row, sample in enumerate(samples):
            for column, (_, batch) in enumerate(panels):
                mosaic[row * (cell + gap): row * (cell + gap) + cell,
                       column * (cell + gap): column * (cell + gap) + cell] = \
                    _fit(_as_rgb(np.asarray(batch[sample], dtype=np.float32)), cell)
        ax = place(0.05, 0.05, width - 0.1, height - curve_height - 0.35)
        ax.imshow(mosaic, interpolation="nearest")
        ax.set_axis_off()
        for column, (name, _) in enumerate(panels):
            ax.text(column * (cell + gap) + cell / 2, -4, name, ha="center", va="bottom",
                    fontsize=9, clip_on=False)
    return figure


def _as_rgb(picture):
    """(H, W, C) model output -> (H, W, 3) in [0, 1]: grey repeated, class scores coloured."""
    if picture.shape[-1] == 1:
        return np.repeat(np.clip(picture, 0, 1), 3, axis=-1)
    if picture.shape[-1] == 3:
        return np.clip(picture, 0, 1)
    # Class scores: the winning class per pixel, in the tab10 colours.
    colours = np.asarray(matplotlib.colormaps["tab10"].colors, np.float32)
    return colours[picture.argmax(-1) % len(colours)]


def _fit(picture, cell):
    """Resize an (H, W, 3) picture to (cell, cell, 3) for display: block average, then nearest."""
    factor = max(picture.shape[0], picture.shape[1]) // (2 * cell)
    if factor >= 2:
        height = picture.shape[0] // factor * factor
        width = picture.shape[1] // factor * factor
        picture = picture[:height, :width].reshape(height // factor, factor, width // factor,
                                                   factor, 3).mean(axis=(1, 3))
    rows = (np.arange(cell) * picture.shape[0] // cell).astype(np.intp)
    cols = (np.arange(cell) * picture.shape[1] // cell).astype(np.intp)
    return picture[rows][:, cols]


def _in_kernel():
    import sys

    module = sys.modules.get("IPython")
    shell = module.get_ipython() if module is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


class TrainingMonitor(keras.callbacks.Callback):
    """A Keras callback that redraws the curves and sample outputs while ``fit`` runs.

    Every ``every`` epochs it records the logs, predicts on a fixed sample batch
    and redraws :func:`render_training` into one place: an ``ipywidgets.Image``
    or ``ipywidgets.Output`` you pass, or else (inside a Jupyter kernel) one
    display slot under the cell, updated in place so the notebook keeps a single
    picture. Outside IPython, with no ``output``, it only records the history.

    Parameters
    ----------
    sample_inputs : ndarray, optional
        A small batch ``(N, H, W, C)`` to predict on each epoch (3 are shown).
    sample_targets : ndarray, optional
        The matching targets, shown beside the predictions.
    every : int, optional
        Redraw every ``every`` epochs (and after the last).
    output : ipywidgets.Image or ipywidgets.Output, optional
        Where to draw.

    Attributes
    ----------
    history : dict of str to list of float
    draws : int
        How many times the picture was drawn.
    last_png : bytes or None
        The last picture drawn.

    Examples
    --------
    Outside IPython and without ``output``, it only records:

    >>> monitor = TrainingMonitor()
    >>> monitor.on_epoch_end(0, {"loss": 0.5})
    >>> monitor.history, monitor.draws
    ({'loss': [0.5]}, 0)

    With an image widget to draw into, it draws anywhere:

    >>> image = widgets.Image(format="png")
    >>> monitor = TrainingMonitor(output=image)
    >>> monitor.on_epoch_end(0, {"loss": 0.5, "psnr": 20.0})
    >>> monitor.draws, image.value[:4] == b"\\x89PNG"
    (1, True)
    """

    def __init__(self, sample_inputs=None, sample_targets=None, *, every=1, output=None):
        super().__init__()
        if not isinstance(every, (int, np.integer)) or every < 1:
            raise ValueError(f"every must be a positive integer, got {every!r}")
        if output is not None and not isinstance(output, (widgets.Image, widgets.Output)):
            raise TypeError(f"output must be an ipywidgets.Image or ipywidgets.Output, got "
                            f"{type(output).__name__}")
        if sample_targets is not None and sample_inputs is None:
            raise ValueError("sample_targets need sample_inputs to predict from, got none")
        self.sample_inputs = None if sample_inputs is None else np.asarray(sample_inputs)[:3]
        self.sample_targets = None if sample_targets is None else np.asarray(sample_targets)[:3]
        self.every = int(every)
        self.output = output
        self.history = {}
        self.draws = 0
        self.last_png = None
        self._handle = None
        self._epochs = None

    def on_train_begin(self, logs=None):
        self._epochs = self.params.get("epochs") if isinstance(self.params, dict) else None

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        last = self._epochs is not None and epoch + 1 >= self._epochs
        if (epoch + 1) % self.every == 0 or last:
            self.draw()

    def render(self):
        """The current picture as a Figure (predicting on the sample batch if given)."""
        predictions = None
        if self.sample_inputs is not None and self.model is not None:
            predictions = np.asarray(keras.ops.convert_to_numpy(
                self.model(self.sample_inputs, training=False)), np.float32)
        return render_training(self.history, self.sample_inputs, predictions,
                               self.sample_targets)

    def draw(self):
        """Redraw where the monitor draws; a no-op outside IPython without ``output``."""
        if self.output is None and not _in_kernel():
            return
        if not self.history and self.sample_inputs is None:
            return
        self.last_png = _figure_png(self.render())
        self.draws += 1
        if isinstance(self.output, widgets.Image):
            self.output.value = self.last_png
            return
        from IPython.display import Image, clear_output, display

        picture = Image(data=self.last_png)
        if isinstance(self.output, widgets.Output):
            with self.output:
                clear_output(wait=True)
                display(picture)
        elif self._handle is None:
            self._handle = display(picture, display_id=True)
        else:
            self._handle.update(picture)


#: The live training monitor under the name the other widgets' functions follow:
#: ``model.fit(..., callbacks=[widgets.training_monitor(samples, targets)])``.
training_monitor = TrainingMonitor
