"""Explicit resource limits: every size, count and range a model may ask for.

One home for the bounds that ``qlang check`` and the runtime enforce *before* anything
is allocated, so a typo such as ``pca(2**62)`` or ``moons(n = 10**8)`` is a located,
coded diagnostic instead of a machine that swaps. Each limit is a plain constant;
the memory budget is read from the ``--memory`` option, else ``QLANG_MEMORY`` (bytes,
or with a ``K``/``M``/``G``/``T`` suffix; the older ``QLANG_MEMORY_BUDGET`` is read
too), else the machine's available memory.

Example::

    >>> MAX_DATA_ROWS >= 100_000
    True
    >>> parse_bytes("2G")
    2147483648
    >>> format_bytes(3 * 2**30)
    '3.00 GiB'
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

# --- files -------------------------------------------------------------------------
#: bytes of one ``.qml`` source file (the model and each file it imports)
MAX_SOURCE_BYTES = 2**20
#: bytes of one data file (``csv(...)``, ``qlang predict --input``)
MAX_DATA_FILE_BYTES = 512 * 2**20
#: bytes of one device file (``target { device = "my_device.json" }``, ``--device``)
MAX_DEVICE_FILE_BYTES = 16 * 2**20
#: bytes of one JSON file of a run folder (``weights.json``, a checkpoint, ...)
MAX_ARTIFACT_BYTES = 256 * 2**20

# --- the language ------------------------------------------------------------------
#: digits of one number literal (integers beyond 2**62 are refused anyway)
MAX_LITERAL_DIGITS = 400
#: nesting of one expression: brackets, calls, unary and power operators, ... (a flat
#: chain ``a + b + c`` counts once: it is folded in a loop, see ``MAX_CHAIN_TERMS``)
MAX_EXPR_DEPTH = 100
#: circuit calls nested inside each other (a recursive circuit must stop before this)
MAX_CALL_DEPTH = 32
#: operands of one flat chain of operators (``1 + 1 + ... + 1``, ``a or b or ...``)
MAX_CHAIN_TERMS = 10_000
#: nesting of one symbolic gate-angle expression over inputs and weights
MAX_ANGLE_DEPTH = 64
#: nodes of one symbolic gate-angle expression (shared parts counted each time used)
MAX_EXPR_NODES = 100_000
#: values of one range, loop, list or comprehension the compiler unrolls
MAX_RANGE = 1_000_000
#: statements one circuit unrolls to (loops and repetitions expanded)
MAX_STEPS = 100_000
#: elements of one declared array (weights, inputs, constants)
MAX_ARRAY_ELEMENTS = 1_000_000
#: repetitions / layers of an ansatz, encoding or loop-like argument
MAX_REPS = 10_000
#: qubits any model or circuit may declare (simulation is further bounded by memory)
MAX_QUBITS = 10_000
#: classical bits one circuit allocates with ``bit[k] c;``
MAX_CLBITS = 1_000_000

# --- data and training ---------------------------------------------------------------
#: rows a data set may have (generated or read from a file)
MAX_DATA_ROWS = 1_000_000
#: features (columns) of one sample
MAX_FEATURES = 100_000
#: values (rows x features) of one data set held in memory
MAX_DATA_VALUES = 50_000_000
#: training epochs or optimizer iterations
MAX_EPOCHS = 10_000_000
#: shots of one circuit evaluation
MAX_SHOTS = 10**9
#: terms of one circuit cutting's quasi-probability decomposition (``target { cutting }``;
#: a wire cut has 8 terms, a CX gate cut 6: they multiply)
MAX_CUT_TERMS = 4096

# --- the statevector engine's memory model --------------------------------------------
#: working state buffers of one sample: a forward run, an adjoint gradient
FORWARD_BUFFERS = 4
ADJOINT_BUFFERS = 8
#: bytes of one amplitude per simulator dtype
AMPLITUDE_BYTES = {"complex128": 16, "complex64": 8}


def readout_tables(kind: str, terms: int = 1, qubits: int = 1) -> int:
    """``float64`` vectors of length ``2**n`` a readout builds (tables and temporaries)."""
    if kind == "expval":
        return terms + 3
    if kind == "samples":
        return qubits + 4
    return 6


def simulation_bytes(
    num_qubits: int, *, itemsize: int = 16, adjoint: bool = False, tables: int = 0
) -> int:
    """Bytes one sample of a statevector run needs: the state buffers and readout tables.

    >>> format_bytes(simulation_bytes(20, adjoint=True, tables=4))
    '160.00 MiB'
    """
    buffers = ADJOINT_BUFFERS if adjoint else FORWARD_BUFFERS
    return (2**num_qubits) * (itemsize * buffers + 8 * tables)


_SUFFIXES = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
#: Environment variables of the memory budget, most specific first.
MEMORY_VARIABLES = ("QLANG_MEMORY", "QLANG_MEMORY_BUDGET")
#: The budget when nothing is set and the available memory cannot be read.
DEFAULT_BUDGET = 4 * 2**30

_override: int | None = None


def parse_bytes(text: str) -> int:
    """``"512M"`` -> 536870912; plain digits are bytes. Raises ``ValueError`` when malformed.

    >>> parse_bytes("1.5k"), parse_bytes("64MiB")
    (1536, 67108864)
    """
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = t[-1:] if t[-1:] in _SUFFIXES and not t[-1:].isdigit() else ""
    number = t[: len(t) - len(unit)] if unit else t
    if not number or len(number) > 40:
        raise ValueError(f"not a positive size: {text!r}")
    value = float(number) * _SUFFIXES[unit]
    if not value >= 1 or value != value or value == float("inf") or value > 2**62:
        raise ValueError(f"not a positive size: {text!r}")
    return int(value)


def format_bytes(n: float) -> str:
    """``3.00 GiB``, ``512.00 MiB``, ``12 bytes``: the unit that reads best.

    >>> format_bytes(2**70)
    '1024.00 EiB'
    """
    units = (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20))
    if n >= 2**70:
        return f"2^{int(n).bit_length() - 1} bytes" if n >= 2**80 else f"{n / 2**60:.2f} EiB"
    for unit, size in (*units, ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{int(n)} bytes"


def _bad_setting(where: str, raw: str) -> Exception:
    from qlang.diagnostics import Diagnostic, QLangError

    return QLangError(
        [
            Diagnostic.error(
                "QL0820",
                f"{where} is not a memory size: `{raw[:40]}`",
                help="write bytes or a size with a unit, e.g. `8G` or `512M`",
            )
        ]
    )


def memory_override() -> int | None:
    """The budget set by ``--memory`` or the environment, if any (coded error if malformed)."""
    if _override is not None:
        return _override
    for var in MEMORY_VARIABLES:
        raw = os.environ.get(var)
        if raw:
            try:
                return parse_bytes(raw)
            except ValueError:
                raise _bad_setting(f"`{var}`", raw) from None
    return None


def available_memory() -> int:
    """Bytes the machine has available now (``MemAvailable`` on Linux, else 4 GiB)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return DEFAULT_BUDGET


def memory_budget() -> int:
    """The memory budget in bytes: ``--memory``, else the environment, else available RAM."""
    override = memory_override()
    return override if override is not None else available_memory()


def budget_source() -> str:
    """Where the budget comes from, for messages (``set by QLANG_MEMORY``)."""
    if _override is not None:
        return "set by `--memory`"
    for var in MEMORY_VARIABLES:
        if os.environ.get(var):
            return f"set by `{var}`"
    return "the available memory"


def describe_budget(budget: int | None = None) -> str:
    """``the memory budget of 4.00 GiB (the available memory)``."""
    value = memory_budget() if budget is None else budget
    return f"the memory budget of {format_bytes(value)} ({budget_source()})"


BUDGET_HELP = "raise the budget with `--memory 16G` or `QLANG_MEMORY=16G` if the machine has it"


def set_memory_budget(value: int | str | None) -> None:
    """Set (or with ``None`` clear) the process-wide budget, as ``--memory`` does."""
    global _override
    if value is None:
        _override = None
        return
    if isinstance(value, str):
        raw = value
        try:
            value = parse_bytes(raw)
        except ValueError:
            raise _bad_setting("`--memory`", raw) from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _bad_setting("the memory budget", repr(value))
    _override = value


@contextlib.contextmanager
def memory_budget_set(value: int | str | None) -> Iterator[None]:
    """Within the block the budget is ``value`` (``None``: unchanged).

    >>> with memory_budget_set("1G"):
    ...     memory_budget()
    1073741824
    """
    if value is None:
        yield
        return
    global _override
    saved = _override
    set_memory_budget(value)
    try:
        yield
    finally:
        _override = saved


# --- the noisy engines' memory model (issue 22) ----------------------------------------
#: working density matrices per sample of a noisy forward run (gradients need more)
DENSITY_BUFFERS = 3
#: working statevectors per trajectory
TRAJECTORY_BUFFERS = 4


def density_bytes(num_qubits: int, dtype: str = "complex128", buffers: int = DENSITY_BUFFERS) -> int:
    """Bytes of ``buffers`` density matrices of ``num_qubits`` qubits.

    >>> format_bytes(density_bytes(10))
    '48.00 MiB'
    """
    return 4**num_qubits * AMPLITUDE_BYTES.get(dtype, 16) * buffers


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
    have = memory_budget() if budget is None else budget
    return "density_matrix" if density_bytes(num_qubits, dtype, gradient_buffers) <= have else "trajectories"
