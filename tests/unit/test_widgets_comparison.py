"""Specification of the video comparison: clips side by side or wiped, with PSNR per frame."""

import re

import numpy as np
import pytest

from deconv_tutor import metrics
from deconv_tutor import widgets as W


def eight_bit(frame):
    return np.floor(np.clip(frame, 0, 1) * 255 + 0.5).astype(np.uint8)


@pytest.fixture(scope="module")
def clips():
    clean = np.random.default_rng(2).random((4, 10, 12, 3)).astype(np.float32)
    noise = np.random.default_rng(3).normal(0, 0.1, clean.shape)
    return {
        "clean": clean,
        "noisy": np.clip(clean + noise, 0, 1).astype(np.float32),
        "dark": clean * 0.8,
    }


@pytest.mark.parametrize("count", [2, 3])
@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("frame", [0, 3])
def test_render_compare_side_by_side_places_clips_left_to_right(clips, count, channels, frame):
    chosen = {name: video[..., :channels] for name, video in list(clips.items())[:count]}
    picture = W.render_compare(chosen, frame)
    assert picture.shape == (10, 12 * count + 2 * (count - 1), 3) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture[:, 14:26, 0], eight_bit(chosen["noisy"][frame, ..., 0]))


@pytest.mark.parametrize("wipe, expected_cut", [(0.0, 0), (0.25, 3), (0.5, 6), (1.0, 12)])
def test_render_compare_wipe_shows_the_first_clip_left_of_the_line(clips, wipe, expected_cut):
    picture = W.render_compare(clips, 1, mode="wipe", wipe=wipe, against="dark")
    first, other = eight_bit(clips["clean"][1]), eight_bit(clips["dark"][1])
    np.testing.assert_array_equal(picture[:, :expected_cut], first[:, :expected_cut])
    np.testing.assert_array_equal(picture[:, expected_cut + 1 :], other[:, expected_cut + 1 :])


def test_render_compare_shows_a_models_raw_output_clipped():
    bright = np.full((1, 2, 2, 3), 1.02, np.float32)
    picture = W.render_compare({"a": np.zeros_like(bright), "b": bright}, 0)
    assert picture[:, -2:].min() == 255


VIDEO = np.zeros((2, 4, 4, 3), np.float32)


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (({"a": VIDEO}, 0), ValueError, "clips must hold at least two named videos, got 1"),
        (([VIDEO, VIDEO], 0), TypeError, "clips must be a dict of named videos, got list"),
        (({"a": VIDEO, "b": np.zeros((3, 4, 4, 3))}, 0), ValueError, "same shape"),
        (({"a": VIDEO, "b": VIDEO[0]}, 0), ValueError, "clips['b'] must be 4-D"),
        (
            ({"a": VIDEO, "b": np.full_like(VIDEO, np.nan)}, 0),
            ValueError,
            "clips['b'] must be finite",
        ),
        (({"a": VIDEO, "b": VIDEO.astype(complex)}, 0), TypeError, "clips['b'] must hold floats"),
        (({"a": VIDEO, "b": VIDEO}, 2), ValueError, "frame must be an integer in [0, 2), got 2"),
        (({"a": VIDEO, "b": VIDEO}, 0, "grid"), ValueError, "mode must be one of 'side', 'wipe'"),
        (({"a": VIDEO, "b": VIDEO}, 0, "wipe", 2.0), ValueError, "wipe must be a finite number"),
        (({"a": VIDEO, "b": VIDEO}, 0, "wipe", 0.5, "c"), ValueError, "against must be one of"),
    ],
)
def test_render_compare_rejects_bad_values(arguments, error, message):
    with pytest.raises(error, match=re.escape(message)):
        W.render_compare(*arguments)


def test_video_compare_reports_psnr_per_frame_and_redraws_per_control(clips):
    panel = W.video_compare(clips)
    expected = metrics.psnr_per_frame(clips["clean"], clips["noisy"])
    assert f"noisy {expected[0]:.2f} dB" in panel.views["text"].value
    for name, value in [("frame", 2), ("mode", "wipe"), ("wipe", 0.2), ("against", "dark")]:
        before = panel.views["picture"].value
        panel.controls[name].value = value
        assert panel.error is None and panel.views["picture"].value != before
    assert f"noisy {expected[2]:.2f} dB" in panel.views["text"].value


def test_video_compare_play_button_moves_the_frame_and_the_psnr_marker(clips):
    panel = W.video_compare(clips)
    marker = panel.views["psnr"].value
    panel.controls["play"].value = 3
    assert panel.controls["frame"].value == 3
    assert panel.views["psnr"].value != marker


def test_video_compare_of_identical_clips_says_so_instead_of_plotting_infinity(clips):
    panel = W.video_compare({"a": clips["clean"], "b": clips["clean"].copy()})
    assert panel.error is None and "inf dB" in panel.views["text"].value
