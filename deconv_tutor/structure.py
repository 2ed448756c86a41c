"""Do a layer's deconvnet projections show structure? Two numbers, and a warning.

A deconvnet projection (:mod:`deconv_tutor.deconvnet`) of a whole feature map starts from
the layer's activations on a frame, so it carries that frame back with it: even a network
with *random* weights gives projections that follow the frame's edges. Nie, Zhang and
Patel (2018) show that such projections are largely a partial recovery of the image, and
Adebayo et al. (2018) that maps which follow edges can look the same for a trained and a
randomised network. A measure of what *training* put into the projections must therefore be
compared with untrained models of the same architecture, and must be one that random weights
do not also score well on. Two are computed here:

- **edge correlation**: the correlation between the summed magnitude of the projections of
  every channel and an edge map of the clean frame. It mostly measures the frame: untrained
  models of chapter 10's reference denoiser score from about -0.2 to +0.5, depending on the
  frame (``benchmarks/projection_structure.py``).
- **roughness**: the energy of a projection's Laplacian divided by its variance, averaged
  over the channels that are not silent. White noise scores 20 (the squares of the
  Laplacian's taps, 16 + 4 x 1); smooth patterns far less. Random weights leave their grain
  in the projections; training that makes a unit respond to a pattern smooths it.

References
----------
W. Nie, Y. Zhang and A. Patel, "A Theoretical Explanation for Perplexing Behaviors of
Backpropagation-based Visualizations", ICML 2018. https://arxiv.org/abs/1805.07039

J. Adebayo, J. Gilmer, M. Muelly, I. Goodfellow, M. Hardt and B. Kim, "Sanity Checks for
Saliency Maps", NeurIPS 2018. https://arxiv.org/abs/1810.03292
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

from deconv_tutor import _validation as check
from deconv_tutor import deconvnet

__all__ = [
    "LayerComparison",
    "ProjectionMeasures",
    "compare_with_untrained",
    "projection_measures",
    "roughness",
]


class ProjectionMeasures(NamedTuple):
    """The two numbers of :func:`projection_measures` for one layer on one frame.

    Parameters
    ----------
    edge_correlation : float
        Correlation of the projections' summed magnitude with the frame's edge map, in [-1, 1].
    roughness : float
        Mean :func:`roughness` of the channels' projections (white noise: 20).

    Examples
    --------
    >>> measured = ProjectionMeasures(edge_correlation=0.1, roughness=6.0)
    >>> edge_correlation, roughness = measured
    >>> measured.roughness
    6.0
    """

    edge_correlation: float
    roughness: float


def roughness(picture):
    """How grainy a picture is: the energy of its Laplacian divided by its variance.

    Parameters
    ----------
    picture : array_like, shape (H, W)
        One channel (a projection summed over its colour channels, for instance), at least
        3 x 3. The Laplacian is :func:`scipy.ndimage.laplace` with its default border.

    Returns
    -------
    float
        About 20 for white noise, far less for a smooth picture; it does not change when
        the picture is scaled or shifted in value.

    Raises
    ------
    ValueError
        A picture that is not 2-D, smaller than 3 x 3, or constant (it has no variance, so
        no roughness).

    Examples
    --------
    >>> noise = np.random.default_rng(0).standard_normal((128, 128))
    >>> round(roughness(noise))
    20
    >>> ramp = np.add.outer(np.arange(128.0), np.arange(128.0)) ** 2
    >>> roughness(ramp) < 0.01
    True
    >>> roughness(np.zeros((8, 8)))
    Traceback (most recent call last):
    ...
    ValueError: picture must vary to have a roughness, got a constant 8x8 picture (value 0.0)
    """
    values = check.real_array(picture, "picture", ndims=(2,)).astype(np.float64)
    if min(values.shape) < 3:
        raise ValueError(
            f"picture must be at least 3x3 for a 3x3 Laplacian, got "
            f"{values.shape[0]}x{values.shape[1]}"
        )
    spread = np.sum((values - values.mean()) ** 2)
    if spread == 0:
        raise ValueError(
            f"picture must vary to have a roughness, got a constant "
            f"{values.shape[0]}x{values.shape[1]} picture (value {values.flat[0]})"
        )
    return float(np.sum(ndimage.laplace(values) ** 2) / spread)


def projection_measures(model, frame, layer_name, edges):
    """Edge correlation and roughness of one layer's projections, every channel's whole map.

    Each channel's whole feature map on ``frame`` is projected back to the pixels
    (``keep="all"``, raw) and summed over the colour channels. The edge correlation
    compares the summed magnitude of all channels' projections with ``edges``; the
    roughness (:func:`roughness`) is averaged over the channels that are not silent.

    Parameters
    ----------
    model : keras.Model
        A model :func:`deconvnet.project` can pass back through.
    frame : array_like, shape (H, W, C)
        The frame the activations come from.
    layer_name : str
        The layer whose channels are projected.
    edges : array_like, shape (H, W)
        An edge map of the clean frame (for instance :func:`skimage.filters.sobel` of its
        grey levels).

    Returns
    -------
    ProjectionMeasures
        ``(edge_correlation, roughness)``.

    Raises
    ------
    ValueError
        ``edges`` not of the frame's height and width, or constant; a layer whose every
        channel is silent on this frame (nothing to measure); and what
        :func:`deconvnet.project` raises.

    Examples
    --------
    >>> import keras
    >>> from deconv_tutor import models
    >>> keras.utils.set_random_seed(0)
    >>> model = models.encoder_decoder((32, 32, 3), filters=4, depth=2)
    >>> frame = np.random.default_rng(0).random((32, 32, 3)).astype(np.float32)
    >>> edges = np.random.default_rng(1).random((32, 32))
    >>> measures = projection_measures(model, frame, "up1_transpose", edges)
    >>> -1 <= measures.edge_correlation <= 1, measures.roughness > 0
    (True, True)
    """
    edges = check.real_array(edges, "edges", ndims=(2,)).astype(np.float64)
    way_back = deconvnet.projector(model, layer_name)
    forward = way_back.forward(frame)
    if edges.shape != forward.frame_shape[:2]:
        raise ValueError(
            f"edges must have the frame's height and width {forward.frame_shape[:2]}, "
            f"got {edges.shape}"
        )
    if np.ptp(edges) == 0:
        raise ValueError("edges must vary to be correlated with, got a constant edge map")
    pictures = [
        way_back.project(forward, channel, keep="all").sum(axis=-1)
        for channel in range(forward.maps.shape[-1])
    ]
    active = [picture for picture in pictures if np.ptp(picture) > 0]
    if not active:
        raise ValueError(
            f"every channel of layer {layer_name!r} is silent on this frame: no projection "
            f"to measure"
        )
    magnitude = np.sum([np.abs(picture) for picture in active], axis=0)
    correlation = float(np.corrcoef(magnitude.ravel(), edges.ravel())[0, 1])
    return ProjectionMeasures(correlation, float(np.mean([roughness(p) for p in active])))


class LayerComparison(NamedTuple):
    """One layer's measures for a trained model and for untrained ones.

    Made by :func:`compare_with_untrained`.

    Parameters
    ----------
    layer : str
        The layer measured.
    trained : ProjectionMeasures
        The trained model's.
    untrained : tuple of ProjectionMeasures
        Each untrained model's.

    Examples
    --------
    >>> comparison = LayerComparison("up1", ProjectionMeasures(0.1, 6.0),
    ...                              (ProjectionMeasures(0.0, 18.0), ProjectionMeasures(0.2, 30.0)))
    >>> comparison.edge_placement, comparison.roughness_margin
    ('within', 12.0)
    """

    layer: str
    trained: ProjectionMeasures
    untrained: tuple

    @property
    def edge_placement(self):
        """Where the trained edge correlation lies against the untrained models' range.

        "above", "within" or "below".
        """
        values = [measured.edge_correlation for measured in self.untrained]
        value = self.trained.edge_correlation
        return "above" if value > max(values) else ("below" if value < min(values) else "within")

    @property
    def roughness_margin(self):
        """The smoothest untrained model's roughness minus the trained model's.

        Positive when the trained projections are smoother than every untrained model's.
        """
        return min(measured.roughness for measured in self.untrained) - self.trained.roughness


def compare_with_untrained(trained, untrained, frame, layer_names, edges):
    """:func:`projection_measures` of a trained model and of untrained ones, layer by layer.

    Random weights are the control: a deconvnet projection carries the frame back whatever
    the weights, so only what the trained model shows and the untrained ones do not can be
    credited to training.

    Parameters
    ----------
    trained : keras.Model
        The trained model.
    untrained : sequence of keras.Model
        Models of the same architecture, not trained (one per seed); at least one.
    frame : array_like, shape (H, W, C)
        The frame the activations come from.
    layer_names : sequence of str
        The layers to compare.
    edges : array_like, shape (H, W)
        An edge map of the clean frame.

    Returns
    -------
    list of LayerComparison
        One per layer, in the order given.

    Raises
    ------
    ValueError
        No untrained model, and what :func:`projection_measures` raises.

    Examples
    --------
    >>> import keras
    >>> from deconv_tutor import models
    >>> keras.utils.set_random_seed(0)
    >>> nets = [models.encoder_decoder((16, 16, 3), filters=4, depth=2) for _ in range(3)]
    >>> frame = np.random.default_rng(0).random((16, 16, 3)).astype(np.float32)
    >>> edges = np.random.default_rng(1).random((16, 16))
    >>> [comparison] = compare_with_untrained(nets[0], nets[1:], frame, ["up1_transpose"], edges)
    >>> comparison.layer, len(comparison.untrained)
    ('up1_transpose', 2)
    >>> comparison.edge_placement in ("above", "within", "below")
    True
    """
    untrained = tuple(untrained)
    if not untrained:
        raise ValueError("untrained must hold at least one model to compare with, got none")
    return [
        LayerComparison(
            name,
            projection_measures(trained, frame, name, edges),
            tuple(projection_measures(model, frame, name, edges) for model in untrained),
        )
        for name in layer_names
    ]
