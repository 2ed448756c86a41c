"""The few matplotlib helpers every chapter shares.

Every function here returns a :class:`matplotlib.figure.Figure` and removes it
from pyplot's list of open figures, so a notebook cell that ends with
``show_images(...)`` shows the figure exactly once (as the cell's result) and no
figures pile up in memory over a long session. Functions that draw into an
``ax`` you pass leave your figure alone.

Images follow the package's conventions: float arrays in [0, 1] (or uint8),
shaped ``(height, width)``, ``(height, width, 1)`` or ``(height, width, 3)``;
videos are ``(frames, height, width, channels)``.

:func:`show_video` returns a small HTML object (an animated GIF embedded as
base64, or matplotlib's JavaScript player) instead of a figure.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from deconv_tutor import _validation as check

__all__ = [
    "VideoHTML",
    "as_display_image",
    "before_after",
    "kernel_heatmap",
    "shape_diagram",
    "show_images",
    "show_video",
]

#: Largest HTML (bytes) :func:`show_video` produces unless told otherwise: the
#: course keeps every stored notebook below 2 MB, so one animation may use half.
MAX_VIDEO_BYTES = 1_000_000


# --------------------------------------------------------------------------- helpers
def as_display_image(image, name="image"):
    """Return an image as an array matplotlib and PNG encoders show as intended.

    Float images are clipped to [0, 1] *for display only* (matplotlib would clip
    RGB values anyway, with a warning); uint8 images pass through; a single
    channel ``(H, W, 1)`` becomes ``(H, W)`` so it is shown in grey.

    Parameters
    ----------
    image : array_like
        ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or ``(H, W, 4)``; float or uint8.
    name : str, optional
        Name used in error messages.

    Returns
    -------
    ndarray
        ``(H, W)`` or ``(H, W, 3|4)``; float32 in [0, 1] or uint8.

    Raises
    ------
    ValueError
        If the shape is not an image shape or the values are not finite.

    Examples
    --------
    >>> as_display_image(np.full((2, 2, 1), 1.5)).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """
    array = check.real_array(image, name, allow_empty=True)
    if array.dtype == bool:
        array = array.astype(np.float32)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise ValueError(
            f"{name} must have shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), "
            f"got {np.shape(image)}"
        )
    if min(array.shape[:2]) == 0:
        raise ValueError(f"{name} must not be empty, got shape {np.shape(image)}")
    if array.dtype == np.uint8:
        return array
    return np.clip(array.astype(np.float32, copy=False), 0.0, 1.0)


def _closed(figure):
    """Detach ``figure`` from pyplot (no second display, no leak) and return it."""
    plt.close(figure)
    return figure


def _new_figure(width, height):
    """A pyplot-created figure (so Jupyter's inline display knows it), already closed."""
    figure = plt.figure(figsize=(width, height))
    return _closed(figure)


def _as_image_list(images, name="images"):
    if isinstance(images, np.ndarray):
        if images.ndim in (2,) or (images.ndim == 3 and images.shape[-1] in (1, 3, 4)):
            return [images]
        if images.ndim in (3, 4):
            return list(images)
        raise ValueError(
            f"{name} must be one image, a stack (N, H, W[, C]) or a list of images, "
            f"got an array of shape {images.shape}"
        )
    if isinstance(images, Sequence) and not isinstance(images, str):
        if len(images) == 0:
            raise ValueError(f"{name} must contain at least one image, got an empty list")
        return list(images)
    raise TypeError(f"{name} must be an ndarray or a list of arrays, got {type(images).__name__}")


# --------------------------------------------------------------------------- image grids
def show_images(
    images, titles=None, ncols=None, cmap=None, size=2.5, vmin=None, vmax=None, suptitle=None
):
    """Show images in a grid, without axes.

    Parameters
    ----------
    images : ndarray or sequence of ndarray
        One image, a stack ``(N, H, W)`` / ``(N, H, W, C)`` (a video's frames work),
        or a list of images of any sizes.
    titles : sequence of str, optional
        One title per image.
    ncols : int, optional
        Columns of the grid; default: all images in one row, at most 8 per row.
    cmap : str, optional
        Colormap for single-channel images (default ``"gray"``).
    size : float, optional
        Width and height of one panel in inches.
    vmin, vmax : float, optional
        Grey-level limits for single-channel images. Default: 0 and 1 when the
        values lie in [0, 1] (so images in one grid are comparable), else the
        image's own range.
    suptitle : str, optional
        Title over the whole grid.

    Returns
    -------
    matplotlib.figure.Figure
        Closed from pyplot's state; a notebook shows it once as the cell result.

    Examples
    --------
    >>> frames = np.random.default_rng(0).random((3, 8, 8, 3))
    >>> figure = show_images(frames, titles=["a", "b", "c"])
    >>> len(figure.axes), [ax.get_title() for ax in figure.axes]
    (3, ['a', 'b', 'c'])
    """
    image_list = _as_image_list(images)
    count = len(image_list)
    if titles is not None:
        # A string is a sequence of characters: 'ab' would title two images 'a' and 'b'.
        if isinstance(titles, (str, bytes)) or not isinstance(titles, Sequence):
            raise TypeError(
                f"titles must be a list of strings, one per image, got {type(titles).__name__} "
                f"{titles!r:.80}"
            )
        titles = list(titles)
        if len(titles) != count:
            raise ValueError(f"titles must have one entry per image ({count}), got {len(titles)}")
    if ncols is None:
        ncols = min(count, 8)
    ncols = check.integer(ncols, "ncols", minimum=1)
    # Inches: beyond 50 a slip makes a figure matplotlib refuses only when it draws it.
    size = check.number(size, "size", minimum=0, maximum=50, exclusive_minimum=True)
    ncols = min(int(ncols), count)
    nrows = math.ceil(count / ncols)
    figure = _new_figure(size * ncols, size * nrows + (0.3 if suptitle else 0.0))
    axes = figure.subplots(nrows, ncols, squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if index >= count:
            continue
        image = as_display_image(image_list[index], name=f"images[{index}]")
        if image.ndim == 2:
            # Grey values are mapped through vmin/vmax, not clipped: keep the raw values.
            raw = np.asarray(image_list[index]).reshape(image.shape)
            low, high = vmin, vmax
            if low is None and high is None:
                if raw.dtype == np.uint8:
                    low, high = 0, 255
                elif raw.min() >= 0.0 and raw.max() <= 1.0:
                    low, high = 0.0, 1.0
            ax.imshow(raw, cmap=cmap or "gray", vmin=low, vmax=high, interpolation="nearest")
        else:
            ax.imshow(image, interpolation="nearest")
        if titles is not None:
            ax.set_title(str(titles[index]), fontsize=9)
    if suptitle:
        figure.suptitle(suptitle)
    figure.tight_layout()
    return figure


def before_after(
    before,
    after,
    titles=("before", "after"),
    *,
    reference=None,
    diff=False,
    frame=0,
    crop=None,
    size=3.0,
    cmap=None,
):
    """Show a frame before and after an operation, side by side.

    Parameters
    ----------
    before, after : ndarray
        Images ``(H, W[, C])`` or videos ``(T, H, W, C)`` of the same shape.
    titles : tuple of str, optional
        Panel titles.
    reference : ndarray, optional
        Clean image/video; when given, each title gets the PSNR of the shown
        frame against it (:func:`deconv_tutor.metrics.psnr`) and the reference
        is shown last.
    diff : bool, optional
        Add a panel with ``|after - before|`` (scaled to its maximum).
    frame : int, optional
        Which frame to show when the inputs are videos (default: the first).
    crop : tuple of int, optional
        ``(top, bottom, left, right)``: show only this region (a zoom), in pixels.
    size : float, optional
        Panel size in inches.
    cmap : str, optional
        Colormap for single-channel images.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> clean = np.linspace(0, 1, 64, dtype=np.float32).reshape(8, 8)
    >>> noisy = np.clip(clean + 0.1, 0, 1)
    >>> figure = before_after(noisy, clean, ("noisy", "clean"), diff=True)
    >>> [ax.get_title() for ax in figure.axes]
    ['noisy', 'clean', '|after - before| (max 0.100)']
    """
    image_text = "(H, W[, C]) or (T, H, W, C)"
    before = check.real_array(before, "before", ndims=(2, 3, 4), shape_text=image_text)
    after = check.real_array(after, "after", ndims=(2, 3, 4), shape_text=image_text)
    if before.shape != after.shape:
        raise ValueError(
            f"before and after must have the same shape, got {before.shape} and {after.shape}"
        )
    if isinstance(titles, (str, bytes)) or not isinstance(titles, Sequence):
        raise TypeError(
            f"titles must be a pair of strings, got {type(titles).__name__} {titles!r:.80}"
        )
    if len(titles) != 2:
        raise ValueError(f"titles must be a pair of strings, got {titles!r}")
    diff = check.boolean(diff, "diff")
    # Inches: beyond 50 a slip makes a figure matplotlib refuses only when it draws it.
    size = check.number(size, "size", minimum=0, maximum=50, exclusive_minimum=True)
    panels = [before, after]
    names = [str(title) for title in titles]
    if reference is not None:
        reference = check.real_array(reference, "reference", ndims=(2, 3, 4))
        if reference.shape != before.shape:
            raise ValueError(
                f"reference must have the shape of before ({before.shape}), got {reference.shape}"
            )
    if before.ndim == 4:
        frame = check.integer(frame, "frame")
        if not -before.shape[0] <= frame < before.shape[0]:
            raise ValueError(f"frame must be in [0, {before.shape[0]}), got {frame}")
        panels = [panel[frame] for panel in panels]
        reference = None if reference is None else reference[frame]
    if reference is not None:
        from deconv_tutor import metrics

        # PSNR of the frame on screen, so the number describes the picture.
        names = [
            f"{name}\nPSNR {metrics.psnr(reference, panel):.2f} dB"
            for name, panel in zip(names, panels)
        ]
        panels.append(reference)
        names.append("reference")
    if diff:
        difference = np.abs(np.asarray(panels[1], np.float32) - np.asarray(panels[0], np.float32))
        if difference.ndim == 3:
            difference = difference.mean(axis=-1)
        peak = float(difference.max())
        panels.append(difference / peak if peak > 0 else difference)
        names.append(f"|after - before| (max {peak:.3f})")
    if crop is not None:
        if not isinstance(crop, (tuple, list)) or not all(check.is_integer(v) for v in crop):
            raise TypeError(f"crop must be (top, bottom, left, right) integers, got {crop!r:.80}")
        if len(crop) != 4:
            raise ValueError(f"crop must be (top, bottom, left, right), got {crop!r}")
        top, bottom, left, right = (int(value) for value in crop)
        height, width = np.shape(panels[0])[:2]
        if not (0 <= top < bottom <= height and 0 <= left < right <= width):
            raise ValueError(
                f"crop must satisfy 0 <= top < bottom <= {height} and 0 <= left < right <= "
                f"{width}, got {crop!r}"
            )
        panels = [np.asarray(panel)[top:bottom, left:right] for panel in panels]
    return show_images(panels, titles=names, cmap=cmap, size=size)


# --------------------------------------------------------------------------- video
class VideoHTML:
    """An inline animation: HTML that a notebook renders, with its size in bytes.

    Parameters
    ----------
    html_text : str
        Self-contained HTML (no external files), kept as ``html``.

    Attributes
    ----------
    html : str
        Self-contained HTML (no external files).
    nbytes : int
        Length of ``html`` in bytes: what the animation adds to a saved notebook.

    Examples
    --------
    >>> VideoHTML("<img>")
    VideoHTML(5 bytes)
    """

    def __init__(self, html_text):
        self.html = html_text
        self.nbytes = len(html_text.encode("utf-8"))

    def _repr_html_(self):
        return self.html

    def __repr__(self):
        return f"VideoHTML({self.nbytes} bytes)"


def _video_to_uint8(video, name="video"):
    array = check.real_array(video, name, allow_empty=True)
    if array.ndim != 4 or array.shape[-1] not in (1, 3):
        raise ValueError(
            f"{name} must have shape (frames, height, width, 1 or 3), got {array.shape}"
        )
    if array.shape[0] == 0:
        raise ValueError(f"{name} must have at least one frame, got shape {array.shape}")
    if array.dtype.kind == "f":
        # A model's output may stray a little outside [0, 1]: shown, it is black or white.
        # Far outside (0-255 data as floats) the picture would be all white: refused.
        check.unit_range(array, name, tolerance=0.5)
    return check.to_uint8(array, name, clip=True)


def _gif_bytes(frames_uint8, fps, loop=True):
    from PIL import Image

    duration_ms = max(round(1000.0 / fps), 20)
    if frames_uint8.shape[-1] == 1:
        pictures = [Image.fromarray(frame[..., 0]) for frame in frames_uint8]
    else:
        # One adaptive palette per frame: 256 colours are plenty at course sizes.
        pictures = [
            Image.fromarray(frame).quantize(
                colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
            )
            for frame in frames_uint8
        ]
    buffer = io.BytesIO()
    options = {"loop": 0} if loop else {}
    pictures[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=duration_ms,
        disposal=1,
        optimize=False,
        **options,
    )
    return buffer.getvalue()


def _webp_bytes(frames_uint8, fps, loop=True):
    from PIL import Image

    duration_ms = max(round(1000.0 / fps), 20)
    grey = frames_uint8.shape[-1] == 1
    pictures = [
        Image.fromarray(frame[..., 0] if grey else frame).convert("RGB") for frame in frames_uint8
    ]
    buffer = io.BytesIO()
    pictures[0].save(
        buffer,
        format="WEBP",
        save_all=True,
        append_images=pictures[1:],
        duration=duration_ms,
        loop=0 if loop else 1,
        quality=90,
        method=4,
    )
    return buffer.getvalue()


def show_video(video, fps=8, *, width=None, format="gif", loop=True, max_bytes=MAX_VIDEO_BYTES):
    """Show a video inline in a notebook as a small animation.

    Three encodings, all self-contained HTML (sizes measured for a 16-frame
    photo pan, as base64 in the notebook):

    ==============  ==============================================  =======  =========
    ``format``      what                                            64x64    128x128
    ==============  ==============================================  =======  =========
    ``"gif"``       animated GIF, ``<img>``; plays everywhere;      106 kB   298 kB
                    256-colour palette per frame
    ``"webp"``      animated WebP (lossy, quality 90); smallest     39 kB    107 kB
    ``"jshtml"``    matplotlib's JavaScript player with play,       315 kB   968 kB
                    pause and step buttons (PNG frames)
    ==============  ==============================================  =======  =========

    The course keeps each notebook below 2 MB: prefer ``"gif"`` at 64x64 for a
    few clips, ``"webp"`` for longer or larger ones.

    Small clips are enlarged in the browser (``width``) without adding bytes,
    with pixelated scaling, so 64x64 frames stay crisp.

    Parameters
    ----------
    video : ndarray or dict of str to ndarray
        ``(frames, height, width, channels)`` with 1 or 3 channels, float in
        [0, 1] (clipped for display) or uint8. A dict of equally shaped videos
        is shown side by side, captioned with the keys.
    fps : float, optional
        Frames per second.
    width : int, optional
        Display width in CSS pixels (default: at least 256 px).
    format : {"gif", "webp", "jshtml"}, optional
        Encoding, see above.
    loop : bool, optional
        Loop forever (default) or play once.
    max_bytes : int, optional
        Refuse (``ValueError``) to make an animation larger than this, so a
        notebook does not silently grow past the course's 2 MB limit.

    Returns
    -------
    VideoHTML
        Displays as the animation; ``.nbytes`` is its size.

    Examples
    --------
    >>> clip = np.random.default_rng(0).random((4, 16, 16, 3)).astype(np.float32)
    >>> animation = show_video(clip, fps=4)
    >>> animation.html.startswith('<img src="data:image/gif;base64,')
    True
    >>> animation.nbytes < 20_000
    True
    """
    fps = check.number(fps, "fps", minimum=0, exclusive_minimum=True)
    check.choice(format, "format", ("gif", "webp", "jshtml"))
    loop = check.boolean(loop, "loop")
    max_bytes = check.integer(max_bytes, "max_bytes", minimum=1)
    caption = ""
    if isinstance(video, Mapping):
        if len(video) == 0:
            raise ValueError("video must not be an empty dict")
        clips = {
            str(key): _video_to_uint8(value, name=f"video[{key!r}]") for key, value in video.items()
        }
        shapes = {clip.shape for clip in clips.values()}
        if len(shapes) != 1:
            raise ValueError(f"videos in the dict must all have one shape, got {sorted(shapes)}")
        frames = np.concatenate(list(clips.values()), axis=2)
        caption = " | ".join(html.escape(name) for name in clips)
    else:
        frames = _video_to_uint8(video)
    height, frame_width = frames.shape[1:3]
    if width is None:
        width = max(frame_width, 256)
    width = check.integer(width, "width", minimum=1)
    if format in ("gif", "webp"):
        encoder = _gif_bytes if format == "gif" else _webp_bytes
        encoded = base64.b64encode(encoder(frames, fps, loop)).decode("ascii")
        text = (
            f'<img src="data:image/{format};base64,{encoded}" width="{int(width)}" '
            f'style="image-rendering: pixelated" alt="video, {frames.shape[0]} frames">'
        )
    else:
        from matplotlib import animation

        scale = width / frame_width
        figure = Figure(figsize=(frame_width * scale / 100, height * scale / 100), dpi=100)
        ax = figure.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        shown = frames[..., 0] if frames.shape[-1] == 1 else frames
        picture = ax.imshow(shown[0], cmap="gray", vmin=0, vmax=255, interpolation="nearest")

        def draw(index):
            picture.set_data(shown[index])
            return (picture,)

        player = animation.FuncAnimation(
            figure, draw, frames=len(shown), interval=1000.0 / fps, blit=True
        )
        text = player.to_jshtml(fps=fps, default_mode="loop" if loop else "once")
    if caption:
        text = f'<figure style="margin:0">{text}<figcaption>{caption}</figcaption></figure>'
    result = VideoHTML(text)
    if result.nbytes > max_bytes:
        raise ValueError(
            f"the animation would take {result.nbytes} bytes, more than max_bytes={max_bytes}; "
            "show fewer or smaller frames (notebooks must stay below 2 MB)"
        )
    return result


# --------------------------------------------------------------------------- kernels
def kernel_heatmap(kernel, ax=None, *, cmap="RdBu_r", fmt=None, title=None, size=0.6):
    """Draw a 2-D kernel as a heat map with each value written in its cell.

    Colours are symmetric around zero (blue negative, red positive), so
    positive and negative weights read at a glance.

    Parameters
    ----------
    kernel : array_like
        2-D array ``(kh, kw)``; take one slice of a Keras kernel, e.g.
        ``kernel[:, :, 0, 0]`` for ``Conv2D``'s ``(kh, kw, in, out)``.
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure.
    cmap : str, optional
        A diverging colormap.
    fmt : str, optional
        Format of the cell values; default ``"{:.0f}"`` for integer kernels,
        else ``"{:.2f}"``.
    title : str, optional
        Axes title.
    size : float, optional
        Inches per cell when a new figure is made.

    Returns
    -------
    matplotlib.figure.Figure
        The new figure (closed from pyplot) or ``ax``'s figure.

    Examples
    --------
    >>> figure = kernel_heatmap([[0, -1, 0], [-1, 4, -1], [0, -1, 0]])
    >>> [text.get_text() for text in figure.axes[0].texts][:4]
    ['0', '-1', '0', '-1']
    """
    values = check.real_array(kernel, "kernel", ndims=(2,), shape_text="(kh, kw)").astype(
        np.float64
    )
    size = check.number(size, "size", minimum=0, maximum=10, exclusive_minimum=True)
    if fmt is None:
        fmt = "{:.0f}" if np.all(values == np.round(values)) else "{:.2f}"
    rows, cols = values.shape
    if ax is None:
        figure = _new_figure(
            max(cols * size, 1.2) + 0.2, max(rows * size, 1.2) + (0.3 if title else 0.0)
        )
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    limit = float(np.abs(values).max()) or 1.0
    ax.imshow(values, cmap=cmap, vmin=-limit, vmax=limit, interpolation="nearest")
    colormap = matplotlib.colormaps[cmap]
    for (row, col), value in np.ndenumerate(values):
        red, green, blue, _ = colormap((value + limit) / (2 * limit))
        light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5
        ax.text(
            col,
            row,
            fmt.format(value),
            ha="center",
            va="center",
            fontsize=9,
            color="black" if light else "white",
        )
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)
    return figure


# --------------------------------------------------------------------------- shapes
def _trace_rows(trace):
    """(name, class name, per-sample output shape) rows from a ShapeTrace or plain tuples."""
    what = "a ShapeTrace or a sequence of (name, class_name, output_shape) rows"
    rows = getattr(trace, "rows", trace)
    # A string is a sequence too: iterating 'trace' would draw nonsense or fail inside.
    if isinstance(rows, (str, bytes)) or not isinstance(rows, (list, tuple)):
        raise TypeError(f"trace must be {what}, got {type(trace).__name__} {trace!r:.80}")
    result = []
    for index, row in enumerate(rows):
        if hasattr(row, "output_shape"):
            name, kind, shape = row.name, getattr(row, "class_name", ""), row.output_shape
        elif isinstance(row, (list, tuple)) and len(row) == 3:
            name, kind, shape = row
        else:
            raise TypeError(
                f"trace[{index}] must be a (name, class_name, output_shape) row, got "
                f"{type(row).__name__} {row!r:.80}"
            )
        if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
            shape = shape[0]  # several outputs: draw the first
        if not isinstance(shape, (list, tuple)) or not all(
            value is None or check.is_integer(value) for value in shape
        ):
            raise TypeError(
                f"trace[{index}]'s output_shape must be a tuple of integers or None, got "
                f"{shape!r:.80}"
            )
        shape = tuple(shape)
        if len(shape) == 4 and shape[0] is None:  # a Keras shape with its batch axis
            shape = shape[1:]
        if any(value is not None and value < 0 for value in shape):
            raise ValueError(
                f"trace[{index}]'s output_shape must hold non-negative sizes, got {shape}"
            )
        result.append((str(name), str(kind), shape))
    if not result:
        raise ValueError("trace must contain at least one layer row, got none")
    return result


def shape_diagram(trace, ax=None, *, highlight=None):
    """Draw a model's layers as boxes whose height follows the feature-map size.

    Reading left to right, a box shrinks at each pooling or strided convolution
    and grows at each transposed convolution or upsampling, which makes a
    mismatch with the target size visible (the article's 64 -> 20 bug).

    Parameters
    ----------
    trace : ShapeTrace or sequence of tuple
        :func:`deconv_tutor.arithmetic.trace_shapes` output, or rows
        ``(name, class_name, output_shape)`` with a per-sample ``output_shape``
        ``(H, W, C)`` (a Keras shape ``(None, H, W, C)`` works too).
    ax : matplotlib.axes.Axes, optional
        Draw here; default: a new figure.
    highlight : str, optional
        Name of a layer to draw in red (e.g. ``trace.first_unreachable``);
        defaults to ``trace.first_unreachable`` when present.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> rows = [("input", "InputLayer", (None, 64, 64, 3)),
    ...         ("pool", "MaxPooling2D", (None, 32, 32, 16)),
    ...         ("up", "Conv2DTranspose", (None, 64, 64, 3))]
    >>> figure = shape_diagram(rows)
    >>> [text.get_text() for text in figure.axes[0].texts][:2]
    ['input\\nInputLayer\\n64x64x3', 'pool\\nMaxPooling2D\\n32x32x16']
    """
    rows = _trace_rows(trace)
    if highlight is None:
        highlight = getattr(trace, "first_unreachable", None)
    elif not isinstance(highlight, str):
        raise TypeError(
            f"highlight must be a layer name (str) or None, got {type(highlight).__name__} "
            f"{highlight!r:.80}"
        )
    # Box height follows the feature-map height; flat (dense) outputs get the smallest box.
    spatial = [
        float(shape[0]) if len(shape) == 3 and shape[0] is not None else 1.0 for _, _, shape in rows
    ]
    largest = max(spatial) or 1.0
    if ax is None:
        figure = _new_figure(max(1.3 * len(rows), 3.0), 3.0)
        ax = figure.add_subplot()
    else:
        figure = ax.figure
    for index, ((name, kind, shape), extent) in enumerate(zip(rows, spatial)):
        height = 0.15 + 0.85 * extent / largest
        colour = "#d62728" if name == highlight else "#4c72b0"
        ax.add_patch(
            matplotlib.patches.Rectangle(
                (index - 0.4, -height / 2),
                0.8,
                height,
                facecolor=colour,
                alpha=0.35,
                edgecolor=colour,
            )
        )
        label = "x".join("?" if value is None else str(value) for value in shape)
        ax.text(index, -0.62, f"{name}\n{kind}\n{label}", ha="center", va="top", fontsize=7)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylim(-1.05, 0.55)
    ax.set_axis_off()
    return figure
