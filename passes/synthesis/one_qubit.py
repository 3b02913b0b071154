"""Exact synthesis of a constant 2x2 unitary into a 1-qubit gate basis.

Euler decompositions (ZYZ, ZXZ, XYX, ...), the ``rz sx`` form used by IBM
devices and a single ``u``; every candidate is checked numerically and the
shortest wins. The global phase is returned exactly (as a float).

Example::

    >>> from qlang.ir.gates import gate_matrix
    >>> ops, phase = synth_1q(gate_matrix("h"), frozenset({"rz", "sx"}))
    >>> [name for name, _ in ops]
    ['rz', 'sx', 'rz']
"""

from __future__ import annotations

import cmath
import math
from functools import cache

import numpy as np
from qlang.passes.memo import active_synthesis_memo

from qlang.ir.gates import GATES, gate_matrix

GateSeq = list[tuple[str, tuple[float, ...]]]
PI = math.pi
ATOL = 1e-9
_AXIS_GATE = {"Z": "rz", "Y": "ry", "X": "rx"}


_C128, _F64 = np.dtype(complex), np.dtype(float)
_DET = getattr(getattr(np.linalg, "_umath_linalg", None), "det", None)


def det(a: np.ndarray) -> complex | float:
    """``np.linalg.det(a)`` of one square complex or real matrix: the same LAPACK call and
    the same number, without its argument checks and type resolution (a few microseconds
    of each of the synthesis's thousands of 2x2 and 4x4 determinants); any other input,
    or a numpy without the private ufunc, goes through ``np.linalg.det`` itself.

    Example::

        >>> m = np.array([[1j, 2], [3, 4]])
        >>> bool(det(m) == np.linalg.det(m))
        True
    """
    if _DET is not None and a.ndim == 2:
        if a.dtype == _C128:
            return _DET(a, signature="D->D")  # type: ignore[no-any-return]
        if a.dtype == _F64:
            return _DET(a, signature="d->d")  # type: ignore[no-any-return]
    return np.linalg.det(a)  # type: ignore[no-any-return]


def zyz_angles(u: np.ndarray) -> tuple[float, float, float]:
    """``(theta, phi, lam)`` with ``u ~ Rz(phi) Ry(theta) Rz(lam)`` up to phase."""
    det_u = det(u)
    v = u / cmath.sqrt(det_u)
    theta = 2 * math.atan2(abs(v[1, 0]), abs(v[0, 0]))
    s = 2 * cmath.phase(v[1, 1]) if abs(v[1, 1]) > 1e-12 else 0.0  # phi + lam
    d = 2 * cmath.phase(v[1, 0]) if abs(v[1, 0]) > 1e-12 else 0.0  # phi - lam
    return theta, (s + d) / 2, (s - d) / 2


def seq_matrix(seq: GateSeq) -> np.ndarray:
    """The matrix of a gate sequence in time order."""
    m = _EYE
    for name, params in seq:
        if name == "rz":  # (gate_matrix's rz, built directly: the same entries)
            t = params[0]
            g = np.array([[cmath.exp(-0.5j * t), 0j], [0j, cmath.exp(0.5j * t)]])
        else:
            g = gate_matrix(name, *params)
        m = g @ m  # (a new array: the shared identity is never written)
    return m.copy() if m is _EYE else m


_EYE = np.eye(2, dtype=complex)


def phase_between(u: np.ndarray, m: np.ndarray) -> float | None:
    """``phi`` with ``u == e^{i phi} m``, or ``None`` when they differ by more than a phase."""
    flat_m = m.reshape(-1)
    k = int(np.abs(flat_m).argmax())
    if abs(flat_m[k]) < 1e-12:
        return None
    ph = u.reshape(-1)[k] / flat_m[k]
    if abs(abs(ph) - 1) > 1e-7:
        return None
    if float(np.abs(u - ph * m).max()) > 1e-7:
        return None
    return cmath.phase(ph)


def _wrap(a: float) -> float:
    """Angle in (-pi, pi]."""
    a = math.remainder(a, 2 * PI)
    return PI if abs(a + PI) < 1e-12 else a


def _clean(seq: GateSeq) -> GateSeq:
    out: GateSeq = []
    for name, params in seq:
        if name in ("rz", "rx", "ry", "p"):
            a = _wrap(params[0])
            if abs(a) < ATOL:
                continue
            params = (a,)
        out.append((name, params))
    return out


@cache
def _frame(axes: str) -> np.ndarray:
    """A Clifford ``W`` with ``W Z W^+ = axes[0]`` and ``W Y W^+ = axes[1]``."""
    from qlang.ir.gates import PAULI_MATRICES as P

    target_a, target_b = P[axes[0]], P[axes[1]]
    gens = [gate_matrix(n, k * PI / 2) for n in ("rx", "ry", "rz") for k in range(4)]
    for g1 in gens:
        for g2 in gens:
            w = g1 @ g2
            if np.allclose(w @ P["Z"] @ w.conj().T, target_a) and np.allclose(
                w @ P["Y"] @ w.conj().T, target_b
            ):
                return w
    raise AssertionError(f"no frame for {axes}")  # pragma: no cover


def euler(u: np.ndarray, axes: str) -> GateSeq:
    """``u`` as ``R_a(lam) R_b(theta) R_a(phi)`` in time order, e.g. ``axes='ZY'``."""
    w = _frame(axes)
    theta, phi, lam = zyz_angles(w.conj().T @ u @ w)
    a, b = _AXIS_GATE[axes[0]], _AXIS_GATE[axes[1]]
    return [(a, (lam,)), (b, (theta,)), (a, (phi,))]


def _zsx(u: np.ndarray, has_x: bool) -> list[GateSeq]:
    """Candidates in ``rz``/``sx`` (/``x``) form.

    ``Rz(phi) Ry(theta) Rz(lam) ~ Rz(phi + pi) SX Rz(theta - pi) SX Rz(lam)``; the
    one-``sx`` and ``x`` special cases come from the ZXZ angles.
    """
    (_, (lam,)), (_, (theta,)), (_, (phi,)) = euler(u, "ZY")
    cands: list[GateSeq] = [
        [("rz", (lam,)), ("sx", ()), ("rz", (theta - PI,)), ("sx", ()), ("rz", (phi + PI,))]
    ]
    (_, (lam,)), (_, (theta,)), (_, (phi,)) = euler(u, "ZX")
    t = _wrap(theta)
    if abs(t) < 1e-9:
        cands.append([("rz", (lam + phi,))])
    if abs(t - PI / 2) < 1e-9:
        cands.append([("rz", (lam,)), ("sx", ()), ("rz", (phi,))])
    if abs(t + PI / 2) < 1e-9:
        cands.append([("rz", (lam - PI,)), ("sx", ()), ("rz", (phi + PI,))])
    if abs(abs(t) - PI) < 1e-9:
        if has_x:
            cands.append([("x", ()), ("rz", (phi - lam,))])
        cands.append([("rz", (lam,)), ("sx", ()), ("sx", ()), ("rz", (phi,))])
    return cands


def _rename_p(seq: GateSeq) -> GateSeq:
    return [("p", ps) if n == "rz" else (n, ps) for n, ps in seq]


def candidates(u: np.ndarray, basis: frozenset[str]) -> list[GateSeq]:
    """All exact forms of ``u`` expressible in ``basis`` (before verification)."""
    out: list[GateSeq] = [[]]
    for name in basis:
        gd = GATES.get(name)
        if gd is not None and gd.num_qubits == 1 and gd.num_params == 0:
            out.append([(name, ())])
    if "u" in basis:
        theta, phi, lam = zyz_angles(u)
        out.append([("u", (theta, phi, lam))])
    rots = {r for r in ("rx", "ry", "rz") if r in basis}
    z_like = "rz" in basis or "p" in basis
    for axes in ("ZY", "ZX", "YZ", "YX", "XY", "XZ"):
        a, b = _AXIS_GATE[axes[0]], _AXIS_GATE[axes[1]]
        if {a, b} <= rots or ("p" in basis and a == "rz" and b in rots):
            seq = euler(u, axes)
            out.append(seq if a in rots else _rename_p(seq))
            out.append([seq[0]] if a in rots else _rename_p([seq[0]]))
    if z_like and "sx" in basis:
        for seq in _zsx(u, "x" in basis):
            out.append(seq if "rz" in basis else _rename_p(seq))
    if z_like and "h" in basis:
        (_, (lam,)), (_, (theta,)), (_, (phi,)) = euler(u, "ZX")
        seq = [("rz", (lam,)), ("h", ()), ("rz", (theta,)), ("h", ()), ("rz", (phi,))]
        out.append(seq if "rz" in basis else _rename_p(seq))
    if z_like:
        theta, phi, lam = zyz_angles(u)
        out.append([("rz", (phi + lam,))] if "rz" in basis else [("p", (phi + lam,))])
    return out


def synth_1q(u: np.ndarray, basis: frozenset[str]) -> tuple[GateSeq, float] | None:
    """The shortest exact sequence for ``u`` in ``basis`` and its global phase.

    Results are memoised on the exact matrix (compiled circuits repeat the same constant
    runs many times), in the run's synthesis memo (:mod:`qlang.passes.memo`, table
    ``"1q_matrix"``): nothing is kept from one compile to the next. Not on a rounded one:
    two matrices that round alike would get the answer of whichever came first, so a
    compile's angles would depend on what it compiled before.
    """
    u = np.asarray(u, dtype=complex)
    key = (basis, u.tobytes())
    res = active_synthesis_memo().lookup("1q_matrix", key, lambda: _synth_1q(u, basis))
    return None if res is None else (list(res[0]), res[1])


def _synth_1q(u: np.ndarray, basis: frozenset[str]) -> tuple[GateSeq, float] | None:
    best: tuple[GateSeq, float] | None = None
    for seq in candidates(np.asarray(u, dtype=complex), basis):
        seq = _clean(seq)
        if best is not None and len(seq) >= len(best[0]):
            continue
        ph = phase_between(u, seq_matrix(seq))
        if ph is not None:
            best = (seq, ph)
    return best


#: how far (largest entry) ``u`` must be from a pattern before :func:`length_lower_bound`
#: rules the pattern out: far above ``phase_between``'s 1e-7, so a sequence that
#: verification accepts is never ruled out
_FAR = 1e-5


def length_lower_bound(u: np.ndarray, basis: frozenset[str]) -> int:
    """A lower bound on ``len(synth_1q(u, basis)[0])`` from a few entries of ``u`` (no
    synthesis): 0 when ``u`` may be a phase times the identity; 1 when one gate may do
    (``u`` in the basis, or possibly a fixed gate of the basis or a rotation about an
    axis the basis rotates about, up to phase); else 2. Each candidate form of
    :func:`candidates` that comes out as one gate after cleaning is such a gate, so the
    bound holds whichever candidate wins.

    Example::

        >>> ibm = frozenset({"rz", "sx", "x"})
        >>> [length_lower_bound(gate_matrix(g), ibm) for g in ("id", "t", "x", "h")]
        [0, 1, 1, 2]
    """
    u00, u01, u10, u11 = u[0, 0], u[0, 1], u[1, 0], u[1, 1]
    if abs(u01) <= _FAR and abs(u10) <= _FAR and abs(u00 - u11) <= _FAR:
        return 0
    if "u" in basis:
        return 1
    if abs(u01) <= _FAR and abs(u10) <= _FAR and ({"rz", "p"} & basis):
        return 1  # a z rotation
    if abs(u00 - u11) <= _FAR and (
        ("rx" in basis and abs(u01 - u10) <= _FAR) or ("ry" in basis and abs(u01 + u10) <= _FAR)
    ):
        return 1  # an x or y rotation
    for name in basis:
        if name in _FIXED_1Q and _close_up_to_phase(u, _FIXED_1Q[name]):
            return 1
    return 2


def _close_up_to_phase(u: np.ndarray, g: np.ndarray) -> bool:
    """Whether ``u`` may be ``e^{i phi} g`` (``phase_between`` with the loose ``_FAR``)."""
    k = 0 if abs(g[0, 0]) >= abs(g[0, 1]) else 1  # a largest entry of the unitary g's row
    ph = u[0, k] / g[0, k]
    return abs(abs(ph) - 1) <= _FAR and float(np.abs(u - ph * g).max()) <= _FAR


#: the matrices of the basis gates without parameters that act on one qubit
_FIXED_1Q = {
    name: gate_matrix(name)
    for name, gd in GATES.items()
    if gd.num_qubits == 1 and gd.num_params == 0
}


def can_synthesize_exactly(basis: frozenset[str]) -> bool:
    """Whether every 1-qubit unitary has an exact form in ``basis``."""
    rots = {r for r in ("rx", "ry", "rz", "p") if r in basis}
    if "u" in basis:
        return True
    if len(rots - {"p"}) >= 2 or ("p" in rots and rots & {"rx", "ry"}):
        return True
    return bool(rots & {"rz", "p"}) and bool(basis & {"sx", "h"})
