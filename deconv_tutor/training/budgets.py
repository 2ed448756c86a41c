"""Budgets: how much training a notebook cell may do, chosen once per chapter.

The same notebook must run in seconds in CI (``smoke``), in a few minutes on a two-core
laptop (``cpu``) and at full size on a GPU (``gpu``). A :class:`Budget` holds the sizes
that change between them; :func:`select_budget` picks one from an argument, from
``DECONV_TUTOR_BUDGET``, or from the hardware; :func:`describe` is the line a chapter
prints once to say what it chose and why.

A budget is counted in **steps** (:attr:`Budget.steps`, batches of one model's training),
never in seconds: a model trained on a busy machine learns exactly what it learns on a
quiet one, only later. Seed before building (:func:`~deconv_tutor.training.set_seed`) and
two runs give the same weights.

Calibration of ``cpu`` (400 steps of 16 patches of 48 x 48 per model): on this 2-core
machine at load about 2, the restoration models of the zoo (default sizes, FSRCNN at d=56,
m=6) trained at 0.012 (ESPCN) to 0.12 (deblurrer) wall seconds per step (DnCNN: 3,200
steps in 290 s; FSRCNN: 2,400 in 73 s; ``benchmarks/results/quality_cpu.json`` as committed
before issue 11), so 400 steps take 5 to 50 seconds per model, and a chapter that trains
ten models stays well inside its 15 minutes. ``python benchmarks/budget_steps.py``
measures each model's CPU seconds per step, an upper bound of a quiet machine's wall
seconds.
"""

import dataclasses
import os

from deconv_tutor import _validation as check
from deconv_tutor.training.hardware import check_hardware, choose_distribution, hardware

__all__ = [
    "BUDGETS",
    "BUDGET_NAMES",
    "BUDGET_VARIABLE",
    "Budget",
    "auto_budget",
    "describe",
    "select_budget",
]

#: Budget names, from the smallest to the largest.
BUDGET_NAMES = ("smoke", "cpu", "gpu")

#: Environment variable that chooses the budget when :func:`select_budget` gets no name.
BUDGET_VARIABLE = "DECONV_TUTOR_BUDGET"


# Budget lines described or printed in this process: the line is shown once per chapter.
_LINES_SHOWN = set()


def _quoted(names):
    return ", ".join(repr(name) for name in names)


@dataclasses.dataclass(frozen=True)
class Budget:
    """How much training a notebook cell may do.

    Patch sizes are multiples of 24, so they divide by 2**3 (a depth-3
    encoder-decoder) and by the super-resolution factors 2, 3 and 4.

    Parameters
    ----------
    name : {"smoke", "cpu", "gpu"}
        ``smoke``: a few seconds per fit (CI); ``cpu``: a few minutes on two cores;
        ``gpu``: larger patches, wider models, more epochs.
    epochs : int
        Epochs of one fit.
    steps_per_epoch : int
        Batches per epoch (for patch datasets built with this budget).
    batch_size : int
        Patches per batch (the global batch, split across GPUs when there are several).
    patch_size : int
        Height and width of the training patches, in pixels.
    filters : int
        Base width (filters of the first layer) of the models built for this budget.
    reason : str
        Why this budget was chosen.

    Examples
    --------
    >>> budget = Budget("smoke", epochs=2, steps_per_epoch=3, batch_size=4, patch_size=24,
    ...                 filters=8, reason="example")
    >>> budget.epochs * budget.steps_per_epoch
    6
    """

    name: str
    epochs: int
    steps_per_epoch: int
    batch_size: int
    patch_size: int
    filters: int
    reason: str = ""

    def __post_init__(self):
        if self.name not in BUDGET_NAMES:
            raise ValueError(f"name must be one of {_quoted(BUDGET_NAMES)}, got {self.name!r}")
        for field in ("epochs", "steps_per_epoch", "batch_size", "patch_size", "filters"):
            check.integer(getattr(self, field), field, minimum=1)
        if not isinstance(self.reason, str):
            raise TypeError(f"reason must be a string, got {type(self.reason).__name__}")

    @property
    def steps(self):
        """Training steps (batches) of one model: ``epochs * steps_per_epoch``.

        A budget is counted in steps, never in seconds, so what a model learns does not
        depend on how busy the machine is; only the time it takes does.
        """
        return self.epochs * self.steps_per_epoch


#: The three presets; :func:`select_budget` copies one and fills in ``reason``.
BUDGETS = {
    "smoke": Budget("smoke", epochs=2, steps_per_epoch=3, batch_size=4, patch_size=24, filters=8),
    "cpu": Budget("cpu", epochs=8, steps_per_epoch=50, batch_size=16, patch_size=48, filters=16),
    "gpu": Budget("gpu", epochs=40, steps_per_epoch=200, batch_size=64, patch_size=96, filters=64),
}


def auto_budget(hardware_info):
    """The budget :func:`select_budget` picks automatically, and why.

    Parameters
    ----------
    hardware_info : dict
        As returned by :func:`hardware` (only ``gpus`` and ``gpu_count`` are read).

    Returns
    -------
    tuple of (str, str)
        The budget name (``"gpu"`` when a GPU is visible, else ``"cpu"``) and the reason.

    Examples
    --------
    >>> auto_budget({"backend": "tensorflow", "gpus": (), "gpu_count": 0})
    ('cpu', 'no GPU found: cpu budget')
    >>> h100 = {"name": "NVIDIA H100", "compute_capability": (9, 0)}
    >>> auto_budget({"backend": "jax", "gpus": (h100, h100), "gpu_count": 2})
    ('gpu', '2 GPUs found (NVIDIA H100): gpu budget')
    """
    hardware_info = check_hardware(hardware_info)
    count = hardware_info["gpu_count"]
    if count == 0:
        return "cpu", "no GPU found: cpu budget"
    names = ", ".join(sorted({gpu["name"] for gpu in hardware_info["gpus"]}))
    plural = "GPU" if count == 1 else "GPUs"
    return "gpu", f"{count} {plural} found ({names}): gpu budget"


def select_budget(name=None, *, hardware_info=None):
    """Choose the training budget: by argument, else ``DECONV_TUTOR_BUDGET``, else the hardware.

    Parameters
    ----------
    name : {"smoke", "cpu", "gpu"} or Budget, optional
        Force a budget (a :class:`Budget` is returned as it is). Without it the environment variable ``DECONV_TUTOR_BUDGET``
        decides, and without that the hardware: ``"gpu"`` when a GPU is visible,
        else ``"cpu"``. Names are case-insensitive.
    hardware_info : dict, optional
        The machine to decide for (as returned by :func:`hardware`); the real one
        by default. Only read when neither ``name`` nor the variable is set.

    Returns
    -------
    Budget
        A copy of the preset in :data:`BUDGETS` whose ``reason`` says why it was chosen.

    Raises
    ------
    ValueError
        For a name (argument or variable) that is not a budget; the message lists the valid names.

    Examples
    --------
    >>> select_budget("smoke")
    Budget(name='smoke', epochs=2, steps_per_epoch=3, batch_size=4, patch_size=24, filters=8, reason="argument name='smoke'")
    >>> select_budget(hardware_info={"backend": "tensorflow", "gpus": (), "gpu_count": 0}).name in BUDGET_NAMES
    True
    """
    if isinstance(name, Budget):
        return name
    if name is not None and not isinstance(name, str):
        raise TypeError(
            f"budget must be a Budget or one of {_quoted(BUDGET_NAMES)}, got "
            f"{type(name).__name__} {name!r}"
        )
    if name is not None:
        return _preset(name, "name", f"argument name={name!r}")
    variable = os.environ.get(BUDGET_VARIABLE, "").strip()
    if variable:
        return _preset(variable, BUDGET_VARIABLE, f"{BUDGET_VARIABLE}={variable}")
    chosen, reason = auto_budget(hardware() if hardware_info is None else hardware_info)
    return dataclasses.replace(BUDGETS[chosen], reason=reason)


def _preset(name, source, reason):
    if not isinstance(name, str):
        raise TypeError(f"{source} must be a string, one of {_quoted(BUDGET_NAMES)}, got {name!r}")
    key = name.strip().lower()
    if key not in BUDGETS:
        raise ValueError(f"{source} must be one of {_quoted(BUDGET_NAMES)}, got {name!r}")
    return dataclasses.replace(BUDGETS[key], reason=reason)


def describe(budget=None, *, hardware_info=None):
    """The one line a chapter prints: backend, devices, precision, budget, sizes.

    A chapter prints it once, in its opening cell; :func:`~deconv_tutor.training.fit`
    prints it too, but only the first time this process meets that line (its own or one
    :func:`describe` returned), so that a cell training four models does not repeat it.

    Parameters
    ----------
    budget : Budget or str, optional
        The budget (or its name); :func:`select_budget` by default.
    hardware_info : dict, optional
        The machine (as returned by :func:`hardware`); the real one by default.

    Returns
    -------
    str

    Examples
    --------
    >>> cpu_only = {"backend": "tensorflow", "devices": ("CPU",), "gpus": (), "gpu_count": 0,
    ...             "precision": "float32"}
    >>> print(describe(select_budget("smoke"), hardware_info=cpu_only))
    backend: tensorflow | devices: CPU | mixed precision: off (float32) | budget: smoke (argument name='smoke') | epochs: 2 | patch: 24x24
    """
    line = _budget_line(budget, hardware_info=hardware_info)
    _LINES_SHOWN.add(line)
    return line


def _budget_line(budget=None, *, hardware_info=None):
    """:func:`describe`'s line, without counting it as shown (for ``fit``)."""
    budget = select_budget(budget)
    info = check_hardware(hardware() if hardware_info is None else hardware_info)
    devices = ", ".join(info.get("devices") or ("CPU",))
    distribution = choose_distribution(info, budget.batch_size)
    if distribution != "single":
        devices += f" ({distribution.replace('_', ' ')})"
    precision = info.get("precision", "float32")
    switch = "off" if precision == "float32" else "on"
    return (
        f"backend: {info['backend']} | devices: {devices} | mixed precision: {switch} ({precision})"
        f" | budget: {budget.name} ({budget.reason}) | epochs: {budget.epochs}"
        f" | patch: {budget.patch_size}x{budget.patch_size}"
    )


def _first_time(line):
    """Whether ``line`` is new to this process (it is remembered from now on)."""
    new = line not in _LINES_SHOWN
    _LINES_SHOWN.add(line)
    return new
