"""Interactive views for the course: each one a pure render function plus a thin ipywidgets shell.

Every widget here is built the same way, one module each:

* a **render function** (``render_kernel``, ``render_output_size``, ``render_projection``,
  ...) turns plain values into an image (an ``ndarray``), HTML text or a figure. It
  validates its input and raises ``ValueError``/``TypeError`` with a precise message;
  tests and notebooks can call it without a browser;
* a **widget function** (``kernel_explorer``, ``output_size_calculator``, ...) returns a
  :class:`Panel`, an ``ipywidgets.VBox`` whose controls are in ``panel.controls`` and
  whose displays are in ``panel.views``. Changing a control (in the browser, or in
  Python: ``panel.controls["stride"].value = 2``) calls the render function and
  updates the views at once. A bad value (a kernel with NaN, a stride that leaves no
  output, a layer that does not exist) shows a red message in ``panel.message``
  instead of a traceback; the last good picture stays on screen.

A :class:`Panel`'s output also carries a still copy of itself (``text/html`` with the pictures
inline, one ``image/png`` or ``image/jpeg``, a one-line ``text/plain``): where no kernel holds
the widget (a chapter opened before it runs, GitHub, nbviewer, nbconvert's HTML) the page shows
the widget as it was drawn when its cell ran.

=====================  ==================================================================
module                 widget
=====================  ==================================================================
``kernel``             :func:`kernel_explorer`: a 3x3 or 5x5 kernel applied to a frame
``output_size``        :func:`output_size_calculator`: sizes, formulas, ``output_padding``
``stepper``            :func:`transposed_conv_stepper`: scatter-add, one pixel at a time
``checkerboard``       :func:`checkerboard_explorer`: overlap of stacked transposed convs
``activations``        :func:`feature_map_explorer`: any layer, channel and frame
``projection``         :func:`deconvnet_projection`: a feature map back to the pixels
``comparison``         :func:`video_compare`: clips side by side or wiped, with PSNR
``monitor``            :class:`TrainingMonitor`: curves and samples, redrawn every epoch
=====================  ==================================================================

Images are sent to the browser as PNG bytes in ``ipywidgets.Image`` views, which is
much faster than redrawing a matplotlib figure; ``benchmarks/widget_latency.py``
measures every render path (target: 100 ms at 256x256). The deconvnet projection
itself is :mod:`deconv_tutor.deconvnet`.
"""

from deconv_tutor.widgets._shared import Panel, png_bytes
from deconv_tutor.widgets.activations import (
    feature_map_explorer,
    feature_map_layers,
    feature_maps,
    render_feature_maps,
)
from deconv_tutor.widgets.checkerboard import (
    checkerboard_explorer,
    overlap_counts,
    overlap_legend,
    overlap_profile,
    render_checkerboard,
)
from deconv_tutor.widgets.comparison import render_compare, video_compare
from deconv_tutor.widgets.kernel import (
    KERNEL_PRESETS,
    kernel_explorer,
    kernel_preset,
    render_kernel,
)
from deconv_tutor.widgets.monitor import TrainingMonitor, render_training
from deconv_tutor.widgets.output_size import (
    output_size_calculator,
    output_size_report,
    render_output_size,
)
from deconv_tutor.widgets.projection import (
    deconvnet_projection,
    render_projection,
    strongest_channel,
)
from deconv_tutor.widgets.stepper import (
    render_transposed_step,
    transposed_conv_stepper,
    zero_insertion_grid,
)

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
    "overlap_legend",
    "overlap_profile",
    "png_bytes",
    "render_checkerboard",
    "render_compare",
    "render_feature_maps",
    "render_kernel",
    "render_output_size",
    "render_projection",
    "render_training",
    "render_transposed_step",
    "strongest_channel",
    "transposed_conv_stepper",
    "video_compare",
    "zero_insertion_grid",
]

# Names that left this package, for copies of the chapters written before they moved.
_MOVED = {
    "project": "deconv_tutor.deconvnet.project",
    "projectable_layers": "deconv_tutor.deconvnet.projectable_layers",
    "training_monitor": "deconv_tutor.widgets.TrainingMonitor",
}


def __getattr__(name):
    """Say where a name that moved out of the widgets went, instead of a bare AttributeError."""
    if name in _MOVED:
        raise AttributeError(f"deconv_tutor.widgets.{name} has moved: use {_MOVED[name]}")
    raise AttributeError(f"module 'deconv_tutor.widgets' has no attribute {name!r}")
