"""Quantum kernels under noise and shots: the circuits a device would run.

The fidelity kernel is estimated as a device estimates it, by compute-uncompute: the
circuit ``U(x1)`` followed by ``U(x2)^dagger`` (one circuit per pair, the second input's
features as extra inputs) run on the noisy engine, ``k(x1, x2) = P(read 0...0)``. Every
pair is one row of a single batched run (chunked by the memory budget); with shots the
entries are seeded binomial estimates (``last_stderr``), readout errors included. The
projected kernel reads each qubit's Bloch vector (``<X_q>, <Y_q>, <Z_q>``) from the
noisy engine, exactly or from shots.

Without noise or shots these equal :func:`qlang.sim.kernels.kernel_matrix` (the test
checks it); for a Gram matrix (``X2 = None``) only the upper triangle runs and is
mirrored.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input
    >>> enc = Circuit(1, (Operation("ry", (0,), (Input(0),)),), inputs=(ParamDecl("x", (1,), 0),))
    >>> NoisyKernel(enc).matrix(np.array([[0.0], [np.pi / 2]])).round(6).tolist()
    [[1.0, 0.5], [0.5, 1.0]]
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, ParamDecl
from qlang.ir.expr import Const
from qlang.ir.model import Call, Observable, PauliTerm, QuantumBlock, Readout
from qlang.ir.noise import NoiseModel


def compute_uncompute(encoding: Circuit) -> Circuit:
    """``U(x) U(x')^dagger`` with ``x'`` the inputs ``d .. 2d - 1`` (``d`` = the
    encoding's inputs); the weights are shared."""
    from qlang.passes.mitigation.folding import inverse_ops

    d = encoding.num_inputs

    def shift(e: E.Expr) -> E.Expr | None:
        return E.Input(e.index + d) if isinstance(e, E.Input) else None

    back = []
    for op in reversed(encoding.ops):
        if op.name == "barrier":
            continue
        for inv in inverse_ops(op):
            back.append(replace(inv, params=tuple(E.substitute(p, shift) for p in inv.params)))
    inputs = tuple(encoding.inputs) + tuple(
        ParamDecl(f"{p.name}_2", p.shape, p.offset + d) for p in encoding.inputs
    )
    return replace(encoding, ops=tuple(encoding.ops) + tuple(back), inputs=inputs,
                   global_phase=E.ZERO, layout=None)  # fmt: skip


class NoisyKernel:
    """Kernel matrices of one encoding on the run's engine (noise, shots, backend)."""

    def __init__(
        self,
        encoding: Circuit,
        *,
        noise: NoiseModel | None = None,
        shots: int | None = None,
        seed: int | None = None,
        backend: Call | None = None,
        dtype: str = "complex128",
    ):
        self.encoding = encoding
        self.noise = noise
        self.shots = shots
        self.seed = seed
        self.backend = backend
        self.dtype = dtype
        self.last_stderr: np.ndarray | None = None
        self._fn: dict[str, Any] = {}

    def _function(self, kind: str, block: QuantumBlock) -> Any:
        if kind not in self._fn:
            from qlang.sim.noise_engines import make_function

            gradient = "parameter-shift" if self.shots is not None else "auto"
            kw: dict[str, Any] = {"shots": self.shots, "seed": self.seed, "dtype": self.dtype}
            noise = self.noise
            if noise is not None and noise.source is not None:  # from_backend
                from qlang.sim.noise_device import device_run

                run = device_run(block, noise.source, noise.channels)
                block, noise = run.block, run.noise
            noisy = noise is not None and bool(noise)
            if noisy or (self.backend is not None and self.backend.name != "auto"):
                kw |= {"noise": noise, "backend": self.backend, "gradient": gradient}
            elif self.shots is not None:
                kw["gradient"] = gradient
            self._fn[kind] = make_function(block, **kw)
        return self._fn[kind]

    def matrix(
        self, X1: np.ndarray, X2: np.ndarray | None = None, weights: np.ndarray | None = None
    ) -> np.ndarray:
        """``K[i, j] = P(0...0)`` of ``U(X1[i]) U(X2[j])^dagger`` (``(N1, N2)``)."""
        X1 = np.asarray(X1, dtype=float)
        sym = X2 is None
        X2 = X1 if X2 is None else np.asarray(X2, dtype=float)
        w = np.zeros(self.encoding.num_weights) if weights is None else np.asarray(weights, float)
        n = self.encoding.num_qubits
        block = QuantumBlock(
            "kernel", compute_uncompute(self.encoding), Readout("probs", qubits=tuple(range(n)))
        )
        fn = self._function("fidelity", block)
        if sym:
            i, j = np.triu_indices(len(X1))
        else:
            i, j = (a.ravel() for a in np.meshgrid(np.arange(len(X1)), np.arange(len(X2)), indexing="ij"))
        rows = np.concatenate([X1[i], X2[j]], axis=1)
        out = fn.forward(rows, w)[:, 0]
        err = fn.last_stderr[:, 0] if getattr(fn, "last_stderr", None) is not None else None
        K = np.zeros((len(X1), len(X2)))
        K[i, j] = out
        E_ = np.zeros_like(K) if err is not None else None
        if E_ is not None:
            E_[i, j] = err
        if sym:
            K = K + np.triu(K, 1).T
            if E_ is not None:
                E_ = E_ + np.triu(E_, 1).T
        self.last_stderr = E_
        return K

    def bloch_vectors(self, X: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """``(N, n, 3)``: ``<X_q>, <Y_q>, <Z_q>`` of the noisy encoded states."""
        n = self.encoding.num_qubits
        obs = tuple(
            Observable((PauliTerm(Const(1.0), ((q, p),)),)) for q in range(n) for p in "XYZ"
        )
        fn = self._function("bloch", QuantumBlock("kernel", self.encoding, Readout("expval", obs)))
        w = np.zeros(self.encoding.num_weights) if weights is None else np.asarray(weights, float)
        return fn.forward(np.asarray(X, dtype=float), w).reshape(len(X), n, 3)

    def projected(
        self,
        X1: np.ndarray,
        X2: np.ndarray | None = None,
        weights: np.ndarray | None = None,
        gamma: float = 1.0,
    ) -> np.ndarray:
        """``exp(-gamma sum_q ||rho_q(x1) - rho_q(x2)||_F^2)`` from the Bloch vectors."""
        b1 = self.bloch_vectors(X1, weights).reshape(len(X1), -1)
        b2 = b1 if X2 is None else self.bloch_vectors(X2, weights).reshape(len(X2), -1)
        sq = np.sum(b1**2, axis=1)[:, None] + np.sum(b2**2, axis=1)[None, :] - 2 * b1 @ b2.T
        return np.exp(-gamma * 0.5 * np.maximum(sq, 0.0))
