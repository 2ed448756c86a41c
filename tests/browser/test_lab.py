"""A learner's first minutes, in a real browser: open a chapter, run it, move a slider, see the image change."""

import pytest

WIDGET_ERROR = "Error displaying widget"


def open_and_run_all(page, lab, notebook):
    page.goto(
        f"{lab['base']}/lab/tree/{notebook}?token={lab['token']}", wait_until="domcontentloaded"
    )
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
    page.wait_for_selector(
        ".jp-Notebook-ExecutionIndicator[data-status='idle'], .jp-KernelStatus-idle, "
        "[data-status='idle']",
        timeout=180_000,
        state="attached",
    )
    page.locator(".jp-Notebook").first.click()
    page.keyboard.press("Escape")
    # "Run All Cells" through JupyterLab's own command, as a learner would from the Run menu.
    page.click("text=Run", timeout=30_000)
    page.click("text=Run All Cells", timeout=30_000)
    wait_for_idle(page)


def wait_for_idle(page, timeout_ms=600_000):
    """Every cell has run: no prompt shows [*] any more and at least one shows a number."""
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-InputArea-prompt')].map(p => p.textContent);
            return prompts.length > 0 && !prompts.some(p => p.includes('*')) && prompts.some(p => /\\d/.test(p));
        }""",
        timeout=timeout_ms,
    )


def rendered_images(page):
    return page.eval_on_selector_all(".jp-OutputArea img", "images => images.map(i => i.src)")


def nudge_first_slider(page):
    handle = page.locator(".widget-slider .noUi-handle, .jupyter-widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.click()
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(2000)


@pytest.mark.parametrize("notebook", ["00_start_here.ipynb", "02_transposed_convolution.ipynb"])
def test_chapter_runs_in_jupyterlab_and_its_widget_reacts(page, lab, notebook, artifacts):
    open_and_run_all(page, lab, notebook)
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
    nudge_first_slider(page)
    after = rendered_images(page)
    page.screenshot(path=str(artifacts / f"{notebook}-after-slider.png"), full_page=False)
    assert WIDGET_ERROR not in page.content()
    assert before != after, "moving the first slider did not change any rendered image"
