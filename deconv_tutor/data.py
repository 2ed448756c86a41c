"""Video data: offline clips, reading and writing video files, degradations, patches.

A video in this course is a NumPy array of shape ``(frames, height, width, channels)``,
dtype float32, values in [0, 1], channels last (3 for colour, 1 for grey). Every function
here takes and returns that layout.

Three sources of clips need no network:

* :func:`photo_clip` -- a smooth camera pan, zoom or rotation over a photo that ships
  inside the scikit-image wheel (:data:`PHOTOS_TRAIN`, :data:`PHOTOS_HELDOUT`);
* :func:`moving_shapes` -- coloured disks, squares and triangles gliding over a textured
  background, with a per-pixel class mask (:data:`SHAPE_CLASSES`);
* :func:`ffmpeg_clip` -- ffmpeg's synthetic ``lavfi`` sources (test patterns, fractals,
  the game of life), produced by the ffmpeg binary bundled with imageio-ffmpeg.

Real files are read and written with imageio and its ffmpeg plugin (:func:`read_video`,
:func:`write_video`, :func:`iter_frames`): MP4 (H.264), GIF, and a folder of PNG frames.

Degradations take explicit parameters: :func:`add_gaussian_noise`,
:func:`add_poisson_noise`, :func:`blur` with a known point-spread function
(:func:`psf_box`, :func:`psf_gaussian`, :func:`psf_motion`), :func:`downscale` and
:func:`compress` (a real H.264 round trip through ffmpeg). :class:`PatchDataset` cuts
random training patches from clean clips and their degraded versions.

Input checks (:func:`check_video`): any floating dtype is accepted and returned as
float32 (float64 arrays from SciPy or scikit-image are common and lose nothing that
matters for [0, 1] images); integer or boolean arrays raise ``TypeError`` -- a uint8
video must be divided by 255 first, because guessing the scale is how bugs hide. Values
outside [0, 1], NaN, the wrong rank or a channels-first layout raise ``ValueError``.
"""

from __future__ import annotations

import functools
import math
import os
import pathlib
import re
import subprocess
import tempfile

import imageio.v2 as imageio_v2
import imageio.v3 as imageio_v3
import imageio_ffmpeg
import numpy as np
from scipy import ndimage

from deconv_tutor import _validation as check

__all__ = [
    "FFMPEG_SOURCES",
    "MOTIONS",
    "PHOTOS_HELDOUT",
    "PHOTOS_TRAIN",
    "SHAPE_CLASSES",
    "PatchDataset",
    "add_gaussian_noise",
    "add_poisson_noise",
    "blur",
    "check_video",
    "compress",
    "downscale",
    "ffmpeg_clip",
    "iter_frames",
    "load_photo",
    "moving_shapes",
    "photo_clip",
    "psf_box",
    "psf_gaussian",
    "psf_motion",
    "read_video",
    "write_video",
]

#: Photos used to make training clips. All ship inside the scikit-image wheel (no pooch
#: download). ``cat`` is left out: it is the same picture as ``chelsea``.
PHOTOS_TRAIN = ("astronaut", "rocket", "immunohistochemistry", "retina", "hubble_deep_field")
#: Photos kept apart for evaluation; no model in the course trains on them.
PHOTOS_HELDOUT = ("coffee", "chelsea")
#: Camera motions understood by :func:`photo_clip`.
MOTIONS = ("pan", "zoom", "rotate", "pan_zoom")
#: Class names of the :func:`moving_shapes` masks; the index is the class id.
SHAPE_CLASSES = ("background", "disk", "square", "triangle")
#: Synthetic sources understood by :func:`ffmpeg_clip` (ffmpeg ``lavfi`` filters).
FFMPEG_SOURCES = (
    "testsrc",
    "testsrc2",
    "rgbtestsrc",
    "yuvtestsrc",
    "smptebars",
    "smptehdbars",
    "pal75bars",
    "pal100bars",
    "colorspectrum",
    "zoneplate",
    "mandelbrot",
    "life",
    "cellauto",
    "perlin",
    "sierpinski",
)
# Sources that draw random patterns: ffmpeg picks a fresh seed unless told one.
_SEEDED_SOURCES = {
    "life": "seed={seed}:mold=8",
    "cellauto": "seed={seed}",
    "perlin": "random_mode=seed:random_seed={seed}",
    "sierpinski": "seed={seed}",
}
# Frame rates write_video accepts: slower is a slide show, faster no display shows.
MIN_FPS, MAX_FPS = 1.0, 240.0
# Containers ffmpeg reads for us; writing is H.264 in one of the first three.
_FFMPEG_READ_SUFFIXES = (".mp4", ".mov", ".mkv", ".m4v", ".avi", ".webm")
_FFMPEG_WRITE_SUFFIXES = (".mp4", ".mov", ".mkv")
_COMPRESS_CODECS = ("libx264", "libx265")
# The view of photo_clip covers this fraction of the photo's shorter side, leaving the
# rest as room for the camera to move.
_VIEW_FRACTION = 0.6


# ----------------------------------------------------------------------------------------
# Input checks
# ----------------------------------------------------------------------------------------


def check_video(video, name="video"):
    """Check that ``video`` is a video of this course and return it as float32.

    Parameters
    ----------
    video : array_like
        Expected shape ``(frames, height, width, channels)`` with 1 or 3 channels, any
        floating dtype, values in [0, 1].
    name : str
        Name used in error messages (the caller's parameter name).

    Returns
    -------
    numpy.ndarray
        The same values as float32 (no copy when already float32).

    Raises
    ------
    TypeError
        For integer, boolean or non-numeric arrays (uint8: divide by 255 first).
    ValueError
        For a wrong rank, an empty array, a channel count other than 1 or 3, NaN or inf,
        or values outside [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> check_video(np.zeros((2, 4, 4, 3))).dtype
    dtype('float32')
    >>> check_video(np.zeros((2, 4, 4, 3), dtype=np.uint8))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: video must hold floats in [0, 1], got uint8 values in [0, 255]; convert with ...
    """
    return check.video(video, name)


# ----------------------------------------------------------------------------------------
# Offline clips
# ----------------------------------------------------------------------------------------


@functools.cache
def _photo_uint8(name):
    import skimage.data

    return getattr(skimage.data, name)()


def load_photo(name):
    """Load one of the colour photos bundled with scikit-image as float32 in [0, 1].

    Parameters
    ----------
    name : str
        One of :data:`PHOTOS_TRAIN` or :data:`PHOTOS_HELDOUT`.

    Returns
    -------
    numpy.ndarray
        float32 array of shape ``(height, width, 3)``.

    Examples
    --------
    >>> photo = load_photo("coffee")
    >>> photo.shape, photo.dtype
    ((400, 600, 3), dtype('float32'))
    >>> "coffee" in PHOTOS_HELDOUT
    True
    """
    if name not in PHOTOS_TRAIN + PHOTOS_HELDOUT:
        raise ValueError(
            f"name must be one of the bundled photos {PHOTOS_TRAIN + PHOTOS_HELDOUT}, got {name!r}"
        )
    return _photo_uint8(name).astype(np.float32) / 255.0


@functools.lru_cache(maxsize=16)
def _photo_resized(name, height, width):
    from skimage.transform import resize

    photo = resize(load_photo(name), (height, width), order=1, anti_aliasing=True)
    photo = np.clip(photo, 0.0, 1.0).astype(np.float32)
    photo.flags.writeable = False  # shared by the cache
    return photo


def _ease(frames):
    """Times in [0, 1] with zero speed at both ends (a camera starting and stopping)."""
    u = np.linspace(0.0, 1.0, frames) if frames > 1 else np.zeros(1)
    return (1.0 - np.cos(np.pi * u)) / 2.0


def _window_half_extent(height, width, angle, scale):
    """Half height and half width, in photo pixels, of a rotated and scaled view."""
    hy, hx = (height - 1) / 2.0, (width - 1) / 2.0
    c, s = np.abs(np.cos(angle)), np.abs(np.sin(angle))
    return scale * (c * hy + s * hx), scale * (s * hy + c * hx)


def photo_clip(name="astronaut", frames=16, size=(64, 64), motion="pan", seed=0):
    """A clip of a smooth camera move over a bundled photo.

    The photo is first resized (with anti-aliasing) so that the view, at zoom 1, covers
    60% of its shorter side at one photo pixel per output pixel; each frame then samples
    the photo bilinearly (``scipy.ndimage.map_coordinates``, order 1) along a camera path
    that starts and stops smoothly. The path is drawn from ``seed``; the view never leaves
    the photo.

    Parameters
    ----------
    name : str
        A photo of :data:`PHOTOS_TRAIN` or :data:`PHOTOS_HELDOUT`.
    frames : int
        Number of frames (>= 1).
    size : tuple of int
        ``(height, width)`` of each frame.
    motion : {"pan", "zoom", "rotate", "pan_zoom"}
        ``"pan"``: the view slides across the photo through a random point in a random
        direction. ``"zoom"``: it zooms in to 0.6-0.75 of its size (or out from there).
        ``"rotate"``: it turns by 15-45 degrees about the photo centre. ``"pan_zoom"``:
        a pan and a zoom at once.
    seed : int
        Seed of the camera path.

    Returns
    -------
    numpy.ndarray
        float32 video of shape ``(frames, height, width, 3)`` in [0, 1].

    Examples
    --------
    >>> clip = photo_clip("astronaut", frames=4, size=(32, 48), motion="pan", seed=1)
    >>> clip.shape, clip.dtype
    ((4, 32, 48, 3), dtype('float32'))
    >>> bool(np.array_equal(clip, photo_clip("astronaut", 4, (32, 48), "pan", seed=1)))
    True
    """
    frames = check.integer(frames, "frames", minimum=1)
    height, width = check.size_pair(size)
    check.allocation((frames, height, width, 3), "frames and size")
    if motion not in MOTIONS:
        raise ValueError(f"motion must be one of {MOTIONS}, got {motion!r}")
    rng = np.random.default_rng(check.integer(seed, "seed", minimum=0))
    photo_full = load_photo(name)

    short_side = math.ceil(max(height, width) / _VIEW_FRACTION)
    ratio = short_side / min(photo_full.shape[:2])
    photo_shape = (
        max(short_side, round(photo_full.shape[0] * ratio)),
        max(short_side, round(photo_full.shape[1] * ratio)),
    )
    photo = _photo_resized(name, *photo_shape)
    centre = np.array([(photo_shape[0] - 1) / 2.0, (photo_shape[1] - 1) / 2.0])
    t = _ease(frames)

    angle = np.zeros(frames)
    scale = np.ones(frames)
    path = np.tile(centre, (frames, 1))
    if motion in ("zoom", "pan_zoom"):
        # Zooming in only magnifies the anti-aliased photo, so no new aliasing appears.
        closest = rng.uniform(0.6, 0.75)
        scale = 1.0 + (closest - 1.0) * (t if rng.random() < 0.5 else 1.0 - t)
    if motion == "rotate":
        start = rng.uniform(-np.pi / 12, np.pi / 12)
        turn = rng.uniform(np.pi / 12, np.pi / 4) * rng.choice([-1.0, 1.0])
        angle = start + turn * t
    # Room left for the centre, given the largest view along the path.
    half_y, half_x = 0.0, 0.0
    for a, s in zip(angle, scale):
        hy, hx = _window_half_extent(height, width, a, s)
        half_y, half_x = max(half_y, hy), max(half_x, hx)
    room = np.array([centre[0] - half_y, centre[1] - half_x])  # >= 0 by construction
    if motion in ("pan", "pan_zoom"):
        middle = centre + rng.uniform(-0.5, 0.5, 2) * room
        direction = rng.normal(size=2)
        direction /= np.linalg.norm(direction)
        # Go as far as the room allows on both sides of the middle point.
        reach = min(
            (room[k] - abs(middle[k] - centre[k])) / abs(direction[k])
            for k in range(2)
            if abs(direction[k]) > 1e-9
        )
        path = middle + (2.0 * t[:, None] - 1.0) * reach * direction
    elif motion in ("zoom", "rotate"):
        path = np.tile(centre + rng.uniform(-0.5, 0.5, 2) * room, (frames, 1))

    dy = np.arange(height) - (height - 1) / 2.0
    dx = np.arange(width) - (width - 1) / 2.0
    dy, dx = np.meshgrid(dy, dx, indexing="ij")
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    s = scale[:, None, None]
    rows = path[:, 0, None, None] + s * (cos * dy - sin * dx)
    cols = path[:, 1, None, None] + s * (sin * dy + cos * dx)
    coordinates = np.stack([rows.ravel(), cols.ravel()])
    video = np.empty((frames, height, width, 3), dtype=np.float32)
    for channel in range(3):
        video[..., channel] = ndimage.map_coordinates(
            photo[..., channel], coordinates, order=1, mode="nearest"
        ).reshape(frames, height, width)
    return np.clip(video, 0.0, 1.0)


def _fold(position, low, high):
    """Reflect positions into [low, high]: an object bouncing off the walls."""
    span = high - low
    if span <= 0:
        return np.full_like(position, (low + high) / 2.0)
    phase = np.mod(position - low, 2.0 * span)
    return low + np.where(phase > span, 2.0 * span - phase, phase)


def moving_shapes(frames=16, size=(64, 64), n_shapes=3, seed=0):
    """Coloured shapes moving over a textured background, with ground-truth masks.

    The background is a colour gradient plus a faint sinusoidal texture (still over
    time). Each shape is a disk, a square or a triangle of its own colour and size,
    moving at constant speed and bouncing off the frame edges; squares and triangles also
    turn. Later shapes pass in front of earlier ones, and the mask shows the front one.
    Edges are hard (no anti-aliasing), so the mask matches the pixels exactly.

    Parameters
    ----------
    frames : int
        Number of frames (>= 1).
    size : tuple of int
        ``(height, width)`` of each frame (each at least 8).
    n_shapes : int
        Number of shapes (>= 0). Classes cycle through a random order of disk, square
        and triangle, so every class is present when ``n_shapes >= 3``.
    seed : int
        Seed of colours, sizes, positions and speeds.

    Returns
    -------
    video : numpy.ndarray
        float32, ``(frames, height, width, 3)``, in [0, 1].
    masks : numpy.ndarray
        int32, ``(frames, height, width)``; class ids index :data:`SHAPE_CLASSES`.

    Examples
    --------
    >>> video, masks = moving_shapes(frames=3, size=(32, 32), n_shapes=3, seed=0)
    >>> video.shape, masks.shape, masks.dtype
    ((3, 32, 32, 3), (3, 32, 32), dtype('int32'))
    >>> sorted(int(k) for k in np.unique(masks))
    [0, 1, 2, 3]
    """
    frames = check.integer(frames, "frames", minimum=1)
    height, width = check.size_pair(size)
    check.allocation((frames, height, width, 3), "frames and size")
    if min(height, width) < 8:
        raise ValueError(f"size must be at least (8, 8) to hold a shape, got {(height, width)}")
    n_shapes = check.integer(n_shapes, "n_shapes", minimum=0)
    rng = np.random.default_rng(check.integer(seed, "seed", minimum=0))
    from skimage.color import hsv2rgb

    rows, cols = np.meshgrid(
        np.arange(height, dtype=np.float64), np.arange(width, dtype=np.float64), indexing="ij"
    )
    # Background: a gradient between two muted colours, plus texture; stays in [0.05, 0.95].
    direction = rng.uniform(0.0, 2.0 * np.pi)
    ramp = np.cos(direction) * rows / height + np.sin(direction) * cols / width
    ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1e-9)
    colour_a, colour_b = rng.uniform(0.2, 0.8, (2, 3))
    background = colour_a + ramp[..., None] * (colour_b - colour_a)
    for _ in range(3):
        freq = rng.uniform(0.1, 0.5, 2)
        phase = rng.uniform(0.0, 2.0 * np.pi)
        wave = np.sin(freq[0] * rows + freq[1] * cols + phase)
        background = background + 0.05 * wave[..., None] * rng.uniform(0.3, 1.0, 3)
    background = np.clip(background, 0.05, 0.95)

    video = np.broadcast_to(background, (frames, height, width, 3)).copy()
    masks = np.zeros((frames, height, width), dtype=np.int32)
    order = rng.permutation(3) + 1
    short = min(height, width)
    time = np.arange(frames, dtype=np.float64)
    for index in range(n_shapes):
        kind = int(order[index % 3])
        colour = hsv2rgb(
            np.array([[[rng.uniform(), rng.uniform(0.6, 1.0), rng.uniform(0.7, 1.0)]]])
        )[0, 0]
        radius = max(2.0, rng.uniform(0.12, 0.22) * short)
        start = rng.uniform([radius, radius], [height - 1 - radius, width - 1 - radius])
        heading = rng.uniform(0.0, 2.0 * np.pi)
        speed = rng.uniform(0.5, 1.5) * short / 64.0
        centre_y = _fold(start[0] + speed * np.sin(heading) * time, radius, height - 1 - radius)
        centre_x = _fold(start[1] + speed * np.cos(heading) * time, radius, width - 1 - radius)
        turn = rng.uniform(0.02, 0.1) * rng.choice([-1.0, 1.0])
        spin = rng.uniform(0.0, 2.0 * np.pi) + turn * time
        for f in range(frames):
            dy, dx = rows - centre_y[f], cols - centre_x[f]
            if kind == 1:
                inside = dy * dy + dx * dx <= radius * radius
            elif kind == 2:
                u = np.cos(spin[f]) * dx + np.sin(spin[f]) * dy
                v = -np.sin(spin[f]) * dx + np.cos(spin[f]) * dy
                half_side = radius / np.sqrt(2.0)
                inside = (np.abs(u) <= half_side) & (np.abs(v) <= half_side)
            else:
                # Equilateral triangle: three half-planes at the inradius (radius / 2).
                inside = np.ones_like(dy, dtype=bool)
                for k in range(3):
                    normal = spin[f] + 2.0 * np.pi * k / 3.0
                    inside &= np.cos(normal) * dx + np.sin(normal) * dy <= radius / 2.0
            video[f][inside] = colour
            masks[f][inside] = kind
    return video.astype(np.float32), masks


def ffmpeg_clip(source="testsrc2", frames=16, size=(64, 64), seed=0):
    """A clip from one of ffmpeg's synthetic video sources.

    Runs the ffmpeg binary bundled with imageio-ffmpeg
    (``imageio_ffmpeg.get_ffmpeg_exe()``) on a ``lavfi`` source at 25 frames per
    second and reads raw rgb24 frames from its standard output.

    Parameters
    ----------
    source : str
        One of :data:`FFMPEG_SOURCES`, e.g. ``"testsrc2"`` (moving test pattern),
        ``"mandelbrot"`` (zooming fractal), ``"smptebars"`` (still colour bars),
        ``"life"`` (Conway's game of life).
    frames : int
        Number of frames (>= 1).
    size : tuple of int
        ``(height, width)``; ``testsrc2`` needs both even.
    seed : int
        Seed of the random sources (``life``, ``cellauto``, ``perlin``,
        ``sierpinski``); the others ignore it.

    Returns
    -------
    numpy.ndarray
        float32 video ``(frames, height, width, 3)`` in [0, 1].

    Examples
    --------
    >>> clip = ffmpeg_clip("testsrc2", frames=3, size=(48, 64))
    >>> clip.shape, clip.dtype
    ((3, 48, 64, 3), dtype('float32'))
    """
    if source not in FFMPEG_SOURCES:
        raise ValueError(f"source must be one of {FFMPEG_SOURCES}, got {source!r}")
    frames = check.integer(frames, "frames", minimum=1)
    height, width = check.size_pair(size)
    check.allocation((frames, height, width, 3), "frames and size")
    seed = check.integer(seed, "seed", minimum=0)
    if source == "testsrc2" and (height % 2 or width % 2):
        raise ValueError(f"size must be even for source 'testsrc2', got {(height, width)}")
    options = f"size={width}x{height}:rate=25"
    if source in _SEEDED_SOURCES:
        options += ":" + _SEEDED_SOURCES[source].format(seed=seed)
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-v",
        "error",
        "-nostdin",
        "-f",
        "lavfi",
        "-i",
        f"{source}={options}",
        "-frames:v",
        str(frames),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]
    result = subprocess.run(command, capture_output=True, check=False)
    expected = frames * height * width * 3
    if result.returncode != 0 or len(result.stdout) != expected:
        raise ValueError(
            f"ffmpeg source {source!r} at size {(height, width)} gave {len(result.stdout)} bytes, "
            f"expected {expected} ({frames} frames): "
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    video = np.frombuffer(result.stdout, dtype=np.uint8).reshape(frames, height, width, 3)
    return video.astype(np.float32) / 255.0


# ----------------------------------------------------------------------------------------
# Reading and writing video files
# ----------------------------------------------------------------------------------------


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

    Yields
    ------
    numpy.ndarray
        float32 frame ``(height, width, 3)`` in [0, 1]. Grey images are repeated to
        three channels; an alpha channel must be fully opaque and is dropped.

    Examples
    --------
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


def write_video(path, frames, fps=24, crf=18):
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
        H.264 constant rate factor, 0 (best) to 51 (worst); 18 is visually lossless.
        Used for MP4 only.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> clip = photo_clip(frames=4, size=(32, 32))
    >>> write_video(os.path.join(folder, "frames"), clip)
    >>> sorted(os.listdir(os.path.join(folder, "frames")))[:2]
    ['frame_00000.png', 'frame_00001.png']
    """
    path = check.path(path, "path")
    video = check_video(frames, "frames")
    fps = check.number(
        fps, "fps", minimum=MIN_FPS, maximum=MAX_FPS,
        what=f"a frame rate from {MIN_FPS:g} to {MAX_FPS:g} frames per second",
    )
    crf = check.integer(crf, "crf", minimum=0, maximum=51, what="an integer from 0 to 51")
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
        _write_h264(path, video_uint8, fps, crf)


# ----------------------------------------------------------------------------------------
# Degradations
# ----------------------------------------------------------------------------------------


def add_gaussian_noise(video, sigma, seed=0, clip=True):
    """Add white Gaussian noise of standard deviation ``sigma``.

    Parameters
    ----------
    video : numpy.ndarray
        float32 video in [0, 1].
    sigma : float
        Standard deviation on the [0, 1] scale: sigma 25 in 8-bit grey levels is
        ``25 / 255``.
    seed : int
        Seed of the noise.
    clip : bool
        Clip the result to [0, 1], as a sensor saturates. With ``clip=False`` the result
        may leave [0, 1] (and :func:`check_video` would refuse it).

    Returns
    -------
    numpy.ndarray
        float32 noisy video, same shape.

    Examples
    --------
    >>> clean = np.full((2, 64, 64, 1), 0.5, dtype=np.float32)
    >>> noisy = add_gaussian_noise(clean, sigma=25 / 255, seed=0)
    >>> round(float((noisy - clean).std()) * 255)
    25
    """
    video = check_video(video)
    sigma = check.number(sigma, "sigma", minimum=0, what="a non-negative number on the [0, 1] scale")
    rng = np.random.default_rng(check.integer(seed, "seed", minimum=0))
    noisy = video + rng.normal(0.0, sigma, video.shape).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0) if check.boolean(clip, "clip") else noisy


def add_poisson_noise(video, peak, seed=0, clip=True):
    """Add Poisson (shot) noise: a pixel of value v counts ``Poisson(v * peak)`` photons.

    Parameters
    ----------
    video : numpy.ndarray
        float32 video in [0, 1].
    peak : float
        Photon count of a white pixel (> 0). Smaller is noisier: the noise standard
        deviation at value v is ``sqrt(v / peak)``.
    seed : int
        Seed of the noise.
    clip : bool
        Clip the result to [0, 1] (counts above ``peak`` saturate).

    Returns
    -------
    numpy.ndarray
        float32 noisy video, same shape.

    Examples
    --------
    >>> clean = np.full((1, 100, 100, 1), 0.25, dtype=np.float32)
    >>> noisy = add_poisson_noise(clean, peak=100, seed=0)
    >>> round(float(noisy.std()), 2)  # sqrt(0.25 / 100)
    0.05
    """
    video = check_video(video)
    peak = check.number(peak, "peak", minimum=0, exclusive_minimum=True, what="a positive photon count")
    rng = np.random.default_rng(check.integer(seed, "seed", minimum=0))
    noisy = (rng.poisson(video.astype(np.float64) * peak) / peak).astype(np.float32)
    return np.clip(noisy, 0.0, 1.0) if check.boolean(clip, "clip") else noisy


def _check_odd_size(size, name="size"):
    size = check.integer(size, name, minimum=1, what="a positive odd integer")
    if size % 2 == 0:
        raise ValueError(
            f"{name} must be a positive odd integer (so the PSF has a centre pixel), got {size}"
        )
    return size


def psf_box(size):
    """A ``size`` x ``size`` box point-spread function (uniform blur), summing to one.

    Examples
    --------
    >>> psf_box(3).round(3)
    array([[0.111, 0.111, 0.111],
           [0.111, 0.111, 0.111],
           [0.111, 0.111, 0.111]])
    """
    size = _check_odd_size(size)
    return np.full((size, size), 1.0 / size**2)


def psf_gaussian(size, sigma):
    """A ``size`` x ``size`` Gaussian point-spread function of width ``sigma``, summing to one.

    Parameters
    ----------
    size : int
        Odd side length; about ``6 * sigma + 1`` holds nearly all of the Gaussian.
    sigma : float
        Standard deviation in pixels (> 0).

    Examples
    --------
    >>> psf = psf_gaussian(5, 1.0)
    >>> psf.shape, round(float(psf.sum()), 6), round(float(psf[2, 2]), 4)
    ((5, 5), 1.0, 0.1621)
    """
    size = _check_odd_size(size)
    sigma = check.number(sigma, "sigma", minimum=0, exclusive_minimum=True, what="a positive width in pixels")
    offsets = np.arange(size) - size // 2
    profile = np.exp(-(offsets**2) / (2.0 * sigma**2))
    psf = np.outer(profile, profile)
    return psf / psf.sum()


def psf_motion(length, angle=0.0):
    """A straight motion-blur point-spread function: a line of ``length`` pixels.

    The line is centred on the middle pixel and turned ``angle`` degrees counter-clockwise
    from horizontal (rows grow downwards, so 90 is a vertical line). Each pixel's weight
    is the part of the line that falls in it (sampled at 1/16 pixel); the kernel is the
    smallest odd square that holds the line.

    Parameters
    ----------
    length : float
        Length of the camera (or object) motion during the exposure, in pixels (>= 1).
    angle : float
        Direction in degrees.

    Examples
    --------
    >>> psf_motion(3).round(3)
    array([[0.   , 0.   , 0.   ],
           [0.333, 0.333, 0.333],
           [0.   , 0.   , 0.   ]])
    >>> psf_motion(5, angle=45).shape
    (5, 5)
    """
    length = check.number(length, "length", minimum=1, what="a length in pixels of at least 1")
    angle = check.number(angle, "angle", what="an angle in degrees")
    theta = np.deg2rad(angle)
    samples = max(16, int(np.ceil(16 * length)))
    t = -length / 2.0 + (np.arange(samples) + 0.5) * length / samples
    rows = np.rint(-t * np.sin(theta)).astype(int)
    cols = np.rint(t * np.cos(theta)).astype(int)
    half = int(max(np.abs(rows).max(), np.abs(cols).max()))
    psf = np.zeros((2 * half + 1, 2 * half + 1))
    np.add.at(psf, (rows + half, cols + half), 1.0)
    return psf / psf.sum()


def blur(video, psf):
    """Blur every frame and channel with ``psf`` (convolution, 'reflect' boundary).

    Parameters
    ----------
    video : numpy.ndarray
        float32 video in [0, 1].
    psf : numpy.ndarray
        2-D point-spread function with odd sides, non-negative, summing to one (see
        :func:`psf_box`, :func:`psf_gaussian`, :func:`psf_motion`).

    Returns
    -------
    numpy.ndarray
        float32 blurred video, same shape. Frames and channels are never mixed.

    Examples
    --------
    >>> video = np.zeros((1, 5, 5, 1), dtype=np.float32)
    >>> video[0, 2, 2, 0] = 1.0
    >>> blurred = blur(video, psf_box(3))
    >>> round(float(blurred.sum()), 4), round(float(blurred[0, 1, 1, 0]), 4)
    (1.0, 0.1111)
    """
    video = check_video(video)
    psf = check.psf(psf)
    # A kernel of extent 1 along time and channels keeps the convolution per frame, per channel.
    kernel = psf.astype(np.float32)[None, :, :, None]
    out = ndimage.convolve(video, kernel, mode="reflect")
    # Float rounding can step a hair outside [0, 1]; the true result cannot.
    return np.clip(out, 0.0, 1.0)


def downscale(video, factor):
    """Shrink height and width by an integer ``factor``, averaging each factor x factor block.

    Examples
    --------
    >>> video = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1) / 15
    >>> (downscale(video, 2)[0, ..., 0] * 15).round(2)
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    video = check_video(video)
    factor = check.integer(factor, "factor", minimum=1)
    frames, height, width, channels = video.shape
    if height % factor or width % factor:
        raise ValueError(
            f"factor must divide the height and width, got factor {factor} for frames of "
            f"{height}x{width} (height x width)"
        )
    blocks = video.reshape(frames, height // factor, factor, width // factor, factor, channels)
    return blocks.mean(axis=(2, 4), dtype=np.float32)


def compress(video, crf, codec="libx264"):
    """Encode with a real video codec at constant rate factor ``crf`` and decode again.

    The clip is written to an MP4 in a temporary folder through imageio's ffmpeg plugin
    (``yuv420p``, so colour is also subsampled 2x) and read back; the artifacts are
    those of the real codec: blocking, ringing, smeared colour.

    Parameters
    ----------
    video : numpy.ndarray
        float32 video in [0, 1] with an even height and width.
    crf : int
        0 (best) to 51 (worst); 18 is visually lossless, 35 and up shows blocks.
    codec : {"libx264", "libx265"}
        H.264 or H.265.

    Returns
    -------
    numpy.ndarray
        float32 decoded video, same shape (a grey clip is averaged back to one channel).

    Examples
    --------
    >>> clip = photo_clip(frames=4, size=(32, 32))
    >>> compressed = compress(clip, crf=40)
    >>> compressed.shape, bool(np.abs(compressed - clip).mean() > 0.005)
    ((4, 32, 32, 3), True)
    """
    video = check_video(video)
    crf = check.integer(crf, "crf", minimum=0, maximum=51, what="an integer from 0 to 51")
    if codec not in _COMPRESS_CODECS:
        raise ValueError(f"codec must be one of {_COMPRESS_CODECS}, got {codec!r}")
    frames, height, width, channels = video.shape
    if height % 2 or width % 2:
        raise ValueError(
            f"video must have an even height and width for {codec} (yuv420p), got {height}x{width}"
        )
    video_uint8 = check.to_uint8(video, "frames")
    if channels == 1:
        video_uint8 = np.repeat(video_uint8, 3, axis=-1)
    with tempfile.TemporaryDirectory(prefix="deconv_tutor_") as folder:
        path = pathlib.Path(folder) / "compressed.mp4"
        _write_h264(path, video_uint8, fps=24, crf=crf, codec=codec)
        decoded = read_video(path)
    if decoded.shape[0] != frames:
        raise ValueError(
            f"{codec} round trip returned {decoded.shape[0]} frames instead of {frames}"
        )
    if channels == 1:
        decoded = decoded.mean(axis=-1, keepdims=True)
    return decoded


def __getattr__(name):
    # PatchDataset subclasses keras.utils.PyDataset: load Keras only when it is asked for, so
    # that reading video and making clips does not pay for importing a deep-learning stack.
    if name == "PatchDataset":
        from deconv_tutor._patches import PatchDataset

        return PatchDataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
