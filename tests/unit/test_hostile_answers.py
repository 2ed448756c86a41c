"""Specification of checks on hostile answers: never a crash, never a hang, bounded work."""

import itertools
import time

import numpy as np
import pytest

from deconv_tutor.exercises import Exercise, find_difference


def test_an_int_of_400_digits_is_incorrect_and_described_by_its_size():
    verdict = Exercise("q", answer_name="width", expected=62).evaluate(10**400)
    assert verdict.status == "incorrect"
    assert verdict.message == "`width`: expected 62 but got an int of about 401 digits."
    function = Exercise("q", answer_name="f", cases=[1], expected=lambda x: x)
    assert function.evaluate(lambda x: 10**5000).message == (
        "The result of f(1): expected 1 but got an int of about 5001 digits."
    )


def test_a_huge_int_equal_to_a_huge_expected_int_is_correct():
    assert Exercise("q", answer_name="n", expected=10**400).evaluate(10**400).status == "correct"


def test_a_complex_number_is_not_a_real_answer_however_close():
    verdict = Exercise("q", answer_name="width", expected=62).evaluate(complex(62, 1e-7))
    assert verdict.status == "incorrect"
    assert verdict.message == "`width`: expected a real number but got a complex ((62+1e-07j))."
    assert find_difference(np.full(12, 62 + 0j), np.full(12, 62.0)) == (
        "your answer: expected real numbers but got complex ones."
    )
    assert find_difference(1 + 1e-9j, 1 + 0j) is None  # a complex expected takes a complex


def test_a_list_whose_len_raises_is_an_error_not_a_crash():
    class BrokenList(list):
        def __len__(self):
            raise RuntimeError("no length today")

    verdict = Exercise("q", answer_name="shape", expected=(62, 62, 3)).evaluate(BrokenList([1]))
    assert verdict.status == "error"
    assert verdict.message == "Checking `shape` raised RuntimeError: no length today"


def test_an_oversized_array_is_refused_by_its_shape_without_copying_it():
    import tracemalloc

    huge = np.zeros(10**8)  # 800 MB, never touched
    exercise = Exercise("q", answer_name="image", expected=lambda: np.zeros((62, 62, 3)))
    tracemalloc.start()
    try:
        start = time.monotonic()
        verdict = exercise.evaluate(huge)
        elapsed = time.monotonic() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert verdict.status == "incorrect"
    assert verdict.message == (
        "`image`: expected an array of shape (62, 62, 3) but got one of shape (100000000,)."
    )
    assert elapsed < 1.0 and peak < 10 * 2**20


def test_an_oversized_list_or_range_is_refused_by_its_length():
    exercise = Exercise("q", answer_name="image", expected=lambda: np.zeros((62, 62, 3)))
    start = time.monotonic()
    assert exercise.evaluate([0.0] * 10**7).message == (
        "`image`: expected an array of shape (62, 62, 3) but `image` has 10000000 items."
    )
    assert exercise.evaluate([[0.0] * 10**6] * 62).message == (
        "`image`: expected an array of shape (62, 62, 3) but `image`[0] has 1000000 items."
    )
    sizes = Exercise("q", answer_name="sizes", expected=[1, 2, 3])
    assert (
        sizes.evaluate(range(10**12)).message == "`sizes`: expected 3 items but got 1000000000000."
    )
    assert time.monotonic() - start < 2.0


def test_a_tensor_like_answer_is_refused_by_its_declared_shape_before_conversion():
    class Tensor:
        shape = (10**9,)

        def __array__(self, dtype=None, copy=None):
            raise AssertionError("converted before its shape was compared")

    verdict = Exercise("q", answer_name="t", expected=lambda: np.zeros((4, 4))).evaluate(Tensor())
    assert verdict.message == (
        "`t`: expected an array of shape (4, 4) but got one of shape (1000000000,)."
    )


class _EndlessLength(list):
    def __len__(self):
        while True:
            pass


class _EndlessEquality:
    __hash__ = object.__hash__

    def __eq__(self, other):
        while True:
            pass


class _EndlessIteration:
    def __iter__(self):
        return itertools.count()


class _EndlessRepr:
    def __repr__(self):
        while True:
            pass


class _EndlessFloat(float):
    def __float__(self):
        while True:
            pass


@pytest.mark.parametrize(
    "answer",
    [
        _EndlessLength([1]),
        _EndlessEquality(),
        _EndlessIteration(),
        _EndlessRepr(),
        _EndlessFloat(1),
    ],
    ids=lambda answer: type(answer).__name__,
)
@pytest.mark.parametrize(
    "expected", [62, (62, 62, 3), "same", {"a": 1}], ids=["int", "tuple", "str", "dict"]
)
def test_an_answer_whose_methods_never_return_gets_a_verdict_in_time(answer, expected):
    # Every look at a learner's object (len, ==, iteration, repr, float) runs under the limit,
    # whether the object is the answer itself or what the learner's function returned.
    value = Exercise("q", answer_name="a", expected=expected, time_limit=0.2)
    function = Exercise(
        "q", answer_name="f", cases=[1], expected=lambda x: expected, time_limit=0.2
    )
    # A hang would stop here (the suite's own timeout); a crash would raise out of evaluate.
    for exercise, given in ((value, answer), (function, lambda x: answer)):
        verdict = exercise.evaluate(given)
        assert verdict.status in ("incorrect", "timeout", "error"), verdict.message
