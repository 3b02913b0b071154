"""KAK (Cartan) decomposition of 2-qubit unitaries and optimal CNOT synthesis.

Matrices use the IR convention (first qubit most significant). In the magic
(Bell) basis local gates ``SU(2) x SU(2)`` become real orthogonal matrices, so
``U ~ K1 . diag(e^{i lam}) . K2`` with ``K1, K2`` real: the diagonal gives the
Weyl coordinates ``(a, b, c)`` of ``exp(i(a XX + b YY + c ZZ))``.

:func:`local_equivalence` finds locals ``L, R`` with ``U = e^{i phi} L C R`` for a
chosen core ``C`` of the same class (matching the magic-basis spectra), which
is all synthesis needs: pick the cheapest CNOT core (0-3 CNOTs) and solve for
the locals.

Example::

    >>> import numpy as np
    >>> from qlang.ir.gates import gate_matrix
    >>> cnot_count(gate_matrix("swap")), cnot_count(gate_matrix("cz"))
    (3, 1)
    >>> seq, phase = synth_2q(gate_matrix("iswap"))
    >>> sum(1 for name, qs, _ in seq if len(qs) == 2)
    2
"""

from __future__ import annotations

import cmath
import functools
import itertools
import math
from collections.abc import Iterator

import numpy as np
from qlang.passes.synthesis.one_qubit import det, length_lower_bound, phase_between, synth_1q

from qlang.ir.gates import PAULI_MATRICES, gate_matrix

PI = math.pi
#: how many local-gate solutions synthesis compares (degenerate spectra have many)
LOCAL_CANDIDATES = 12
#: eigenbasis choices tried for degenerate spectra (fixed: synthesis is deterministic)
SEEDS = (1234,)
Seq = list[tuple[str, tuple[int, ...], tuple[float, ...]]]

_B = np.array(
    [[1, 0, 0, 1j], [0, 1j, 1, 0], [0, 1j, -1, 0], [1, 0, 0, -1j]], dtype=complex
) / math.sqrt(2)
_BD = _B.conj().T
_XX = np.kron(PAULI_MATRICES["X"], PAULI_MATRICES["X"])
_YY = np.kron(PAULI_MATRICES["Y"], PAULI_MATRICES["Y"])
_ZZ = np.kron(PAULI_MATRICES["Z"], PAULI_MATRICES["Z"])
# Eigen-signs of XX, YY, ZZ on the magic basis vectors, with a constant column.
_SIGNS = np.array([[1.0] * 4] + [np.real(np.diag(_BD @ p @ _B)) for p in (_XX, _YY, _ZZ)]).T


@functools.cache
def _draws(seed: int) -> tuple[float, ...]:
    """The 20 normal draws of a fresh ``np.random.default_rng(seed)`` (built once: a new
    generator per diagonalisation cost more than the diagonalisation)."""
    rng = np.random.default_rng(seed)
    return tuple(rng.normal() for _ in range(20))


def _special(u: np.ndarray) -> np.ndarray:
    return u / det(u) ** 0.25


def _real_diagonalize(m: np.ndarray, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    """Real orthogonal ``P`` (det +1) with ``P^T m P`` diagonal, for symmetric unitary ``m``."""
    re, im = m.real, m.imag
    for t in _draws(seed):  # the same draws on every call: results do not depend on history
        _, p = np.linalg.eigh(re + t * im)
        d = p.T @ m @ p
        if np.allclose(d - np.diag(np.diag(d)), 0, atol=1e-8):
            if det(p) < 0:
                p[:, 0] = -p[:, 0]
            return p, np.diag(d).copy()
    raise ArithmeticError("magic-basis diagonalisation failed")


def kron_factor(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` in SU(2) with ``k ~ kron(a, b)`` (up to a phase)."""
    t = k.reshape(2, 2, 2, 2)
    i, j = max(itertools.product(range(2), range(2)), key=lambda ij: _norm(t[ij[0], :, ij[1], :]))
    b = t[i, :, j, :]
    b = b / np.sqrt(det(b))
    bh = b.conj().T
    a = np.array([[(bh @ t[r, :, s, :]).trace() / 2 for s in range(2)] for r in range(2)])
    a = a / np.sqrt(det(a))
    return a, b


def _norm(x: np.ndarray) -> float:
    """``np.linalg.norm(x)`` of a complex matrix, computed as it computes it (the same
    float), without its argument handling."""
    x = x.ravel(order="K")
    re, im = x.real, x.imag
    return np.sqrt(re.dot(re) + im.dot(im))  # type: ignore[no-any-return]


def _kron2(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.kron(a, b)`` of two 2x2 matrices: the same elementwise products, the same
    broadcast ``multiply``, without its shape handling."""
    return np.multiply(a[:, None, :, None], b[None, :, None, :]).reshape(4, 4)


def weyl_coordinates(u: np.ndarray) -> tuple[float, float, float]:
    """Canonical ``(a, b, c)`` with ``pi/4 >= a >= b >= |c|`` up to the chamber's sign freedom."""
    up = _BD @ _special(np.asarray(u, dtype=complex)) @ _B
    _, d = _real_diagonalize(up.T @ up)
    lam = np.angle(d) / 2
    if round(float(np.sum(lam)) / PI) % 2:  # det(A) = 1 fixes the branch parity
        lam[0] += PI
    coef = np.linalg.solve(_SIGNS, lam)
    vals = []
    for x in coef[1:]:
        r = math.remainder(float(x), PI / 2)
        vals.append(abs(r))
    vals.sort(reverse=True)
    return vals[0], vals[1], vals[2]


def cnot_count(u: np.ndarray, atol: float = 1e-9) -> int:
    """Minimum number of CNOTs needed for ``u`` (0-3)."""
    return cnot_count_of(weyl_coordinates(u), atol)


def cnot_count_of(coords: tuple[float, float, float], atol: float = 1e-9) -> int:
    """:func:`cnot_count` from ``u``'s Weyl coordinates."""
    a, b, c = coords
    if a < atol:
        return 0
    if abs(a - PI / 4) < atol and b < atol:
        return 1
    if c < atol:
        return 2
    return 3


Locals = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def local_equivalence(u: np.ndarray, core: np.ndarray) -> Locals | None:
    """``(l0, l1, r0, r1, phase)`` with ``u = e^{i phase} (l0 x l1) core (r0 x r1)``."""
    return next(local_equivalences(u, core), None)


def local_equivalences(
    u: np.ndarray, core: np.ndarray, limit: int = 1, seed: int = 1234
) -> Iterator[Locals]:
    """Up to ``limit`` distinct solutions of :func:`local_equivalence`.

    With degenerate spectra (e.g. a CNOT core) the eigenbasis is not unique;
    permuting equal eigenvalues and flipping eigenvector signs gives other
    valid locals, some of them simpler.
    """
    up = _BD @ _special(u) @ _B
    cp = _BD @ _special(core) @ _B
    pu, du = _real_diagonalize(up.T @ up, seed)
    pc, dc = _real_diagonalize(cp.T @ cp)
    a_inv = np.diag(np.exp(-0.5j * np.angle(du)))  # same square roots for both spectra
    k1u = up @ pu @ a_inv
    found = 0
    signs = [np.ones(4)] + ([np.array(v) for v in _SIGN_FLIPS] if limit > 1 else [])
    # np.allclose(dc[perm] * s, du, atol=1e-7) for every permutation at once: the same
    # elementwise test (isclose's formula), one row per permutation, in the same order
    tol = 1e-7 + 1e-5 * np.abs(du)
    finite = np.isfinite(du)
    for s in (1, -1):
        cp2 = cp if s == 1 else 1j * cp
        x = dc[_PERMS] * s
        close = ((np.abs(x - du) <= tol) & finite | (x == du)).all(axis=1)
        for perm in _PERM_LISTS[close]:
            for flip in signs:
                pc2 = pc[:, perm] * flip
                if det(pc2) < 0:
                    pc2[:, 0] = -pc2[:, 0]
                k1c = cp2 @ pc2 @ a_inv
                left = _B @ (k1u @ k1c.T) @ _BD
                right = _B @ (pc2 @ pu.T) @ _BD
                l0, l1 = kron_factor(left)
                r0, r1 = kron_factor(right)
                ph = phase_between(u, _kron2(l0, l1) @ core @ _kron2(r0, r1))
                if ph is not None:
                    yield l0, l1, r0, r1, ph
                    found += 1
                    if found >= limit:
                        return


_SIGN_FLIPS = [(1, 1, -1, -1), (1, -1, 1, -1), (1, -1, -1, 1)]
#: the permutations of the four eigenvalues, in ``itertools.permutations`` order
_PERMS = np.array(list(itertools.permutations(range(4))))
_PERM_LISTS = np.empty(len(_PERMS), dtype=object)
_PERM_LISTS[:] = [list(p) for p in itertools.permutations(range(4))]


def _cores(k: int, coords: tuple[float, float, float]) -> list[Seq]:
    """CNOT cores with ``k`` CNOTs for the class ``coords`` (both orientations)."""
    a, b, c = coords
    if k == 0:
        return [[]]
    if k == 1:
        return [[("cx", (0, 1), ())], [("cx", (1, 0), ())]]
    if k == 2:  # exp(i(a XX + b ZZ)): X on the control and Z on the target commute through
        return [
            [
                ("cx", (0, 1), ()),
                ("rx", (0,), (-2 * a,)),
                ("rz", (1,), (-2 * b,)),
                ("cx", (0, 1), ()),
            ],
            [
                ("cx", (1, 0), ()),
                ("rx", (1,), (-2 * a,)),
                ("rz", (0,), (-2 * b,)),
                ("cx", (1, 0), ()),
            ],
        ]
    return [
        [
            ("cx", (1, 0), ()),
            ("rz", (0,), (2 * c - PI / 2,)),
            ("ry", (1,), (PI / 2 - 2 * a,)),
            ("cx", (0, 1), ()),
            ("ry", (1,), (2 * b - PI / 2,)),
            ("cx", (1, 0), ()),
        ]
    ]


_EYE2 = np.eye(2)


def seq_unitary(seq: Seq) -> np.ndarray:
    """The 4x4 matrix (qubit 0 most significant) of a 2-qubit gate sequence."""
    m = np.eye(4, dtype=complex)
    for name, qs, ps in seq:
        g = gate_matrix(name, *ps)
        if len(qs) == 1:
            g = _kron2(g, _EYE2) if qs[0] == 0 else _kron2(_EYE2, g)
        elif qs == (1, 0):
            sw = gate_matrix("swap")
            g = sw @ g @ sw
        m = g @ m
    return m


def synth_2q(
    u: np.ndarray,
    basis_1q: frozenset[str] = frozenset({"u"}),
    *,
    coords: tuple[float, float, float] | None = None,
) -> tuple[Seq, float]:
    """Optimal-CNOT circuit for ``u`` (qubit 0 most significant) and its global phase.

    The local gates are written in ``basis_1q`` (exact 1-qubit synthesis). ``coords``:
    ``weyl_coordinates(u)`` when the caller has them already.
    """
    u = np.asarray(u, dtype=complex)
    if coords is None:
        coords = weyl_coordinates(u)
    k = cnot_count_of(coords)  # (cnot_count(u), without computing the coordinates again)
    a, b, c = coords
    attempts = [(kk, coords) for kk in range(k, 4)] + [(3, (a, b, -c))]
    best: tuple[Seq, float] | None = None
    for kk, cc in attempts:
        for core_seq in _cores(kk, cc):
            core = seq_unitary(core_seq)
            ph0 = phase_between(u, core)
            if ph0 is not None:  # the core itself: no local gates
                return list(core_seq), ph0
            sols = itertools.chain.from_iterable(
                local_equivalences(u, core, limit=LOCAL_CANDIDATES, seed=sd) for sd in SEEDS
            )
            for l0, l1, r0, r1, phase in sols:
                # A solution replaces ``best`` only when strictly shorter and every local
                # only adds gates: stop as soon as the gates so far (with the core), plus
                # lower bounds of the locals still to come (``length_lower_bound``), reach
                # ``best``'s length. The same choice, without synthesising the rest.
                limit = len(best[0]) - len(core_seq) if best is not None else None
                locals_ = ((r0, 0), (r1, 1), (l0, 0), (l1, 1))
                ahead = [0, 0, 0, 0, 0]  # ahead[i]: the bounds of locals i, i+1, ...
                if limit is not None:
                    for i in range(3, -1, -1):
                        ahead[i] = ahead[i + 1] + length_lower_bound(locals_[i][0], basis_1q)
                seq: Seq = []
                n_local = 0
                for i, (mat, q) in enumerate(locals_):
                    if limit is not None and n_local + ahead[i] >= limit:
                        break  # (it cannot come to fewer gates than ``best``)
                    if i == 2:
                        seq.extend(core_seq)
                    before = len(seq)
                    phase += _emit_1q(mat, q, basis_1q, seq)
                    n_local += len(seq) - before
                else:
                    if limit is None or n_local < limit:
                        best = (seq, phase)
        if best is not None:
            return best
    raise ArithmeticError("2-qubit synthesis failed")  # pragma: no cover - numerical failure


def _emit_1q(mat: np.ndarray, q: int, basis: frozenset[str], seq: Seq) -> float:
    res = synth_1q(mat, basis)
    if res is None:  # pragma: no cover - callers pass exact bases
        raise ValueError("1-qubit basis cannot express a local gate exactly")
    ops, ph = res
    seq.extend((name, (q,), ps) for name, ps in ops)
    return ph


__all__ = [
    "cnot_count",
    "cnot_count_of",
    "kron_factor",
    "local_equivalence",
    "seq_unitary",
    "synth_2q",
    "weyl_coordinates",
]
_ = cmath
