"""Specification of the time limit on learner code: in the calling thread, stopped, captured."""

import sys
import threading
import time

import numpy as np
import pytest

from deconv_tutor.exercises import Case, Exercise

WATCHDOG_NAME = "deconv_tutor-time-limit"


def keras_module():
    return pytest.importorskip("keras")


def watchdogs_stop(seconds=3.0):
    """True once no time-limit watchdog thread is alive any more."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(thread.name == WATCHDOG_NAME for thread in threading.enumerate()):
            return True
        time.sleep(0.02)
    return False


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


def test_a_too_slow_function_times_out_on_time_and_is_not_left_running(conv_size_exercise):
    iterations = []

    def conv_size(size, kernel, stride=1):
        while True:  # an endless loop that even swallows ordinary exceptions
            try:
                iterations.append(size)
            except Exception:
                pass

    start = time.monotonic()
    verdict = conv_size_exercise.evaluate(conv_size)
    elapsed = time.monotonic() - start
    assert verdict.status == "timeout"
    assert verdict.message == (
        "conv_size(64, 3) did not finish within the time limit of 0.2 s (an endless loop?)."
    )
    assert elapsed < 2.0
    assert watchdogs_stop()
    count = len(iterations)
    time.sleep(0.1)
    assert len(iterations) == count  # the loop is not running in the background


def test_slow_checker_times_out():
    exercise = Exercise("q", answer_name="a", checker=lambda value: time.sleep(0.5), time_limit=0.1)
    verdict = exercise.evaluate(1)
    assert verdict.status == "timeout"
    assert verdict.message == "Checking `a` did not finish within the time limit of 0.1 s."


def test_time_limit_none_runs_the_learner_code_in_the_calling_thread():
    exercise = Exercise(
        "q",
        answer_name="f",
        cases=[()],
        expected=lambda: threading.current_thread().name,
        time_limit=None,
    )
    assert exercise.evaluate(lambda: threading.current_thread().name).status == "correct"


def test_learner_code_sees_the_notebooks_keras_settings():
    keras = keras_module()
    previous = keras.config.dtype_policy().name
    keras.config.set_dtype_policy("float16")
    try:
        exercise = Exercise("q", answer_name="f", cases=[()], expected=lambda: "float16")
        verdict = exercise.evaluate(lambda: keras.config.dtype_policy().name)
    finally:
        keras.config.set_dtype_policy(previous)
    assert verdict.status == "correct", verdict.message


def test_an_array_conversion_that_never_returns_times_out():
    class Endless:
        def __array__(self, dtype=None, copy=None):
            while True:
                pass

    exercise = Exercise("q", answer_name="a", expected=lambda: np.zeros(3), time_limit=0.2)
    start = time.monotonic()
    verdict = exercise.evaluate(Endless())
    assert verdict.status == "timeout"
    assert verdict.message == "Checking `a` did not finish within the time limit of 0.2 s."
    assert time.monotonic() - start < 2.0
    function = Exercise(
        "q", answer_name="f", cases=[1], expected=lambda x: np.zeros(3), time_limit=0.2
    )
    assert function.evaluate(lambda x: Endless()).message == (
        "Checking the result of f(1) did not finish within the time limit of 0.2 s."
    )


def test_a_loop_that_catches_even_base_exceptions_is_stopped(conv_size_exercise):
    def swallow_everything(size, kernel, stride=1):
        while True:
            try:
                time.sleep(0.001)
            except:  # noqa: E722 - a bare except, as learners write them
                continue

    def two_levels(size, kernel, stride=1):
        while True:
            try:
                while True:
                    try:
                        size += 1
                    except BaseException:
                        pass
            except BaseException:
                pass

    for learner in (swallow_everything, two_levels):
        start = time.monotonic()
        verdict = conv_size_exercise.evaluate(learner)
        assert verdict.status == "timeout", learner.__name__
        assert time.monotonic() - start < 2.0, learner.__name__
    assert watchdogs_stop()


def test_learner_code_runs_in_the_calling_thread_even_with_a_time_limit():
    exercise = Exercise("q", answer_name="f", cases=[()], expected=threading.get_ident)
    assert exercise.time_limit == 10.0
    assert exercise.evaluate(threading.get_ident).status == "correct"


def test_a_time_out_leaves_no_trace_function_signal_handler_or_thread_behind():
    import signal

    handler = signal.getsignal(signal.SIGUSR1)
    trace = sys.gettrace()
    exercise = Exercise("q", answer_name="f", cases=[()], expected=lambda: 1, time_limit=0.1)
    assert (
        exercise.evaluate(lambda: time.sleep(5) if False else [None for _ in iter(int, 1)]).status
        == "timeout"
    )
    assert signal.getsignal(signal.SIGUSR1) is handler
    assert sys.gettrace() is trace
    assert watchdogs_stop()


def test_a_check_from_another_thread_stops_an_endless_loop_too():
    results = {}

    def endless():
        while True:
            pass

    def check_in_a_thread():
        exercise = Exercise("q", answer_name="f", cases=[()], expected=lambda: 1, time_limit=0.2)
        results["status"] = exercise.evaluate(endless).status

    worker = threading.Thread(target=check_in_a_thread)
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and results == {"status": "timeout"}


def test_a_check_in_another_thread_leaves_the_main_threads_time_limit_working():
    # Regression: clearing a thread's pending exception with PyThreadState_SetAsyncExc(id,
    # NULL) left CPython 3.11's interpreter-wide flag set, and the next time-out in the
    # main thread re-entered its signal handler without end.
    worker = threading.Thread(
        target=lambda: Exercise("q", answer_name="f", cases=[()], expected=lambda: 1).evaluate(
            lambda: 1
        )
    )
    worker.start()
    worker.join(5)

    def swallow():
        while True:
            try:
                pass
            except BaseException:
                pass

    exercise = Exercise("q", answer_name="f", cases=[()], expected=lambda: 1, time_limit=0.2)
    start = time.monotonic()
    assert exercise.evaluate(swallow).status == "timeout"
    assert time.monotonic() - start < 2.0


def test_the_interrupt_button_still_stops_a_check(conv_size_exercise):
    def interrupted(size, kernel, stride=1):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        conv_size_exercise.evaluate(interrupted)


def test_an_exception_whose_message_fails_is_still_reported():
    class Unprintable(Exception):
        def __str__(self):
            raise ValueError("no")

    def learner(x):
        raise Unprintable

    exercise = Exercise("q", answer_name="f", cases=[1], expected=lambda x: x)
    verdict = exercise.evaluate(learner)
    assert verdict.status == "error"
    assert verdict.message == "f(1) raised Unprintable: (its message could not be shown)"


def test_what_learner_code_prints_is_captured_and_shortened(capsys):
    def chatty(x):
        for line in range(10**6):
            print("step", line)
        return x

    exercise = Exercise("q", answer_name="f", cases=[1], expected=lambda x: x, time_limit=60)
    verdict = exercise.check(chatty)
    assert verdict.status == "correct"
    shown = capsys.readouterr().out
    assert shown.startswith("Your code printed:\nstep 0\nstep 1\n")
    assert "... (999980 more lines not shown)" in shown
    assert shown.endswith("Correct: `f` gives the expected result in the test case.\n")
    assert len(shown) < 1000
    assert verdict.output.count("\n") == 20 and str(verdict) == (
        "Correct: `f` gives the expected result in the test case."
    )


def test_a_quiet_check_prints_nothing_but_the_verdict(capsys):
    Exercise("q", answer_name="a", expected=1).check(1)
    assert capsys.readouterr().out == "Correct: `a` has the expected value.\n"
