"""benchmarks/chapters.py: runs a chapter in a copy, reads its recorded figures, judges the targets."""

import json
import sys

import nbformat
import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "benchmarks"))

import chapters  # noqa: E402  (benchmarks/ is a folder of scripts, not a package)


def test_every_target_names_a_figure_a_rule_and_a_meaning():
    numbers = {path.name[:2] for path in chapters.chapters()}
    assert set(chapters.TARGETS) <= numbers
    for targets in chapters.TARGETS.values():
        for figure, rule, _threshold, meaning in targets:
            assert figure and meaning and rule in (">=", "<", "==")


@pytest.mark.parametrize(
    "value, rule, threshold, expected",
    [
        (1.2, ">=", 1.0, True),
        (0.9, ">=", 1.0, False),
        (0.004, "<", 0.005, True),
        (0.005, "<", 0.005, False),
        (True, "==", True, True),
        (False, "==", True, False),
        ("dncnn", ">=", 1.0, False),  # a string is no number
        (True, ">=", 0.5, False),  # nor is a verdict
        (None, ">=", 1.0, None),  # not recorded
    ],
)
def test_a_figure_is_checked_against_its_rule(value, rule, threshold, expected):
    assert chapters.check_figure(value, rule, threshold) is expected


def test_judging_at_cpu_marks_misses_and_missing_figures():
    figures = {"gain_sigma15_db": 0.2, "gain_sigma25_db": 0.6, "colour_cast_max": 0.001}
    checks, in_time = chapters.judge("06", figures, seconds=600.0, budget_name="cpu")
    status = {check["figure"]: check["status"] for check in checks}
    assert status == {
        "gain_sigma15_db": "met",
        "gain_sigma25_db": "NOT met",
        "gain_sigma50_db": "not recorded",
        "colour_cast_max": "met",
    }
    assert in_time
    assert not chapters.judge("06", figures, seconds=16 * 60.0, budget_name="cpu")[1]


def test_at_smoke_figures_are_shown_but_not_judged():
    checks, _ = chapters.judge("04", {"fixed_gain_over_noisy_db": 0.1}, 5.0, "smoke")
    assert checks[0]["met"] is None and checks[0]["status"] == "not judged (smoke)"


def test_an_unknown_chapter_number_is_refused():
    with pytest.raises(ValueError, match="--only must name chapters among .*got 99"):
        chapters.chapters(["99"])


def _tiny_chapter(folder):
    """A two-cell chapter: one records figures, one fails on purpose (tagged)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from deconv_tutor import training\n"
            "training.record_results('04', {'fixed_gain_over_noisy_db': 5.5})"
        ),
        nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
    ]
    path = folder / "04_tiny.ipynb"
    nbformat.write(notebook, path)
    return path


def test_a_chapter_runs_in_a_copy_and_its_figures_are_read_back(tmp_path):
    path = _tiny_chapter(tmp_path)
    before = path.read_text()
    entries = chapters.run([path], "cpu")
    entry = entries["04"]
    assert entry["error"] is None  # the tagged failure is allowed
    assert entry["figures"] == {"fixed_gain_over_noisy_db": 5.5}
    assert entry["targets"][0]["status"] == "met"
    assert path.read_text() == before  # the committed notebook is never written
    assert not (tmp_path / "outputs").exists()  # the record went to the copy's folder
    table = chapters.format_table(entries, "cpu")
    assert "04_tiny" in table and "1/1" in table
    markdown = chapters.format_table(entries, "cpu", markdown=True).splitlines()
    assert markdown[0].startswith("| chapter |") and markdown[1].startswith("| --- |")
    assert len(markdown) == 4  # header, rule, the chapter, the whole course


def test_an_error_in_a_chapter_is_reported_not_raised(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell("raise ValueError('zero-size array')")]
    path = tmp_path / "10_broken.ipynb"
    nbformat.write(notebook, path)
    entries = chapters.run([path], "smoke")
    assert "zero-size array" in entries["10"]["error"]
    assert entries["10"]["figures"] is None
    assert "not recorded" in json.dumps(entries["10"]["targets"])


def test_without_a_record_every_target_is_not_recorded():
    checks, _ = chapters.judge("08", None, 1.0, "cpu")
    assert {check["status"] for check in checks} == {"not recorded"}
    assert {check["met"] for check in checks} == {None}
