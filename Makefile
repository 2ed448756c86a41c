# Two commands do everything: `make lab` opens the course, `make test` checks it.
# Beside them: `make book` (the static course book), `make instructor` (assignments, nbgrader),
# `make fresh-copy CHAPTER=06` and `make reset-chapters` (a learner's fresh copies).
SHELL := /bin/bash
# Any CPython from 3.11 to 3.13 (pyproject.toml's requires-python), e.g. `make lab PYTHON=python3.12`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per set of packages: the learner's (lab) and the tests' (test). Each is redone only
# when pyproject.toml changes, so a second `make lab` or `make test` installs nothing.
LAB_STAMP := $(VENV)/.installed-lab
TEST_STAMP := $(VENV)/.installed-test
INSTRUCTOR_STAMP := $(VENV)/.installed-instructor
BOOK_STAMP := $(VENV)/.installed-book
KERNEL := deconv-tutor
# The learner's own copies of the chapters (git-ignored): JupyterLab autosaves what it opens, and
# the committed chapters are the book, so `make lab` never opens them.
WORK := work
CHAPTERS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))
# Each set-up has its own Jupyter configuration folder: the learner's switches nbgrader off.
LEARNER_CONFIG := $(CURDIR)/.cache/jupyter/learner
INSTRUCTOR_CONFIG := $(CURDIR)/.cache/jupyter/instructor
# Defaults for every JupyterLab of this environment (a user's own settings still win).
LAB_OVERRIDES := $(VENV)/share/jupyter/lab/settings/overrides.json
# What both labs pass to the server: no update check, no news feed, this machine only.
LAB_ARGS := --ip=127.0.0.1 --no-browser --LabApp.news_url= \
	--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	$(if $(filter 0,$(shell id -u)),--allow-root,)
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

.PHONY: lab learner-copies instructor instructor-env fresh-copy reset-chapters book test lint pytest test-jax test-jax-all \
	notebooks bench env kernel lab-settings browser-deps clean

env: $(LAB_STAMP)

# The environment is made with $(PYTHON) once; another Python needs `make clean` first.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# A learner's set: the package, its imports, JupyterLab and a kernel.
$(LAB_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# An instructor's set: the learner's, plus nbgrader and its JupyterLab extension.
$(INSTRUCTOR_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[instructor]'
	@touch $@ $(LAB_STAMP)

# The book's set: the learner's, plus Sphinx, MyST-NB, numpydoc and a MathJax copy.
$(BOOK_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[book]'
	@touch $@ $(LAB_STAMP)

# The tests' set: the learner's, plus the test tools (dev), nbgrader (instructor) and the book's.
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,instructor,book]'
	@touch $@ $(LAB_STAMP) $(INSTRUCTOR_STAMP) $(BOOK_STAMP)

kernel: $(LAB_STAMP)
	@mkdir -p $(JUPYTER_DATA_DIR)
	@$(BIN)/python -m ipykernel install --prefix $(VENV) --name $(KERNEL) --display-name "Python (deconv-tutor)" >/dev/null

# No news pop-up and no update check in any lab of this environment (the browser tests' setting);
# nbgrader's extension off in the learner's configuration, on in the instructor's. The learner's
# server leaves out nbgrader's server extensions. In both, the kernel websocket's ping timeout is
# set to its ping interval: jupyter_server's default (three intervals) makes tornado print a
# warning each time a notebook connects to its kernel. No language server is installed, so
# jupyter-lsp's search for one (a long list of names it did not find) is left out.
WS_PING := "tornado_settings": {"ws_ping_timeout": 30000}
NO_LSP := "LanguageServerManager": {"autodetect": false}
lab-settings: $(LAB_STAMP)
	@mkdir -p $(dir $(LAB_OVERRIDES)) $(LEARNER_CONFIG)/labconfig $(INSTRUCTOR_CONFIG)/labconfig
	@printf '%s\n' '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $(LAB_OVERRIDES)
	@printf '%s\n' '{"disabledExtensions": {"@jupyter/nbgrader": true}}' > $(LEARNER_CONFIG)/labconfig/page_config.json
	@printf '%s\n' '{"disabledExtensions": {"@jupyter/nbgrader": false}}' > $(INSTRUCTOR_CONFIG)/labconfig/page_config.json
	@printf '%s\n' '{$(NO_LSP), "ServerApp": {$(WS_PING), "jpserver_extensions": {' \
		'"nbgrader.server_extensions.formgrader": false,' \
		'"nbgrader.server_extensions.validate_assignment": false,' \
		'"nbgrader.server_extensions.assignment_list": false,' \
		'"nbgrader.server_extensions.course_list": false}}}' > $(LEARNER_CONFIG)/jupyter_server_config.json
	@printf '%s\n' '{$(NO_LSP), "ServerApp": {$(WS_PING)}}' > $(INSTRUCTOR_CONFIG)/jupyter_server_config.json

# A chapter the learner has no copy of yet is copied, and trusted (it comes from the repository the
# learner chose to run: its stored outputs show as committed); a copy is never overwritten. The committed
# version each copy started from is kept in work/.originals/, so that a chapter changed since (by a
# `git pull`) is reported. Released assignments (written by an instructor's `nbgrader
# generate_assignment`) are copied the same way; their sources, with the solutions, never are.
learner-copies: $(LAB_STAMP)
	@mkdir -p $(WORK)/.originals
	@new=; for chapter in $(CHAPTERS); do \
		name=$$(basename $$chapter); \
		if [ ! -e $(WORK)/$$name ]; then \
			cp $$chapter $(WORK)/$$name && cp $$chapter $(WORK)/.originals/$$name; \
			new="$$new $(WORK)/$$name"; echo "new chapter copied: $(WORK)/$$name"; \
		elif [ -e $(WORK)/.originals/$$name ] && ! cmp -s $$chapter $(WORK)/.originals/$$name; then \
			echo "$$chapter has changed since your copy was made:" \
				"\`make fresh-copy CHAPTER=$${name:0:2}\` takes the new one (yours is kept)"; \
		fi; \
	done; \
	if [ -n "$$new" ]; then $(BIN)/jupyter trust $$new >/dev/null; fi
	@if [ -d notebooks/assignments/release ]; then \
		mkdir -p $(WORK)/assignments && cp -rn notebooks/assignments/release/. $(WORK)/assignments/; \
	fi

# The learner's lab: their copies in work/, nbgrader's menus and sidebar off.
lab: kernel lab-settings learner-copies
	JUPYTER_CONFIG_DIR=$(LEARNER_CONFIG) $(BIN)/jupyter lab --notebook-dir=$(WORK) $(LAB_ARGS)

# A fresh copy of one chapter (`make fresh-copy CHAPTER=06`), or of all of them; the learner's
# previous copy is moved to work/previous/ with the time in its name, never deleted.
define fresh_copy
	@mkdir -p $(WORK)/previous $(WORK)/.originals
	@new=; for chapter in $(1); do \
		copy=$(WORK)/$$(basename $$chapter); \
		if [ -e $$copy ]; then \
			kept=$(WORK)/previous/$$(basename $$chapter .ipynb)-$$(date +%Y%m%d-%H%M%S).ipynb; \
			mv $$copy $$kept && echo "your copy is kept as $$kept"; \
		fi; \
		cp $$chapter $$copy && cp $$chapter $(WORK)/.originals/ && echo "fresh copy: $$copy"; \
		new="$$new $$copy"; \
	done; \
	$(BIN)/jupyter trust $$new >/dev/null
endef

fresh-copy: $(LAB_STAMP)
	@test -n "$(CHAPTER)" || { echo "say which chapter, e.g. make fresh-copy CHAPTER=06" >&2; exit 2; }
	@test -n "$(wildcard notebooks/$(CHAPTER)_*.ipynb)" || \
		{ echo "no chapter $(CHAPTER) in notebooks/ (chapters: $(notdir $(CHAPTERS)))" >&2; exit 2; }
	$(call fresh_copy,$(wildcard notebooks/$(CHAPTER)_*.ipynb))

reset-chapters: $(LAB_STAMP)
	$(call fresh_copy,$(CHAPTERS))

# nbgrader's commands and the instructor's lab settings, without opening JupyterLab.
instructor-env: kernel lab-settings $(INSTRUCTOR_STAMP)

# The instructor's lab: the committed chapters and the assignments' sources (solutions, hidden
# tests) with nbgrader's menus, formgrader and sidebar, started in the nbgrader course folder.
instructor: instructor-env
	cd notebooks/assignments && PATH=$(CURDIR)/$(BIN):$$PATH JUPYTER_CONFIG_DIR=$(INSTRUCTOR_CONFIG) \
		$(CURDIR)/$(BIN)/jupyter lab --notebook-dir=$(CURDIR)/notebooks $(LAB_ARGS)

# The course book: the committed chapters with their stored outputs (nothing runs) and the API
# reference, offline, warnings as errors. Open docs/_build/html/index.html.
book: $(BOOK_STAMP)
	$(BIN)/python -m sphinx -W --keep-going -b html -q docs docs/_build/html
	@echo "the book: $(CURDIR)/docs/_build/html/index.html"

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
# the options live in pyproject.toml, so a plain `pytest` runs the same. Two workers (pytest-xdist)
# share the files: a single run keeps one core busy (12.5 min here), two take 7.5 min. Each file
# stays on one worker (--dist loadfile), so a notebook's cells run in order in one kernel.
PYTEST_WORKERS ?= 2
pytest: $(TEST_STAMP) kernel browser-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

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

# The chapters are committed executed at `cpu` (real trained results), each run timed and its
# figures checked by benchmarks/chapters.py; the assignments' sources at `smoke`.
# `make notebooks BUDGET=smoke` for a quick pass, `ONLY=06,07` for some chapters.
BUDGET ?= cpu
notebooks: kernel $(TEST_STAMP)
	$(BIN)/python benchmarks/chapters.py --budget $(BUDGET) --store $(if $(ONLY),--only $(ONLY),)
	$(if $(ONLY),,DECONV_TUTOR_BUDGET=smoke $(BIN)/python tests/notebooks/execute.py notebooks/assignments)

# train_reference.py is not a benchmark: it retrains the shipped reference weights (hours).
bench: $(LAB_STAMP)
	for script in benchmarks/[!_]*.py; do \
		[ $$script = benchmarks/train_reference.py ] || $(BIN)/python $$script || exit 1; done

# The learner's work/ is theirs: `make clean` leaves it.
clean:
	rm -rf $(VENV) .cache docs/_build docs/chapters docs/api
