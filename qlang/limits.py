"""Explicit resource limits: every size, count and range a model may ask for.

One home for the bounds that ``qlang check`` and the runtime enforce *before* anything
is allocated, so a typo such as ``pca(2**62)`` or ``moons(n = 10**8)`` is a located,
coded diagnostic instead of a machine that swaps. Each limit is a plain constant;
the memory budget is read from ``QLANG_MEMORY`` (bytes, or with a ``K``/``M``/``G``
suffix) or the ``--memory`` option, else from the machine's available memory.

Example::

    >>> MAX_DATA_ROWS >= 100_000
    True
    >>> parse_bytes("2G")
    2147483648
"""

from __future__ import annotations

import os

#: rows a data set may have (generated or read from a file)
MAX_DATA_ROWS = 1_000_000
#: features (columns) of one sample
MAX_FEATURES = 100_000
#: repetitions / layers of an ansatz, encoding or loop-like argument
MAX_REPS = 10_000
#: elements of one declared array (weights, inputs, constants)
MAX_ARRAY_ELEMENTS = 10_000_000
#: training epochs or optimizer iterations
MAX_EPOCHS = 10_000_000
#: qubits any model or circuit may declare (simulation is further bounded by memory)
MAX_QUBITS = 10_000
#: shots of one circuit evaluation
MAX_SHOTS = 10**9

_SUFFIXES = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def parse_bytes(text: str) -> int:
    """``"512M"`` -> 536870912; plain digits are bytes. Raises ``ValueError`` when malformed."""
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = t[-1:] if t[-1:] in _SUFFIXES and not t[-1:].isdigit() else ""
    number = t[: len(t) - len(unit)] if unit else t
    value = float(number) * _SUFFIXES[unit]
    if not value > 0 or value != value or value == float("inf"):
        raise ValueError(f"not a positive size: {text!r}")
    return int(value)


def available_memory() -> int:
    """Bytes the machine has available (MemAvailable on Linux; 4 GiB when unknown)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 4 * 2**30


def memory_budget(explicit: int | None = None) -> int:
    """The budget of one run: ``explicit``, else ``QLANG_MEMORY``, else the available memory."""
    if explicit is not None:
        return explicit
    override = memory_override()
    return override if override is not None else available_memory()


#: bytes of one amplitude (complex128) or one complex64
ITEM_BYTES = {"complex128": 16, "complex64": 8}
#: working density matrices per sample of a noisy forward run (gradients need more)
DENSITY_BUFFERS = 3
#: working statevectors per trajectory
TRAJECTORY_BUFFERS = 4


def density_bytes(num_qubits: int, dtype: str = "complex128", buffers: int = DENSITY_BUFFERS) -> int:
    """Bytes of ``buffers`` density matrices of ``num_qubits`` qubits."""
    return 4**num_qubits * ITEM_BYTES.get(dtype, 16) * buffers


def choose_engine(
    num_qubits: int,
    noisy: bool,
    backend: str = "auto",
    dtype: str = "complex128",
    budget: int | None = None,
) -> str:
    """``backend = auto``: ``statevector`` without noise, ``density_matrix`` when a noisy
    run's density matrices (with its gradient's checkpoints) fit the budget, else
    ``trajectories``; any other ``backend`` is kept.

    >>> choose_engine(4, False), choose_engine(4, True), choose_engine(30, True)
    ('statevector', 'density_matrix', 'trajectories')
    """
    if backend != "auto":
        return backend
    if not noisy:
        return "statevector"
    gradient_buffers = 2 * DENSITY_BUFFERS + int((4 * num_qubits + 16) ** 0.5)
    fits = density_bytes(num_qubits, dtype, gradient_buffers) <= memory_budget(budget)
    return "density_matrix" if fits else "trajectories"


def noisy_memory_problem(
    engine: str, num_qubits: int, dtype: str = "complex128", samples: int = 1,
    budget: int | None = None,
) -> tuple[str, str] | None:  # fmt: skip
    """``(message, help)`` when one sample of a noisy run cannot fit the memory budget
    (``qlang check`` reports ``QL0601`` before anything runs), else ``None``."""
    have = memory_budget(budget)
    if engine == "density_matrix":
        need = density_bytes(num_qubits, dtype)
        if need > have:
            return (
                f"a density matrix of {num_qubits} qubits needs {need / 2**30:.3g} GiB per "
                f"sample, more than the memory budget of {have / 2**30:.3g} GiB",
                "use `backend = trajectories` (or `auto`), fewer qubits, or a larger budget "
                "(`QLANG_MEMORY`)",
            )
        return None
    need = 2**num_qubits * ITEM_BYTES.get(dtype, 16) * TRAJECTORY_BUFFERS * samples
    if need > have:
        return (
            f"{samples} trajectories of {num_qubits} qubits need {need / 2**30:.3g} GiB per "
            f"sample, more than the memory budget of {have / 2**30:.3g} GiB",
            "use fewer qubits or trajectories (`backend = trajectories(samples = ...)`), or "
            "a larger budget (`QLANG_MEMORY`)",
        )
    return None


def memory_override() -> int | None:
    """The budget set by ``QLANG_MEMORY`` (or the older ``QLANG_MEMORY_BUDGET``), if any."""
    for var in ("QLANG_MEMORY", "QLANG_MEMORY_BUDGET"):
        raw = os.environ.get(var)
        if raw:
            return parse_bytes(raw)
    return None
