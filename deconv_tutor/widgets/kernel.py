"""The kernel explorer: a 3x3 or 5x5 kernel, edited by hand or chosen, applied to a frame."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor import arithmetic, reference
from deconv_tutor.widgets._shared import Panel, caption, default_frame, image_view, png_bytes
from deconv_tutor.widgets.output_size import output_size_report

__all__ = ["KERNEL_PRESETS", "kernel_explorer", "kernel_preset", "render_kernel"]

#: Names accepted by :func:`kernel_preset`.
KERNEL_PRESETS = (
    "identity",
    "box blur",
    "gaussian",
    "sharpen",
    "sobel x",
    "sobel y",
    "laplacian",
    "random",
)

_BINOMIAL = {3: np.array([1.0, 2.0, 1.0]), 5: np.array([1.0, 4.0, 6.0, 4.0, 1.0])}
_DERIVATIVE = {3: np.array([-1.0, 0.0, 1.0]), 5: np.array([-1.0, -2.0, 0.0, 2.0, 1.0])}
_LAPLACIAN = {
    3: np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], float),
    5: np.array(
        [[0, 0, 1, 0, 0], [0, 1, 2, 1, 0], [1, 2, -16, 2, 1], [0, 1, 2, 1, 0], [0, 0, 1, 0, 0]],
        float,
    ),
}
_DISPLAYS = ("auto", "clip", "abs", "rescale", "raw")


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
        The kernel.

    Examples
    --------
    >>> kernel_preset("sobel x")
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]], dtype=float32)
    >>> float(kernel_preset("gaussian", 5).sum())
    1.0
    """
    check.choice(name, "name", KERNEL_PRESETS)
    size = check.choice(check.integer(size, "size", what="3 or 5"), "size", (3, 5))
    seed = check.integer(seed, "seed", minimum=0)
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
        "random": lambda: np.round(
            np.random.default_rng(seed).normal(0.0, 1.0 / size, (size, size)), 2
        ),
    }
    return np.asarray(kernels[name](), dtype=np.float32)


def render_kernel(frame, kernel, stride=1, padding="valid", dilation=1, display="auto"):
    """Convolve a frame with one 2-D kernel, channel by channel: the kernel explorer's picture.

    Each colour channel is convolved separately with the same kernel (a depthwise
    convolution) by :func:`deconv_tutor.reference.conv2d`, so the output keeps the
    frame's colours.

    Parameters
    ----------
    frame : array_like
        ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``, float in [0, 1].
    kernel : array_like
        2-D kernel ``(kh, kw)``, finite values.
    stride : int, optional
        As in :func:`deconv_tutor.arithmetic.conv_output_size`.
    padding : {"valid", "same"} or int, optional
        ``"valid"``, ``"same"`` or an int added on every side. A pair is refused:
        :mod:`~deconv_tutor.arithmetic` reads it as ``(before, after)`` and
        :mod:`~deconv_tutor.reference` as ``(along H, along W)``, so it is ambiguous here.
    dilation : int, optional
        As in :func:`deconv_tutor.arithmetic.conv_output_size`.
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
    image = check.image(frame, "frame", channels=(1, 3))
    # The display modes assume a frame in [0, 1]; a frame x100 would be silently clipped white.
    check.unit_range(image, "frame", tolerance=1e-6)
    weights = check.real_array(kernel, "kernel", ndims=(2,), shape_text="(kh, kw), 2-D")
    weights = weights.astype(np.float32)
    check.choice(display, "display", _DISPLAYS)
    stride = check.integer(stride, "stride", minimum=1)
    dilation = check.integer(dilation, "dilation", minimum=1)
    if not (padding in ("valid", "same") or check.is_integer(padding)):
        raise (ValueError if isinstance(padding, (str, tuple, list)) else TypeError)(
            f"padding must be 'valid', 'same' or an int per side, got {padding!r}"
        )
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
    note = {
        "clip": "shown clipped to [0, 1]",
        "abs": "shown as |y| / max|y| (signed output)",
        "rescale": "shown rescaled from min..max to 0..1",
        "raw": "raw values",
    }[display]
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
    formula = output_size_report("conv", height, weights.shape[0], stride, padding, dilation)
    text = (
        f"input {height}×{width}{depth} → output {out_h}×{out_w}{depth}<br>"
        f"{formula['formula']} = {out_h}"
        f"<br>output range [{low:.3f}, {high:.3f}], {note}"
    )
    return shown.astype(np.float32, copy=False), text


def _fill(cells, values):
    """Put a 3x3 or 5x5 kernel in the middle of the 5x5 grid of cells, zeros around it."""
    start = (5 - len(values)) // 2
    for row in range(5):
        for col in range(5):
            inside = start <= row < start + len(values) and start <= col < start + len(values)
            cells[f"k{row}_{col}"].value = (
                float(values[row - start, col - start]) if inside else 0.0
            )


def kernel_explorer(frame=None, display_width=256):
    """Edit a 3x3 or 5x5 kernel and watch its effect on a video frame.

    Parameters
    ----------
    frame : array_like, optional
        An image ``(H, W[, C])`` or a video ``(T, H, W, C)`` (a frame slider is
        added), float in [0, 1]. Default: a 256x256 frame of
        :func:`deconv_tutor.data.photo_clip`.
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
    if frame is None:
        source = default_frame()
    else:
        source = check.real_array(
            frame,
            "frame",
            ndims=(2, 3, 4),
            shape_text="(H, W), (H, W, C) or (T, H, W, C) (a video)",
        )
    video = check.float_array(source if source.ndim == 4 else source[None], "frame")
    # The explorer's pictures assume frames in [0, 1] with 1 or 3 channels.
    check.image(video[0], "frame", channels=(1, 3))
    check.unit_range(video, "frame", tolerance=1e-6)
    display_width = check.integer(display_width, "display_width", minimum=1)
    controls = {
        "preset": widgets.Dropdown(
            options=[*KERNEL_PRESETS, "custom"], value="gaussian", description="preset"
        ),
        "kernel_size": widgets.ToggleButtons(options=[3, 5], value=3, description="kernel"),
        "stride": widgets.IntSlider(1, min=1, max=4, description="stride"),
        "padding": widgets.SelectionSlider(
            options=[("valid", "valid"), ("same", "same"), ("1", 1), ("2", 2), ("3", 3), ("4", 4)],
            value="valid",
            description="padding",
        ),
        "dilation": widgets.IntSlider(1, min=1, max=4, description="dilation"),
        "display": widgets.Dropdown(
            options=list(_DISPLAYS[:-1]), value="auto", description="display"
        ),
    }
    if source.ndim == 4:
        controls["frame"] = widgets.IntSlider(0, min=0, max=len(video) - 1, description="frame")
    cells = {
        f"k{row}_{col}": widgets.FloatText(0.0, layout=widgets.Layout(width="4.6em"))
        for row in range(5)
        for col in range(5)
    }
    controls.update(cells)
    grid = widgets.GridBox(
        list(cells.values()), layout=widgets.Layout(grid_template_columns="repeat(3, 4.8em)")
    )
    width = video.shape[2]
    views = {
        "input": image_view(display_width),
        "output": image_view(display_width),
        "text": widgets.HTML(),
    }
    state = {"frame": None, "kernel_source": "preset"}

    def kernel_values():
        size = controls["kernel_size"].value
        start = (5 - size) // 2
        return np.array(
            [
                [cells[f"k{row}_{col}"].value for col in range(start, start + size)]
                for row in range(start, start + size)
            ],
            dtype=np.float32,
        )

    def set_kernel(values):
        values = check.real_array(values, "kernel", ndims=(2,)).astype(np.float32)
        if values.shape[0] != values.shape[1] or values.shape[0] not in (3, 5):
            raise ValueError(f"kernel must be 3x3 or 5x5, got shape {values.shape}")
        with panel.hold():
            state["kernel_source"] = "code"
            controls["kernel_size"].value = values.shape[0]
            _fill(cells, values)
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
        with panel.hold():
            state["kernel_source"] = "code"
            _fill(cells, kernel_preset(name, controls["kernel_size"].value))
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
            views["input"].value = png_bytes(video[index])
        image, text = render_kernel(
            video[index],
            kernel_values(),
            controls["stride"].value,
            controls["padding"].value,
            controls["dilation"].value,
            controls["display"].value,
        )
        views["output"].value = png_bytes(image)
        views["output"].layout.width = f"{max(1, round(display_width * image.shape[1] / width))}px"
        views["text"].value = text

    rows = [
        widgets.HBox(
            [
                widgets.VBox([controls["preset"], controls["kernel_size"], grid]),
                widgets.VBox(
                    [
                        controls[name]
                        for name in ("stride", "padding", "dilation", "display", "frame")
                        if name in controls
                    ]
                ),
            ]
        ),
        widgets.HBox([caption("input", views["input"]), caption("output", views["output"])]),
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
