"""Specification of self_test and of plausible wrong answers: an exercise checks itself."""

import numpy as np
import pytest

from deconv_tutor.exercises import Exercise, ExerciseSet, ____, self_test


def test_self_test_passes_exercises_that_accept_their_solution_and_reject_the_rest(capsys):
    q1 = Exercise("q1", answer_name="width", expected=62, solution="width = 64 - 3 + 1")
    q2 = Exercise(
        "q2",
        answer_name="double",
        cases=[1, 2],
        expected=lambda x: 2 * x,
        solution="def double(x):\n    return x + x",
    )
    results = self_test({"q1": q1, "q2": q2, "width": ____})
    assert results == {
        "q1": ("not_attempted", ("incorrect", "incorrect", "incorrect"), "correct"),
        "q2": ("not_attempted", ("incorrect",), "correct"),
    }
    assert capsys.readouterr().out.splitlines() == [
        "q1  placeholder: not attempted  wrong answers: 3 of 3 rejected  solution: correct",
        "q2  placeholder: not attempted  wrong answers: 1 of 1 rejected  solution: correct",
    ]


def test_self_test_leaves_the_learners_variables_alone():
    q1 = Exercise("q1", answer_name="width", expected=62, solution="width = 62")
    namespace = {"q1": q1, "width": 61}
    self_test(namespace)
    assert namespace["width"] == 61


def test_self_test_fails_on_a_wrong_solution():
    q1 = Exercise("q1", answer_name="width", expected=62, solution="width = 64")
    with pytest.raises(AssertionError, match=r"\['q1'\]"):
        self_test({"q1": q1})


def test_self_test_fails_on_a_check_that_accepts_anything():
    lenient = Exercise(
        "q1",
        answer_name="kernel",
        checker=lambda value: None,
        solution="kernel = 1",
        wrong_answers=[0],
    )
    with pytest.raises(AssertionError, match="do not check themselves"):
        self_test({"q1": lenient})


def test_self_test_fails_on_a_check_too_lenient_for_an_off_by_one(capsys):
    # The old self-test offered an object of no known type, which any check rejects.
    # An off-by-one is what a tolerance of 2 wrongly accepts.
    lenient = Exercise("q1", answer_name="width", expected=62, atol=2, solution="width = 62")
    with pytest.raises(AssertionError, match=r"\['q1'\]"):
        self_test({"q1": lenient})
    assert "wrong answers: 1 of 3 rejected" in capsys.readouterr().out


def test_self_test_fails_on_an_exercise_with_nothing_wrong_to_test(capsys):
    only_checked = Exercise(
        "q1", answer_name="kernel", checker=lambda value: None, solution="kernel = 1"
    )
    with pytest.raises(AssertionError, match="do not check themselves"):
        self_test({"q1": only_checked})
    assert "wrong answers: NONE to test (give wrong_answers=)" in capsys.readouterr().out


def test_explicit_wrong_answers_replace_the_derived_ones():
    exercise = Exercise(
        "q1", answer_name="sigma", expected=10 / 255, atol=1e-4, wrong_answers=[10, 25 / 255]
    )
    assert exercise.wrong_answers() == [10, 25 / 255]
    little_off, wrong_sign = Exercise("q2", expected=10 / 255, atol=1e-4).wrong_answers()
    assert abs(little_off - 10 / 255) > 1e-4 and wrong_sign == -10 / 255
    assert [exercise.evaluate(wrong).status for wrong in exercise.wrong_answers()] == [
        "incorrect",
        "incorrect",
    ]


@pytest.mark.parametrize(
    "expected, wrong",
    [
        (True, [False]),
        ((4, 3), [(3, 4), (4, 4), (5, 3)]),
        ([3, 3], [[3, 4], [4, 3]]),  # reversing a symmetric shape is no mistake: left out
        ("same", ["not same"]),
        ({"a": 1}, [{"a": 2}]),
        ({1, 2}, [{2}]),
    ],
)
def test_derived_wrong_answers_are_plausible_mistakes_the_check_rejects(expected, wrong):
    exercise = Exercise("q", answer_name="a", expected=expected)
    assert exercise.wrong_answers() == wrong
    assert all(exercise.evaluate(answer).status == "incorrect" for answer in wrong)


def test_derived_wrong_answers_of_arrays_transpose_perturb_and_negate():
    expected = np.arange(6.0).reshape(2, 3)
    transposed, perturbed, negated = Exercise("q", expected=expected).wrong_answers()
    assert transposed.shape == (3, 2)
    assert (
        perturbed[0, 0] != expected[0, 0] and (perturbed.ravel()[1:] == expected.ravel()[1:]).all()
    )
    np.testing.assert_array_equal(negated, -expected)


def test_a_derived_wrong_function_makes_a_mistake_in_every_case():
    exercise = Exercise("q", answer_name="f", cases=[1, 2, 3], expected=lambda x: 2 * x)
    (mistaken,) = exercise.wrong_answers()
    verdict = exercise.evaluate(mistaken)
    assert verdict.status == "incorrect"
    assert verdict.message == "The result of f(1): expected 2 but got 3."


def test_self_test_finds_exercises_inside_an_exercise_set_and_refuses_an_empty_namespace():
    chapter = ExerciseSet("demo", [Exercise("q1", answer_name="n", expected=3, solution="n = 3")])
    assert set(self_test({"chapter": chapter})) == {"q1"}
    with pytest.raises(ValueError, match="no Exercise"):
        self_test({"x": 1})
