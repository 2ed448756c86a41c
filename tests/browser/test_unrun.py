"""A chapter opened before it runs shows its widgets' pictures, not their Python repr.

A committed chapter is untrusted in a learner's JupyterLab, and no kernel holds its widgets,
so JupyterLab renders the best *safe* type of each widget output: the still picture that
``deconv_tutor.widgets.Panel`` puts beside the widget view (``text/html`` with inline images).
"""

import json
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
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


def open_without_running(page, lab, notebook):
    workspace = "unrun-" + notebook.split(".")[0]
    page.goto(
        f"{lab['base']}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={lab['token']}",
        wait_until="domcontentloaded",
    )
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)


@pytest.mark.parametrize("notebook", OPENED)
def test_unrun_chapter_shows_its_widget_pictures_in_jupyterlab(page, lab, notebook, artifacts):
    expected = widget_outputs(ROOT / "notebooks" / notebook)
    pictures = sum("".join(data.get("text/html", "")).count("<img ") for data in expected)
    assert pictures, f"{notebook} has no widget picture to look for"
    open_without_running(page, lab, notebook)
    stills = page.locator(".jp-OutputArea-output .deconv-tutor-static")
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
    finally:
        page.screenshot(path=str(artifacts / f"{notebook}-unrun.png"), full_page=False)
    assert stills.count() == len(expected)
    assert "Panel(children" not in page.content()
    first = page.locator(".jp-OutputArea-output .deconv-tutor-static img").first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    assert box is not None and box["width"] >= 64 and box["height"] >= 16
    for index in range(stills.count()):
        stills.nth(index).screenshot(path=str(artifacts / f"{notebook}-unrun-widget{index}.png"))
