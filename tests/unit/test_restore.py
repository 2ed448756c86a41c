"""Restoring a video file: frames, rate and audio kept, quality up, memory flat, bad input refused.

Tiny clips (64x48, a few frames) with a known degradation and a 440 Hz tone; nothing here
depends on timing. The reference models are whatever ``deconv_tutor/pretrained`` holds.
"""

import signal
import subprocess
import sys
import weakref

import imageio_ffmpeg
import keras
import numpy as np
import pytest

from deconv_tutor import cli, data, metrics, models, pretrained, restore, tiling
from deconv_tutor.data import video_files

pytestmark = pytest.mark.timeout(300)

SIZE = (48, 64)  # height, width
FPS = 12


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """A noisy H.264 clip with a tone, and its clean original."""
    folder = tmp_path_factory.mktemp("clips")
    noisy, clean = folder / "noisy.mp4", folder / "clean.mp4"
    frames = restore.write_sample_clip(
        noisy, frames=8, size=SIZE, fps=FPS, noise_sigma=40 / 255, crf=18, clean_path=clean
    )
    return {"noisy": noisy, "clean": clean, "frames": frames, "folder": folder}


def _left_in(folder):
    """Files ffmpeg or the command left behind (partial names start with a dot)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_denoised_file_keeps_frames_rate_and_audio_and_gains_psnr(clips, tmp_path):
    output = tmp_path / "out.mp4"
    result = restore.restore_video(
        clips["noisy"], output, "denoise", reference=clips["clean"], progress=False
    )
    info = restore.probe(output)
    assert result["frames"] == 8 == len(data.read_video(output))
    assert info.fps == FPS and (info.width, info.height) == (SIZE[1], SIZE[0])
    assert info.audio_codec == "aac"
    assert result["psnr_output"] > result["psnr_input"], result["summary"]
    # The printed figures are the file's: PSNR of the written output against the clean clip.
    written = data.read_video(output)
    clean = data.read_video(clips["clean"])
    assert metrics.psnr(clean, written) == pytest.approx(result["psnr_output"], abs=0.3)
    assert _left_in(tmp_path) == []


def test_a_smoothing_model_raises_psnr_of_a_noisy_clip(clips, tmp_path):
    # A fixed 3x3 box blur: a model known to help at sigma 40, whatever the reference weights are.
    inputs = keras.Input((None, None, 3))
    box = keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False)
    model = keras.Model(inputs, box(inputs))
    box.set_weights([np.full((3, 3, 3, 1), 1 / 9, np.float32)])
    result = restore.restore_video(
        clips["noisy"], tmp_path / "box.mp4", "denoise", model=model,
        reference=clips["clean"], progress=False,
    )  # fmt: skip
    assert result["psnr_output"] > result["psnr_input"] + 1.0, result["summary"]


def test_upscaled_file_is_twice_the_size_with_rate_and_audio(clips, tmp_path):
    output = tmp_path / "up.mp4"
    result = restore.restore_video(clips["noisy"], output, "upscale", scale=2, progress=False)
    info = restore.probe(output)
    assert (info.width, info.height) == (2 * SIZE[1], 2 * SIZE[0])
    assert info.fps == FPS and info.audio_codec == "aac" and result["frames"] == 8


def test_a_reference_model_is_taken_by_name_and_checked_against_the_task(clips, tmp_path):
    result = restore.restore_video(
        clips["noisy"], tmp_path / "up.mp4", "upscale", model="upscale_x2_fast", progress=False
    )
    assert "'upscale_x2_fast'" in result["summary"]
    assert result["output_size"] == (2 * SIZE[1], 2 * SIZE[0])
    _fails(
        tmp_path, ValueError, "'upscale_x2_fast' does 'upscale' at scale 2, not 'upscale' at "
        "scale 3", clips["noisy"], "upscale", model="upscale_x2_fast", scale=3,
    )  # fmt: skip
    _fails(tmp_path, ValueError, "not 'denoise'", clips["noisy"], "denoise", model="upscale_x2")


@pytest.mark.parametrize("task", ["deblock", "deblur"])
def test_every_task_runs_with_its_reference_model(clips, tmp_path, task):
    if pretrained.for_task(task) not in pretrained.available():
        pytest.skip(f"no reference weights for {task} yet")
    result = restore.restore_video(clips["noisy"], tmp_path / "o.mp4", task, progress=False)
    assert result["frames"] == 8 and task in result["summary"]


def test_start_and_duration_restore_a_part(clips, tmp_path):
    output = tmp_path / "part.mp4"
    result = restore.restore_video(
        clips["noisy"], output, "denoise", start=2 / FPS, duration=4 / FPS, progress=False
    )
    assert result["frames"] == 4 == len(data.read_video(output))
    assert restore.probe(output).audio_codec == "aac"


def test_compare_writes_input_and_output_side_by_side(clips, tmp_path):
    compare = tmp_path / "side.mp4"
    restore.restore_video(
        clips["noisy"], tmp_path / "o.mp4", "denoise", compare=compare, progress=False
    )
    info = restore.probe(compare)
    assert (info.width, info.height) == (2 * SIZE[1], SIZE[0])


def test_progress_line_and_one_summary_line(clips, tmp_path, capsys):
    restore.restore_video(clips["noisy"], tmp_path / "o.mp4", "denoise", progress=True)
    out, err = capsys.readouterr()
    assert len(out.strip().splitlines()) == 1 and "frames/s" in out and "real time" in out
    assert "frames 8/8" in err and "fps" in err


def test_memory_stays_flat_frames_held_are_bounded_whatever_the_length(tmp_path, monkeypatch):
    # 240 frames: the frames alive at once must not grow with the clip (a bounded few).
    path = tmp_path / "long.mp4"
    restore.write_sample_clip(path, frames=240, size=(32, 32), fps=24, noise_sigma=0.05)
    alive, peak = [0], [0]

    def released():
        alive[0] -= 1

    def counted(*args, **kwargs):
        for frame in original(*args, **kwargs):
            alive[0] += 1
            peak[0] = max(peak[0], alive[0])
            weakref.finalize(frame, released)
            yield frame

    original = video_files.iter_frames
    monkeypatch.setattr(video_files, "iter_frames", counted)
    result = restore.restore_video(
        path, tmp_path / "o.mp4", "denoise", batch_size=4, progress=False
    )
    assert result["frames"] == 240
    assert peak[0] <= 2 * 4 + 2, f"{peak[0]} frames held at once"


def test_iter_restored_pulls_one_batch_ahead_of_what_it_gives():
    pulled = [0]

    def source():
        for index in range(1000):
            pulled[0] += 1
            yield np.full((2, 2, 3), index / 1000, np.float32)

    given = 0
    for _ in restore.iter_restored(lambda x: x, source(), batch_size=5):
        given += 1
        assert pulled[0] - given < 5
    assert given == 1000


def test_tiled_and_whole_frame_outputs_agree_without_seams():
    model = pretrained.load(pretrained.for_task("denoise"))
    frame = data.photo_clip("coffee", frames=1, size=(96, 160), seed=0)
    noisy = data.add_gaussian_noise(frame, 25 / 255, seed=1)
    whole = tiling.apply(model, noisy, tile=None)
    tiled = tiling.apply(model, noisy, tile=64, overlap=24)
    assert tiling.Restorer(model, tile=64, overlap=24).tiles_for(96, 160) > 1
    assert metrics.psnr(whole, tiled) > 45.0


def test_a_frame_runs_whole_when_it_has_no_more_pixels_than_one_tile():
    restorer = tiling.Restorer(models.espcn(scale=2, channels=3, filters=4), tile=32, overlap=8)
    assert restorer.tiles_for(32, 32) == 1
    assert restorer.tiles_for(16, 64) == 1  # wider than a tile, but 1,024 pixels like one
    assert restorer.tiles_for(20, 64) == 3  # 1,280 pixels: three 20x32 tiles along the width
    assert restorer.tiles_for(36, 32) == 2
    wide = np.random.default_rng(0).random((1, 16, 64, 3), dtype=np.float32)
    np.testing.assert_allclose(restorer(wide), tiling.apply(restorer.model, wide, tile=None))


def test_tile_starts_cover_the_axis_and_overlap():
    for length in range(64, 400, 7):
        starts = tiling.tile_starts(length - length % 4, 64, 16, multiple=4)
        assert starts[0] == 0 and starts[-1] + 64 == length - length % 4
        assert all(b - a <= 48 and a % 4 == 0 for a, b in zip(starts, starts[1:]))


# ---------------------------------------------------------------------------- bad input


def _fails(tmp_path, error, match, *args, **kwargs):
    output = kwargs.pop("output", tmp_path / "out.mp4")
    with pytest.raises(error, match=match):
        restore.restore_video(args[0], output, *args[1:], progress=False, **kwargs)
    assert not output.exists()
    assert _left_in(output.parent) == []


def test_missing_input_raises(tmp_path):
    _fails(tmp_path, FileNotFoundError, "input video not found", tmp_path / "nope.mp4", "denoise")


def test_corrupt_file_raises_and_leaves_nothing(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(np.random.default_rng(0).bytes(5000))
    out = tmp_path / "o"
    out.mkdir()
    _fails(tmp_path, ValueError, "could not read video file", bad, "denoise", output=out / "x.mp4")


def test_file_damaged_midway_raises_and_leaves_nothing(clips, tmp_path):
    content = bytearray(clips["noisy"].read_bytes())
    start = len(content) // 2
    content[start : start + len(content) // 4] = np.random.default_rng(1).bytes(len(content) // 4)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(content))
    out = tmp_path / "o"
    out.mkdir()
    with pytest.raises(ValueError, match="damaged|truncated|could not"):
        restore.restore_video(damaged, out / "x.mp4", "denoise", progress=False)
    assert list(out.iterdir()) == []


def test_file_without_video_stream_raises(tmp_path):
    audio_only = tmp_path / "tone.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
         "sine=frequency=440", "-t", "1", "-c:a", "aac", str(audio_only)],
        check=True, timeout=60,
    )  # fmt: skip
    _fails(tmp_path, ValueError, "has no video stream", audio_only, "denoise")


def test_model_of_another_scale_raises(clips, tmp_path):
    upscaler = models.espcn(scale=2, channels=3, filters=8)
    _fails(
        tmp_path, ValueError, "does not match the task", clips["noisy"], "denoise", model=upscaler
    )
    same_size = models.dncnn(channels=3, filters=8, depth=3)
    _fails(
        tmp_path, ValueError, "does not match the task", clips["noisy"], "upscale", model=same_size
    )


def test_saved_keras_model_is_loaded_and_checked(clips, tmp_path):
    path = tmp_path / "mine.keras"
    models.espcn(scale=2, channels=3, filters=8).save(path)
    result = restore.restore_video(
        clips["noisy"], tmp_path / "up.mp4", "upscale", model=path, progress=False
    )
    assert result["output_size"] == (2 * SIZE[1], 2 * SIZE[0])
    _fails(tmp_path, ValueError, "does not match the task", clips["noisy"], "deblur", model=path)
    grey = tmp_path / "grey.keras"
    models.dncnn(channels=1, filters=4, depth=2).save(grey)
    _fails(tmp_path, ValueError, "colour frames", clips["noisy"], "denoise", model=grey)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"scale": 1}, "upscaling factor from 2 to 8"),
        ({"scale": 4}, "no reference model does 'upscale' at scale 4"),
        ({"scale": 0}, "upscaling factor"),
    ],
)
def test_impossible_scale_raises(clips, tmp_path, kwargs, match):
    _fails(tmp_path, ValueError, match, clips["noisy"], "upscale", **kwargs)


def test_scale_larger_than_h264_allows_raises(clips, tmp_path):
    upscaler = models.espcn(scale=8, channels=3, filters=4)
    big = tmp_path / "big.mp4"
    restore.write_sample_clip(big, frames=2, size=(64, 1200), fps=FPS)
    _fails(
        tmp_path, ValueError, "larger than H.264 allows", big, "upscale", scale=8, model=upscaler
    )


def test_scale_for_a_same_size_task_raises(clips, tmp_path):
    _fails(tmp_path, ValueError, "applies to the task 'upscale' only", clips["noisy"], "denoise",
           scale=2)  # fmt: skip


def test_output_that_would_overwrite_the_input_raises(clips):
    before = clips["noisy"].read_bytes()
    with pytest.raises(ValueError, match="would overwrite the input"):
        restore.restore_video(clips["noisy"], clips["noisy"], "denoise", progress=False)
    link = clips["folder"] / "alias.mp4"
    link.symlink_to(clips["noisy"])
    try:
        with pytest.raises(ValueError, match="would overwrite the input"):
            restore.restore_video(clips["noisy"], link, "denoise", progress=False)
    finally:
        link.unlink()
    assert clips["noisy"].read_bytes() == before


def test_reference_of_another_size_raises_and_leaves_nothing(clips, tmp_path):
    _fails(tmp_path, ValueError, "must have the output's frame size", clips["noisy"], "upscale",
           reference=clips["clean"])  # fmt: skip


def test_noise_level_outside_training_range_is_reported(clips, tmp_path):
    result = restore.restore_video(
        clips["noisy"], tmp_path / "o.mp4", "denoise", noise_level=80, progress=False
    )
    assert any("outside" in note for note in result["notes"])
    _fails(tmp_path, ValueError, "denoise' only", clips["noisy"], "deblur", noise_level=10)


# --------------------------------------------------------------------------- the command


def test_command_restores_and_reports_errors_in_one_line(clips, tmp_path, capsys):
    output = tmp_path / "cli.mp4"
    status = cli.main(["restore", str(clips["noisy"]), str(output), "--task", "denoise",
                       "--quiet", "--compare"])  # fmt: skip
    assert status == 0 and output.exists() and (tmp_path / "cli_compare.mp4").exists()
    status = cli.main(["restore", str(tmp_path / "none.mp4"), str(output), "--task", "denoise"])
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("deconv-tutor: error: input video not found")


def test_python_dash_m_shows_the_restore_command():
    result = subprocess.run(
        [sys.executable, "-m", "deconv_tutor", "restore", "--help"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0
    for option in ("--task", "--model", "--noise-level", "--scale", "--start", "--duration",
                   "--compare", "--reference"):  # fmt: skip
        assert option in result.stdout


def test_a_killed_command_leaves_no_partial_file(clips, tmp_path):
    # SIGTERM mid-run: the command stops ffmpeg and removes its temporary file.
    long_clip = tmp_path / "long.mp4"
    restore.write_sample_clip(long_clip, frames=2000, size=(32, 32), fps=24, noise_sigma=0)
    output = tmp_path / "out" / "o.mp4"
    output.parent.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "deconv_tutor", "restore", str(long_clip), str(output),
         "--task", "denoise"],
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen = ""
    while "frames" not in seen:  # the progress line: restoring has begun
        chunk = process.stderr.read(1)
        assert chunk, f"the command ended before restoring: {seen[-300:]}"
        seen += chunk
    process.send_signal(signal.SIGTERM)
    status = process.wait(timeout=120)
    assert status == 130
    assert list(output.parent.iterdir()) == []
