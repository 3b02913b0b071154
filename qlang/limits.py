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


def memory_override() -> int | None:
    """The budget set by ``QLANG_MEMORY`` (or the older ``QLANG_MEMORY_BUDGET``), if any."""
    for var in ("QLANG_MEMORY", "QLANG_MEMORY_BUDGET"):
        raw = os.environ.get(var)
        if raw:
            return parse_bytes(raw)
    return None
