"""The compiled executor (``_executor``, built from ``_executor.c``), when available.

:class:`Executor` runs a circuit's :mod:`~qlang.sim.program` in C: one call for a batch
of forward runs, one for the adjoint sweep with the chain rule to inputs and weights. The
reference engine (:mod:`qlang.sim.engine`) computes the same results in numpy; the
extension is an optional build, and ``QLANG_PURE_PYTHON=1`` forces the reference engine
even when it is built. Worker threads: :func:`qlang.threads.threads`, used only for runs
large enough to pay for them.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> if compiled_available():
    ...     ex = Executor(Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1)))))
    ...     psi = ex.forward(np.zeros((1, 0)), np.zeros(0))
    ... else:
    ...     psi = np.array([[2**-0.5, 0, 0, 2**-0.5]])
    >>> np.round(psi.real, 3).tolist()
    [[0.707, 0.0, 0.0, 0.707]]
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

import numpy as np

from qlang.ir.circuit import Circuit
from qlang.sim.program import TILE_BITS, Program, Unsupported, build_program
from qlang.threads import threads

_compiled: ModuleType | None
try:
    from qlang.sim import _executor as _compiled  # type: ignore[attr-defined,no-redef]
except ImportError:  # pragma: no cover - the extension was not built: the reference engine
    _compiled = None

__all__ = ["TILE_BITS", "Executor", "Unsupported", "compiled_available"]

#: amplitude-operations per call from which worker threads are used
THREADED_WORK = 2**20


#: ``QLANG_PURE_PYTHON=1`` runs the reference engine even when the extension is built (read
#: at import, like the routing kernels)
PURE_PYTHON = os.environ.get("QLANG_PURE_PYTHON", "") not in ("", "0")


def compiled_available() -> bool:
    """Whether the compiled executor is built and in use."""
    return _compiled is not None and not PURE_PYTHON


class Executor:
    """Forward runs and adjoint gradients of one unitary circuit in compiled code."""

    def __init__(
        self, circuit: Circuit, dtype: type = np.complex128, tile_bits: int = TILE_BITS
    ) -> None:
        if _compiled is None:  # pragma: no cover - callers check compiled_available()
            raise RuntimeError("the compiled executor is not built")
        self.program: Program = build_program(circuit, tile_bits)
        self._c = _compiled.Program(*self.program.arrays())
        self.n = circuit.num_qubits
        self.dtype = np.dtype(dtype)
        self._ops = len(self.program.ops) + self.n

    def _threads(self, batch: int) -> int:
        work = batch * 2**self.n * self._ops
        return threads() if work >= THREADED_WORK else 1

    def _extra(self, x: np.ndarray, w: np.ndarray) -> np.ndarray | None:
        p = self.program
        if p.expr_fn is None:
            return None
        vals = p.expr_fn(x, w)
        return np.ascontiguousarray(
            np.stack([np.broadcast_to(v, (x.shape[0],)) for v in vals]), dtype=np.float64
        )

    @staticmethod
    def _theta(values: tuple, batch: int) -> np.ndarray:
        return np.ascontiguousarray(
            np.stack([np.broadcast_to(np.asarray(v, dtype=float), (batch,)) for v in values])
            if values
            else np.zeros((0, batch)),
            dtype=np.float64,
        )

    def forward(
        self,
        x: np.ndarray,
        w: np.ndarray,
        values: tuple | None = None,
        diag: np.ndarray | None = None,
    ) -> Any:
        """Final states ``(B, 2**n)`` (little-endian, no global phase). ``values``: explicit
        gate-angle values per slot (floats or ``(B,)`` arrays), as the shift rules pass.
        With a diagonal readout ``diag`` (``(2**n, K)``) returns ``(states, outputs)``,
        ``outputs = |states|**2 @ diag`` computed in the same call."""
        b = x.shape[0]
        x = np.ascontiguousarray(x, dtype=np.float64)
        w = np.ascontiguousarray(w, dtype=np.float64)
        theta = self._theta(values, b) if values is not None else None
        extra = None if theta is not None else self._extra(x, w)
        out = np.empty((b, 2**self.n), dtype=self.dtype)
        k = 0 if diag is None else diag.shape[1]
        outputs = None if diag is None else np.empty((b, k))
        self._c.forward(b, x, w, extra, theta, out, diag, k, outputs, self._threads(b))
        return out if diag is None else (out, outputs)

    def adjoint(
        self,
        x: np.ndarray,
        w: np.ndarray,
        psi: np.ndarray,
        lam: np.ndarray | None = None,
        per_sample: bool = False,
        diag: np.ndarray | None = None,
        cot: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(g_w, g_x)`` of ``2 Re <lam|d psi>``: ``g_w`` is ``(n_w,)`` (or ``(B, n_w)`` per
        sample), ``g_x`` is ``(B, n_in)``. Without ``lam``, a diagonal readout builds it:
        ``lam = psi * (diag @ cot[b])``. ``psi`` (and ``lam``) are overwritten."""
        b = x.shape[0]
        p = self.program
        x = np.ascontiguousarray(x, dtype=np.float64)
        w = np.ascontiguousarray(w, dtype=np.float64)
        extra = self._extra(x, w)
        gw = np.zeros((b, p.num_weights) if per_sample else p.num_weights)
        gx = np.zeros((b, p.num_inputs))
        gex = np.zeros((len(p.exprs), b))
        psi = np.ascontiguousarray(psi, dtype=self.dtype)
        if lam is not None:
            lam = np.ascontiguousarray(lam, dtype=self.dtype)
        k = 0 if diag is None else diag.shape[1]
        if cot is not None:
            cot = np.ascontiguousarray(cot, dtype=np.float64)
        threads = self._threads(b)
        self._c.adjoint(
            b, x, w, extra, None, psi, lam, diag, k, cot, int(per_sample), gw, gx, gex, threads
        )
        if p.exprs:
            self._expr_chain(x, w, gex, gw, gx, per_sample)
        return gw, gx

    def _expr_chain(
        self,
        x: np.ndarray,
        w: np.ndarray,
        gex: np.ndarray,
        gw: np.ndarray,
        gx: np.ndarray,
        per_sample: bool,
    ) -> None:
        """Chain rule through the general slot expressions (their derivatives compiled once)."""
        p = self.program
        assert p.expr_diff is not None
        dvals = p.expr_diff(x, w)
        k = 0
        for row, syms in enumerate(p.expr_symbols):
            summed = p.expr_summed[row] and not per_sample
            g = float(gex[row, 0]) if summed else gex[row]
            for s in syms:
                d = dvals[k]
                k += 1
                contrib = g * d
                if isinstance(contrib, np.ndarray) and not per_sample and s.__class__.__name__ == "Weight":
                    gw[s.index] += float(np.sum(contrib))
                elif s.__class__.__name__ == "Weight":
                    if per_sample:
                        gw[:, s.index] += contrib
                    else:
                        gw[s.index] += float(contrib)
                else:
                    gx[:, s.index] += contrib
