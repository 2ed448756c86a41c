"""Headline figures of a chapter, written where a benchmark can read them back.

A training chapter ends by calling :func:`record_results` with the few numbers that say
whether it worked (a gain in dB over the classical baseline, an IoU, a verdict). They go
to a small JSON file in the chapter's working folder, ``outputs/results/<name>.json``
(Git ignores ``outputs/``), one file per chapter, so chapters run side by side never write
the same file. ``benchmarks/chapters.py`` executes every chapter, reads these files back
with :func:`read_results` and checks the figures against the course's targets.

The file (format 1)::

    {"format": 1, "chapter": "06", "budget": "cpu",
     "figures": {"gain_sigma25_db": 1.23, "colour_cast_max": 0.002, ...}}

Figures are numbers (NumPy scalars included), booleans (a verdict) or short strings (the
name of the winning model). The names the benchmark checks, chapter by chapter, are in
``TARGETS`` of ``benchmarks/chapters.py`` (for instance chapter 06's ``gain_sigma25_db``,
the best learned denoiser's PSNR minus the best classical one's at sigma 25, in dB). A chapter may record in several cells: each call adds its
figures to those already in the file (a figure recorded again is replaced).
"""

import json
import math
import numbers
import os
import pathlib

import numpy as np

from deconv_tutor import _validation as check
from deconv_tutor.training.budgets import select_budget

__all__ = ["RESULTS_FOLDER", "RESULTS_FORMAT", "read_results", "record_results", "results_path"]

#: Folder of the records, relative to the chapter's working folder.
RESULTS_FOLDER = pathlib.Path("outputs") / "results"
#: Version of the file layout; :func:`read_results` refuses any other.
RESULTS_FORMAT = 1
# A figure is a headline, not a payload: a string longer than this is a mistake.
_MAX_TEXT = 200


def _check_name(name):
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as '06', got {type(name).__name__} {name!r}")
    if not name or not all(c.isalnum() or c in "_-" for c in name):
        raise ValueError(
            f"name must be a non-empty string of letters, digits, '_' and '-' (it names a "
            f"file), got {name!r}"
        )
    return name


def results_path(name, folder="."):
    """Where :func:`record_results` writes the figures of chapter ``name``.

    Parameters
    ----------
    name : str
        The chapter, e.g. ``"06"``: letters, digits, ``_`` and ``-``.
    folder : str or path-like, default "."
        The chapter's working folder.

    Returns
    -------
    pathlib.Path
        ``folder/outputs/results/<name>.json``.

    Examples
    --------
    >>> results_path("06", "notebooks").as_posix()
    'notebooks/outputs/results/06.json'
    """
    return check.path(folder, "folder") / RESULTS_FOLDER / f"{_check_name(name)}.json"


def _figure(key, value):
    if not isinstance(key, str) or not key:
        raise TypeError(f"figures keys must be non-empty strings, got {key!r}")
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, str):
        if len(value) > _MAX_TEXT:
            raise ValueError(
                f"figures[{key!r}] must be a short string (at most {_MAX_TEXT} characters), "
                f"got {len(value)} characters"
            )
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise ValueError(f"figures[{key!r}] must be a finite number, got {value}")
        return value
    raise TypeError(
        f"figures[{key!r}] must be a number, a bool or a string, got {type(value).__name__}"
    )


def record_results(name, figures, *, budget=None, folder="."):
    """Write a chapter's headline figures to ``outputs/results/<name>.json`` in its folder.

    Parameters
    ----------
    name : str
        The chapter, e.g. ``"06"`` (``benchmarks/chapters.py`` looks for this name).
    figures : dict
        ``{figure name: value}``; values are numbers (NumPy scalars too), booleans or
        short strings. Added to the figures already recorded for ``name`` at this budget.
    budget : Budget or str, optional
        The budget the figures were obtained at; :func:`select_budget` by default. Figures
        recorded at another budget are dropped, not mixed.
    folder : str or path-like, default "."
        The chapter's working folder (a notebook's is the folder it is in).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> path = record_results("06", {"gain_db": 1.234, "met": True}, budget="smoke", folder=folder)
    >>> path = record_results("06", {"best": "dncnn"}, budget="smoke", folder=folder)
    >>> read_results("06", folder)["figures"]
    {'gain_db': 1.234, 'met': True, 'best': 'dncnn'}
    """
    path = results_path(name, folder)
    if not isinstance(figures, dict):
        raise TypeError(f"figures must be a dict of name -> value, got {type(figures).__name__}")
    if not figures:
        raise ValueError("figures must hold at least one figure, got an empty dict")
    checked = {key: _figure(key, value) for key, value in figures.items()}
    budget_name = select_budget(budget).name
    earlier = read_results(name, folder) if path.is_file() else None
    merged = dict(earlier["figures"]) if earlier and earlier["budget"] == budget_name else {}
    merged.update(checked)
    record = {
        "format": RESULTS_FORMAT,
        "chapter": name,
        "budget": budget_name,
        "figures": merged,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written under another name and renamed: a reader never sees half a file.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(partial, path)
    return path


def read_results(name, folder="."):
    """Read back what :func:`record_results` wrote for chapter ``name``, or None.

    Parameters
    ----------
    name : str
        The chapter, e.g. ``"06"``.
    folder : str or path-like, default "."
        The chapter's working folder.

    Returns
    -------
    dict or None
        ``{"format", "chapter", "budget", "figures"}``; None when nothing was recorded.

    Raises
    ------
    ValueError
        For a file that is not a record of this format.

    Examples
    --------
    >>> import tempfile
    >>> print(read_results("06", tempfile.mkdtemp()))
    None
    """
    path = results_path(name, folder)
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} must hold a JSON record, got unreadable text: {error}") from error
    if not isinstance(record, dict) or record.get("format") != RESULTS_FORMAT:
        got = record.get("format") if isinstance(record, dict) else type(record).__name__
        raise ValueError(f"{path} must hold a record of format {RESULTS_FORMAT}, got {got!r}")
    return record
