"""A learner's first minutes, in a real browser: open a chapter, run it, move a slider, see the image change."""

import json
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

WIDGET_ERROR = "Error displaying widget"


def open_and_run_all(page, lab, notebook):
    # A workspace of its own, reset: otherwise JupyterLab restores the previous test's tabs,
    # and their sliders and images would be found first.
    workspace = notebook.split(".")[0]
    page.goto(
        f"{lab['base']}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={lab['token']}",
        wait_until="domcontentloaded",
    )
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    wait_for_kernel(page)
    page.locator(".jp-Notebook").first.click()
    page.keyboard.press("Escape")
    # "Run All Cells" through JupyterLab's own command, as a learner would from the Run menu.
    # Menu-bar labels only: a chapter's own text also says "Run".
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click(timeout=30_000)
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click(
        timeout=30_000
    )
    wait_for_idle(page)
    first_prompt = page.locator(".jp-CodeCell .jp-InputPrompt").first.text_content()
    assert re.search(r"\[\d+\]", first_prompt), f"Run All executed nothing: prompt {first_prompt!r}"


KERNEL_STATUS = "document.querySelector('.jp-StatusBar-Widget')?.textContent ?? ''"


def wait_for_kernel(page, timeout_ms=180_000):
    """The notebook's own kernel is started and idle: the status bar names it and says Idle.

    The toolbar's execution indicator says "idle" for a moment while the status bar still reads
    "No Kernel | Initializing"; a Run All clicked then runs nothing, or JupyterLab asks which
    kernel to start, and the slider never appears.
    """
    page.wait_for_function(
        f"""() => {{
            const status = {KERNEL_STATUS};
            return status.includes('| Idle') && !status.includes('No Kernel');
        }}""",
        timeout=timeout_ms,
        polling=250,
    )


def wait_for_idle(page, timeout_ms=600_000):
    """Run All has finished: the kernel went busy, then the status bar says Idle for 3 s running.

    Prompts cannot tell: JupyterLab renders only the cells on screen, so a [*] further down
    is not in the page.
    """
    try:
        page.wait_for_function(f"() => ({KERNEL_STATUS}).includes('Busy')", timeout=30_000)
    except PlaywrightTimeoutError:
        pass  # a quick notebook can finish between two polls
    page.wait_for_function(
        f"""() => {{
            const idle = ({KERNEL_STATUS}).includes('Idle');
            window.__idleSince = idle ? (window.__idleSince ?? Date.now()) : null;
            return idle && Date.now() - window.__idleSince > 3000;
        }}""",
        timeout=timeout_ms,
        polling=500,
    )


def rendered_images(page):
    return page.eval_on_selector_all(".jp-OutputArea img", "images => images.map(i => i.src)")


def nudge_first_slider(page, images_before, timeout_ms=60_000, attempts=3):
    """Move the first slider one step right and wait for the kernel to redraw an image.

    Each attempt presses the right arrow on the focused handle, checks in the browser that the
    slider's readout moved (a key press sent while the page is still laying out is lost), then
    waits for an image to change: browser -> kernel -> browser, slow on a busy machine. A lost
    press is retried; a redraw that never comes fails the assertion in the test.
    """
    slider = page.locator(".widget-slider:has(.noUi-handle)").first
    handle = slider.locator(".noUi-handle").first
    readout = slider.locator(".widget-readout").first
    handle.wait_for(state="visible", timeout=timeout_ms)
    for _ in range(attempts):
        handle.scroll_into_view_if_needed(timeout=timeout_ms)
        value = readout.text_content()
        handle.focus()
        handle.press("ArrowRight")
        try:
            page.wait_for_function(
                "([readout, value]) => readout.textContent !== value",
                arg=[readout.element_handle(), value],
                timeout=10_000,
            )
        except PlaywrightTimeoutError:
            continue  # the press was lost: press again
        try:
            page.wait_for_function(
                "before => JSON.stringify([...document.querySelectorAll('.jp-OutputArea img')]"
                ".map(i => i.src)) !== before",
                arg=json.dumps(images_before),
                timeout=timeout_ms,
            )
            return
        except PlaywrightTimeoutError:
            continue


@pytest.mark.parametrize("notebook", ["00_start_here.ipynb", "02_transposed_convolution.ipynb"])
def test_chapter_runs_in_jupyterlab_and_its_widget_reacts(page, lab, notebook, artifacts):
    try:
        open_and_run_all(page, lab, notebook)
    except Exception:
        page.screenshot(path=str(artifacts / f"{notebook}-failed-to-run.png"), full_page=False)
        raise
    page.screenshot(path=str(artifacts / f"{notebook}-after-run.png"), full_page=False)
    assert WIDGET_ERROR not in page.content()
    assert (
        page.locator(
            ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] .ansi-red-fg, "
            ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
        ).count()
        == 0
    )
    before = rendered_images(page)
    nudge_first_slider(page, before)
    after = rendered_images(page)
    page.screenshot(path=str(artifacts / f"{notebook}-after-slider.png"), full_page=False)
    assert WIDGET_ERROR not in page.content()
    assert before != after, "moving the first slider did not change any rendered image"
