"""``QuantumFunction``: a quantum block as a differentiable batched function.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Const, Input, Weight
    >>> from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
    >>> c = Circuit(1, (Operation("ry", (0,), (Input(0) + Weight(0),)),),
    ...             inputs=(ParamDecl("x", (1,), 0),), weights=(ParamDecl("w", (1,), 0),))
    >>> z = Observable((PauliTerm(Const(1.0), ((0, "Z"),)),))
    >>> qf = QuantumFunction(QuantumBlock("main", c, Readout("expval", (z,))))
    >>> qf.forward(np.array([[0.0], [np.pi]]), np.array([0.0])).round(6).tolist()
    [[1.0], [-1.0]]
"""

from __future__ import annotations

import numpy as np

from qlang.ir.model import QuantumBlock
from qlang.limits import memory_override, readout_tables, simulation_bytes
from qlang.sim import gradients as G
from qlang.sim.arity import CircuitArity
from qlang.sim.readout import ReadoutPlan
from qlang.sim.simulator import UNCHECKED_BYTES, Simulator, bad_input, require_memory

#: states of at least this many bytes that only feed the outputs go to a pooled buffer
POOLED_BYTES = 2**22
#: Accepted spellings of the gradient methods.
METHODS = {
    "auto": "auto",
    "adjoint": "adjoint",
    "parameter_shift": "parameter-shift",
    "parameter-shift": "parameter-shift",
    "ps": "parameter-shift",
    "finite_diff": "finite-diff",
    "finite-diff": "finite-diff",
    "fd": "finite-diff",
    "spsa": "spsa",
}


class QuantumFunction(CircuitArity):
    """Outputs ``(B, num_outputs)`` of ``block`` for inputs ``(B, n_in)`` and weights ``(n_w,)``.

    ``gradient``: ``adjoint`` (default, exact simulation only), ``parameter-shift``,
    ``finite-diff``, ``spsa`` or ``auto`` (adjoint without shots, parameter shift
    with shots). With ``shots`` the outputs are seeded shot estimates
    (``last_stderr`` holds their standard errors); circuits with mid-circuit
    measurement need ``shots``.
    """

    def __init__(
        self,
        block: QuantumBlock,
        *,
        gradient: str = "adjoint",
        dtype: str = "complex128",
        shots: int | None = None,
        seed: int | None = None,
        memory_budget: int | None = None,
        fd_step: float | None = None,
        spsa_step: float = 0.01,
        spsa_samples: int = 1,
    ):
        if gradient not in METHODS:
            raise bad_input(
                "QL0604",
                f"unknown gradient method `{gradient}`",
                "use `adjoint`, `parameter-shift`, `finite-diff`, `spsa` or `auto`",
            )
        method = METHODS[gradient]
        if method == "auto":
            method = "adjoint" if shots is None else "parameter-shift"
        if method == "adjoint" and shots is not None:
            raise bad_input(
                "QL0604",
                "adjoint gradients need exact simulation, but `shots` is set",
                "use `gradient = parameter_shift` or `spsa` with shots, or drop `shots`",
            )
        if shots is not None and shots < 1:
            raise bad_input("QL0604", f"`shots` must be positive, got {shots}", "use shots >= 1")
        self.block = block
        self.circuit = block.circuit
        self.n = block.circuit.num_qubits
        self.gradient = method
        self.shots = shots
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.simulator = Simulator(block.circuit, dtype=dtype, memory_budget=memory_budget)
        # one sample's buffers and the readout's 2**n tables, before any table is built
        readout = block.readout
        terms = sum(len(o.terms) for o in readout.observables)
        need = simulation_bytes(
            self.n,
            itemsize=np.dtype(self.simulator.dtype).itemsize,
            adjoint=method == "adjoint",
            tables=readout_tables(readout.kind, terms, len(readout.qubits)),
        )
        require_memory(need, self.n, memory_budget)
        if self.simulator.dynamic and shots is None:
            self.simulator.plan  # noqa: B018 - raises the QL0602 diagnostic
        self.readout = ReadoutPlan(block.readout, self.n)
        self._sample_bytes = self.simulator.estimate_memory(1, adjoint=True)
        default_step = 1e-6 if dtype == "complex128" else 1e-3
        self.fd_step = fd_step if fd_step is not None else default_step
        self.spsa_step = spsa_step
        self.spsa_samples = spsa_samples
        self.last_stderr: np.ndarray | None = None

    @property
    def num_outputs(self) -> int:
        return self.readout.num_outputs


    # --- forward --------------------------------------------------------------
    def exact_states(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self.simulator.states(x, w)

    def outputs_from_values(self, x: np.ndarray, w: np.ndarray, values: tuple) -> np.ndarray:
        """Outputs for explicit gate-angle values (used by the shift rules)."""
        psi = self.simulator.states(x, w, values)
        if self.shots is None:
            return self.readout.outputs(psi, x, w)
        est, _ = self.readout.sample_outputs(psi, x, w, self.shots, self.rng)
        return est

    def _forward_chunk(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        ex = self.simulator.executor
        if self.shots is None and ex is not None and self.readout.diagonal is not None:
            return ex.forward(x, w, diag=self.readout.diagonal, out=self._state_buffer(x))[1]
        if self.shots is None:
            return self.readout.outputs(self.exact_states(x, w), x, w)
        if self.simulator.dynamic:
            return self._dynamic_chunk(x, w)
        est, err = self.readout.sample_outputs(self.exact_states(x, w), x, w, self.shots, self.rng)
        self._stderr.append(err)
        return est

    def _state_buffer(self, x: np.ndarray) -> np.ndarray | None:
        """A pooled buffer for states the caller does not keep (only the outputs leave the
        call), for large batches: a fresh array of many megabytes page-faults on every call,
        which costs about as much as a pass over the state. None: allocate as usual."""
        ex = self.simulator.executor
        if ex is None or (x.shape[0] << ex.n) * ex.dtype.itemsize < POOLED_BYTES:
            return None
        return self.simulator.workspace.take((x.shape[0], 2**ex.n), ex.dtype)

    def _dynamic_chunk(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        shots = self.shots or 1
        states, _ = self.simulator.trajectories(x, w, shots, self.rng)
        xr = np.repeat(x, shots, axis=0)
        one, _ = self.readout.sample_outputs(states, xr, w, 1, self.rng)
        per = one.reshape(x.shape[0], shots, -1)
        self._stderr.append(per.std(axis=1) / np.sqrt(shots))
        return per.mean(axis=1)

    def forward(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Outputs ``(B, num_outputs)`` (shot estimates when ``shots`` is set)."""
        with self.simulator.blas():
            return self._forward(inputs, weights)

    def _forward(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        x, w = self.simulator.normalize(inputs, weights)
        self._stderr: list[np.ndarray] = []
        dyn_shots = self.shots if self.simulator.dynamic else None
        if dyn_shots:
            out = np.concatenate(
                [
                    self._dynamic_chunk(x[s], w)
                    for s in self._chunks(x.shape[0] * dyn_shots, x.shape[0])
                ]
            )
        else:
            out = np.concatenate([self._forward_chunk(x[s], w) for s in self._chunks(x.shape[0])])
        self.last_stderr = np.concatenate(self._stderr) if self._stderr else None
        return out

    def _chunks(self, rows: int, batch: int | None = None, adjoint: bool = False) -> list[slice]:
        batch = rows if batch is None else batch
        sim = self.simulator
        if sim.memory_budget is None and rows * self._sample_bytes <= UNCHECKED_BYTES and (
            memory_override() is None
        ):
            return [slice(0, batch)]  # small runs: one chunk, no memory look-up
        size = self.simulator.chunk_size(rows, adjoint)
        size = max(1, size * batch // max(rows, 1))
        return [slice(i, min(batch, i + size)) for i in range(0, max(batch, 1), size)]

    # --- gradients ----------------------------------------------------------
    def vjp(
        self,
        inputs: np.ndarray,
        weights: np.ndarray,
        cotangent: G.Cotangent,
        *,
        input_grads: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(outputs, grad_weights (n_w,), grad_inputs (B, n_in))`` for ``sum(cot * out)``.

        ``cotangent`` is ``(B, n_out)``, or a row-wise callable ``outputs -> cotangent``
        (e.g. ``lambda out: 2 * (out - y) / len(y)`` for MSE), evaluated inside the
        same pass so a training step needs a single simulation. ``input_grads=False``
        skips the gradient with respect to the inputs (returned as None) where that saves
        work (the adjoint method; others compute it anyway).
        """
        fast = self._fast_vjp(inputs, weights, cotangent, input_grads)
        if fast is not None:
            return fast
        with self.simulator.blas():
            out, gw, gx = self._vjp(inputs, weights, cotangent, input_grads)
            return out, gw, gx if input_grads else None

    def _fast_vjp(
        self, inputs: object, weights: object, cotangent: G.Cotangent, input_grads: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
        """The whole step in two compiled calls with no other Python work, when it applies:
        adjoint gradients on the executor, a diagonal readout, float64 arrays of the right
        shapes, one memory chunk. Returns None to take the general path (which also gives
        every diagnostic)."""
        ex = self.simulator.executor
        diag = self.readout.diagonal
        if ex is None or diag is None or self.gradient != "adjoint" or self.shots is not None:
            return None
        if not (isinstance(inputs, np.ndarray) and isinstance(weights, np.ndarray)):
            return None
        n_in, n_w = self.simulator.sizes
        if (
            inputs.dtype != np.float64
            or inputs.ndim != 2
            or inputs.shape[1] != n_in
            or inputs.shape[0] < 1
            or weights.dtype != np.float64
            or weights.shape != (n_w,)
            or inputs.shape[0] * self._sample_bytes > UNCHECKED_BYTES
            or self.simulator.memory_budget is not None
            or memory_override() is not None
        ):
            return None
        try:
            return ex.vjp_diag(inputs, weights, diag, cotangent, input_grads, self._state_buffer(inputs))
        except FloatingPointError:  # NaN or infinity: the general path reports QL0603
            return None

    def _vjp(
        self, inputs: np.ndarray, weights: np.ndarray, cotangent: G.Cotangent, input_grads: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x, w = self.simulator.normalize(inputs, weights)
        if not callable(cotangent):
            cotangent = np.asarray(cotangent, dtype=float).reshape(x.shape[0], self.num_outputs)
        self._require_static()
        chunks = self._chunks(x.shape[0], adjoint=True)
        if len(chunks) == 1 and self.gradient == "adjoint":
            return G.adjoint_vjp(self, x, w, cotangent, input_grads)
        outs, gws, gxs = [], np.zeros(w.shape[0]), []
        for s in chunks:
            cot = cotangent if callable(cotangent) else cotangent[s]
            if self.gradient == "adjoint":
                out, gw, gx = G.adjoint_vjp(self, x[s], w, cot, input_grads)
            elif self.gradient == "parameter-shift":
                out, gw, gx = G.shift_vjp(self, x[s], w, cot)
            else:
                out, jw, jx = self._jacobian_chunk(x[s], w)
                c = G.resolve_cotangent(cot, out)
                gw = np.einsum("bk,bkw->w", c, jw)
                gx = np.einsum("bk,bkx->bx", c, jx)
            outs.append(out)
            gws += gw
            gxs.append(gx)
        return np.concatenate(outs), gws, np.concatenate(gxs)

    def jacobian(
        self, inputs: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(outputs, J_w (B, n_out, n_w), J_x (B, n_out, n_in))``."""
        with self.simulator.blas():
            return self._jacobian(inputs, weights)

    def _jacobian(
        self, inputs: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x, w = self.simulator.normalize(inputs, weights)
        self._require_static()
        parts = [self._jacobian_chunk(x[s], w) for s in self._chunks(x.shape[0], adjoint=True)]
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore

    def _jacobian_chunk(
        self, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.gradient == "adjoint":
            return G.adjoint_jacobian(self, x, w)
        if self.gradient == "parameter-shift":
            return G.shift_jacobian(self, x, w)
        if self.gradient == "finite-diff":
            return G.fd_jacobian(self._forward_exact_or_shots, x, w, self.fd_step)
        return G.spsa_jacobian(
            self._forward_exact_or_shots, x, w, self.spsa_step, self.spsa_samples, self.rng
        )

    def _forward_exact_or_shots(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        self._stderr = []
        return self._forward_chunk(x, w)

    def _require_static(self) -> None:
        if self.simulator.dynamic:
            raise bad_input(
                "QL0602",
                "gradients of circuits with mid-circuit measurement are not supported",
                "move measurements to the readout, or train with `optimizer = spsa` on "
                "`forward` values",
            )
