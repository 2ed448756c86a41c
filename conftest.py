"""Pytest set-up shared by the unit tests, the doctests and the notebook tests.

A plain ``pytest`` at the repository root runs what ``make test`` runs: the options are in
pyproject.toml, and the variables that the Makefile exports are set here when absent.
"""

import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent

# Same rules as the notebooks: quiet logs, no files outside the working folder, the fastest budget.
os.environ.setdefault("DECONV_TUTOR_BUDGET", "smoke")
for variable, folder in {
    "JUPYTER_CONFIG_DIR": "jupyter/config",
    "JUPYTER_DATA_DIR": "jupyter/data",
    "JUPYTER_RUNTIME_DIR": "jupyter/runtime",
    "IPYTHONDIR": "ipython",
}.items():
    os.environ.setdefault(variable, str(ROOT / ".cache" / folder))

from deconv_tutor import environment  # noqa: E402

environment.prepare(seed=0)


def pytest_configure(config):
    # nbval opens the sanitize file relative to the current folder; pytest may start elsewhere.
    sanitize = getattr(config.option, "nbval_sanitize_with", None)
    if sanitize and not os.path.isabs(sanitize):
        config.option.nbval_sanitize_with = str(ROOT / sanitize)
