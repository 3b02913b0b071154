"""Entanglement patterns: ``pairs(n, kind)``.

``linear``, ``reverse_linear``, ``circular``, ``full``, ``pairwise`` and
``sca`` follow Qiskit's ``n_local`` entangler maps (``sca`` takes the layer
index); ``ring`` is PennyLane's ring (linear, then ``(n-1, 0)``) and ``star``
pairs qubit 0 with every other qubit.

Example::

    >>> pairs(4, "ring")
    ((0, 1), (1, 2), (2, 3), (3, 0))
    >>> pairs(3, "sca", 1)
    ((2, 1), (0, 2), (1, 0))
"""

from __future__ import annotations

from itertools import combinations

KINDS = ("linear", "reverse_linear", "ring", "circular", "full", "star", "pairwise", "sca")


def pairs(n: int, kind: str = "full", layer: int = 0) -> tuple[tuple[int, int], ...]:
    """The ordered qubit pairs of an entanglement pattern on ``n`` qubits."""
    if kind not in KINDS:
        raise ValueError(kind)
    linear = [(i, i + 1) for i in range(n - 1)]
    if kind == "linear":
        out = linear
    elif kind == "reverse_linear":
        out = linear[::-1]
    elif kind == "ring":
        out = linear + ([(n - 1, 0)] if n > 2 else [])
    elif kind == "full":
        out = list(combinations(range(n), 2))
    elif kind == "star":
        out = [(0, i) for i in range(1, n)]
    elif kind == "pairwise":
        out = linear[::2] + linear[1::2]
    else:
        circular = ([(n - 1, 0)] if n > 2 else []) + linear
        if kind == "circular":
            out = circular
        else:
            k = layer % len(circular) if circular else 0
            shifted = circular[len(circular) - k :] + circular[: len(circular) - k]
            out = [(b, a) for a, b in shifted] if layer % 2 == 1 else shifted
    return tuple(out)


def blocks(n: int, k: int, kind: str = "full", layer: int = 0) -> tuple[tuple[int, ...], ...]:
    """Qubit blocks of size ``k`` (Qiskit's entangler maps for any block size).

    >>> blocks(4, 3, "linear")
    ((0, 1, 2), (1, 2, 3))
    """
    if k == 2 and kind in KINDS:
        return pairs(n, kind, layer)
    if kind == "full":
        return tuple(combinations(range(n), k))
    linear = [tuple(range(i, i + k)) for i in range(n - k + 1)]
    if kind == "linear":
        return tuple(linear)
    if kind == "reverse_linear":
        return tuple(tuple(range(n - i - k, n - i)) for i in range(n - k + 1))
    if kind == "pairwise":
        raise ValueError("pairwise needs blocks of two qubits")
    wrap = [tuple((s + t) % n for t in range(k)) for s in range(n - k + 1, n)] if n > k else []
    circular = wrap + linear
    if kind in ("circular", "ring"):
        return tuple(circular)
    if kind == "sca":
        off = layer % len(circular) if circular else 0
        shifted = circular[len(circular) - off :] + circular[: len(circular) - off]
        return tuple(b[::-1] for b in shifted) if layer % 2 == 1 else tuple(shifted)
    raise ValueError(kind)
