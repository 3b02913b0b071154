"""The public simulator: exact batched states, memory checks, shot sampling.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input
    >>> c = Circuit(1, (Operation("ry", (0,), (Input(0),)),), inputs=(ParamDecl("x", (1,), 0),))
    >>> sim = Simulator(c)
    >>> np.round(sim.statevector(np.array([[0.0], [np.pi]])).real, 6).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.circuit import Circuit, Operation
from qlang.limits import (
    BUDGET_HELP,
    describe_budget,
    format_bytes,
    memory_budget,
    memory_override,
    simulation_bytes,
)
from qlang.sim.blocks import block_matrix
from qlang.sim.compile_expr import ExprFunction, compile_exprs
from qlang.sim.engine import State, apply_block, canonical, reorder, run_forward, zero_state
from qlang.sim.executor import Executor, compiled_available
from qlang.sim.plan import Block, GateRef, Plan, compile_plan
from qlang.sim.program import MAXN, Unsupported
from qlang.sim.threads import blas_threads
from qlang.sim.workspace import Workspace

DTYPES = {"complex128": np.complex128, "complex64": np.complex64}
#: runs needing less than this are not checked against the machine's available memory
#: (reading it costs more than a small run); an explicit budget is always checked
UNCHECKED_BYTES = 2**26


def available_memory() -> int:
    """The memory budget in bytes: ``--memory``, ``QLANG_MEMORY`` (or the older
    ``QLANG_MEMORY_BUDGET``), else the machine's available memory (:mod:`qlang.limits`)."""
    return memory_budget()


def require_memory(need: int, num_qubits: int, budget: int | None, what: str = "sample") -> int:
    """The budget; ``QL0601`` when ``need`` bytes exceed it (checked before allocating).

    Without an explicit ``budget`` or override, a small ``need`` is not checked against
    the machine's available memory (``UNCHECKED_BYTES``); then ``-1`` is returned.
    """
    limit = budget if budget is not None else memory_override()
    if limit is None:
        if need <= UNCHECKED_BYTES:
            return -1
        limit = memory_budget()
    if need > limit:
        shown = describe_budget(limit) if budget is None else f"the budget of {format_bytes(limit)}"
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0601",
                    f"simulating {num_qubits} qubits needs {format_bytes(need)} per {what}, "
                    f"more than {shown}",
                    help="reduce the number of qubits, use `dtype = complex64`, or "
                    + BUDGET_HELP,
                )
            ]
        )
    return limit


def bad_input(code: str, message: str, help: str) -> QLangError:
    return QLangError([Diagnostic.error(code, message, help=help)])


def resolve_dtype(dtype: str) -> type:
    if dtype not in DTYPES:
        raise bad_input("QL0604", f"unknown dtype `{dtype}`", "use `complex128` or `complex64`")
    return DTYPES[dtype]


class Simulator:
    """Batched statevector simulation of one circuit (plan compiled once).

    ``memory_budget`` (bytes) defaults to :func:`available_memory`; batches that
    do not fit are split into chunks, and a run whose single sample does not fit
    raises ``QL0601``. The simulator owns its buffer pool (``workspace``).
    """

    def __init__(
        self,
        circuit: Circuit,
        *,
        dtype: str = "complex128",
        memory_budget: int | None = None,
        max_shared: int | None = None,
        max_batched: int | None = None,
    ):
        self.circuit = circuit
        self.n = circuit.num_qubits
        self.dtype = resolve_dtype(dtype)
        self._itemsize = np.dtype(self.dtype).itemsize
        #: ``(num_inputs, num_weights)`` of the circuit
        self.sizes = (circuit.num_inputs, circuit.num_weights)
        self.memory_budget = memory_budget
        # refuse a circuit whose single sample cannot be simulated before planning it
        require_memory(self.estimate_memory(1), self.n, memory_budget)
        self.workspace = Workspace()
        self.dynamic = any(
            op.name in ("measure", "reset") or op.condition is not None for op in circuit.ops
        )
        kw = {}
        if max_shared is not None:
            kw["max_shared"] = max_shared
        if max_batched is not None:
            kw["max_batched"] = max_batched
        self._plan: Plan | None = None if self.dynamic else compile_plan(circuit, **kw)
        self._phase = compile_exprs([circuit.global_phase])
        self._executor: Executor | None = None
        self._unsupported = False

    @property
    def plan(self) -> Plan:
        """The compiled plan; raises ``QL0602`` for circuits with mid-circuit measurement."""
        if self._plan is None:
            self._plan = compile_plan(self.circuit)  # raises the QL0602 diagnostic
        return self._plan

    @property
    def executor(self) -> Executor | None:
        """The compiled executor of this circuit, or None (the reference engine runs: the
        extension is not built, ``QLANG_PURE_PYTHON=1``, or mid-circuit measurement)."""
        if self.dynamic or self.n > MAXN or self._unsupported or not compiled_available():
            return None
        if self._executor is None:
            try:
                self._executor = Executor(self.circuit, self.dtype)
            except Unsupported:  # e.g. a gate on more qubits than a cache tile
                self._unsupported = True
                return None
        return self._executor

    def blas(self) -> Any:
        """The context for one call: single-threaded BLAS for the reference engine."""
        return contextlib.nullcontext() if self.executor is not None else blas_threads()

    # --- memory -------------------------------------------------------------
    def estimate_memory(self, batch: int, adjoint: bool = False) -> int:
        """Bytes a run over ``batch`` samples needs (state buffers dominate)."""
        item = self._itemsize
        return batch * simulation_bytes(self.n, itemsize=item, adjoint=adjoint)

    def chunk_size(self, batch: int, adjoint: bool = False) -> int:
        """The largest batch chunk that fits the budget (``QL0601`` if none does)."""
        per_sample = self.estimate_memory(1, adjoint)
        budget = self.memory_budget if self.memory_budget is not None else memory_override()
        if budget is None and per_sample * batch <= UNCHECKED_BYTES:
            return max(1, batch)
        budget = require_memory(per_sample, self.n, self.memory_budget)
        if budget < 0:  # small per sample, unchecked: the whole batch is checked now
            budget = memory_budget()
        return max(1, min(batch, budget // per_sample))

    def chunks(self, batch: int, adjoint: bool = False) -> Iterator[slice]:
        size = self.chunk_size(batch, adjoint)
        for start in range(0, max(batch, 1), size):
            yield slice(start, min(batch, start + size))

    # --- exact runs ---------------------------------------------------------
    def values(self, inputs: np.ndarray, weights: np.ndarray) -> tuple:
        return self.plan.evaluate(inputs, weights)

    def run(
        self,
        inputs: np.ndarray,
        weights: np.ndarray,
        values: tuple | None = None,
        cache: dict | None = None,
    ) -> State:
        """Final states (tracked axis order) of one chunk; global phase not applied."""
        vals = self.values(inputs, weights) if values is None else values
        return run_forward(
            self.plan, vals, inputs.shape[0], self.dtype, cache=cache, ws=self.workspace
        )

    def states(self, inputs: np.ndarray, weights: np.ndarray, values: tuple | None = None) -> np.ndarray:
        """Canonical final states ``(batch, 2**n)`` of one chunk, global phase not applied
        (compiled executor, else the reference engine). ``values``: explicit gate angles."""
        ex = self.executor
        if ex is not None:
            return ex.forward(inputs, weights, values)
        with blas_threads():
            return canonical(self.run(inputs, weights, values))

    def statevector(
        self,
        inputs: np.ndarray | None = None,
        weights: np.ndarray | None = None,
        *,
        phase: bool = True,
    ) -> np.ndarray:
        """Canonical final states ``(batch, 2**n)`` including the global phase (without it
        for ``phase=False``, e.g. for overlaps' absolute values)."""
        x, w = self.normalize(inputs, weights)
        if not phase and self.executor is not None and self.chunk_size(x.shape[0]) >= x.shape[0]:
            return self.states(x, w)  # a new array (the reference engine's may be pooled)
        out = np.empty((x.shape[0], 2**self.n), dtype=self.dtype)
        for sl in self.chunks(x.shape[0]):
            out[sl] = self.states(x[sl], w)
        if not phase:
            return out
        phase_ = np.exp(1j * np.asarray(self._phase(x, w)[0]))
        return out * np.reshape(phase_, (-1, 1)).astype(self.dtype)

    def normalize(
        self, inputs: np.ndarray | None, weights: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Validate shapes and values (``QL0603``) and return float arrays."""
        return check_arrays(self.circuit, inputs, weights, self.sizes)

    # --- sampling with mid-circuit measurement -------------------------------
    def _op_params(self, op: Operation) -> ExprFunction:
        """The operation's angle function, compiled once per operation."""
        cache = self.__dict__.setdefault("_op_fns", {})
        if id(op) not in cache:
            cache[id(op)] = compile_exprs(op.params)
        return cache[id(op)]

    def trajectories(
        self, inputs: np.ndarray, weights: np.ndarray, shots: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Run ``shots`` trajectories per sample: ``(states (B*shots, 2**n), clbits)``.

        Measurements collapse each trajectory with a seeded random outcome, resets
        measure and flip, conditioned gates apply only where the bits match.
        """
        x = np.repeat(inputs, shots, axis=0)
        b = x.shape[0]
        state = zero_state(b, self.n, self.dtype, self.workspace)
        bits = np.zeros((b, self.circuit.num_clbits), dtype=np.int64)
        for op in self.circuit.ops:
            if op.name == "barrier":
                continue
            mask = _condition_mask(op, bits)
            if op.name in ("measure", "reset"):
                for i, q in enumerate(op.qubits):
                    state, outcome = _measure(state, q, self.n, rng)
                    if op.name == "measure":
                        bits[:, op.clbits[i]] = np.where(mask, outcome, bits[:, op.clbits[i]])
                    else:
                        flip = _single_block(Operation("x", (q,)))
                        flipped = apply_block(state, flip, block_matrix(flip, ()))
                        sel = (outcome == 1) & mask
                        state = State(
                            np.where(
                                sel[:, None], flipped.data, reorder(state, flipped.order).data
                            ),
                            flipped.order,
                            state.ws,
                        )
                continue
            blk = _single_block(op, slots=tuple(range(len(op.params))))
            vals = self._op_params(op)(x, weights)
            new = apply_block(state, blk, block_matrix(blk, vals))
            if mask.all():
                state = new
            else:
                old = reorder(state, new.order)
                state = State(np.where(mask[:, None], new.data, old.data), new.order, state.ws)
        return canonical(state), bits


def _single_block(op: Operation, slots: tuple[int, ...] = ()) -> Block:
    local = tuple(op.qubits)
    gate = GateRef(0, op.name, op.qubits, slots, tuple(range(len(local))))
    return Block(local, (gate,), batched=True, diagonal=False)


def _condition_mask(op: Operation, bits: np.ndarray) -> np.ndarray:
    if op.condition is None:
        return np.ones(bits.shape[0], dtype=bool)
    value = np.zeros(bits.shape[0], dtype=np.int64)
    for m, c in enumerate(op.condition.clbits):
        value |= bits[:, c] << m
    return value == op.condition.value


def _measure(state: State, q: int, n: int, rng: np.random.Generator) -> tuple[State, np.ndarray]:
    b = state.batch
    axis = 1 + state.order.index(q)
    t = state.data.reshape((b,) + (2,) * n)
    probs = np.abs(t) ** 2
    p1 = np.take(probs, 1, axis=axis).reshape(b, -1).sum(axis=1)
    outcome = (rng.random(b) < p1).astype(np.int64)
    keep = np.where(outcome == 1, p1, 1 - p1)
    shape = [1] * (n + 1)
    shape[0], shape[axis] = b, 2
    sel = np.zeros((b, 2))
    sel[np.arange(b), outcome] = 1.0
    t = t * sel.reshape(shape) / np.sqrt(np.maximum(keep, 1e-300)).reshape((b,) + (1,) * n)
    return State(t.reshape(b, -1).astype(state.data.dtype), state.order, state.ws), outcome


def check_arrays(
    circuit: Circuit,
    inputs: np.ndarray | None,
    weights: np.ndarray | None,
    sizes: tuple[int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Inputs as ``(batch, n_in)`` and weights as ``(n_w,)`` floats, or ``QL0603``
    (``sizes``: the circuit's ``(num_inputs, num_weights)`` when the caller knows them)."""
    n_in, n_w = sizes if sizes is not None else (circuit.num_inputs, circuit.num_weights)
    x = np.zeros((1, n_in)) if inputs is None else np.asarray(inputs, dtype=float)
    if x.ndim == 1:
        x = x.reshape(1, -1) if n_in else x.reshape(-1, 0)
    if x.ndim != 2 or x.shape[1] != n_in:
        raise bad_input(
            "QL0603",
            f"inputs have shape {x.shape}, expected (batch, {n_in})",
            f"pass a 2-d array with {n_in} feature column(s)",
        )
    w = np.zeros(n_w) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if w.shape[0] != n_w:
        raise bad_input(
            "QL0603",
            f"got {w.shape[0]} weight(s), the circuit has {n_w}",
            "pass one value per flat weight, in `circuit.weight_names()` order",
        )
    if not (np.isfinite(x).all() and np.isfinite(w).all()):
        raise bad_input(
            "QL0603", "inputs or weights contain NaN or infinity", "clean the data first"
        )
    return x, w
