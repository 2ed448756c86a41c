"""Chapter 08's odd sizes: a U-Net's skip concatenation fails when a side is not a multiple of
2**depth, and padding the frame to the next multiple, then cropping the output, works."""

import keras
import numpy as np
import pytest

from deconv_tutor import segmenters


@pytest.fixture(scope="module")
def unet():
    keras.utils.set_random_seed(0)
    return segmenters.unet(n_classes=4, filters=4, depth=2)


def test_a_37_pixel_frame_breaks_the_skip_concatenation(unet):
    frame = np.zeros((1, 37, 37, 3), "float32")
    # The backend's own error type: ValueError, TypeError or TensorFlow's InvalidArgumentError.
    with pytest.raises(Exception, match="(?i)shape|dimension|size"):
        keras.ops.convert_to_numpy(unet(frame))


def test_the_maps_differ_by_one_pixel_and_concatenate_once_cropped_or_padded():
    skip, upsampled = np.zeros((1, 37, 37, 2), "float32"), np.zeros((1, 36, 36, 2), "float32")
    with pytest.raises(ValueError, match="matching shapes"):
        keras.layers.Concatenate()([upsampled, skip])
    cropped = keras.layers.Cropping2D(((0, 1), (0, 1)))(skip)
    padded = keras.layers.ZeroPadding2D(((0, 1), (0, 1)))(upsampled)
    assert tuple(keras.layers.Concatenate()([upsampled, cropped]).shape) == (1, 36, 36, 4)
    assert tuple(keras.layers.Concatenate()([padded, skip]).shape) == (1, 37, 37, 4)


def test_padding_the_frame_to_a_multiple_of_four_and_cropping_gives_the_frames_size(unet):
    frame = np.random.default_rng(0).random((1, 37, 37, 3), dtype=np.float32)
    missing = -37 % 4
    padded = np.pad(frame, ((0, 0), (0, missing), (0, missing), (0, 0)), mode="reflect")
    probabilities = keras.ops.convert_to_numpy(unet(padded))[:, :37, :37]
    assert padded.shape[1:3] == (40, 40)
    assert probabilities.shape == (1, 37, 37, 4)
    assert np.allclose(probabilities.sum(axis=-1), 1, atol=1e-5)
