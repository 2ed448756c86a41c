"""Check, hint and solution objects for the exercises at the end of each chapter.

In the spirit of Kaggle's ``learntools``: one :class:`Exercise` per question,
with three methods a learner calls from a notebook cell:

* ``q1.check()`` reads the learner's answer (by name, from the notebook's
  variables), checks it and shows a :class:`Verdict`: correct; incorrect,
  saying what differed; not attempted yet; an error raised by the learner's
  code; or a time-out. It never raises on a learner's mistake, so the
  notebook keeps running.
* ``q1.hint()`` shows hint 1, then hint 2 on the next call, and so on; after
  the last hint it repeats the last one. ``q1.hint(2)`` shows hint 2.
* ``q1.solution()`` shows the solution.

Answers are compared with a tolerance and in any equivalent form: a tuple, a
list, a NumPy array or a Keras tensor; an int or a float; a ``TensorShape``;
nested sequences and dicts (see :func:`find_difference`).

How a chapter defines its exercises
-----------------------------------
A chapter builds an :class:`ExerciseSet` (in a hidden setup cell, or in a
small module the notebook imports). The learner fills in a variable that
starts as the placeholder ``____`` and runs the check:

>>> from deconv_tutor.exercises import Case, Exercise, ExerciseSet, ____
>>> chapter = ExerciseSet("01 convolution")
>>> q1 = chapter.add(Exercise(
...     "q1", answer_name="output_width", expected=62,
...     hints=["A 3-wide kernel fits in fewer places than the 64 pixels.",
...            "Count the positions of its left edge: 0, 1, ..., ?"],
...     solution="output_width = 64 - 3 + 1"))
>>> q2 = chapter.add(Exercise(
...     "q2", answer_name="conv_size", cases=[(64, 3), (64, 5), Case(7, kernel=3)],
...     expected=lambda size, kernel: size - kernel + 1,
...     solution="def conv_size(size, kernel):\\n    return size - kernel + 1"))
>>> output_width = ____                   # what the learner starts from
>>> _ = q1.check()
Not attempted yet: `output_width` is still ____: replace it with your answer, then check again.
>>> output_width = 64                     # a first try
>>> _ = q1.check()
Incorrect: `output_width`: expected 62 but got 64.
>>> _ = q1.hint()
Hint 1 of 2: A 3-wide kernel fits in fewer places than the 64 pixels.
>>> output_width = 62.0                   # a float is fine
>>> _ = q1.check()
Correct: `output_width` has the expected value.
>>> def conv_size(size, kernel):
...     return size - kernel + 1
>>> _ = chapter.check_all()
01 convolution: 2 of 2 correct
  q1  correct
  q2  correct

In a notebook the last line of a cell is just ``q1.check()``: the verdict is
shown once, as a green, red or grey box, with the same plain text underneath
(the text is what nbval compares, so it holds no addresses and no timings).
Outside IPython the verdict is printed. Either way ``check`` returns the
:class:`Verdict`, which is true only when the answer is correct, so an
autograded test cell can say ``assert q1.check()`` or
``q1.check().assert_correct()``.

Learner functions and time limits
---------------------------------
When an exercise has ``cases``, the answer is a function: ``check`` calls it
on each case and compares the result with ``expected`` (a reference function
called on the same arguments, or one expected result per case). Each call
runs in a worker thread and the check waits at most ``time_limit`` seconds.

Why a thread and not ``signal.alarm``: an alarm works only on the main
thread and only on POSIX (not on Windows), it fires only between Python
bytecodes (not inside a long NumPy or TensorFlow call), and it clashes with
anything else that uses ``SIGALRM`` (pytest-timeout does, by default). A
thread works everywhere and the notebook gets control back on time, whatever
the learner's code is doing. The cost: Python cannot kill a thread. On
CPython the check asks the runaway thread to stop by raising an exception in
it (``PyThreadState_SetAsyncExc``); that stops a pure-Python loop at once,
but code stuck inside one long C call (``time.sleep``, a huge matrix product)
keeps running in the background until that call returns. The thread is a
daemon, so it never keeps Python from exiting. Keras keeps some settings per
thread (the dtype policy of mixed precision, the global seed, layer-name
counters); the worker starts with a copy of the calling thread's settings so
that the learner's code behaves as if it ran in the notebook. Pass
``time_limit=None`` to run the learner's code directly, without a limit.
"""

import contextlib
import contextvars
import ctypes
import html
import inspect
import io
import math
import numbers
import re
import sys
import threading
from collections import ChainMap
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

import numpy as np

__all__ = [
    "STATUSES",
    "Case",
    "Exercise",
    "ExerciseSet",
    "Hint",
    "Report",
    "Solution",
    "Verdict",
    "____",
    "assert_equivalent",
    "find_difference",
    "self_test",
]

STATUSES = ("correct", "incorrect", "not_attempted", "error", "timeout")

_TITLES = {
    "correct": "Correct",
    "incorrect": "Incorrect",
    "not_attempted": "Not attempted yet",
    "error": "Error",
    "timeout": "Time limit exceeded",
}
_REPORT_LABELS = {
    "correct": "correct",
    "incorrect": "incorrect",
    "not_attempted": "not attempted yet",
    "error": "error",
    "timeout": "time limit exceeded",
}
# (border, background) of the HTML boxes.
_COLOURS = {
    "correct": ("#2e7d32", "#e8f5e9"),
    "incorrect": ("#c62828", "#ffebee"),
    "error": ("#c62828", "#ffebee"),
    "timeout": ("#c62828", "#ffebee"),
    "not_attempted": ("#757575", "#f5f5f5"),
    "hint": ("#1565c0", "#e3f2fd"),
    "solution": ("#455a64", "#eceff1"),
}


# --------------------------------------------------------------------------
# The placeholder a learner replaces, and the "no argument given" marker.
# --------------------------------------------------------------------------


class _Placeholder:
    """The blank ``____`` in an exercise template: an answer not given yet."""

    _instance = None

    def __new__(cls):
        # One object only, so that ``answer is ____`` works everywhere.
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self):
        return "____"

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        return (_Placeholder, ())


____ = _Placeholder()

_MISSING = object()


# --------------------------------------------------------------------------
# Cards: what check / hint / solution show. One display mechanism for all.
# --------------------------------------------------------------------------


def _ipython_shell():
    """The running IPython shell, or None (IPython is never imported here)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        return ipython.get_ipython()
    except Exception:  # a half-initialised IPython must not break a check
        return None


def _inline_html(text):
    """Escape text for HTML and show `code` spans in a code font."""
    escaped = html.escape(text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)


class _Card:
    """Base of Verdict, Hint and Solution: plain text plus a coloured box.

    ``show`` displays the card (IPython) or prints it (anywhere else) and
    remembers the cell it was shown in; when the same card is then the value
    of that cell's last line, IPython calls ``_ipython_display_`` and the card
    stays silent, so ``q1.check()`` shows one box, not two.
    """

    _colour_key = "hint"
    _shown_in_cell = None

    def _title(self):
        raise TypeError(f"{type(self).__name__} must define _title")

    def _body(self):
        raise TypeError(f"{type(self).__name__} must define _body")

    def _body_is_code(self):
        return False

    def __str__(self):
        body = self._body()
        separator = "\n" if self._body_is_code() else " "
        return f"{self._title()}:{separator}{body}"

    def _repr_html_(self):
        border, background = _COLOURS[self._colour_key]
        if self._body_is_code():
            body = f'<pre style="margin: 0.4em 0 0 0;">{html.escape(self._body())}</pre>'
        else:
            body = " " + _inline_html(self._body())
        return (
            f'<div style="border-left: 6px solid {border}; background: {background}; '
            f'color: #212121; padding: 0.5em 1em; margin: 0.3em 0; white-space: pre-wrap;">'
            f"<strong>{html.escape(self._title())}:</strong>{body}</div>"
        )

    def _publish(self):
        from IPython.display import display

        display({"text/plain": str(self), "text/html": self._repr_html_()}, raw=True)

    def show(self):
        """Display this card now (printed outside IPython); return it."""
        shell = _ipython_shell()
        if shell is None:
            print(str(self))
            return self
        self._publish()
        self._shown_in_cell = getattr(shell, "execution_count", None)
        return self

    def _ipython_display_(self):
        shell = _ipython_shell()
        cell = getattr(shell, "execution_count", None)
        if self._shown_in_cell is not None and self._shown_in_cell == cell:
            # Already shown by check()/hint()/solution() in this very cell.
            self._shown_in_cell = None
            return
        self._publish()


class Verdict(_Card):
    """The outcome of one check.

    Parameters
    ----------
    status : str
        One of :data:`STATUSES`: ``"correct"``, ``"incorrect"``,
        ``"not_attempted"``, ``"error"`` (the learner's code raised) or
        ``"timeout"``.
    message : str
        What to tell the learner, one or two sentences.
    exercise : str, optional
        Name of the exercise, for reports.
    exception : BaseException, optional
        The exception the learner's code raised (status ``"error"``), kept
        for debugging; it is not part of the text.

    Notes
    -----
    ``bool(verdict)`` is true only when the status is ``"correct"``. ``str``
    gives deterministic plain text, ``_repr_html_`` a green (correct), red
    (incorrect, error, time-out) or grey (not attempted) box.

    Examples
    --------
    >>> verdict = Verdict("incorrect", "`x`: expected 2 but got 3.", exercise="q1")
    >>> bool(verdict), verdict.status
    (False, 'incorrect')
    >>> print(verdict)
    Incorrect: `x`: expected 2 but got 3.
    >>> verdict
    Verdict(status='incorrect', message='`x`: expected 2 but got 3.', exercise='q1')
    >>> bool(Verdict("correct", "Well done."))
    True
    """

    def __init__(self, status, message, exercise="", exception=None):
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        if not isinstance(message, str):
            raise TypeError(f"message must be a str, got {type(message).__name__}")
        self.status = status
        self.message = message
        self.exercise = exercise
        self.exception = exception
        self._colour_key = status

    def __bool__(self):
        return self.status == "correct"

    def __repr__(self):
        return (
            f"Verdict(status={self.status!r}, message={self.message!r}, exercise={self.exercise!r})"
        )

    def _title(self):
        return _TITLES[self.status]

    def _body(self):
        return self.message

    def assert_correct(self):
        """Raise AssertionError with the verdict's text unless it is correct.

        For autograded (nbgrader) test cells, where a failing assertion is
        what marks the answer wrong.

        Examples
        --------
        >>> Verdict("correct", "Well done.").assert_correct()
        >>> Verdict("incorrect", "`x`: expected 2 but got 3.").assert_correct()
        Traceback (most recent call last):
        ...
        AssertionError: Incorrect: `x`: expected 2 but got 3.
        """
        if not self:
            raise AssertionError(str(self))


class Hint(_Card):
    """One hint of an exercise: ``number`` of ``total``, and its ``text``.

    Examples
    --------
    >>> print(Hint("Count the positions.", number=1, total=2))
    Hint 1 of 2: Count the positions.
    >>> print(Hint("", number=0, total=0))
    Hint: There are no hints for this exercise.
    """

    _colour_key = "hint"

    def __init__(self, text, number, total):
        self.text = text
        self.number = number
        self.total = total

    def __repr__(self):
        return f"Hint(number={self.number}, total={self.total}, text={self.text!r})"

    def _title(self):
        if self.total == 0:
            return "Hint"
        return f"Hint {self.number} of {self.total}"

    def _body(self):
        if self.total == 0:
            return "There are no hints for this exercise."
        return self.text


class Solution(_Card):
    """The solution of an exercise, shown as code.

    Examples
    --------
    >>> print(Solution("output_width = 64 - 3 + 1"))
    Solution:
    output_width = 64 - 3 + 1
    """

    _colour_key = "solution"

    def __init__(self, text):
        self.text = text

    def __repr__(self):
        return f"Solution(text={self.text!r})"

    def _title(self):
        return "Solution"

    def _body(self):
        return self.text if self.text else "There is no written solution for this exercise."

    def _body_is_code(self):
        return bool(self.text)


class Report(_Card):
    """The verdicts of every exercise in an :class:`ExerciseSet`.

    ``verdicts`` maps exercise names to :class:`Verdict`; ``correct`` and
    ``total`` count them; ``bool(report)`` is true when all are correct.

    Examples
    --------
    >>> report = Report("Chapter 1", {"q1": Verdict("correct", "ok"),
    ...                               "q2": Verdict("not_attempted", "no answer")})
    >>> report.correct, report.total, bool(report)
    (1, 2, False)
    >>> print(report)
    Chapter 1: 1 of 2 correct
      q1  correct
      q2  not attempted yet
    """

    def __init__(self, title, verdicts):
        self.title = title
        self.verdicts = dict(verdicts)
        self.total = len(self.verdicts)
        self.correct = sum(1 for verdict in self.verdicts.values() if verdict)
        self._colour_key = "correct" if self.correct == self.total else "not_attempted"

    def __bool__(self):
        return self.correct == self.total

    def __repr__(self):
        return f"Report(title={self.title!r}, correct={self.correct}, total={self.total})"

    def _title(self):
        return f"{self.title}: {self.correct} of {self.total} correct"

    def _lines(self):
        width = max((len(name) for name in self.verdicts), default=0)
        return [
            f"  {name.ljust(width)}  {_REPORT_LABELS[verdict.status]}"
            for name, verdict in self.verdicts.items()
        ]

    def __str__(self):
        return "\n".join([self._title(), *self._lines()])

    def _repr_html_(self):
        border, background = _COLOURS[self._colour_key]
        rows = "".join(
            f'<tr><td style="padding: 0 1em 0 0;">{html.escape(name)}</td>'
            f'<td style="color: {_COLOURS[verdict.status][0]};">'
            f"{html.escape(_REPORT_LABELS[verdict.status])}</td></tr>"
            for name, verdict in self.verdicts.items()
        )
        return (
            f'<div style="border-left: 6px solid {border}; background: {background}; '
            f'color: #212121; padding: 0.5em 1em; margin: 0.3em 0;">'
            f"<strong>{html.escape(self._title())}</strong><table>{rows}</table></div>"
        )


# --------------------------------------------------------------------------
# Comparing an answer with the expected value, in any equivalent form.
# --------------------------------------------------------------------------


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
        return list(value)
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


def _is_sequence(value):
    return isinstance(value, (list, tuple, np.ndarray))


def _format_number(value):
    if isinstance(value, float):
        text = format(value, ".8g")
        # Keep a float recognisable as one: 64.0, not 64.
        return text if any(mark in text for mark in ".ein") else text + ".0"
    return repr(value)


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
        return f"an int ({value})"
    if isinstance(value, float):
        return f"a float ({_format_number(value)})"
    if isinstance(value, str):
        return f"a str ({_short(value)})"
    if isinstance(value, np.ndarray):
        return f"a NumPy array of shape {tuple(value.shape)}"
    if isinstance(value, (list, tuple)):
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


def _difference(actual, expected, where, rtol, atol, reveal):
    actual = _normalize(actual)
    expected = _normalize(expected)

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
        if math.isnan(abs(expected)) and math.isnan(abs(actual)):
            return None
        if not bool(np.isclose(actual, expected, rtol=rtol, atol=atol)):
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
    if isinstance(actual, np.ndarray):
        actual = actual.tolist()
    if not isinstance(actual, (AbstractSet, list, tuple)):
        return f"{where}: expected a set (or a list) of items but got {_describe(actual)}."
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
    if isinstance(value, np.ndarray):
        if value.ndim != 1:
            return None
        value = value.tolist()
    if len(value) > 10:
        return None
    items = [_normalize(item) for item in value]
    if all(item is None or isinstance(item, (numbers.Number, str)) for item in items):
        return value
    return None


def _sequence_difference(actual, expected, where, rtol, atol, reveal):
    if not _is_sequence(actual):
        return f"{where}: expected {_expected_kind(expected)} but got {_describe(actual)}."
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
    expected_array = _numeric_array(expected)
    actual_array = _numeric_array(actual) if expected_array is not None else None
    both_numeric = expected_array is not None and actual_array is not None
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
    for parameter, value in (("rtol", rtol), ("atol", atol)):
        if not _is_number(value) or not value >= 0:
            raise ValueError(f"{parameter} must be a non-negative number, got {value!r}")
    return _difference(actual, expected, name, float(rtol), float(atol), reveal)


def assert_equivalent(actual, expected, *, rtol=1e-5, atol=1e-6, name="your answer", reveal=True):
    """Raise AssertionError with a learner-facing message unless the answers are equivalent.

    The building block of custom checkers: same rules as :func:`find_difference`.

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


# --------------------------------------------------------------------------
# Running learner code with a time limit (see the module docstring for why a
# thread).
# --------------------------------------------------------------------------


class _TimeLimitStop(BaseException):
    """Raised inside a learner call that ran past its time limit.

    A BaseException, like KeyboardInterrupt, so that the learner's own
    ``except Exception`` does not swallow it.
    """


def _keras_thread_settings():
    """Copy of Keras' per-thread settings, if Keras is loaded (else None)."""
    module = sys.modules.get("keras.src.backend.common.global_state")
    if module is None:
        return None
    try:
        return [
            (tracker, dict(vars(getattr(module, tracker))))
            for tracker in ("GLOBAL_STATE_TRACKER", "GLOBAL_SETTINGS_TRACKER")
        ]
    except (AttributeError, TypeError):  # a Keras version that keeps them elsewhere
        return None


def _apply_keras_thread_settings(settings):
    module = sys.modules.get("keras.src.backend.common.global_state")
    if settings is None or module is None:
        return
    for tracker, attributes in settings:
        for key, value in attributes.items():
            setattr(getattr(module, tracker), key, value)


def _stop_thread(thread):
    """Ask a CPython thread to stop by raising _TimeLimitStop in it."""
    pythonapi = getattr(ctypes, "pythonapi", None)
    if pythonapi is None or thread.ident is None:
        return
    thread_id = ctypes.c_ulong(thread.ident)
    modified = pythonapi.PyThreadState_SetAsyncExc(thread_id, ctypes.py_object(_TimeLimitStop))
    if modified > 1:  # cannot happen for a live ident; undo rather than hit others
        pythonapi.PyThreadState_SetAsyncExc(thread_id, None)


def _run_limited(function, args, kwargs, time_limit):
    """Call function(*args, **kwargs); return ("ok", value), ("error", exc) or ("timeout", None)."""
    if time_limit is None:
        try:
            return "ok", function(*args, **kwargs)
        except (Exception, SystemExit) as exc:
            return "error", exc

    lock = threading.Lock()
    state = {"outcome": None}
    context = contextvars.copy_context()
    keras_settings = _keras_thread_settings()

    def target():
        try:
            _apply_keras_thread_settings(keras_settings)
            try:
                outcome = ("ok", context.run(function, *args, **kwargs))
            except _TimeLimitStop:
                raise
            except BaseException as exc:  # SystemExit, KeyboardInterrupt raised by hand
                outcome = ("error", exc)
            with lock:
                state["outcome"] = outcome
        except _TimeLimitStop:
            pass

    worker = threading.Thread(target=target, name="deconv_tutor-exercise-check", daemon=True)
    worker.start()
    try:
        worker.join(time_limit)
    except BaseException:  # the learner pressed "interrupt": stop the worker too
        _stop_thread(worker)
        raise
    with lock:
        # Under the lock: a worker that has stored its outcome is never stopped,
        # so a late _TimeLimitStop cannot fly out of the thread machinery.
        if state["outcome"] is None:
            _stop_thread(worker)
            return "timeout", None
        return state["outcome"]


# --------------------------------------------------------------------------
# Exercises.
# --------------------------------------------------------------------------


class Case:
    """Arguments for one call of a learner's function: ``Case(64, kernel=3)``.

    In ``Exercise(cases=...)`` a plain tuple means positional arguments and
    any other value a single argument; use ``Case`` for keyword arguments or
    for a single tuple argument.

    Examples
    --------
    >>> case = Case(64, 3, stride=2)
    >>> case.args, case.kwargs
    ((64, 3), {'stride': 2})
    >>> case.describe("conv_size")
    'conv_size(64, 3, stride=2)'
    """

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs

    def describe(self, function_name):
        """The call as text, e.g. ``'conv_size(64, 3, stride=2)'``."""
        parts = [_short(arg) for arg in self.args]
        parts += [f"{key}={_short(value)}" for key, value in self.kwargs.items()]
        return f"{function_name}({', '.join(parts)})"

    def __repr__(self):
        return self.describe("Case")


def _as_case(case):
    if isinstance(case, Case):
        return case
    if isinstance(case, tuple):
        return Case(*case)
    return Case(case)


def _contains_placeholder(value, depth=0):
    if value is ____:
        return True
    if depth > 20:
        return False
    if isinstance(value, (list, tuple, AbstractSet)):
        return any(_contains_placeholder(item, depth + 1) for item in value)
    if isinstance(value, Mapping):
        return any(_contains_placeholder(item, depth + 1) for item in value.values())
    return False


def _copy_arguments(case):
    """Deep copies, so a learner's function that edits its input cannot change the next check."""
    import copy

    try:
        return copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
    except Exception:  # tensors or models that cannot be copied: pass them as they are
        return case.args, case.kwargs


def _caller_namespace(frame):
    """The variables a learner sees where check() was called: locals, then globals."""
    try:
        return ChainMap(dict(frame.f_locals), frame.f_globals)
    finally:
        del frame


class Exercise:
    """One question: check the learner's answer, give hints, show the solution.

    Parameters
    ----------
    name : str
        Short name shown in reports, e.g. ``"q1"``.
    answer_name : str, optional
        Variable the learner assigns the answer to; ``check()`` without an
        argument reads it from the caller's variables. If None, the learner
        passes the answer: ``q1.check(my_answer)``.
    expected : object or callable, optional
        Without ``cases``: the expected value, or a callable without
        arguments that computes it (called once, at the first check).
        With ``cases``: a reference function called with each case's
        arguments, or a sequence of expected results, one per case.
    checker : callable, optional
        ``checker(value) -> None`` that raises ``AssertionError(message)``
        with a learner-facing message when something is wrong (see
        :func:`assert_equivalent`). ``value`` is the answer, or with
        ``cases`` the result of each call. Runs after the comparison with
        ``expected``, under the time limit (it may call the learner's code).
    hints : sequence of str, optional
        Hints from gentle to explicit.
    solution : str, optional
        The solution, usually code.
    cases : sequence, optional
        Makes this a function exercise: the answer must be callable and is
        called once per case. A case is a :class:`Case`, a tuple of
        positional arguments, or a single argument.
    rtol, atol : float, optional
        Tolerance of the comparison with ``expected``.
    time_limit : float or None, optional
        Seconds allowed for each call of the learner's function (and each
        run of ``checker``); None for no limit.
    reveal : bool, optional
        Whether incorrect verdicts may show expected values; False for
        graded assignments.

    Raises
    ------
    ValueError, TypeError
        When the exercise itself is badly defined (these are the author's
        mistakes, not the learner's).

    Examples
    --------
    A value computed lazily, accepted as a nested list:

    >>> import numpy as np
    >>> q3 = Exercise("q3", answer_name="kernel", expected=lambda: np.arange(6).reshape(3, 2))
    >>> _ = q3.check(np.arange(6).reshape(2, 3))
    Incorrect: `kernel`: expected an array of shape (3, 2) but got one of shape (2, 3).
    >>> _ = q3.check([[0, 1], [2, 3], [4, 5]])
    Correct: `kernel` has the expected value.

    A custom check, with no single right answer:

    >>> def centred(kernel):
    ...     if np.ndim(kernel) != 2 or np.shape(kernel)[0] % 2 == 0:
    ...         raise AssertionError("a centred kernel needs an odd number of rows.")
    >>> q5 = Exercise("q5", answer_name="kernel", checker=centred)
    >>> _ = q5.check(np.ones((2, 2)))
    Incorrect: A centred kernel needs an odd number of rows.
    >>> _ = q5.check(np.ones((3, 3)))
    Correct: `kernel` passes every check.

    A function, checked on several inputs against a reference:

    >>> q4 = Exercise("q4", answer_name="double", cases=[1, 2.5, Case(x=-3)],
    ...               expected=lambda x: 2 * x, time_limit=1.0)
    >>> _ = q4.check(lambda x: x + x)
    Correct: `double` gives the expected result in all 3 test cases.
    >>> _ = q4.check(lambda x: 1 / (x - 1))
    Error: double(1) raised ZeroDivisionError: division by zero
    """

    def __init__(
        self,
        name,
        answer_name=None,
        expected=None,
        checker=None,
        hints=(),
        solution="",
        *,
        cases=None,
        rtol=1e-5,
        atol=1e-6,
        time_limit=10.0,
        reveal=True,
    ):
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name must be a non-empty str, got {name!r}")
        if answer_name is not None and (
            not isinstance(answer_name, str) or not answer_name.isidentifier()
        ):
            raise ValueError(
                f"answer_name must be a Python variable name or None, got {answer_name!r}"
            )
        if checker is not None and not callable(checker):
            raise TypeError(f"checker must be callable or None, got {type(checker).__name__}")
        if isinstance(hints, str) or not all(isinstance(hint, str) for hint in hints):
            raise TypeError(
                f"hints must be a sequence of str (wrap a single hint in a list), got {hints!r}"
            )
        if not isinstance(solution, str):
            raise TypeError(f"solution must be a str, got {type(solution).__name__}")
        for parameter, value in (("rtol", rtol), ("atol", atol)):
            if not _is_number(value) or not value >= 0:
                raise ValueError(f"{parameter} must be a non-negative number, got {value!r}")
        if time_limit is not None and (not _is_number(time_limit) or not time_limit > 0):
            raise ValueError(
                f"time_limit must be a positive number of seconds or None, got {time_limit!r}"
            )
        if cases is not None:
            if isinstance(cases, (str, bytes)) or not hasattr(cases, "__len__") or len(cases) == 0:
                raise ValueError(f"cases must be a non-empty sequence of test cases, got {cases!r}")
            cases = [_as_case(case) for case in cases]
            one_per_case = hasattr(expected, "__len__") and len(expected) == len(cases)
            if expected is not None and not callable(expected) and not one_per_case:
                raise ValueError(
                    "expected must be a reference function or one result per case "
                    f"({len(cases)} cases), got {_describe(expected)}"
                )
        if expected is None and checker is None:
            raise ValueError(f"exercise {name!r} needs expected, checker or both; got neither")

        self.name = name
        self.answer_name = answer_name
        self.checker = checker
        self.hints = tuple(hints)
        self.solution_text = solution
        self.cases = None if cases is None else tuple(cases)
        self.rtol = float(rtol)
        self.atol = float(atol)
        self.time_limit = None if time_limit is None else float(time_limit)
        self.reveal = bool(reveal)
        self._expected = expected
        self._expected_cache = {}
        self._hints_shown = 0

    def __repr__(self):
        kind = "function" if self.cases is not None else "value"
        return f"Exercise({self.name!r}, answer_name={self.answer_name!r}, kind={kind!r})"

    # -- the three methods a learner calls ---------------------------------

    def check(self, answer=_MISSING, namespace=None):
        """Check the learner's answer and show the verdict.

        Parameters
        ----------
        answer : object, optional
            The answer. If omitted, it is read by ``answer_name`` from
            ``namespace``, or else from the variables of the code that
            called ``check`` (the notebook's).
        namespace : mapping, optional
            Where to look the answer up instead of the caller's variables.

        Returns
        -------
        Verdict
            Also shown (displayed in IPython, printed elsewhere). A mistake
            in the learner's answer or code never raises.

        Examples
        --------
        >>> q1 = Exercise("q1", answer_name="stride", expected=2)
        >>> _ = q1.check(namespace={})
        Not attempted yet: `stride` is not defined yet: assign your answer to it, then check again.
        >>> stride = 2
        >>> _ = q1.check()
        Correct: `stride` has the expected value.
        """
        if answer is _MISSING and namespace is None:
            namespace = _caller_namespace(inspect.currentframe().f_back)
        return self.evaluate(answer, namespace).show()

    def evaluate(self, answer=_MISSING, namespace=None):
        """Like :meth:`check`, but only return the verdict, without showing it.

        Examples
        --------
        >>> q1 = Exercise("q1", answer_name="stride", expected=2)
        >>> q1.evaluate(3)
        Verdict(status='incorrect', message='`stride`: expected 2 but got 3.', exercise='q1')
        """
        if answer is _MISSING:
            if namespace is None:
                namespace = _caller_namespace(inspect.currentframe().f_back)
            elif not isinstance(namespace, Mapping):
                raise TypeError(
                    f"namespace must be a mapping of variable names, got {type(namespace).__name__}"
                )
            if self.answer_name is None:
                return self._verdict(
                    "not_attempted",
                    f"Pass your answer to the check, for example `{self.name}.check(my_answer)`.",
                )
            if self.answer_name not in namespace:
                return self._verdict(
                    "not_attempted",
                    f"`{self.answer_name}` is not defined yet: assign your answer to it, "
                    "then check again.",
                )
            answer = namespace[self.answer_name]
        label = f"`{self.answer_name}`" if self.answer_name else "Your answer"
        if answer is ____:
            return self._verdict(
                "not_attempted",
                f"{label} is still ____: replace it with your answer, then check again.",
            )
        if answer is None:
            return self._verdict("not_attempted", f"{label} is None: replace it with your answer.")
        if _contains_placeholder(answer):
            return self._verdict(
                "not_attempted", f"{label} still contains the placeholder ____: fill in every ____."
            )
        if self.cases is None:
            return self._evaluate_value(answer, label)
        return self._evaluate_function(answer, label)

    def hint(self, n=None):
        """Show a hint: the next one by default, or hint ``n`` (counting from 1).

        After the last hint, further calls repeat the last one. Returns the
        :class:`Hint`.

        Examples
        --------
        >>> q1 = Exercise("q1", expected=62, hints=["Look at the kernel.", "64 - 3 + 1."])
        >>> _ = q1.hint()
        Hint 1 of 2: Look at the kernel.
        >>> _ = q1.hint()
        Hint 2 of 2: 64 - 3 + 1.
        >>> _ = q1.hint()
        Hint 2 of 2: 64 - 3 + 1.
        >>> _ = q1.hint(1)
        Hint 1 of 2: Look at the kernel.
        """
        total = len(self.hints)
        if n is None:
            if total == 0:
                return Hint("", 0, 0).show()
            self._hints_shown = min(self._hints_shown + 1, total)
            n = self._hints_shown
        elif (
            isinstance(n, bool)
            or not isinstance(n, numbers.Integral)
            or not 1 <= n <= max(total, 1)
        ):
            raise ValueError(f"n must be a hint number from 1 to {total}, got {n!r}")
        elif total == 0:
            return Hint("", 0, 0).show()
        return Hint(self.hints[n - 1], int(n), total).show()

    def solution(self):
        """Show the solution; returns the :class:`Solution`.

        Examples
        --------
        >>> _ = Exercise("q1", expected=62, solution="output_width = 64 - 3 + 1").solution()
        Solution:
        output_width = 64 - 3 + 1
        """
        return Solution(self.solution_text).show()

    # -- internals ---------------------------------------------------------

    def _verdict(self, status, message, exception=None):
        return Verdict(status, message, exercise=self.name, exception=exception)

    def _expected_value(self, key, case=None):
        """The expected value (key None) or the expected result of case number key."""
        if key not in self._expected_cache:
            expected = self._expected
            if case is None:
                value = expected() if callable(expected) else expected
            elif callable(expected):
                args, kwargs = _copy_arguments(case)
                value = expected(*args, **kwargs)
            else:
                value = expected[key]
            self._expected_cache[key] = value
        return self._expected_cache[key]

    def _run_checker(self, value, where, prefix_message):
        """Run the custom checker; None if it passes, else a Verdict.

        ``where`` names the value ("`kernel`", "The result of f(1)");
        ``prefix_message`` puts it in front of the checker's own message,
        which is needed when several calls are checked.
        """
        status, outcome = _run_limited(self.checker, (value,), {}, self.time_limit)
        checking = f"Checking {where[:1].lower()}{where[1:]}"
        if status == "timeout":
            return self._verdict(
                "timeout",
                f"{checking} did not finish within the time limit of {self.time_limit:g} s.",
            )
        if status == "error":
            if isinstance(outcome, AssertionError):
                text = str(outcome) or "it does not pass the check."
                if prefix_message:
                    return self._verdict("incorrect", f"{where}: {text}")
                return self._verdict("incorrect", text[:1].upper() + text[1:])
            return self._verdict(
                "error", f"{checking} raised {type(outcome).__name__}: {outcome}", exception=outcome
            )
        return None

    def _evaluate_value(self, answer, label):
        if self._expected is not None:
            difference = _difference(
                answer, self._expected_value(None), label, self.rtol, self.atol, self.reveal
            )
            if difference is not None:
                return self._verdict("incorrect", difference)
        if self.checker is not None:
            failure = self._run_checker(answer, label, prefix_message=False)
            if failure is not None:
                return failure
        if self._expected is not None:
            return self._verdict("correct", f"{label} has the expected value.")
        return self._verdict("correct", f"{label} passes every check.")

    def _evaluate_function(self, function, label):
        if not callable(function):
            return self._verdict(
                "incorrect", f"{label}: expected a function but got {_describe(function)}."
            )
        function_name = self.answer_name or getattr(function, "__name__", "your function")
        if function_name == "<lambda>":
            function_name = "your function"
        for index, case in enumerate(self.cases):
            call = case.describe(function_name)
            args, kwargs = _copy_arguments(case)
            status, outcome = _run_limited(function, args, kwargs, self.time_limit)
            if status == "timeout":
                return self._verdict(
                    "timeout",
                    f"{call} did not finish within the time limit of {self.time_limit:g} s "
                    "(an endless loop?).",
                )
            if status == "error":
                return self._verdict(
                    "error", f"{call} raised {type(outcome).__name__}: {outcome}", exception=outcome
                )
            if outcome is ____:
                return self._verdict(
                    "not_attempted",
                    f"{call} returns the placeholder ____: replace it with your code.",
                )
            if self._expected is not None:
                expected = self._expected_value(index, case)
                if outcome is None and expected is not None:
                    return self._verdict(
                        "incorrect", f"{call} returned None: is a `return` statement missing?"
                    )
                difference = _difference(
                    outcome, expected, f"The result of {call}", self.rtol, self.atol, self.reveal
                )
                if difference is not None:
                    return self._verdict("incorrect", difference)
            if self.checker is not None:
                failure = self._run_checker(outcome, f"The result of {call}", prefix_message=True)
                if failure is not None:
                    return failure
        count = len(self.cases)
        cases = "the test case" if count == 1 else f"all {count} test cases"
        return self._verdict("correct", f"`{function_name}` gives the expected result in {cases}.")


class ExerciseSet:
    """The exercises of one chapter or assignment, checked together.

    Parameters
    ----------
    title : str
        Shown at the top of the report, e.g. ``"02 transposed convolution"``.
    exercises : iterable of Exercise, optional
        Exercises to add now; more can be added with :meth:`add`.

    Examples
    --------
    >>> chapter = ExerciseSet("02 transposed convolution")
    >>> q1 = chapter.add(Exercise("q1", answer_name="size", expected=8))
    >>> q2 = chapter.add(Exercise("q2", answer_name="padding", expected="same"))
    >>> chapter.names, len(chapter), chapter["q2"] is q2
    (('q1', 'q2'), 2, True)
    >>> size, padding = 8, "valid"
    >>> report = chapter.check_all()
    02 transposed convolution: 1 of 2 correct
      q1  correct
      q2  incorrect
    >>> report.verdicts["q2"].message
    "`padding`: expected 'same' but got 'valid'."
    """

    def __init__(self, title, exercises=()):
        if not isinstance(title, str):
            raise TypeError(f"title must be a str, got {type(title).__name__}")
        self.title = title
        self._exercises = {}
        for exercise in exercises:
            self.add(exercise)

    def add(self, exercise):
        """Register an exercise and return it (so ``q1 = chapter.add(...)`` reads well)."""
        if not isinstance(exercise, Exercise):
            raise TypeError(f"exercise must be an Exercise, got {type(exercise).__name__}")
        if exercise.name in self._exercises:
            raise ValueError(
                f"exercise names must be unique in {self.title!r}, got {exercise.name!r} twice"
            )
        self._exercises[exercise.name] = exercise
        return exercise

    @property
    def names(self):
        """Names of the exercises, in the order they were added."""
        return tuple(self._exercises)

    def __getitem__(self, name):
        try:
            return self._exercises[name]
        except KeyError:
            raise KeyError(
                f"no exercise named {name!r} in {self.title!r}; there are {self.names}"
            ) from None

    def __iter__(self):
        return iter(self._exercises.values())

    def __len__(self):
        return len(self._exercises)

    def __contains__(self, name):
        return name in self._exercises

    def __repr__(self):
        return f"ExerciseSet({self.title!r}, names={self.names})"

    def evaluate_all(self, namespace=None):
        """Check every exercise by its ``answer_name``; return the :class:`Report`, unshown."""
        if namespace is None:
            namespace = _caller_namespace(inspect.currentframe().f_back)
        verdicts = {exercise.name: exercise.evaluate(namespace=namespace) for exercise in self}
        return Report(self.title, verdicts)

    def check_all(self, namespace=None):
        """Check every exercise by its ``answer_name`` and show a one-line-per-exercise report.

        Answers are read from ``namespace`` or from the caller's variables,
        as in :meth:`Exercise.check`. Returns the :class:`Report`.
        """
        if namespace is None:
            namespace = _caller_namespace(inspect.currentframe().f_back)
        return self.evaluate_all(namespace).show()


class _WrongAnswer:
    """An answer no exercise should accept: called, it returns another wrong answer."""

    def __call__(self, *args, **kwargs):
        return _WrongAnswer()

    def __repr__(self):
        return "<a wrong answer>"


def _self_test_one(exercise, namespace):
    """Verdict statuses for the placeholder, a wrong answer and the exercise's own solution."""
    if exercise.answer_name is None or not exercise.solution_text:
        raise ValueError(
            f"exercise {exercise.name!r} needs an answer_name and a solution to test itself, "
            f"got answer_name={exercise.answer_name!r} and solution={exercise.solution_text!r}"
        )
    placeholder = exercise.evaluate(namespace={**namespace, exercise.answer_name: ____}).status
    wrong = exercise.evaluate(namespace={**namespace, exercise.answer_name: _WrongAnswer()}).status
    solved = dict(namespace)
    # The solution may print or plot while it runs; only its verdict matters here.
    with contextlib.redirect_stdout(io.StringIO()):
        exec(exercise.solution_text, solved)  # noqa: S102 - the course's own solution text
    right = exercise.evaluate(namespace=solved).status
    return placeholder, wrong, right


def self_test(namespace):
    """Check that every exercise in ``namespace`` accepts its solution and rejects the rest.

    For each :class:`Exercise` found among the values of ``namespace`` (a
    notebook's ``globals()``), three answers are evaluated without touching the
    learner's variables: the placeholder ``____`` (must be "not attempted"), an
    object no check should accept (must be rejected: incorrect, error or
    time-out) and the exercise's own solution, run in a copy of the namespace
    (must be correct). Prints one line per exercise.

    Parameters
    ----------
    namespace : mapping
        Variables holding the exercises and whatever their solutions use.

    Returns
    -------
    dict
        ``{name: (placeholder_status, wrong_status, solution_status)}``.

    Raises
    ------
    AssertionError
        When an exercise accepts a wrong answer, refuses its solution or
        does not report the placeholder as not attempted.

    Examples
    --------
    >>> q1 = Exercise("q1", answer_name="width", expected=62, solution="width = 64 - 3 + 1")
    >>> _ = self_test({"q1": q1})
    q1  placeholder: not attempted  wrong answer: rejected  solution: correct
    """
    if not isinstance(namespace, Mapping):
        raise TypeError(
            f"namespace must be a mapping of variable names, got {type(namespace).__name__}"
        )
    found = {}
    for value in namespace.values():
        if isinstance(value, Exercise):
            found[value.name] = value
        elif isinstance(value, ExerciseSet):
            found.update((exercise.name, exercise) for exercise in value)
    if not found:
        raise ValueError("namespace holds no Exercise or ExerciseSet to test")
    results, failures = {}, []
    for name, exercise in sorted(found.items()):
        placeholder, wrong, right = results[name] = _self_test_one(exercise, namespace)
        rejected = wrong in ("incorrect", "error", "timeout")
        print(
            f"{name}  placeholder: {placeholder.replace('_', ' ')}  "
            f"wrong answer: {'rejected' if rejected else 'ACCEPTED'}  solution: {right}"
        )
        if placeholder != "not_attempted" or not rejected or right != "correct":
            failures.append(name)
    if failures:
        raise AssertionError(f"exercises that do not check themselves correctly: {failures}")
    return results
