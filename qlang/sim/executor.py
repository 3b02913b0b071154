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
import warnings
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from qlang.ir.circuit import Circuit
from qlang.sim.program import CHUNK_BITS, TILE_BITS, Program, Unsupported, build_program
from qlang.threads import threads

_compiled: ModuleType | None
try:
    from qlang.sim import _executor as _compiled  # type: ignore[attr-defined,no-redef]
except ImportError:  # pragma: no cover - the extension was not built: the reference engine
    _compiled = None

#: the interface version of ``_executor.c`` this module drives (its ``ABI`` constant; 3:
#: ``Program.encoding_paths``; 4: the chunk-run table; 5: ``Program.lanes`` and bilinear slots
#: in 4-wide slot tables)
ABI = 5
if _compiled is not None and getattr(_compiled, "ABI", None) != ABI:  # pragma: no cover
    warnings.warn(
        "qlang's compiled executor was built from an older source and is not used "
        "(the reference engine runs); rebuild it with `pip install -e .`",
        RuntimeWarning,
        stacklevel=2,
    )
    _compiled = None

__all__ = ["CHUNK_BITS", "TILE_BITS", "Executor", "Unsupported", "compiled_available"]

#: largest tape (bytes) a forward run keeps for its adjoint sweep
TAPE_BYTES = 2**20
#: amplitude-operations per call from which worker threads are used
THREADED_WORK = 2**20


#: ``QLANG_PURE_PYTHON=1`` runs the reference engine even when the extension is built (read
#: at import, like the routing kernels)
PURE_PYTHON = os.environ.get("QLANG_PURE_PYTHON", "") not in ("", "0")


def compiled_available() -> bool:
    """Whether the compiled executor is built and in use."""
    return _compiled is not None and not PURE_PYTHON


def _c64(a: np.ndarray) -> np.ndarray:
    """``a`` as a C-contiguous float64 array (no copy when it already is one)."""
    if a.dtype == np.float64 and a.flags.c_contiguous:
        return a
    return np.ascontiguousarray(a, dtype=np.float64)


#: up to this many qubits, a run without input gradients uses the program whose shared
#: prefix tails are ops (no per-sample contraction in the adjoint; measured faster there)
OPS_TAILS_QUBITS = 5


@dataclass(frozen=True)
class _Variant:
    program: Program
    c: Any  # the compiled _executor.Program
    nsnap: int  # ops with parameters (tape snapshots)
    ops: int
    tape_sample: int  # tape bytes per sample


class Executor:
    """Forward runs and adjoint gradients of one unitary circuit in compiled code."""

    def __init__(
        self,
        circuit: Circuit,
        dtype: type = np.complex128,
        tile_bits: int = TILE_BITS,
        chunk_bits: int = CHUNK_BITS,
    ) -> None:
        if _compiled is None:  # pragma: no cover - callers check compiled_available()
            raise RuntimeError("the compiled executor is not built")
        self.circuit = circuit
        self.tile_bits = tile_bits
        self.chunk_bits = chunk_bits
        self.n = circuit.num_qubits
        self.dtype = np.dtype(dtype)
        self._variants: dict[bool, _Variant] = {}
        self.program: Program = self._variant(True).program

    def _variant(self, inputs: bool) -> _Variant:
        """The program for a run that does (or does not) need input gradients."""
        tails = inputs or self.n > OPS_TAILS_QUBITS
        if tails not in self._variants:
            assert _compiled is not None
            prog = build_program(self.circuit, self.tile_bits, tails, self.chunk_bits)
            nsnap = sum(op.params for op in prog.ops)
            self._variants[tails] = _Variant(
                prog,
                _compiled.Program(*prog.arrays()),
                nsnap,
                len(prog.ops) + self.n,
                nsnap * 2**self.n * self.dtype.itemsize + 96 * self.n,
            )
        return self._variants[tails]

    def _threads(self, batch: int, v: _Variant) -> int:
        work = batch * 2**self.n * v.ops
        return threads() if work >= THREADED_WORK else 1

    def _extra(self, x: np.ndarray, w: np.ndarray) -> np.ndarray | None:
        p = self.program
        if p.expr_fn is None:
            return None
        return p.expr_fn(x, w)  # (rows, B) float64

    @staticmethod
    def _theta(values: tuple, batch: int) -> np.ndarray:
        return np.ascontiguousarray(
            np.stack([np.broadcast_to(np.asarray(v, dtype=float), (batch,)) for v in values])
            if values
            else np.zeros((0, batch)),
            dtype=np.float64,
        )

    def tape_bytes(self, batch: int, inputs: bool = True) -> int:
        """Memory a tape of ``batch`` samples keeps (the input state of every op with
        parameters); 0 when runs of this circuit cannot keep a tape (cache passes)."""
        if self.n > self.tile_bits:
            return 0
        return batch * self._variant(inputs).tape_sample

    def forward(
        self,
        x: np.ndarray,
        w: np.ndarray,
        values: tuple | None = None,
        diag: np.ndarray | None = None,
        keep: bool = False,
        inputs: bool = True,
        out: np.ndarray | None = None,
    ) -> Any:
        """Final states ``(B, 2**n)`` (little-endian, no global phase). ``values``: explicit
        gate-angle values per slot (floats or ``(B,)`` arrays), as the shift rules pass.
        With a diagonal readout ``diag`` (``(2**n, K)``) returns ``(states, outputs)``,
        ``outputs = |states|**2 @ diag`` computed in the same call. ``keep``: also return
        the run's tape (or None when it would exceed :data:`TAPE_BYTES`) for :meth:`adjoint`;
        ``inputs``: whether that adjoint wants input gradients (it must say the same).
        ``out``: a C-contiguous ``(B, 2**n)`` array of this dtype to write the states into
        (a pooled buffer: a large state page-faults on every fresh allocation)."""
        b = x.shape[0]
        x, w = _c64(x), _c64(w)
        theta = self._theta(values, b) if values is not None else None
        extra = None if theta is not None else self._extra(x, w)
        if out is None:
            out = np.empty((b, 1 << self.n), dtype=self.dtype)
        elif out.shape != (b, 1 << self.n) or out.dtype != self.dtype or not out.flags.c_contiguous:
            raise ValueError("out must be a C-contiguous (B, 2**n) array of the executor's dtype")
        k = 0 if diag is None else diag.shape[1]
        outputs = None if diag is None else np.empty((b, k))
        v = self._variant(inputs or values is not None)
        store = keep and values is None and 0 < self.tape_bytes(b, inputs) <= TAPE_BYTES
        tape = v.c.forward(b, x, w, extra, theta, out, diag, k, outputs, self._threads(b, v), int(store))
        if diag is None:
            return (out, tape) if keep else out
        return (out, outputs, tape) if keep else (out, outputs)

    def adjoint(
        self,
        x: np.ndarray,
        w: np.ndarray,
        psi: np.ndarray,
        lam: np.ndarray | None = None,
        per_sample: bool = False,
        diag: np.ndarray | None = None,
        cot: np.ndarray | None = None,
        inputs: bool = True,
        tape: Any = None,
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``(g_w, g_x)`` of ``2 Re <lam|d psi>``: ``g_w`` is ``(n_w,)`` (or ``(B, n_w)`` per
        sample), ``g_x`` is ``(B, n_in)`` (None unless ``inputs``). Without ``lam``, a
        diagonal readout builds it: ``lam = psi * (diag @ cot[b])``. With the ``tape`` of the
        forward run that produced ``psi``, nothing is recomputed and ``psi`` is only read;
        without it ``psi`` (and ``lam``) are overwritten."""
        b = x.shape[0]
        p = self.program
        x, w = _c64(x), _c64(w)
        gw = np.zeros((b, p.num_weights) if per_sample else p.num_weights)
        gx = np.zeros((b, p.num_inputs)) if inputs or p.exprs else None
        gex = np.zeros((len(p.exprs), b)) if p.exprs else None
        if tape is None or psi.dtype != self.dtype or not psi.flags.c_contiguous:
            psi = np.ascontiguousarray(psi, dtype=self.dtype)
        if lam is not None:
            lam = np.ascontiguousarray(lam, dtype=self.dtype)
        k = 0 if diag is None else diag.shape[1]
        if cot is not None:
            cot = _c64(cot)
        v = self._variant(inputs)
        threads = self._threads(b, v)
        ps, ins = int(per_sample), int(inputs)
        if tape is not None:
            tape.adjoint(psi, lam, diag, k, cot, ps, ins, gw, gx, gex, threads)
        else:
            extra = self._extra(x, w)
            v.c.adjoint(b, x, w, extra, None, psi, lam, diag, k, cot, ps, ins, gw, gx, gex, threads)
        if p.exprs:
            assert gex is not None and gx is not None
            self._expr_chain(x, w, gex, gw, gx, per_sample)
        return gw, gx if inputs else None

    def vjp_diag(
        self,
        x: np.ndarray,
        w: np.ndarray,
        diag: np.ndarray,
        cot: Any,
        inputs: bool = True,
        buffer: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """One training step with a diagonal readout: ``(outputs, g_w, g_x)`` of
        ``sum(cot * outputs)``, ``cot`` an array ``(B, K)`` or a callable of the outputs
        (float64 ``x (B, n_in)`` and ``w (n_w,)``; non-finite values raise
        ``FloatingPointError``). Two compiled calls. ``buffer``: a C-contiguous
        ``(B, 2**n)`` array of this dtype for the states (overwritten; see :meth:`forward`)."""
        if buffer is not None and (
            buffer.shape != (x.shape[0], 1 << self.n)
            or buffer.dtype != self.dtype
            or not buffer.flags.c_contiguous
        ):
            raise ValueError("buffer must be a C-contiguous (B, 2**n) array of the executor's dtype")
        b = x.shape[0]
        x, w = _c64(x), _c64(w)
        p = self.program
        v = self._variant(inputs)
        k = diag.shape[1]
        psi = np.empty((b, 1 << self.n), dtype=self.dtype) if buffer is None else buffer
        outputs = np.empty((b, k))
        extra = self._extra(x, w)
        threads = self._threads(b, v)
        store = int(0 < self.tape_bytes(b, inputs) <= TAPE_BYTES)
        # 2: the call checks that x and w are finite (FloatingPointError otherwise)
        tape = v.c.forward(b, x, w, extra, None, psi, diag, k, outputs, threads, store | 2)
        c = cot(outputs) if callable(cot) else cot
        c = np.asarray(c, dtype=np.float64).reshape(outputs.shape)
        if not c.flags.c_contiguous:
            c = np.ascontiguousarray(c)
        gw = np.zeros(p.num_weights)
        gx = np.zeros((b, p.num_inputs)) if inputs or p.exprs else None
        gex = np.zeros((len(p.exprs), b)) if p.exprs else None
        if tape is not None:
            tape.adjoint(psi, None, diag, k, c, 0, int(inputs), gw, gx, gex, threads)
        else:
            v.c.adjoint(b, x, w, extra, None, psi, None, diag, k, c, 0, int(inputs), gw, gx, gex, threads)
        if p.exprs:
            assert gex is not None and gx is not None
            self._expr_chain(x, w, gex, gw, gx, False)
        return outputs, gw, gx if inputs else None

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
