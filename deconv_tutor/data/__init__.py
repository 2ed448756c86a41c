"""Video data: offline clips, reading and writing video files, degradations, patches.

A video in this course is a NumPy array of shape ``(frames, height, width, channels)``,
dtype float32, values in [0, 1], channels last (3 for colour, 1 for grey). Every function
here takes and returns that layout.

Three sources of clips need no network:

* :func:`photo_clip` -- a smooth camera pan, zoom or rotation over a photo that ships
  inside the scikit-image wheel (:data:`PHOTOS_TRAIN`, :data:`PHOTOS_HELDOUT`);
* :func:`moving_shapes` -- coloured disks, squares and triangles gliding over a textured
  background, with a per-pixel class mask (:data:`SHAPE_CLASSES`), also pasted over pans
  across photos (:func:`shapes_over_photos`);
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

One module per part: :mod:`~deconv_tutor.data.clips`, :mod:`~deconv_tutor.data.video_files`,
:mod:`~deconv_tutor.data.degradations` and :mod:`~deconv_tutor.data.patches`; everything is
used through this package's namespace (``data.photo_clip``). Importing it does not import
Keras: :class:`PatchDataset` (a ``keras.utils.PyDataset``) loads on first use.
"""

from deconv_tutor.data import photos
from deconv_tutor.data.clips import (
    FFMPEG_SOURCES,
    MOTIONS,
    PHOTOS_HELDOUT,
    PHOTOS_TRAIN,
    SHAPE_CLASSES,
    check_video,
    ffmpeg_clip,
    load_photo,
    moving_shapes,
    photo_clip,
    shapes_over_photos,
)
from deconv_tutor.data.degradations import (
    add_gaussian_noise,
    add_poisson_noise,
    blur,
    compress,
    downscale,
    psf_box,
    psf_gaussian,
    psf_motion,
)
from deconv_tutor.data.video_files import (
    CODECS,
    MAX_FPS,
    MIN_FPS,
    iter_frames,
    read_video,
    write_video,
)

__all__ = [
    "CODECS",
    "FFMPEG_SOURCES",
    "MAX_FPS",
    "MIN_FPS",
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
    "photos",
    "psf_box",
    "psf_gaussian",
    "psf_motion",
    "read_video",
    "shapes_over_photos",
    "write_video",
]


def __getattr__(name):
    # PatchDataset subclasses keras.utils.PyDataset: load Keras only when it is asked for, so
    # that reading video and making clips does not pay for importing a deep-learning stack.
    if name == "PatchDataset":
        from deconv_tutor.data.patches import PatchDataset

        return PatchDataset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
