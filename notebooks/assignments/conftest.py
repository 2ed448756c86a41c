"""pytest (``make test``) runs the source assignments with nbval, not nbgrader's working copies.

The student versions in ``release/`` (solutions removed) fail by design, and
``nbgrader_config.py`` is only meaningful when nbgrader loads it.
"""

collect_ignore = ["nbgrader_config.py"]
collect_ignore_glob = [
    "release/*",
    "submitted/*",
    "autograded/*",
    "feedback/*",
    "downloaded/*",
    "exchange/*",
]
