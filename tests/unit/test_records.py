"""A chapter's headline figures: written to its working folder, read back by the benchmark."""

import json

import numpy as np
import pytest

from deconv_tutor import training


def test_recorded_figures_are_read_back_with_the_budget(tmp_path):
    path = training.record_results(
        "06",
        {"gain_db": np.float32(1.25), "met": np.bool_(True), "steps": np.int64(400)},
        budget="smoke",
        folder=tmp_path,
    )
    assert path == tmp_path / "outputs" / "results" / "06.json"
    record = training.read_results("06", tmp_path)
    assert record == {
        "format": 1,
        "chapter": "06",
        "budget": "smoke",
        "figures": {"gain_db": 1.25, "met": True, "steps": 400},
    }
    assert json.loads(path.read_text()) == record


def test_later_calls_add_figures_and_replace_those_recorded_again(tmp_path):
    training.record_results("07", {"a": 1.0, "b": 2.0}, budget="smoke", folder=tmp_path)
    training.record_results("07", {"b": 3.0, "best": "fsrcnn"}, budget="smoke", folder=tmp_path)
    figures = training.read_results("07", tmp_path)["figures"]
    assert figures == {"a": 1.0, "b": 3.0, "best": "fsrcnn"}


def test_figures_of_another_budget_are_dropped_not_mixed(tmp_path):
    training.record_results("07", {"a": 1.0}, budget="smoke", folder=tmp_path)
    training.record_results("07", {"b": 2.0}, budget="cpu", folder=tmp_path)
    record = training.read_results("07", tmp_path)
    assert record["budget"] == "cpu" and record["figures"] == {"b": 2.0}


def test_each_chapter_has_its_own_file(tmp_path):
    training.record_results("06", {"a": 1.0}, budget="smoke", folder=tmp_path)
    training.record_results("08", {"a": 2.0}, budget="smoke", folder=tmp_path)
    assert training.read_results("06", tmp_path)["figures"] == {"a": 1.0}
    assert training.read_results("08", tmp_path)["figures"] == {"a": 2.0}


def test_nothing_recorded_reads_as_none(tmp_path):
    assert training.read_results("09", tmp_path) is None


@pytest.mark.parametrize(
    "figures, error, message",
    [
        ([1.0], TypeError, "figures must be a dict"),
        ({}, ValueError, "figures must hold at least one figure"),
        ({"x": float("nan")}, ValueError, r"figures\['x'\] must be a finite number, got nan"),
        (
            {"x": [1, 2]},
            TypeError,
            r"figures\['x'\] must be a number, a bool or a string, got list",
        ),
        ({"x": "y" * 500}, ValueError, "must be a short string"),
        ({3: 1.0}, TypeError, "figures keys must be non-empty strings"),
    ],
)
def test_bad_figures_are_refused_with_the_parameter_named(tmp_path, figures, error, message):
    with pytest.raises(error, match=message):
        training.record_results("06", figures, budget="smoke", folder=tmp_path)
    assert training.read_results("06", tmp_path) is None


@pytest.mark.parametrize(
    "name, error", [(6, TypeError), ("", ValueError), ("../06", ValueError), ("0 6", ValueError)]
)
def test_a_name_that_cannot_name_a_file_is_refused(tmp_path, name, error):
    with pytest.raises(error, match="name must be"):
        training.record_results(name, {"a": 1.0}, budget="smoke", folder=tmp_path)


def test_a_file_of_another_format_is_a_value_error(tmp_path):
    path = training.results_path("06", tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"format": 99}))
    with pytest.raises(ValueError, match="must hold a record of format 1, got 99"):
        training.read_results("06", tmp_path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match="must hold a JSON record"):
        training.read_results("06", tmp_path)
