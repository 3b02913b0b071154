"""Noise channels as Kraus operators, and a circuit lowered with its noise model.

Every channel of the catalog (``qlang.catalog.target``) names its Kraus builder here
(``impl``); :func:`lower` walks the circuit once and returns the noisy program the
engines run: each gate followed by the channels attached to it (in file order),
plus the readout (assignment) matrix of every measured qubit. The circuit IR is not
changed.

Conventions (the same as Qiskit Aer's, so noise models translate one to one):

=======================  ==================================================================
``depolarizing(p)``      ``(1 - p) rho + p I / 2**k`` jointly on the ``k`` qubits of the gate
``bit_flip(p)``          ``X`` with probability ``p`` (each qubit of the gate)
``phase_flip(p)``        ``Z`` with probability ``p``
``pauli_channel(px, py, pz)````X``, ``Y``, ``Z`` with probabilities ``px``, ``py``, ``pz``
``amplitude_damping``    Kraus ``[[1, 0], [0, sqrt(1 - g)]]``, ``[[0, sqrt(g)], [0, 0]]``
``phase_damping``        Kraus ``[[1, 0], [0, sqrt(1 - g)]]``, ``[[0, 0], [0, sqrt(g)]]``
``thermal_relaxation``   T1/T2 decay for ``time`` (ground-state equilibrium)
``over_rotation``        the unitary ``exp(-i angle / 2 P)`` (``P`` = ``axis``) on each qubit
``readout_error(p, p1)`` a measured 0 reads 1 with probability ``p``, a 1 reads 0 with ``p1``
=======================  ==================================================================

Example::

    >>> import numpy as np
    >>> from qlang.ir.noise import Channel
    >>> ks = kraus(Channel("depolarizing", (("p", 0.1),)), 1)
    >>> len(ks), bool(np.allclose(sum(k.conj().T @ k for k in ks), np.eye(2)))
    (4, True)
    >>> np.round(superop(ks) @ [1, 0, 0, 0], 3).real.tolist()   # |0><0| -> mixed a bit
    [0.95, 0.0, 0.0, 0.05]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from qlang.ir.circuit import Circuit, Operation
from qlang.ir.noise import Channel, NoiseModel

_I = np.eye(2, dtype=complex)
_X = np.array([[0, 1], [1, 0]], dtype=complex)
_Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
_Z = np.array([[1, 0], [0, -1]], dtype=complex)
PAULIS = {"I": _I, "X": _X, "Y": _Y, "Z": _Z}

#: channels that act jointly on all operands of the gate they follow
JOINT = frozenset({"depolarizing", "kraus"})


# --- Kraus builders (the catalog's ``impl`` of each noise channel) ---------------------------
def depolarizing(values: dict, k: int = 1) -> list[np.ndarray]:
    p = float(values["p"])
    out = []
    for labels in itertools.product("IXYZ", repeat=k):
        m = _kron([PAULIS[c] for c in labels])
        prob = 1 - p + p / 4**k if set(labels) == {"I"} else p / 4**k
        if prob > 0:
            out.append(math.sqrt(prob) * m)
    return out


def bit_flip(values: dict, k: int = 1) -> list[np.ndarray]:
    return _mixture([(1 - values["p"], _I), (values["p"], _X)])


def phase_flip(values: dict, k: int = 1) -> list[np.ndarray]:
    return _mixture([(1 - values["p"], _I), (values["p"], _Z)])


def pauli_channel(values: dict, k: int = 1) -> list[np.ndarray]:
    px, py, pz = float(values["px"]), float(values["py"]), float(values["pz"])
    return _mixture([(1 - px - py - pz, _I), (px, _X), (py, _Y), (pz, _Z)])


def amplitude_damping(values: dict, k: int = 1) -> list[np.ndarray]:
    g = float(values["gamma"])
    return [
        np.array([[1, 0], [0, math.sqrt(1 - g)]], dtype=complex),
        np.array([[0, math.sqrt(g)], [0, 0]], dtype=complex),
    ]


def phase_damping(values: dict, k: int = 1) -> list[np.ndarray]:
    g = float(values["gamma"])
    return [
        np.array([[1, 0], [0, math.sqrt(1 - g)]], dtype=complex),
        np.array([[0, 0], [0, math.sqrt(g)]], dtype=complex),
    ]


def thermal_relaxation(values: dict, k: int = 1) -> list[np.ndarray]:
    """T1/T2 relaxation towards ``|0>`` during ``time``: populations decay with T1, the
    coherences with T2 (``t2 <= 2 t1``); Kraus operators from the Choi matrix."""
    t1, t2, t = float(values["t1"]), float(values["t2"]), float(values["time"])
    p_reset = 1 - math.exp(-t / t1)
    e2 = math.exp(-t / t2)
    s = np.zeros((4, 4), dtype=complex)  # vec index (row bit, column bit)
    s[0, 0] = 1.0
    s[0, 3] = p_reset
    s[3, 3] = 1 - p_reset
    s[1, 1] = s[2, 2] = e2
    return kraus_from_superop(s)


def over_rotation(values: dict, k: int = 1) -> list[np.ndarray]:
    angle = float(values["angle"])
    p = PAULIS[str(values["axis"]).upper()]
    return [math.cos(angle / 2) * _I - 1j * math.sin(angle / 2) * p]


def readout_error(values: dict, k: int = 1) -> np.ndarray:
    """``readout_error`` acts on measured bits: its assignment matrix (see below)."""
    return readout_matrix(values)


def readout_matrix(values: dict) -> np.ndarray:
    """The assignment matrix ``A[read, true]`` of one qubit."""
    p0 = float(values["p"])
    p1 = p0 if values.get("p1") is None else float(values["p1"])
    return np.array([[1 - p0, p1], [p0, 1 - p1]])


# --- helpers -------------------------------------------------------------------------------
def _kron(mats: Sequence[np.ndarray]) -> np.ndarray:
    out = np.ones((1, 1), dtype=complex)
    for m in mats:
        out = np.kron(out, m)
    return out


def _mixture(terms: list[tuple[float, np.ndarray]]) -> list[np.ndarray]:
    return [math.sqrt(max(float(p), 0.0)) * m for p, m in terms if p > 0]


def superop(kraus_ops: Sequence[np.ndarray]) -> np.ndarray:
    """``S = sum_k K (x) conj(K)``: ``vec(E(rho)) = S vec(rho)`` (row-major ``vec``)."""
    return sum(np.kron(k, k.conj()) for k in kraus_ops)  # type: ignore[return-value]


def kraus_from_superop(s: np.ndarray, tol: float = 1e-14) -> list[np.ndarray]:
    """Kraus operators of a completely positive map given as a superoperator."""
    d = math.isqrt(s.shape[0])
    choi = s.reshape(d, d, d, d).transpose(0, 2, 1, 3).reshape(d * d, d * d)
    vals, vecs = np.linalg.eigh((choi + choi.conj().T) / 2)
    return [math.sqrt(v) * vecs[:, i].reshape(d, d) for i, v in enumerate(vals) if v > tol]


def channel_kraus(channel: Channel, k: int) -> list[np.ndarray]:
    """The Kraus operators of ``channel`` on ``k`` qubits (``k`` > 1: joint channels)."""
    if channel.kind == "kraus":
        d = 2**k
        return [np.array(m, dtype=complex).reshape(d, d) for m in channel.matrices]
    return list(_builder(channel.kind)(dict(channel.params), k))


def kraus(channel: Channel, k: int = 1) -> list[np.ndarray]:
    """Kraus operators of one channel application (cached per channel and width)."""
    return [m.copy() for m in _cached_kraus(channel, k)]


@cache
def _cached_kraus(channel: Channel, k: int) -> tuple[np.ndarray, ...]:
    return tuple(channel_kraus(channel, k))


@cache
def _builder(kind: str):  # noqa: ANN202 - a Kraus builder
    from qlang import catalog

    entry = catalog.lookup("noise", kind)
    if entry is None or entry.impl is None:
        raise KeyError(f"unknown noise channel `{kind}`")
    return entry.load()


# --- lowering --------------------------------------------------------------------------------
@dataclass(frozen=True)
class NoisyOp:
    """One step of a noisy program: the gate ``op`` (index ``index`` in the circuit), or a
    channel (``kraus``) on ``qubits`` after it."""

    qubits: tuple[int, ...]
    op: Operation | None = None
    index: int = -1
    kraus: tuple[np.ndarray, ...] = ()
    unitary: bool = False  # a channel with one Kraus operator (a coherent error)
    label: str = ""


@dataclass(frozen=True)
class NoisyProgram:
    """A circuit with its noise: ``steps`` in order, and ``assignment[q]`` (2x2, read x
    true) for every qubit with a readout error."""

    circuit: Circuit
    steps: tuple[NoisyOp, ...]
    assignment: dict[int, np.ndarray]

    @property
    def num_channels(self) -> int:
        return sum(1 for s in self.steps if s.op is None)

    @property
    def has_noise(self) -> bool:
        return self.num_channels > 0 or bool(self.assignment)


def lower(circuit: Circuit, noise: NoiseModel | None) -> NoisyProgram:
    """The circuit's gates, each followed by the channels attached to it."""
    steps: list[NoisyOp] = []
    channels = noise.gate_channels if noise else ()
    for index, op in enumerate(circuit.ops):
        if op.name == "barrier":
            continue
        steps.append(NoisyOp(tuple(op.qubits), op=op, index=index, label=op.name))
        for ch in channels:
            if not ch.applies_to(op.name, tuple(op.qubits)):
                continue
            if ch.kind in JOINT:
                groups = [tuple(op.qubits)]
            else:
                groups = [(q,) for q in op.qubits if not ch.qubits or q in ch.qubits]
            for qs in groups:
                ks = _cached_kraus(ch, len(qs))
                steps.append(NoisyOp(qs, kraus=ks, unitary=len(ks) == 1, label=ch.kind))
    assignment: dict[int, np.ndarray] = {}
    for ch in noise.readout_channels if noise else ():
        a = readout_matrix(dict(ch.params))
        for q in ch.qubits or range(circuit.num_qubits):
            if q < circuit.num_qubits:
                assignment[q] = a @ assignment[q] if q in assignment else a
    return NoisyProgram(circuit, tuple(steps), assignment)
