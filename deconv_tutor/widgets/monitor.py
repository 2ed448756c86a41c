"""The live training display: loss and metric curves, and sample outputs, redrawn every epoch.

:class:`TrainingMonitor` is the package's one live training display: chapters pass it to
``model.fit(callbacks=[...])``, and :func:`deconv_tutor.training.fit` uses it for
``live_plot=True``. It redraws :func:`render_training` into one place, so an executed
notebook keeps a single static picture of the last epoch.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import ipywidgets as widgets
import keras
import matplotlib
import numpy as np
from matplotlib.figure import Figure

from deconv_tutor import _validation as check
from deconv_tutor.widgets._shared import figure_png

__all__ = ["TrainingMonitor", "render_training"]


def _history(history):
    """``{metric: [float, ...]}`` from a dict or a ``keras.callbacks.History``."""
    history = getattr(history, "history", history)
    if not isinstance(history, Mapping):
        raise TypeError(
            f"history must be a dict of metric lists or a keras History, got "
            f"{type(history).__name__}"
        )
    checked = {}
    for key, values in history.items():
        # A loss that diverged to NaN is worth seeing, so non-finite values pass.
        if not isinstance(values, (list, tuple, np.ndarray)) or not all(
            check.is_real_number(value) for value in values
        ):
            raise TypeError(f"history[{key!r}] must be a list of numbers, got {values!r}")
        checked[str(key)] = [float(value) for value in values]
    return checked


def _samples(batch, name):
    if batch is None:
        return None
    return check.real_array(batch, name, ndims=(4,), shape_text="(N, H, W, C)").astype(
        np.float32, copy=False
    )


def render_training(history, inputs=None, predictions=None, targets=None, size=(9.0, 2.6)):
    """Loss/metric curves over epochs and, optionally, sample outputs under them.

    Parameters
    ----------
    history : dict of str to list of float, or keras.callbacks.History
        ``{"loss": [...], "val_loss": [...], "psnr": [...], ...}``; each metric
        gets one panel with its ``val_`` twin (the learning rate is left out).
    inputs : array_like, optional
        Sample inputs ``(N, H, W, C)``.
    predictions : array_like, optional
        The model's outputs for them; one row per sample (input, prediction,
        target), up to 3 samples.
    targets : array_like, optional
        The matching targets.
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
    history = _history(history)
    inputs, predictions, targets = (
        _samples(batch, name)
        for batch, name in ((inputs, "inputs"), (predictions, "predictions"), (targets, "targets"))
    )
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"size must be a (width, height) pair of inches, got {size!r}")
    if len(size) != 2:
        raise ValueError(f"size must be a (width, height) pair of inches, got {size!r}")
    width, curve_height = (
        check.number(value, "size", minimum=0, maximum=100, exclusive_minimum=True)
        for value in size
    )
    metrics_shown = []
    for key in history:
        base = key.removeprefix("val_")
        if base not in metrics_shown and base not in ("learning_rate", "lr"):
            metrics_shown.append(base)
    samples = [] if predictions is None else list(range(min(len(predictions), 3)))
    panels = [("input", inputs), ("prediction", predictions), ("target", targets)]
    panels = [(name, batch) for name, batch in panels if batch is not None]
    if not metrics_shown and not samples:
        raise ValueError(
            "history must hold at least one metric, or predictions be given; got neither"
        )
    # Axes placed in inches by hand: a layout engine would cost more than the drawing.
    curve_height = curve_height if metrics_shown else 0.0
    sample_height = 1.6
    height = curve_height + sample_height * len(samples)
    figure = Figure(figsize=(width, height))

    def place(left, bottom, box_width, box_height):
        return figure.add_axes(
            (left / width, bottom / height, box_width / width, box_height / height)
        )

    panel_width = width / max(len(metrics_shown), 1)
    for column, base in enumerate(metrics_shown):
        ax = place(
            column * panel_width + 0.6,
            height - curve_height + 0.45,
            panel_width - 0.8,
            curve_height - 0.8,
        )
        for key, label in ((base, "train"), (f"val_{base}", "validation")):
            values = history.get(key)
            if values:
                ax.plot(
                    np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=label
                )
        ax.set_title(base, fontsize=10)
        ax.set_xlabel("epoch", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.legend(fontsize=7)
    if samples:
        # All sample pictures in one mosaic and one axes: a dozen axes cost more than the rest.
        cell = int((sample_height - 0.35) * 72)
        gap = 8
        mosaic = np.ones(
            (len(samples) * (cell + gap) - gap, len(panels) * (cell + gap) - gap, 3), np.float32
        )
        for row, sample in enumerate(samples):
            for column, (_, batch) in enumerate(panels):
                mosaic[
                    row * (cell + gap) : row * (cell + gap) + cell,
                    column * (cell + gap) : column * (cell + gap) + cell,
                ] = _fit(_as_rgb(batch[sample]), cell)
        ax = place(0.05, 0.05, width - 0.1, height - curve_height - 0.35)
        ax.imshow(mosaic, interpolation="nearest")
        ax.set_axis_off()
        for column, (name, _) in enumerate(panels):
            ax.text(
                column * (cell + gap) + cell / 2,
                -4,
                name,
                ha="center",
                va="bottom",
                fontsize=9,
                clip_on=False,
            )
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
        picture = (
            picture[:height, :width]
            .reshape(height // factor, factor, width // factor, factor, 3)
            .mean(axis=(1, 3))
        )
    rows = (np.arange(cell) * picture.shape[0] // cell).astype(np.intp)
    cols = (np.arange(cell) * picture.shape[1] // cell).astype(np.intp)
    return picture[rows][:, cols]


def _in_kernel():
    """Whether this code runs in a Jupyter kernel (where a display slot shows a picture)."""
    module = sys.modules.get("IPython")  # imported only when the code already runs inside it
    shell = module.get_ipython() if module is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


class TrainingMonitor(keras.callbacks.Callback):
    """A Keras callback that redraws the curves and sample outputs while ``fit`` runs.

    Every ``every`` epochs it records the logs, predicts on a fixed sample batch
    and redraws :func:`render_training` into one place: an ``ipywidgets.Image``
    or ``ipywidgets.Output`` you pass, or else (inside a Jupyter kernel) one
    display slot under the cell, updated in place so the notebook keeps a single
    static picture. Outside a kernel, with no ``output``, it only records the history.

    Parameters
    ----------
    sample_inputs : array_like, optional
        A small batch ``(N, H, W, C)`` to predict on each epoch (3 are shown).
    sample_targets : array_like, optional
        The matching targets, shown beside the predictions.
    every : int, optional
        Redraw every ``every`` epochs (and after the last).
    output : ipywidgets.Image or ipywidgets.Output, optional
        Where to draw.
    history : dict of str to list of float, optional
        Epochs trained before (a resumed run): drawn first, then the new ones.

    Attributes
    ----------
    history : dict of str to list of float
        Every epoch's logs so far.
    draws : int
        How many times the picture was drawn.
    last_png : bytes or None
        The last picture drawn.

    Examples
    --------
    Outside a kernel and without ``output``, it only records:

    >>> monitor = TrainingMonitor()
    >>> monitor.on_epoch_end(0, {"loss": 0.5})
    >>> monitor.history, monitor.draws
    ({'loss': [0.5]}, 0)

    With an image widget to draw into, it draws anywhere:

    >>> image = widgets.Image(format="png")
    >>> monitor = TrainingMonitor(output=image, history={"loss": [0.9]})
    >>> monitor.on_epoch_end(1, {"loss": 0.5, "psnr": 20.0})
    >>> monitor.draws, monitor.history["loss"], image.value[:4] == b"\\x89PNG"
    (1, [0.9, 0.5], True)
    """

    def __init__(
        self, sample_inputs=None, sample_targets=None, *, every=1, output=None, history=None
    ):
        super().__init__()
        self.every = check.integer(every, "every", minimum=1)
        if output is not None and not isinstance(output, (widgets.Image, widgets.Output)):
            raise TypeError(
                f"output must be an ipywidgets.Image or ipywidgets.Output, got "
                f"{type(output).__name__}"
            )
        if sample_targets is not None and sample_inputs is None:
            raise ValueError("sample_targets need sample_inputs to predict from, got none")
        inputs = _samples(sample_inputs, "sample_inputs")
        targets = _samples(sample_targets, "sample_targets")
        self.sample_inputs = None if inputs is None else inputs[:3]
        self.sample_targets = None if targets is None else targets[:3]
        self.output = output
        self.history = {} if history is None else _history(history)
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
        """The current picture, predicting on the sample batch if there is one.

        Returns
        -------
        matplotlib.figure.Figure
            From :func:`render_training`.
        """
        predictions = None
        if self.sample_inputs is not None and self.model is not None:
            predictions = np.asarray(
                keras.ops.convert_to_numpy(self.model(self.sample_inputs, training=False)),
                np.float32,
            )
        return render_training(self.history, self.sample_inputs, predictions, self.sample_targets)

    def draw(self):
        """Redraw where the monitor draws; a no-op outside a kernel without ``output``."""
        if self.output is None and not _in_kernel():
            return
        if not self.history and self.sample_inputs is None:
            return
        self.last_png = figure_png(self.render())
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
