"""Each chapter's exercises, one module per chapter, kept out of the learner's page.

A chapter imports its questions (``from deconv_tutor.questions.ch02 import chapter, q1``)
and shows only the prompts; ``q1.check()`` reads the learner's answer from the cell that
calls it, ``q1.hint()`` and ``q1.solution()`` show help only when asked. The expected
answers, plausible wrong answers and solutions live here, where the test suite checks that
every exercise accepts its solution and rejects the mistakes (``tests/unit/test_questions.py``).

Examples
--------
>>> import importlib
>>> all(importlib.import_module(f"deconv_tutor.questions.{name}") for name in chapters())
True
"""

import pkgutil


def chapters():
    """Names of the chapter modules holding exercises, in reading order.

    Returns
    -------
    list of str
        ``["ch00", "ch01", ...]``, those present.

    Examples
    --------
    >>> all(name.startswith("ch") for name in chapters())
    True
    """
    return sorted(
        module.name for module in pkgutil.iter_modules(__path__) if module.name.startswith("ch")
    )
