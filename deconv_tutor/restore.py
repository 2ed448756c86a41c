"""Restore a real video file: denoise, upscale, deblock or deblur it, frame by frame.

:func:`restore_video` is what ``python -m deconv_tutor restore`` runs, and what chapter 12
calls: it streams the input through a model and into an H.264 MP4, a few frames at a time,
so memory stays flat however long the video is.

- **Reading**: :func:`deconv_tutor.data.iter_frames` (ffmpeg with ``-xerror``: a damaged
  file raises, naming the frame); :func:`probe` reads the container's frame rate, pixel
  aspect ratio, duration and audio track first.
- **The model**: a reference model (:mod:`deconv_tutor.pretrained`, the default) or a
  ``.keras`` file saved in a chapter, run by :class:`deconv_tutor.tiling.Restorer`
  (padding, overlapping tiles blended without seams for large frames).
- **Writing**: one ffmpeg process fed raw frames through a pipe (the streaming writer
  :func:`deconv_tutor.data.write_video` lacks, as it takes the whole video), H.264
  ``yuv420p`` at constant rate factor :data:`DEFAULT_CRF`, the input's frame rate and pixel
  aspect ratio, and its audio track (copied when it is AAC, else encoded to AAC). ffmpeg
  writes to a temporary name that is renamed into place only when everything succeeded:
  an error, or Ctrl-C, leaves no partial output.

:func:`write_sample_clip` writes the offline sample chapter 12 and the tests start from: a
photo clip with noise, H.264 compression and a 440 Hz tone.
"""

from __future__ import annotations

import dataclasses
import fractions
import itertools
import os
import pathlib
import re
import subprocess
import sys
import threading
import time

import imageio_ffmpeg
import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor import pretrained, tiling
from deconv_tutor.data import video_files

__all__ = [
    "DEFAULT_CRF",
    "DEFAULT_PRESET",
    "MAX_OUTPUT_SIDE",
    "TASKS",
    "VideoInfo",
    "iter_restored",
    "load_model",
    "probe",
    "restore_video",
    "write_sample_clip",
]

#: The tasks, as the command names them.
TASKS = pretrained.TASKS
#: H.264 constant rate factor of the output: 18 is visually lossless for most footage.
DEFAULT_CRF = 18
#: x264's speed preset: "medium" is x264's default; "veryfast" encodes 2-3 times faster.
DEFAULT_PRESET = "medium"
#: Output sides above this are refused (H.264 level 6.2 stops at 8192 x 4320).
MAX_OUTPUT_SIDE = 8192
_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
_OUTPUT_SUFFIXES = (".mp4", ".mov", ".mkv")
# Audio codecs an MP4 (MOV, MKV) carries as they are; others are encoded to AAC.
_COPIED_AUDIO = ("aac", "mp3", "alac")
_PROBE_TIMEOUT_S = 60.0


@dataclasses.dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` reads from a video file's header.

    Parameters
    ----------
    path : pathlib.Path
        The file.
    width, height : int
        Frame size the container states (as displayed, after any rotation).
    fps : fractions.Fraction
        Frames per second (NTSC rates as 30000/1001 and the like).
    duration : float or None
        Seconds, when the container states it.
    sample_aspect : tuple of int
        Pixel aspect ratio ``(num, den)``; ``(1, 1)`` for square pixels.
    video_codec : str
        Codec of the first video stream.
    audio_codec : str or None
        Codec of the first audio stream; ``None`` when there is none.

    Examples
    --------
    >>> info = VideoInfo(pathlib.Path("a.mp4"), 640, 480, fractions.Fraction(30000, 1001), 10.0,
    ...                  (1, 1), "h264", None)
    >>> info.frame_count
    300
    """

    path: pathlib.Path
    width: int
    height: int
    fps: fractions.Fraction
    duration: float | None
    sample_aspect: tuple
    video_codec: str
    audio_codec: str | None

    @property
    def frame_count(self):
        """Frames the header promises (``round(duration * fps)``), or ``None``."""
        return None if self.duration is None else round(self.duration * float(self.fps))


def _exact_fps(text):
    value = float(text)
    # 29.97, 23.98, 59.94 are printed rounded: they are n * 1000 / 1001.
    ntsc = value * 1.001
    if value > 0 and abs(ntsc - round(ntsc)) < 0.01 and abs(value - round(value)) > 0.005:
        return fractions.Fraction(round(ntsc) * 1000, 1001)
    return fractions.Fraction(value).limit_denominator(1001)


def probe(path):
    """Read a video file's header: size, frame rate, duration, pixel aspect, audio.

    Parameters
    ----------
    path : str or os.PathLike
        A video file ffmpeg reads (MP4, MOV, MKV, M4V, AVI, WebM).

    Returns
    -------
    VideoInfo

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If ffmpeg cannot read it, or it holds no video stream.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "sample.mp4")
    >>> _ = write_sample_clip(path, frames=6, size=(48, 64), fps=12)
    >>> info = probe(path)
    >>> info.width, info.height, info.fps, info.audio_codec
    (64, 48, Fraction(12, 1), 'aac')
    """
    path = check.path(path, "path")
    if not path.is_file():
        raise FileNotFoundError(f"video not found: '{path}' (no such file)")
    if path.stat().st_size == 0:
        raise ValueError(f"video file '{path}' is empty (0 bytes)")
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", os.fspath(path)]
    try:
        result = subprocess.run(command, capture_output=True, timeout=_PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise ValueError(
            f"could not read video file '{path}': ffmpeg took over {_PROBE_TIMEOUT_S:g} s to "
            "read its header"
        ) from None
    lines = result.stderr.decode(errors="replace").splitlines()
    streams = [line for line in lines if re.search(r"Stream #0:\d+", line)]
    if not streams:
        reason = next((line.strip() for line in reversed(lines) if line.strip()), "no message")
        raise ValueError(
            f"could not read video file '{path}': ffmpeg finds no streams in it, it is not a "
            f"video or it is damaged ({reason})"
        )
    video = next((line for line in streams if "Video:" in line), None)
    # A cover picture is a video stream of one frame: not a video.
    if video is None or "attached pic" in video:
        kinds = ", ".join(
            " ".join(re.search(r"Stream #0:\d+\S*: (\w+): (\w+)", line).groups())
            for line in streams
        )
        raise ValueError(f"file '{path}' has no video stream (its streams: {kinds})")
    size = re.search(r", (\d{2,5})x(\d{2,5})", video)
    rate = re.search(r"([\d.]+) fps", video) or re.search(r"([\d.]+) tbr", video)
    if size is None or rate is None:
        raise ValueError(f"could not read the frame size and rate of '{path}': {video.strip()}")
    width, height = int(size.group(1)), int(size.group(2))
    sar = re.search(r"SAR (\d+):(\d+)", video)
    sample_aspect = (int(sar.group(1)), int(sar.group(2))) if sar else (1, 1)
    if sample_aspect[0] == 0 or sample_aspect[1] == 0:
        sample_aspect = (1, 1)  # 0:1 is how ffmpeg says "unknown"
    if any(re.search(r"rotation of -?(90|270)", line) for line in lines):
        width, height = height, width  # ffmpeg turns the frames upright while decoding
        sample_aspect = sample_aspect[::-1]
    duration = None
    for line in lines:
        match = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", line)
        if match:
            hours, minutes, seconds = match.groups()
            duration = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
            break
    audio = next((line for line in streams if "Audio:" in line), None)
    audio_codec = re.search(r"Audio: (\w+)", audio).group(1) if audio else None
    return VideoInfo(
        path=path,
        width=width,
        height=height,
        fps=_exact_fps(rate.group(1)),
        duration=duration,
        sample_aspect=sample_aspect,
        video_codec=re.search(r"Video: (\w+)", video).group(1),
        audio_codec=audio_codec,
    )


# ------------------------------------------------------------------------------- the model


def load_model(model="reference", task="denoise", scale=None):
    """The model for a task: a reference model or a ``.keras`` file, checked against the task.

    A ``.keras`` file does not say which task it was trained for. What can be checked is:
    it takes and returns 3-channel frames, and its output is ``scale`` times its input
    (``upscale``) or the same size (the other tasks). Whether a same-size model denoises,
    deblocks or deblurs is the caller's word.

    Parameters
    ----------
    model : str, os.PathLike or keras.Model
        ``"reference"`` (:func:`deconv_tutor.pretrained.for_task`), the name of a reference
        model (``"upscale_x2_fast"``: the fastest x2 upscaler), the path of a ``.keras``
        file, or a model already in memory.
    task : {"denoise", "upscale", "deblock", "deblur"}
    scale : int, optional
        Upscaling factor (``upscale`` only; default 2); 1 or ``None`` for the other tasks.

    Returns
    -------
    keras.Model
    str
        What the model is, for messages (``"reference model 'denoise' (...)"``).
    int
        The scale.

    Raises
    ------
    FileNotFoundError
        If the file or the reference weights are missing.
    ValueError
        For an unknown task, an impossible scale, or a model whose channels or scale do not
        match the task.

    Examples
    --------
    >>> model, what, scale = load_model("reference", "upscale", scale=2)
    >>> what.split(" (")[0], scale
    ("reference model 'upscale_x2'", 2)
    >>> load_model("upscale_x2_fast", "upscale", scale=2)[1].split(" (")[0]
    "reference model 'upscale_x2_fast'"
    >>> load_model("upscale_x2_fast", "denoise")
    Traceback (most recent call last):
    ...
    ValueError: reference model 'upscale_x2_fast' does 'upscale' at scale 2, not 'denoise' at scale 1
    """
    import keras

    task = check.choice(task, "task", TASKS)
    if task == "upscale":
        scale = 2 if scale is None else scale
        scale = check.integer(
            scale, "scale", minimum=2, maximum=8, what="an upscaling factor from 2 to 8"
        )
    elif scale not in (None, 1):
        check.integer(scale, "scale", minimum=1)
        raise ValueError(
            f"scale applies to the task 'upscale' only, got scale={scale} for {task!r}"
        )
    else:
        scale = 1
    if isinstance(model, str) and (model == "reference" or model in pretrained.REFERENCE_MODELS):
        name = pretrained.for_task(task, scale=scale) if model == "reference" else model
        facts = pretrained.record(name)
        if (facts["task"], facts["scale"]) != (task, scale):
            raise ValueError(
                f"reference model {name!r} does {facts['task']!r} at scale {facts['scale']}, "
                f"not {task!r} at scale {scale}"
            )
        loaded = pretrained.load(name)
        what = (
            f"reference model {name!r} ({facts['builder']}, {facts['steps']} training steps, "
            f"trained on: {facts['degradation']})"
        )
    elif isinstance(model, keras.Model):
        loaded, what = model, f"model {model.name!r}"
    else:
        path = check.path(model, "model")
        if path.suffix != ".keras":
            raise ValueError(
                f"model must be 'reference' or the path of a .keras file saved with "
                f"model.save(...), got '{path}'"
            )
        if not path.is_file():
            raise FileNotFoundError(f"model file not found: '{path}'")
        try:
            # The package's custom layers register themselves for loading.
            from deconv_tutor import layers  # noqa: F401

            loaded = keras.saving.load_model(path, compile=False)
        except Exception as error:
            raise ValueError(f"could not load model file '{path}': {error}") from error
        what = f"model file '{path}'"
    shape = loaded.input_shape
    if not isinstance(shape, tuple) or len(shape) != 4 or shape[-1] != 3:
        raise ValueError(
            f"{what} must take colour frames (batch, height, width, 3), got input shape {shape}"
        )
    return loaded, what, scale


def _checked_restorer(model, what, task, scale, tile, overlap, batch_size):
    restorer = tiling.Restorer(model, tile=tile, overlap=overlap, batch_size=batch_size)
    if restorer.scale != scale:
        if task == "upscale":
            expected = f"an upscaler by {scale}"
        else:
            expected = f"a same-size model for {task!r}"
        raise ValueError(
            f"{what} does not match the task: {expected} was asked for, but the model's output "
            f"is {restorer.scale} times its input"
        )
    return restorer


# ------------------------------------------------------------------------------- streaming


def iter_restored(restorer, frames, batch_size=4):
    """Restore a stream of frames, holding at most ``batch_size`` of them at a time.

    Parameters
    ----------
    restorer : callable
        Frames ``(n, h, w, 3)`` in, restored frames out, e.g. a
        :class:`~deconv_tutor.tiling.Restorer`.
    frames : iterable of numpy.ndarray
        Frames ``(h, w, 3)`` in [0, 1], e.g. :func:`deconv_tutor.data.iter_frames`.
    batch_size : int
        Frames taken from ``frames`` before the model runs.

    Yields
    ------
    tuple of numpy.ndarray
        ``(input_frame, restored_frame)``, in order.

    Examples
    --------
    >>> frames = (np.full((4, 6, 3), i / 10, "float32") for i in range(5))
    >>> [round(float(out[0, 0, 0]), 2) for _, out in iter_restored(lambda x: x * 2, frames, 2)]
    [0.0, 0.2, 0.4, 0.6, 0.8]
    """
    batch_size = check.integer(batch_size, "batch_size", minimum=1)
    iterator = iter(frames)
    while True:
        batch = list(itertools.islice(iterator, batch_size))
        if not batch:
            return
        restored = restorer(np.stack(batch))
        yield from zip(batch, restored)
        del batch, restored


class _Encoder:
    """One ffmpeg process encoding raw RGB frames from a pipe into H.264, all or nothing.

    ``audio`` is ``None``, ``("file", path, start, duration, codec)`` to take the first audio
    track of a file (copied or encoded to AAC), or ``("tone", hertz, seconds)`` for a sine.
    """

    def __init__(self, path, width, height, fps, *, crf, preset, audio=None, sample_aspect=(1, 1)):
        self.path = path
        self.partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        self.frames = 0
        self.pixels = width * height
        command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-y", "-v", "error"]
        command += ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}"]
        command += ["-r", str(fps), "-i", "-"]
        maps = ["-map", "0:v:0"]
        if audio is not None and audio[0] == "file":
            _, source, start, duration, codec = audio
            if start:
                command += ["-ss", f"{start:.6f}"]
            if duration is not None:
                command += ["-t", f"{duration:.6f}"]
            command += ["-i", os.fspath(source)]
            maps += ["-map", "1:a:0", "-c:a"]
            maps += ["copy"] if codec in _COPIED_AUDIO else ["aac", "-b:a", "192k"]
        elif audio is not None:
            _, hertz, seconds = audio
            command += ["-t", f"{seconds:.6f}", "-f", "lavfi"]
            command += ["-i", f"sine=frequency={hertz:g}:sample_rate=44100"]
            maps += ["-map", "1:a:0", "-c:a", "aac", "-b:a", "128k"]
        container = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska"}[path.suffix.lower()]
        sar = f"{sample_aspect[0]}/{sample_aspect[1]}"
        command += maps + ["-c:v", "libx264", "-preset", preset, "-crf", str(crf)]
        command += ["-pix_fmt", "yuv420p", "-vf", f"setsar={sar}"]
        if container == "mp4":
            command += ["-movflags", "+faststart"]
        command += ["-f", container, os.fspath(self.partial)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.stderr = []
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        for raw in self.process.stderr:
            if len(self.stderr) < 50:
                self.stderr.append(raw.decode(errors="replace").rstrip())

    def _failure(self, reason):
        message = f"could not write video file '{self.path}': {reason}; nothing was written"
        last = self.stderr[-1] if self.stderr else ""
        return OSError(f"{message} (ffmpeg: {last})" if last else message)

    def write(self, frame):
        """Append one float frame (h, w, 3) in [0, 1]."""
        data = np.round(np.clip(frame, 0.0, 1.0) * 255.0).astype(np.uint8)
        try:
            self.process.stdin.write(np.ascontiguousarray(data).tobytes())
        except (BrokenPipeError, OSError):
            self.process.wait()
            self.reader.join(timeout=5)
            raise self._failure(f"ffmpeg stopped (exit status {self.process.returncode})") from None
        self.frames += 1

    def finish(self):
        """Close the pipe, wait for ffmpeg, and rename the file into place."""
        timeout = 60.0 + self.frames * self.pixels / 1e6
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise self._failure(f"ffmpeg did not finish within {timeout:.0f} s") from None
        self.reader.join(timeout=5)
        if code != 0:
            raise self._failure(f"ffmpeg failed (exit status {code})")
        os.replace(self.partial, self.path)

    def abort(self):
        """Stop ffmpeg and remove what it wrote."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass
        _remove_quietly(self.partial)


def _remove_quietly(path):
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # the error being reported matters more than a leftover we cannot remove


def _even(frame):
    """Pad a frame by one edge pixel where its height or width is odd (yuv420p needs even)."""
    pad_h, pad_w = frame.shape[0] % 2, frame.shape[1] % 2
    if pad_h or pad_w:
        frame = np.pad(frame, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return frame


def _resized(frame, height, width):
    """Bicubic resize with Pillow (fast), float in, float out."""
    from PIL import Image

    if frame.shape[:2] == (height, width):
        return frame
    image = Image.fromarray(np.round(frame * 255).astype(np.uint8))
    return np.asarray(image.resize((width, height), Image.BICUBIC), np.float32) / 255.0


class _Progress:
    """One line on stderr, redrawn at most twice a second: frames, fps, time left."""

    def __init__(self, total, stream, enabled):
        self.total, self.stream, self.enabled = total, stream, enabled
        self.start = time.perf_counter()
        self.shown = 0.0

    def update(self, done, final=False):
        now = time.perf_counter()
        if not self.enabled or (not final and now - self.shown < 0.5):
            return
        self.shown = now
        rate = done / max(now - self.start, 1e-9)
        text = f"frames {done}" + (f"/{self.total}" if self.total else "")
        text += f"  {rate:.1f} fps"
        if self.total and rate > 0 and not final:
            left = max(self.total - done, 0) / rate
            text += f"  time left {int(left // 60)}:{int(left % 60):02d}"
        self.stream.write("\r" + text.ljust(60) + ("\n" if final else ""))
        self.stream.flush()


def _check_paths(input_path, output_path, extra_outputs):
    if not input_path.exists():
        raise FileNotFoundError(f"input video not found: '{input_path}' (no such file)")
    if input_path.is_dir():
        raise ValueError(f"input must be a video file, got the folder '{input_path}'")
    for path in [output_path, *extra_outputs]:
        if path.suffix.lower() not in _OUTPUT_SUFFIXES:
            raise ValueError(
                f"output must end in {', '.join(_OUTPUT_SUFFIXES)} (H.264 video), got '{path}'"
            )
        if not path.parent.is_dir():
            raise FileNotFoundError(f"cannot write '{path}': folder '{path.parent}' does not exist")
        same = path.resolve() == input_path.resolve() or (
            path.exists() and os.path.samefile(path, input_path)
        )
        if same:
            raise ValueError(
                f"output '{path}' would overwrite the input '{input_path}': choose another name"
            )
    if len({p.resolve() for p in [output_path, *extra_outputs]}) != 1 + len(extra_outputs):
        raise ValueError(
            f"the output and the --compare video must differ, both are '{output_path}'"
        )


def _segment(info, start, duration):
    """First frame and frame count (None: to the end) of ``start`` s, ``duration`` s."""
    start = check.number(start, "start", minimum=0, what="a time in seconds >= 0")
    fps = float(info.fps)
    first = round(start * fps)
    if info.duration is not None and start >= info.duration:
        raise ValueError(
            f"start={start:g} s is past the end of '{info.path}', which lasts {info.duration:g} s"
        )
    count = None
    if duration is not None:
        duration = check.number(
            duration, "duration", minimum=0, exclusive_minimum=True, what="a time in seconds > 0"
        )
        count = max(1, round(duration * fps))
    return first, count


def restore_video(
    input,
    output,
    task="denoise",
    *,
    model="reference",
    noise_level=None,
    scale=None,
    start=0.0,
    duration=None,
    compare=None,
    reference=None,
    crf=DEFAULT_CRF,
    preset=DEFAULT_PRESET,
    tile=tiling.DEFAULT_TILE,
    overlap=tiling.DEFAULT_OVERLAP,
    batch_size=4,
    progress=True,
):
    """Restore a video file with a model and write an H.264 MP4: frame rate, audio and aspect kept.

    Frames stream through a few at a time (memory does not grow with the video's length);
    frames of more than ``tile x tile`` pixels are processed in overlapping tiles. A progress line
    (frames, frames per second, time left) is redrawn on stderr, and one summary line is
    printed at the end.

    Parameters
    ----------
    input : str or os.PathLike
        The video to restore (MP4, MOV, MKV, M4V, AVI, WebM).
    output : str or os.PathLike
        Where to write it (``.mp4``, ``.mov`` or ``.mkv``); must not be ``input``.
    task : {"denoise", "upscale", "deblock", "deblur"}
        What to do; chooses the reference model.
    model : str, os.PathLike or keras.Model
        ``"reference"`` (the shipped reference model of the task), the name of another
        reference model (``"upscale_x2_fast"``: the fastest x2 upscaler, for real time on a
        CPU), or a ``.keras`` file saved in a chapter (checked: 3 channels in and out, output
        size against ``scale``).
    noise_level : float, optional
        ``denoise`` only: the noise you expect, in grey levels (0-255). The reference
        denoiser is blind (it estimates the noise itself); a level outside the range it was
        trained on is reported in the summary.
    scale : int, optional
        ``upscale`` only: the factor (default 2; reference models do 2 and 3).
    start, duration : float, optional
        Restore ``duration`` seconds from ``start`` seconds (frame-accurate: the frames
        before ``start`` are decoded and skipped); by default, the whole video.
    compare : str or os.PathLike, optional
        Also write a side-by-side video there: the input (bicubic-resized for
        ``upscale``) left, the restored frames right.
    reference : str or os.PathLike, optional
        A clean original of the same footage (the output's size): PSNR and SSIM of the
        input and of the output against it are measured and printed.
    crf : int
        H.264 constant rate factor of the output (0 best to 51 worst; 18 by default).
    preset : str
        x264 speed preset (``"medium"`` by default; ``"veryfast"`` for speed).
    tile, overlap : int
        Tile side and overlap in input pixels (:class:`deconv_tutor.tiling.Restorer`).
    batch_size : int
        Frames (or tiles) per model call.
    progress : bool
        Redraw the progress line on stderr.

    Returns
    -------
    dict
        ``frames``, ``input_size`` and ``output_size`` (width, height), ``fps`` (of the
        video), ``seconds``, ``frames_per_second`` (end to end), ``real_time_factor``,
        ``model``, ``audio`` (what happened to it), ``crf``, ``tiles`` (per frame),
        ``notes``, ``summary`` (the printed line) and, with ``reference``, ``psnr_input``,
        ``psnr_output``, ``ssim_input``, ``ssim_output`` (means over frames).

    Raises
    ------
    FileNotFoundError
        A missing input, model file or reference, or a missing output folder.
    ValueError
        An unreadable or damaged input (the frame is named), a file without a video stream,
        a model that does not fit the task or scale, an impossible scale, an output that
        would overwrite the input, a reference of another size or length. Nothing is left
        at ``output`` (or ``compare``) when anything fails.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> clean = write_sample_clip(os.path.join(folder, "noisy.mp4"), frames=4, size=(48, 64))
    >>> result = restore_video(os.path.join(folder, "noisy.mp4"), os.path.join(folder, "out.mp4"),
    ...                        "denoise", progress=False)  # doctest: +ELLIPSIS
    /...out.mp4: 4 frames 64x48 -> 64x48 at 12 fps, denoise with ...
    >>> result["frames"], result["audio"]
    (4, 'aac copied')
    """
    input_path = check.path(input, "input")
    output_path = check.path(output, "output")
    compare_path = None if compare is None else check.path(compare, "compare")
    reference_path = None if reference is None else check.path(reference, "reference")
    crf = check.integer(crf, "crf", minimum=0, maximum=51, what="an integer from 0 to 51")
    preset = check.choice(preset, "preset", _PRESETS)
    progress = check.boolean(progress, "progress")
    task = check.choice(task, "task", TASKS)
    _check_paths(input_path, output_path, [compare_path] if compare_path else [])
    if reference_path is not None and not reference_path.is_file():
        raise FileNotFoundError(f"reference video not found: '{reference_path}' (no such file)")
    notes = []
    if noise_level is not None:
        if task != "denoise":
            raise ValueError(f"noise_level applies to the task 'denoise' only, got task {task!r}")
        noise_level = check.number(
            noise_level, "noise_level", minimum=0, maximum=255, what="grey levels from 0 to 255"
        )
    info = probe(input_path)
    first, count = _segment(info, start, duration)
    loaded, what, scale = load_model(model, task, scale)
    if noise_level is not None and isinstance(model, str) and model == "reference":
        low, high = (255 * s for s in pretrained.record("denoise")["noise_sigma_range"])
        if not low <= noise_level <= high:
            notes.append(
                f"noise level {noise_level:g} is outside the {low:g}-{high:g} grey levels the "
                "reference denoiser was trained on: expect noise left in the output"
            )
    out_w, out_h = info.width * scale, info.height * scale
    if max(out_w, out_h) > MAX_OUTPUT_SIDE:
        raise ValueError(
            f"scale {scale} would make {info.width}x{info.height} frames {out_w}x{out_h}, larger "
            f"than H.264 allows ({MAX_OUTPUT_SIDE} pixels a side); choose a smaller scale"
        )
    restorer = _checked_restorer(loaded, what, task, scale, tile, overlap, batch_size)

    frames = video_files.iter_frames(input_path)
    frames = itertools.islice(frames, first, None if count is None else first + count)
    clean_frames = None
    if reference_path is not None:
        clean_frames = itertools.islice(video_files.iter_frames(reference_path), first, None)
    expected = count or (info.frame_count - first if info.frame_count else None)
    seconds_of_audio = None if count is None else count / float(info.fps)
    audio = None
    if info.audio_codec:
        audio = ("file", input_path, first / float(info.fps), seconds_of_audio, info.audio_codec)
    audio_text = "none in the input"
    if info.audio_codec:
        copied = info.audio_codec in _COPIED_AUDIO
        audio_text = f"{info.audio_codec} {'copied' if copied else 'encoded to aac'}"

    encoders = []
    meter = _Progress(expected, sys.stderr, progress)
    done = 0
    scores = {"psnr_input": [], "psnr_output": [], "ssim_input": [], "ssim_output": []}
    tiles = None
    began = time.perf_counter()
    try:
        for frame, restored in iter_restored(restorer, frames, batch_size):
            if not encoders:
                height, width = frame.shape[:2]
                tiles = restorer.tiles_for(height, width)
                oh, ow = _even(restored).shape[:2]
                if (ow, oh) != (restored.shape[1], restored.shape[0]):
                    notes.append(f"odd frame size padded by one edge pixel to {ow}x{oh} for H.264")
                encoders.append(
                    _Encoder(
                        output_path, ow, oh, info.fps, crf=crf, preset=preset, audio=audio,
                        sample_aspect=info.sample_aspect,
                    )
                )  # fmt: skip
                if compare_path is not None:
                    encoders.append(
                        _Encoder(
                            compare_path, 2 * ow, oh, info.fps, crf=crf, preset=preset,
                            audio=audio, sample_aspect=info.sample_aspect,
                        )
                    )  # fmt: skip
            encoders[0].write(_even(restored))
            if compare_path is not None or clean_frames is not None:
                # The input at the output's size: only the comparison and the scores need it.
                shown = _resized(frame, restored.shape[0], restored.shape[1])
            if compare_path is not None:
                encoders[1].write(np.concatenate([_even(shown), _even(restored)], axis=1))
            if clean_frames is not None:
                _score(scores, next(clean_frames, None), shown, restored, done, reference_path)
            done += 1
            meter.update(done)
        if done == 0:
            raise ValueError(
                f"no frames to restore: '{input_path}' has no frames from start={start:g} s"
            )
        for encoder in encoders:
            encoder.finish()
    except BaseException:
        for encoder in encoders:
            encoder.abort()
        for path in [output_path] + ([compare_path] if compare_path else []):
            # Renamed into place only when all succeeded; a first file already renamed goes too.
            if any(e.path == path and e.process.returncode == 0 for e in encoders):
                _remove_quietly(path)
        raise
    seconds = time.perf_counter() - began
    meter.update(done, final=True)
    rate = done / seconds
    result = {
        "frames": done,
        "input_size": (info.width, info.height),
        "output_size": (restored.shape[1], restored.shape[0]),
        "fps": float(info.fps),
        "seconds": seconds,
        "frames_per_second": rate,
        "real_time_factor": rate / float(info.fps),
        "model": what,
        "audio": audio_text,
        "crf": crf,
        "tiles": tiles,
        "notes": notes,
    }
    text = (
        f"{output_path}: {done} frames {info.width}x{info.height} -> "
        f"{result['output_size'][0]}x{result['output_size'][1]} at {float(info.fps):g} fps, "
        f"{task} with {what.split(' (')[0]}, {tiles} tile(s) a frame, in {seconds:.1f} s = "
        f"{rate:.1f} frames/s ({result['real_time_factor']:.2f}x real time); H.264 CRF {crf} "
        f"({preset}), audio: {audio_text}"
    )
    if compare_path is not None:
        text += f"; side by side: {compare_path}"
    if clean_frames is not None:
        for key, values in scores.items():
            result[key] = float(np.mean(values))
        baseline = "bicubic input" if scale > 1 else "input"
        text += (
            f"; against {reference_path.name}: {baseline} {result['psnr_input']:.2f} dB / SSIM "
            f"{result['ssim_input']:.3f}, output {result['psnr_output']:.2f} dB / SSIM "
            f"{result['ssim_output']:.3f}"
        )
    for note in notes:
        text += f"; note: {note}"
    result["summary"] = text
    print(text)
    return result


def _score(scores, clean, shown, restored, index, reference_path):
    from deconv_tutor import metrics

    if clean is None:
        raise ValueError(
            f"reference '{reference_path}' ends before the input: it has no frame {index}"
        )
    if clean.shape != restored.shape:
        raise ValueError(
            f"reference '{reference_path}' must have the output's frame size "
            f"{restored.shape[1]}x{restored.shape[0]}, got {clean.shape[1]}x{clean.shape[0]}"
        )
    scores["psnr_input"].append(metrics.psnr(clean, shown))
    scores["psnr_output"].append(metrics.psnr(clean, restored))
    scores["ssim_input"].append(metrics.ssim(clean, shown))
    scores["ssim_output"].append(metrics.ssim(clean, restored))


def write_sample_clip(
    path,
    *,
    photo="motorcycle_left",
    frames=48,
    size=(128, 160),
    fps=12,
    noise_sigma=25 / 255,
    crf=28,
    tone_hz=440.0,
    clean_path=None,
    seed=0,
):
    """Write an offline sample video: a pan over a photo, with noise, H.264 and a tone.

    The clean clip (:func:`deconv_tutor.data.photo_clip`) gets Gaussian noise, and is
    written as H.264 at constant rate factor ``crf`` with a sine tone as its audio track
    (AAC), through the ffmpeg bundled with imageio-ffmpeg: nothing is downloaded.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.mp4`` to write.
    photo : str
        One of the course's photos (default: a test photo, never used to choose a setting).
    frames : int
        Frames of the clip.
    size : tuple of int
        ``(height, width)``, even.
    fps : int
        Frames per second.
    noise_sigma : float
        Standard deviation of the noise, on the [0, 1] scale (0: none).
    crf : int
        H.264 constant rate factor of the degraded clip.
    tone_hz : float
        Frequency of the audio tone.
    clean_path : str or os.PathLike, optional
        Also write the clean clip there (nearly lossless, CRF 0), to be used as a
        ``reference``.
    seed : int
        Seed of the noise.

    Returns
    -------
    numpy.ndarray
        The clean clip ``(frames, height, width, 3)``.

    Examples
    --------
    >>> import tempfile, os
    >>> clean = write_sample_clip(os.path.join(tempfile.mkdtemp(), "s.mp4"), frames=3,
    ...                           size=(32, 48))
    >>> clean.shape
    (3, 32, 48, 3)
    """
    from deconv_tutor import data

    path = check.path(path, "path")
    frames = check.integer(frames, "frames", minimum=1)
    fps = check.integer(fps, "fps", minimum=1, maximum=240)
    crf = check.integer(crf, "crf", minimum=0, maximum=51)
    clean = data.photo_clip(photo, frames=frames, size=size, motion="pan", seed=seed)
    if clean.shape[1] % 2 or clean.shape[2] % 2:
        raise ValueError(f"size must be even for H.264, got {tuple(clean.shape[1:3])}")
    noisy = data.add_gaussian_noise(clean, noise_sigma, seed=seed) if noise_sigma else clean
    targets = [(path, noisy, crf)]
    if clean_path is not None:
        targets.append((check.path(clean_path, "clean_path"), clean, 0))
    for target, video, quality in targets:
        encoder = _Encoder(
            target, video.shape[2], video.shape[1], fps, crf=quality, preset="medium",
            audio=("tone", tone_hz, frames / fps),
        )  # fmt: skip
        try:
            for frame in video:
                encoder.write(frame)
            encoder.finish()
        except BaseException:
            encoder.abort()
            raise
    return clean
