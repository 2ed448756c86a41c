"""Plausible wrong answers, derived from the expected one, for an exercise's self-test.

A check that rejects an object of the wrong type proves little: any check does. What
:func:`deconv_tutor.exercises.self_test` needs are the mistakes a learner makes: an
off-by-one, a wrong sign, a value a little off, a transposed shape, one item wrong. An
exercise can list its own (``Exercise(wrong_answers=...)``, the better choice where the
typical mistake is known: forgetting a ``/ 255``, using ``"same"`` for ``"valid"``);
:func:`plausible_wrong_values` derives some from the expected answer when it does not.
"""

import numbers
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

import numpy as np

from deconv_tutor._comparison import _difference, _normalize

__all__ = ["plausible_wrong_values"]

# Up to this size an int's plausible slip is an off-by-one (a size, a count of layers);
# beyond it (pixels, multiply-adds) an off-by-one is within any relative tolerance.
_OFF_BY_ONE_UP_TO = 10_000


def plausible_wrong_values(expected):
    """Mistakes a learner could make, derived from the expected answer.

    An off-by-one and a wrong sign for an int (twice, one per cent more and the wrong
    sign for a large one); a value one per cent off and a wrong sign
    for a float; a transposed shape and one size off by one for a tuple of sizes; a transposed, a perturbed and a negated array; a dict or a set
    with one item wrong. A candidate equal to ``expected`` (the reverse of a symmetric
    shape, the negative of zero) is left out. They do not depend on the exercise's
    tolerance: a check whose tolerance accepts an off-by-one fails its self-test.

    Parameters
    ----------
    expected : object
        The expected answer.

    Returns
    -------
    list
        The wrong answers, possibly none (for None, an empty container).

    Examples
    --------
    >>> plausible_wrong_values(62)
    [63, 61, -62]
    >>> plausible_wrong_values((64, 32, 3))
    [(3, 32, 64), (64, 32, 4), (65, 32, 3)]
    >>> [round(value, 4) for value in plausible_wrong_values(0.5)]
    [0.505, -0.5]
    >>> plausible_wrong_values(1_843_200_000)
    [3686400000, 1861632000, -1843200000]
    """
    value = _normalize(expected)
    candidates = []
    if isinstance(value, bool):
        candidates = [not value]
    elif isinstance(value, numbers.Integral) and abs(value) <= _OFF_BY_ONE_UP_TO:
        candidates = [value + 1, value - 1, -value]
    elif isinstance(value, numbers.Integral):
        # A count of millions is not off by one but by a factor: twice (FLOPs for
        # multiply-adds), a per cent, the sign.
        candidates = [2 * value, value + value // 100, -value]
    elif isinstance(value, numbers.Number):
        # One per cent off: a rounding slip or a constant a little wrong. Not derived from
        # the exercise's tolerance, so that a tolerance too loose to reject it shows.
        candidates = [value * 1.01 if value else 0.01, -value]
    elif isinstance(value, str):
        candidates = [f"not {value}"]
    elif isinstance(value, (list, tuple, range)) and len(value):
        items = list(value)
        kind = tuple if isinstance(value, tuple) else list
        candidates = [kind(items[::-1])]
        last_off = plausible_wrong_values(items[-1])
        if last_off:
            candidates.append(kind([*items[:-1], last_off[0]]))
        first_off = plausible_wrong_values(items[0])
        if first_off:
            candidates.append(kind([first_off[0], *items[1:]]))
    elif isinstance(value, np.ndarray) and value.size and value.dtype.kind in "biufc":
        as_numbers = value.astype(np.int64) if value.dtype.kind == "b" else value
        perturbed = as_numbers.copy()
        first = np.unravel_index(0, value.shape)
        perturbed[first] = plausible_wrong_values(perturbed[first].item())[0]
        candidates = [value.T, perturbed, -as_numbers]
    elif isinstance(value, Mapping) and value:
        key = next(iter(value))
        off = plausible_wrong_values(value[key])
        if off:
            candidates = [{**value, key: off[0]}]
    elif isinstance(value, AbstractSet) and value:
        candidates = [set(sorted(value, key=repr)[1:])]
    return [
        candidate
        for candidate in candidates
        if candidate is not None
        and _difference(candidate, expected, "", 0.0, 0.0, reveal=True) is not None
    ]
