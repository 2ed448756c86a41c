"""Specification of deconv_tutor.exercises: checks, hints, solutions, verdicts.

The time limit, hostile answers and the self-test have their own files: test_time_limit.py,
test_hostile_answers.py, test_self_test.py.
"""

import copy
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from deconv_tutor.exercises import (
    STATUSES,
    Case,
    Exercise,
    ExerciseSet,
    Hint,
    Report,
    Solution,
    Verdict,
    ____,
    assert_equivalent,
    find_difference,
)


def keras_module():
    return pytest.importorskip("keras")


# --------------------------------------------------------------------------
# Verdicts, hints, solutions as displayed objects
# --------------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_verdict_is_true_only_when_correct(status):
    assert bool(Verdict(status, "message")) is (status == "correct")


def test_verdict_rejects_an_unknown_status():
    with pytest.raises(ValueError, match="status must be one of"):
        Verdict("wrong", "message")


@pytest.mark.parametrize(
    "status, colour",
    [
        ("correct", "#2e7d32"),
        ("incorrect", "#c62828"),
        ("error", "#c62828"),
        ("timeout", "#c62828"),
        ("not_attempted", "#757575"),
    ],
)
def test_verdict_html_is_a_green_red_or_grey_box(status, colour):
    assert f"border-left: 6px solid {colour}" in Verdict(status, "text")._repr_html_()


def test_verdict_text_and_html_are_deterministic_and_escaped():
    def make():
        exercise = Exercise("q1", answer_name="f", cases=[1], expected=lambda x: x)
        return exercise.evaluate(lambda x: x < object())

    first, second = make(), make()
    assert str(first) == str(second)
    assert repr(first) == repr(second)
    assert first._repr_html_() == second._repr_html_()
    assert "0x" not in str(first) + repr(first) + first._repr_html_()
    assert (
        str(first)
        == "Error: f(1) raised TypeError: '<' not supported between instances of 'int' and 'object'"
    )
    assert "&lt;" in first._repr_html_() and "<code>" not in first._repr_html_()


def test_verdict_html_shows_backticked_names_as_code():
    html = Verdict("incorrect", "`size`: expected 2 but got 3.")._repr_html_()
    assert "<code>size</code>" in html
    assert "<strong>Incorrect:</strong>" in html


def test_verdict_repr_names_status_message_and_exercise():
    verdict = Verdict("timeout", "too slow", exercise="q2")
    assert repr(verdict) == "Verdict(status='timeout', message='too slow', exercise='q2')"
    assert str(verdict) == "Time limit exceeded: too slow"


def test_assert_correct_raises_with_the_verdict_text():
    Verdict("correct", "fine").assert_correct()
    with pytest.raises(AssertionError, match=r"^Incorrect: `x`: expected 2 but got 3\.$"):
        Verdict("incorrect", "`x`: expected 2 but got 3.").assert_correct()


def test_placeholder_is_one_object_that_survives_copies():
    assert repr(____) == "____"
    assert copy.deepcopy(____) is ____
    assert copy.copy([____])[0] is ____
    assert type(____)() is ____


# --------------------------------------------------------------------------
# Value exercises: right, wrong, not attempted
# --------------------------------------------------------------------------


@pytest.fixture
def width_exercise():
    return Exercise("q1", answer_name="output_width", expected=62)


def test_value_exercise_right_answer_is_correct(width_exercise):
    verdict = width_exercise.evaluate(62)
    assert verdict.status == "correct"
    assert verdict.message == "`output_width` has the expected value."
    assert verdict.exercise == "q1"


def test_value_exercise_wrong_answer_says_what_differed(width_exercise):
    verdict = width_exercise.evaluate(64)
    assert verdict.status == "incorrect"
    assert verdict.message == "`output_width`: expected 62 but got 64."


@pytest.mark.parametrize(
    "namespace, message",
    [
        ({}, "`output_width` is not defined yet"),
        ({"output_width": ____}, "`output_width` is still ____: replace it"),
        ({"output_width": None}, "`output_width` is None"),
        ({"output_width": (____, 64)}, "`output_width` still contains the placeholder ____"),
        ({"output_width": {"w": ____}}, "`output_width` still contains the placeholder ____"),
    ],
)
def test_value_exercise_unattempted_answers_are_not_attempted(width_exercise, namespace, message):
    verdict = width_exercise.evaluate(namespace=namespace)
    assert verdict.status == "not_attempted"
    assert verdict.message.startswith(message)


def test_exercise_without_answer_name_asks_for_the_answer_as_argument():
    exercise = Exercise("q7", expected=1)
    verdict = exercise.evaluate(namespace={"q7": 1})
    assert verdict.status == "not_attempted"
    assert "`q7.check(my_answer)`" in verdict.message
    assert exercise.evaluate(1).status == "correct"


def test_check_reads_the_answer_from_the_callers_variables(width_exercise):
    output_width = 62  # noqa: F841 (read by check through the calling frame)
    assert width_exercise.evaluate().status == "correct"
    assert width_exercise.check().status == "correct"


def test_check_reads_module_level_variables_of_the_caller(width_exercise):
    namespace = {"exercise": width_exercise, "output_width": 61}
    exec("verdict = exercise.evaluate()", namespace)
    assert namespace["verdict"].message == "`output_width`: expected 62 but got 61."


def test_an_explicit_answer_wins_over_the_namespace(width_exercise):
    assert width_exercise.evaluate(62, namespace={"output_width": 1}).status == "correct"


def test_check_prints_the_verdict_outside_ipython_and_returns_it(width_exercise, capsys):
    verdict = width_exercise.check(64)
    assert capsys.readouterr().out == "Incorrect: `output_width`: expected 62 but got 64.\n"
    assert verdict.status == "incorrect"


def test_evaluate_shows_nothing(width_exercise, capsys):
    width_exercise.evaluate(64)
    assert capsys.readouterr().out == ""


def test_expected_may_be_computed_lazily_and_only_once():
    calls = []

    def compute():
        calls.append(1)
        return np.arange(4.0)

    exercise = Exercise("q", answer_name="a", expected=compute)
    assert calls == []
    assert exercise.evaluate([0, 1, 2, 3]).status == "correct"
    assert exercise.evaluate([0, 1, 2, 4]).status == "incorrect"
    assert calls == [1]


def test_reveal_false_hides_the_expected_value():
    exercise = Exercise("q", answer_name="a", expected=62, reveal=False)
    message = exercise.evaluate(64).message
    assert message == "`a`: 64 is not the expected value."
    assert "62" not in message


# --------------------------------------------------------------------------
# Tolerance and equivalent forms
# --------------------------------------------------------------------------


def test_float_error_within_the_tolerance_is_accepted():
    exercise = Exercise("q", answer_name="a", expected=0.3)
    assert exercise.evaluate(0.1 + 0.2).status == "correct"
    assert exercise.evaluate(0.3001).status == "incorrect"


def test_tolerance_is_configurable():
    exercise = Exercise("q", answer_name="a", expected=1.0, rtol=0.0, atol=0.01)
    assert exercise.evaluate(1.009).status == "correct"
    assert exercise.evaluate(1.011).status == "incorrect"


def test_ints_and_floats_are_interchangeable():
    assert find_difference(64.0, 64) is None
    assert find_difference(np.int64(64), 64.0) is None
    assert find_difference(np.float32(0.5), 0.5) is None


@pytest.mark.parametrize(
    "form, shown",
    [
        (list, "[62, 62, 3]"),
        (tuple, "(62, 62, 3)"),
        (np.array, "[62, 62, 3]"),
        (lambda v: np.array(v, dtype=np.float32), "[62.0, 62.0, 3.0]"),
    ],
    ids=["list", "tuple", "ndarray", "float32-ndarray"],
)
def test_sequences_in_any_form_are_equivalent(form, shown):
    exercise = Exercise("q", answer_name="shape", expected=(64, 64, 3))
    assert exercise.evaluate(form([64, 64, 3])).status == "correct"
    assert exercise.evaluate(form([62, 62, 3])).message == (
        f"`shape`: expected (64, 64, 3) but got {shown}."
    )


def test_keras_tensors_are_compared_as_arrays():
    keras = keras_module()
    expected = np.arange(6.0).reshape(2, 3)
    tensor = keras.ops.convert_to_tensor(expected + 1e-7)
    assert find_difference(tensor, expected) is None
    assert find_difference(expected.tolist(), keras.ops.convert_to_tensor(expected)) is None
    assert find_difference(keras.ops.convert_to_tensor(3.0), 3) is None
    wrong = keras.ops.convert_to_tensor(expected.T)
    assert find_difference(wrong, expected) == (
        "your answer: expected an array of shape (2, 3) but got one of shape (3, 2)."
    )


def test_tensor_shapes_compare_like_tuples():
    keras = keras_module()
    shape = keras.ops.convert_to_tensor(np.zeros((2, 3))).shape  # a TensorShape on TensorFlow
    assert find_difference(shape, (2, 3)) is None
    shown = "[2, 3]" if hasattr(shape, "as_list") else "(2, 3)"  # a tuple on JAX and PyTorch
    assert find_difference(shape, [2, 4]) == f"your answer: expected [2, 4] but got {shown}."


def test_objects_with_as_list_are_shapes_and_none_means_unknown_size():
    class FakeTensorShape:
        def as_list(self):
            return [None, 16, 16, 3]

    assert find_difference(FakeTensorShape(), (None, 16, 16, 3)) is None
    assert find_difference(FakeTensorShape(), (None, 16, 16, 1)) == (
        "your answer: expected (None, 16, 16, 1) but got [None, 16, 16, 3]."
    )
    assert find_difference((8, 16, 16, 3), (None, 16, 16, 3)) == (
        "your answer: expected (None, 16, 16, 3) but got (8, 16, 16, 3)."
    )
    assert find_difference((8, 16, 16, 3), (None, 16, 16, 3), reveal=False) == (
        "your answer[0]: expected None but got an int (8)."
    )


def test_nested_sequences_and_dicts_are_compared_item_by_item():
    expected = {"encoder": [(32, 32, 16), (16, 16, 32)], "name": "unet"}
    answer = {"name": "UNet ", "encoder": [[32, 32, 16], np.array([16, 16, 32])]}
    assert find_difference(answer, expected) is None
    answer["encoder"][1] = (16, 16, 31)
    assert find_difference(answer, expected, name="`shapes`") == (
        "`shapes`['encoder'][1]: expected (16, 16, 32) but got (16, 16, 31)."
    )


def test_dict_keys_must_match():
    assert find_difference({"a": 1}, {"a": 1, "b": 2}) == "your answer: the key 'b' is missing."
    assert (
        find_difference({"a": 1, "c": 3}, {"a": 1}) == "your answer: the key 'c' was not expected."
    )


def test_a_set_accepts_any_order_and_names_what_is_missing_or_extra():
    assert find_difference([4, 3], {3, 4}) is None
    assert find_difference((3,), {3, 4}) == "your answer: 4 is missing."
    assert find_difference([3, 4, 5], {3, 4}) == "your answer: 5 should not be there."


def test_strings_ignore_case_and_surrounding_spaces():
    assert find_difference("  Same", "same") is None
    assert find_difference("valid", "same") == "your answer: expected 'same' but got 'valid'."


def test_booleans_are_not_numbers():
    assert find_difference(True, True) is None
    assert find_difference(1, True) == "your answer: expected True or False but got an int (1)."
    assert find_difference(True, 1) == "your answer: expected a number but got a bool (True)."


@pytest.mark.parametrize(
    "answer, message",
    [
        ("62", "expected a number but got a str ('62')."),
        ([62], "expected a number but got a list of 1 items."),
        (62, "expected a sequence (tuple, list or array) of 3 items but got an int (62)."),
        (
            "(64, 64, 3)",
            "expected a sequence (tuple, list or array) of 3 items but got a str ('(64, 64, 3)').",
        ),
    ],
)
def test_wrong_types_say_expected_a_but_got_a(answer, message):
    expected = 62 if "number" in message else (64, 64, 3)
    assert find_difference(answer, expected) == f"your answer: {message}"


def test_arrays_report_how_many_values_differ_and_where():
    expected = np.zeros((4, 4))
    answer = expected.copy()
    answer[1, 2] = 0.5
    answer[3, 3] = 2.0
    assert find_difference(answer, expected) == (
        "your answer: 2 of 16 values differ (rtol=1e-05, atol=1e-06); "
        "the first at index (1, 2): expected 0.0 but got 0.5."
    )
    hidden = find_difference(answer, expected, reveal=False)
    assert hidden.endswith("the first at index (1, 2): got 0.5.")


def test_a_length_mismatch_shows_short_vectors_whole_and_counts_long_ones():
    assert find_difference([1, 2], (1, 2, 3)) == "your answer: expected (1, 2, 3) but got [1, 2]."
    assert (
        find_difference(list(range(19)), range(20)) == "your answer: expected 20 items but got 19."
    )


def test_nan_matches_nan():
    assert find_difference([1.0, np.nan], [1.0, np.nan]) is None
    assert find_difference(float("nan"), float("nan")) is None


def test_boolean_masks_compare_with_zero_one_masks():
    assert find_difference(np.array([[True, False]]), [[1, 0]]) is None


def test_find_difference_validates_its_tolerances():
    with pytest.raises(ValueError, match="rtol must be a non-negative number, got -1"):
        find_difference(1, 1, rtol=-1)
    with pytest.raises(TypeError, match="atol must be a non-negative number, got str"):
        find_difference(1, 1, atol="0")


def test_assert_equivalent_raises_the_learner_facing_message():
    assert_equivalent([2.0, 2.0], (2, 2))
    with pytest.raises(
        AssertionError, match=r"^the output shape: expected \(2, 2\) but got \(3, 3\)\.$"
    ):
        assert_equivalent((3, 3), (2, 2), name="the output shape")


# --------------------------------------------------------------------------
# Custom checkers
# --------------------------------------------------------------------------


def same_shape_model(model):
    """A checker: a Keras model whose output shape equals its input shape."""
    if not hasattr(model, "output_shape"):
        raise AssertionError(f"expected a Keras model, got a {type(model).__name__}.")
    assert_equivalent(model.output_shape, model.input_shape, name="the output shape")


def test_checker_accepts_a_keras_model_whose_output_matches_its_input():
    keras = keras_module()
    exercise = Exercise("model", answer_name="model", checker=same_shape_model)
    inputs = keras.Input((8, 8, 3))
    features = keras.layers.Conv2D(4, 3, strides=2, padding="same")(inputs)
    restored = keras.layers.Conv2DTranspose(3, 3, strides=2, padding="same")(features)
    shrunk = keras.layers.Conv2D(3, 3)(inputs)

    right = exercise.evaluate(keras.Model(inputs, restored))
    wrong = exercise.evaluate(keras.Model(inputs, shrunk))
    assert right.status == "correct"
    assert right.message == "`model` passes every check."
    assert wrong.status == "incorrect"
    assert wrong.message == "The output shape: expected (None, 8, 8, 3) but got (None, 6, 6, 3)."
    assert exercise.evaluate(3).message == "Expected a Keras model, got a int."
    assert exercise.evaluate(namespace={}).status == "not_attempted"


def test_checker_that_raises_something_else_reports_an_error():
    def needs_an_array(value):
        return value.shape

    verdict = Exercise("q", answer_name="a", checker=needs_an_array).evaluate(3)
    assert verdict.status == "error"
    assert (
        verdict.message
        == "Checking `a` raised AttributeError: 'int' object has no attribute 'shape'"
    )
    assert isinstance(verdict.exception, AttributeError)


def test_checker_runs_after_the_comparison_with_expected():
    seen = []
    exercise = Exercise("q", answer_name="a", expected=2, checker=seen.append)
    exercise.evaluate(3)
    exercise.evaluate(2)
    assert seen == [2]


# --------------------------------------------------------------------------
# Function exercises: the learner writes a function
# --------------------------------------------------------------------------


def reference_conv_size(size, kernel, stride=1):
    return (size - kernel) // stride + 1


@pytest.fixture
def conv_size_exercise():
    return Exercise(
        "q2",
        answer_name="conv_size",
        cases=[(64, 3), (64, 5), Case(7, 3, stride=2)],
        expected=reference_conv_size,
        time_limit=0.2,
    )


def test_function_exercise_right_function_is_correct(conv_size_exercise):
    def conv_size(size, kernel, stride=1):
        return (size - kernel) // stride + 1

    verdict = conv_size_exercise.evaluate(conv_size)
    assert verdict.status == "correct"
    assert verdict.message == "`conv_size` gives the expected result in all 3 test cases."


def test_function_exercise_wrong_function_names_the_failing_call(conv_size_exercise):
    def conv_size(size, kernel, stride=1):
        return size - kernel + 1  # ignores the stride

    verdict = conv_size_exercise.evaluate(conv_size)
    assert verdict.status == "incorrect"
    assert verdict.message == "The result of conv_size(7, 3, stride=2): expected 3 but got 5."


@pytest.mark.parametrize(
    "namespace, message",
    [
        ({}, "`conv_size` is not defined yet"),
        ({"conv_size": ____}, "`conv_size` is still ____: replace it"),
        (
            {"conv_size": lambda size, kernel, stride=1: ____},
            "conv_size(64, 3) returns the placeholder ____",
        ),
    ],
)
def test_function_exercise_unattempted(conv_size_exercise, namespace, message):
    verdict = conv_size_exercise.evaluate(namespace=namespace)
    assert verdict.status == "not_attempted"
    assert verdict.message.startswith(message)


def test_a_value_instead_of_a_function_is_incorrect(conv_size_exercise):
    verdict = conv_size_exercise.evaluate(62)
    assert verdict.status == "incorrect"
    assert verdict.message == "`conv_size`: expected a function but got an int (62)."


def test_a_raising_function_gets_its_exception_type_and_message(conv_size_exercise):
    def conv_size(size, kernel, stride=1):
        return size // (kernel - 3)

    verdict = conv_size_exercise.evaluate(conv_size)
    assert verdict.status == "error"
    assert (
        verdict.message
        == "conv_size(64, 3) raised ZeroDivisionError: integer division or modulo by zero"
    )
    assert isinstance(verdict.exception, ZeroDivisionError)


def test_system_exit_in_learner_code_is_reported_not_obeyed(conv_size_exercise):
    verdict = conv_size_exercise.evaluate(lambda *args, **kwargs: sys.exit(3))
    assert verdict.status == "error"
    assert verdict.message == "conv_size(64, 3) raised SystemExit: 3"


def test_a_function_that_returns_nothing_is_told_about_return(conv_size_exercise):
    def conv_size(size, kernel, stride=1):
        (size - kernel) // stride + 1

    verdict = conv_size_exercise.evaluate(conv_size)
    assert verdict.status == "incorrect"
    assert verdict.message == "conv_size(64, 3) returned None: is a `return` statement missing?"


def test_a_wrong_return_type_says_what_was_expected(conv_size_exercise):
    verdict = conv_size_exercise.evaluate(lambda size, kernel, stride=1: str(size - kernel + 1))
    assert verdict.status == "incorrect"
    assert (
        verdict.message == "The result of conv_size(64, 3): expected a number but got a str ('62')."
    )


def test_function_results_accept_equivalent_forms():
    exercise = Exercise(
        "q", answer_name="f", cases=[Case(np.ones((2, 2)))], expected=lambda image: image.shape
    )
    assert exercise.evaluate(lambda image: list(image.shape)).status == "correct"
    assert exercise.evaluate(lambda image: np.array(image.shape, dtype=float)).status == "correct"
    assert exercise.evaluate(lambda image: image.shape[::-1] + (1,)).message == (
        "The result of f(<array of shape (2, 2)>): expected (2, 2) but got (2, 2, 1)."
    )


def test_expected_may_list_one_result_per_case():
    exercise = Exercise("q", answer_name="square", cases=[2, 3], expected=[4, 9])
    assert exercise.evaluate(lambda x: x * x).status == "correct"
    assert (
        exercise.evaluate(lambda x: x + x).message
        == "The result of square(3): expected 9 but got 6."
    )


def test_a_learner_function_that_edits_its_input_cannot_change_the_reference():
    def reference(values):
        return sum(values)

    def destructive(values):
        total = sum(values)
        values.clear()
        return total

    data = [1, 2, 3]
    exercise = Exercise(
        "q", answer_name="total", cases=[Case(data), Case(data)], expected=reference
    )
    assert exercise.evaluate(destructive).status == "correct"
    assert data == [1, 2, 3]


def test_checker_on_function_results_names_the_call():
    def non_negative(result):
        if result < 0:
            raise AssertionError("a size cannot be negative.")

    exercise = Exercise("q", answer_name="f", cases=[1, -1], checker=non_negative)
    assert exercise.evaluate(abs).status == "correct"
    assert (
        exercise.evaluate(lambda x: x).message == "The result of f(-1): a size cannot be negative."
    )


# --------------------------------------------------------------------------
# Hints and solutions
# --------------------------------------------------------------------------


def test_hints_come_in_order_then_the_last_repeats(capsys):
    exercise = Exercise("q", expected=1, hints=["first", "second", "third"])
    shown = [exercise.hint() for _ in range(5)]
    assert [hint.number for hint in shown] == [1, 2, 3, 3, 3]
    assert [hint.text for hint in shown] == ["first", "second", "third", "third", "third"]
    assert capsys.readouterr().out.splitlines()[:2] == ["Hint 1 of 3: first", "Hint 2 of 3: second"]


def test_hint_n_shows_that_hint_without_advancing_the_sequence(capsys):
    exercise = Exercise("q", expected=1, hints=["first", "second"])
    assert exercise.hint(2).text == "second"
    assert exercise.hint().text == "first"
    assert isinstance(exercise.hint(1), Hint)


@pytest.mark.parametrize("n", [0, 3])
def test_hint_number_out_of_range_is_a_value_error(n):
    with pytest.raises(ValueError, match=f"n must be a hint number from 1 to 2, got {n!r}"):
        Exercise("q", expected=1, hints=["a", "b"]).hint(n)


@pytest.mark.parametrize("n", [1.5, True, "1"])
def test_hint_number_of_the_wrong_type_is_a_type_error(n):
    with pytest.raises(TypeError, match="n must be a hint number from 1 to 2, got "):
        Exercise("q", expected=1, hints=["a", "b"]).hint(n)


def test_hint_number_may_be_a_numpy_integer():
    assert Exercise("q", expected=1, hints=["a", "b"]).hint(np.int64(2)).text == "b"


def test_an_exercise_without_hints_says_so(capsys):
    hint = Exercise("q", expected=1).hint()
    assert str(hint) == "Hint: There are no hints for this exercise."
    assert capsys.readouterr().out == "Hint: There are no hints for this exercise.\n"


def test_solution_shows_the_solution_text_as_code(capsys):
    exercise = Exercise("q", expected=1, solution="def f(x):\n    return x < 2")
    solution = exercise.solution()
    assert isinstance(solution, Solution)
    assert capsys.readouterr().out == "Solution:\ndef f(x):\n    return x < 2\n"
    assert "<pre" in solution._repr_html_() and "x &lt; 2" in solution._repr_html_()


def test_missing_solution_says_so():
    assert str(Exercise("q", expected=1).solution()) == (
        "Solution: There is no written solution for this exercise."
    )


# --------------------------------------------------------------------------
# Defining exercises: the author's mistakes are errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"name": ""}, ValueError, "name must be a non-empty str"),
        ({"answer_name": "my answer"}, ValueError, "answer_name must be a Python variable name"),
        ({"hints": "one hint"}, TypeError, "hints must be a sequence of str"),
        ({"solution": 3}, TypeError, "solution must be a str, got int"),
        ({"checker": 3}, TypeError, "checker must be callable or None, got int"),
        ({"name": 3}, TypeError, "name must be a non-empty str, got int 3"),
        ({"rtol": -1.0}, ValueError, "rtol must be a non-negative number, got -1"),
        ({"atol": "0.1"}, TypeError, "atol must be a non-negative number, got str '0.1'"),
        (
            {"time_limit": 0},
            ValueError,
            "time_limit must be a positive number of seconds or None, got 0",
        ),
        (
            {"time_limit": float("inf")},
            ValueError,
            "time_limit must be a positive number of seconds or None, got inf",
        ),
        (
            {"time_limit": -1},
            ValueError,
            "time_limit must be a positive number of seconds or None, got -1",
        ),
        (
            {"time_limit": float("nan")},
            ValueError,
            "time_limit must be a positive number of seconds or None, got nan",
        ),
        ({"time_limit": "10"}, TypeError, "time_limit must be a positive number of seconds"),
        ({"reveal": "no"}, TypeError, "reveal must be True or False, got str 'no'"),
        ({"wrong_answers": 63}, TypeError, "wrong_answers must be a list"),
        (
            {"cases": [1], "expected": lambda x: x, "wrong_answers": [2]},
            TypeError,
            "wrong_answers of a function exercise must be functions",
        ),
        ({"cases": []}, ValueError, "cases must be a non-empty sequence"),
        ({"cases": [1, 2], "expected": [1]}, ValueError, r"one result per case \(2 cases\)"),
        ({"expected": None}, ValueError, "needs expected, checker or both"),
    ],
)
def test_badly_defined_exercises_are_rejected(kwargs, error, message):
    arguments = {"name": "q", "answer_name": "a", "expected": 1} | kwargs
    with pytest.raises(error, match=message):
        Exercise(**arguments)


def test_namespace_must_be_a_mapping():
    with pytest.raises(TypeError, match="namespace must be a mapping"):
        Exercise("q", answer_name="a", expected=1).evaluate(namespace=["a"])


def test_case_describes_its_call():
    assert Case(64, 3, stride=2).describe("f") == "f(64, 3, stride=2)"
    assert repr(Case("same")) == "Case('same')"


# --------------------------------------------------------------------------
# Exercise sets
# --------------------------------------------------------------------------


@pytest.fixture
def chapter():
    chapter = ExerciseSet("01 convolution")
    chapter.add(Exercise("q1", answer_name="width", expected=62))
    chapter.add(Exercise("q2", answer_name="padding", expected="same"))
    chapter.add(Exercise("q3", answer_name="size", cases=[(4, 3)], expected=reference_conv_size))
    return chapter


def test_exercise_set_keeps_exercises_by_name_in_order(chapter):
    assert chapter.names == ("q1", "q2", "q3")
    assert len(chapter) == 3 and "q2" in chapter
    assert chapter["q2"].answer_name == "padding"
    assert [exercise.name for exercise in chapter] == ["q1", "q2", "q3"]
    with pytest.raises(KeyError, match="no exercise named 'q9'"):
        chapter["q9"]


def test_exercise_set_rejects_duplicates_and_non_exercises(chapter):
    with pytest.raises(ValueError, match="exercise names must be unique"):
        chapter.add(Exercise("q1", expected=1))
    with pytest.raises(TypeError, match="exercise must be an Exercise, got str"):
        chapter.add("q4")


def test_check_all_reports_each_exercise(chapter, capsys):
    width, padding = 62, "valid"  # noqa: F841 (read through the calling frame)
    report = chapter.check_all()
    assert isinstance(report, Report)
    assert (report.correct, report.total, bool(report)) == (1, 3, False)
    assert [verdict.status for verdict in report.verdicts.values()] == [
        "correct",
        "incorrect",
        "not_attempted",
    ]
    assert capsys.readouterr().out == (
        "01 convolution: 1 of 3 correct\n  q1  correct\n  q2  incorrect\n  q3  not attempted yet\n"
    )


def test_evaluate_all_with_everything_right_is_true(chapter):
    report = chapter.evaluate_all({"width": 62.0, "padding": "SAME", "size": reference_conv_size})
    assert bool(report)
    assert "<table>" in report._repr_html_()


# --------------------------------------------------------------------------
# In IPython: each check shows its verdict once
# --------------------------------------------------------------------------


def test_in_ipython_a_check_on_the_last_line_is_shown_once(tmp_path):
    pytest.importorskip("IPython")
    script = textwrap.dedent(
        """
        import json
        from traitlets.config import Config
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output

        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        shell = InteractiveShell.instance(config=config)
        shell.run_cell("from deconv_tutor.exercises import Exercise\\n"
                       "q = Exercise('q1', answer_name='x', expected=2, hints=['look'])\\nx = 2",
                       store_history=True)
        shown = {}
        for code in ["q.check()", "v = q.check()", "v", "q.hint()", "v = q.check(); v"]:
            with capture_output() as captured:
                shell.run_cell(code, store_history=True)
            shown[code] = [output.data["text/plain"] for output in captured.outputs]
        print(json.dumps(shown))
        """
    )
    environment = dict(os.environ, IPYTHONDIR=str(tmp_path))
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=True,
    )
    shown = json.loads(completed.stdout.strip().splitlines()[-1])
    correct = ["Correct: `x` has the expected value."]
    assert shown == {
        "q.check()": correct,
        "v = q.check()": correct,
        "v": correct,  # a later cell shows the stored verdict again
        "q.hint()": ["Hint 1 of 1: look"],
        "v = q.check(); v": correct,
    }


def test_objects_with_only_a_numpy_method_are_converted_too():
    class OnlyNumpy:
        def numpy(self):
            return np.array([1.0, 2.0])

    assert find_difference(OnlyNumpy(), (1, 2)) is None


def test_checking_numpy_answers_imports_neither_keras_nor_ipython():
    script = (
        "import sys, numpy as np\n"
        "from deconv_tutor.exercises import Exercise\n"
        "Exercise('q', answer_name='a', expected=np.eye(2)).check([[1, 0], [0, 1]])\n"
        "print(sorted(m for m in ('keras', 'tensorflow', 'IPython') if m in sys.modules))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.splitlines() == ["Correct: `a` has the expected value.", "[]"]
