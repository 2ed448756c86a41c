"""The declared environment: what pyproject.toml, environment.yml and the README say must agree
with each other and with what the code imports."""

import ast
import importlib.metadata
import pathlib
import re
import sys
import tomllib  # requires-python starts at 3.11, where tomllib is in the standard library

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

# Keras backends other than TensorFlow: imported only when the learner picked that backend (and
# installed it); jax is in the dev extra for `make test-jax`.
OPTIONAL_BACKENDS = {"jax", "torch"}
# Declared, never imported: the programs a learner runs (`jupyter lab`, the kernel) and the
# pytest plugins and tools that `make test` runs.
TOOLS = {"jupyterlab", "ipykernel", "pytest-timeout", "pytest-xdist", "nbval", "ruff"}
# Declared, never imported: packages whose bundled files are read (data.photos reads two sample
# photos from scikit-learn's wheel without importing it, which would cost seconds).
DATA_PACKAGES = {"scikit-learn"}


def _names(requirements):
    return {canonicalize_name(Requirement(requirement).name) for requirement in requirements}


def _third_party_imports(paths):
    """Distribution names of the top-level modules that these files import (stdlib and ours left out)."""
    distributions = importlib.metadata.packages_distributions()
    modules = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    # The tests import benchmark scripts by name (benchmarks/ is put on sys.path).
    scripts = {path.stem for path in (ROOT / "benchmarks").glob("*.py")}
    local = {"deconv_tutor", "_common", "conftest"} | {path.stem for path in paths} | scripts
    third_party = modules - set(sys.stdlib_module_names) - local
    unknown = {module for module in third_party - OPTIONAL_BACKENDS if module not in distributions}
    assert not unknown, f"imported but not installed here: {sorted(unknown)}"
    return {
        canonicalize_name(distributions[module][0]) for module in third_party - OPTIONAL_BACKENDS
    }


def _python_files(*folders):
    return [path for folder in folders for path in sorted((ROOT / folder).rglob("*.py"))]


def test_every_import_of_the_package_and_benchmarks_is_a_declared_dependency():
    imported = _third_party_imports(_python_files("deconv_tutor", "benchmarks"))
    assert imported - _names(PROJECT["dependencies"]) == set()


def test_every_runtime_dependency_is_imported_or_is_a_tool():
    imported = _third_party_imports(_python_files("deconv_tutor", "benchmarks"))
    assert _names(PROJECT["dependencies"]) - imported - TOOLS - DATA_PACKAGES == set()


def test_every_import_of_the_tests_is_declared_for_make_test():
    extras = PROJECT["optional-dependencies"]
    declared = _names(PROJECT["dependencies"] + extras["dev"] + extras["instructor"])
    # Installed with the kernel (ipykernel requires them) rather than declared one by one.
    kernel_stack = {"traitlets", "jupyter-client"}
    imported = _third_party_imports([ROOT / "conftest.py", *_python_files("tests")])
    assert imported - declared - kernel_stack == set()


def test_every_test_dependency_is_used():
    extras = PROJECT["optional-dependencies"]
    imported = _third_party_imports(
        [ROOT / "conftest.py", *_python_files("tests", "deconv_tutor", "notebooks/assignments")]
    )
    unused = _names(extras["dev"] + extras["instructor"]) - imported - TOOLS - {"jax"}
    assert unused == set()


def test_nbgrader_is_for_instructors_not_learners():
    assert "nbgrader" in _names(PROJECT["optional-dependencies"]["instructor"])
    assert "nbgrader" not in _names(PROJECT["dependencies"])


def _environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _environment_pip_requirements():
    pip_sections = [
        entry["pip"] for entry in _environment()["dependencies"] if isinstance(entry, dict)
    ]
    assert len(pip_sections) == 1, "environment.yml should have exactly one pip: section"
    return pip_sections[0]


def test_environment_yml_names_the_same_packages_and_pins_as_the_learners_set():
    # Binder and conda give a learner's lab, like `make lab`.
    requirements = [r for r in _environment_pip_requirements() if r != "-e ."]
    assert sorted(requirements) == sorted(PROJECT["dependencies"])


def test_environment_yml_installs_the_package_itself():
    assert "-e ." in _environment_pip_requirements()


def test_environment_yml_python_is_in_the_supported_range():
    python = next(
        entry
        for entry in _environment()["dependencies"]
        if isinstance(entry, str) and entry.startswith("python=")
    )
    assert SpecifierSet(PROJECT["requires-python"]).contains(python.split("=")[1])


def _supported_minor_versions():
    supported = SpecifierSet(PROJECT["requires-python"])
    return [f"3.{minor}" for minor in range(8, 20) if supported.contains(f"3.{minor}.0")]


def test_this_python_is_a_supported_one():
    assert SpecifierSet(PROJECT["requires-python"]).contains(
        ".".join(map(str, sys.version_info[:3]))
    )


def test_readme_states_the_supported_python_range():
    versions = _supported_minor_versions()
    readme = (ROOT / "README.md").read_text()
    assert f"Python {versions[0]}–{versions[-1]}" in readme, (
        f"README.md should say Python {versions[0]}–{versions[-1]} (pyproject's requires-python)"
    )


@pytest.mark.parametrize("stamp_set", ["lab", "test"])
def test_makefile_keeps_one_install_stamp_per_set(stamp_set):
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^\$\({stamp_set.upper()}_STAMP\): pyproject.toml", makefile, re.M)
