"""Execute the course notebooks in place, top to bottom, one fresh kernel each (``make notebooks``).

Usage: ``python tests/notebooks/execute.py [NOTEBOOK_OR_FOLDER ...]`` (default: ``notebooks/``).
A cell may fail only when it is tagged ``raises-exception`` (a failure it means to show).
Widget state is not stored: each widget's output carries its own still picture (``text/html`` and
an image, see ``deconv_tutor.widgets.Panel``), which JupyterLab shows in a chapter opened before it
runs, and GitHub, nbviewer and nbconvert show always. With the state stored, nbconvert would pick
the widget view instead and draw nothing offline (its widget script comes from a CDN), and GitHub
may refuse to render the notebook. For the same reason a stored output keeps no widget view: with
no state it names a widget that exists nowhere, and a *trusted* notebook (the learner's copies are
trusted when made) would show "Error displaying widget: model not found" instead of the picture.
"""

import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[2]
KERNEL = "deconv-tutor"
CELL_TIMEOUT_S = 900
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


# Jupyter's autosaves, and nbgrader's generated copies of the assignments (only source/ is authored).
SKIPPED_FOLDERS = {".ipynb_checkpoints", "release", "submitted", "autograded", "feedback"}


def notebooks_under(paths):
    """Chapters in reading order, then the assignments."""
    found = []
    for path in (pathlib.Path(p).resolve() for p in paths):
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.ipynb") if not SKIPPED_FOLDERS & set(p.parts))
        else:
            found.append(path)
    return sorted(found, key=lambda p: ("assignments" in p.parts, str(p)))


def drop_widget_views(notebook):
    """Remove widget views from stored outputs (no kernel holds their widgets); return how many.

    An output left with nothing else to show (a widget with no still picture) is kept as it is.
    """
    dropped = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data and set(data) - {WIDGET_VIEW, "text/plain"}:
                del data[WIDGET_VIEW]
                dropped += 1
    return dropped


def execute(path):
    notebook = nbformat.read(path, as_version=4)
    # A state stored by an earlier run names widgets that no longer exist.
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
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
    )
    client.execute()
    drop_widget_views(notebook)
    nbformat.write(notebook, path)


def main(argv):
    os.environ.setdefault("DECONV_TUTOR_BUDGET", "smoke")
    paths = notebooks_under(argv or [ROOT / "notebooks"])
    for number, path in enumerate(paths, 1):
        start = time.perf_counter()
        print(f"[{number}/{len(paths)}] {path.relative_to(ROOT)} ...", end=" ", flush=True)
        execute(path)
        size = path.stat().st_size / 1e6
        print(f"{time.perf_counter() - start:.0f} s, {size:.2f} MB", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
