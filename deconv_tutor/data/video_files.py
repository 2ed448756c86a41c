"""Reading and writing real video files: MP4 (H.264 / H.265), GIF and folders of PNG frames.

Reading goes through imageio and its ffmpeg plugin (the ffmpeg binary bundled with
imageio-ffmpeg, so nothing is installed by hand); writing MP4 too, and GIF through ffmpeg
directly (one palette for the whole clip).
"""

from __future__ import annotations

import math
import os
import re
import subprocess

import imageio.v2 as imageio_v2
import imageio.v3 as imageio_v3
import imageio_ffmpeg
import numpy as np

from deconv_tutor import _validation as check

# Frame rates write_video accepts: slower is a slide show, faster no display shows.
MIN_FPS, MAX_FPS = 1.0, 240.0
# Containers ffmpeg reads for us; writing is H.264 or H.265 in one of the first three.
_FFMPEG_READ_SUFFIXES = (".mp4", ".mov", ".mkv", ".m4v", ".avi", ".webm")
_FFMPEG_WRITE_SUFFIXES = (".mp4", ".mov", ".mkv")
#: Codecs :func:`write_video` (and so :func:`~deconv_tutor.data.compress`) can encode with.
CODECS = ("libx264", "libx265")


def _natural_key(path):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _png_files(folder):
    return sorted((p for p in folder.iterdir() if p.suffix.lower() == ".png"), key=_natural_key)


def _to_unit_rgb(frame, source):
    """uint8/uint16 frame of any channel count -> float32 (H, W, 3); alpha must be opaque."""
    frame = np.asarray(frame)
    if frame.dtype == np.uint8:
        top = 255.0
    elif frame.dtype == np.uint16:
        top = 65535.0
    else:
        raise ValueError(f"{source}: expected 8- or 16-bit pixels, got dtype {frame.dtype}")
    if frame.ndim == 2:
        frame = frame[..., None]
    if frame.ndim != 3 or frame.shape[-1] not in (1, 2, 3, 4):
        raise ValueError(
            f"{source}: expected a grey, grey+alpha, RGB or RGBA image, got shape {frame.shape}"
        )
    if frame.shape[-1] in (2, 4):
        # Dropping a transparent alpha channel would lose information; an opaque one holds none.
        if frame[..., -1].min() < top:
            raise ValueError(
                f"{source}: has transparent pixels (alpha < 1); flatten it onto a background first"
            )
        frame = frame[..., :-1]
    if frame.shape[-1] == 1:
        frame = np.repeat(frame, 3, axis=-1)
    return frame.astype(np.float32) / np.float32(top)


def _resize_frame(frame, size):
    from skimage.transform import resize

    shrinking = size[0] < frame.shape[0] or size[1] < frame.shape[1]
    out = resize(frame, size, order=1, mode="reflect", anti_aliasing=shrinking)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _reading_kind(path):
    if path.is_dir():
        return "folder"
    if not path.exists():
        raise FileNotFoundError(f"video not found: '{path}' (no such file or folder)")
    suffix = path.suffix.lower()
    if suffix == ".gif":
        kind = "gif"
    elif suffix in _FFMPEG_READ_SUFFIXES:
        kind = "ffmpeg"
    else:
        raise ValueError(
            f"path must be a video file ({', '.join(_FFMPEG_READ_SUFFIXES)}, .gif) or a folder of "
            f"PNG frames, got '{path}'"
        )
    if path.stat().st_size == 0:
        raise ValueError(f"video file '{path}' is empty (0 bytes)")
    return kind


def _ffmpeg_frames(reader, path):
    meta = reader.get_meta_data()
    # The container states the duration; a cut file decodes fewer frames than that.
    duration, fps = meta.get("duration"), meta.get("fps")
    expected = None
    if duration and fps and math.isfinite(duration) and math.isfinite(fps):
        expected = round(duration * fps)
    count = 0
    try:
        for frame in reader:
            count += 1
            yield frame
    except (OSError, RuntimeError) as error:
        raise ValueError(
            f"could not decode video file '{path}' after {count} frames: {error}"
        ) from error
    finally:
        reader.close()
    # Tolerance: the duration is stated to 1/100 s, and containers round it.
    if expected is not None and count < expected - 1 - 0.01 * expected:
        raise ValueError(
            f"video file '{path}' looks truncated: its header promises {expected} frames "
            f"({duration:g} s at {fps:g} fps) but only {count} could be decoded"
        )


def _gif_frames(image_file, path):
    count = 0
    try:
        for frame in image_file.iter():
            count += 1
            yield frame
    except (OSError, ValueError) as error:
        raise ValueError(
            f"could not decode GIF file '{path}' after {count} frames: {error}"
        ) from error
    finally:
        image_file.close()


def _folder_frames(files):
    for file in files:
        try:
            yield imageio_v3.imread(file, plugin="pillow")
        except (OSError, ValueError) as error:
            raise ValueError(f"could not read PNG frame '{file}': {error}") from error


def _open_frames(path):
    """Open ``path`` now (so errors name it at once) and return (raw frame iterator, label)."""
    kind = _reading_kind(path)
    if kind == "folder":
        files = _png_files(path)
        if not files:
            raise ValueError(f"folder '{path}' holds no PNG frames (*.png)")
        return _folder_frames(files)
    if kind == "gif":
        try:
            image_file = imageio_v3.imopen(path, "r", plugin="pillow")
        except (OSError, ValueError) as error:
            raise ValueError(
                f"could not read GIF file '{path}': not a readable GIF ({error})"
            ) from error
        return _gif_frames(image_file, path)
    try:
        reader = imageio_v2.get_reader(path, format="FFMPEG")
    except (OSError, RuntimeError, ValueError) as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        )
        raise ValueError(
            f"could not read video file '{path}': ffmpeg cannot decode it, it may be truncated "
            f"or not a video ({first_line})"
        ) from error
    return _ffmpeg_frames(reader, path)


def _frames_generator(raw_frames, path, size):
    first_shape = None
    for index, raw in enumerate(raw_frames):
        frame = _to_unit_rgb(raw, f"frame {index} of '{path}'")
        if first_shape is None:
            first_shape = frame.shape
        elif frame.shape != first_shape:
            raise ValueError(
                f"frame {index} of '{path}' has shape {frame.shape}, but frame 0 has {first_shape}"
            )
        if size is not None and frame.shape[:2] != size:
            frame = _resize_frame(frame, size)
        yield frame


def iter_frames(path, size=None):
    """Stream the frames of a video one at a time, without loading it whole.

    The file is opened when this function is called, so a missing or unreadable file
    raises here; decoding errors found later are raised by the iteration.

    Parameters
    ----------
    path : str or os.PathLike
        An MP4 (or MOV, MKV, M4V, AVI, WebM) file, a GIF, or a folder of PNG frames
        (read in natural order of their names: ``frame_2.png`` before ``frame_10.png``).
    size : tuple of int, optional
        ``(height, width)`` to resize each frame to (bilinear, anti-aliased when
        shrinking); by default frames keep their size.

    Returns
    -------
    iterator of numpy.ndarray
        float32 frames ``(height, width, 3)`` in [0, 1]. Grey images are repeated to
        three channels; an alpha channel must be fully opaque and is dropped.

    Examples
    --------
    >>> from deconv_tutor.data import photo_clip
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> write_video(os.path.join(folder, "clip.mp4"), photo_clip(frames=5, size=(32, 32)))
    >>> sum(1 for frame in iter_frames(os.path.join(folder, "clip.mp4")))
    5
    """
    path = check.path(path, "path")
    if size is not None:
        size = check.size_pair(size)
    return _frames_generator(_open_frames(path), path, size)


def read_video(path, start=0, stop=None, size=None):
    """Read a video file (or a folder of PNG frames) into an array.

    Parameters
    ----------
    path : str or os.PathLike
        An MP4 (or MOV, MKV, M4V, AVI, WebM) file, a GIF, or a folder of PNG frames.
    start, stop : int, optional
        Read frames ``start`` to ``stop - 1`` (like ``video[start:stop]``, but a range
        past the end of the video is an error, not a shorter result).
    size : tuple of int, optional
        ``(height, width)`` to resize to, as in :func:`iter_frames`.

    Returns
    -------
    numpy.ndarray
        float32 video ``(frames, height, width, 3)`` in [0, 1].

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For an empty, truncated or undecodable file, an unknown extension, a folder
        without PNG frames, frames of different sizes, or a bad frame range.

    Examples
    --------
    >>> from deconv_tutor.data import photo_clip
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "clip.mp4")
    >>> write_video(path, photo_clip(frames=8, size=(32, 32)))
    >>> read_video(path, start=2, stop=6).shape
    (4, 32, 32, 3)
    >>> read_video(path, size=(16, 24)).shape
    (8, 16, 24, 3)
    """
    path = check.path(path, "path")
    start = check.integer(start, "start", minimum=0)
    if stop is not None:
        stop = check.integer(
            stop, "stop", minimum=start + 1, what=f"an integer greater than start={start}"
        )
    frames = []
    count = 0
    for frame in iter_frames(path, size=size):
        if stop is not None and count >= stop:
            break
        if count >= start:
            frames.append(frame)
        count += 1
    if count == 0:
        raise ValueError(f"video '{path}' contains no frames")
    if (stop is not None and count < stop) or count <= start:
        raise ValueError(
            f"frame range start={start}, stop={stop} is past the end of '{path}', "
            f"which has {count} frames"
        )
    return np.stack(frames)


def _write_h264(path, video_uint8, fps, crf, codec="libx264"):
    params = ["-crf", str(crf)]
    if codec == "libx265":
        params += ["-x265-params", "log-level=error"]
    writer = imageio_v2.get_writer(
        path,
        format="FFMPEG",
        mode="I",
        fps=fps,
        codec=codec,
        # quality=None: otherwise imageio adds its own -crf and the two would fight.
        quality=None,
        pixelformat="yuv420p",
        # Sizes are checked to be even, so imageio must not resize to its default 16.
        macro_block_size=2,
        ffmpeg_params=params,
        ffmpeg_log_level="error",
    )
    try:
        for frame in video_uint8:
            writer.append_data(frame)
    finally:
        writer.close()


def _write_gif(path, video_uint8, fps):
    # ffmpeg rather than Pillow: Pillow merges identical consecutive frames into one,
    # which would silently change the frame count. One palette fitted to the whole clip.
    _, height, width, _ = video_uint8.shape
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-y",
        "-nostdin",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        f"{fps:g}",
        "-i",
        "-",
        "-filter_complex",
        "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=none",
        "-loop",
        "0",
        "-f",
        "gif",
        os.fspath(path),
    ]
    result = subprocess.run(command, input=video_uint8.tobytes(), capture_output=True, check=False)
    if result.returncode != 0:
        raise ValueError(
            f"ffmpeg could not write GIF '{path}': {result.stderr.decode(errors='replace').strip()}"
        )


def write_video(path, frames, fps=24, crf=18, codec="libx264"):
    """Write a video as MP4 (H.264), GIF, or a folder of PNG frames.

    The format follows ``path``: ``.mp4`` (also ``.mov``, ``.mkv``) is H.264 in
    ``yuv420p`` at constant rate factor ``crf`` through imageio's ffmpeg plugin; ``.gif``
    is a looping GIF with one 256-colour palette for the whole clip (lossy); a path
    without a suffix, or an existing folder, receives ``frame_00000.png``,
    ``frame_00001.png``, ... (lossless at 8 bits; earlier ``frame_*.png`` files there
    are replaced, other files are left alone).

    Parameters
    ----------
    path : str or os.PathLike
        Destination file or folder; the folder of a file must exist.
    frames : numpy.ndarray
        float32 video ``(frames, height, width, channels)`` in [0, 1], 1 or 3 channels
        (grey is written as three equal channels). H.264 in ``yuv420p`` needs an even
        height and width.
    fps : float
        Frames per second (MP4 and GIF), from ``MIN_FPS`` (1) to ``MAX_FPS`` (240).
    crf : int
        Constant rate factor, 0 (best) to 51 (worst); 18 is visually lossless.
        Used for MP4 (MOV, MKV) only.
    codec : {"libx264", "libx265"}
        H.264 or H.265, for MP4 (MOV, MKV) only.

    Examples
    --------
    >>> from deconv_tutor.data import photo_clip
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> clip = photo_clip(frames=4, size=(32, 32))
    >>> write_video(os.path.join(folder, "frames"), clip)
    >>> sorted(os.listdir(os.path.join(folder, "frames")))[:2]
    ['frame_00000.png', 'frame_00001.png']
    """
    path = check.path(path, "path")
    video = check.video(frames, "frames")
    fps = check.number(
        fps,
        "fps",
        minimum=MIN_FPS,
        maximum=MAX_FPS,
        what=f"a frame rate from {MIN_FPS:g} to {MAX_FPS:g} frames per second",
    )
    crf = check.integer(crf, "crf", minimum=0, maximum=51, what="an integer from 0 to 51")
    codec = check.choice(codec, "codec", CODECS)
    suffix = path.suffix.lower()
    is_folder = path.is_dir() or suffix == ""
    if not is_folder and suffix not in _FFMPEG_WRITE_SUFFIXES + (".gif",):
        raise ValueError(
            f"path must end in {', '.join(_FFMPEG_WRITE_SUFFIXES)} or .gif, or name a folder, "
            f"got '{path}'"
        )
    if not path.parent.is_dir():
        raise FileNotFoundError(f"cannot write '{path}': folder '{path.parent}' does not exist")
    video_uint8 = check.to_uint8(video, "frames")
    if video_uint8.shape[-1] == 1 and not is_folder:
        video_uint8 = np.repeat(video_uint8, 3, axis=-1)
    if is_folder:
        path.mkdir(exist_ok=True)
        for old in path.glob("frame_*.png"):
            old.unlink()
        for index, frame in enumerate(video_uint8):
            image = frame[..., 0] if frame.shape[-1] == 1 else frame
            imageio_v3.imwrite(path / f"frame_{index:05d}.png", image, plugin="pillow")
    elif suffix == ".gif":
        _write_gif(path, video_uint8, fps)
    else:
        height, width = video.shape[1:3]
        if height % 2 or width % 2:
            raise ValueError(
                f"frames must have an even height and width for H.264 (yuv420p), got "
                f"{height}x{width} (height x width); crop or pad, e.g. "
                f"frames[:, :{height - height % 2}, "
                f":{width - width % 2}]"
            )
        _write_h264(path, video_uint8, fps, crf, codec)
