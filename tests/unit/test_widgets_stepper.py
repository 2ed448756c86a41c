"""Specification of the transposed-convolution stepper: the zero-insertion view computes the
same transposed convolution as the scatter-add, step by step."""

import re

import numpy as np
import pytest

from deconv_tutor import reference
from deconv_tutor import widgets as W

RNG = np.random.default_rng(0)


def shows_error(panel, text):
    return panel.error is not None and text in panel.error and "color:" in panel.message.value


STEPPER_CASES = [
    (size, kernel, stride, padding)
    for size in (2, 3)
    for kernel in (2, 3)
    for stride in (1, 2, 3)
    for padding in ("valid", "same", 0, 1)
]


@pytest.mark.parametrize("size, kernel_size, stride, padding", STEPPER_CASES)
def test_zero_insertion_grid_read_by_the_flipped_kernel_is_the_transposed_convolution(
    size, kernel_size, stride, padding
):
    x = RNG.integers(1, 9, (size, size)).astype(float)
    kernel = RNG.integers(-3, 4, (kernel_size, kernel_size)).astype(float)
    expected = reference.conv_transpose(x[..., None], kernel[:, :, None, None], stride, padding)
    expected = expected[..., 0]
    grid, places = W.zero_insertion_grid(x, kernel.shape, stride, padding, expected.shape)
    direct = reference.conv2d(grid[..., None], kernel[::-1, ::-1, None, None])[..., 0]
    np.testing.assert_allclose(direct, expected)
    for (row, col), (u, v) in places.items():
        assert grid[u, v] == x[row, col]


@pytest.mark.parametrize("size, kernel_size, stride, padding", STEPPER_CASES)
def test_render_transposed_step_renders_every_step(size, kernel_size, stride, padding):
    x = np.arange(1.0, size * size + 1).reshape(size, size)
    kernel = np.ones((kernel_size, kernel_size))
    for step in range(size * size):
        text = W.render_transposed_step(x, kernel, step, stride, padding)
        assert f"output after step {step + 1} of {size * size}" in text
        # The current pixel is highlighted twice: in x and in the zero-insertion grid.
        assert text.count("background:#ffb74d") == 2 or padding not in ("valid", "same", 0)


def test_render_transposed_step_outlines_exactly_the_cells_the_current_pixel_reaches():
    text = W.render_transposed_step(np.ones((2, 2)), np.ones((3, 3)), 3, stride=2)
    assert text.count("outline:2px") == 9


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"step": 4}, ValueError, "step must be an integer in [0, 4), got 4"),
        ({"step": 1.0}, TypeError, "step must be an integer in [0, 4)"),
        ({"x": np.ones(3)}, ValueError, "x must have shape (H, W), one channel"),
        ({"kernel": [[np.nan]]}, ValueError, "kernel must be finite"),
        ({"kernel": [["a"]]}, TypeError, "kernel must hold real numbers"),
        ({"x": np.ones((2, 2), complex)}, TypeError, "x must hold real numbers"),
        ({"stride": 0}, ValueError, "stride"),
    ],
)
def test_render_transposed_step_rejects_bad_values(kwargs, error, message):
    arguments = {"x": np.ones((2, 2)), "kernel": np.ones((2, 2)), "step": 0, **kwargs}
    with pytest.raises(error, match=re.escape(message)):
        W.render_transposed_step(**arguments)


def test_stepper_redraws_per_step_and_play_drives_the_step():
    panel = W.transposed_conv_stepper()
    first = panel.views["text"].value
    panel.controls["play"].value = 3
    assert panel.controls["step"].value == 3
    assert panel.views["text"].value != first
    assert "step 3 of 4" in panel.views["text"].value
    for name, value in [("stride", 1), ("padding", "same"), ("kernel_size", 2)]:
        before = panel.views["text"].value
        panel.controls[name].value = value
        assert panel.views["text"].value != before and panel.error is None


def test_stepper_input_size_sets_the_number_of_steps():
    panel = W.transposed_conv_stepper()
    panel.controls["step"].value = 3
    panel.controls["input_size"].value = 4
    assert panel.controls["step"].max == panel.controls["play"].max == 16
    panel.controls["input_size"].value = 2
    assert panel.controls["step"].value == 3 and "step 3 of 4" in panel.views["text"].value


def test_stepper_shrinking_the_input_redraws_once_without_an_error():
    panel = W.transposed_conv_stepper()
    panel.controls["input_size"].value = 4
    panel.controls["step"].value = 13
    messages = []
    panel.message.observe(lambda change: messages.append(change["new"]), names="value")
    before = panel.updates
    panel.controls["input_size"].value = 2
    assert panel.updates == before + 1 and messages == []
    assert panel.controls["step"].value == 4


def test_stepper_takes_a_given_input_and_kernel_and_fixes_their_sizes():
    panel = W.transposed_conv_stepper(np.array([[5.0, 7.0, 9.0]]), np.array([[1.0, -1.0]]))
    assert panel.controls["input_size"].disabled and panel.controls["step"].max == 3
    assert ">-1<" in panel.views["text"].value


def test_stepper_shows_a_padding_that_crops_everything_as_a_message():
    panel = W.transposed_conv_stepper()
    panel.controls["kernel_size"].value = 2
    panel.controls["stride"].value = 1
    panel.controls["padding"].value = 2
    assert shows_error(panel, "crops the whole output")


def test_stepper_slider_counts_steps_as_the_title_does():
    panel = W.transposed_conv_stepper()
    for step in range(panel.controls["step"].min, panel.controls["step"].max + 1):
        panel.controls["step"].value = step
        assert f"output after step {step} of 4" in panel.views["text"].value
    assert (panel.controls["step"].min, panel.controls["step"].max) == (1, 4)
