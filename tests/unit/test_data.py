"""Specification of deconv_tutor.data: offline clips, video files, degradations, patches."""

import imageio.v2 as imageio_v2
import imageio.v3 as imageio_v3
import numpy as np
import pytest

from deconv_tutor import data
from deconv_tutor.data import (
    PHOTOS_HELDOUT,
    PHOTOS_TRAIN,
    SHAPE_CLASSES,
    PatchDataset,
    add_gaussian_noise,
    add_poisson_noise,
    blur,
    check_video,
    compress,
    downscale,
    ffmpeg_clip,
    iter_frames,
    load_photo,
    moving_shapes,
    photo_clip,
    psf_box,
    psf_gaussian,
    psf_motion,
    read_video,
    write_video,
)


def _psnr(reference, test):
    return 10 * np.log10(1.0 / np.mean((reference.astype(np.float64) - test) ** 2))


@pytest.fixture(scope="module")
def clip():
    return photo_clip("astronaut", frames=8, size=(32, 32), motion="pan", seed=0)


@pytest.fixture(scope="module")
def mp4_bytes(tmp_path_factory, clip):
    path = tmp_path_factory.mktemp("mp4") / "clip.mp4"
    write_video(path, clip)
    return path.read_bytes()


# ---------------------------------------------------------------------------- reading/writing


def test_mp4_round_trip_at_crf_18_keeps_psnr_of_at_least_35_db(tmp_path):
    clean = photo_clip("rocket", frames=16, size=(64, 64), motion="pan", seed=0)
    write_video(tmp_path / "clip.mp4", clean, fps=24, crf=18)
    decoded = read_video(tmp_path / "clip.mp4")
    assert decoded.shape == clean.shape and decoded.dtype == np.float32
    assert _psnr(clean, decoded) >= 35.0


def test_crf_is_honoured_lower_crf_means_higher_fidelity(tmp_path, clip):
    results = {}
    for crf in (18, 35):
        write_video(tmp_path / f"crf{crf}.mp4", clip, crf=crf)
        results[crf] = _psnr(clip, read_video(tmp_path / f"crf{crf}.mp4"))
    assert results[18] > results[35] + 3.0


def test_gif_round_trip_keeps_every_frame_and_a_sensible_psnr(tmp_path, clip):
    write_video(tmp_path / "clip.gif", clip, fps=10)
    decoded = read_video(tmp_path / "clip.gif")
    assert decoded.shape == clip.shape
    # One 256-colour palette for the clip: lossy, but far better than a crude palette.
    assert _psnr(clip, decoded) >= 30.0


def test_gif_keeps_identical_consecutive_frames_as_separate_frames(tmp_path):
    still = np.repeat(photo_clip(frames=1, size=(16, 16)), 5, axis=0)
    write_video(tmp_path / "still.gif", still)
    assert read_video(tmp_path / "still.gif").shape[0] == 5


def test_png_folder_round_trip_is_exact_to_8_bit_quantisation(tmp_path, clip):
    write_video(tmp_path / "frames", clip)
    decoded = read_video(tmp_path / "frames")
    assert decoded.shape == clip.shape
    assert np.abs(decoded - clip).max() <= 0.5 / 255 + 1e-6
    assert np.array_equal(decoded, np.round(clip * 255) / 255)


def test_grey_video_is_written_and_read_back_as_three_equal_channels(tmp_path):
    grey = photo_clip(frames=2, size=(16, 16)).mean(axis=-1, keepdims=True)
    write_video(tmp_path / "grey", grey)
    decoded = read_video(tmp_path / "grey")
    assert decoded.shape == (2, 16, 16, 3)
    assert np.array_equal(decoded[..., 0], decoded[..., 2])
    assert np.abs(decoded[..., :1] - grey).max() <= 0.5 / 255 + 1e-6


def test_png_folder_is_read_in_natural_order_of_frame_numbers(tmp_path):
    for number in (1, 2, 10):
        imageio_v3.imwrite(tmp_path / f"f{number}.png", np.full((4, 4, 3), number, np.uint8))
    values = [round(float(f[0, 0, 0]) * 255) for f in iter_frames(tmp_path)]
    assert values == [1, 2, 10]


def test_writing_a_folder_again_replaces_the_old_frames(tmp_path, clip):
    write_video(tmp_path / "frames", clip)
    write_video(tmp_path / "frames", clip[:3])
    assert read_video(tmp_path / "frames").shape[0] == 3


def test_read_video_takes_a_frame_range_and_a_size(tmp_path, clip):
    write_video(tmp_path / "frames", clip)
    part = read_video(tmp_path / "frames", start=2, stop=5)
    assert np.array_equal(part, read_video(tmp_path / "frames")[2:5])
    assert read_video(tmp_path / "frames", size=(16, 24)).shape == (8, 16, 24, 3)


def test_read_video_refuses_a_range_past_the_end_instead_of_shortening_it(tmp_path, clip):
    write_video(tmp_path / "frames", clip)
    with pytest.raises(ValueError, match=r"stop=20 .* has 8 frames"):
        read_video(tmp_path / "frames", start=0, stop=20)
    with pytest.raises(ValueError, match="start=9"):
        read_video(tmp_path / "frames", start=9)
    with pytest.raises(ValueError, match="stop must be an integer greater than start=3"):
        read_video(tmp_path / "frames", start=3, stop=3)


def test_iter_frames_streams_one_float_frame_at_a_time(tmp_path, mp4_bytes):
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4_bytes)
    frames = iter_frames(path, size=(16, 16))
    first = next(frames)
    assert first.shape == (16, 16, 3) and first.dtype == np.float32
    assert 1 + sum(1 for _ in frames) == 8


def test_iter_frames_names_a_missing_file_when_called_not_when_iterated(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.mp4"):
        iter_frames(tmp_path / "nope.mp4")


def test_missing_file_raises_file_not_found_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.mp4"):
        read_video(tmp_path / "missing.mp4")


def test_empty_file_is_refused_with_its_name(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty\.mp4.* is empty"):
        read_video(tmp_path / "empty.mp4")


def test_text_file_named_mp4_is_refused_with_its_name(tmp_path):
    (tmp_path / "notes.mp4").write_text("this is not a video\n")
    with pytest.raises(ValueError, match=r"could not read video file .*notes\.mp4"):
        read_video(tmp_path / "notes.mp4")


def test_truncated_mp4_is_refused_with_its_name(tmp_path, mp4_bytes):
    (tmp_path / "cut.mp4").write_bytes(mp4_bytes[: len(mp4_bytes) // 2])
    with pytest.raises(ValueError, match=r"cut\.mp4"):
        read_video(tmp_path / "cut.mp4")


def test_truncated_streamable_mp4_is_caught_by_its_frame_count(tmp_path):
    # With the index at the front (faststart), ffmpeg decodes what is left without complaint.
    clean = photo_clip(frames=24, size=(32, 32))
    writer = imageio_v2.get_writer(
        tmp_path / "stream.mp4",
        format="FFMPEG",
        fps=24,
        codec="libx264",
        quality=None,
        pixelformat="yuv420p",
        macro_block_size=2,
        ffmpeg_log_level="error",
        ffmpeg_params=["-crf", "18", "-movflags", "+faststart"],
    )
    for frame in (clean * 255).round().astype(np.uint8):
        writer.append_data(frame)
    writer.close()
    whole = (tmp_path / "stream.mp4").read_bytes()
    (tmp_path / "cut.mp4").write_bytes(whole[: int(len(whole) * 0.8)])
    with pytest.raises(ValueError, match=r"cut\.mp4.*truncated"):
        read_video(tmp_path / "cut.mp4")


def test_truncated_gif_is_refused_with_its_name(tmp_path, clip):
    write_video(tmp_path / "clip.gif", clip)
    whole = (tmp_path / "clip.gif").read_bytes()
    (tmp_path / "cut.gif").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ValueError, match=r"cut\.gif"):
        read_video(tmp_path / "cut.gif")


def test_folder_without_png_frames_is_refused(tmp_path):
    (tmp_path / "readme.txt").write_text("no frames here")
    with pytest.raises(ValueError, match="holds no PNG frames"):
        read_video(tmp_path)


def test_frames_of_different_sizes_are_refused(tmp_path):
    imageio_v3.imwrite(tmp_path / "a1.png", np.zeros((4, 4, 3), np.uint8))
    imageio_v3.imwrite(tmp_path / "a2.png", np.zeros((4, 6, 3), np.uint8))
    with pytest.raises(
        ValueError, match=r"frame 1 .* has shape \(4, 6, 3\), but frame 0 has \(4, 4, 3\)"
    ):
        read_video(tmp_path)


def test_transparent_png_frames_are_refused_rather_than_flattened(tmp_path):
    frame = np.zeros((4, 4, 4), np.uint8)
    frame[..., 3] = 128
    imageio_v3.imwrite(tmp_path / "a.png", frame)
    with pytest.raises(ValueError, match="transparent"):
        read_video(tmp_path)


def test_unknown_extension_is_refused(tmp_path):
    (tmp_path / "clip.xyz").write_bytes(b"123")
    with pytest.raises(ValueError, match=r"clip\.xyz"):
        read_video(tmp_path / "clip.xyz")
    with pytest.raises(ValueError, match=r"clip\.xyz"):
        write_video(tmp_path / "clip.xyz", np.zeros((1, 4, 4, 3), np.float32))


def test_h264_refuses_an_odd_size_and_names_it(tmp_path):
    with pytest.raises(ValueError, match=r"even height and width .* got 31x32"):
        write_video(tmp_path / "odd.mp4", np.zeros((2, 31, 32, 3), np.float32))


def test_write_video_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no_such_folder"):
        write_video(tmp_path / "no_such_folder" / "clip.mp4", np.zeros((1, 4, 4, 3), np.float32))


@pytest.mark.parametrize("crf", [-1, 52, 18.0])
def test_write_video_refuses_a_crf_outside_0_to_51(tmp_path, crf):
    with pytest.raises((ValueError, TypeError), match="crf must be an integer from 0 to 51"):
        write_video(tmp_path / "clip.mp4", np.zeros((1, 4, 4, 3), np.float32), crf=crf)


# -------------------------------------------------------------------------------- checks


def test_uint8_video_raises_type_error_telling_to_divide_by_255():
    with pytest.raises(TypeError, match="divide|/ 255"):
        check_video(np.zeros((1, 4, 4, 3), np.uint8))
    with pytest.raises(TypeError, match="/ 255"):
        blur(np.zeros((1, 4, 4, 3), np.uint8), psf_box(3))


def test_float64_video_is_accepted_and_returned_as_float32():
    video = check_video(np.full((1, 4, 4, 3), 0.5))
    assert video.dtype == np.float32
    assert downscale(np.full((1, 4, 4, 3), 0.5), 2).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int64, np.bool_, np.uint16])
def test_integer_and_boolean_videos_raise_type_error(dtype):
    with pytest.raises(TypeError, match="dtype"):
        check_video(np.zeros((1, 4, 4, 3), dtype))


def test_values_outside_unit_range_raise_value_error_with_the_range_found():
    with pytest.raises(ValueError, match=r"\[0, 1\], got min -0.5 and max 2"):
        check_video(np.array([-0.5, 2.0], np.float32).reshape(1, 1, 2, 1))


def test_nan_values_raise_value_error():
    with pytest.raises(ValueError, match="finite"):
        check_video(np.full((1, 2, 2, 1), np.nan, np.float32))


@pytest.mark.parametrize(
    ("shape", "hint"),
    [((4, 4, 3), r"video\[None\]"), ((2, 4, 4), r"video\[\.\.\., None\]"), ((4,), "4-D")],
)
def test_wrong_rank_raises_value_error_with_a_hint(shape, hint):
    with pytest.raises(ValueError, match=hint):
        check_video(np.zeros(shape, np.float32))


def test_channels_first_video_is_refused():
    with pytest.raises(ValueError, match="channels-last"):
        check_video(np.zeros((2, 3, 16, 16), np.float32))


def test_empty_video_is_refused():
    with pytest.raises(ValueError, match="empty"):
        check_video(np.zeros((0, 4, 4, 3), np.float32))


# --------------------------------------------------------------------------- offline clips


def test_photo_split_is_fixed_disjoint_and_every_photo_loads_offline():
    assert PHOTOS_HELDOUT == ("coffee", "chelsea")
    assert not set(PHOTOS_TRAIN) & set(PHOTOS_HELDOUT)
    for name in PHOTOS_TRAIN + PHOTOS_HELDOUT:
        photo = load_photo(name)
        assert photo.ndim == 3 and photo.shape[-1] == 3 and photo.dtype == np.float32
        assert 0.0 <= photo.min() and photo.max() <= 1.0


def test_load_photo_refuses_an_unknown_name():
    with pytest.raises(ValueError, match="'lena'"):
        load_photo("lena")


@pytest.mark.parametrize("motion", data.MOTIONS)
def test_photo_clip_moves_smoothly_and_is_deterministic(motion):
    video = photo_clip("coffee", frames=8, size=(24, 40), motion=motion, seed=3)
    assert video.shape == (8, 24, 40, 3) and video.dtype == np.float32
    assert 0.0 <= video.min() and video.max() <= 1.0
    assert np.array_equal(video, photo_clip("coffee", 8, (24, 40), motion, seed=3))
    steps = np.abs(np.diff(video, axis=0)).mean(axis=(1, 2, 3))
    assert steps.min() > 0.0  # the camera moves between every pair of frames
    # Smooth: no frame-to-frame change is far larger than the typical one.
    assert steps.max() < 5 * np.median(steps)


def test_photo_clip_depends_on_seed():
    assert not np.array_equal(photo_clip(seed=0, frames=4), photo_clip(seed=1, frames=4))


def test_photo_clip_refuses_an_unknown_motion():
    with pytest.raises(ValueError, match="motion must be one of .*'shake'"):
        photo_clip(motion="shake")


@pytest.mark.parametrize("motion", ["pan", "rotate"])
def test_shapes_over_photos_puts_the_photo_clip_of_the_motion_behind_the_shapes(motion):
    video, masks = data.shapes_over_photos(["coffee"], [4], frames=4, size=(32, 32), motion=motion)
    background = photo_clip("coffee", frames=4, size=(32, 32), motion=motion, seed=4)
    assert (masks == 0).any() and np.array_equal(video[masks == 0], background[masks == 0])
    with pytest.raises(ValueError, match="motion must be one of"):
        data.shapes_over_photos(["coffee"], [4], motion="shake")


def test_moving_shapes_masks_match_classes_and_pixels():
    video, masks = moving_shapes(frames=6, size=(48, 40), n_shapes=3, seed=2)
    assert video.shape == (6, 48, 40, 3) and video.dtype == np.float32
    assert masks.shape == (6, 48, 40) and masks.dtype == np.int32
    assert SHAPE_CLASSES == ("background", "disk", "square", "triangle")
    assert set(np.unique(masks)) == {0, 1, 2, 3}
    # The background stays still: where both frames show background, pixels agree.
    both_background = (masks[0] == 0) & (masks[-1] == 0)
    assert np.array_equal(video[0][both_background], video[-1][both_background])
    # The shapes move.
    assert not np.array_equal(masks[0], masks[-1])
    # Inside a frame, pixels of a shape class are one flat colour per shape (hard edges).
    for kind in (1, 2, 3):
        colours = np.unique(video[0][masks[0] == kind], axis=0)
        assert 1 <= len(colours) <= 3


def test_moving_shapes_is_deterministic_per_seed():
    first = moving_shapes(frames=3, size=(32, 32), seed=5)
    again = moving_shapes(frames=3, size=(32, 32), seed=5)
    other = moving_shapes(frames=3, size=(32, 32), seed=6)
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_moving_shapes_refuses_bad_arguments():
    with pytest.raises(ValueError, match="n_shapes must be a non-negative integer, got -1"):
        moving_shapes(n_shapes=-1)
    with pytest.raises(ValueError, match="at least"):
        moving_shapes(size=(4, 4))


def test_ffmpeg_clip_gives_a_moving_test_pattern():
    video = ffmpeg_clip("testsrc2", frames=4, size=(64, 96))
    assert video.shape == (4, 64, 96, 3) and video.dtype == np.float32
    assert not np.array_equal(video[0], video[-1])


def test_ffmpeg_random_sources_follow_the_seed():
    first = ffmpeg_clip("life", frames=2, size=(24, 24), seed=1)
    assert np.array_equal(first, ffmpeg_clip("life", frames=2, size=(24, 24), seed=1))
    assert not np.array_equal(first, ffmpeg_clip("life", frames=2, size=(24, 24), seed=2))


def test_ffmpeg_clip_refuses_unknown_sources_and_sizes_it_cannot_make():
    with pytest.raises(ValueError, match="source must be one of .*'nosuch'"):
        ffmpeg_clip("nosuch")
    with pytest.raises(ValueError, match="even for source 'testsrc2'"):
        ffmpeg_clip("testsrc2", size=(31, 32))


# ---------------------------------------------------------------------------- degradations


def test_gaussian_noise_has_the_requested_sigma_and_follows_the_seed():
    clean = np.full((2, 64, 64, 3), 0.5, np.float32)
    noisy = add_gaussian_noise(clean, sigma=25 / 255, seed=1)
    assert noisy.dtype == np.float32
    assert abs((noisy - clean).std() - 25 / 255) < 0.002
    assert np.array_equal(noisy, add_gaussian_noise(clean, 25 / 255, seed=1))
    assert not np.array_equal(noisy, add_gaussian_noise(clean, 25 / 255, seed=2))


def test_gaussian_noise_clips_unless_told_not_to():
    clean = np.full((1, 32, 32, 1), 0.95, np.float32)
    assert add_gaussian_noise(clean, 0.2).max() <= 1.0
    assert add_gaussian_noise(clean, 0.2, clip=False).max() > 1.0


def test_poisson_noise_variance_is_value_over_peak():
    clean = np.full((1, 128, 128, 1), 0.4, np.float32)
    noisy = add_poisson_noise(clean, peak=50, seed=0)
    assert abs(noisy.var() - 0.4 / 50) < 0.0008
    assert abs(noisy.mean() - 0.4) < 0.005


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda v: add_gaussian_noise(v, -0.1), "sigma must be a non-negative number"),
        (lambda v: add_poisson_noise(v, 0), "peak must be a positive photon count.*, got 0"),
        (lambda v: add_gaussian_noise(v, 0.1, seed=-1), "seed must be a non-negative integer"),
    ],
)
def test_noise_parameters_are_checked(call, message):
    with pytest.raises(ValueError, match=message):
        call(np.zeros((1, 4, 4, 1), np.float32))


@pytest.mark.parametrize(
    "psf", [psf_box(5), psf_gaussian(7, 1.5), psf_motion(9, 30), psf_motion(1)]
)
def test_psfs_are_2d_odd_non_negative_and_sum_to_one(psf):
    assert psf.ndim == 2 and psf.shape[0] % 2 == 1 and psf.shape[1] % 2 == 1
    assert psf.min() >= 0
    assert abs(psf.sum() - 1.0) < 1e-12


def test_psf_motion_points_along_its_angle():
    horizontal = psf_motion(5, angle=0)
    assert np.allclose(horizontal[2], 0.2) and horizontal.sum(axis=1)[2] == pytest.approx(1.0)
    assert np.allclose(psf_motion(5, angle=90), horizontal.T)
    diagonal = psf_motion(7, angle=45)
    assert np.count_nonzero(diagonal) == diagonal.shape[0]
    assert diagonal[0, -1] > 0 and diagonal[-1, 0] > 0  # up and to the right


def test_psf_sizes_must_be_odd_and_widths_positive():
    with pytest.raises(ValueError, match="size must be a positive odd integer .* got 4"):
        psf_box(4)
    with pytest.raises(ValueError, match="sigma must be a positive width in pixels, got 0"):
        psf_gaussian(5, 0)
    with pytest.raises(ValueError, match="length must be a length in pixels of at least 1"):
        psf_motion(0.5)


def test_blur_of_an_impulse_is_the_psf_itself():
    psf = psf_motion(5, angle=30)
    video = np.zeros((1, 15, 15, 1), np.float32)
    video[0, 7, 7, 0] = 1.0
    half = psf.shape[0] // 2
    response = blur(video, psf)[0, 7 - half : 8 + half, 7 - half : 8 + half, 0]
    np.testing.assert_allclose(response, psf, atol=1e-6)


def test_blur_keeps_frames_and_channels_apart_and_brightness_constant():
    video = np.zeros((2, 9, 9, 3), np.float32)
    video[0, 4, 4, 1] = 1.0
    blurred = blur(video, psf_gaussian(5, 1.0))
    assert blurred[1].max() == 0 and blurred[0, ..., [0, 2]].max() == 0
    flat = np.full((1, 9, 9, 1), 0.3, np.float32)
    np.testing.assert_allclose(blur(flat, psf_box(3)), flat, atol=1e-6)  # reflect boundary


def test_blur_refuses_a_psf_that_does_not_sum_to_one():
    with pytest.raises(ValueError, match="psf must sum to one .* got a sum of 9"):
        blur(np.zeros((1, 8, 8, 1), np.float32), np.ones((3, 3)))
    with pytest.raises(
        ValueError, match=r"psf must have shape \(kernel height, kernel width\), 2-D"
    ):
        blur(np.zeros((1, 8, 8, 1), np.float32), np.ones(3) / 3)


def test_downscale_averages_each_block():
    video = photo_clip(frames=2, size=(12, 18))
    small = downscale(video, 3)
    assert small.shape == (2, 4, 6, 3)
    np.testing.assert_allclose(small[1, 2, 5], video[1, 6:9, 15:18].mean(axis=(0, 1)), atol=1e-6)


def test_downscale_factor_must_divide_height_and_width():
    with pytest.raises(ValueError, match=r"factor 5 for frames of 12x18"):
        downscale(np.zeros((1, 12, 18, 3), np.float32), 5)


def test_compress_is_a_real_codec_round_trip_whose_loss_grows_with_crf(clip):
    light, heavy = compress(clip, crf=18), compress(clip, crf=45)
    assert light.shape == clip.shape and light.dtype == np.float32
    assert _psnr(clip, light) > _psnr(clip, heavy) + 5
    assert np.array_equal(light, compress(clip, crf=18))  # the encoder is deterministic


def test_compress_with_h265_and_grey_video():
    grey = photo_clip(frames=3, size=(16, 16)).mean(axis=-1, keepdims=True)
    out = compress(grey, crf=23, codec="libx265")
    assert out.shape == grey.shape
    assert _psnr(grey, out) > 25


def test_compress_refuses_unknown_codecs_and_odd_sizes():
    with pytest.raises(ValueError, match="codec must be one of .*'mjpeg'"):
        compress(np.zeros((1, 8, 8, 3), np.float32), 18, codec="mjpeg")
    with pytest.raises(ValueError, match="even height and width .* got 7x8"):
        compress(np.zeros((1, 7, 8, 3), np.float32), 18)


# ----------------------------------------------------------------------------- PatchDataset


def test_patch_dataset_yields_aligned_super_resolution_pairs():
    clips = [
        photo_clip("astronaut", frames=3, size=(32, 32)),
        photo_clip("rocket", frames=2, size=(24, 40)),
    ]
    dataset = PatchDataset(
        clips, lambda v: downscale(v, 2), patch_size=16, batch_size=6, steps=4, scale=2
    )
    assert len(dataset) == 4
    degraded, clean = dataset[3]
    assert degraded.shape == (6, 8, 8, 3) and clean.shape == (6, 16, 16, 3)
    assert degraded.dtype == clean.dtype == np.float32
    # The degraded patch shows exactly the area of the clean one.
    np.testing.assert_allclose(downscale(clean, 2), degraded, atol=1e-6)


def test_patch_dataset_batch_depends_only_on_seed_and_index():
    clip = photo_clip(frames=4, size=(32, 32))

    def make(seed):
        return PatchDataset(clip, lambda v: add_gaussian_noise(v, 0.1), 8, 4, 10, seed=seed)

    first, again = make(0), make(0)
    later = [again[i] for i in (9, 5, 0)]
    assert np.array_equal(first[0][0], later[2][0]) and np.array_equal(first[9][1], later[0][1])
    assert not np.array_equal(first[0][1], first[1][1])
    assert not np.array_equal(first[0][1], make(1)[0][1])


def test_patch_dataset_degrades_each_clip_once_at_construction():
    calls = []

    def degrade(video):
        calls.append(video.shape)
        return video

    dataset = PatchDataset([photo_clip(frames=2, size=(16, 16))] * 2, degrade, 8, 2, 3)
    for index in range(len(dataset)):
        dataset[index]
    assert calls == [(2, 16, 16, 3), (2, 16, 16, 3)]


def test_patch_dataset_passes_keyword_arguments_to_keras():
    dataset = PatchDataset(photo_clip(frames=2, size=(16, 16)), lambda v: v, 8, 2, 3, workers=2)
    assert dataset.workers == 2


def test_patch_dataset_refuses_inconsistent_arguments():
    clip = photo_clip(frames=2, size=(16, 16))
    with pytest.raises(ValueError, match="patch_size must be a multiple of scale=3, got 8"):
        PatchDataset(clip, lambda v: v, 8, 2, 3, scale=3)
    with pytest.raises(ValueError, match="patch_size must fit in every clip, got 32"):
        PatchDataset(clip, lambda v: v, 32, 2, 3)
    with pytest.raises(
        ValueError, match=r"must return shape \(2, 8, 8, 3\) \(scale=2\), got \(2, 16, 16, 3\)"
    ):
        PatchDataset(clip, lambda v: v, 8, 2, 3, scale=2)
    with pytest.raises(TypeError, match="degrade must be a callable"):
        PatchDataset(clip, "noise", 8, 2, 3)
    with pytest.raises(TypeError, match="/ 255"):
        PatchDataset([(clip * 255).astype(np.uint8)], lambda v: v, 8, 2, 3)
    with pytest.raises(IndexError, match=r"index must be in \[0, 3\), got 3"):
        PatchDataset(clip, lambda v: v, 8, 2, 3)[3]


def test_patch_dataset_feeds_keras_fit():
    import keras

    inputs = keras.Input((None, None, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(3, 3, padding="same")(inputs))
    model.compile(optimizer="adam", loss="mse")
    dataset = PatchDataset(
        photo_clip(frames=2, size=(16, 16)), lambda v: add_gaussian_noise(v, 0.1), 8, 4, 2
    )
    history = model.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
