"""Error mitigation around the noisy engines: zero-noise extrapolation, readout
mitigation and Pauli twirling, with mitigated outputs *and* gradients.

``target { mitigation = [zne(scales = [1, 3, 5]), readout(), twirling(samples = 8)] }``
runs each quantum block as a set of circuit variants (the folded circuit of every scale,
each in ``samples`` twirled instances, from the passes in ``qlang.passes.mitigation``) on
the noisy engine and combines their outputs: instances are averaged, scales extrapolated
to zero noise. Readout mitigation calibrates the assignment matrix of every measured qubit
by running the calibration circuits (``|0...0>`` and ``X`` on every qubit) on the same
noisy engine (with shots when the run has shots) and applies the inverse matrices to the
read distributions, one qubit at a time (tensored, matrix-free).

Every extrapolation is a function ``y0 = f(y_1, ..., y_m)`` of the per-scale outputs with
a known derivative, so ``vjp`` sends ``cot * df/dy_s`` to each variant: the training loss
and its gradient are the mitigated ones.

The extrapolations (numpy; :func:`zne_weights` is checked against the textbook formulas
and, where installed, Mitiq's factories):

=================  =================================================================
``linear``         least-squares line through ``(scale, y)``, value at 0
``richardson``     the polynomial through all points (``Lagrange`` weights at 0)
``polynomial``     least-squares polynomial of degree ``order``
``exponential``    ``y = a + b exp(-c scale)``, asymptote ``a`` known (Mitiq's log-linear fit)
=================  =================================================================

Example::

    >>> zne_weights((1.0, 3.0), "richardson").tolist()
    [1.5, -0.5]
    >>> y0, _ = extrapolate((1.0, 2.0, 3.0), np.array([0.9, 0.81, 0.729]), "exponential")
    >>> round(float(y0), 6)
    1.0
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from qlang.ir.model import Call, QuantumBlock, Readout
from qlang.sim import gradients as G
from qlang.sim.arity import CircuitArity

EXTRAPOLATIONS = ("linear", "richardson", "polynomial", "exponential")


def zne_weights(scales: tuple[float, ...], method: str, order: int = 2) -> np.ndarray:
    """``c`` with ``y(0) = c @ y`` for the linear estimators (``linear``, ``richardson``,
    ``polynomial``)."""
    lam = np.asarray(scales, dtype=float)
    if method == "richardson":
        out = np.ones(len(lam))
        for i in range(len(lam)):
            for j in range(len(lam)):
                if i != j:
                    out[i] *= lam[j] / (lam[j] - lam[i])
        return out
    degree = 1 if method in ("linear", "exponential") else int(order)
    v = np.vander(lam, degree + 1, increasing=True)  # columns 1, lam, lam**2, ...
    return np.linalg.pinv(v)[0]


def extrapolate(
    scales: tuple[float, ...], values: np.ndarray, method: str, order: int = 2,
    asymptote: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(y0, dy0/dy)`` for ``values`` of shape ``(m, ...)`` (one row per scale)."""
    if method != "exponential":
        c = zne_weights(scales, method, order)
        shape = (len(c),) + (1,) * (values.ndim - 1)
        return np.tensordot(c, values, axes=1), np.broadcast_to(c.reshape(shape), values.shape)
    return _exponential(np.asarray(scales, dtype=float), values, asymptote)


#: the floor of ``sign (y - a)`` before the logarithm (as Mitiq's ``ExpFactory``)
EXP_EPS = 1e-6


def _exponential(lam: np.ndarray, values: np.ndarray, a: float) -> tuple[np.ndarray, np.ndarray]:
    """Mitiq's ``ExpFactory(asymptote = a)``: ``sign`` from the linear fit, then a
    least-squares line through ``ln(sign (y - a))`` weighted by ``sign (y - a)``; the value
    at 0 is ``a + sign exp(intercept)``. Returns it and its derivative by each ``y``."""
    m = len(lam)
    flat = values.reshape(m, -1)
    sign = np.sign(zne_weights(tuple(lam), "linear") @ flat - a)
    sign = np.where(sign == 0, 1.0, sign)
    raw = sign * (flat - a)
    u = np.maximum(raw, EXP_EPS)
    z = np.log(u)
    v = np.stack([np.ones(m), lam], axis=1)  # (m, 2)
    mat = np.einsum("ia,ip,ib->pab", v, u, v)  # V^T W V per element
    inv = np.linalg.inv(mat)
    theta = np.einsum("pab,ib,ip,ip->pa", inv, v, u, z)
    top = np.exp(theta[:, 0])
    y0 = a + sign * top
    resid = z - theta[:, 0][None] - lam[:, None] * theta[:, 1][None]
    lever = np.einsum("pb,ib->ip", inv[:, 0, :], v)  # e0^T M^-1 v_i
    dy = top[None] * (1 + resid) * lever * (raw > EXP_EPS)
    return y0.reshape(values.shape[1:]), dy.reshape(values.shape)


# --- the catalog's mitigation entries ----------------------------------------------------
@dataclass(frozen=True)
class ZNE:
    """``zne(scales, extrapolation, order, folding, gates, asymptote)``."""

    scales: tuple[float, ...] = (1.0, 3.0, 5.0)
    extrapolation: str = "linear"
    order: int = 2
    folding: str = "global"
    gates: tuple[str, ...] = ()
    asymptote: float = 0.0
    via: str = "qlang"


@dataclass(frozen=True)
class ReadoutMitigation:
    """``readout()``: calibrate and invert every qubit's assignment matrix."""

    via: str = "qlang"


@dataclass(frozen=True)
class Twirling:
    """``twirling(samples)``: average over seeded Pauli-twirled instances."""

    samples: int = 8
    via: str = "qlang"


def methods(calls: tuple[Call, ...]) -> list[Any]:
    """The mitigation methods of ``mitigation = [...]``, bound through the catalog."""
    from qlang import catalog

    out = []
    for call in calls:
        entry, values = catalog.runtime_bind("mitigation", call)
        cls = entry.load()
        out.append(cls(**{k: (tuple(v) if isinstance(v, tuple) else v) for k, v in values.items()}))
    return out


def _seed(seed: int | None, k: int) -> dict[str, int]:
    """A distinct sampling seed for variant ``k`` (independent shot noise per circuit)."""
    return {} if seed is None else {"seed": (int(seed) + 104729 * k) % 2**63}


def calibrate(make: Any, block: QuantumBlock, seed: int | None = None) -> dict[int, np.ndarray]:
    """Inverse assignment matrices ``{q: A_q^-1}`` from the calibration circuits
    ``|0...0>`` and ``X^n |0...0>`` run by ``make(block)`` (the run's noisy engine)."""
    from qlang.ir.circuit import Operation

    n = block.circuit.num_qubits
    c0 = replace(block.circuit, ops=(), global_phase=block.circuit.global_phase)
    c1 = replace(c0, ops=tuple(Operation("x", (q,)) for q in range(n)))
    readout = Readout("samples", qubits=tuple(range(n)))
    empty = np.zeros((1, block.circuit.num_inputs))
    w = np.zeros(block.circuit.num_weights)
    p1_given0 = make(replace(block, circuit=c0, readout=readout), **_seed(seed, 1)).forward(empty, w)[0]
    p1_given1 = make(replace(block, circuit=c1, readout=readout), **_seed(seed, 2)).forward(empty, w)[0]
    out = {}
    for q in range(n):
        a = np.array([[1 - p1_given0[q], 1 - p1_given1[q]], [p1_given0[q], p1_given1[q]]])
        if abs(np.linalg.det(a)) < 1e-9:
            from qlang.sim.simulator import bad_input

            raise bad_input(
                "QL0608",
                f"readout mitigation: the calibration of qubit {q} cannot be inverted "
                f"(P(1|0) = {p1_given0[q]:.3f}, P(1|1) = {p1_given1[q]:.3f})",
                "use more shots, or drop `readout()` for this noise",
            )
        out[q] = np.linalg.inv(a)
    return out


class MitigatedFunction(CircuitArity):
    """A quantum block evaluated with mitigation (see the module docstring); the same
    methods as the engines' functions (``forward``, ``vjp``, ``jacobian``)."""

    def __init__(
        self,
        block: QuantumBlock,
        mitigation: tuple[Call, ...],
        make: Any,
        twirl_seed: int = 0,
        seed: int | None = None,
    ):
        from qlang.passes.mitigation.folding import folded
        from qlang.passes.mitigation.twirling import PauliTwirl

        self.block = block
        self.circuit = block.circuit
        self.methods = methods(mitigation)
        zne = next((m for m in self.methods if isinstance(m, ZNE)), None)
        twirl = next((m for m in self.methods if isinstance(m, Twirling)), None)
        self.zne = zne
        self.scales = zne.scales if zne is not None else (1.0,)
        mitigate_readout = any(isinstance(m, ReadoutMitigation) for m in self.methods)
        self.calibration = calibrate(make, block, seed) if mitigate_readout else None
        kw = {"readout_mitigation": self.calibration} if self.calibration is not None else {}
        instances = twirl.samples if twirl is not None else 1
        self.variants: list[list[Any]] = []
        for s in self.scales:
            c = block.circuit if s == 1.0 else folded(
                block.circuit, s, zne.folding if zne else "global", zne.gates if zne else ()
            )
            row = []
            for t in range(instances):
                ct = PauliTwirl(seed=int(twirl_seed) * 7919 + t).run(c).circuit if twirl else c
                k = 3 + len(self.variants) * instances + t
                row.append(make(replace(block, circuit=ct), **kw, **_seed(seed, k)))
            self.variants.append(row)
        first = self.variants[0][0]
        self.num_outputs = first.num_outputs
        self.shots = getattr(first, "shots", None)
        self.gradient = getattr(first, "gradient", None)
        self.engine = getattr(first, "engine", "statevector")
        self.last_stderr: np.ndarray | None = None


    @property
    def rng(self) -> Any:
        return getattr(self.variants[0][0], "rng", None)

    def _combine(self, per_scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.zne is None:
            return per_scale[0], np.ones_like(per_scale)
        z = self.zne
        return extrapolate(self.scales, per_scale, z.extrapolation, z.order, z.asymptote)

    def _scale_outputs(self, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        means, variances = [], []
        for row in self.variants:
            outs = [f.forward(x, w) for f in row]
            means.append(np.mean(outs, axis=0))
            errs = [f.last_stderr for f in row]
            if all(e is not None for e in errs):
                variances.append(np.sum([e**2 for e in errs], axis=0) / len(row) ** 2)
        var = np.stack(variances) if len(variances) == len(self.variants) else None
        return np.stack(means), var

    def forward(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Mitigated outputs ``(B, num_outputs)``; ``last_stderr`` when sampled."""
        per, var = self._scale_outputs(inputs, weights)
        y0, dy = self._combine(per)
        self.last_stderr = np.sqrt(np.sum(dy**2 * var, axis=0)) if var is not None else None
        return y0

    def vjp(
        self, inputs: np.ndarray, weights: np.ndarray, cotangent: G.Cotangent
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mitigated outputs and the gradient of ``sum(cot * mitigated outputs)``."""
        linear = self.zne is None or self.zne.extrapolation != "exponential"
        if linear and not callable(cotangent):
            dy = self._combine(np.zeros((len(self.scales), 1, 1)))[1][:, 0, 0]
            cots = [dy[s] * np.asarray(cotangent, dtype=float) for s in range(len(self.scales))]
            y0 = None
        else:
            per, _ = self._scale_outputs(inputs, weights)
            y0, dys = self._combine(per)
            c = G.resolve_cotangent(cotangent, y0)
            cots = [dys[s] * c for s in range(len(self.scales))]
        outs, gw, gx = [], None, None
        for s, row in enumerate(self.variants):
            acc = []
            for f in row:
                out, g, h = f.vjp(inputs, weights, cots[s] / len(row))
                acc.append(out)
                gw = g if gw is None else gw + g
                gx = h if gx is None else gx + h
            outs.append(np.mean(acc, axis=0))
        if y0 is None:
            y0 = self._combine(np.stack(outs))[0]
        assert gw is not None and gx is not None
        return y0, gw, gx

    def jacobian(
        self, inputs: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        per, jws, jxs = [], [], []
        for row in self.variants:
            parts = [f.jacobian(inputs, weights) for f in row]
            per.append(np.mean([p[0] for p in parts], axis=0))
            jws.append(np.mean([p[1] for p in parts], axis=0))
            jxs.append(np.mean([p[2] for p in parts], axis=0))
        y0, dy = self._combine(np.stack(per))
        jw = sum(dy[s][:, :, None] * jws[s] for s in range(len(per)))
        jx = sum(dy[s][:, :, None] * jxs[s] for s in range(len(per)))
        return y0, jw, jx  # type: ignore[return-value]
