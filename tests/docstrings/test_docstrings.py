"""Every public docstring of deconv_tutor is well-formed numpydoc and renders as valid reST.

numpydoc's validation runs the checks chosen in pyproject.toml's ``[tool.numpydoc_validation]``.
Then each docstring is rendered the way Sphinx's numpydoc extension renders it and parsed by
docutils, which finds what the validation does not look at: a table whose text runs into a column
margin, a citation that points nowhere, a stray indentation.
"""

import importlib
import inspect
import io
import pathlib
import pkgutil
import re
import tomllib
import warnings

import pytest
from docutils import nodes
from docutils.core import publish_doctree
from docutils.parsers.rst import Directive, directives, roles
from numpydoc.docscrape_sphinx import get_doc_object
from numpydoc.validate import Validator, get_validation_checks, validate

import deconv_tutor

ROOT = pathlib.Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["numpydoc_validation"]
CHECKS = get_validation_checks(set(CONFIG["checks"]))
EXCLUDE = re.compile("|".join(CONFIG["exclude"]))
# DESIGN.md asks for a runnable example on every public function and class; a method or a
# property is shown by its class's example.
MODULE_LEVEL_ONLY = {"EX01"}

# Public modules and subpackages (deconv_tutor.widgets and its view modules), at any depth.
MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(deconv_tutor.__path__, "deconv_tutor.")
    if not any(part.startswith("_") for part in info.name.split("."))
)


def _overrides_a_base_method(cls, name):
    """An override (Keras's ``call``, ``get_config``...) is documented by the method it overrides."""
    return any(name in vars(base) for base in cls.__mro__[1:] if base is not object)


def _checked_where_defined(obj, module_name):
    """A name a package re-exports from one of its public modules is checked in that module."""
    home = getattr(obj, "__module__", "") or ""
    return (
        home != module_name
        and home.startswith("deconv_tutor.")
        and not any(part.startswith("_") for part in home.split("."))
    )


def public_objects(module_name):
    """Yield ``(name, object, kind)`` for a module, its public functions and classes, their methods.

    Public means listed in ``__all__`` or, without one, defined in the module under a name
    without a leading underscore. An alias of an object already listed is skipped, and so is a
    name re-exported from another public module (checked there).
    """
    module = importlib.import_module(module_name)
    yield module_name, module, "module"
    names = getattr(module, "__all__", None) or [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_") and getattr(obj, "__module__", None) == module_name
    ]
    seen = set()
    for name in names:
        obj = getattr(module, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
            continue
        if _checked_where_defined(obj, module_name):
            continue
        seen.add(id(obj))
        yield f"{module_name}.{name}", obj, "module-level"
        if not inspect.isclass(obj):
            continue
        for member_name, member in vars(obj).items():
            if member_name.startswith("_") or _overrides_a_base_method(obj, member_name):
                continue
            if inspect.isfunction(member) or isinstance(
                member, property | staticmethod | classmethod
            ):
                yield f"{module_name}.{name}.{member_name}", getattr(obj, member_name), "member"


def _relative(path):
    try:
        return str(pathlib.Path(path).resolve().relative_to(ROOT))
    except (TypeError, ValueError):
        return str(path)


class _Validator(Validator):
    """numpydoc's validator, for a package ``__init__`` that defines nothing but re-exports."""

    def __init__(self, obj_name):
        super().__init__(get_doc_object(Validator._load_obj(obj_name)))

    @property
    def source_file_def_line(self):
        try:
            return super().source_file_def_line
        except StopIteration:  # numpydoc looks for a `def` or `class` line and finds none
            return None


def numpydoc_violations(module_name):
    """``file:line name CODE message`` for each chosen check that a public docstring fails."""
    violations = []
    for name, _, kind in public_objects(module_name):
        if EXCLUDE.search(name):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Unknown section": reported as GL06 below
            result = validate(name, validator_cls=_Validator)
        for code, message in result["errors"]:
            if code in CHECKS and not (code in MODULE_LEVEL_ONLY and kind != "module-level"):
                where = f"{_relative(result['file'])}:{result['file_line']}"
                violations.append(f"{where} {name} {code} {message}")
    return violations


def _literal_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []


class _SphinxOnlyDirective(Directive):
    """Sphinx directives that numpydoc emits (``seealso``, ``only``): accepted, not rendered."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self):
        return []


for _role in ("func", "class", "meth", "mod", "attr", "data", "obj", "exc", "ref", "term", "doc"):
    roles.register_local_role(_role, _literal_role)
for _directive in ("seealso", "only", "autosummary"):
    directives.register_directive(_directive, _SphinxOnlyDirective)


def rst_problems(text):
    """docutils' warnings and errors for a reST text, e.g. ``(ERROR/3) Malformed table.``"""
    stream = io.StringIO()
    settings = {"report_level": 2, "halt_level": 5, "warning_stream": stream}
    publish_doctree(text, settings_overrides=settings)
    return re.findall(r"^<string>:\d+: (\(\w+/\d\) .*)$", stream.getvalue(), re.M)


def rst_violations(module_name):
    """``file:line name RST problem`` for each public docstring that does not render cleanly."""
    violations = []
    for name, obj, kind in public_objects(module_name):
        if EXCLUDE.search(name) or not inspect.getdoc(obj):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rendered = get_doc_object(
                obj,
                what="module" if kind == "module" else None,
                config={"show_class_members": False},
            )
        try:
            where = f"{_relative(inspect.getsourcefile(obj))}:{inspect.getsourcelines(obj)[1]}"
        except (TypeError, OSError):  # a property
            where = module_name
        violations += [f"{where} {name} RST {problem}" for problem in rst_problems(str(rendered))]
    return violations


@pytest.mark.parametrize("module_name", MODULES)
def test_public_docstrings_pass_the_chosen_numpydoc_checks(module_name):
    violations = numpydoc_violations(module_name)
    assert not violations, "\n".join(["", *violations])


@pytest.mark.parametrize("module_name", MODULES)
def test_public_docstrings_render_as_valid_restructuredtext(module_name):
    violations = rst_violations(module_name)
    assert not violations, "\n".join(["", *violations])


def test_a_malformed_table_is_caught():
    table = """Sizes.

    ====  =====
    a     b
    ====  =====
    long text  x
    ====  =====
    """
    assert any("Malformed table" in problem for problem in rst_problems(inspect.cleandoc(table)))
