"""Qubit-axis orders of a batch state: where a block's qubits must be to apply it.

The engine keeps the qubit axes of a batch state in a tracked order (``order[0]`` is
the most significant axis). The plan (which picks every block's local qubit order) and
the engine (which applies blocks) share this one rule.

Example::

    >>> layout_for((2, 1, 0), (1, 0))
    ('trailing', (2, 1, 0))
    >>> layout_for((2, 1, 0), (2,))
    ('trailing', (1, 0, 2))
"""

from __future__ import annotations

#: Smallest inner stride (amplitudes) for applying a block in place of its axes.
MIN_STRIDE = 8


def trailing(order: tuple[int, ...], qubits: tuple[int, ...]) -> tuple[int, ...]:
    """``order`` with ``qubits`` moved to the end, in their given order."""
    return tuple(q for q in order if q not in qubits) + qubits


def layout_for(order: tuple[int, ...], qubits: tuple[int, ...], stacked: bool = True) -> tuple:
    """How to apply a block on ``qubits``: ``("trailing" | "stacked", order)``.

    ``trailing``: the qubits are (or are moved to be) the last axes, in local
    order. ``stacked``: they already occupy adjacent axes in local order with at
    least :data:`MIN_STRIDE` amplitudes after them, so no data moves.
    """
    n, k = len(order), len(qubits)
    pos = [order.index(q) for q in qubits]
    if pos == list(range(n - k, n)):
        return ("trailing", order)
    if stacked and pos == list(range(pos[0], pos[0] + k)) and 2 ** (n - pos[0] - k) >= MIN_STRIDE:
        return ("stacked", order)
    return ("trailing", trailing(order, qubits))
