"""What every widget shares: the Panel, PNG encoding, image views and the colour map.

A widget's pictures go to the browser as PNG bytes in ``ipywidgets.Image`` views, which is
much faster than redrawing a matplotlib figure; a bad value becomes a red message in the
panel instead of a traceback.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io

import ipywidgets as widgets
import matplotlib
import numpy as np

from deconv_tutor import _validation as check

__all__ = ["Panel", "png_bytes"]

ERROR_COLOUR = "#b00020"
# matplotlib's viridis as a 256-entry uint8 table: a lookup is far cheaper than the colormap.
VIRIDIS = (matplotlib.colormaps["viridis"](np.linspace(0.0, 1.0, 256))[:, :3] * 255).astype(
    np.uint8
)


def viridis(values):
    """Values in [0, 1] (clipped) -> uint8 RGB, through the viridis table."""
    return VIRIDIS[(np.clip(values, 0.0, 1.0) * 255).astype(np.intp)]


def png_bytes(image, scale=1):
    """Encode an image as PNG bytes, fast, for an ``ipywidgets.Image``.

    Parameters
    ----------
    image : array_like
        ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``; float in [0, 1] or uint8. Floats
        outside [0, 1] (a model's raw output) are shown clipped: 1.02 is white.
    scale : int, optional
        Enlarge by pixel repetition (keeps small pictures crisp in the browser).

    Returns
    -------
    bytes
        The PNG file.

    Raises
    ------
    TypeError
        For data that is neither float nor uint8 (complex, strings, int64).
    ValueError
        For another shape, NaN or infinity.

    Examples
    --------
    >>> data = png_bytes(np.zeros((4, 6, 3)), scale=2)
    >>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    from PIL import Image

    array = check.real_array(
        image, "image", ndims=(2, 3), shape_text="(H, W), (H, W, 1) or (H, W, 3)"
    )
    if array.ndim == 3 and array.shape[-1] not in (1, 3):
        raise ValueError(f"image must be (H, W), (H, W, 1) or (H, W, 3), got shape {array.shape}")
    scale = check.integer(scale, "scale", minimum=1)
    check.allocation((array.shape[0] * scale, array.shape[1] * scale, 3), "scale", itemsize=1)
    array = check.to_uint8(array, "image", clip=True)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if scale > 1:
        array = np.repeat(np.repeat(array, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    # Level 1: a fraction of the default's encoding time, files barely larger.
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def figure_png(figure, dpi=72):
    """A matplotlib Figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def error_html(error):
    """An error as a red line of HTML."""
    text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error)
    return f'<span style="color:{ERROR_COLOUR}"><b>&#9888;</b> {html.escape(text)}</span>'


def image_view(width=None):
    """An empty ``ipywidgets.Image`` for PNG bytes, ``width`` pixels wide on screen."""
    view = widgets.Image(format="png")
    if width is not None:
        view.layout.width = f"{int(width)}px"
    # A VBox stretches its children to its own width; keep pictures at their natural size instead.
    view.layout.align_self = "flex-start"
    return view


def caption(text, child):
    """``child`` under a bold title."""
    return widgets.VBox([widgets.HTML(f"<b>{html.escape(text)}</b>"), child])


def default_frame(size=256):
    """A ``size`` x ``size`` photo frame, the widgets' default picture."""
    from deconv_tutor import data

    return data.photo_clip("astronaut", frames=1, size=(size, size))[0]


def clip_frames(clip, name="clip"):
    """A video ``(T, H, W, 1 or 3)`` of finite floats, or one frame made a video of one.

    Values are not range-checked: a model's output (1.02) is shown clipped.
    """
    array = check.float_array(clip, name)
    if array.ndim == 3:
        array = array[None]
    check.video_layout(array.shape, name)
    return array


# What a page shows where the live widget cannot run (the widget's mime bundle carries it).
STATIC_NOTE = "a picture of this widget as it was last drawn: run the cell to use it"
GAP = 8


def _shown_value(control):
    """A control's value as its user reads it (the option label, not the option value)."""
    # A selection's own `label` can lag behind its index (SelectionSlider starts with ""),
    # so read the label of the selected option.
    labels, index = getattr(control, "_options_labels", None), getattr(control, "index", None)
    value = labels[index] if labels is not None and index is not None else control.value
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _is_control(widget):
    # Play buttons animate another slider: a still picture has nothing to say about them.
    return isinstance(widget, widgets.ValueWidget) and not isinstance(
        widget, (widgets.Image, widgets.HTML, widgets.Play)
    )


def _pixel_width(view):
    width = view.layout.width
    if isinstance(width, str) and width.endswith("px"):
        return round(float(width[:-2]))
    return None


def static_html(widget):
    """A widget tree as plain HTML: boxes as flex rows and columns, pictures as inline PNGs.

    The still version of a live widget, for a page that has no kernel (JupyterLab before a
    cell runs, GitHub, nbviewer, nbconvert): controls become ``name: value`` labels.
    """
    if isinstance(widget, widgets.Image):
        if not widget.value:
            return ""
        width = _pixel_width(widget)
        size = f' width="{width}"' if width else ""
        mime, data = compact_image(_image_array(widget, scaled=False))
        return (
            f'<img src="data:{mime};base64,{data}"{size} '
            'style="image-rendering: pixelated; max-width: none">'
        )
    if isinstance(widget, widgets.HTML):
        return widget.value
    if isinstance(widget, widgets.GridBox):
        # A grid of unlabelled number boxes (the kernel's weights): the grid as a table.
        columns = widget.layout.grid_template_columns or "auto"
        inner = "".join(f"<div>{part}</div>" for part in map(static_html, widget.children) if part)
        return (
            f'<div style="display: grid; grid-template-columns: {html.escape(columns)}; '
            f'gap: 2px">{inner}</div>'
        )
    if isinstance(widget, widgets.Box):
        direction = "row" if isinstance(widget, widgets.HBox) else "column"
        inner = "".join(f"<div>{part}</div>" for part in map(static_html, widget.children) if part)
        return (
            f'<div style="display: flex; flex-direction: {direction}; gap: {GAP}px; '
            f'align-items: flex-start">{inner}</div>'
        )
    if _is_control(widget) and widget.layout.display != "none":
        value = html.escape(_shown_value(widget))
        if not widget.description:
            return (
                f'<span style="display: inline-block; border: 1px solid #ccc; '
                f'padding: 0 4px; font-family: monospace">{value}</span>'
            )
        name = html.escape(widget.description)
        return f'<span style="white-space: nowrap">{name}: <b>{value}</b></span>'
    return ""


def compact_image(picture):
    """A uint8 RGB picture as ``(mime type, base64 text)``: PNG or JPEG, whichever is smaller.

    A page's still copy of a widget should not double the notebook: a photo is several
    times smaller as a JPEG at quality 90, a flat or pixel-art picture is smaller (and exact)
    as a PNG.
    """
    from PIL import Image

    encoded = {}
    # PNG level 1: a tenth of `optimize`'s time (it runs at every display), files 10% larger.
    for mime, options in (("image/png", {"compress_level": 1}), ("image/jpeg", {"quality": 90})):
        buffer = io.BytesIO()
        Image.fromarray(picture).save(buffer, format=mime.split("/")[1].upper(), **options)
        encoded[mime] = buffer.getvalue()
    mime = min(encoded, key=lambda key: len(encoded[key]))
    return mime, base64.b64encode(encoded[mime]).decode("ascii")


def _image_array(view, scaled=True):
    from PIL import Image

    picture = Image.open(io.BytesIO(view.value)).convert("RGB")
    width = _pixel_width(view)
    if scaled and width and width != picture.width:
        height = max(1, round(picture.height * width / picture.width))
        picture = picture.resize((width, height), Image.Resampling.NEAREST)
    return np.asarray(picture)


def _stack(parts, axis):
    """Pictures side by side (axis 1) or one above the other (axis 0), white between them."""
    parts = [part for part in parts if part is not None]
    if not parts:
        return None
    across = max(part.shape[1 - axis] for part in parts)
    padded = []
    for index, part in enumerate(parts):
        short = across - part.shape[1 - axis]
        widths = [(0, 0), (0, 0), (0, 0)]
        widths[1 - axis] = (0, short)
        widths[axis] = (GAP if index else 0, 0)
        padded.append(np.pad(part, widths, constant_values=255))
    return np.concatenate(padded, axis=axis)


def static_picture(widget):
    """The pictures of a widget tree as one uint8 RGB array (None when it has none)."""
    if isinstance(widget, widgets.Image):
        return _image_array(widget) if widget.value and widget.format == "png" else None
    if isinstance(widget, widgets.Box):
        axis = 1 if isinstance(widget, widgets.HBox) else 0
        return _stack([static_picture(child) for child in widget.children], axis)
    return None


class Panel(widgets.VBox):
    """A widget: controls, views and one update function that redraws the views.

    Parameters
    ----------
    controls : dict of str to ipywidgets.Widget
        The inputs; a change of a ``ValueWidget``'s value redraws the panel.
    views : dict of str to ipywidgets.Widget
        The outputs.
    children : list of ipywidgets.Widget
        What the panel shows, top to bottom (the message line is added under them).
    update : callable
        ``update(panel)`` redraws the views from the controls; it may raise.
    manual : sequence of str, optional
        Controls with an observer of their own (which redraws under :meth:`hold`).

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

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus its last picture for pages where the widget cannot run.

        JupyterLab renders the widget view only in a trusted notebook whose kernel holds the
        widget; an opened-but-not-run chapter is untrusted, so JupyterLab picks the best *safe*
        type (``text/html``, then the images); nbconvert, nbviewer and GitHub never have the
        kernel's widget. So the bundle carries the panel as static HTML (pictures inline,
        controls as ``name: value``), its pictures as one image (``image/png`` or
        ``image/jpeg``, whichever is smaller) and a one-line ``text/plain``.
        """
        data = super()._repr_mimebundle_(**kwargs)
        if data is None:
            return None
        settings = ", ".join(
            f"{control.description or name}={_shown_value(control)}"
            for name, control in self.controls.items()
            if _is_control(control) and control.description
        )
        if len(settings) > 80:
            settings = settings[:79] + "…"
        data["text/plain"] = f"deconv_tutor widget ({settings}): run the cell to use it"
        data["text/html"] = (
            f'<div class="deconv-tutor-static">{static_html(self)}'
            f'<div style="color: #666; font-size: 85%">{html.escape(STATIC_NOTE)}</div></div>'
        )
        picture = static_picture(self)
        if picture is not None:
            mime, encoded = compact_image(picture)
            data[mime] = encoded
        return data

    def _on_change(self, change):
        if not self._held:
            self.refresh()

    @contextlib.contextmanager
    def quiet(self):
        """Change controls without redrawing (inside the update function itself).

        Yields
        ------
        Panel
            The panel itself.
        """
        self._held += 1
        try:
            yield self
        finally:
            self._held -= 1

    @contextlib.contextmanager
    def hold(self):
        """Change several controls at once and redraw only once, at the end.

        Yields
        ------
        Panel
            The panel itself.
        """
        with self.quiet():
            yield self
        if not self._held:
            self.refresh()

    def refresh(self):
        """Redraw the views from the controls; return True when that worked.

        Any error ends up in :attr:`message` (red) instead of a traceback in the
        notebook: a widget is an interface, and its user may type anything.

        Returns
        -------
        bool
            Whether the redraw worked.
        """
        try:
            self._update(self)
        except Exception as error:  # noqa: BLE001  (shown to the user, see docstring)
            self.error = f"{type(error).__name__}: {error}"
            self.message.value = error_html(error)
            return False
        self.error = None
        self.message.value = ""
        self.updates += 1
        return True
