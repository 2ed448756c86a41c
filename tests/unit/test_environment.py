"""The conda/Binder environment and the pip package must describe the same environment."""

import pathlib
import tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["dependencies"] + project["optional-dependencies"]["dev"]


def _environment_pip_requirements():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict)]
    assert len(pip_sections) == 1, "environment.yml should have exactly one pip: section"
    return [requirement for requirement in pip_sections[0] if requirement != "-e ."]


def test_environment_yml_names_the_same_packages_and_pins_as_pyproject():
    assert sorted(_environment_pip_requirements()) == sorted(_pyproject_requirements())


def test_environment_yml_installs_the_package_itself():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(entry["pip"] for entry in environment["dependencies"] if isinstance(entry, dict))
    assert "-e ." in pip_section


def test_environment_yml_python_matches_the_supported_range():
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python="))
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    version = tuple(int(part) for part in python.split("=")[1].split("."))
    lower, upper = (tuple(int(p) for p in bound.lstrip("<>=").split(".")) for bound in requires.split(","))
    assert lower <= version < upper
