"""Noisy quantum functions: the density-matrix and trajectory engines behind the
``QuantumFunction`` interface, and the automatic choice between the engines.

Both classes take the same constructor arguments as
:class:`~qlang.sim.function.QuantumFunction` plus ``noise`` (a
:class:`~qlang.ir.noise.NoiseModel`), and offer the same methods: ``forward``,
``vjp``, ``jacobian`` (outputs, weight and input Jacobians), ``last_stderr`` after a
sampled ``forward``. Gradient methods:

============== ================================================================
``backprop``   exact reverse mode through the density matrices (no shots)
``parameter-shift``  shift rules; every shifted circuit of a batch runs in one engine
               call (works with shots and trajectories)
``finite-diff``, ``spsa``  as for the statevector engine
``auto``       ``backprop`` for exact density matrices, else parameter shift
============== ================================================================

:func:`choose` implements ``backend = auto``: the statevector engine without noise, the
density-matrix engine when a density matrix fits the memory budget, else trajectories.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Const, Weight
    >>> from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
    >>> from qlang.ir.noise import Channel, NoiseModel
    >>> c = Circuit(1, (Operation("rx", (0,), (Weight(0),)),), weights=(ParamDecl("w", (1,), 0),))
    >>> z = Observable((PauliTerm(Const(1.0), ((0, "Z"),)),))
    >>> block = QuantumBlock("main", c, Readout("expval", (z,)))
    >>> qf = DensityFunction(block, noise=NoiseModel((Channel("depolarizing", (("p", 0.2),)),)))
    >>> round(float(qf.forward(np.zeros((1, 0)), np.array([0.0]))[0, 0]), 12)  # (1 - p) <Z>
    0.8
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.model import QuantumBlock
from qlang.ir.noise import NoiseModel
from qlang.sim import gradients as G
from qlang.sim.arity import CircuitArity
from qlang.sim.density import DensityProgram, dm_bytes
from qlang.sim.function import METHODS
from qlang.sim.gatelib import shift_rule
from qlang.sim.noise import lower
from qlang.sim.noise_readout import DensityReadout
from qlang.sim.simulator import bad_input, check_arrays, resolve_dtype


class Engine(Protocol):
    """The ``QuantumFunction`` interface every engine implements (the statevector
    :class:`~qlang.sim.function.QuantumFunction`, :class:`DensityFunction`,
    :class:`TrajectoryFunction`, :class:`~qlang.sim.noise_mitigation.MitigatedFunction`;
    backends that run circuits elsewhere plug in with the same methods)."""

    num_inputs: int
    num_weights: int
    num_outputs: int
    #: standard errors of the last sampled outputs (``None`` when exact)
    last_stderr: np.ndarray | None

    def forward(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray: ...

    def vjp(
        self, inputs: np.ndarray, weights: np.ndarray, cotangent: G.Cotangent
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...

    def jacobian(
        self, inputs: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


#: working density matrices of a forward run and of a reverse-mode sweep (per sample)
FORWARD_BUFFERS = 3
BACKPROP_BUFFERS = 6


def _budget(memory_budget: int | None) -> int:
    from qlang.limits import memory_budget as budget

    return budget() if memory_budget is None else memory_budget


def shifted_values(
    values: list[np.ndarray], jobs: list[tuple[int, float, float]], b: int
) -> tuple[list[np.ndarray], int]:
    """The angle values of the batch followed by one shifted copy of it per job
    ``(slot, coefficient, shift)``, so one engine call runs every shifted circuit; and the
    number of copies."""
    copies = 1 + len(jobs)
    big = [np.tile(v, copies) for v in values]
    for j, (slot, _, sh) in enumerate(jobs):
        big[slot] = big[slot].copy()
        big[slot][(j + 1) * b : (j + 2) * b] += sh
    return big, copies


def shift_derivatives(
    out_all: np.ndarray, jobs: list[tuple[int, float, float]], b: int
) -> dict[int, np.ndarray]:
    """``{slot: d outputs / d angle}`` from the outputs of :func:`shifted_values`' copies:
    the sum over the slot's jobs of ``coefficient * outputs of the job's copy``."""
    derivs: dict[int, np.ndarray] = {}
    for j, (slot, c, _) in enumerate(jobs):
        part = c * out_all[(j + 1) * b : (j + 2) * b]
        derivs[slot] = derivs[slot] + part if slot in derivs else part
    return derivs


def _method(gradient: str, shots: int | None, exact: str) -> str:
    if gradient not in METHODS and gradient != "backprop":
        raise bad_input(
            "QL0604",
            f"unknown gradient method `{gradient}`",
            "use `backprop`, `parameter-shift`, `finite-diff`, `spsa` or `auto`",
        )
    method = "backprop" if gradient == "backprop" else METHODS[gradient]
    if method == "auto":
        method = exact if shots is None else "parameter-shift"
    if method == "adjoint":
        raise bad_input(
            "QL0604",
            "adjoint gradients need the exact statevector, but the run is noisy or sampled",
            "use `gradient = backprop` (density matrix), `parameter_shift` or `spsa`",
        )
    if method == "backprop" and (shots is not None or exact != "backprop"):
        raise bad_input(
            "QL0604",
            "`backprop` differentiates exact density matrices, but the run is sampled",
            "use `gradient = parameter_shift` or `spsa` with shots or trajectories",
        )
    return method


class DensityFunction(CircuitArity):
    """A quantum block on the batched density-matrix engine (see the module docstring)."""

    engine = "density_matrix"

    def __init__(
        self,
        block: QuantumBlock,
        *,
        noise: NoiseModel | None = None,
        gradient: str = "auto",
        dtype: str = "complex128",
        shots: int | None = None,
        seed: int | None = None,
        memory_budget: int | None = None,
        fd_step: float | None = None,
        spsa_step: float = 0.01,
        spsa_samples: int = 1,
        readout_mitigation: dict[int, np.ndarray] | None = None,
        **_: Any,
    ):
        if shots is not None and shots < 1:
            raise bad_input("QL0604", f"`shots` must be positive, got {shots}", "use shots >= 1")
        self.block = block
        self.circuit = block.circuit
        self.n = block.circuit.num_qubits
        if any(op.name in ("measure", "reset") or op.condition is not None for op in self.circuit.ops):
            raise bad_input(
                "QL0602",
                "the noisy engines run unitary circuits with noise; mid-circuit measurement "
                "is not supported there",
                "move measurements to the readout",
            )
        self.noise = noise or NoiseModel()
        self.program = lower(self.circuit, self.noise)
        self.dtype = dtype
        self.dm = DensityProgram(self.program, resolve_dtype(dtype))
        self.readout_mitigation = readout_mitigation
        self.readout = DensityReadout(
            block.readout, self.n, self.program.assignment, mitigation=readout_mitigation
        )
        self.gradient = _method(gradient, shots, "backprop")
        self.shots = shots
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.memory_budget = memory_budget
        self.fd_step = fd_step if fd_step is not None else (1e-6 if dtype == "complex128" else 1e-3)
        self.spsa_step = spsa_step
        self.spsa_samples = spsa_samples
        self.last_stderr: np.ndarray | None = None

    @property
    def num_outputs(self) -> int:
        return self.readout.num_outputs


    # --- memory -----------------------------------------------------------------------
    def chunk_size(self, rows: int, buffers: int) -> int:
        per = dm_bytes(self.n, resolve_dtype(self.dtype)) * buffers
        budget = _budget(self.memory_budget)
        if per > budget:
            raise QLangError(
                [
                    Diagnostic.error(
                        "QL0601",
                        f"a density matrix of {self.n} qubits needs {per / 2**30:.2f} GiB per "
                        f"sample, more than the memory budget of {budget / 2**30:.2f} GiB",
                        help="use `backend = trajectories`, fewer qubits, or a larger budget "
                        "(`QLANG_MEMORY`)",
                    )
                ]
            )
        return max(1, min(rows, budget // per))

    def _slices(self, rows: int, buffers: int) -> list[slice]:
        size = self.chunk_size(rows, buffers)
        return [slice(i, min(rows, i + size)) for i in range(0, max(rows, 1), size)]

    def _buffers(self) -> int:
        """Density matrices per sample of one gradient call."""
        if self.gradient == "backprop":
            return BACKPROP_BUFFERS + math.isqrt(max(len(self.dm.ops), 1)) + 1
        if self.gradient == "parameter-shift":
            return FORWARD_BUFFERS * (1 + len(self._shift_jobs()))
        return FORWARD_BUFFERS

    def _shift_jobs(self) -> list[tuple[int, float, float]]:
        """``(slot, coefficient, shift)`` of every shifted circuit."""
        names = {s: f.op.name for op in self.dm.ops for f in op.factors if f.op for s in f.slots}
        jobs = []
        for slot, syms in enumerate(self.dm.plan.slot_symbols):
            if syms:
                jobs += [(slot, c, sh) for c, sh in shift_rule(names[slot])]
        return jobs

    # --- forward ----------------------------------------------------------------------
    def density_matrices(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Final density matrices ``(B, 2**n, 2**n)`` (before the readout)."""
        x, w = check_arrays(self.circuit, inputs, weights)
        d = 2**self.n
        return np.concatenate(
            [self.dm.forward(x[s], w).reshape(-1, d, d) for s in self._slices(len(x), FORWARD_BUFFERS)]
        )

    def _outputs(self, rho: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        if self.shots is None:
            return self.readout.outputs(rho, x, w)
        est, err = self.readout.sample(rho, x, w, self.shots, self.rng)
        self._stderr.append(err)
        return est

    def forward(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Outputs ``(B, num_outputs)`` (shot estimates when ``shots`` is set)."""
        x, w = check_arrays(self.circuit, inputs, weights)
        self._stderr: list[np.ndarray] = []
        out = [
            self._outputs(self.dm.forward(x[s], w), x[s], w)
            for s in self._slices(len(x), FORWARD_BUFFERS)
        ]
        self.last_stderr = np.concatenate(self._stderr) if self._stderr else None
        return np.concatenate(out) if out else np.zeros((0, self.num_outputs))

    def _forward_values(self, x: np.ndarray, w: np.ndarray, values: tuple) -> np.ndarray:
        return self._outputs(self.dm.forward(x, w, values), x, w)

    # --- gradients --------------------------------------------------------------------
    def vjp(
        self, inputs: np.ndarray, weights: np.ndarray, cotangent: G.Cotangent
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(outputs, grad_weights (n_w,), grad_inputs (B, n_in))`` of ``sum(cot * out)``."""
        x, w = check_arrays(self.circuit, inputs, weights)
        if not callable(cotangent):
            cotangent = np.asarray(cotangent, dtype=float).reshape(x.shape[0], self.num_outputs)
        outs, gw, gxs = [], np.zeros(w.shape[0]), []
        self._stderr = []
        for s in self._slices(len(x), self._buffers()):
            cot = cotangent if callable(cotangent) else cotangent[s]
            if self.gradient == "backprop":
                out, g, gx = self._backprop_vjp(x[s], w, cot)
            elif self.gradient == "parameter-shift":
                out, g, gx = self._shift_vjp(x[s], w, cot)
            else:
                out, jw, jx = self._jacobian_chunk(x[s], w)
                c = G.resolve_cotangent(cot, out)
                g = np.einsum("bk,bkw->w", c, jw)
                gx = np.einsum("bk,bkx->bx", c, jx)
            outs.append(out)
            gw += g
            gxs.append(gx)
        self.last_stderr = np.concatenate(self._stderr) if self._stderr else None
        return np.concatenate(outs), gw, np.concatenate(gxs)

    def _backprop_vjp(
        self, x: np.ndarray, w: np.ndarray, cot: G.Cotangent
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        vals = self.dm.values(x, w)
        mats = self.dm.matrices(vals)
        rho, checkpoints = self.dm.forward_checkpoints(x.shape[0], mats)
        out = self.readout.outputs(rho, x, w)
        c = G.resolve_cotangent(cot, out)
        lam = self.readout.cotangent(c, x, w)
        grads = self.dm.sweep(checkpoints, mats, lam, vals, per_sample=True)
        gw, gx = G.chain_rule(self.dm.plan, grads, x, w, per_sample=False)
        cw, cx = self._coefficient_vjp(rho, c, x, w)
        return out, gw + cw, gx + cx

    def _coefficient_vjp(self, rho: np.ndarray, c: np.ndarray, x: np.ndarray, w: np.ndarray):
        return self.readout.coefficient_vjp(rho, c, x, w)

    def _coefficient_jacobian(self, rho: np.ndarray, x: np.ndarray, w: np.ndarray):
        return self.readout.coefficient_jacobian(rho, x, w)

    def jacobian(
        self, inputs: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(outputs, J_w (B, n_out, n_w), J_x (B, n_out, n_in))``."""
        x, w = check_arrays(self.circuit, inputs, weights)
        self._stderr = []
        parts = [self._jacobian_chunk(x[s], w) for s in self._slices(len(x), self._buffers())]
        self.last_stderr = np.concatenate(self._stderr) if self._stderr else None
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))  # type: ignore[return-value]

    def _jacobian_chunk(
        self, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.gradient == "backprop":
            rho = self.dm.forward(x, w)
            out = self.readout.outputs(rho, x, w)
            b, k_out = out.shape
            jw = np.zeros((b, k_out, w.shape[0]))
            jx = np.zeros((b, k_out, x.shape[1]))
            for k in range(k_out):
                c = np.zeros((b, k_out))
                c[:, k] = 1.0
                grads = self.dm.adjoint(x, w, self.readout.cotangent(c, x, w), per_sample=True)
                jw[:, k, :], jx[:, k, :] = G.chain_rule(self.dm.plan, grads, x, w, per_sample=True)
            cw, cx = self._coefficient_jacobian(rho, x, w)
            return out, jw + cw, jx + cx
        if self.gradient == "parameter-shift":
            out, derivs, rho = self._shift_derivatives(x, w)
            b, k_out = out.shape
            jw = np.zeros((b, k_out, w.shape[0]))
            jx = np.zeros((b, k_out, x.shape[1]))
            for k in range(k_out):
                grads = {s: d[:, k] for s, d in derivs.items()}
                jw[:, k, :], jx[:, k, :] = G.chain_rule(self.dm.plan, grads, x, w, per_sample=True)
            cw, cx = self._coefficient_jacobian(rho, x, w)
            return out, jw + cw, jx + cx
        fwd = self._plain_forward
        if self.gradient == "finite-diff":
            return G.fd_jacobian(fwd, x, w, self.fd_step)
        return G.spsa_jacobian(fwd, x, w, self.spsa_step, self.spsa_samples, self.rng)

    def _plain_forward(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return self._outputs(self.dm.forward(x, w), x, w)

    # --- parameter shift, batched -------------------------------------------------------
    def _shift_derivatives(
        self, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, dict[int, np.ndarray], np.ndarray]:
        """Outputs, ``{slot: d out / d angle (B, n_out)}`` and the unshifted density
        matrices: every shifted circuit of the batch runs in one engine call."""
        b = x.shape[0]
        values = [np.broadcast_to(np.asarray(v, dtype=float), (b,)) for v in self.dm.values(x, w)]
        jobs = self._shift_jobs()
        big, copies = shifted_values(values, jobs, b)
        xb = np.tile(x, (copies, 1))
        rho = self.dm.forward(xb, w, tuple(big))
        out_all = self._outputs(rho, xb, w)
        out = out_all[:b]
        if self._stderr:
            self._stderr[-1] = self._stderr[-1][:b]
        derivs = shift_derivatives(out_all, jobs, b)
        return out, derivs, rho[:b]

    def _shift_vjp(
        self, x: np.ndarray, w: np.ndarray, cot: G.Cotangent
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        out, derivs, rho = self._shift_derivatives(x, w)
        c = G.resolve_cotangent(cot, out)
        grads = {s: np.sum(d * c, axis=1) for s, d in derivs.items()}
        gw, gx = G.chain_rule(self.dm.plan, grads, x, w, per_sample=False)
        cw, cx = self._coefficient_vjp(rho, c, x, w)
        return out, gw + cw, gx + cx


def choose(
    n: int,
    noise: NoiseModel | None,
    backend: str = "auto",
    dtype: str = "complex128",
    memory_budget: int | None = None,
) -> str:
    """The engine for a run (:func:`qlang.limits.choose_engine`).

    >>> choose(4, None), choose(4, NoiseModel()), choose(40, None)
    ('statevector', 'statevector', 'statevector')
    """
    from qlang.limits import choose_engine

    return choose_engine(n, bool(noise), backend, dtype, memory_budget)


def make_function(block: QuantumBlock, *, backend: Any = None, noise: NoiseModel | None = None,
                  **kw: Any) -> Any:  # fmt: skip
    """The quantum function of ``block`` on the engine its target asks for: ``backend``
    is the target's backend call (``auto``, ``statevector``, ``density_matrix``,
    ``trajectories(samples = k)``), dispatched through the catalog."""
    from qlang import catalog
    from qlang.ir.model import Call

    call = backend if backend is not None else Call("auto")
    entry, values = catalog.runtime_bind("backend", call)
    name = entry.name
    if name == "auto":
        name = choose(block.circuit.num_qubits, noise, "auto", kw.get("dtype", "complex128"),
                      kw.get("memory_budget"))  # fmt: skip
        entry, values = catalog.runtime_bind("backend", Call(name))
    cls = entry.load()
    from qlang.backends import is_execution_backend

    if is_execution_backend(name):  # its arguments apart: `fake(name, noise = false)`
        return cls(block, values, noise=noise, **kw)
    if name == "statevector":
        if noise:
            raise bad_input("QL0604", "the statevector engine cannot simulate noise",
                            "use `backend = density_matrix` or `trajectories`")  # fmt: skip
        return cls(block, **kw)
    return cls(block, noise=noise, **values, **kw)


class TrajectoryFunction(DensityFunction):
    """A quantum block on seeded Monte-Carlo trajectories (``samples`` per input row).

    Outputs are trajectory means with standard errors in ``last_stderr``; gradients by
    parameter shift (all shifted circuits in one call, the same draws for every copy),
    SPSA or finite differences.
    """

    engine = "trajectories"

    def __init__(self, block: QuantumBlock, *, samples: int = 256, **kw: Any):
        gradient = kw.get("gradient", "auto")
        if gradient == "backprop":
            _method("backprop", 1, "parameter-shift")  # raises the QL0604 diagnostic
        if gradient == "auto":
            kw["gradient"] = "parameter-shift"
        super().__init__(block, **kw)
        from qlang.sim.trajectories import TrajectoryProgram

        self.samples = int(samples)
        self.tp = TrajectoryProgram(self.program, resolve_dtype(self.dtype))
        self.readout = DensityReadout(
            block.readout, self.n, self.program.assignment, pure=True,
            mitigation=self.readout_mitigation,
        )  # fmt: skip

    def _buffers(self) -> int:
        return 1  # chunk_size counts the trajectories and shifted copies itself

    def chunk_size(self, rows: int, buffers: int) -> int:
        copies = 1 + len(self._shift_jobs()) if self.gradient == "parameter-shift" else 1
        per = 2**self.n * np.dtype(resolve_dtype(self.dtype)).itemsize * 4 * self.samples * copies
        budget = _budget(self.memory_budget)
        if per > budget:
            raise QLangError(
                [
                    Diagnostic.error(
                        "QL0601",
                        f"{self.samples} trajectories of {self.n} qubits need "
                        f"{per / 2**30:.2f} GiB per sample, more than the memory budget of "
                        f"{budget / 2**30:.2f} GiB",
                        help="use fewer trajectories (`trajectories(samples = ...)`), fewer "
                        "qubits, or a larger budget (`QLANG_MEMORY`)",
                    )
                ]
            )
        return max(1, min(rows, budget // per))

    def density_matrices(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Trajectory estimates of the density matrices (``(B, 2**n, 2**n)``, small n)."""
        x, w = check_arrays(self.circuit, inputs, weights)
        t = self.samples
        psi = self.tp.run(np.repeat(x, t, axis=0), w, self.rng)
        psi = psi.reshape(x.shape[0], t, -1)
        return np.einsum("bti,btj->bij", psi, psi.conj()) / t

    def _run(
        self, x: np.ndarray, w: np.ndarray, values: tuple | None = None, copies: int = 1
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Trajectories of ``copies`` stacked copies of the batch (the same draws in every
        copy): ``(states (copies*B*T, 2**n), x repeated per trajectory, x)``."""
        t = self.samples
        b = x.shape[0] // copies
        draws = np.tile(self.tp.draws(b * t, self.rng), (1, copies))
        xr = np.repeat(x, t, axis=0)
        vals = None
        if values is not None:
            vals = tuple(np.repeat(np.broadcast_to(v, (x.shape[0],)), t) for v in values)
        psi = self.tp.run(xr, w, values=vals, draws=draws)
        return psi, xr, x

    def _outputs_of(self, psi: np.ndarray, xr: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        t = self.samples
        rows = x.shape[0]
        per = self.readout.outputs(psi, xr, w).reshape(rows, t, -1)
        mean = per.mean(axis=1)
        traj_err = per.std(axis=1, ddof=1) / np.sqrt(t) if t > 1 else np.zeros_like(mean)
        if self.shots is None:
            self._stderr.append(traj_err)
            return mean

        def dist(g: int) -> np.ndarray:
            return self.readout.distribution(psi, g).reshape(rows, t, -1).mean(axis=1)

        est, err = self.readout.sample_from(dist, x, w, self.shots, self.rng)
        self._stderr.append(np.sqrt(err**2 + traj_err**2))
        return est

    def forward(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        x, w = check_arrays(self.circuit, inputs, weights)
        self._stderr = []
        out = []
        for s in self._slices(len(x), 1):
            psi, xr, xs = self._run(x[s], w)
            out.append(self._outputs_of(psi, xr, xs, w))
        self.last_stderr = np.concatenate(self._stderr) if self._stderr else None
        return np.concatenate(out) if out else np.zeros((0, self.num_outputs))

    def _plain_forward(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        psi, xr, xs = self._run(x, w)
        return self._outputs_of(psi, xr, xs, w)

    def _shift_derivatives(
        self, x: np.ndarray, w: np.ndarray
    ) -> tuple[np.ndarray, dict[int, np.ndarray], np.ndarray]:
        b = x.shape[0]
        values = [np.broadcast_to(np.asarray(v, dtype=float), (b,)) for v in self.tp.evaluate(x, w)]
        jobs = self._shift_jobs()
        big, copies = shifted_values(values, jobs, b)
        xb = np.tile(x, (copies, 1))
        psi, xr, _ = self._run(xb, w, tuple(big), copies)
        out_all = self._outputs_of(psi, xr, xb, w)
        if self._stderr:
            self._stderr[-1] = self._stderr[-1][:b]
        derivs = shift_derivatives(out_all, jobs, b)
        return out_all[:b], derivs, psi[: b * self.samples]

    def _coefficient_vjp(self, rho: np.ndarray, c: np.ndarray, x: np.ndarray, w: np.ndarray):
        t = self.samples
        cw, cx = self.readout.coefficient_vjp(
            rho, np.repeat(c, t, axis=0) / t, np.repeat(x, t, axis=0), w
        )
        return cw, cx.reshape(x.shape[0], t, -1).sum(axis=1)

    def _coefficient_jacobian(self, rho: np.ndarray, x: np.ndarray, w: np.ndarray):
        t = self.samples
        jw, jx = self.readout.coefficient_jacobian(rho, np.repeat(x, t, axis=0), w)
        b = x.shape[0]
        return (jw.reshape(b, t, *jw.shape[1:]).mean(axis=1),
                jx.reshape(b, t, *jx.shape[1:]).mean(axis=1))  # fmt: skip
