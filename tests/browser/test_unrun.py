"""A chapter opened before it runs shows its widgets' pictures, not their Python repr.

No kernel holds a stored chapter's widgets, so each widget output keeps only the still picture
that ``deconv_tutor.widgets.Panel`` put beside the live view (``text/html`` with inline images,
an image, a line of text; ``tests/notebooks/execute.py`` drops the view). JupyterLab renders the
HTML whether the notebook is untrusted (sanitized) or trusted, as `make lab` makes the learner's
copies.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNEL_STATUS = "document.querySelector('.jp-StatusBar-Widget')?.textContent ?? ''"
# The chapters whose widgets draw pictures: the browser opens these (each costs a JupyterLab tab).
OPENED = ["00_start_here.ipynb", "02_transposed_convolution.ipynb"]


def widget_outputs(path):
    """The data of each output a widget left: its still picture (and text)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        output["data"]
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
        or "deconv-tutor-static" in "".join(output.get("data", {}).get("text/html", ""))
    ]


CHAPTERS = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb") if widget_outputs(p))


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_committed_widget_output_carries_its_picture(path):
    """Without a browser: each widget output of each chapter has a still picture to show."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in notebook["metadata"], "a stored widget state makes nbconvert draw none"
    for data in widget_outputs(path):
        assert "deconv-tutor-static" in "".join(data.get("text/html", "")), (
            f"{path.name}: a widget output has no still picture (re-execute the chapter): "
            f"{''.join(data['text/plain'])[:80]}"
        )
        assert "Panel(children" not in "".join(data["text/plain"])
        # No kernel holds the widget: in a trusted notebook (the learner's copies are trusted)
        # a stored view would show "Error displaying widget: model not found", not the picture.
        assert WIDGET_VIEW not in data, f"{path.name}: a stored widget view (re-execute it)"


def open_without_running(page, lab, notebook, trusted):
    workspace = "unrun-" + notebook.split(".")[0] + ("-trusted" if trusted else "")
    page.goto(
        f"{lab['base']}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={lab['token']}",
        wait_until="domcontentloaded",
    )
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)


def trust(lab, notebook):
    """Sign the served copy, as `make lab` signs the learner's copies."""
    if "JUPYTER_DATA_DIR" not in os.environ:
        pytest.skip("JUPYTER_DATA_DIR is unset: signing would write to the home folder")
    copy = pathlib.Path(lab["log"]).parent / "notebooks" / notebook
    jupyter = pathlib.Path(sys.executable).with_name("jupyter")
    subprocess.run([str(jupyter), "trust", str(copy)], check=True, capture_output=True)


@pytest.mark.parametrize("trusted", [False, True], ids=["untrusted", "trusted"])
@pytest.mark.parametrize("notebook", OPENED)
def test_unrun_chapter_shows_its_widget_pictures_in_jupyterlab(
    page, lab, notebook, trusted, artifacts
):
    expected = widget_outputs(ROOT / "notebooks" / notebook)
    pictures = sum("".join(data.get("text/html", "")).count("<img ") for data in expected)
    assert pictures, f"{notebook} has no widget picture to look for"
    if trusted:
        trust(lab, notebook)
    open_without_running(page, lab, notebook, trusted)
    stills = page.locator(".jp-OutputArea-output .deconv-tutor-static")
    name = f"{notebook}-unrun{'-trusted' if trusted else ''}"
    try:
        stills.nth(len(expected) - 1).wait_for(state="attached", timeout=60_000)
        # Every picture of every still widget has arrived and decoded (a data: URI the
        # sanitizer had dropped would leave an <img> without a size, or no <img> at all).
        page.wait_for_function(
            """count => {
                const images = [...document.querySelectorAll(
                    '.jp-OutputArea-output .deconv-tutor-static img')];
                return images.length >= count && images.every(i => i.complete && i.naturalWidth > 0);
            }""",
            arg=pictures,
            timeout=60_000,
        )
        # A stored widget view fails only once the kernel is up and the widget manager has
        # looked for its model ("Error displaying widget: model not found").
        page.wait_for_function(
            f"() => ({KERNEL_STATUS}).includes('| Idle')", timeout=180_000, polling=250
        )
    finally:
        page.screenshot(path=str(artifacts / f"{name}.png"), full_page=False)
    assert stills.count() == len(expected)
    assert "Panel(children" not in page.content()
    assert "Error displaying widget" not in page.content()
    first = page.locator(".jp-OutputArea-output .deconv-tutor-static img").first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    assert box is not None and box["width"] >= 64 and box["height"] >= 16
    for index in range(stills.count()):
        stills.nth(index).screenshot(path=str(artifacts / f"{name}-widget{index}.png"))
