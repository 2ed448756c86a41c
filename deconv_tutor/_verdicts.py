"""What a check, a hint or a solution shows: :class:`Verdict`, :class:`Hint`, :class:`Solution`.

Each is a card: deterministic plain text (what nbval compares: no addresses, no timings)
and a coloured HTML box. ``show`` displays a card in IPython, or prints it anywhere else,
and remembers the cell it was shown in, so that ``q1.check()`` on the last line of a cell
shows one box, not two. :class:`Report` lists the verdicts of a whole chapter. The public
names are served by :mod:`deconv_tutor.exercises`.
"""

import html
import re
import sys

from deconv_tutor import _validation as check

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
        """Display this card now (printed outside IPython).

        Returns
        -------
        _Card
            The card itself, so that ``q1.check()`` can show and return it at once.
        """
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
    output : str, optional
        What the learner's code printed during the check, already shortened; shown
        above the box by :meth:`show`, not part of the text either.

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

    def __init__(self, status, message, exercise="", exception=None, output=""):
        check.choice(status, "status", STATUSES)
        if not isinstance(message, str):
            raise TypeError(f"message must be a str, got {type(message).__name__}")
        self.status = status
        self.message = message
        self.exercise = exercise
        self.exception = exception
        self.output = output
        self._colour_key = status

    def __bool__(self):
        return self.status == "correct"

    def __repr__(self):
        return (
            f"Verdict(status={self.status!r}, message={self.message!r}, exercise={self.exercise!r})"
        )

    def _title(self):
        return _TITLES[self.status]

    def show(self):
        """Print what the learner's code printed (shortened), then display the verdict.

        Returns
        -------
        Verdict
            The verdict itself.
        """
        if self.output:
            print(f"Your code printed:\n{self.output}")
        return super().show()

    def _body(self):
        return self.message

    def assert_correct(self):
        """Raise AssertionError with the verdict's text unless it is correct.

        For autograded (nbgrader) test cells, where a failing assertion is
        what marks the answer wrong.

        Raises
        ------
        AssertionError
            When the status is not ``"correct"``.

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

    Parameters
    ----------
    text : str
        The hint.
    number : int
        Its number, counting from 1 (0 when the exercise has no hints).
    total : int
        How many hints the exercise has.

    Examples
    --------
    >>> print(Hint("Count the positions.", number=1, total=2))
    Hint 1 of 2: Count the positions.
    >>> print(Hint("", number=0, total=0))
    Hint: There are no hints for this exercise.
    """

    _colour_key = "hint"

    def __init__(self, text, number, total):
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, got {type(text).__name__} {text!r:.80}")
        total = check.integer(total, "total", minimum=0)
        # 0 of 0 says "no hints"; otherwise the number counts from 1 up to the total.
        number = check.integer(
            number,
            "number",
            minimum=min(total, 1),
            maximum=total,
            what=f"an integer in [{min(total, 1)}, {total}]",
        )
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

    Parameters
    ----------
    text : str
        The solution, usually code; empty when there is none.

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

    ``correct`` and ``total`` count the verdicts; ``bool(report)`` is true when all are
    correct.

    Parameters
    ----------
    title : str
        The title of the set of exercises.
    verdicts : mapping
        Exercise names to their :class:`Verdict`, in order.

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
