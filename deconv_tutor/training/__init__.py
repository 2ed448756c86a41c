"""Hardware, budgets and resumable fitting: everything a training cell needs.

A training cell in the course looks like this, in every chapter::

    budget = training.select_budget()          # smoke | cpu | gpu, and why
    with training.configure(budget):           # mixed precision, multi-GPU scope
        model = models.encoder_decoder(...)    # build *and* compile here
    history = training.fit(model, data, budget=budget, run_dir="runs/denoise")

:func:`fit` trains a model on the devices it was built on (:func:`replicas`); on a
machine with several GPUs, a model built outside ``configure`` is refused with a message
rather than left to crash inside the backend. Batches are split evenly over the devices:
array data whose last batch would not split is topped up from the epoch's first samples.

Three ideas, one module each, all used through this package's namespace:

- **Budgets.** The same notebook must run in seconds in CI (``smoke``), in a few
  minutes on a two-core laptop (``cpu``) and at full size on a GPU (``gpu``). A
  :class:`Budget` holds the sizes that change between them; :func:`select_budget`
  picks one from an argument, from ``DECONV_TUTOR_BUDGET``, or from the hardware.
- **Hardware** (and with it, devices). :func:`hardware` describes the machine as a
  plain dict (backend, devices, GPUs and their compute capability, dtype policy). The
  decisions taken from it (:func:`choose_precision`, :func:`choose_distribution`,
  :func:`auto_budget`) are pure functions of that dict, so they are tested with fake
  machines; :func:`configure` and :func:`replicas` put a model on the devices chosen.
  Only the active Keras backend is imported, lazily.
- **Resumable fitting.** :func:`fit` saves the model, its optimizer state and the run's
  state (epochs done, history so far) after every epoch in one atomic commit
  (``run_dir/last.keras``); run again, it resumes where it stopped, so a killed kernel
  loses at most the epoch in progress. A run locks its folder; a damaged checkpoint is
  reported with the way out, never trained over.

Modules: :mod:`~deconv_tutor.training.budgets`, :mod:`~deconv_tutor.training.hardware`,
:mod:`~deconv_tutor.training.distribution`, :mod:`~deconv_tutor.training.fitting` and
:mod:`~deconv_tutor.training.records` (a chapter's headline figures, :func:`record_results`). With
:mod:`deconv_tutor.autodiff`, they are the only code that imports a backend (TensorFlow,
JAX or PyTorch) directly: device listing, distribution strategies and op determinism have
no backend-agnostic Keras API.
"""

from deconv_tutor.training.budgets import (
    BUDGET_NAMES,
    BUDGET_VARIABLE,
    BUDGETS,
    Budget,
    auto_budget,
    describe,
    select_budget,
)
from deconv_tutor.training.distribution import (
    configure,
    replicas,
    strategy_scope,
    training_scope,
)
from deconv_tutor.training.fitting import (
    CHECKPOINT_NAME,
    LOCK_NAME,
    STATE_NAME,
    fit,
    read_state,
)
from deconv_tutor.training.hardware import (
    check_hardware,
    choose_distribution,
    choose_precision,
    hardware,
    set_seed,
)
from deconv_tutor.training.records import (
    RESULTS_FOLDER,
    read_results,
    record_results,
    results_path,
)

__all__ = [
    "BUDGETS",
    "BUDGET_NAMES",
    "BUDGET_VARIABLE",
    "CHECKPOINT_NAME",
    "LOCK_NAME",
    "RESULTS_FOLDER",
    "STATE_NAME",
    "Budget",
    "auto_budget",
    "check_hardware",
    "choose_distribution",
    "choose_precision",
    "configure",
    "describe",
    "fit",
    "hardware",
    "read_results",
    "read_state",
    "record_results",
    "replicas",
    "results_path",
    "select_budget",
    "set_seed",
    "strategy_scope",
    "training_scope",
]
