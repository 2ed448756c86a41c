"""Comparing a learner's answer with the expected one, in any equivalent form.

:func:`find_difference` describes the first way an answer differs, in a sentence a
learner can act on, or returns None; :func:`assert_equivalent` raises it, for custom
checkers. A tuple, a list, a NumPy array and a Keras tensor with the same items are
equivalent; so are an int and a float within the tolerance. The public names are served
by :mod:`deconv_tutor.exercises`.

Every function here touches the learner's objects, so it is written for hostile input
within bounded work: shapes and lengths are compared before any value is converted (an
answer of 10**8 items is refused with one ``len``), an int of 400 digits is described
by its size, a complex is not a real number, a long list is counted rather than shown.
What it cannot bound (a ``len`` that raises, an ``__array__`` that never returns) is
bounded by its caller, which runs it under a time limit (:mod:`deconv_tutor._time_limit`).
"""

import cmath
import inspect
import math
import numbers
import sys
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

import numpy as np

from deconv_tutor import _validation as check

__all__ = ["assert_equivalent", "find_difference"]


def _to_numpy(value):
    """A tensor (anything with ``__array__`` or ``numpy``) as an ndarray, or None.

    Keras converts its own tensors on any backend. It is used only when the
    notebook has already imported it (a Keras tensor implies that), so that
    comparing, say, a pandas Series never pays for importing TensorFlow.
    """
    to_array = getattr(value, "__array__", None)
    to_numpy = getattr(value, "numpy", None)
    if not (callable(to_array) or callable(to_numpy)):
        return None
    converters = []
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "ops"):
        converters.append(keras.ops.convert_to_numpy)
    converters += [np.asarray] if callable(to_array) else [lambda _: to_numpy()]
    for convert in converters:
        try:
            array = np.asarray(convert(value))
        except Exception:  # a symbolic KerasTensor, or a type this converter does not know
            continue
        if array.dtype != object:  # an object array just wraps what it did not understand
            return array
    return None


def _normalize(value):
    """Bring equivalent forms together: NumPy scalars, 0-d arrays, tensors, shapes."""
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return value
    if isinstance(value, (list, tuple, dict, AbstractSet)):
        return value
    if isinstance(value, range):
        return value  # a sequence; made a list only once its length is known to fit
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else value
    as_list = getattr(value, "as_list", None)
    if callable(as_list):  # tf.TensorShape, without importing TensorFlow
        try:
            return list(as_list())
        except ValueError:  # a shape of unknown rank
            return value
    array = _to_numpy(value)
    if array is not None:
        return array.item() if array.ndim == 0 else array
    return value


def _is_number(value):
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _is_real(value):
    """Real numbers only: a complex (even 62+0j) is not a length, a size or a count."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_sequence(value):
    return isinstance(value, (list, tuple, range, np.ndarray))


# Beyond this an int is described by its size, not printed (and Python refuses to print
# one of more than 4300 digits).
_LARGEST_SHOWN_INT = 10**15


def _format_number(value):
    if isinstance(value, float):
        text = format(value, ".8g")
        # Keep a float recognisable as one: 64.0, not 64.
        return text if any(mark in text for mark in ".ein") else text + ".0"
    if isinstance(value, int) and abs(value) > _LARGEST_SHOWN_INT:
        digits = int(value.bit_length() * math.log10(2)) + 1
        return f"an int of about {digits} digits"
    return repr(value)


def _close(actual, expected, rtol, atol):
    """``|actual - expected| <= atol + rtol * |expected|``, for numbers of any size."""
    try:
        return bool(np.isclose(complex(actual), complex(expected), rtol=rtol, atol=atol))
    except OverflowError:  # an int beyond the float range: only an equal int is close
        return actual == expected


def _short(value, limit=40):
    """A short, deterministic description of a value for messages."""
    value = _normalize(value)
    if isinstance(value, np.ndarray):
        return f"<array of shape {tuple(value.shape)}>"
    if _is_number(value):
        return _format_number(value)
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= limit else repr(value[: limit - 5]) + "..."
    if isinstance(value, (list, tuple)):
        if len(value) > limit // 2:  # too long to show whole, however short its items
            return f"<{type(value).__name__} of {len(value)} items>"
        inner = ", ".join(_short(item, limit) for item in value)
        text = (
            f"[{inner}]"
            if isinstance(value, list)
            else f"({inner}{',' if len(value) == 1 else ''})"
        )
        if len(text) <= limit and "<" not in text:
            return text
        return f"<{type(value).__name__} of {len(value)} items>"
    if value is None or isinstance(value, bool):
        return repr(value)
    if callable(value):
        return getattr(value, "__name__", type(value).__name__)
    return f"<{type(value).__name__}>"


def _describe(value):
    """'a str ('62')', 'a list of 3 items', 'a NumPy array of shape (4, 4)', ..."""
    value = _normalize(value)
    if value is None:
        return "None"
    if isinstance(value, bool):
        return f"a bool ({value})"
    if isinstance(value, int):
        return f"an int ({_format_number(value)})"
    if isinstance(value, complex):
        return f"a complex ({_format_number(value)})"
    if isinstance(value, float):
        return f"a float ({_format_number(value)})"
    if isinstance(value, str):
        return f"a str ({_short(value)})"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {tuple(value.shape)}"
    if isinstance(value, (list, tuple, range)):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, Mapping):
        return f"a dict with {len(value)} keys"
    if isinstance(value, AbstractSet):
        return f"a set of {len(value)} items"
    if inspect.isfunction(value) or inspect.ismethod(value) or inspect.isbuiltin(value):
        return f"a function ({value.__name__})"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"


def _expected_kind(expected):
    if isinstance(expected, bool):
        return "True or False"
    if _is_number(expected):
        return "a number"
    if isinstance(expected, str):
        return "a str"
    if isinstance(expected, Mapping):
        return "a dict"
    if isinstance(expected, AbstractSet):
        return "a set (or a list) of items"
    if isinstance(expected, np.ndarray) and expected.ndim > 1:
        return f"an array of shape {tuple(expected.shape)}"
    if _is_sequence(expected):
        return f"a sequence (tuple, list or array) of {len(expected)} items"
    return _describe(expected)


def _numeric_array(value):
    """value as a numeric ndarray (bools as ints), or None if it is not one."""
    try:
        array = np.asarray(value)
    except (ValueError, TypeError):  # ragged nesting
        return None
    if array.dtype.kind == "b":
        return array.astype(np.int8)
    if array.dtype.kind in "iufc":
        return array
    return None


def _is_nan(value):
    return isinstance(value, (float, complex)) and cmath.isnan(value)


def _declared_shape(value):
    """The ``shape`` a tensor-like object declares, as a tuple of ints, or None."""
    if not (hasattr(value, "__array__") or hasattr(value, "numpy")):
        return None
    try:
        return tuple(int(size) for size in value.shape)
    except (AttributeError, TypeError, ValueError):  # no shape, or sizes unknown
        return None


def _size_mismatch(actual, expected_shape, where):
    """A message when ``actual`` is far larger than the expected array, found cheaply.

    Compares lengths along the first items, level by level, before anything is converted:
    an answer of 10**8 items meets an expected (62, 62, 3) with one ``len``, not with a
    copy of 10**8 values. Small mismatches are left to the item-by-item comparison,
    whose messages say more.
    """
    shape_text = f"an array of shape {tuple(expected_shape)}"
    declared = actual.shape if isinstance(actual, np.ndarray) else _declared_shape(actual)
    if declared is not None and not isinstance(actual, (list, tuple, range)):
        if tuple(declared) != tuple(expected_shape) and math.prod(declared) > max(
            10, math.prod(expected_shape)
        ):
            return f"{where}: expected {shape_text} but got one of shape {tuple(declared)}."
        return None
    value, path = actual, where
    for size in expected_shape:
        if not isinstance(value, (list, tuple, range, np.ndarray)):
            return None
        length = len(value)
        if length != size and length > max(10, size):
            if len(expected_shape) == 1:
                return f"{where}: expected {size} items but got {length}."
            return f"{where}: expected {shape_text} but {path} has {length} items."
        if length == 0:
            return None
        value, path = value[0], f"{path}[0]"
    return None


def _difference(actual, expected, where, rtol, atol, reveal):
    expected = _normalize(expected)
    if _is_sequence(expected) and not isinstance(actual, (list, tuple, range)):
        expected_array = _numeric_array(expected)
        if expected_array is not None:
            too_large = _size_mismatch(actual, expected_array.shape, where)
            if too_large:
                return too_large
    actual = _normalize(actual)

    def mismatch(text_if_revealed, text_if_hidden):
        return f"{where}: {text_if_revealed if reveal else text_if_hidden}."

    if expected is None:
        if actual is None:
            return None
        return mismatch(
            f"expected None but got {_describe(actual)}",
            f"expected None but got {_describe(actual)}",
        )
    if isinstance(expected, bool):
        if not isinstance(actual, bool):
            return f"{where}: expected True or False but got {_describe(actual)}."
        if actual != expected:
            return mismatch(f"expected {expected} but got {actual}", f"{actual} is not right")
        return None
    if _is_number(expected):
        if not _is_number(actual):
            return f"{where}: expected a number but got {_describe(actual)}."
        if _is_real(expected) and not _is_real(actual):
            return f"{where}: expected a real number but got {_describe(actual)}."
        if _is_nan(expected) and _is_nan(actual):
            return None
        if not _close(actual, expected, rtol, atol):
            return mismatch(
                f"expected {_format_number(expected)} but got {_format_number(actual)}",
                f"{_format_number(actual)} is not the expected value",
            )
        return None
    if isinstance(expected, str):
        if not isinstance(actual, str):
            return f"{where}: expected a str but got {_describe(actual)}."
        # Case and surrounding spaces carry no meaning in the course's text answers.
        if actual.strip().casefold() != expected.strip().casefold():
            return mismatch(
                f"expected {expected!r} but got {actual!r}",
                f"{actual!r} is not the expected answer",
            )
        return None
    if isinstance(expected, Mapping):
        return _mapping_difference(actual, expected, where, rtol, atol, reveal)
    if isinstance(expected, AbstractSet):
        return _set_difference(actual, expected, where, reveal)
    if _is_sequence(expected):
        return _sequence_difference(actual, expected, where, rtol, atol, reveal)
    try:
        equal = bool(actual == expected)
    except Exception:  # objects whose == raises or is ambiguous
        equal = False
    if not equal:
        return mismatch(
            f"expected {_short(expected)} but got {_describe(actual)}",
            f"{_describe(actual)} is not the expected answer",
        )
    return None


def _mapping_difference(actual, expected, where, rtol, atol, reveal):
    if not isinstance(actual, Mapping):
        return f"{where}: expected a dict but got {_describe(actual)}."
    missing = [key for key in expected if key not in actual]
    if missing:
        return f"{where}: the key {missing[0]!r} is missing."
    extra = [key for key in actual if key not in expected]
    if extra:
        return f"{where}: the key {extra[0]!r} was not expected."
    for key in expected:
        difference = _difference(
            actual[key], expected[key], f"{where}[{key!r}]", rtol, atol, reveal
        )
        if difference:
            return difference
    return None


def _set_difference(actual, expected, where, reveal):
    if not isinstance(actual, (AbstractSet, list, tuple, np.ndarray)):
        return f"{where}: expected a set (or a list) of items but got {_describe(actual)}."
    if len(actual) > 4 * len(expected) + 10:  # repeats allowed, but not without bound
        return f"{where}: expected {len(expected)} items but got {len(actual)}."
    if isinstance(actual, np.ndarray):
        actual = actual.tolist()
    try:
        actual_set = {_normalize(item) for item in actual}
        expected_set = {_normalize(item) for item in expected}
    except TypeError:  # unhashable items
        return f"{where}: expected a set of plain values but got unhashable items."
    missing = sorted(expected_set - actual_set, key=repr)
    extra = sorted(actual_set - expected_set, key=repr)
    if extra:
        return f"{where}: {_short(extra[0])} should not be there."
    if missing:
        if reveal:
            return f"{where}: {_short(missing[0])} is missing."
        return f"{where}: {len(missing)} item(s) are missing."
    return None


def _short_flat(value):
    """value as a list if it is a short flat vector (a shape, strides, a padding), else None."""
    if len(value) > 10 or (isinstance(value, np.ndarray) and value.ndim != 1):
        return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    items = [_normalize(item) for item in value]
    if all(item is None or isinstance(item, (numbers.Number, str)) for item in items):
        return value
    return None


def _sequence_difference(actual, expected, where, rtol, atol, reveal):
    if not _is_sequence(actual):
        return f"{where}: expected {_expected_kind(expected)} but got {_describe(actual)}."
    expected_array = _numeric_array(expected)
    if expected_array is not None:
        too_large = _size_mismatch(actual, expected_array.shape, where)
        if too_large:
            return too_large
    actual = list(actual) if isinstance(actual, range) else actual
    expected = list(expected) if isinstance(expected, range) else expected
    flat_expected, flat_actual = _short_flat(expected), _short_flat(actual)
    if reveal and flat_expected is not None and flat_actual is not None:
        # Shapes, strides and paddings read best whole, in the form each side used.
        differs = len(flat_actual) != len(flat_expected) or any(
            _difference(a, e, where, rtol, atol, reveal) for a, e in zip(flat_actual, flat_expected)
        )
        if differs:
            return (
                f"{where}: expected {_short(flat_expected, 80)} but got {_short(flat_actual, 80)}."
            )
        return None
    actual_array = _numeric_array(actual) if expected_array is not None else None
    both_numeric = expected_array is not None and actual_array is not None
    if both_numeric and actual_array.dtype.kind == "c" and expected_array.dtype.kind != "c":
        return f"{where}: expected real numbers but got complex ones."
    if both_numeric and (isinstance(expected, np.ndarray) or expected_array.ndim == 1):
        return _array_difference(actual_array, expected_array, where, rtol, atol, reveal)
    if (
        both_numeric
        and expected_array.shape == actual_array.shape
        and np.isclose(actual_array, expected_array, rtol=rtol, atol=atol, equal_nan=True).all()
    ):
        return None
    # Nested Python sequences (a list of shapes), None in a shape, strings,
    # ragged nesting: item by item, so that the message points at the item.
    if len(actual) != len(expected):
        return f"{where}: expected {len(expected)} items but got {len(actual)}."
    for index, (actual_item, expected_item) in enumerate(zip(actual, expected)):
        difference = _difference(
            actual_item, expected_item, f"{where}[{index}]", rtol, atol, reveal
        )
        if difference:
            return difference
    return None


def _array_difference(actual, expected, where, rtol, atol, reveal):
    if actual.shape != expected.shape:
        if actual.ndim == 1 and expected.ndim == 1:
            return f"{where}: expected {expected.size} items but got {actual.size}."
        return (
            f"{where}: expected an array of shape {tuple(expected.shape)} "
            f"but got one of shape {tuple(actual.shape)}."
        )
    close = np.isclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    first = tuple(int(i) for i in np.argwhere(~close)[0])
    index = first[0] if len(first) == 1 else first
    got = _format_number(actual[first].item())
    detail = (
        f"expected {_format_number(expected[first].item())} but got {got}"
        if reveal
        else f"got {got}"
    )
    wrong = int((~close).sum())
    return (
        f"{where}: {wrong} of {expected.size} values differ (rtol={rtol:g}, atol={atol:g}); "
        f"the first at index {index}: {detail}."
    )


def find_difference(actual, expected, *, rtol=1e-5, atol=1e-6, name="your answer", reveal=True):
    """Describe the first way ``actual`` differs from ``expected``, or return None.

    Equivalent forms count as equal: a tuple, a list, a NumPy array or a Keras
    tensor with the same items; an int and a float within the tolerance; a
    ``TensorShape`` and a tuple (``None`` for an unknown size). Numbers are
    close when ``|actual - expected| <= atol + rtol * |expected|``. Strings
    are compared without case and surrounding spaces. Dicts need the same
    keys; a set as ``expected`` accepts any sequence of the same items, in
    any order. ``True``/``False`` are not numbers here: a question answered
    with True wants True, not 1.

    Parameters
    ----------
    actual : object
        The learner's answer.
    expected : object
        The expected answer.
    rtol, atol : float, optional
        Relative and absolute tolerance for numbers and arrays.
    name : str, optional
        How the message names the answer, e.g. ``"`output_width`"``.
    reveal : bool, optional
        If False, messages do not show expected values (for assignments).

    Returns
    -------
    str or None
        A learner-facing sentence, or None when the answers are equivalent.

    Raises
    ------
    TypeError, ValueError
        For a tolerance that is not a non-negative number. Anything about ``actual`` is
        a difference to describe, not an error; but ``actual`` is the learner's object,
        and its methods (``len``, ``__array__``) may raise or never return: call this
        under a time limit, as :class:`~deconv_tutor.exercises.Exercise` does.

    Examples
    --------
    >>> print(find_difference([64, 64.0, 3], (64, 64, 3)))
    None
    >>> print(find_difference((62, 62, 3), (64, 64, 3), name="`shape`"))
    `shape`: expected (64, 64, 3) but got (62, 62, 3).
    >>> print(find_difference("62", 62, name="`width`"))
    `width`: expected a number but got a str ('62').
    >>> print(find_difference([[1.0, 0.5], [0.0, 1.0]], np.eye(2)))
    your answer: 1 of 4 values differ (rtol=1e-05, atol=1e-06); the first at index (0, 1): expected 0.0 but got 0.5.
    >>> print(find_difference((None, 16, 16, 3), [None, 16, 16, 3]))
    None
    """
    rtol = check.number(rtol, "rtol", minimum=0, what="a non-negative number")
    atol = check.number(atol, "atol", minimum=0, what="a non-negative number")
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__} {name!r:.80}")
    reveal = check.boolean(reveal, "reveal")
    return _difference(actual, expected, name, rtol, atol, reveal)


def assert_equivalent(actual, expected, *, rtol=1e-5, atol=1e-6, name="your answer", reveal=True):
    """Raise AssertionError with a learner-facing message unless the answers are equivalent.

    The building block of custom checkers: same rules as :func:`find_difference`.

    Parameters
    ----------
    actual : object
        The learner's answer.
    expected : object
        The expected answer.
    rtol, atol : float, optional
        Relative and absolute tolerance for numbers and arrays.
    name : str, optional
        How the message names the answer.
    reveal : bool, optional
        If False, the message does not show expected values.

    Raises
    ------
    AssertionError
        With the message of :func:`find_difference` when they differ.

    Examples
    --------
    >>> assert_equivalent((2, 2), [2.0, 2.0])
    >>> assert_equivalent((3, 3), (2, 2), name="the output shape")
    Traceback (most recent call last):
    ...
    AssertionError: the output shape: expected (2, 2) but got (3, 3).
    """
    difference = find_difference(actual, expected, rtol=rtol, atol=atol, name=name, reveal=reveal)
    if difference is not None:
        raise AssertionError(difference)
