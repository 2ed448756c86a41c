"""Run every chapter at a budget: its wall time, its headline figures, and issue 11's targets.

Each chapter (``notebooks/NN_*.ipynb``) is copied into a temporary folder and executed
there, top to bottom, in a fresh ``deconv-tutor`` kernel (as ``make notebooks`` does, but
never writing to the committed notebook), with ``DECONV_TUTOR_BUDGET`` set to the budget.
A cell tagged ``raises-exception`` may fail (a failure it means to show; no chapter has one
now: chapter 04 catches and prints the article's shape error); any other error stops that chapter
and is reported.

A chapter reports its headline figures by calling
``deconv_tutor.training.record_results("NN", {...})``, which writes
``outputs/results/NN.json`` in its working folder; this script reads it back and checks
each figure of :data:`TARGETS` (the targets of issue 11, item 3), and each chapter's time
against :data:`CHAPTER_MINUTES` (the whole course against :data:`COURSE_MINUTES`). A
figure the chapter did not record is a miss ("not recorded"). At the ``smoke`` budget the
models are untrained: the figures are shown but not judged.

Usage::

    python benchmarks/chapters.py [--budget smoke|cpu|gpu] [--only 06,07] [--output FILE]
        [--keep FOLDER] [--markdown] [--store]
    python benchmarks/chapters.py --budget cpu --table   # the README's table, from the JSON

``--store`` writes each chapter that ran without error back over ``notebooks/NN_*.ipynb``
(widget views dropped, as ``make notebooks`` does): the committed chapters at ``cpu`` come
from this run, with their times and figures recorded beside them.

The table is printed and the JSON goes to ``benchmarks/results/chapters_<budget>.json``
(``--only`` replaces those chapters' entries and keeps the others).
"""

import argparse
import datetime
import importlib.util
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time

import _common

_common.prepare()

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError

from deconv_tutor import training

# tests/notebooks/execute.py (what `make notebooks` used to run) stores a chapter executed:
# loaded from its path, as it is a script, not a package module.
_spec = importlib.util.spec_from_file_location(
    "notebook_execution", _common.ROOT / "tests" / "notebooks" / "execute.py"
)
notebook_execution = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebook_execution)

NOTEBOOKS = _common.ROOT / "notebooks"
KERNEL = "deconv-tutor"
#: Issue 11: each chapter at ``cpu`` within 15 minutes on 2 cores, the course within 90.
CHAPTER_MINUTES = 15
COURSE_MINUTES = 90
#: A cell running longer than this is stopped (a hung chapter must not hang the benchmark).
CELL_TIMEOUT_S = 1800

#: chapter -> [(figure, rule, threshold, what it means)], the targets of issue 11, item 3.
#: Rules: ">=" and "<" compare numbers; "==" a verdict or a value. Each chapter records
#: these figure names with ``training.record_results``.
TARGETS = {
    "03": [
        (
            "deblur_gain_motion_db",
            ">=",
            0.3,
            "learned deblurrer - better of tuned Wiener and Richardson-Lucy, motion blur (dB)",
        ),
        (
            "deblur_gain_gaussian_db",
            ">=",
            0.3,
            "learned deblurrer - better of tuned Wiener and Richardson-Lucy, Gaussian blur (dB)",
        ),
    ],
    "04": [("fixed_gain_over_noisy_db", ">=", 5.0, "fixed encoder-decoder - noisy input (dB)")],
    "06": [
        ("gain_sigma15_db", ">=", 0.0, "best learned - best classical (oracle), sigma 15 (dB)"),
        ("gain_sigma25_db", ">=", 1.0, "best learned - best classical (oracle), sigma 25 (dB)"),
        ("gain_sigma50_db", ">=", 0.0, "best learned - best classical (oracle), sigma 50 (dB)"),
        ("colour_cast_max", "<", 0.005, "largest |mean error| of a colour channel"),
    ],
    "07": [
        ("sr_x2_gain_db", ">=", 1.5, "best learned x2 - bicubic (dB)"),
        ("sr_x3_gain_db", ">=", 1.0, "best learned x3 - bicubic (dB)"),
        (
            "sr_worst_gain_db",
            ">=",
            0.0,
            "worst (learned upscaler, test photo) - bicubic (dB): none below bicubic",
        ),
        ("artifact_gain_db", ">=", 0.5, "artifact removal - decoded H.264 (dB)"),
        ("artifact_crf", ">=", 35, "CRF of the artifact test (blocking visible)"),
    ],
    "08": [
        ("unet_mean_iou", ">=", 0.85, "best U-Net (here or reference) mean IoU, held-out clips"),
        ("unet_minus_fcn_iou", ">=", 0.0, "U-Net - FCN mean IoU, both trained here"),
    ],
    "09": [
        ("multi_minus_single_db", ">=", 0.5, "multi-frame - single-frame (dB)"),
        ("multi_minus_single_flicker", "<", 0.0, "multi-frame - single-frame flicker"),
    ],
    "10": [
        (
            "denoise_gain_db",
            ">=",
            1.0,
            "best learned - best classical denoiser, sigma 25 (dB): chapter 06's bar",
        ),
        (
            "projection_structure",
            ">=",
            0.5,
            "reference's projections: smoothest of 10 untrained models' roughness - its own",
        ),
    ],
    "11": [
        ("plateau_reached", "==", True, "every grid model trained to its plateau"),
        ("run_to_run_noise_db", ">=", 0.0, "measured run-to-run noise used as the tie threshold"),
    ],
}


def chapters(only=None):
    """The chapter notebooks in reading order, or those whose number is in ``only``."""
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if only is None:
        return found
    unknown = sorted(set(only) - {path.name[:2] for path in found})
    if unknown:
        raise ValueError(
            f"--only must name chapters among {', '.join(p.name[:2] for p in found)}, "
            f"got {', '.join(unknown)}"
        )
    return [path for path in found if path.name[:2] in only]


def check_figure(value, rule, threshold):
    """Whether ``value`` meets ``rule threshold``; None when the value is missing."""
    if value is None:
        return None
    if rule == "==":
        return value == threshold
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return value >= threshold if rule == ">=" else value < threshold


def judge(number, figures, seconds, budget_name):
    """The target checks of chapter ``number``: one dict per figure, and the time check."""
    judged = budget_name != "smoke"
    checks = []
    for figure, rule, threshold, meaning in TARGETS.get(number, []):
        value = (figures or {}).get(figure)
        met = check_figure(value, rule, threshold)
        checks.append(
            {
                "figure": figure,
                "rule": f"{rule} {threshold}",
                "meaning": meaning,
                "value": value,
                "met": met if judged else None,
                "status": (
                    "not recorded"
                    if value is None
                    else ("not judged (smoke)" if not judged else ("met" if met else "NOT met"))
                ),
            }
        )
    return checks, seconds <= CHAPTER_MINUTES * 60


def execute(path, budget_name, work):
    """Run one chapter copied into ``work``; return (seconds, error text or None)."""
    copy = work / path.name
    shutil.copy2(path, copy)
    notebook = nbformat.read(copy, as_version=4)
    notebook.metadata.pop("widgets", None)
    notebook.metadata["kernelspec"] = {
        "name": KERNEL,
        "display_name": "Python (deconv-tutor)",
        "language": "python",
    }
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(work)}},
        record_timing=False,
        store_widget_state=False,
    )
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as failure:
        # The last line of the traceback names the error; the whole text is in the JSON.
        error = str(failure).strip()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, copy)
    return seconds, error


def write_back(executed, path):
    """Store an executed chapter over the committed one, as ``make notebooks`` stores it."""
    notebook = nbformat.read(executed, as_version=4)
    notebook_execution.drop_widget_views(notebook)
    temporary = path.with_name(f".{path.name}.partial")
    nbformat.write(notebook, temporary)
    os.replace(temporary, path)


def run(paths, budget_name, keep=None, store=False):
    """Execute each chapter at ``budget_name``; one entry per chapter.

    With ``store``, a chapter that ran without error replaces the committed notebook (the
    course is committed executed at ``cpu``: this is how, with its time and figures judged
    in the same run).
    """
    entries = {}
    saved = os.environ.get(training.BUDGET_VARIABLE)
    os.environ[training.BUDGET_VARIABLE] = budget_name
    try:
        for index, path in enumerate(paths, 1):
            number = path.name[:2]
            print(f"[{index}/{len(paths)}] {path.name} at {budget_name} ...", end=" ", flush=True)
            with tempfile.TemporaryDirectory(prefix=f"chapter{number}_") as folder:
                work = pathlib.Path(folder)
                # The kernel inherits these: caches stay in the copy's folder.
                for variable, name in _common.LOCAL_CACHES:
                    os.environ[variable] = str(work / ".cache" / name)
                seconds, error = execute(path, budget_name, work)
                record = training.read_results(number, work)
                if keep is not None:
                    shutil.copytree(work, keep / path.stem, dirs_exist_ok=True)
                if store and error is None:
                    write_back(work / path.name, path)
            figures = record["figures"] if record else None
            if record and record["budget"] != budget_name:
                figures = None  # recorded at another budget: not this run's
            checks, in_time = judge(number, figures, seconds, budget_name)
            entries[number] = {
                "notebook": path.name,
                "seconds": round(seconds, 1),
                "minutes_limit": CHAPTER_MINUTES,
                "within_time": in_time,
                "error": error,
                "stored": bool(store and error is None),
                "date_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "load_average_1min_after": _common.load_average(),
                "figures": figures,
                "targets": checks,
            }
            print(f"{seconds:.0f} s" + (", ERROR" if error else ""), flush=True)
    finally:
        if saved is None:
            os.environ.pop(training.BUDGET_VARIABLE, None)
        else:
            os.environ[training.BUDGET_VARIABLE] = saved
    return entries


def _error_line(error):
    lines = [line for line in (error or "").splitlines() if line.strip()]
    return lines[-1][:70] if lines else ""


def _shown(value):
    """A figure as the table shows it: numbers to 4 significant digits, None as '-'."""
    if value is None:
        return "-"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def format_table(entries, budget_name, markdown=False):
    """One line per chapter: time, error, targets met, and the misses (plain or Markdown)."""
    header = ("chapter", "minutes", "load after", "in time", "error", "targets", "misses and gaps")
    rows = []
    total = 0.0
    for _, entry in sorted(entries.items()):
        total += entry["seconds"]
        checks = entry["targets"]
        met = sum(1 for c in checks if c["met"])
        misses = [
            f"{c['figure']} {_shown(c['value'])} ({c['rule']})"
            for c in checks
            if c["status"] in ("NOT met", "not recorded")
        ]
        targets = (
            "-"
            if not checks
            else (f"{met}/{len(checks)}" if budget_name != "smoke" else "not judged")
        )
        rows.append(
            (
                entry["notebook"].removesuffix(".ipynb"),
                f"{entry['seconds'] / 60:.1f}",
                _shown(entry.get("load_average_1min_after")),
                "yes" if entry["within_time"] else "NO",
                _error_line(entry["error"]) or "-",
                targets,
                "; ".join(misses) or "-",
            )
        )
    rows.append(
        (
            "whole course",
            f"{total / 60:.1f}",
            "",
            "yes" if total <= COURSE_MINUTES * 60 else "NO",
            "",
            "",
            "",
        )
    )
    if markdown:
        lines = [header, ("---",) * len(header), *rows]
        return "\n".join("| " + " | ".join(cell or " " for cell in row) + " |" for row in lines)
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    render = lambda row: "  ".join(cell.ljust(width) for cell, width in zip(row, widths))  # noqa: E731
    return "\n".join(
        [render(header), "  ".join("-" * w for w in widths), *(render(row) for row in rows)]
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", choices=training.BUDGET_NAMES, help="default: the hardware's")
    parser.add_argument("--only", help="comma-separated chapter numbers, e.g. 06,07")
    parser.add_argument(
        "--output", type=pathlib.Path, help="default results/chapters_<budget>.json"
    )
    parser.add_argument(
        "--keep", type=pathlib.Path, help="copy each executed chapter's folder here to inspect it"
    )
    parser.add_argument(
        "--markdown", action="store_true", help="also print the table in Markdown (the README's)"
    )
    parser.add_argument(
        "--store",
        action="store_true",
        help="write each chapter that ran without error back to notebooks/ (committed executed)",
    )
    parser.add_argument(
        "--table",
        action="store_true",
        help="print the Markdown table of the recorded results (the README's) and run nothing",
    )
    options = parser.parse_args(argv)
    budget_name = options.budget or training.auto_budget(training.hardware())[0]
    if options.table:
        recorded = options.output or _common.RESULTS / f"chapters_{budget_name}.json"
        if not recorded.is_file():
            parser.error(f"no results recorded at {budget_name}: {recorded} is missing")
        entries = json.loads(recorded.read_text())["chapters"]
        print(format_table(entries, budget_name, markdown=True))
        return 0
    only = None
    if options.only:
        only = [part.strip().zfill(2) for part in options.only.split(",") if part.strip()]
    try:
        paths = chapters(only)
    except ValueError as error:
        parser.error(str(error))
    output = options.output or _common.RESULTS / f"chapters_{budget_name}.json"
    if options.keep is not None:
        options.keep.mkdir(parents=True, exist_ok=True)

    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    entries = run(paths, budget_name, options.keep, store=options.store)

    results = json.loads(output.read_text()) if output.is_file() else {}
    results.setdefault("chapters", {}).update(entries)
    results.update(
        {
            "budget": budget_name,
            "command": " ".join(
                ["python", "benchmarks/chapters.py", *(sys.argv[1:] if argv is None else argv)]
            ),
            "date_utc": started,
            "machine": _common.machine_info(),
            "chapter_minutes": CHAPTER_MINUTES,
            "course_minutes": COURSE_MINUTES,
            "targets": {
                number: [list(target) for target in targets] for number, targets in TARGETS.items()
            },
        }
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1) + "\n")
    print()
    print(format_table(entries, budget_name))
    if options.markdown:
        print()
        print(format_table(entries, budget_name, markdown=True))
    print(f"\nwritten to {output}")
    failed = any(entry["error"] for entry in entries.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
