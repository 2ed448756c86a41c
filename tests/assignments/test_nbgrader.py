"""The four assignments round-trip through nbgrader: release, submit, autograde, export.

Everything runs in a temporary copy of the course directory (``notebooks/assignments``), with the
nbgrader command line of the course's environment, as the instructor guide
(``notebooks/assignments/README.md``) tells an instructor to run it. ``HOME`` and Jupyter's
folders point into the temporary directory, and the last test checks that nothing was written
there: the gradebook, the student versions and the grades stay in the course directory.

Four students hand in:

- ``ideal``: the source notebook itself, solutions and all;
- ``wrong``: the student version with every answer filled in, some of them wrongly (:data:`WRONG`);
- ``blank``: the student version as released, nothing filled in;
- ``tamper``: a wrong answer whose test cell was replaced by ``pass``, and a right answer whose
  test cell was emptied too.
"""

import csv
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
COURSE = ROOT / "notebooks" / "assignments"
ASSIGNMENTS = (
    "01_output_sizes",
    "02_transposed_conv_from_scratch",
    "03_fix_the_article_model",
    "04_train_a_denoiser",
)
TOTAL_POINTS = 10
KERNEL = "deconv-tutor"

SOLUTION_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")

# Answers a student could plausibly hand in, by solution cell; the comment says what is wrong.
WRONG = {
    "01_output_sizes": {
        # 'same' padding ignores the stride; pooling is right.
        "answer_conv_pool": """
def conv_output_size(size, kernel_size, stride=1, padding="valid"):
    if padding == "same":
        return size
    pad = 0 if padding == "valid" else padding
    return (size + 2 * pad - kernel_size) // stride + 1


def pool_output_size(size, pool_size, stride=None, padding="valid"):
    stride = pool_size if stride is None else stride
    if padding == "same":
        return math.ceil(size / stride)
    return (size - pool_size) // stride + 1
""",
        # The two output paddings swapped.
        "answer_output_padding": "inputs_giving_4 = [7, 8]\noutput_padding_for = {7: 1, 8: 0}\n",
    },
    "02_transposed_conv_from_scratch": {
        # Right for 'valid'; 'same' returns the uncropped output.
        "answer_conv_transpose": """
def conv_transpose(x, kernel, stride=1, padding="valid"):
    x, kernel = np.asarray(x, dtype=float), np.asarray(kernel, dtype=float)
    height, width, _ = x.shape
    kh, kw, out_channels, _ = kernel.shape
    out = np.zeros((stride * (height - 1) + kh, stride * (width - 1) + kw, out_channels))
    for r in range(height):
        for c in range(width):
            out[r * stride : r * stride + kh, c * stride : c * stride + kw] += kernel @ x[r, c]
    return out
""",
    },
    "03_fix_the_article_model": {
        # Sizes fixed with 'same' padding and a third UpSampling2D, but no Conv2DTranspose,
        # and still compiled for classification.
        "answer_fixed_model": """
def build_fixed_model():
    model = keras.Sequential(
        [
            keras.Input((64, 64, 3)),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(128, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.UpSampling2D(2),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.UpSampling2D(2),
            keras.layers.UpSampling2D(2),
            keras.layers.Conv2D(3, 3, padding="same", activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
""",
    },
}

# Marks each wrong submission must get, per test cell: 0 where the wrong answer is tested.
WRONG_SCORES = {
    "01_output_sizes": {
        "test_article_sizes": 2,
        "test_conv_output_size": 0,
        "test_pool_output_size": 1,
        "test_conv_transpose_output_size": 2,
        "test_inputs_giving_4": 1,
        "test_output_padding_for": 0,
        "test_upsampler": 1,
    },
    "02_transposed_conv_from_scratch": {
        "test_trans_conv": 2,
        "test_conv_transpose_valid": 2,
        "test_conv_transpose_valid_hidden": 2,
        "test_conv_transpose_same": 0,
        "test_layer": 2,
    },
    "03_fix_the_article_model": {
        "test_diagnosis": 2,
        "test_fixed_shape": 2,
        "test_fixed_transpose": 0,
        "test_fixed_trains": 2,
        "test_fixed_compiled": 0,
    },
}

# The tampering student: the answer under "test_output_padding_for" is wrong and its test cell
# says `pass`; "test_conv_output_size" (right answer) is emptied as well.
TAMPERED_ASSIGNMENT = "01_output_sizes"
TAMPERED_TESTS = ("test_output_padding_for", "test_conv_output_size")
TAMPERED_ANSWERS = {"answer_output_padding": WRONG["01_output_sizes"]["answer_output_padding"]}

# Which students hand in which assignment (each autograded notebook costs a kernel start).
STUDENTS = {
    "ideal": ASSIGNMENTS,
    "wrong": tuple(WRONG),
    "blank": ("04_train_a_denoiser",),
    "tamper": (TAMPERED_ASSIGNMENT,),
}


# --------------------------------------------------------------------------- helpers


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _cells_by_id(notebook):
    return {_grade_id(cell): cell for cell in notebook.cells if _grade_id(cell)}


def _is_solution(cell):
    return cell.metadata.get("nbgrader", {}).get("solution", False)


def _is_test(cell):
    return cell.metadata.get("nbgrader", {}).get("grade", False)


def _without_markers(source):
    """What a student types into a solution cell: the solution, without nbgrader's markers."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in SOLUTION_MARKERS)


def _read(path):
    return nbformat.read(path, as_version=4)


def _source_notebook(assignment):
    return _read(COURSE / "source" / assignment / f"{assignment}.ipynb")


class Course:
    """A temporary nbgrader course directory and the environment its commands run in."""

    def __init__(self, root):
        self.root = root
        self.home = root.parent / "home"
        self.home.mkdir()
        venv_bin = pathlib.Path(sys.executable).parent
        self.env = {
            **os.environ,
            # nbgrader runs `alembic` (installed beside it) when it creates the gradebook.
            "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(self.home),
            "JUPYTER_CONFIG_DIR": str(root.parent / "jupyter" / "config"),
            "JUPYTER_DATA_DIR": str(root.parent / "jupyter" / "data"),
            "JUPYTER_RUNTIME_DIR": str(root.parent / "jupyter" / "runtime"),
            "IPYTHONDIR": str(root.parent / "ipython"),
            "KERAS_HOME": str(root.parent / "cache" / "keras"),
            "MPLCONFIGDIR": str(root.parent / "cache" / "matplotlib"),
            "IMAGEIO_USERDIR": str(root.parent / "cache" / "imageio"),
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "DECONV_TUTOR_BUDGET": "smoke",
        }
        self.env.pop("JUPYTER_PATH", None)

    def nbgrader(self, *args):
        """Run `nbgrader ARGS` in the course directory; fail with its log if it fails."""
        command = [sys.executable, "-m", "nbgrader", *args]
        result = subprocess.run(
            command,
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,  # a failure is reported below, with nbgrader's own log
        )
        if result.returncode != 0:
            pytest.fail(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout + result.stderr

    def release(self, assignment):
        return _read(self.root / "release" / assignment / f"{assignment}.ipynb")

    def submit(self, student, assignment, notebook):
        """Put a notebook where `nbgrader autograde` looks for it (the guide's 'collect' step)."""
        folder = self.root / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, folder / f"{assignment}.ipynb")

    def autograded(self, student, assignment):
        return _read(self.root / "autograded" / student / assignment / f"{assignment}.ipynb")

    def scores(self, student, assignment):
        """{grade_id: score} of the autograded test cells, read from the gradebook."""
        from nbgrader.api import Gradebook

        with Gradebook(f"sqlite:///{self.root / 'gradebook.db'}") as gradebook:
            notebook = gradebook.find_submission_notebook(assignment, assignment, student)
            return {grade.name: grade.score for grade in notebook.grades}


def _filled_in(course, assignment, answers=None):
    """The student version with every answer typed in: the source's, or `answers[grade_id]`."""
    answers = answers or {}
    notebook = course.release(assignment)
    source = _cells_by_id(_source_notebook(assignment))
    for cell in notebook.cells:
        if _is_solution(cell):
            grade_id = _grade_id(cell)
            cell.source = answers.get(grade_id, _without_markers(source[grade_id].source)).strip()
    return notebook


def _tampered(course):
    notebook = _filled_in(course, TAMPERED_ASSIGNMENT, TAMPERED_ANSWERS)
    for cell in notebook.cells:
        if _grade_id(cell) in TAMPERED_TESTS:
            cell.source = "pass"
    return notebook


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Release every assignment, hand in the students' notebooks, autograde them all."""
    from jupyter_client.kernelspec import KernelSpecManager

    if KERNEL not in KernelSpecManager().find_kernel_specs():
        pytest.fail(f"the Jupyter kernel {KERNEL!r} is not installed: run `make kernel` first")
    root = tmp_path_factory.mktemp("nbgrader") / "course"
    root.mkdir()
    shutil.copytree(COURSE / "source", root / "source")
    shutil.copy(COURSE / "nbgrader_config.py", root / "nbgrader_config.py")
    course = Course(root)
    course.nbgrader("generate_assignment", "*")  # all four; the guide shows one at a time too

    submissions = {
        "ideal": lambda assignment: _source_notebook(assignment),
        "wrong": lambda assignment: _filled_in(course, assignment, WRONG[assignment]),
        "blank": lambda assignment: course.release(assignment),
        "tamper": lambda assignment: _tampered(course),
    }
    for student, assignments in STUDENTS.items():
        for assignment in assignments:
            course.submit(student, assignment, submissions[student](assignment))
    for assignment in ASSIGNMENTS:
        course.nbgrader("autograde", assignment)
    return course


# --------------------------------------------------------------------------- the source


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_assignment_has_valid_nbgrader_metadata(assignment):
    notebook = _source_notebook(assignment)
    cells = [cell for cell in notebook.cells if "nbgrader" in cell.metadata]
    grade_ids = [_grade_id(cell) for cell in cells]
    assert len(grade_ids) == len(set(grade_ids)), f"duplicate grade_ids in {assignment}"
    assert all(cell.metadata.nbgrader["schema_version"] == 3 for cell in cells)
    tests = [cell for cell in cells if _is_test(cell)]
    assert all(cell.metadata.nbgrader["locked"] for cell in tests), "test cells must be locked"
    assert sum(cell.metadata.nbgrader["points"] for cell in tests) == TOTAL_POINTS
    solutions = [cell for cell in cells if _is_solution(cell)]
    assert solutions and all(
        all(marker in cell.source for marker in SOLUTION_MARKERS) for cell in solutions
    )
    assert any(HIDDEN_MARKERS[0] in cell.source for cell in tests), "no hidden tests"
    assert notebook.metadata.kernelspec.name == KERNEL


# --------------------------------------------------------------------------- release


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_generate_assignment_removes_solutions_and_hidden_tests(course, assignment):
    source, release = _source_notebook(assignment), course.release(assignment)
    source_cells, release_cells = _cells_by_id(source), _cells_by_id(release)
    assert list(release_cells) == list(source_cells), "cells were added, removed or reordered"
    hidden_lines = set()
    for grade_id, cell in source_cells.items():
        released = release_cells[grade_id]
        assert not released.get("outputs"), f"{grade_id}: outputs were not cleared"
        for marker in SOLUTION_MARKERS + HIDDEN_MARKERS:
            assert marker not in released.source, f"{grade_id}: {marker!r} left in the release"
        if _is_solution(cell):
            assert "raise NotImplementedError()" in released.source, grade_id
        if HIDDEN_MARKERS[0] in cell.source:
            hidden = cell.source.split(HIDDEN_MARKERS[0])[1].split(HIDDEN_MARKERS[1])[0]
            hidden_lines |= {line.strip() for line in hidden.splitlines() if line.strip()}
        if _is_test(cell):
            assert released.metadata.nbgrader["points"] == cell.metadata.nbgrader["points"]
            assert released.metadata.nbgrader["locked"]
        elif not _is_solution(cell):
            assert released.source == cell.source, f"{grade_id}: read-only cell changed"
    assert hidden_lines, "the source has no hidden tests"
    # Lines that occur only in hidden tests must be gone from every cell of the release.
    release_text = "\n".join(cell.source for cell in release.cells)
    visible_text = "\n".join(
        cell.source.split(HIDDEN_MARKERS[0])[0] + cell.source.split(HIDDEN_MARKERS[1])[-1]
        for cell in source.cells
    )
    only_hidden = {line for line in hidden_lines if line not in visible_text}
    leaked = [line for line in only_hidden if line in release_text]
    assert not leaked, f"hidden test lines in the release: {leaked[:3]}"
    # Every substantial line of a solution is gone too (function headers stay: they are the task).
    solution_lines = {
        line.strip()
        for cell in source.cells
        if _is_solution(cell)
        for line in _without_markers(cell.source).splitlines()
        if len(line.strip()) >= 15 and not line.strip().startswith("def ")
    }
    release_lines = {line.strip() for line in release_text.splitlines()}
    assert solution_lines and not solution_lines & release_lines, (
        f"solution lines left in the release: {sorted(solution_lines & release_lines)[:3]}"
    )


# --------------------------------------------------------------------------- autograde


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_notebook_handed_in_gets_full_marks(course, assignment):
    scores = course.scores("ideal", assignment)
    assert sum(scores.values()) == TOTAL_POINTS, scores


@pytest.mark.parametrize("assignment", list(WRONG))
def test_wrong_answers_get_the_designed_partial_marks(course, assignment):
    assert course.scores("wrong", assignment) == WRONG_SCORES[assignment]
    assert 0 < sum(WRONG_SCORES[assignment].values()) < TOTAL_POINTS


@pytest.mark.parametrize("assignment", STUDENTS["blank"])
def test_unanswered_student_version_gets_zero(course, assignment):
    scores = course.scores("blank", assignment)
    assert scores and sum(scores.values()) == 0, scores


def test_failing_tests_tell_the_student_what_is_wrong(course):
    notebook = course.autograded("wrong", "01_output_sizes")
    cell = _cells_by_id(notebook)["test_conv_output_size"]
    errors = [output for output in cell.outputs if output.output_type == "error"]
    assert errors and errors[0].ename == "AssertionError"
    assert "conv_output_size(" in errors[0].evalue and "expected" in errors[0].evalue


def test_edited_test_cells_are_restored_before_grading(course):
    scores = course.scores("tamper", TAMPERED_ASSIGNMENT)
    # The wrong answer is caught by the restored test; the right one still passes it.
    assert scores["test_output_padding_for"] == 0
    assert scores["test_conv_output_size"] == 2
    assert sum(scores.values()) == TOTAL_POINTS - 1
    graded = _cells_by_id(course.autograded("tamper", TAMPERED_ASSIGNMENT))
    source = _cells_by_id(_source_notebook(TAMPERED_ASSIGNMENT))
    for grade_id in TAMPERED_TESTS:
        # The instructor's version, hidden tests included, was run instead of `pass`.
        assert graded[grade_id].source == source[grade_id].source
    assert HIDDEN_MARKERS[0] in graded["test_conv_output_size"].source


def test_smoke_budget_does_not_claim_the_one_db_threshold(course):
    cell = _cells_by_id(course.autograded("ideal", "04_train_a_denoiser"))["test_beats_baseline"]
    printed = "".join(output.get("text", "") for output in cell.outputs)
    assert "your denoiser" in printed
    assert "threshold is checked only under the cpu and gpu budgets" in printed


# --------------------------------------------------------------------------- export


def test_export_writes_every_grade_to_csv(course):
    course.nbgrader("export")
    with open(course.root / "grades.csv", newline="") as file:
        rows = list(csv.DictReader(file))
    scores = {(row["student_id"], row["assignment"]): float(row["score"]) for row in rows}
    for assignment in ASSIGNMENTS:
        assert scores[("ideal", assignment)] == TOTAL_POINTS
    for assignment, expected in WRONG_SCORES.items():
        assert scores[("wrong", assignment)] == sum(expected.values())
    assert scores[("tamper", TAMPERED_ASSIGNMENT)] == TOTAL_POINTS - 1
    assert all(float(row["max_score"]) == TOTAL_POINTS for row in rows)


def test_nbgrader_writes_only_inside_the_course_directory(course):
    written = {path.name for path in course.root.iterdir()}
    assert {"gradebook.db", "release", "submitted", "autograded"} <= written, written
    assert not list(course.home.rglob("*")), "something was written to the home folder"
