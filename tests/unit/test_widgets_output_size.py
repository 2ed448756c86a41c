"""Specification of the output-size calculator: the substituted formula gives the size that
deconv_tutor.arithmetic computes, and impossible sizes are messages in the panel."""

import math

import pytest

from deconv_tutor import arithmetic
from deconv_tutor import widgets as W


def shows_error(panel, text):
    return panel.error is not None and text in panel.error and "color:" in panel.message.value


def evaluate(formula):
    """The number a substituted formula gives (after its last '=')."""
    expression = formula.split("=")[-1]
    for symbol, python in (
        ("⌊", "math.floor("),
        ("⌋", ")"),
        ("⌈", "math.ceil("),
        ("⌉", ")"),
        ("·", "*"),
        ("−", "-"),
        (" mod ", " % "),
    ):
        expression = expression.replace(symbol, python)
    return eval(expression, {"math": math})


CONFIGURATIONS = [
    (size, kernel, stride, padding, dilation)
    for size in (1, 2, 5, 8, 13)
    for kernel in (1, 2, 3, 4)
    for stride in (1, 2, 3)
    for padding in ("valid", "same", 0, 1, 2)
    for dilation in (1, 2)
]


def test_conv_formula_with_numbers_substituted_gives_the_size_and_the_lists_are_exact():
    checked = 0
    for size, kernel, stride, padding, dilation in CONFIGURATIONS:
        try:
            expected = arithmetic.conv_output_size(size, kernel, stride, padding, dilation)
        except ValueError:
            with pytest.raises(ValueError):
                W.output_size_report("conv", size, kernel, stride, padding, dilation)
            continue
        report = W.output_size_report("conv", size, kernel, stride, padding, dilation)
        assert report["size"] == expected == evaluate(report["formula"])
        assert size in report["input_sizes"]
        for other in report["input_sizes"]:
            assert arithmetic.conv_output_size(other, kernel, stride, padding, dilation) == expected
        checked += 1
    assert checked > 400


def test_transposed_formula_gives_the_size_and_output_paddings_reach_every_conv_input_size():
    checked = 0
    for size, kernel, stride, padding, dilation in CONFIGURATIONS:
        for output_padding in [None, *range(stride)]:
            try:
                expected = arithmetic.conv_transpose_output_size(
                    size, kernel, stride, padding, output_padding, dilation
                )
            except ValueError:
                continue
            report = W.output_size_report(
                "transpose", size, kernel, stride, padding, dilation, output_padding
            )
            assert report["size"] == expected == evaluate(report["formula"])
            assert report["output_paddings"] == list(range(stride))
            if kernel % 2 == 1 and padding in ("valid", "same"):
                # Odd kernels: one output_padding for each size a conv maps back to `size`.
                assert sorted(report["sizes_by_output_padding"].values()) == report["input_sizes"]
            checked += 1
    assert checked > 1000


def test_render_output_size_shows_size_formula_and_alternatives():
    text = W.render_output_size("transpose", 2, 3, stride=2, padding="same", output_padding=1)
    assert "output <b>4</b>" in text
    assert "a=0 → 3, a=1 → 4" in text
    assert "<code>o = s(i − 1) + (d(k − 1) + 1) mod 2 + a" in text


def test_output_size_report_rejects_output_padding_for_a_convolution_and_unknown_modes():
    with pytest.raises(ValueError, match="output_padding applies to mode='transpose'"):
        W.output_size_report("conv", 5, 3, output_padding=0)
    with pytest.raises(ValueError, match="mode must be one of 'conv', 'transpose', got 'deconv'"):
        W.output_size_report("deconv", 5, 3)
    with pytest.raises(TypeError, match="mode must be one of"):
        W.output_size_report(1, 5, 3)


def test_output_size_calculator_updates_for_every_control_and_disables_output_padding():
    panel = W.output_size_calculator()
    assert panel.controls["output_padding"].disabled
    texts = {panel.views["text"].value}
    for name, value in [
        ("size", 9),
        ("kernel_size", 5),
        ("stride", 2),
        ("dilation", 2),
        ("padding", "same"),
        ("mode", "transpose"),
        ("output_padding", 1),
    ]:
        panel.controls[name].value = value
        assert panel.error is None
        texts.add(panel.views["text"].value)
    assert len(texts) == 8
    assert not panel.controls["output_padding"].disabled


def test_output_size_calculator_shows_impossible_sizes_as_messages():
    panel = W.output_size_calculator()
    panel.controls["size"].value = 3
    panel.controls["kernel_size"].value = 7
    assert shows_error(panel, "must fit in the padded input")
    panel.controls["kernel_size"].value = 3
    assert panel.error is None
    panel.controls["mode"].value = "transpose"
    panel.controls["output_padding"].value = 2
    assert shows_error(panel, "output_padding must be smaller than stride")


def test_output_size_calculator_output_padding_menu_shows_none_selected():
    # ipywidgets shows an empty menu when the value is None (its "nothing selected").
    menu = W.output_size_calculator().controls["output_padding"]
    assert menu.index == 0 and menu.label == "None"
    assert [label for label, _ in menu.options] == ["None", "0", "1", "2", "3"]


def test_output_size_calculator_output_padding_none_lets_keras_infer_it():
    panel = W.output_size_calculator()
    panel.controls["mode"].value = "transpose"
    panel.controls["stride"].value = 2
    inferred = panel.views["text"].value
    panel.controls["output_padding"].value = 1
    panel.controls["output_padding"].value = "None"
    assert panel.error is None and panel.views["text"].value == inferred
    assert inferred == W.render_output_size("transpose", 8, 3, 2, "valid", 1, None)


def test_output_size_calculator_labels_have_room_and_the_size_slider_is_fine_grained():
    panel = W.output_size_calculator()
    for name, control in panel.controls.items():
        assert control.style.description_width == "initial", name
    size = panel.controls["size"]
    # 63 sizes over a 360-pixel slider: a 60-pixel drag moves about 12 sizes, not 120.
    assert (size.min, size.max, size.layout.width) == (1, 64, "360px")
