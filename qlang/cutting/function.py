"""``CutFunction``: a quantum block evaluated through its cut pieces, a drop-in for
:class:`qlang.sim.QuantumFunction` (``forward``, ``vjp``, ``jacobian``).

Every subexperiment of the :class:`~qlang.cutting.plan.CutPlan` is a unitary circuit over
the model's inputs and weights, run batched by its own ``QuantumFunction`` (the
statevector engine; exact, or seeded shot estimates with ``shots``). The reconstruction
is the add-on's: Pauli ``j`` is ``sum_i c_i prod_pieces mean(results of j on the piece)``
over the terms ``i`` of the quasi-probability decomposition, and each model output is a
constant combination of Paulis. Gradients follow by linearity: the cotangent of piece
``p``'s result in term ``i`` is ``c_i`` times the other pieces' results, and each piece's
vector-Jacobian product is the simulator's own (adjoint without shots, parameter shift
with shots). The reconstruction is checked against ``reconstruct_expectation_values``
of the add-on in tests/unit/test_cutting.py.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Const, Weight
    >>> from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
    >>> from qlang.cutting.plan import CutSettings
    >>> ops = (Operation("ry", (0,), (Weight(0),)), Operation("cx", (0, 1)),
    ...        Operation("cx", (1, 2)))
    >>> c = Circuit(3, ops, weights=(ParamDecl("w", (1,), 0),))
    >>> zz = Observable((PauliTerm(Const(1.0), ((0, "Z"), (2, "Z"))),))
    >>> block = QuantumBlock("main", c, Readout("expval", (zz,)))
    >>> f = CutFunction(block, CutSettings(max_qubits=2))
    >>> x, w = np.zeros((1, 0)), np.array([0.3])
    >>> bool(np.allclose(f.forward(x, w), 1.0))
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qlang.cutting.plan import CutPlan, CutSettings, cached_plan, pauli_label
from qlang.ir import expr as E
from qlang.ir.model import QuantumBlock, Readout
from qlang.sim.arity import CircuitArity


def readout_matrix(block: QuantumBlock, paulis: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``(M, c)``: outputs ``= E_paulis @ M + c`` for an ``expval`` readout with constant
    coefficients (``c`` holds the identity terms)."""
    n = block.circuit.num_qubits
    index = {p: j for j, p in enumerate(paulis)}
    obs = block.readout.observables
    M = np.zeros((len(paulis), len(obs)))
    const = np.zeros(len(obs))
    for k, o in enumerate(obs):
        for t in o.terms:
            if not isinstance(t.coeff, E.Const):
                raise ValueError("cutting needs constant observable coefficients")
            if t.paulis:
                M[index[pauli_label(t, n)], k] += float(t.coeff.value)
            else:
                const[k] += float(t.coeff.value)
    return M, const


def cut_function(block: QuantumBlock, cutting: Any, factory: Any, kw: dict[str, Any]) -> Any:
    """The :class:`CutFunction` of ``block`` for ``target { cutting }``, its pieces made by
    ``factory`` with the run's settings ``kw`` (engine or execution backend, gradient,
    shots, seed); ``None`` when the block fits the pieces and runs uncut. A factory of a
    distributed run (:class:`qlang.distribute.blocks.RayFactory`) gives the
    :class:`~qlang.distribute.cutting.RayCutFunction`, whose subexperiments run on Ray."""
    from qlang.cutting.plan import settings_of

    settings = settings_of(cutting)
    if block.circuit.num_qubits <= settings.max_qubits:
        return None
    distributor = getattr(factory, "distributor", None)
    if distributor is not None:  # distribute = ray(...): the subexperiments run on Ray
        from qlang.distribute.cutting import RayCutFunction

        return RayCutFunction(block, settings, distributor=distributor, factory=factory.base, **kw)
    return CutFunction(block, settings, factory=factory, **kw)


class CutFunction(CircuitArity):
    """Outputs ``(B, num_outputs)`` of ``block`` reconstructed from its cut pieces."""

    def __init__(
        self,
        block: QuantumBlock,
        settings: CutSettings,
        *,
        gradient: str = "adjoint",
        dtype: str = "complex128",
        shots: int | None = None,
        seed: int | None = None,
        memory_budget: int | None = None,
        plan: CutPlan | None = None,
        factory: Any = None,
        **kw: Any,
    ):
        if factory is None:
            from qlang.sim import QuantumFunction as factory

        self.block = block
        self.circuit = block.circuit
        self.plan = plan if plan is not None else cached_plan(block, settings)
        self.M, self.const = readout_matrix(block, self.plan.paulis)
        self.shots = shots
        self.gradient = gradient
        self.rng = np.random.default_rng(seed)
        seeds = np.random.SeedSequence(seed).spawn(self.plan.num_subexperiments)
        #: per piece, per subexperiment: its block and the engine settings it runs with
        self.specs: dict[Any, list[tuple[QuantumBlock, dict[str, Any]]]] = {}
        k = 0
        for label, terms in self.plan.terms.items():
            specs = []
            for t in terms:
                sub = QuantumBlock(t.circuit.name, t.circuit, Readout("expval", t.observables))
                opts = {
                    "gradient": gradient,
                    "dtype": dtype,
                    "shots": shots,
                    "seed": int(seeds[k].generate_state(1)[0]),
                    **({"memory_budget": memory_budget} if memory_budget else {}),
                    **kw,
                }
                specs.append((sub, opts))
                k += 1
            self.specs[label] = specs
        self.fns: dict[Any, list[Any]] = self._functions(factory)
        self.last_stderr: np.ndarray | None = None

    def _functions(self, factory: Any) -> dict[Any, list[Any]]:
        """Every subexperiment's quantum function, built here (the serial path)."""
        return {
            label: [factory(sub, **opts) for sub, opts in specs]
            for label, specs in self.specs.items()
        }

    @property
    def num_outputs(self) -> int:
        return int(self.M.shape[1])

    # --- running the subexperiments (overridden to run them elsewhere: qlang.distribute) --
    def _values(self, x: np.ndarray, w: np.ndarray) -> dict[Any, list[np.ndarray]]:
        """Every subexperiment's outputs ``(B, observables)`` on the batch."""
        return {
            label: [np.asarray(f.forward(x, w), dtype=float) for f in fns]
            for label, fns in self.fns.items()
        }

    def _vjps(
        self, x: np.ndarray, w: np.ndarray, jobs: list[tuple[Any, int, np.ndarray]],
        input_grads: bool,
    ) -> list[tuple[np.ndarray, np.ndarray | None]]:  # fmt: skip
        """``(grad_weights, grad_inputs)`` of each ``(piece, subexperiment, cotangent)``."""
        out = []
        for label, k, cot in jobs:
            _, gw, gx = self.fns[label][k].vjp(x, w, cot, input_grads=input_grads)
            out.append((gw, gx))
        return out

    # --- reconstruction ---------------------------------------------------------------
    def _piece_values(self, results: dict[Any, list[np.ndarray]]) -> dict[Any, np.ndarray]:
        """``A[label]``: ``(terms, B, paulis)``, each Pauli's mean over its lookup."""
        out = {}
        for label, res in results.items():
            groups = self.plan.groups[label]
            lookup = self.plan.lookup[label]
            terms = len(res) // groups
            B = res[0].shape[0]
            A = np.empty((terms, B, len(lookup)))
            for i in range(terms):
                for j, where in enumerate(lookup):
                    A[i, :, j] = np.mean([res[i * groups + m][:, n] for m, n in where], axis=0)
            out[label] = A
        return out

    def _combine(self, A: dict[Any, np.ndarray]) -> np.ndarray:
        c = np.asarray(self.plan.coefficients)
        prod = np.prod(np.stack(list(A.values())), axis=0)  # (terms, B, paulis)
        return np.einsum("i,ibj->bj", c, prod)

    def _outputs(self, paulis: np.ndarray) -> np.ndarray:
        return paulis @ self.M + self.const

    def pauli_values(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The reconstructed expectation value of every Pauli of the plan, ``(B, paulis)``."""
        x = np.asarray(inputs, dtype=float)
        results = self._values(x, np.asarray(weights, dtype=float))
        return self._combine(self._piece_values(results))

    def forward(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return self._outputs(self.pauli_values(inputs, weights))

    # --- gradients --------------------------------------------------------------------
    def vjp(
        self,
        inputs: np.ndarray,
        weights: np.ndarray,
        cotangent: Any,
        *,
        input_grads: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(outputs, grad_weights, grad_inputs)`` of ``sum(cotangent * outputs)``."""
        x = np.asarray(inputs, dtype=float)
        w = np.asarray(weights, dtype=float)
        results = self._values(x, w)
        A = self._piece_values(results)
        out = self._outputs(self._combine(A))
        cot = cotangent(out) if callable(cotangent) else cotangent
        cot = np.asarray(cot, dtype=float).reshape(out.shape)
        g_paulis = cot @ self.M.T  # (B, paulis)
        c = np.asarray(self.plan.coefficients)
        labels = list(A)
        jobs: list[tuple[Any, int, np.ndarray]] = []
        for p, label in enumerate(labels):
            others = np.ones_like(A[label])
            for q, other in enumerate(labels):
                if q != p:
                    others = others * A[other]
            dA = c[:, None, None] * g_paulis[None] * others  # (terms, B, paulis)
            groups = self.plan.groups[label]
            for i in range(dA.shape[0]):
                cots = [np.zeros_like(results[label][i * groups + m]) for m in range(groups)]
                for j, where in enumerate(self.plan.lookup[label]):
                    for m, n in where:
                        cots[m][:, n] += dA[i, :, j] / len(where)
                jobs += [(label, i * groups + m, cots[m]) for m in range(groups) if np.any(cots[m])]
        gw = np.zeros(w.shape[0])
        gx = np.zeros(x.shape) if input_grads else None
        for gwi, gxi in self._vjps(x, w, jobs, input_grads):
            gw += gwi
            if gx is not None and gxi is not None:
                gx += gxi
        return out, gw, gx

    def jacobian(
        self, inputs: np.ndarray, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(outputs, J_w (B, n_out, n_w), J_x (B, n_out, n_in))``, one output at a time
        through :meth:`vjp` per sample row."""
        x = np.asarray(inputs, dtype=float)
        w = np.asarray(weights, dtype=float)
        out = self.forward(x, w)
        B, K = out.shape
        jw = np.zeros((B, K, w.shape[0]))
        jx = np.zeros((B, K, x.shape[1]))
        for b in range(B):
            for k in range(K):
                cot = np.zeros((1, K))
                cot[0, k] = 1.0
                _, gw, gx = self.vjp(x[b : b + 1], w, cot)
                jw[b, k] = gw
                jx[b, k] = gx[0] if gx is not None else 0.0
        return out, jw, jx
