"""Every chapter's exercises check themselves: the placeholder is "not attempted", each
plausible wrong answer is rejected and the solution is accepted (instructor self-tests,
run here rather than in the learner's page)."""

import importlib

import pytest

from deconv_tutor import questions
from deconv_tutor.exercises import ExerciseSet, self_test


@pytest.mark.parametrize("name", questions.chapters())
def test_the_chapters_exercises_check_themselves(name):
    module = importlib.import_module(f"deconv_tutor.questions.{name}")
    assert isinstance(module.chapter, ExerciseSet)
    self_test(vars(module))
