"""nbgrader settings of the course's assignments: this folder is the nbgrader course directory.

Run every ``nbgrader`` command from this folder (nbgrader reads this file from the current
folder): ``source/`` holds the assignments with their solutions; ``nbgrader generate_assignment``
writes the student versions to ``release/``; submissions go to ``submitted/<student>/<assignment>/``;
``nbgrader autograde`` writes ``autograded/`` and the grades to ``gradebook.db``. See README.md.
"""

import os

c = get_config()  # noqa: F821  (traitlets defines get_config when nbgrader loads this file)

c.CourseDirectory.course_id = "deconv_tutor"
# This folder, wherever the course is checked out (nbgrader's default is the current folder).
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
# Never copy the course's caches or training checkpoints into a release.
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    ".cache",
    "runs",
]
# Seconds per cell when autograding. nbgrader's default (30 s) is too short for assignment 4,
# which trains a network for a few minutes under the cpu budget.
c.Execute.timeout = 1800
