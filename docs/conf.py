"""Sphinx settings of the course book (``make book``): the chapters with their stored outputs and
the API reference from the docstrings, built offline into ``docs/_build/html``.

Nothing is executed: each chapter shows the outputs it was committed with. Nothing is fetched:
MathJax is the copy that jupyter-server-mathjax ships, and the CDN scripts that MyST-NB would add
for live widgets are left out (a widget shows its stored picture, or its text, instead).
"""

import inspect
import os
import pathlib
import pkgutil
import shutil
import sys

import jupyter_server_mathjax

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# Importing the package for autodoc must write nothing outside the working folder (DESIGN.md).
os.environ.setdefault("KERAS_HOME", str(ROOT / ".cache" / "keras"))
os.environ.setdefault("MPLCONFIGDIR", str(ROOT / ".cache" / "matplotlib"))
os.environ.setdefault("IMAGEIO_USERDIR", str(ROOT / ".cache" / "imageio"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import deconv_tutor  # noqa: E402

project = "deconv_tutor"
author = "the deconv_tutor authors"
release = version = deconv_tutor.__version__
copyright = "the deconv_tutor authors (MIT licence)"

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]

root_doc = "index"
exclude_patterns = ["_build"]

# The chapters are read as committed: no cell runs, so the book shows the stored results.
nb_execution_mode = "off"
# Live widgets need JavaScript from a CDN; the book shows a widget's static picture (or its text).
nb_ipywidgets_js = {}
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/javascript", None),
]
# A stored stderr line (a warning a chapter printed) is part of the page, not a build error.
nb_output_stderr = "show"
myst_enable_extensions = ["dollarmath", "amsmath"]
# MyST would write a MathJax 3/4 configuration (window.MathJax), which replaces MathJax 2's own.
myst_update_mathjax = False
myst_heading_anchors = 3

# numpydoc renders the docstrings' sections; autodoc lists each public module's members.
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
# A package's page shows its own docstring and definitions; what it re-exports from a submodule
# (its __all__) is documented once, on that submodule's page.
autodoc_default_options = {"members": True, "ignore-module-all": True}
autodoc_member_order = "bysource"
# A method the package does not document itself (a Keras callback hook) would bring in Keras's
# own docstring, written for another renderer.
autodoc_inherit_docstrings = False
# The signatures are the code's own; no type hints are written into the text.
autodoc_typehints = "none"

# MathJax 2.7 from the installed jupyter-server-mathjax, copied into the site (see setup()).
MATHJAX_SOURCE = pathlib.Path(jupyter_server_mathjax.__file__).parent / "static"
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "tex2jax": {
        "inlineMath": [["\\(", "\\)"]],
        "displayMath": [["\\[", "\\]"], ["$$", "$$"]],
        "processEscapes": True,
        # MyST marks each page's sections tex2jax_ignore; the maths is in these classes.
        "processClass": "math|output_area|tex2jax_process|mathjax_process",
    },
    "messageStyle": "none",
    # The package ships the STIX-Web fonts only; MathJax would otherwise look for its TeX fonts.
    "HTML-CSS": {
        "availableFonts": ["STIX-Web"],
        "preferredFont": "STIX-Web",
        "webFont": "STIX-Web",
        "imageFont": None,
    },
}

html_theme = "alabaster"
html_title = "deconv_tutor: transposed-convolution networks for video"
html_theme_options = {
    "description": "An interactive course, rendered",
    "fixed_sidebar": False,
    "sidebar_width": "250px",
    # alabaster's defaults point at Google Fonts; the book stays offline with the reader's fonts.
    "font_family": "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif",
    "head_font_family": "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif",
    "code_font_family": "'DejaVu Sans Mono', Consolas, Menlo, monospace",
}
html_show_sourcelink = False
html_copy_source = False

# A docstring's References section may list further reading that its text does not cite; numpydoc
# then renames the labels and Sphinx reports each one as "not referenced". Every other warning
# (a broken cross-link, a malformed docstring, a missing chapter) fails the build.
suppress_warnings = ["ref.citation"]


def copy_chapters(source, folder):
    """Copy the committed chapters into the book's sources, as they are (outputs included).

    The READMEs of the folders beside them come too (the assignments' guide for instructors), and
    a chapter's link to such a folder (chapter 00's ``assignments/``) is pointed at its README: a
    folder is not a page. The assignments themselves, with their solutions, stay out of the book.
    """
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    readmes = {path.parent.name: path for path in source.glob("*/README.md")}
    for name, readme in readmes.items():
        (folder / name).mkdir()
        shutil.copyfile(readme, folder / name / "README.md")
    for chapter in sorted(source.glob("[0-9][0-9]_*.ipynb")):
        text = chapter.read_text(encoding="utf-8")
        for name in readmes:
            text = text.replace(f"]({name}/)", f"]({name}/README.md)")
        (folder / chapter.name).write_text(text, encoding="utf-8")


copy_chapters(ROOT / "notebooks", DOCS / "chapters")


#: Packages whose modules are not programming interfaces: the exercise banks (one per chapter)
#: hold the answers, which a chapter shows only when the learner asks.
NOT_REFERENCE = ("deconv_tutor.questions.",)


def public_modules():
    """Every public module of the package (no name in its path starts with an underscore)."""
    names = []
    for module in pkgutil.walk_packages(deconv_tutor.__path__, prefix="deconv_tutor."):
        private = any(part.startswith("_") for part in module.name.split("."))
        if not private and not module.name.startswith(NOT_REFERENCE):
            names.append(module.name)
    return ["deconv_tutor", *sorted(names)]


def write_api_pages(folder):
    """One page per public module, regenerated each build so a new module is never missed."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    names = public_modules()
    for name in names:
        title = f"``{name}``"
        (folder / f"{name}.rst").write_text(
            f"{title}\n{'=' * len(title)}\n\n.. automodule:: {name}\n"
        )
    index = ["API reference", "=============", "", ".. toctree::", "   :maxdepth: 1", ""]
    index += [f"   {name}" for name in names]
    (folder / "index.rst").write_text("\n".join(index) + "\n")


write_api_pages(DOCS / "api")


def skip_submodules(app, what, name, obj, skip, options):
    """A package's submodules have pages of their own (some share a name with a function)."""
    return True if inspect.ismodule(obj) else None


def copy_mathjax(app, exception):
    if exception is None and app.builder.format == "html":
        target = pathlib.Path(app.outdir) / "_static" / "mathjax"
        shutil.copytree(MATHJAX_SOURCE, target, dirs_exist_ok=True)


def setup(app):
    app.connect("autodoc-skip-member", skip_submodules)
    app.connect("build-finished", copy_mathjax)
