# Two commands do everything: `make lab` opens the course, `make test` checks it.
SHELL := /bin/bash
# Any CPython from 3.11 to 3.13 (pyproject.toml's requires-python), e.g. `make lab PYTHON=python3.12`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per set of packages: the learner's (lab) and the tests' (test). Each is redone only
# when pyproject.toml changes, so a second `make lab` or `make test` installs nothing.
LAB_STAMP := $(VENV)/.installed-lab
TEST_STAMP := $(VENV)/.installed-test
KERNEL := deconv-tutor
# Everything a notebook or test writes stays inside the working folder.
export KERAS_HOME := $(CURDIR)/.cache/keras
export MPLCONFIGDIR := $(CURDIR)/.cache/matplotlib
export IMAGEIO_USERDIR := $(CURDIR)/.cache/imageio
export JUPYTER_CONFIG_DIR := $(CURDIR)/.cache/jupyter/config
export JUPYTER_DATA_DIR := $(CURDIR)/.cache/jupyter/data
export JUPYTER_RUNTIME_DIR := $(CURDIR)/.cache/jupyter/runtime
export IPYTHONDIR := $(CURDIR)/.cache/ipython
export TF_CPP_MIN_LOG_LEVEL := 3
export PIP_DISABLE_PIP_VERSION_CHECK := 1

# `make lab PYTHON=python3.12` with a .venv made by another Python would silently keep the old one.
ifeq ($(origin PYTHON)$(filter clean,$(MAKECMDGOALS)),command line)
VERSION_OF = $(shell $(1) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
ifneq ($(wildcard $(BIN)/python),)
ifneq ($(call VERSION_OF,$(BIN)/python),$(call VERSION_OF,$(PYTHON)))
$(error $(VENV) was made with Python $(call VERSION_OF,$(BIN)/python), not $(PYTHON): run `make clean` first)
endif
endif
endif

.PHONY: lab test lint pytest test-jax test-jax-all notebooks bench env kernel browser-deps clean

env: $(LAB_STAMP)

# The environment is made with $(PYTHON) once; another Python needs `make clean` first.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A learner's set: the package, its imports, JupyterLab and a kernel.
$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# The tests' set: the learner's, plus the test tools (dev) and nbgrader (instructor).
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,instructor]'
	@touch $@ $(LAB_STAMP)

kernel: $(LAB_STAMP)
	@mkdir -p $(JUPYTER_DATA_DIR)
	@$(BIN)/python -m ipykernel install --prefix $(VENV) --name $(KERNEL) --display-name "Python (deconv-tutor)" >/dev/null

lab: kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --no-browser \
		$(if $(filter 0,$(shell id -u)),--allow-root,)

# Debian's Chromium for the browser tests, when it is absent and this user can install it.
browser-deps:
	@bash .ci/install-chromium

# Lint and format check first (seconds), then the whole suite and the JAX pass side by side
# (each is mostly one busy core; -Otarget prints each one's output whole, when it ends).
test: lint
	@$(MAKE) --no-print-directory -j2 -Otarget pytest test-jax

# Both checks report before the target fails.
lint: $(TEST_STAMP)
	@status=0; $(BIN)/ruff check . || status=1; $(BIN)/ruff format --check . || status=1; exit $$status

# Unit tests, docstring checks, doctests, notebooks (nbval) and the browser tests, in one run;
# the options live in pyproject.toml, so a plain `pytest` runs the same.
pytest: $(TEST_STAMP) kernel browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The backend-sensitive tests again on JAX (DESIGN.md promises it works too): models, layers,
# costs, training, metrics, the deconvnet, the reference against keras.ops, gradients; property
# tests with fewer draws (about 2 minutes on 2 cores). `make test-jax-all` runs every unit test
# and doctest on JAX (about 6 minutes); the notebooks' stored outputs are TensorFlow's.
JAX_SUBSET := tests/unit/test_models.py tests/unit/test_layers.py tests/unit/test_cost.py \
	tests/unit/test_segmenters.py tests/unit/test_training.py tests/unit/test_metrics.py \
	tests/unit/test_deconvnet.py tests/unit/test_reference.py \
	deconv_tutor/autodiff.py deconv_tutor/training deconv_tutor/_keras_metrics.py
test-jax: $(TEST_STAMP)
	KERAS_BACKEND=jax HYPOTHESIS_PROFILE=quick $(BIN)/python -m pytest $(JAX_SUBSET) $(PYTEST_ARGS)

test-jax-all: $(TEST_STAMP)
	KERAS_BACKEND=jax $(BIN)/python -m pytest tests/unit deconv_tutor $(PYTEST_ARGS)

notebooks: kernel $(TEST_STAMP)
	DECONV_TUTOR_BUDGET=$${DECONV_TUTOR_BUDGET:-smoke} $(BIN)/python tests/notebooks/execute.py $(NOTEBOOKS)

bench: $(LAB_STAMP)
	for script in benchmarks/[!_]*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .cache
