"""Check, hint and solution objects for the exercises at the end of each chapter.

In the spirit of Kaggle's ``learntools``: one :class:`Exercise` per question, with three
methods a learner calls from a notebook cell:

* ``q1.check()`` reads the learner's answer (by name, from the notebook's variables),
  checks it and shows a :class:`Verdict`: correct; incorrect, saying what differed; not
  attempted yet; an error raised by the learner's code; or a time-out. It never raises
  on a learner's answer or code, so the notebook keeps running.
* ``q1.hint()`` shows hint 1, then hint 2 on the next call, and so on; after the last
  hint it repeats the last one. ``q1.hint(2)`` shows hint 2.
* ``q1.solution()`` shows the solution.

Answers are compared with a tolerance and in any equivalent form: a tuple, a list, a
NumPy array or a Keras tensor; an int or a float; a ``TensorShape``; nested sequences and
dicts (see :func:`find_difference`).

A chapter builds an :class:`ExerciseSet` (in a setup cell, or in a small module the
notebook imports); the learner fills in a variable that starts as the placeholder
``____`` and runs the check (see the example below). In a notebook the last line of a
cell is just ``q1.check()``: the verdict is shown once, as a green, red or grey box, with
the same plain text underneath (the text is what nbval compares, so it holds no
addresses and no timings). Outside IPython the verdict is printed. Either way ``check``
returns the :class:`Verdict`, which is true only when the answer is correct, so an
autograded test cell can say ``assert q1.check()`` or ``q1.check().assert_correct()``.

Every exercise can test itself: :func:`self_test` checks that each exercise of a
chapter reports the placeholder as not attempted, rejects plausible wrong answers (an
off-by-one, a transposed shape, a wrong sign: given as ``wrong_answers=`` or derived
from the expected answer, :meth:`Exercise.wrong_answers`) and accepts its own solution.

The learner's code, and everything that looks at the learner's objects, runs under a
time limit and with its output captured (:mod:`deconv_tutor._time_limit`, whose
docstring gives the full argument). In short: it runs in the calling thread, so it sees
the notebook's Keras settings without any copy of Keras's private state, and nothing is
left running after ``check`` returns; a watchdog thread interrupts it at the deadline
through Python's own signal handling (in the main thread), again every 10 ms, with one
more exception from the next line traced, so that a loop catching ``BaseException`` (one
or two levels deep) does not survive. A forked child process was tested and ruled out: TensorFlow ops hang
in a child forked after the parent ran one. What the code prints is kept to its first
lines, so a learner printing a million lines does not flood the notebook. Checking a
returned value is bounded too: shapes before values, no copy of an oversized answer.

Examples
--------
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
"""

import contextlib
import copy
import inspect
import io
import itertools
import types
from collections import ChainMap
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from deconv_tutor import _validation as check
from deconv_tutor._comparison import (
    _describe,
    _difference,
    _short,
    assert_equivalent,
    find_difference,
)
from deconv_tutor._time_limit import Capture, run
from deconv_tutor._verdicts import STATUSES, Hint, Report, Solution, Verdict
from deconv_tutor._wrong_answers import plausible_wrong_values

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

# How many items of a learner's containers are searched for a forgotten ____.
_PLACEHOLDER_SEARCH_LIMIT = 10_000


# --------------------------------------------------------------------------
# Test cases of function exercises.
# --------------------------------------------------------------------------


class Case:
    """Arguments for one call of a learner's function: ``Case(64, kernel=3)``.

    In ``Exercise(cases=...)`` a plain tuple means positional arguments and
    any other value a single argument; use ``Case`` for keyword arguments or
    for a single tuple argument.

    Parameters
    ----------
    *args
        Positional arguments of the call.
    **kwargs
        Keyword arguments of the call.

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
        """The call as text, e.g. ``'conv_size(64, 3, stride=2)'``.

        Parameters
        ----------
        function_name : str
            The name to call.

        Returns
        -------
        str
            ``function_name(arguments)``, each argument shortened.
        """
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


def _contains_placeholder(value):
    """Whether a ``____`` is left somewhere in the learner's (nested) containers."""
    pending, seen = [(value, 0)], 0
    while pending and seen < _PLACEHOLDER_SEARCH_LIMIT:
        item, depth = pending.pop()
        seen += 1
        if item is ____:
            return True
        if depth > 20:
            continue
        if isinstance(item, Mapping):
            item = item.values()
        elif not isinstance(item, (list, tuple, AbstractSet)):
            continue
        room = _PLACEHOLDER_SEARCH_LIMIT - seen - len(pending)
        pending.extend((child, depth + 1) for child in itertools.islice(item, max(room, 0)))
    return False


def _copy_arguments(case):
    """Deep copies, so a learner's function that edits its input cannot change the next check."""
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


# --------------------------------------------------------------------------
# Exercises.
# --------------------------------------------------------------------------


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
        Seconds allowed for each call of the learner's function, and for checking each
        value it returns (or the answer itself); None for no limit.
    reveal : bool, optional
        Whether incorrect verdicts may show expected values; False for
        graded assignments.
    wrong_answers : sequence, optional
        Plausible wrong answers (functions, for a function exercise) that
        :func:`self_test` makes sure are rejected: the mistakes a learner is likely to
        make. Without them, :meth:`wrong_answers` derives some from ``expected``.

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
    >>> q5 = Exercise("q5", answer_name="kernel", checker=centred, wrong_answers=[np.ones((2, 2))])
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
        wrong_answers=None,
    ):
        if not isinstance(name, str):
            raise TypeError(f"name must be a non-empty str, got {type(name).__name__} {name!r}")
        if not name.strip():
            raise ValueError(f"name must be a non-empty str, got {name!r}")
        if answer_name is not None and not isinstance(answer_name, str):
            raise TypeError(
                f"answer_name must be a Python variable name or None, got "
                f"{type(answer_name).__name__} {answer_name!r}"
            )
        if answer_name is not None and not answer_name.isidentifier():
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
        rtol = check.number(rtol, "rtol", minimum=0, what="a non-negative number")
        atol = check.number(atol, "atol", minimum=0, what="a non-negative number")
        if time_limit is not None:
            time_limit = check.number(
                time_limit,
                "time_limit",
                minimum=0,
                exclusive_minimum=True,
                what="a positive number of seconds or None",
            )
        reveal = check.boolean(reveal, "reveal")
        if cases is not None:
            if isinstance(cases, (str, bytes)) or not isinstance(cases, (list, tuple)):
                raise TypeError(
                    f"cases must be a non-empty sequence (list or tuple) of test cases, got "
                    f"{type(cases).__name__} "
                    f"{cases!r:.80}"
                )
            if len(cases) == 0:
                raise ValueError(
                    "cases must be a non-empty sequence of test cases, got an empty one"
                )
            cases = [_as_case(case) for case in cases]
            one_per_case = hasattr(expected, "__len__") and len(expected) == len(cases)
            if expected is not None and not callable(expected) and not one_per_case:
                raise ValueError(
                    "expected must be a reference function or one result per case "
                    f"({len(cases)} cases), got {_describe(expected)}"
                )
        if expected is None and checker is None:
            raise ValueError(f"exercise {name!r} needs expected, checker or both; got neither")
        if wrong_answers is not None:
            if not isinstance(wrong_answers, (list, tuple)):
                raise TypeError(
                    "wrong_answers must be a list of plausible wrong answers, got "
                    f"{type(wrong_answers).__name__}"
                )
            if cases is not None and not all(callable(wrong) for wrong in wrong_answers):
                raise TypeError(
                    "wrong_answers of a function exercise must be functions, got "
                    f"{[type(wrong).__name__ for wrong in wrong_answers]}"
                )

        self.name = name
        self.answer_name = answer_name
        self.checker = checker
        self.hints = tuple(hints)
        self.solution_text = solution
        self.cases = None if cases is None else tuple(cases)
        self.rtol = rtol
        self.atol = atol
        self.time_limit = time_limit
        self.reveal = reveal
        self._wrong_answers = None if wrong_answers is None else list(wrong_answers)
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
            Also shown (displayed in IPython, printed elsewhere), below what the
            learner's code printed, shortened. A mistake in the learner's answer or
            code never raises; the notebook's interrupt (``KeyboardInterrupt``) does.

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

        Parameters
        ----------
        answer : object, optional
            The answer, as in :meth:`check`.
        namespace : mapping, optional
            Where to look the answer up, as in :meth:`check`.

        Returns
        -------
        Verdict
            Its ``output`` holds what the learner's code printed, shortened.

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
        capture = Capture()
        if self.cases is None:
            verdict = self._evaluate_value(answer, label, capture)
        else:
            verdict = self._evaluate_function(answer, label, capture)
        verdict.output = capture.shortened()
        return verdict

    def hint(self, n=None):
        """Show a hint: the next one by default, or hint ``n`` (counting from 1).

        After the last hint, further calls repeat the last one.

        Parameters
        ----------
        n : int, optional
            The hint to show; the next one if omitted.

        Returns
        -------
        Hint
            Also shown.

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
        else:
            n = check.integer(
                n, "n", minimum=1, maximum=max(total, 1), what=f"a hint number from 1 to {total}"
            )
            if total == 0:
                return Hint("", 0, 0).show()
        return Hint(self.hints[n - 1], n, total).show()

    def solution(self):
        """Show the solution.

        Returns
        -------
        Solution
            Also shown.

        Examples
        --------
        >>> _ = Exercise("q1", expected=62, solution="output_width = 64 - 3 + 1").solution()
        Solution:
        output_width = 64 - 3 + 1
        """
        return Solution(self.solution_text).show()

    def wrong_answers(self):
        """Plausible wrong answers, which a sound check must reject.

        Those given as ``wrong_answers=``, or else derived from the expected answer: an
        off-by-one and a wrong sign for an int (a factor two for a large one), a value
        one per cent off for a float, a transposed shape, a perturbed array, a dict or a set with one item
        wrong; for a function exercise, a function that makes such a mistake in every
        case. Without either (a check with no expected answer), none.

        Returns
        -------
        list
            Answers (functions, for a function exercise).

        Examples
        --------
        >>> Exercise("q1", expected=62).wrong_answers()
        [63, 61, -62]
        >>> Exercise("q2", expected=(64, 32, 3)).wrong_answers()
        [(3, 32, 64), (64, 32, 4), (65, 32, 3)]
        """
        if self._wrong_answers is not None:
            return list(self._wrong_answers)
        if self._expected is None:
            return []
        if self.cases is None:
            return plausible_wrong_values(self._expected_value(None))
        return [self._mistaken_function()]

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

    def _mistaken_function(self):
        """A learner's function that gets every case slightly wrong (a derived wrong answer)."""
        calls = itertools.count()

        def plausible_mistake(*args, **kwargs):
            index = next(calls) % len(self.cases)
            right = self._expected_value(index, self.cases[index])
            wrong = plausible_wrong_values(right)
            return wrong[0] if wrong else None  # a forgotten return, if nothing else

        return plausible_mistake

    def _checker_failure(self, value, where, prefix_message):
        """Run the custom checker on ``value``; None if it passes, else (status, message, exc)."""
        try:
            self.checker(value)
        except AssertionError as failure:
            text = str(failure) or "it does not pass the check."
            if prefix_message:
                return "incorrect", f"{where}: {text}", None
            return "incorrect", text[:1].upper() + text[1:], None
        except Exception as error:  # the checker met something it did not expect
            checking = f"Checking {where[:1].lower()}{where[1:]}"
            return "error", f"{checking} raised {type(error).__name__}: {error}", error
        return None

    def _judge_value(self, answer, label, expected):
        """(status, message, exception) for a value answer; runs under the time limit."""
        if _contains_placeholder(answer):
            return (
                "not_attempted",
                f"{label} still contains the placeholder ____: fill in every ____.",
                None,
            )
        if self._expected is not None:
            difference = _difference(answer, expected, label, self.rtol, self.atol, self.reveal)
            if difference is not None:
                return "incorrect", difference, None
        if self.checker is not None:
            failure = self._checker_failure(answer, label, prefix_message=False)
            if failure is not None:
                return failure
        if self._expected is not None:
            return "correct", f"{label} has the expected value.", None
        return "correct", f"{label} passes every check.", None

    def _judge_result(self, result, call, expected):
        """None if the result of ``call`` is right, else (status, message, exception)."""
        if result is ____:
            return (
                "not_attempted",
                f"{call} returns the placeholder ____: replace it with your code.",
                None,
            )
        if self._expected is not None:
            if result is None and expected is not None:
                return (
                    "incorrect",
                    f"{call} returned None: is a `return` statement missing?",
                    None,
                )
            where = f"The result of {call}"
            difference = _difference(result, expected, where, self.rtol, self.atol, self.reveal)
            if difference is not None:
                return "incorrect", difference, None
        if self.checker is not None:
            return self._checker_failure(result, f"The result of {call}", prefix_message=True)
        return None

    def _checked(self, judge, args, what, capture):
        """Run ``judge(*args)`` under the time limit; a Verdict, or None when it passes."""
        outcome = run(judge, args, time_limit=self.time_limit, capture=capture)
        if outcome.status == "timeout":
            return self._verdict(
                "timeout",
                f"Checking {what} did not finish within the time limit of {self.time_limit:g} s.",
            )
        if outcome.status == "error":
            name = type(outcome.exception).__name__
            return self._verdict(
                "error", f"Checking {what} raised {name}: {outcome.text}", outcome.exception
            )
        if outcome.value is None:
            return None
        status, message, exception = outcome.value
        return self._verdict(status, message, exception)

    def _evaluate_value(self, answer, label, capture):
        expected = self._expected_value(None) if self._expected is not None else None
        what = label if label.startswith("`") else "your answer"
        return self._checked(self._judge_value, (answer, label, expected), what, capture)

    def _evaluate_function(self, function, label, capture):
        if not callable(function):
            return self._checked(
                lambda: (
                    "incorrect",
                    f"{label}: expected a function but got {_describe(function)}.",
                    None,
                ),
                (),
                label,
                capture,
            )
        function_name = self.answer_name
        if function_name is None:
            plain = isinstance(function, types.FunctionType) and function.__name__ != "<lambda>"
            function_name = function.__name__ if plain else "your function"
        for index, case in enumerate(self.cases):
            call = case.describe(function_name)
            # The reference is the course's code: computed first, outside the limit.
            expected = self._expected_value(index, case) if self._expected is not None else None
            args, kwargs = _copy_arguments(case)
            outcome = run(function, args, kwargs, time_limit=self.time_limit, capture=capture)
            if outcome.status == "timeout":
                return self._verdict(
                    "timeout",
                    f"{call} did not finish within the time limit of {self.time_limit:g} s "
                    "(an endless loop?).",
                )
            if outcome.status == "error":
                name = type(outcome.exception).__name__
                return self._verdict(
                    "error", f"{call} raised {name}: {outcome.text}", outcome.exception
                )
            failure = self._checked(
                self._judge_result,
                (outcome.value, call, expected),
                f"the result of {call}",
                capture,
            )
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
        if isinstance(exercises, (str, bytes)) or not isinstance(exercises, (list, tuple)):
            raise TypeError(
                f"exercises must be a list of Exercise objects, got {type(exercises).__name__} "
                f"{exercises!r:.80}"
            )
        for index, exercise in enumerate(exercises):
            if not isinstance(exercise, Exercise):
                raise TypeError(
                    f"exercises[{index}] must be an Exercise, got {type(exercise).__name__}"
                )
            self.add(exercise)

    def add(self, exercise):
        """Register an exercise.

        Parameters
        ----------
        exercise : Exercise
            With a name not used yet in this set.

        Returns
        -------
        Exercise
            The same exercise, so that ``q1 = chapter.add(Exercise(...))`` reads well.
        """
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
        """Check every exercise by its ``answer_name``, without showing anything.

        Parameters
        ----------
        namespace : mapping, optional
            Where the answers are; the caller's variables by default.

        Returns
        -------
        Report
            One verdict per exercise.
        """
        if namespace is None:
            namespace = _caller_namespace(inspect.currentframe().f_back)
        verdicts = {exercise.name: exercise.evaluate(namespace=namespace) for exercise in self}
        return Report(self.title, verdicts)

    def check_all(self, namespace=None):
        """Check every exercise by its ``answer_name`` and show a one-line-per-exercise report.

        Parameters
        ----------
        namespace : mapping, optional
            Where the answers are; the caller's variables by default, as in
            :meth:`Exercise.check`.

        Returns
        -------
        Report
            Also shown.
        """
        if namespace is None:
            namespace = _caller_namespace(inspect.currentframe().f_back)
        return self.evaluate_all(namespace).show()


# --------------------------------------------------------------------------
# Self-test: every exercise accepts its solution and rejects plausible mistakes.
# --------------------------------------------------------------------------

_REJECTED = ("incorrect", "error", "timeout")


def _self_test_one(exercise, namespace):
    """Statuses for the placeholder, each wrong answer and the exercise's own solution."""
    if exercise.answer_name is None or not exercise.solution_text:
        raise ValueError(
            f"exercise {exercise.name!r} needs an answer_name and a solution to test itself, "
            f"got answer_name={exercise.answer_name!r} and solution={exercise.solution_text!r}"
        )
    name = exercise.answer_name
    placeholder = exercise.evaluate(namespace={**namespace, name: ____}).status
    wrong = tuple(
        exercise.evaluate(namespace={**namespace, name: answer}).status
        for answer in exercise.wrong_answers()
    )
    solved = dict(namespace)
    # The solution may print or plot while it runs; only its verdict matters here.
    with contextlib.redirect_stdout(io.StringIO()):
        exec(exercise.solution_text, solved)  # noqa: S102 - the course's own solution text
    right = exercise.evaluate(namespace=solved).status
    return placeholder, wrong, right


def self_test(namespace):
    """Check that every exercise in ``namespace`` accepts its solution and rejects mistakes.

    For each :class:`Exercise` found among the values of ``namespace`` (a
    notebook's ``globals()``), answers are evaluated without touching the
    learner's variables: the placeholder ``____`` (must be "not attempted"), each of
    its plausible wrong answers (:meth:`Exercise.wrong_answers`: an off-by-one, a
    transposed shape... each must be rejected: incorrect, error or time-out; an exercise
    without any fails) and the exercise's own solution, run in a copy of the namespace
    (must be correct). Prints one line per exercise.

    Parameters
    ----------
    namespace : mapping
        Variables holding the exercises and whatever their solutions use.

    Returns
    -------
    dict
        ``{name: (placeholder_status, wrong_answer_statuses, solution_status)}``, the
        middle one a tuple with one status per wrong answer.

    Raises
    ------
    AssertionError
        When an exercise accepts a wrong answer (or has none to test), refuses its
        solution or does not report the placeholder as not attempted.

    Examples
    --------
    >>> q1 = Exercise("q1", answer_name="width", expected=62, solution="width = 64 - 3 + 1")
    >>> _ = self_test({"q1": q1})
    q1  placeholder: not attempted  wrong answers: 3 of 3 rejected  solution: correct
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
        rejected = sum(status in _REJECTED for status in wrong)
        wrong_text = (
            f"{rejected} of {len(wrong)} rejected"
            if wrong
            else "NONE to test (give wrong_answers=)"
        )
        print(
            f"{name}  placeholder: {placeholder.replace('_', ' ')}  "
            f"wrong answers: {wrong_text}  solution: {right}"
        )
        if placeholder != "not_attempted" or not wrong or rejected < len(wrong):
            failures.append(name)
        elif right != "correct":
            failures.append(name)
    if failures:
        raise AssertionError(f"exercises that do not check themselves correctly: {failures}")
    return results
