"""What each module costs to import: the NumPy-side modules never load Keras."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "deconv_tutor.metrics",
        "deconv_tutor.data",
        "deconv_tutor.restoration",
        "deconv_tutor.motion",
    ],
)
def test_numpy_side_modules_import_without_keras(module):
    code = (
        f"import sys, {module}; "
        "print(sorted(name for name in ('keras', 'tensorflow', 'jax', 'torch') "
        "if name in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_keras_metrics_and_patches_load_on_first_use():
    from deconv_tutor import data, metrics

    assert metrics.psnr_metric.__name__ == "psnr"
    assert metrics.ssim_metric.__name__ == "ssim"
    assert data.PatchDataset.__name__ == "PatchDataset"
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        metrics.nothing  # noqa: B018


def test_no_module_imports_another_modules_private_names():
    # `_validation` and the lazily loaded half of metrics (`_keras_metrics`) are the
    # package's own private modules; a private *name* of a public module is off limits.
    import ast
    import pathlib

    import deconv_tutor

    package = pathlib.Path(deconv_tutor.__file__).parent
    private_modules = {path.stem for path in package.rglob("_*.py")}
    offenders = []
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("deconv_tutor"):
                last = node.module.rsplit(".", 1)[-1]
                for alias in node.names:
                    private_name = alias.name.startswith("_") and alias.name not in private_modules
                    if private_name and not last.startswith("_"):
                        offenders.append(f"{path.name}: from {node.module} import {alias.name}")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.attr.startswith("_") and not node.attr.startswith("__"):
                    if node.value.id in {
                        "arithmetic",
                        "reference",
                        "data",
                        "metrics",
                        "models",
                        "restoration",
                        "training",
                        "plotting",
                        "widgets",
                        "speed",
                        "exercises",
                        "deconvnet",
                        "structure",
                    }:
                        offenders.append(f"{path.name}: {node.value.id}.{node.attr}")
    assert offenders == []
