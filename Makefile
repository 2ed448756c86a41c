# Two commands do everything: `make lab` opens the course, `make test` checks it.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
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

.PHONY: lab test notebooks bench env kernel browser-deps clean

env: $(STAMP)

# Reinstall only when the package's dependency list changes: a second run is a no-op.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

kernel: $(STAMP)
	@mkdir -p $(JUPYTER_DATA_DIR)
	@$(BIN)/python -m ipykernel install --prefix $(VENV) --name $(KERNEL) --display-name "Python (deconv-tutor)" >/dev/null

lab: kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks --ip=127.0.0.1 --no-browser \
		$(if $(filter 0,$(shell id -u)),--allow-root,)

# Debian's Chromium for the browser tests, when it is absent and this user can install it.
browser-deps:
	@bash .ci/install-chromium

# Unit tests, doctests of every public example, notebooks (nbval) and the browser tests, in one run.
test: kernel browser-deps
	DECONV_TUTOR_BUDGET=smoke $(BIN)/python -m pytest tests deconv_tutor notebooks \
		--doctest-modules --nbval-lax --nbval-current-env \
		--nbval-sanitize-with tests/notebooks/sanitize.cfg --timeout 900 $(PYTEST_ARGS)

notebooks: kernel
	DECONV_TUTOR_BUDGET=$${DECONV_TUTOR_BUDGET:-smoke} $(BIN)/python tests/notebooks/execute.py $(NOTEBOOKS)

bench: $(STAMP)
	for script in benchmarks/[!_]*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .cache
