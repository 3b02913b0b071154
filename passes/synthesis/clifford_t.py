"""Approximate synthesis of constant 1-qubit unitaries over Clifford+T (Solovay-Kitaev).

The approach, documented for users in ``docs/passes.md``:

1. a net of all distinct ``{h, t, tdg}`` words up to a length bound (found by
   breadth-first search, deduplicated in SU(2) up to sign);
2. the nearest net element is the depth-0 approximation (exact when the
   unitary is itself a short Clifford+T word, e.g. ``rz(pi/4)``);
3. Solovay-Kitaev refinement: the residual ``U V_{n-1}^+`` is written as a
   balanced group commutator ``V W V^+ W^+`` whose factors are approximated
   recursively; depth grows until the operator-norm error (minimised over the
   global phase) is below ``precision``.

Runs of ``t``/``s``/``z`` are folded into the shortest named gates.

Example::

    >>> from qlang.ir.gates import gate_matrix
    >>> seq, phase = approximate_1q(gate_matrix("rz", math.pi / 4), 1e-3)
    >>> [n for n, _ in seq]
    ['t']
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from qlang.passes.errors import pass_error

from qlang.ir.gates import gate_matrix

_INV = {"h": "h", "t": "tdg", "tdg": "t", "s": "sdg", "sdg": "s", "z": "z", "x": "x", "y": "y"}
_T_POWER = {"t": 1, "s": 2, "z": 4, "sdg": 6, "tdg": 7}
_POWER_WORD = {0: [], 1: ["t"], 2: ["s"], 3: ["s", "t"], 4: ["z"], 5: ["z", "t"], 6: ["sdg"],
               7: ["tdg"]}  # fmt: skip
MAX_DEPTH = 5
NET_LENGTH = 22
NET_SIZE = 8000


def _su2(u: np.ndarray) -> np.ndarray:
    return u / np.sqrt(np.linalg.det(u))


def _quat(u: np.ndarray) -> np.ndarray:
    """``(a, b, c, d)`` with ``u = a I - i (b X + c Y + d Z)`` for ``u`` in SU(2)."""
    return np.array([u[0, 0].real, -u[1, 0].imag, u[1, 0].real, -u[0, 0].imag])


def _from_quat(q: np.ndarray) -> np.ndarray:
    a, b, c, d = q
    return np.array([[a - 1j * d, -1j * b - c], [-1j * b + c, a + 1j * d]])


def word_matrix(word: list[str]) -> np.ndarray:
    m = np.eye(2, dtype=complex)
    for g in word:
        m = gate_matrix(g) @ m
    return m


def _inverse(word: list[str]) -> list[str]:
    return [_INV[g] for g in reversed(word)]


@lru_cache(maxsize=1)
def _net() -> tuple[np.ndarray, list[list[str]]]:
    """Quaternions and shortest words of distinct Clifford+T elements (BFS)."""
    gens = {g: _su2(gate_matrix(g)) for g in ("h", "t", "tdg")}
    seen: dict[tuple, int] = {}
    quats: list[np.ndarray] = []
    words: list[list[str]] = []

    def key(q: np.ndarray) -> tuple:
        q = q if (q[np.argmax(np.abs(q) > 1e-9)] > 0) else -q
        return tuple(np.round(q, 9))

    frontier = [([], np.eye(2, dtype=complex))]
    seen[key(_quat(frontier[0][1]))] = 0
    quats.append(_quat(frontier[0][1]))
    words.append([])
    for _ in range(NET_LENGTH):
        nxt = []
        for word, m in frontier:
            for g, gm in gens.items():
                if word and word[-1] == _INV[g] and g != "h":
                    continue
                m2 = gm @ m
                q = _quat(m2)
                k = key(q)
                if k in seen:
                    continue
                seen[k] = len(words)
                quats.append(q)
                words.append(word + [g])
                nxt.append((word + [g], m2))
        frontier = nxt
        if len(words) >= NET_SIZE or not frontier:
            break
    return np.array(quats), words


def _nearest(u: np.ndarray) -> tuple[list[str], np.ndarray]:
    quats, words = _net()
    i = int(np.argmax(np.abs(quats @ _quat(u))))
    return list(words[i]), _from_quat(quats[i])


def _axis_angle(u: np.ndarray) -> tuple[np.ndarray, float]:
    q = _quat(u)
    if q[0] < 0:
        q = -q
    v = q[1:]
    n = np.linalg.norm(v)
    if n < 1e-15:
        return np.array([0.0, 0.0, 1.0]), 0.0
    return v / n, 2 * math.atan2(n, q[0])


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle / 2), math.sin(angle / 2)
    return _from_quat(np.array([c, s * axis[0], s * axis[1], s * axis[2]]))


def _group_commutator(delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(V, W)`` with ``delta = V W V^+ W^+`` (balanced, Dawson-Nielsen)."""
    axis, theta = _axis_angle(delta)
    s = math.sqrt(max(0.0, (1 - math.cos(theta / 2)) / 2))
    phi = 2 * math.asin(math.sqrt(s))
    v = _rotation(np.array([1.0, 0, 0]), phi)
    w = _rotation(np.array([0, 1.0, 0]), phi)
    comm = v @ w @ v.conj().T @ w.conj().T
    m_axis, _ = _axis_angle(comm)
    cross = np.cross(m_axis, axis)
    sin_a, cos_a = np.linalg.norm(cross), float(np.dot(m_axis, axis))
    if sin_a < 1e-12:
        rot = np.eye(2, dtype=complex) if cos_a > 0 else _rotation(_perpendicular(axis), math.pi)
    else:
        rot = _rotation(cross / sin_a, math.atan2(sin_a, cos_a))
    return rot @ v @ rot.conj().T, rot @ w @ rot.conj().T


def _perpendicular(v: np.ndarray) -> np.ndarray:
    p = np.cross(v, [1.0, 0, 0])
    if np.linalg.norm(p) < 1e-6:
        p = np.cross(v, [0, 1.0, 0])
    return p / np.linalg.norm(p)


def _sk(u: np.ndarray, depth: int) -> tuple[list[str], np.ndarray]:
    if depth == 0:
        return _nearest(u)
    word, m = _sk(u, depth - 1)
    v, w = _group_commutator(u @ m.conj().T)
    wv, mv = _sk(v, depth - 1)
    ww, mw = _sk(w, depth - 1)
    new = word + _inverse(ww) + _inverse(wv) + ww + wv
    return new, mv @ mw @ mv.conj().T @ mw.conj().T @ m


def distance(u: np.ndarray, v: np.ndarray) -> float:
    """Operator-norm distance minimised over the global phase (for SU(2)-equivalent inputs)."""
    dot = abs(float(np.dot(_quat(_su2(u)), _quat(_su2(v)))))
    return 2 * math.sin(math.acos(min(1.0, dot)) / 2)


def simplify_word(word: list[str]) -> list[str]:
    """Fold diagonal runs (``t t -> s``) and cancel ``h h``."""
    out: list[str] = []
    power = 0
    for g in word + ["|"]:
        if g in _T_POWER:
            power = (power + _T_POWER[g]) % 8
            continue
        out.extend(_POWER_WORD[power])
        power = 0
        if g == "|":
            break
        if out and out[-1] == g == "h":
            out.pop()
            continue
        out.append(g)
    if len(out) != len(word) and out != word:
        return simplify_word(out) if len(out) < len(word) else out
    return out


def approximate_1q(u: np.ndarray, precision: float) -> tuple[list[tuple[str, tuple]], float]:
    """A Clifford+T word within ``precision`` of ``u`` and the best global phase."""
    target = _su2(np.asarray(u, dtype=complex))
    for depth in range(MAX_DEPTH + 1):
        word, _ = _sk(target, depth)
        word = simplify_word(word)
        m = word_matrix(word)
        if distance(target, m) <= precision:
            phase = float(np.angle(np.trace(m.conj().T @ u)))
            return [(g, ()) for g in word], phase
    raise pass_error(
        "QL0563",
        f"Clifford+T synthesis did not reach precision {precision:g}",
        help="use a larger `precision` (e.g. 1e-3)",
    )
