"""Specification of deconv_tutor.structure: the roughness of a picture and the two measures of
a layer's deconvnet projections that chapter 10 compares with untrained models."""

import keras
import numpy as np
import pytest
from scipy import ndimage

from deconv_tutor import deconvnet, models, structure

RNG = np.random.default_rng(0)


def test_white_noise_has_the_roughness_of_the_laplacians_squared_taps():
    # 16 + 4 x 1: the centre tap and the four neighbours of scipy's 3x3 Laplacian.
    assert structure.roughness(RNG.standard_normal((256, 256))) == pytest.approx(20, abs=0.5)


def test_roughness_ignores_scale_and_offset_and_smooth_pictures_score_less():
    noise = RNG.standard_normal((64, 64))
    assert structure.roughness(3 * noise + 7) == pytest.approx(structure.roughness(noise))
    smooth = ndimage.gaussian_filter(noise, 2.0)
    assert structure.roughness(smooth) < 0.1 * structure.roughness(noise)


def test_constant_picture_has_no_roughness():
    with pytest.raises(ValueError, match="constant 5x6 picture"):
        structure.roughness(np.full((5, 6), 2.0))


@pytest.fixture(scope="module")
def decoder_model():
    keras.utils.set_random_seed(0)
    return models.encoder_decoder((16, 16, 3), filters=4, depth=2)


def test_the_measures_are_those_of_the_whole_map_projections(decoder_model):
    frame = RNG.random((16, 16, 3)).astype(np.float32)
    edges = RNG.random((16, 16))
    pictures = [
        deconvnet.project(decoder_model, frame, "up1_transpose", c, keep="all", normalise=False)
        for c in range(4)
    ]
    pictures = [p.sum(axis=-1) for p in pictures if np.ptp(p.sum(axis=-1)) > 0]
    magnitude = np.sum([np.abs(p) for p in pictures], axis=0)
    measured = structure.projection_measures(decoder_model, frame, "up1_transpose", edges)
    assert measured.edge_correlation == pytest.approx(
        np.corrcoef(magnitude.ravel(), edges.ravel())[0, 1], abs=1e-6
    )
    assert measured.roughness == pytest.approx(
        np.mean([structure.roughness(p) for p in pictures]), rel=1e-6
    )


def test_projections_that_are_the_edges_correlate_fully():
    # One 1x1 linear convolution that copies the grey level: its projection is the
    # activation map itself, so edges equal to the frame correlate with it exactly.
    inputs = keras.Input((12, 12, 1))
    layer = keras.layers.Conv2D(1, 1, use_bias=False, kernel_initializer="ones", name="copy")
    model = keras.Model(inputs, layer(inputs))
    frame = RNG.random((12, 12, 1)).astype(np.float32)
    measured = structure.projection_measures(model, frame, "copy", frame[..., 0])
    assert measured.edge_correlation == pytest.approx(1.0, abs=1e-5)


def test_a_layer_silent_on_the_frame_has_nothing_to_measure():
    inputs = keras.Input((8, 8, 1))
    layer = keras.layers.Conv2D(2, 3, activation="relu", kernel_initializer="zeros", name="mute")
    model = keras.Model(inputs, layer(inputs))
    with pytest.raises(ValueError, match="every channel of layer 'mute' is silent"):
        structure.projection_measures(model, np.ones((8, 8, 1)), "mute", np.eye(8))


def test_a_comparison_places_the_trained_model_among_the_untrained_ones():
    def measured(edge, rough):
        return structure.ProjectionMeasures(edge, rough)

    untrained = (measured(0.0, 15.0), measured(0.2, 30.0))
    cases = [
        ((0.3, 6.0), "above", 9.0),
        ((0.1, 15.0), "within", 0.0),
        ((-0.1, 20.0), "below", -5.0),
    ]
    for (edge, rough), placement, margin in cases:
        comparison = structure.LayerComparison("layer", measured(edge, rough), untrained)
        assert comparison.edge_placement == placement
        assert comparison.roughness_margin == pytest.approx(margin)


def test_compare_with_untrained_measures_every_model_in_every_layer(decoder_model):
    keras.utils.set_random_seed(1)
    other = models.encoder_decoder((16, 16, 3), filters=4, depth=2)
    frame = RNG.random((16, 16, 3)).astype(np.float32)
    edges = RNG.random((16, 16))
    layers = ["up2_transpose", "up1_transpose"]
    comparisons = structure.compare_with_untrained(decoder_model, [other], frame, layers, edges)
    assert [c.layer for c in comparisons] == layers
    for comparison in comparisons:
        assert comparison.trained == structure.projection_measures(
            decoder_model, frame, comparison.layer, edges
        )
        assert comparison.untrained == (
            structure.projection_measures(other, frame, comparison.layer, edges),
        )
