"""Checkpoints under faults: killed runs, two runs in one folder, damaged files, bad input.

The kills are real: a child Python trains and sends itself SIGKILL at a chosen point, and
the parent resumes from what it left. Every child is bounded by a time-out.
"""

import inspect
import io
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import zipfile

import keras
import numpy as np
import pytest

from deconv_tutor import training

pytestmark = pytest.mark.timeout(600)


def tiny_model(seed):
    """A two-layer conv net on 8x8 images; seed decides its initial weights."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(1, 3, padding="same"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    return model


def tiny_data(seed=0):
    """8 samples: with the smoke batch size of 4 that is 2 steps per epoch."""
    images = np.random.default_rng(seed).random((8, 8, 8, 1), dtype=np.float32)
    return images, 0.5 * images


# The children start from the same model and data.
MODEL_SOURCE = "import keras\nimport numpy as np\n\n" + "\n".join(
    inspect.getsource(function) for function in (tiny_model, tiny_data)
)


def run_child(body, *args):
    """Run ``body`` in a fresh Python with the model source; return the finished process."""
    script = MODEL_SOURCE + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class Recorder(keras.callbacks.Callback):
    """The weights and optimizer step when training starts, and each epoch run."""

    def __init__(self):
        super().__init__()
        self.start_weights, self.start_iterations, self.epochs = None, None, []

    def on_train_begin(self, logs=None):
        self.start_weights = [weight.copy() for weight in self.model.get_weights()]
        self.start_iterations = int(keras.ops.convert_to_numpy(self.model.optimizer.iterations))

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


def fit(run_dir, model=None, epochs=2, **kwargs):
    model = tiny_model(0) if model is None else model
    kwargs.setdefault("verbose", 0)
    return training.fit(
        model, tiny_data(), budget="smoke", epochs=epochs, run_dir=run_dir, **kwargs
    )


# ---------------------------------------------------------------------------- kills


def test_a_sigkill_mid_epoch_resumes_exactly_from_the_last_committed_epoch(tmp_path):
    child = run_child(
        """
        import os, signal, sys
        from deconv_tutor import training

        class KillMidEpoch3(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch == 1:
                    np.savez(sys.argv[2], *self.model.get_weights())

            def on_train_batch_end(self, batch, logs=None):
                if self.epoch_now == 2:
                    os.kill(os.getpid(), signal.SIGKILL)

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch_now = epoch

        training.fit(tiny_model(0), tiny_data(), budget="smoke", epochs=4, run_dir=sys.argv[1],
                     callbacks=[KillMidEpoch3()], verbose=0)
        """,
        tmp_path / "run",
        tmp_path / "saved.npz",
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert training.read_state(tmp_path / "run")["epoch"] == 2
    saved = np.load(tmp_path / "saved.npz")
    saved = [saved[f"arr_{index}"] for index in range(len(saved.files))]

    recorder = Recorder()
    history = fit(tmp_path / "run", tiny_model(1), epochs=4, callbacks=[recorder])
    for loaded, expected in zip(recorder.start_weights, saved, strict=True):
        np.testing.assert_array_equal(loaded, expected)
    assert recorder.start_iterations == 2 * 2, "the optimizer state of 2 epochs is restored"
    assert recorder.epochs == [2, 3]
    assert len(history.history["loss"]) == 4


def test_a_kill_just_before_the_commit_leaves_the_previous_epoch_whole(tmp_path):
    # Before: weights and state were two renames apart; a death between them trained an
    # epoch twice. Now one rename commits both: before it, the old pair is all there is.
    child = run_child(
        """
        import os, signal, sys
        from deconv_tutor import training
        from deconv_tutor.training import fitting

        real_replace, commits = os.replace, []

        def replace_then_die_at_the_second_commit(source, target):
            commits.append(target)
            if len(commits) == 2:
                os.kill(os.getpid(), signal.SIGKILL)
            real_replace(source, target)

        fitting.os.replace = replace_then_die_at_the_second_commit
        training.fit(tiny_model(0), tiny_data(), budget="smoke", epochs=3, run_dir=sys.argv[1],
                     verbose=0)
        """,
        tmp_path,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    partials = list(tmp_path.glob(".last.*.partial.keras"))
    assert len(partials) == 1, "the killed run left its uncommitted epoch 2"
    state = training.read_state(tmp_path)
    assert state["epoch"] == 1 and len(state["history"]["loss"]) == 1

    recorder = Recorder()
    fit(tmp_path, epochs=3, callbacks=[recorder])
    assert recorder.epochs == [1, 2], "epoch 2 is trained once more, epoch 1 is not"
    assert not list(tmp_path.glob(".last.*.partial.keras")), "the leftover is cleaned up"
    assert training.read_state(tmp_path)["epoch"] == 3


# ---------------------------------------------------------------------------- the lock

HOLD_THE_LOCK = """
import os, signal, sys, pathlib
from deconv_tutor.training import fitting

with fitting._run_lock(pathlib.Path(sys.argv[1]), print):
    print("locked", os.getpid(), flush=True)
    if sys.argv[2] == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.stdin.read()  # held until the test closes our stdin
"""


def test_a_second_run_in_the_same_folder_is_refused_naming_the_folder_and_the_process(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(tmp_path), "hold"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        word, pid = holder.stdout.readline().split()
        assert word == "locked" and int(pid) == holder.pid
        with pytest.raises(RuntimeError) as error:
            fit(tmp_path)
        message = str(error.value)
        assert f"run_dir '{tmp_path}' is in use" in message and f"process {pid}" in message
        assert not (tmp_path / "last.keras").exists(), "nothing was written"
    finally:
        holder.communicate(input="", timeout=60)
    fit(tmp_path)  # released when the other run ends
    assert training.read_state(tmp_path)["epoch"] == 2


def test_a_dead_runs_lock_is_taken_over_and_said_so(tmp_path, capsys):
    child = subprocess.run(
        [sys.executable, "-c", HOLD_THE_LOCK, str(tmp_path), "die"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    dead_pid = child.stdout.split()[1]
    assert (tmp_path / ".lock").read_text().strip() == dead_pid, "the dead run's pid remains"
    fit(tmp_path, verbose=1)
    assert f"from process {dead_pid}, which has ended" in capsys.readouterr().out
    assert training.read_state(tmp_path)["epoch"] == 2


def test_a_run_started_from_inside_a_run_in_the_same_folder_is_refused(tmp_path):
    class StartAnother(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            fit(tmp_path)

    with pytest.raises(RuntimeError, match=f"in use .*process {os.getpid()}"):
        fit(tmp_path, callbacks=[StartAnother()])


# ---------------------------------------------------------------------------- damage


@pytest.fixture(scope="module")
def good_checkpoint(tmp_path_factory):
    """The bytes of a healthy last.keras after 2 of 3 epochs."""
    run_dir = tmp_path_factory.mktemp("good")
    fit(run_dir, epochs=2)
    state = training.read_state(run_dir)
    state["epochs"] = 3
    return _with_state((run_dir / "last.keras").read_bytes(), json.dumps(state))


def _with_state(archive_bytes, state_text):
    """The archive with its state.json replaced by ``state_text`` (None: removed)."""
    source, target = zipfile.ZipFile(io.BytesIO(archive_bytes)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename != "state.json":
                out.writestr(item, source.read(item))
        if state_text is not None:
            out.writestr("state.json", state_text)
    return target.getvalue()


def _state_with(good, **changes):
    state = json.loads(zipfile.ZipFile(io.BytesIO(good)).read("state.json"))
    state.update(changes)
    return _with_state(good, json.dumps(state))


def _damaged_payload(good):
    # Bytes in the middle of the weights member flipped: the archive still opens, the
    # member's checksum (or its decompression) fails.
    info = zipfile.ZipFile(io.BytesIO(good)).getinfo("model.weights.h5")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    middle = start + info.compress_size // 2
    data = bytearray(good)
    for offset in range(middle, middle + 16):
        data[offset] ^= 0xFF
    return bytes(data)


DAMAGE = {
    "truncated": lambda good: good[: len(good) // 2],
    "random bytes": lambda good: np.random.default_rng(0).bytes(len(good)),
    "empty": lambda good: b"",
    "a damaged member": _damaged_payload,
    "broken state.json": lambda good: _with_state(good, '{"epoch": 2, "epochs": 3, "hist'),
    "state.json not an object": lambda good: _with_state(good, "[2, 3]"),
    "no state.json": lambda good: _with_state(good, None),
    "epoch -1": lambda good: _state_with(good, epoch=-1),
    "epoch 99 of 3": lambda good: _state_with(good, epoch=99),
    "epoch as a string": lambda good: _state_with(good, epoch="2"),
    "epochs 0": lambda good: _state_with(good, epochs=0),
    "no history": lambda good: _state_with(good, history=None),
    "history of text": lambda good: _state_with(good, history={"loss": ["ab", "cd"]}),
    "history longer than the epochs": lambda good: _state_with(good, history={"loss": [1, 2, 3]}),
    "history shorter than the epochs": lambda good: _state_with(good, history={"loss": [1.0]}),
}

MESSAGES = {
    "truncated": "is damaged",
    "random bytes": "is damaged",
    "empty": "is damaged",
    "a damaged member": "is damaged",
    "broken state.json": "is not valid JSON",
    "no state.json": "holds no run state",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_or_inconsistent_checkpoint_names_the_file_and_the_way_out(
    tmp_path, good_checkpoint, damage
):
    checkpoint = tmp_path / "last.keras"
    checkpoint.write_bytes(DAMAGE[damage](good_checkpoint))
    before = checkpoint.read_bytes()
    expected = MESSAGES.get(damage, "has an inconsistent state")
    pattern = (
        f"checkpoint '{re.escape(str(checkpoint))}' .*{expected}.*"
        f"delete the run folder '{re.escape(str(tmp_path))}' to start again, or pass a new run_dir"
    )
    with pytest.raises(ValueError, match=pattern):
        training.read_state(tmp_path)
    with pytest.raises(ValueError, match=pattern):
        fit(tmp_path, epochs=3)
    assert checkpoint.read_bytes() == before, "nothing is trained over a damaged checkpoint"


def test_the_healthy_checkpoint_the_damage_starts_from_resumes(tmp_path, good_checkpoint):
    # The control for the test above: undamaged, the same bytes resume at epoch 3.
    (tmp_path / "last.keras").write_bytes(good_checkpoint)
    recorder = Recorder()
    fit(tmp_path, epochs=3, callbacks=[recorder])
    assert recorder.epochs == [2]


def test_a_state_json_left_beside_the_weights_is_not_trusted(tmp_path, good_checkpoint):
    (tmp_path / "last.keras").write_bytes(_with_state(good_checkpoint, None))
    (tmp_path / "state.json").write_text('{"epoch": 2, "epochs": 3, "history": {}}')
    with pytest.raises(ValueError, match=r"separate 'state.json'.*delete the run folder"):
        fit(tmp_path, epochs=3)


@pytest.mark.filterwarnings("ignore:Skipping variable loading for optimizer")
def test_a_checkpoint_of_another_model_says_how_to_start_again(tmp_path, good_checkpoint):
    (tmp_path / "last.keras").write_bytes(good_checkpoint)
    other = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(1, 5, padding="same")])
    other.compile(optimizer="adam", loss="mse")
    with pytest.raises(ValueError, match="different model.*Use a new run_dir") as error:
        fit(tmp_path, other, epochs=3)
    assert "\n" not in str(error.value), "Keras's long report is cut to its first line"


# ---------------------------------------------------------------------------- bad arguments


def test_a_run_dir_that_is_a_file_is_refused_naming_it(tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder")
    with pytest.raises(ValueError, match=r"^run_dir must be a folder .*got the file '.*notes"):
        fit(tmp_path / "notes.txt")
    with pytest.raises(ValueError, match=r"^run_dir must be a folder"):
        training.read_state(tmp_path / "notes.txt")


@pytest.mark.parametrize("run_dir", [None, 123, 1.5])
def test_a_run_dir_that_is_not_a_path_is_a_type_error_naming_it(run_dir):
    with pytest.raises(TypeError, match=r"^run_dir must be a file path"):
        fit(run_dir)
    with pytest.raises(TypeError, match=r"^run_dir must be a file path"):
        training.read_state(run_dir)


def test_list_data_is_refused_with_a_short_message(tmp_path):
    x, y = tiny_data()
    with pytest.raises(TypeError, match=r"^train_data must be a tuple \(x, y\).*a list of 2 items"):
        training.fit(tiny_model(0), [x, y], budget="smoke", run_dir=tmp_path, verbose=0)
    with pytest.raises(TypeError, match=r"^validation_data must be a tuple"):
        training.fit(tiny_model(0), (x, y), [x, y], budget="smoke", run_dir=tmp_path, verbose=0)
    assert list(tmp_path.iterdir()) == [], "refused before anything is written"


def test_a_tuple_of_lists_or_of_mismatched_lengths_is_refused(tmp_path):
    x, y = tiny_data()
    with pytest.raises(TypeError, match=r"^train_data must be a tuple \(x, y\) of NumPy arrays"):
        training.fit(tiny_model(0), (x.tolist(), y), budget="smoke", run_dir=tmp_path)
    with pytest.raises(ValueError, match=r"^train_data must hold as many targets as inputs"):
        training.fit(tiny_model(0), (x, y[:5]), budget="smoke", run_dir=tmp_path)
    with pytest.raises(ValueError, match=r"^train_data must be a tuple \(x, y\) of two arrays"):
        training.fit(tiny_model(0), (x, y, y), budget="smoke", run_dir=tmp_path)
