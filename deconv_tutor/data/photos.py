"""Photos for training and judging restoration models, in a documented three-way split.

Every photo ships inside a wheel that the course installs (scikit-image, Matplotlib,
scikit-learn), so nothing is downloaded at run time. The split:

* **train** (:func:`train_photos`, :data:`TRAIN_PHOTOS`): what models learn from. Natural
  colour photos (a portrait, a launch scene, a temple, a flower), a stained tissue slide,
  and five grey photos and textures (brick, grass, gravel, a camera man, coins) that
  :func:`augment` tints with random colours.
* **validation** (:func:`validation_photos`, :data:`VALIDATION_PHOTOS`): coffee and chelsea,
  the only photos used to choose settings (model sizes, steps, learning rates, classical
  parameters). They were used to choose the course's model sizes, so they cannot be test
  photos.
* **test** (:func:`test_photos`, :data:`TEST_PHOTOS`): a portrait and a workshop scene,
  never used for any choice; the figures a chapter reports as its result are measured
  on them.

Left out on purpose: ``motorcycle_right`` (the same scene as the test photo
``motorcycle_left``, seen from 19 cm aside: training on it would leak the test photo),
``retina`` and ``hubble_deep_field`` (mostly black: most random crops are empty), and
every standard restoration benchmark image (Set5, Set14, Kodak, BSD68, Urban100,
McMaster), on which results are judged elsewhere.

Sources and licences, photo by photo, are in :data:`PHOTOS` (``source`` and ``licence``
of each entry). Photos load lazily, on first use, and are cached.
"""

from __future__ import annotations

import functools
import importlib.util
import pathlib

import numpy as np

from deconv_tutor import _validation as check

__all__ = [
    "PHOTOS",
    "SPLITS",
    "TEST_PHOTOS",
    "TRAIN_PHOTOS",
    "VALIDATION_PHOTOS",
    "augment",
    "load",
    "split_of",
    "test_photos",
    "train_photos",
    "validation_photos",
]

#: name -> (package, file inside the package, split, colour, description, source, licence).
PHOTOS = {
    "astronaut": {
        "package": "skimage",
        "file": "data/astronaut.png",
        "split": "train",
        "colour": True,
        "what": "portrait of the astronaut Eileen Collins, 512x512",
        "source": "scikit-image skimage.data.astronaut (NASA Great Images)",
        "licence": "public domain (no known copyright restrictions)",
    },
    "rocket": {
        "package": "skimage",
        "file": "data/rocket.jpg",
        "split": "train",
        "colour": True,
        "what": "Falcon 9 launch with trees and buildings, 427x640",
        "source": "scikit-image skimage.data.rocket (SpaceX photos)",
        "licence": "public domain (released by SpaceX)",
    },
    "china": {
        "package": "sklearn",
        "file": "datasets/images/china.jpg",
        "split": "train",
        "colour": True,
        "what": "Chinese temple roof against the sky, 427x640",
        "source": "scikit-learn load_sample_images (Flickr, danielbuechele)",
        "licence": "CC BY 2.0",
    },
    "flower": {
        "package": "sklearn",
        "file": "datasets/images/flower.jpg",
        "split": "train",
        "colour": True,
        "what": "a flower in close-up, 427x640",
        "source": "scikit-learn load_sample_images (Flickr, vultilion)",
        "licence": "CC BY 2.0",
    },
    "immunohistochemistry": {
        "package": "skimage",
        "file": "data/ihc.png",
        "split": "train",
        "colour": True,
        "what": "stained colon tissue under a microscope, 512x512",
        "source": "scikit-image skimage.data.immunohistochemistry (CMMI)",
        "licence": "no known copyright restrictions",
    },
    "brick": {
        "package": "skimage",
        "file": "data/brick.png",
        "split": "train",
        "colour": False,
        "what": "brick wall texture (grey), 512x512",
        "source": "scikit-image skimage.data.brick (CC0Textures Bricks25)",
        "licence": "CC0",
    },
    "grass": {
        "package": "skimage",
        "file": "data/grass.png",
        "split": "train",
        "colour": False,
        "what": "grass texture (grey), 512x512",
        "source": "scikit-image skimage.data.grass (DeviantArt, linolafett)",
        "licence": "CC0",
    },
    "gravel": {
        "package": "skimage",
        "file": "data/gravel.png",
        "split": "train",
        "colour": False,
        "what": "gravel texture (grey), 512x512",
        "source": "scikit-image skimage.data.gravel (CC0Textures Gravel04)",
        "licence": "CC0",
    },
    "camera": {
        "package": "skimage",
        "file": "data/camera.png",
        "split": "train",
        "colour": False,
        "what": "a man with a camera on a tripod (grey), 512x512",
        "source": "scikit-image skimage.data.camera (Lav Varshney)",
        "licence": "CC0",
    },
    "coins": {
        "package": "skimage",
        "file": "data/coins.png",
        "split": "train",
        "colour": False,
        "what": "Greek coins from Pompeii (grey), 303x384",
        "source": "scikit-image skimage.data.coins (Brooklyn Museum)",
        "licence": "no known copyright restrictions",
    },
    "coffee": {
        "package": "skimage",
        "file": "data/coffee.png",
        "split": "validation",
        "colour": True,
        "what": "a coffee cup on a wooden table, 400x600",
        "source": "scikit-image skimage.data.coffee (Rachel Michetti, Pikolo Espresso Bar)",
        "licence": "CC0",
    },
    "chelsea": {
        "package": "skimage",
        "file": "data/chelsea.png",
        "split": "validation",
        "colour": True,
        "what": "Chelsea the cat, 300x451",
        "source": "scikit-image skimage.data.chelsea (Stefan van der Walt)",
        "licence": "CC0",
    },
    "grace_hopper": {
        "package": "matplotlib",
        "file": "mpl-data/sample_data/grace_hopper.jpg",
        "split": "test",
        "colour": True,
        "what": "portrait of Rear Admiral Grace Hopper in uniform, 600x512",
        "source": "Matplotlib sample_data grace_hopper.jpg (US Navy photo)",
        "licence": "public domain (work of the US government)",
    },
    "motorcycle_left": {
        "package": "skimage",
        "file": "data/motorcycle_left.png",
        "split": "test",
        "colour": True,
        "what": "a motorcycle in a workshop, left view of a stereo pair, 500x741",
        "source": "scikit-image skimage.data.stereo_motorcycle (Middlebury 2014 stereo set)",
        "licence": "free for research, as distributed with scikit-image",
    },
}

#: The split names, in the order a model meets them.
SPLITS = ("train", "validation", "test")
#: Photos of each split, in the order of :data:`PHOTOS`.
TRAIN_PHOTOS = tuple(name for name, entry in PHOTOS.items() if entry["split"] == "train")
VALIDATION_PHOTOS = tuple(name for name, entry in PHOTOS.items() if entry["split"] == "validation")
TEST_PHOTOS = tuple(name for name, entry in PHOTOS.items() if entry["split"] == "test")


def _path(name):
    entry = PHOTOS[name]
    # find_spec locates the package without importing it (importing scikit-learn costs
    # seconds and is not needed to read two JPEG files).
    spec = importlib.util.find_spec(entry["package"])
    if spec is None or spec.origin is None:
        raise ValueError(
            f"name {name!r} needs the package {entry['package']!r}, which is not installed; "
            "install the course's dependencies (pip install -e .)"
        )
    return pathlib.Path(spec.origin).parent / entry["file"]


@functools.cache
def _load_cached(name):
    import imageio.v3 as iio

    pixels = iio.imread(_path(name))
    if pixels.ndim == 3:
        pixels = pixels[..., :3]  # drop an alpha channel if a PNG has one
    photo = pixels.astype(np.float32) / 255.0
    if photo.ndim == 2:
        photo = np.repeat(photo[..., None], 3, axis=-1)
    photo.flags.writeable = False  # shared by the cache
    return photo


def load(name):
    """Load one photo of :data:`PHOTOS` as a colour image, float32 in [0, 1].

    Grey photos and textures come as three equal channels.

    Parameters
    ----------
    name : str
        A key of :data:`PHOTOS`.

    Returns
    -------
    numpy.ndarray
        float32 ``(height, width, 3)``, read-only (it is cached; copy it to change it).

    Examples
    --------
    >>> photo = load("coffee")
    >>> photo.shape, photo.dtype, split_of("coffee")
    ((400, 600, 3), dtype('float32'), 'validation')
    """
    check.choice(name, "name", tuple(PHOTOS))
    return _load_cached(name)


def split_of(name):
    """The split (``"train"``, ``"validation"`` or ``"test"``) a photo belongs to.

    Parameters
    ----------
    name : str
        A key of :data:`PHOTOS`.

    Returns
    -------
    str

    Examples
    --------
    >>> split_of("chelsea"), split_of("grace_hopper")
    ('validation', 'test')
    """
    return PHOTOS[check.choice(name, "name", tuple(PHOTOS))]["split"]


def train_photos():
    """The training photos (:data:`TRAIN_PHOTOS`), by name.

    ==================== ====================================================== =========
    name                 what and where from                                    licence
    ==================== ====================================================== =========
    astronaut            portrait, scikit-image (NASA)                          public
    rocket               launch scene, scikit-image (SpaceX)                    public
    china                temple roof, scikit-learn (Flickr, danielbuechele)     CC BY 2.0
    flower               flower close-up, scikit-learn (Flickr, vultilion)      CC BY 2.0
    immunohistochemistry stained tissue, scikit-image (CMMI)                    free
    brick                grey texture, scikit-image (CC0Textures)               CC0
    grass                grey texture, scikit-image (DeviantArt)                CC0
    gravel               grey texture, scikit-image (CC0Textures)               CC0
    camera               grey photo, scikit-image (Lav Varshney)                CC0
    coins                grey photo, scikit-image (Brooklyn Museum)             free
    ==================== ====================================================== =========

    Returns
    -------
    dict of str to numpy.ndarray
        float32 ``(height, width, 3)`` images in [0, 1] (grey ones as three equal channels).

    Examples
    --------
    >>> photos = train_photos()
    >>> len(photos), "coffee" in photos, photos["brick"].shape
    (10, False, (512, 512, 3))
    """
    return {name: load(name) for name in TRAIN_PHOTOS}


def validation_photos():
    """The validation photos (:data:`VALIDATION_PHOTOS`): the only data that chooses settings.

    ======= ============================================ =======
    name    what and where from                          licence
    ======= ============================================ =======
    coffee  coffee cup, scikit-image (Rachel Michetti)   CC0
    chelsea a cat, scikit-image (Stefan van der Walt)    CC0
    ======= ============================================ =======

    Returns
    -------
    dict of str to numpy.ndarray
        float32 ``(height, width, 3)`` images in [0, 1].

    Examples
    --------
    >>> sorted(validation_photos())
    ['chelsea', 'coffee']
    """
    return {name: load(name) for name in VALIDATION_PHOTOS}


def test_photos():
    """The test photos (:data:`TEST_PHOTOS`): never used for any choice, only to report.

    =============== ================================================= =======================
    name            what and where from                               licence
    =============== ================================================= =======================
    grace_hopper    portrait, Matplotlib sample data (US Navy)        public domain
    motorcycle_left workshop scene, scikit-image (Middlebury 2014)    as shipped by skimage
    =============== ================================================= =======================

    Returns
    -------
    dict of str to numpy.ndarray
        float32 ``(height, width, 3)`` images in [0, 1].

    Examples
    --------
    >>> {name: photo.shape for name, photo in test_photos().items()}
    {'grace_hopper': (600, 512, 3), 'motorcycle_left': (500, 741, 3)}
    """
    return {name: load(name) for name in TEST_PHOTOS}


# Its name starts with "test": tell pytest it is not a test function.
test_photos.__test__ = False


def _tint(grey, rng):
    """A grey image coloured along a random line in RGB: dark colour -> light colour."""
    dark = rng.uniform(0.0, 0.35, 3)
    light = rng.uniform(0.65, 1.0, 3)
    return dark + grey[..., :1] * (light - dark)


def augment(image, rng, *, flips=True, colour=True, colourise=False):
    """Randomly flip, turn and recolour an image, as photos may be seen in the wild.

    Flips and quarter turns keep every pixel; colour jitter changes the gain of each
    channel (0.9-1.1), the saturation (0.6-1.3) and the gamma (0.8-1.25), then clips to
    [0, 1]. A grey image (``colourise=True``) is first tinted along a random line from a
    dark to a light colour, so grey textures teach colour models too.

    Parameters
    ----------
    image : numpy.ndarray
        float32 ``(height, width, 3)`` in [0, 1].
    rng : numpy.random.Generator
        Source of every random choice.
    flips : bool
        Random horizontal flip and quarter turn. Turn it off when the degradation has a
        direction (a motion blur): turning the picture turns the blur.
    colour : bool
        Random colour jitter.
    colourise : bool
        Tint a grey image first.

    Returns
    -------
    numpy.ndarray
        float32 image in [0, 1]; with quarter turns height and width may swap.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> image = load("coffee")[:40, :60]
    >>> out = augment(image, rng)
    >>> out.dtype, sorted(out.shape[:2]), bool(out.min() >= 0 and out.max() <= 1)
    (dtype('float32'), [40, 60], True)
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    image = check.image(image, "image", channels=(3,))
    if image.ndim != 3:
        raise ValueError(f"image must be (height, width, 3), got shape {image.shape}")
    out = check.unit_range(image, "image")
    if check.boolean(flips, "flips"):
        out = np.rot90(out, int(rng.integers(4)))
        if rng.random() < 0.5:
            out = out[:, ::-1]
    if check.boolean(colourise, "colourise"):
        out = _tint(out, rng)
    if check.boolean(colour, "colour"):
        grey = out.mean(axis=-1, keepdims=True)
        out = grey + rng.uniform(0.6, 1.3) * (out - grey)
        out = out * rng.uniform(0.9, 1.1, 3)
        out = np.clip(out, 0.0, 1.0) ** rng.uniform(0.8, 1.25)
    return np.ascontiguousarray(np.clip(out, 0.0, 1.0), dtype=np.float32)
