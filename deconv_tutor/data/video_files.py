"""Reading and writing real video files: MP4 (H.264 / H.265), GIF and folders of PNG frames.

Video files go through the ffmpeg binary bundled with imageio-ffmpeg (nothing to install
by hand), GIF and PNG frames are read with Pillow.

Nothing is silent and nothing is left half done:

- reading runs ffmpeg with ``-xerror``, so a damaged file raises, naming the file and the
  frame where decoding failed, instead of returning concealed (wrong) frames; a file that
  decodes fewer frames than its header promises is reported as truncated;
- writing goes to a temporary name in the destination folder, renamed into place only when
  ffmpeg (or every PNG frame) succeeded, so a failure (read-only folder, full disk) raises
  an ``OSError`` naming the file and leaves no partial file behind;
- every ffmpeg process is bounded in time (:data:`FFMPEG_FRAME_TIMEOUT` per decoded frame,
  a minute plus a second per million pixels to encode) and killed with SIGKILL past it.
"""

from __future__ import annotations

import errno
import fractions
import math
import os
import queue
import re
import subprocess
import threading
import weakref

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
#: Seconds a decoding ffmpeg may take to give the next frame before it is stopped.
FFMPEG_FRAME_TIMEOUT = 60.0
# Seconds an encoding ffmpeg may take: this much, plus one per million pixels written (x265
# on a busy laptop core manages several million a second).
_ENCODE_TIMEOUT_BASE = 60.0
# ffmpeg's stderr lines kept for the messages; the rest is read and dropped.
_STDERR_LINES_KEPT = 200


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


class _FfmpegDecoder:
    """One ffmpeg process decoding a file to PPM frames, with error detection and a time-out.

    ``-xerror`` makes ffmpeg stop at the first frame its decoder reports as damaged (without
    it the H.264 decoder conceals the damage and returns wrong frames without a word); each
    frame is a PPM image, whose header carries its size, so no probe runs first. A reader
    thread moves frames into a short queue so that waiting for a frame can time out: a
    damaged file can make ffmpeg spin without end (``-err_detect explode`` did, ignoring
    SIGTERM), so a late process is killed with SIGKILL.
    """

    def __init__(self, path):
        self.path = path
        command = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-nostdin",
            "-hide_banner",
            # Every stderr line carries its level, so errors are told from information.
            "-loglevel",
            "level+info",
            "-xerror",
            "-i",
            os.fspath(path),
            "-map",
            "0:v:0",
            "-an",
            "-sn",
            "-dn",
            "-pix_fmt",
            "rgb24",
            "-f",
            "image2pipe",
            "-c:v",
            "ppm",
            "-",
        ]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.stderr_lines = []
        self.frames = queue.Queue(maxsize=4)
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._drain_stderr, daemon=True),
            threading.Thread(target=self._read_frames, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _drain_stderr(self):
        # Drained whatever its length, or a chatty ffmpeg would block on a full pipe.
        try:
            for raw in self.process.stderr:
                if len(self.stderr_lines) < _STDERR_LINES_KEPT:
                    self.stderr_lines.append(raw.decode(errors="replace").rstrip())
        except (OSError, ValueError):
            # close() gave up waiting for this thread and closed the pipe under it.
            pass

    def _put(self, item):
        while not self.stopping.is_set():
            try:
                self.frames.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def _read_frames(self):
        stream = self.process.stdout
        try:
            while True:
                magic = stream.readline()
                if not magic:
                    break
                width, height = (int(value) for value in stream.readline().split())
                stream.readline()  # maxval: 255 for rgb24
                size = width * height * 3
                payload = stream.read(size)
                if len(payload) < size:
                    break
                self._put(np.frombuffer(payload, np.uint8).reshape(height, width, 3))
        except (OSError, ValueError):
            pass  # ffmpeg died mid-frame; its exit status and stderr tell why
        finally:
            self._put(None)

    def next_frame(self):
        """The next frame, or None at the end of the stream."""
        try:
            return self.frames.get(timeout=FFMPEG_FRAME_TIMEOUT)
        except queue.Empty:
            self.close()
            raise ValueError(
                f"could not decode video file '{self.path}': ffmpeg gave no frame within "
                f"{FFMPEG_FRAME_TIMEOUT:g} s and was stopped; the file may be damaged"
            ) from None

    def finish(self):
        """Wait for ffmpeg to exit; return (exit status, error lines, header lines)."""
        try:
            returncode = self.process.wait(timeout=FFMPEG_FRAME_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.close()
            returncode = self.process.returncode
        self.threads[0].join(timeout=FFMPEG_FRAME_TIMEOUT)
        errors = [line for line in self.stderr_lines if _is_error_line(line)]
        return returncode, errors, self.stderr_lines

    def close(self):
        self.stopping.set()
        if self.process.poll() is None:
            # SIGKILL: a spinning ffmpeg has been seen to ignore SIGTERM.
            self.process.kill()
        self.process.wait()
        # The threads end at the pipes' end of file; a pipe closed under a busy thread would
        # have it print its ValueError into the caller's output (a notebook's stderr).
        for thread in self.threads:
            thread.join(timeout=FFMPEG_FRAME_TIMEOUT)
        for stream in (self.process.stdout, self.process.stderr):
            stream.close()


def _is_error_line(line):
    return any(f"[{level}]" in line for level in ("error", "fatal", "panic"))


def _error_text(errors):
    # Strip ffmpeg's "[h264 @ 0x55...] [error] " prefix, which names a memory address.
    text = re.sub(r"^(\[[^]]*\]\s*)+", "", errors[0]).strip() if errors else ""
    return text or "no message"


def _header_duration_fps(lines):
    """Duration (s) and frame rate the container states, from ffmpeg's input header."""
    duration = fps = None
    for line in lines:
        match = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", line)
        if match and duration is None:
            hours, minutes, seconds = match.groups()
            duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        match = re.search(r"Stream #0:\d+.*Video:.*?([\d.]+) fps", line)
        if match and fps is None:
            fps = float(match.group(1))
    return duration, fps


def _ffmpeg_frames(decoder, first):
    path = decoder.path
    count = 0
    try:
        frame = first
        while frame is not None:
            count += 1
            yield frame
            frame = decoder.next_frame()
        returncode, errors, header = decoder.finish()
    finally:
        decoder.close()
    if returncode != 0 or errors:
        raise ValueError(
            f"could not decode video file '{path}': the decoder reports damage at frame "
            f"{count} (frames 0 to {count - 1} decoded cleanly); the file is damaged or "
            f"truncated (ffmpeg: {_error_text(errors)}, exit status {returncode})"
        )
    # The container states the duration; a cut file decodes fewer frames than that.
    duration, fps = _header_duration_fps(header)
    expected = None
    if duration and fps and math.isfinite(duration) and math.isfinite(fps):
        expected = round(duration * fps)
    # Tolerance: the duration is stated to 1/100 s, and containers round it.
    if expected is not None and count < expected - 1 - 0.01 * expected:
        raise ValueError(
            f"video file '{path}' looks truncated: its header promises {expected} frames "
            f"({duration:g} s at {fps:g} fps) but only {count} could be decoded"
        )


def _open_ffmpeg(path):
    """Start decoding and read the first frame, so that an unreadable file fails here."""
    decoder = _FfmpegDecoder(path)
    try:
        first = decoder.next_frame()
        if first is None:
            returncode, errors, _ = decoder.finish()
            reason = _error_text(errors) if errors else f"exit status {returncode}, no frame"
            raise ValueError(
                f"could not read video file '{path}': ffmpeg cannot decode it, it may be "
                f"truncated or not a video ({reason})"
            )
    except BaseException:
        decoder.close()
        raise
    frames = _ffmpeg_frames(decoder, first)
    # A generator dropped before it is exhausted never runs its finally: stop ffmpeg then.
    weakref.finalize(frames, decoder.close)
    return frames


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
    return _open_ffmpeg(path)


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
    raises here; decoding errors found later are raised by the iteration, as a
    ``ValueError`` naming the file and the first frame that could not be decoded (the
    frames yielded before it decoded cleanly).

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
    TypeError
        If ``path`` is not a str or path-like (``None``, a number).
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For an empty, truncated, damaged or undecodable file (the message names the file
        and, for a video damaged mid-way, the first frame that could not be decoded), an
        unknown extension, a folder without PNG frames, frames of different sizes, or a
        bad frame range.

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


# ffmpeg's words for the failures a writer meets, and the errno each one means.
_WRITE_FAILURES = (
    ("No space left on device", errno.ENOSPC),
    ("File too large", errno.EFBIG),
    ("Read-only file system", errno.EROFS),
    ("Permission denied", errno.EACCES),
)


def _partial_name(path):
    """A temporary name in the destination's folder, so that the final rename is atomic."""
    return path.with_name(f".{path.name}.{os.getpid()}.partial")


def _remove_quietly(path):
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # the error being reported matters more than a leftover we cannot remove


def _write_failure(path, kind, reason, code=None):
    message = f"could not write {kind} '{path}': {reason}; nothing was written"
    return OSError(code, message) if code is not None else OSError(message)


def _encode(path, kind, arguments, video_uint8):
    """Run ffmpeg to encode raw RGB frames into ``path``, all or nothing.

    ffmpeg writes to a temporary name beside ``path``, renamed to ``path`` only once it
    has exited cleanly: a failure (read-only folder, full disk, a crash, a time-out)
    leaves neither a partial file nor a damaged older one.
    """
    frame_count, height, width, _ = video_uint8.shape
    partial = _partial_name(path)
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fractions.Fraction(arguments.pop("fps")).limit_denominator()),
        "-i",
        "-",
        "-an",
        *arguments.pop("output"),
        os.fspath(partial),
    ]
    timeout = _ENCODE_TIMEOUT_BASE + frame_count * height * width / 1e6
    try:
        # On a time-out, subprocess.run kills ffmpeg (SIGKILL) before raising.
        result = subprocess.run(
            command, input=video_uint8.tobytes(), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        _remove_quietly(partial)
        raise _write_failure(path, kind, f"ffmpeg did not finish within {timeout:.0f} s") from None
    except BaseException:
        _remove_quietly(partial)
        raise
    if result.returncode != 0:
        _remove_quietly(partial)
        stderr = result.stderr.decode(errors="replace").strip()
        code = next((code for words, code in _WRITE_FAILURES if words in stderr), None)
        last_line = stderr.splitlines()[-1] if stderr else "no message"
        raise _write_failure(
            path, kind, f"ffmpeg failed (exit status {result.returncode}): {last_line}", code
        )
    try:
        os.replace(partial, path)
    except OSError as error:
        _remove_quietly(partial)
        raise _write_failure(path, kind, error.strerror or str(error), error.errno) from error


def _write_h264(path, video_uint8, fps, crf, codec="libx264"):
    output = ["-c:v", codec, "-pix_fmt", "yuv420p", "-crf", str(crf)]
    if codec == "libx265":
        output += ["-x265-params", "log-level=error"]
    container = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
    output += ["-f", container[path.suffix.lower()]]
    _encode(path, "video file", {"fps": fps, "output": output}, video_uint8)


def _write_gif(path, video_uint8, fps):
    # ffmpeg rather than Pillow: Pillow merges identical consecutive frames into one,
    # which would silently change the frame count. One palette fitted to the whole clip.
    output = [
        "-filter_complex",
        "split[a][b];[a]palettegen=stats_mode=full[p];[b][p]paletteuse=dither=none",
        "-loop",
        "0",
        "-f",
        "gif",
    ]
    _encode(path, "GIF", {"fps": fps, "output": output}, video_uint8)


def _write_png_folder(path, video_uint8):
    """Frames as ``frame_00000.png``, ...: all of them replace the old ones, or none does.

    New frames are written under temporary names first; only when every one is written are
    the old ``frame_*.png`` removed and the new ones renamed into place.
    """
    created = not path.exists()
    partials = []
    try:
        path.mkdir(exist_ok=True)
        for index, frame in enumerate(video_uint8):
            image = frame[..., 0] if frame.shape[-1] == 1 else frame
            partial = path / f".frame_{index:05d}.png.{os.getpid()}.partial"
            partials.append(partial)
            imageio_v3.imwrite(partial, image, plugin="pillow", extension=".png")
    except OSError as error:
        for partial in partials:
            _remove_quietly(partial)
        if created:
            try:
                path.rmdir()
            except OSError:
                pass
        reason = error.strerror or str(error)
        raise OSError(
            error.errno,
            f"could not write PNG frames into folder '{path}': {reason}; nothing was written",
        ) from error
    try:
        for old in path.glob("frame_*.png"):
            old.unlink()
        for index, partial in enumerate(partials):
            os.replace(partial, path / f"frame_{index:05d}.png")
    except OSError as error:
        raise OSError(
            error.errno,
            f"could not write PNG frames into folder '{path}': {error.strerror or error} while "
            "renaming the new frames into place",
        ) from error


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

    Raises
    ------
    TypeError, ValueError
        For a bad argument, before anything is written; ``fps`` outside [1, 240] included.
    FileNotFoundError
        If the folder of ``path`` does not exist.
    OSError
        If the file cannot be written (a read-only folder, a full disk, ffmpeg failing or
        taking too long); the message names the file. Nothing is left at ``path``: the
        video goes to a temporary name in the same folder and is renamed into place only
        once complete, so an older file there stays as it was.

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
        if path.exists() and not path.is_dir():
            raise ValueError(f"path must name a folder for PNG frames, got the file '{path}'")
        _write_png_folder(path, video_uint8)
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
