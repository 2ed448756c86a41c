"""Offline clips: photos that ship with scikit-image, moving shapes, ffmpeg's test sources.

Every clip is a video of this course, ``(frames, height, width, channels)`` float32 in
[0, 1]; :func:`check_video` says what that means and checks it.
"""

from __future__ import annotations

import functools
import math
import subprocess

import imageio_ffmpeg
import numpy as np
from scipy import ndimage

from deconv_tutor import _validation as check

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
# The view of photo_clip covers this fraction of the photo's shorter side, leaving the
# rest as room for the camera to move.
_VIEW_FRACTION = 0.6


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


@functools.cache
def _photo_uint8(name):
    import skimage.data

    return getattr(skimage.data, name)()


def load_photo(name):
    """Load one of the colour photos bundled with scikit-image as float32 in [0, 1].

    Parameters
    ----------
    name : str
        One of :data:`PHOTOS_TRAIN` or :data:`PHOTOS_HELDOUT`, or a photo of the
        train / validation / test split (:data:`deconv_tutor.data.photos.PHOTOS`).

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
    from deconv_tutor.data import photos  # the train / validation / test split's photos

    if not isinstance(name, str):
        raise TypeError(
            f"name must be the name of a bundled photo (a str such as 'astronaut'), got "
            f"{type(name).__name__} {name!r:.80}"
        )
    if name not in PHOTOS_TRAIN + PHOTOS_HELDOUT and name in photos.PHOTOS:
        return np.array(photos.load(name))
    if name not in PHOTOS_TRAIN + PHOTOS_HELDOUT:
        known = (
            PHOTOS_TRAIN
            + PHOTOS_HELDOUT
            + tuple(n for n in photos.PHOTOS if n not in PHOTOS_TRAIN + PHOTOS_HELDOUT)
        )
        raise ValueError(f"name must be one of the bundled photos {known}, got {name!r}")
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
    check.choice(motion, "motion", MOTIONS)
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


def shapes_over_photos(names, seeds, frames=16, size=(64, 64), n_shapes=3, motion="pan"):
    """Moving shapes pasted over camera moves across photos: segmentation clips with exact masks.

    One clip per ``(name, seed)`` pair: :func:`moving_shapes` of that seed in front of
    :func:`photo_clip` of that photo (a camera move of the same seed). Every shape pixel is the
    shapes clip's, every other pixel the photo's, so the mask is exact by construction.
    Chapter 08 and the reference segmenter train on training photos and are scored on
    test photos with seeds of their own.

    Parameters
    ----------
    names : sequence of str
        Photo names (see :mod:`deconv_tutor.data.photos`).
    seeds : sequence of int
        One seed per name: the shapes and the camera move.
    frames, size, n_shapes
        As in :func:`moving_shapes`.
    motion : {"pan", "zoom", "rotate", "pan_zoom"}, default "pan"
        The camera move over each photo, as in :func:`photo_clip`.

    Returns
    -------
    video : numpy.ndarray
        float32, ``(len(names) * frames, height, width, 3)``, the clips one after another.
    masks : numpy.ndarray
        int32, ``(len(names) * frames, height, width)``.

    Examples
    --------
    >>> video, masks = shapes_over_photos(["chelsea", "coffee"], [0, 1], frames=2, size=(32, 32))
    >>> video.shape, masks.shape
    ((4, 32, 32, 3), (4, 32, 32))
    >>> shapes, mask = moving_shapes(frames=2, size=(32, 32), seed=1)
    >>> bool(np.array_equal(video[2:][mask > 0], shapes[mask > 0]))
    True
    >>> shapes_over_photos(["chelsea"], [0, 1])
    Traceback (most recent call last):
    ...
    ValueError: seeds must hold one seed per photo name (1 names), got 2 seeds
    """
    names, seeds = list(names), list(seeds)
    if len(names) != len(seeds) or not names:
        raise ValueError(
            f"seeds must hold one seed per photo name ({len(names)} names), got {len(seeds)} seeds"
        )
    videos, masks = [], []
    for name, seed in zip(names, seeds):
        shapes, mask = moving_shapes(frames=frames, size=size, n_shapes=n_shapes, seed=seed)
        background = photo_clip(name, frames=frames, size=size, motion=motion, seed=seed)
        videos.append(np.where(mask[..., None] > 0, shapes, background))
        masks.append(mask)
    return np.concatenate(videos), np.concatenate(masks)


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
    expected = frames * height * width * 3
    # Bounded like every ffmpeg of the package; on a time-out run() kills it (SIGKILL).
    timeout = 120 + expected / 3e6
    try:
        result = subprocess.run(command, capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise ValueError(
            f"ffmpeg source {source!r} at size {(height, width)} did not finish {frames} frames "
            f"within {timeout:.0f} s and was stopped"
        ) from error
    if result.returncode != 0 or len(result.stdout) != expected:
        raise ValueError(
            f"ffmpeg source {source!r} at size {(height, width)} gave {len(result.stdout)} bytes, "
            f"expected {expected} ({frames} frames): "
            f"{result.stderr.decode(errors='replace').strip()}"
        )
    video = np.frombuffer(result.stdout, dtype=np.uint8).reshape(frames, height, width, 3)
    return video.astype(np.float32) / 255.0
