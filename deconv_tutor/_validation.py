"""Argument checks shared by every module: one policy, one place.

The policy (scikit-image's ``_shared`` is the model):

- a value of the wrong *type* raises ``TypeError`` (a float where an integer belongs, a
  string where a number belongs, a complex or object array);
- a value of the right type but a wrong *value* raises ``ValueError`` (a negative stride,
  NaN, a 5-D array, values outside [0, 1]);
- every message names the parameter, says what was expected and shows what came;
- NumPy integer and floating scalars are accepted wherever Python ones are; ``bool`` is
  never a number (``stride=True`` is a bug, not a stride of one);
- nothing is clipped, rounded or reshaped on the caller's behalf.

Each function returns the checked value in the form the caller computes with (a Python
``int``, a ``float``, a NumPy array of a stated dtype), so that the code after the check
can assume well-formed input. The module imports NumPy only.
"""

from __future__ import annotations

import math
import os
import pathlib

import numpy as np

# Arrays a single call may allocate: beyond this a request is almost surely a mistake
# (an extra zero in a size), and failing at once beats a MemoryError after seconds.
MAX_ALLOCATION_BYTES = 4 * 2**30


def _type_name(value):
    return type(value).__name__


def _shown(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_integer(value):
    """Whether ``value`` is a Python or NumPy integer (``bool`` is not).

    Examples
    --------
    >>> import numpy as np
    >>> is_integer(3), is_integer(np.int64(3)), is_integer(True), is_integer(3.0)
    (True, True, False, False)
    """
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_real_number(value):
    """Whether ``value`` is a Python or NumPy integer or float (``bool`` is not).

    Examples
    --------
    >>> import numpy as np
    >>> is_real_number(2.5), is_real_number(np.float32(1)), is_real_number(1j), is_real_number("1")
    (True, True, False, False)
    """
    return is_integer(value) or isinstance(value, (float, np.floating))


def _bounds_text(minimum, maximum, exclusive_minimum=False):
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if exclusive_minimum else '>='} {minimum:g}")
    if maximum is not None:
        parts.append(f"<= {maximum:g}")
    return " and ".join(parts)


def integer(value, name, *, minimum=None, maximum=None, what=None):
    """Return ``value`` as an ``int`` after checking its type and bounds.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The parameter's name, used in the message.
    minimum, maximum : int, optional
        Inclusive bounds.
    what : str, optional
        The expectation in words (default: "an integer" with the bounds).

    Returns
    -------
    int

    Raises
    ------
    TypeError
        For anything that is not a Python or NumPy integer (floats such as 2.0 included).
    ValueError
        For an integer outside the bounds.

    Examples
    --------
    >>> import numpy as np
    >>> integer(np.int64(8), "stride", minimum=1)
    8
    >>> integer(0, "stride", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: stride must be a positive integer, got 0
    >>> integer(2.0, "stride", minimum=1)
    Traceback (most recent call last):
    ...
    TypeError: stride must be a positive integer, got float 2.0
    """
    if what is None:
        if minimum == 1 and maximum is None:
            what = "a positive integer"
        elif minimum == 0 and maximum is None:
            what = "a non-negative integer"
        else:
            bounds = _bounds_text(minimum, maximum)
            what = f"an integer {bounds}" if bounds else "an integer"
    if not is_integer(value):
        raise TypeError(f"{name} must be {what}, got {_type_name(value)} {_shown(value)}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {what}, got {value}")
    return value


def number(value, name, *, minimum=None, maximum=None, exclusive_minimum=False, what=None):
    """Return ``value`` as a finite ``float`` after checking its type and bounds.

    Parameters
    ----------
    value : object
        The argument to check.
    name : str
        The parameter's name, used in the message.
    minimum, maximum : float, optional
        Bounds; ``minimum`` is exclusive when ``exclusive_minimum`` is true.
    exclusive_minimum : bool
        Whether ``value == minimum`` is refused (a width must be > 0).
    what : str, optional
        The expectation in words.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        For anything that is not a real Python or NumPy number (complex, str, bool).
    ValueError
        For NaN, infinity or a value outside the bounds.

    Examples
    --------
    >>> number(0.5, "sigma", minimum=0, exclusive_minimum=True)
    0.5
    >>> number(float("nan"), "sigma")
    Traceback (most recent call last):
    ...
    ValueError: sigma must be a finite number, got nan
    """
    if what is None:
        if minimum == 0 and maximum is None:
            what = "a positive finite number" if exclusive_minimum else "a non-negative number"
        else:
            bounds = _bounds_text(minimum, maximum, exclusive_minimum)
            what = f"a finite number {bounds}" if bounds else "a finite number"
    if not is_real_number(value):
        raise TypeError(f"{name} must be {what}, got {_type_name(value)} {_shown(value)}")
    value = float(value)
    too_low = minimum is not None and (value <= minimum if exclusive_minimum else value < minimum)
    too_high = maximum is not None and value > maximum
    if not math.isfinite(value) or too_low or too_high:
        raise ValueError(f"{name} must be {what}, got {value:g}")
    return value


def boolean(value, name):
    """Return ``value`` as a ``bool``; only ``True``/``False`` (Python or NumPy) pass.

    A string such as ``'no'`` would count as true in an ``if``: refusing it is the point.

    Examples
    --------
    >>> boolean(True, "clip")
    True
    >>> boolean("no", "clip")
    Traceback (most recent call last):
    ...
    TypeError: clip must be True or False, got str 'no'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_type_name(value)} {_shown(value)}")
    return bool(value)


def choice(value, name, choices):
    """Return ``value`` when it is one of ``choices``.

    Examples
    --------
    >>> choice("same", "padding", ("valid", "same"))
    'same'
    >>> choice("full", "padding", ("valid", "same"))
    Traceback (most recent call last):
    ...
    ValueError: padding must be one of 'valid', 'same', got 'full'
    """
    options = ", ".join(repr(option) for option in choices)
    if not isinstance(value, str) and any(isinstance(option, str) for option in choices):
        raise TypeError(f"{name} must be one of {options}, got {_type_name(value)} {_shown(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {options}, got {_shown(value)}")
    return value


def int_pair(value, name, *, minimum=1):
    """Return an int or a pair of ints as an ``(along height, along width)`` tuple.

    Examples
    --------
    >>> int_pair(2, "stride"), int_pair((1, 3), "stride")
    ((2, 2), (1, 3))
    >>> int_pair((1, 2, 3), "stride")
    Traceback (most recent call last):
    ...
    ValueError: stride must be an integer or a pair of integers, got 3 values: (1, 2, 3)
    """
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be an integer or a pair of integers, got {len(value)} values: "
                f"{_shown(value)}"
            )
        items = value
    else:
        items = (value, value)
    adjective = {1: "positive ", 0: "non-negative "}.get(minimum, "")
    what = f"a {adjective}integer or a pair of them"
    for item in items:
        if not is_integer(item):
            raise TypeError(f"{name} must be {what}, got {_shown(value)}")
    if any(item < minimum for item in items):
        raise ValueError(f"{name} must be {what}, got {_shown(value)}")
    return int(items[0]), int(items[1])


def size_pair(size, name="size", *, minimum=1):
    """Return a ``(height, width)`` pair of integers, each at least ``minimum``.

    Examples
    --------
    >>> size_pair([64, 48])
    (64, 48)
    >>> size_pair(64)
    Traceback (most recent call last):
    ...
    TypeError: size must be a (height, width) pair of positive integers, got int 64
    """
    what = f"a (height, width) pair of {'positive ' if minimum == 1 else ''}integers"
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"{name} must be {what}, got {_type_name(size)} {_shown(size)}")
    if len(size) != 2:
        raise ValueError(f"{name} must be {what}, got {len(size)} values: {_shown(size)}")
    if not all(is_integer(item) for item in size):
        raise TypeError(f"{name} must be {what}, got {_shown(size)}")
    if any(item < minimum for item in size):
        raise ValueError(f"{name} must be {what}, got {_shown(size)}")
    return int(size[0]), int(size[1])


def real_array(value, name, *, ndims=None, shape_text=None, allow_empty=False):
    """Return ``value`` as a NumPy array of real numbers, finite, of an allowed rank.

    Booleans, integers and floats are real; complex, string and object arrays are not.

    Parameters
    ----------
    value : array_like
        The argument to check.
    name : str
        The parameter's name, used in the message.
    ndims : tuple of int, optional
        The ranks allowed.
    shape_text : str, optional
        The expected shape in words, for the message.
    allow_empty : bool
        Whether a zero-size array passes.

    Returns
    -------
    numpy.ndarray
        ``value`` unchanged in dtype (no copy when it was already an array).

    Examples
    --------
    >>> real_array([[1, 2], [3, 4]], "kernel", ndims=(2,)).shape
    (2, 2)
    >>> real_array([1j], "kernel")
    Traceback (most recent call last):
    ...
    TypeError: kernel must hold real numbers, got dtype complex128
    """
    if isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be an array of numbers, got {_type_name(value)}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers, got {_shown(value)}") from error
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if ndims is not None and array.ndim not in ndims:
        expected = shape_text or " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{name} must have shape {expected}, got shape {array.shape}")
    if array.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite values")
    return array


def float_array(value, name, dtype=np.float32):
    """Return ``value`` as a finite float array of ``dtype``; integer data is refused.

    Pixel data in this course is float in [0, 1]; 8-bit data must be scaled on purpose.

    Examples
    --------
    >>> import numpy as np
    >>> float_array(np.zeros(2), "video").dtype
    dtype('float32')
    >>> float_array(np.zeros(2, np.uint8), "video")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: video must hold floats in [0, 1], got uint8 values in [0, 255]; convert with ...
    """
    if isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be an array of floats, got {_type_name(value)}")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of floats, got {_shown(value)}") from error
    if array.dtype == np.uint8:
        raise TypeError(
            f"{name} must hold floats in [0, 1], got uint8 values in [0, 255]; "
            f"convert with {name}.astype(np.float32) / 255"
        )
    if array.dtype.kind != "f":
        raise TypeError(f"{name} must hold floats in [0, 1] (float32), got dtype {array.dtype}")
    array = array.astype(dtype, copy=False)
    if array.size and not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).sum())
        raise ValueError(f"{name} must be finite, got {bad} NaN or infinite values")
    return array


def unit_range(array, name, *, tolerance=0.0, maximum=1.0):
    """Check that ``array`` lies in ``[0, maximum]`` (give or take ``tolerance``).

    Examples
    --------
    >>> import numpy as np
    >>> unit_range(np.array([0.0, 255.0]), "frame")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: frame values must lie in [0, 1], got min 0 and max 255; ...
    """
    if array.size == 0:
        return array
    low, high = float(array.min()), float(array.max())
    if low < -tolerance or high > maximum + tolerance:
        hint = (
            "8-bit values? divide by 255"
            if high > 1.5 and maximum == 1.0
            else f"clip first if that is what you want: np.clip({name}, 0, {maximum:g})"
        )
        raise ValueError(
            f"{name} values must lie in [0, {maximum:g}], got min {low:.4g} and max "
            f"{high:.4g}; {hint}"
        )
    return array


def video_layout(shape, name):
    """Check a ``(frames, height, width, 1 or 3)`` shape, with a hint for common mistakes.

    Examples
    --------
    >>> video_layout((64, 64, 3), "video")
    Traceback (most recent call last):
    ...
    ValueError: video must be 4-D (frames, height, width, channels), got shape (64, 64, 3); for a single image use video[None]
    """
    shape = tuple(shape)
    if len(shape) != 4:
        hint = ""
        if len(shape) == 3 and shape[-1] in (1, 3):
            hint = f"; for a single image use {name}[None]"
        elif len(shape) == 3:
            hint = f"; for a grey video add a channel axis: {name}[..., None]"
        raise ValueError(
            f"{name} must be 4-D (frames, height, width, channels), got shape {shape}{hint}"
        )
    if 0 in shape:
        raise ValueError(f"{name} must not be empty, got shape {shape}")
    if shape[-1] not in (1, 3):
        raise ValueError(
            f"{name} must be channels-last with 1 or 3 channels, got shape {shape} "
            f"({shape[-1]} channels); a channels-first array needs np.moveaxis({name}, 1, -1)"
        )


def video(value, name="video", dtype=np.float32):
    """Return a checked ``(frames, height, width, 1 or 3)`` float video in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> video(np.zeros((2, 4, 4, 3)), "clip").dtype
    dtype('float32')
    """
    array = float_array(value, name, dtype)
    video_layout(array.shape, name)
    unit_range(array, name)
    return array


def image(value, name="image", *, channels=None, like=None):
    """Return one image, ``(height, width)`` or ``(height, width, channels)``, as float32.

    The values are any finite reals (a model's input need not lie in [0, 1]); integer and
    boolean data are converted, complex, string and object data refused.

    Parameters
    ----------
    value : array_like
        The argument to check.
    name : str
        The parameter's name, used in the message.
    channels : tuple of int, optional
        The channel counts a 3-D image may have (default: any).
    like : tuple, optional
        A ``(height, width, channels)`` the image must match, ``None`` for any size (a
        model's input shape); a 2-D image counts as one channel.

    Returns
    -------
    numpy.ndarray
        float32, the rank it came with.

    Examples
    --------
    >>> image([[0, 1], [1, 0]], "frame").dtype
    dtype('float32')
    >>> image(np.zeros((4, 4, 2)), "frame", channels=(1, 3))
    Traceback (most recent call last):
    ...
    ValueError: frame must have 1 or 3 channels, got shape (4, 4, 2)
    >>> image(np.zeros((4, 5, 3)), "frame", like=(None, 4, 3))
    Traceback (most recent call last):
    ...
    ValueError: frame must match the model input (height, width, channels) = (None, 4, 3), got (4, 5, 3) (differs in width)
    """
    array = real_array(
        value, name, ndims=(2, 3), shape_text="(height, width) or (height, width, channels)"
    )
    if array.ndim == 3 and channels is not None and array.shape[-1] not in channels:
        expected = " or ".join(str(count) for count in channels)
        raise ValueError(f"{name} must have {expected} channels, got shape {array.shape}")
    if like is not None:
        got = array.shape if array.ndim == 3 else (*array.shape, 1)
        for size, wanted, axis in zip(got, like, ("height", "width", "channels")):
            if wanted is not None and size != wanted:
                raise ValueError(
                    f"{name} must match the model input (height, width, channels) = "
                    f"{tuple(like)}, got {array.shape} (differs in {axis})"
                )
    return array.astype(np.float32, copy=False)


def psf(value, name="psf", *, frame_shape=None, tolerance=1e-3):
    """Return a point-spread function as float64 after checking it.

    A PSF is 2-D, real, finite, non-negative, has odd sides (a centre pixel) and sums to
    one within ``tolerance`` (blurring keeps the brightness).

    Examples
    --------
    >>> psf([[0.25, 0.25], [0.25, 0.25]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: psf must have an odd height and width (a centre pixel), got shape (2, 2)
    """
    array = real_array(value, name, ndims=(2,), shape_text="(kernel height, kernel width), 2-D")
    if array.dtype.kind == "b":
        raise TypeError(f"{name} must hold real weights, got dtype bool")
    array = array.astype(np.float64)
    if array.shape[0] % 2 == 0 or array.shape[1] % 2 == 0:
        raise ValueError(
            f"{name} must have an odd height and width (a centre pixel), got shape {array.shape}"
        )
    if array.min() < 0:
        raise ValueError(f"{name} must be non-negative, got a minimum of {array.min():.4g}")
    if abs(array.sum() - 1.0) > tolerance:
        raise ValueError(
            f"{name} must sum to one (within {tolerance:g}) so that blurring keeps the "
            f"brightness, got a sum of {array.sum():.6g}; divide it by its sum"
        )
    if frame_shape is not None and (
        array.shape[0] > frame_shape[0] or array.shape[1] > frame_shape[1]
    ):
        raise ValueError(
            f"{name} must not be larger than a frame {tuple(frame_shape)}, got shape {array.shape}"
        )
    return array


def path(value, name):
    """Return ``value`` as a ``pathlib.Path``; ``None``, numbers and the like are refused.

    Examples
    --------
    >>> path("clip.mp4", "path").suffix
    '.mp4'
    >>> path(None, "path")
    Traceback (most recent call last):
    ...
    TypeError: path must be a file path (str or os.PathLike), got NoneType None
    """
    if isinstance(value, bytes):
        value = os.fsdecode(value)
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a file path (str or os.PathLike), got {_type_name(value)} "
            f"{_shown(value)}"
        )
    text = os.fspath(value)
    if not text:
        raise ValueError(f"{name} must be a file path, got an empty string")
    return pathlib.Path(text)


def allocation(shape, name, *, itemsize=4, limit=MAX_ALLOCATION_BYTES):
    """Refuse a request whose array would exceed ``limit`` bytes, before allocating it.

    Examples
    --------
    >>> allocation((10**9, 64, 64), "frames")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: frames asks for an array of shape (1000000000, 64, 64) (16384000 MB), more than ...
    """
    n_bytes = itemsize * math.prod(int(s) for s in shape)
    if n_bytes > limit:
        raise ValueError(
            f"{name} asks for an array of shape {tuple(int(s) for s in shape)} "
            f"({n_bytes / 1e6:.0f} MB), more than the {limit / 2**30:.0f} GiB this course "
            f"allows in one call; is a size too large?"
        )


def to_uint8(image, name="image", *, clip=False):
    """Convert a float image in [0, 1] (or a uint8 one) to uint8, rounding to nearest.

    The one float-to-8-bit conversion of the package. With ``clip=False`` values outside
    [0, 1] are an error; ``clip=True`` is for showing a model's raw output, where a value
    of 1.02 is expected and means white.

    Examples
    --------
    >>> import numpy as np
    >>> to_uint8(np.array([0.0, 0.5, 1.0]))
    array([  0, 128, 255], dtype=uint8)
    >>> to_uint8(np.array([1.2]), clip=True)
    array([255], dtype=uint8)
    """
    array = real_array(image, name, allow_empty=True)
    if array.dtype == np.uint8:
        return array
    if array.dtype.kind != "f":
        raise TypeError(f"{name} must hold floats in [0, 1] or uint8, got dtype {array.dtype}")
    if clip:
        array = np.clip(array, 0.0, 1.0)
    else:
        # Float rounding may take a value a hair past 1 (a blurred frame of ones).
        unit_range(array, name, tolerance=1e-6)
        array = np.clip(array, 0.0, 1.0)
    return np.floor(array * 255.0 + 0.5).astype(np.uint8)
