"""The photos' three-way split, their augmentation, and the augmented patches cut from them."""

import numpy as np
import pytest

from deconv_tutor import data
from deconv_tutor.data import photos
from deconv_tutor.data.patches import PhotoPatches

# Standard restoration benchmarks: results are judged on them, so nothing here may use them.
BENCHMARK_NAMES = ("set5", "set14", "kodak", "kodim", "bsd", "urban100", "mcmaster", "lena")


def test_the_three_splits_are_disjoint_and_cover_every_photo():
    train, validation, test = (
        set(photos.TRAIN_PHOTOS),
        set(photos.VALIDATION_PHOTOS),
        set(photos.TEST_PHOTOS),
    )
    assert not train & validation and not train & test and not validation & test
    assert train | validation | test == set(photos.PHOTOS)
    assert {photos.split_of(name) for name in photos.PHOTOS} == set(photos.SPLITS)


def test_coffee_and_chelsea_chose_model_sizes_so_they_are_validation_not_test():
    assert set(photos.VALIDATION_PHOTOS) == {"coffee", "chelsea"}
    assert not {"coffee", "chelsea"} & set(photos.TEST_PHOTOS)


def test_the_other_view_of_the_test_scene_is_in_no_split():
    assert "motorcycle_left" in photos.TEST_PHOTOS
    assert "motorcycle_right" not in photos.PHOTOS


def test_no_standard_benchmark_image_is_used():
    for name, entry in photos.PHOTOS.items():
        text = f"{name} {entry['file']} {entry['source']}".lower()
        assert not any(word in text for word in BENCHMARK_NAMES), name


def test_every_photo_states_what_it_is_its_source_and_its_licence():
    for name, entry in photos.PHOTOS.items():
        assert entry["what"] and entry["source"] and entry["licence"], name


@pytest.mark.parametrize(
    "load_split, names",
    [
        (photos.train_photos, photos.TRAIN_PHOTOS),
        (photos.validation_photos, photos.VALIDATION_PHOTOS),
        (photos.test_photos, photos.TEST_PHOTOS),
    ],
)
def test_each_split_loads_colour_float32_images_in_unit_range(load_split, names):
    loaded = load_split()
    assert tuple(loaded) == names
    for name, image in loaded.items():
        assert image.dtype == np.float32 and image.ndim == 3 and image.shape[-1] == 3, name
        assert image.min() >= 0.0 and image.max() <= 1.0, name
        assert min(image.shape[:2]) >= 300, name
        assert image.std() > 0.05, name  # a real picture, not a blank


def test_grey_textures_come_as_three_equal_channels_and_colour_photos_do_not():
    for name, entry in photos.PHOTOS.items():
        image = photos.load(name)
        equal = np.array_equal(image[..., 0], image[..., 1]) and np.array_equal(
            image[..., 1], image[..., 2]
        )
        assert equal == (not entry["colour"]), name


def test_loaded_photos_are_cached_and_read_only():
    assert photos.load("coffee") is photos.load("coffee")
    with pytest.raises(ValueError):
        photos.load("coffee")[0, 0, 0] = 0.5


def test_an_unknown_photo_name_is_a_value_error_that_lists_the_names():
    with pytest.raises(ValueError, match="name must be one of .*'coffee'.*got 'lena'"):
        photos.load("lena")
    with pytest.raises(TypeError, match="name must be one of"):
        photos.split_of(3)


def test_photo_clip_reaches_the_photos_of_every_split():
    clip = data.photo_clip("grace_hopper", frames=2, size=(32, 32))
    assert clip.shape == (2, 32, 32, 3)
    assert np.array_equal(data.load_photo("flower"), photos.load("flower"))


def test_augment_keeps_unit_range_and_is_repeatable_with_the_same_rng():
    image = photos.load("chelsea")[:50, :70]
    first = photos.augment(image, np.random.default_rng(3))
    again = photos.augment(image, np.random.default_rng(3))
    other = photos.augment(image, np.random.default_rng(4))
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert first.dtype == np.float32 and 0.0 <= first.min() and first.max() <= 1.0


def test_augment_without_colour_only_flips_and_turns_the_pixels():
    image = photos.load("coffee")[:40, :40]
    out = photos.augment(image, np.random.default_rng(0), colour=False)
    turns = [np.rot90(image, k) for k in range(4)]
    assert any(np.array_equal(out, t) or np.array_equal(out, t[:, ::-1]) for t in turns)


def test_augment_without_flips_keeps_the_geometry_and_colourise_tints_grey():
    grey = photos.load("brick")[:32, :32]
    out = photos.augment(grey, np.random.default_rng(1), flips=False, colour=False, colourise=True)
    assert out.shape == grey.shape
    assert np.abs(out[..., 0] - out[..., 2]).max() > 0.01  # coloured now
    # The tint is monotonic in the grey level: the brightest grey pixel stays brightest.
    assert np.argmax(out.sum(-1)) == np.argmax(grey[..., 0])


def test_augment_refuses_a_bad_image_or_rng():
    image = photos.load("coffee")[:8, :8]
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        photos.augment(image, 0)
    with pytest.raises(ValueError, match=r"image must be \(height, width, 3\)"):
        photos.augment(image[..., 0], np.random.default_rng(0))
    with pytest.raises(ValueError, match="image values must lie in"):
        photos.augment(image * 255, np.random.default_rng(0))
    with pytest.raises(TypeError, match="flips"):
        photos.augment(image, np.random.default_rng(0), flips=1)


def _noise(batch, seed):
    return data.add_gaussian_noise(batch, 0.1, seed=seed)


def test_photo_patches_are_repeatable_and_new_every_epoch():
    patches = PhotoPatches(photos.validation_photos(), _noise, 24, 3, steps=2, seed=5)
    noisy, clean = patches[1]
    again_noisy, again_clean = patches[1]
    assert np.array_equal(noisy, again_noisy) and np.array_equal(clean, again_clean)
    assert not np.array_equal(clean, patches[0][1])
    patches.on_epoch_end()
    assert not np.array_equal(clean, patches[1][1])


def test_photo_patches_degrade_each_batch_with_its_own_seed():
    seeds = []

    def record(batch, seed):
        seeds.append(seed)
        return batch

    patches = PhotoPatches(photos.validation_photos(), record, 24, 2, steps=3)
    for index in range(3):
        patches[index]
    assert len(set(seeds)) == 3


def test_photo_patches_for_super_resolution_are_scale_times_smaller():
    patches = PhotoPatches(
        [photos.load("coffee")],
        lambda batch, seed: data.downscale(batch, 3),
        patch_size=24,
        batch_size=2,
        steps=1,
        scale=3,
    )
    low, high = patches[0]
    assert low.shape == (2, 8, 8, 3) and high.shape == (2, 24, 24, 3)
    np.testing.assert_allclose(low, data.downscale(high, 3), atol=1e-6)


def test_photo_patches_check_their_arguments():
    coffee = {"coffee": photos.load("coffee")}
    with pytest.raises(TypeError, match="photos must be a dict"):
        PhotoPatches(photos.load("coffee"), _noise, 24, 2, 1)
    with pytest.raises(ValueError, match="photos must hold at least one image"):
        PhotoPatches({}, _noise, 24, 2, 1)
    with pytest.raises(TypeError, match="degrade must be a callable"):
        PhotoPatches(coffee, None, 24, 2, 1)
    with pytest.raises(ValueError, match="patch_size must be a multiple of scale=2"):
        PhotoPatches(coffee, _noise, 25, 2, 1, scale=2)
    with pytest.raises(ValueError, match="patch_size must fit"):
        PhotoPatches(coffee, _noise, 1000, 2, 1)
    with pytest.raises(ValueError, match=r"scales\[0\]"):
        PhotoPatches(coffee, _noise, 24, 2, 1, scales=(0.0,))
    with pytest.raises(TypeError, match="batch_size"):
        PhotoPatches(coffee, _noise, 24, 2.0, 1)
    wrong = PhotoPatches(coffee, lambda batch, seed: batch[:, ::2], 24, 2, 1)
    with pytest.raises(ValueError, match=r"degrade\(clean_batch, seed\) must return shape"):
        wrong[0]
    with pytest.raises(IndexError):
        PhotoPatches(coffee, _noise, 24, 2, 1)[1]
