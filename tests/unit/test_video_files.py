"""Faults in video files: damaged input is reported, failed writes leave nothing behind.

Every test that runs ffmpeg is bounded: the module's time limit below, the package's own
time-outs (tested here with a fake ffmpeg that never answers), and the child processes'.
"""

import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from deconv_tutor.data import iter_frames, photo_clip, read_video, video_files, write_video

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def clip():
    return photo_clip("astronaut", frames=48, size=(64, 64), motion="pan", seed=0)


@pytest.fixture(scope="module")
def mp4_path(tmp_path_factory, clip):
    path = tmp_path_factory.mktemp("mp4") / "clip.mp4"
    write_video(path, clip)
    return path


def _overwrite_middle(data, seed=0):
    """The payload from a third of the file on, a quarter of it long, replaced by noise."""
    data = bytearray(data)
    start, length = len(data) // 3, len(data) // 4
    data[start : start + length] = np.random.default_rng(seed).bytes(length)
    return bytes(data)


def _noise(frames=8, size=128):
    # Noise does not compress: every file written from it is larger than the limits below.
    return np.random.default_rng(0).random((frames, size, size, 3), dtype=np.float32)


# ---------------------------------------------------------------------------- decode errors


def test_an_mp4_overwritten_mid_file_raises_naming_the_file_and_the_first_bad_frame(
    tmp_path, mp4_path
):
    # Before: 48 frames came back, 36 of them wrong by more than 0.1, without a word.
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(_overwrite_middle(mp4_path.read_bytes()))
    with pytest.raises(ValueError, match=r"damaged\.mp4.* at frame (\d+) \(frames 0 to") as error:
        read_video(damaged)
    assert "decoded cleanly" in str(error.value)


def test_iter_frames_yields_the_clean_frames_then_raises_at_the_first_bad_one(
    tmp_path, mp4_path, clip
):
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(_overwrite_middle(mp4_path.read_bytes()))
    frames = iter_frames(damaged)
    good = []
    with pytest.raises(ValueError, match=r"damaged\.mp4") as error:
        for frame in frames:
            good.append(frame)
    assert 0 < len(good) < len(clip)
    assert f"at frame {len(good)} " in str(error.value)
    # What came before the error is right: the very frames the undamaged file decodes to.
    np.testing.assert_array_equal(np.stack(good), read_video(mp4_path, stop=len(good)))


def test_a_clean_mp4_reads_back_whole_and_close_to_what_was_written(mp4_path, clip):
    decoded = read_video(mp4_path)
    assert decoded.shape == clip.shape
    assert np.abs(decoded - clip).mean() < 0.03


def test_a_decoder_that_never_answers_is_killed_after_the_time_limit(tmp_path, monkeypatch):
    # A stand-in for ffmpeg spinning on a damaged file: it ignores SIGTERM, as one did.
    pid_file = tmp_path / "pid"
    fake = tmp_path / "ffmpeg"
    fake.write_text(f"#!/bin/sh\necho $$ > '{pid_file}'\ntrap '' TERM\nexec tail -f /dev/null\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "clip.mp4").write_bytes(b"\x00" * 100)
    monkeypatch.setattr(video_files.imageio_ffmpeg, "get_ffmpeg_exe", lambda: os.fspath(fake))
    monkeypatch.setattr(video_files, "FFMPEG_FRAME_TIMEOUT", 1.0)
    with pytest.raises(ValueError, match=r"clip\.mp4': ffmpeg gave no frame within 1 s"):
        read_video(tmp_path / "clip.mp4")
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # killed and reaped, not left behind


def test_an_abandoned_iter_frames_stops_its_ffmpeg(mp4_path, monkeypatch):
    started = []
    popen = subprocess.Popen

    def recording_popen(*args, **kwargs):
        started.append(popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(video_files.subprocess, "Popen", recording_popen)
    frames = iter_frames(mp4_path)
    next(frames)
    del frames
    assert len(started) == 1 and started[0].poll() is not None


def test_closing_a_decoder_waits_for_its_threads_and_a_late_drain_is_quiet(mp4_path):
    # Closing the pipes under a slow thread makes it raise "ValueError: I/O operation on
    # closed file", which Python prints to stderr: inside a notebook, into the cell's output.
    decoder = video_files._FfmpegDecoder(mp4_path)
    assert decoder.next_frame() is not None
    decoder.close()
    assert not any(thread.is_alive() for thread in decoder.threads)
    decoder._drain_stderr()  # what a thread still running at that moment would do


# ---------------------------------------------------------------------------- write failures


def _run_child(script, *, file_size_limit):
    """Run ``script`` in a child Python whose files may not grow past ``file_size_limit``.

    RLIMIT_FSIZE stands in for a full disk: with SIGXFSZ ignored, a write past the limit
    fails with EFBIG, as one on a full disk fails with ENOSPC; the ffmpeg the child starts
    inherits both.
    """
    import resource

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=150,
        preexec_fn=limit,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


_WRITE_SCRIPT = """
    import json, sys
    import numpy as np
    from deconv_tutor.data import write_video
    video = np.random.default_rng(0).random((8, 128, 128, 3), dtype=np.float32)
    try:
        write_video(sys.argv[1] if len(sys.argv) > 1 else {target!r}, video)
        outcome = {{"error": None}}
    except Exception as error:
        outcome = {{"error": type(error).__name__, "message": str(error)}}
    print(json.dumps(outcome))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="RLIMIT_FSIZE is POSIX")
@pytest.mark.parametrize("name", ["clip.mp4", "clip.mkv", "clip.gif", "frames"])
def test_a_full_disk_raises_naming_the_file_and_keeps_the_old_one_intact(tmp_path, name):
    target = tmp_path / name
    # An earlier, complete result at the same path must survive the failed write.
    write_video(target, photo_clip(frames=2, size=(32, 32)))
    before = {
        path.name: path.read_bytes() for path in (target.iterdir() if target.is_dir() else [target])
    }
    outcome = _run_child(_WRITE_SCRIPT.format(target=os.fspath(target)), file_size_limit=20_000)
    assert outcome["error"] == "OSError", outcome
    assert f"'{target}'" in outcome["message"] and "nothing was written" in outcome["message"]
    after = {
        path.name: path.read_bytes() for path in (target.iterdir() if target.is_dir() else [target])
    }
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name], "no partial file is left"


@pytest.mark.parametrize("name", ["clip.mp4", "clip.gif", "frames"])
def test_a_read_only_folder_raises_naming_the_file_not_returning_none(tmp_path, name):
    # Before: MP4 returned None and wrote nothing, the PNG folder raised a raw OSError.
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").touch()
    except OSError:
        pass
    else:
        pytest.skip("this user (root?) writes into folders without write permission")
    target = folder / name
    with pytest.raises(OSError, match=f"could not write .*'{re.escape(os.fspath(target))}'"):
        write_video(target, photo_clip(frames=2, size=(16, 16)))
    assert list(folder.iterdir()) == []


def test_a_failed_encode_leaves_no_partial_file_and_a_hung_one_is_killed(tmp_path, monkeypatch):
    fake = tmp_path / "ffmpeg"
    # Writes a partial file where ffmpeg was told to, then hangs ignoring SIGTERM.
    fake.write_text(
        "#!/bin/sh\nfor last; do :; done\necho partial > \"$last\"\ntrap '' TERM\n"
        "exec tail -f /dev/null\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(video_files.imageio_ffmpeg, "get_ffmpeg_exe", lambda: os.fspath(fake))
    monkeypatch.setattr(video_files, "_ENCODE_TIMEOUT_BASE", 1.0)
    target = tmp_path / "out" / "clip.mp4"
    target.parent.mkdir()
    with pytest.raises(OSError, match=r"could not write video file '.*clip\.mp4': ffmpeg did not"):
        write_video(target, photo_clip(frames=2, size=(32, 32)))
    assert list(target.parent.iterdir()) == []


def test_a_successful_write_leaves_only_the_file_and_replaces_an_older_one(tmp_path):
    write_video(tmp_path / "clip.mp4", photo_clip(frames=2, size=(32, 32)))
    write_video(tmp_path / "clip.mp4", photo_clip(frames=5, size=(32, 32)))
    write_video(tmp_path / "clip.gif", photo_clip(frames=3, size=(32, 32)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif", "clip.mp4"]
    assert read_video(tmp_path / "clip.mp4").shape[0] == 5


def test_png_frames_replace_the_old_ones_and_leave_other_files(tmp_path):
    folder = tmp_path / "frames"
    write_video(folder, photo_clip(frames=4, size=(16, 16)))
    (folder / "notes.txt").write_text("kept")
    write_video(folder, photo_clip(frames=2, size=(16, 16)))
    assert sorted(p.name for p in folder.iterdir()) == [
        "frame_00000.png",
        "frame_00001.png",
        "notes.txt",
    ]


def test_a_png_folder_path_that_is_a_file_is_refused_naming_it(tmp_path):
    (tmp_path / "frames").write_text("a file, not a folder")
    with pytest.raises(ValueError, match=r"path must name a folder .*frames'"):
        write_video(tmp_path / "frames", photo_clip(frames=2, size=(16, 16)))


# ---------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize("fps", [1e9, 1e-3, 0, -24, 241, float("nan"), float("inf")])
@pytest.mark.parametrize("name", ["clip.mp4", "clip.gif"])
def test_a_frame_rate_outside_1_to_240_is_refused_before_anything_is_written(tmp_path, fps, name):
    with pytest.raises(ValueError, match=r"^fps must be a frame rate from 1 to 240"):
        write_video(tmp_path / name, photo_clip(frames=2, size=(16, 16)), fps=fps)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fps", ["24", True, 24j, None])
def test_a_frame_rate_that_is_not_a_number_is_a_type_error(tmp_path, fps):
    with pytest.raises(TypeError, match=r"^fps must be a frame rate"):
        write_video(tmp_path / "clip.mp4", photo_clip(frames=2, size=(16, 16)), fps=fps)


def test_numpy_scalars_are_frame_rates_and_the_range_ends_are_allowed(tmp_path):
    for fps in (np.float32(1), np.int64(240)):
        write_video(tmp_path / "clip.gif", photo_clip(frames=2, size=(16, 16)), fps=fps)
    assert read_video(tmp_path / "clip.gif").shape[0] == 2


@pytest.mark.parametrize("path", [None, 123, 1.5, ["clip.mp4"]])
@pytest.mark.parametrize("function", ["read_video", "iter_frames", "write_video"])
def test_a_path_that_is_not_a_path_names_the_parameter(function, path):
    call = {
        "read_video": lambda: read_video(path),
        "iter_frames": lambda: iter_frames(path),
        "write_video": lambda: write_video(path, np.zeros((1, 4, 4, 3), np.float32)),
    }[function]
    with pytest.raises(TypeError, match=r"^path must be a file path \(str or os.PathLike\), got"):
        call()


def test_an_empty_path_is_a_value_error():
    with pytest.raises(ValueError, match="^path must be a file path, got an empty string"):
        read_video("")
