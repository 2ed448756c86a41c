"""Pytest set-up shared by the unit tests, the doctests and the notebook tests."""

import os

# Same rules as the notebooks: quiet logs, no files outside the working folder, the fastest budget.
os.environ.setdefault("DECONV_TUTOR_BUDGET", "smoke")

from deconv_tutor import environment  # noqa: E402

environment.prepare(seed=0)
