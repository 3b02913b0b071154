"""A quantum block run on an execution backend, as a differentiable batched function.

:class:`BackendFunction` has the interface of :class:`qlang.sim.QuantumFunction`
(``forward``, ``vjp``, ``jacobian``, ``last_stderr``), so training, evaluation and
prediction run on a backend unchanged. Every call is **one job**: the forward pass of a
data batch is one array of angle values; a gradient stacks the batch and every
parameter-shift point (or the SPSA / finite-difference points) into that same array.

The catalog's backend entries (``aer``, ``fake``, ``ibm``, ``tket``) name the factories
at the bottom of this module.

Example::

    >>> import numpy as np
    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Const, Weight
    >>> from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
    >>> c = Circuit(1, (Operation("ry", (0,), (Weight(0),)),), weights=(ParamDecl("w", (1,), 0),))
    >>> z = Observable((PauliTerm(Const(1.0), ((0, "Z"),)),))
    >>> qf = aer(QuantumBlock("main", c, Readout("expval", (z,))), seed=1)
    >>> out, gw, gx = qf.vjp(np.zeros((1, 0)), np.array([0.3]), np.ones((1, 1)))
    >>> bool(np.isclose(out[0, 0], np.cos(0.3))), bool(np.isclose(gw[0], -np.sin(0.3)))
    (True, True)
    >>> len(qf.backend.jobs)
    1
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qlang.backends.base import QiskitBackend
from qlang.backends.isa import error
from qlang.ir import expr as E
from qlang.ir.model import QuantumBlock
from qlang.sim import gradients as G
from qlang.sim.arity import CircuitArity
from qlang.sim.function import METHODS
from qlang.sim.gatelib import shift_rule
from qlang.targets.measure import measurement


class BackendFunction(CircuitArity):
    """Outputs ``(B, num_outputs)`` of ``block`` evaluated on ``backend``."""

    engine = "backend"

    def __init__(
        self,
        block: QuantumBlock,
        backend: QiskitBackend,
        *,
        gradient: str = "auto",
        shots: int | None = None,
        seed: int | None = None,
        noise: Any = None,
        dtype: str = "complex128",
        memory_budget: int | None = None,
        spsa_step: float = 0.01,
        spsa_samples: int = 1,
        fd_step: float = 1e-2,
        mitigation: tuple[Any, ...] = (),
        twirl_seed: int = 0,
    ):
        if noise:
            if not hasattr(backend, "with_noise"):
                raise error(
                    "QL0707",
                    f"`noise` is not applied on `{backend.spec}`: the backend runs its own noise",
                    "use `aer(...)` or the embedded engines for hand-written noise, or `fake(...)`",
                )
            backend.with_noise(noise)
        method = METHODS.get(gradient)
        if method is None or method == "adjoint":
            raise error(
                "QL0707",
                f"gradient `{gradient}` cannot run on `{backend.spec}`",
                "use `gradient = parameter_shift`, `spsa` or `finite_diff`",
            )
        self.gradient = "parameter-shift" if method == "auto" else method
        if shots is not None and not getattr(backend, "samples", True):
            raise error(
                "QL0707",
                f"`{backend.spec}` computes exact expectations: `shots = {shots}` would not be used",
                'drop `shots`, or sample on `tket("AerBackend")`',
            )
        if shots is None and not backend.exact:
            shots = backend.default_shots
        self.block = block
        self.circuit = block.circuit
        self.n = block.circuit.num_qubits
        self.backend = backend
        self.shots = shots
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.spsa_step, self.spsa_samples, self.fd_step = spsa_step, spsa_samples, fd_step
        self.measurement = measurement(block.readout, self.n)
        self.prepared = backend.prepare(block.circuit, self.measurement)
        self.slots = self.prepared.slots
        self.last_stderr: np.ndarray | None = None
        self._mitigate(tuple(mitigation), twirl_seed)

    # --- mitigation: folded and twirled copies of the ISA circuit in the same job ---------
    def _mitigate(self, calls: tuple[Any, ...], twirl_seed: int) -> None:
        from qlang.sim.noise_mitigation import ZNE, ReadoutMitigation, Twirling, methods

        found = methods(calls) if calls else []
        self.runtime_options: dict[str, Any] | None = None
        if any(m.via == "runtime" for m in found):
            self._mitigate_via_runtime(calls, found)
            found = []
        self.zne = next((m for m in found if isinstance(m, ZNE)), None)
        twirl = next((m for m in found if isinstance(m, Twirling)), None)
        self.readout_mitigation = any(isinstance(m, ReadoutMitigation) for m in found)
        self.scales: tuple[float, ...] = self.zne.scales if self.zne is not None else (1.0,)
        self.variants = [[self.prepared]]
        if not found:
            return
        if self.shots is None or not hasattr(self.backend, "estimate_many"):
            raise error(
                "QL0707",
                f"`mitigation` cannot run on `{self.backend.spec}`",
                "mitigate on a sampling Qiskit backend: fake(...) or ibm(...)",
            )
        from qlang.passes.basis.translate import BasisTranslation
        from qlang.passes.mitigation.folding import folded
        from qlang.passes.mitigation.twirling import PauliTwirl

        basis = self.backend.info.basis
        sc = self.prepared.circuit
        # Aer under hand-written noise runs the gates as written (each channel follows the
        # model's gates, and the folded / twirled gates of every copy, as on the embedded
        # engines): no translation, and one noise model covering every copy
        as_written = hasattr(self.backend, "with_noise") and bool(getattr(self.backend, "noise", None))
        self.variants = []
        for scale in self.scales:
            c = sc if scale == 1.0 else folded(
                sc, scale, self.zne.folding if self.zne else "global", self.zne.gates if self.zne else ()
            )  # fmt: skip
            row = []
            for t in range(twirl.samples if twirl is not None else 1):
                ct = PauliTwirl(seed=int(twirl_seed) * 7919 + t).run(c).circuit if twirl else c
                if ct is sc:
                    row.append(self.prepared)
                    continue
                if not as_written:
                    ct = BasisTranslation(basis=basis).run(ct).circuit
                row.append(self.backend.variant(self.prepared, ct, check=not as_written))
            self.variants.append(row)
        if as_written:
            from dataclasses import replace as _replace

            from qlang.sim.noise_qiskit import to_aer

            every = [op for row in self.variants for p in row for op in p.circuit.ops]
            self.backend.noise_model = to_aer(  # type: ignore[attr-defined]
                self.backend.noise, _replace(sc, ops=tuple(every))  # type: ignore[attr-defined]
            )

    def _mitigate_via_runtime(self, calls: tuple[Any, ...], found: list[Any]) -> None:
        """``via = runtime``: the backend's Runtime EstimatorV2 mitigates (QL0709 where
        there is none, or for a list that mixes ``via``)."""
        from qlang.backends.resilience import estimator_options, runtime_options

        if any(m.via != "runtime" for m in found):
            raise error(
                "QL0709",
                "`mitigation` mixes `via = runtime` and `via = qlang`",
                "give every method of the list the same `via`",
            )
        impl = getattr(type(self.backend), "estimate_runtime", None)
        if impl is None or impl is QiskitBackend.estimate_runtime:
            raise error(
                "QL0709",
                f"`via = runtime` needs `backend = ibm(...)`, not `{self.backend.spec}`",
                "use `via = qlang` (the default)",
            )
        shots = int(self.shots or self.backend.default_shots)
        self.shots = shots
        options = runtime_options(calls, shots)
        assert options is not None  # some method runs via the Runtime
        estimator_options(options)  # the Runtime validates them before any job
        self.runtime_options = options

    @property
    def num_outputs(self) -> int:
        return int(self.block.readout.num_outputs)


    @property
    def jobs(self) -> list[str]:
        return self.backend.jobs

    # --- evaluation -------------------------------------------------------------------
    def _normalize(self, inputs: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from qlang.sim.simulator import bad_input

        x = np.asarray(inputs, dtype=float)
        x = x.reshape(x.shape[0] if x.ndim else 1, -1) if x.size else np.zeros((len(x), 0))
        w = np.asarray(weights, dtype=float).reshape(-1)
        if x.shape[1] != self.num_inputs or w.shape[0] != self.num_weights:
            raise bad_input(
                "QL0603",
                f"expected inputs (B, {self.num_inputs}) and {self.num_weights} weights, got "
                f"{x.shape} and {w.shape[0]}",
                "pass one column per input feature and one value per weight",
            )
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))):
            raise bad_input("QL0603", "inputs or weights are not finite", "clean NaN/inf")
        return x, w

    def _run(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Outputs and standard errors for rows of slot values: one backend job (with
        mitigation: every folded / twirled copy and the readout calibration in it too)."""
        m = self.measurement
        if self.runtime_options is not None:
            est = self.backend.estimate_runtime(self.prepared, values, self.runtime_options)
            return m.outputs(est.values), np.sqrt((est.stderr**2) @ (m.matrix**2).T)
        if len(self.variants) == 1 and len(self.variants[0]) == 1 and not self.readout_mitigation:
            est = self.backend.estimate(self.prepared, values, self.shots)
            return m.outputs(est.values), np.sqrt((est.stderr**2) @ (m.matrix**2).T)
        from qlang.sim.noise_mitigation import extrapolate

        parts = [p for row in self.variants for p in row]
        ests = iter(
            self.backend.estimate_many(parts, values, int(self.shots or 0), self.readout_mitigation)  # type: ignore[attr-defined]
        )
        means, variances = [], []
        for row in self.variants:
            got = [next(ests) for _ in row]
            outs = [m.outputs(e.values) for e in got]
            var = [(e.stderr**2) @ (m.matrix**2).T for e in got]
            means.append(np.mean(outs, axis=0))
            variances.append(np.sum(var, axis=0) / len(row) ** 2)
        per = np.stack(means)
        if self.zne is None:
            return per[0], np.sqrt(variances[0])
        z = self.zne
        y0, dy = extrapolate(self.scales, per, z.extrapolation, z.order, z.asymptote)
        return y0, np.sqrt(np.sum(dy**2 * np.stack(variances), axis=0))

    def forward(self, inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Outputs ``(B, num_outputs)`` (shot estimates when sampled)."""
        x, w = self._normalize(inputs, weights)
        out, err = self._run(self.slots.values(x, w))
        self.last_stderr = err if self.shots is not None else None
        return out

    def _trainable(self) -> np.ndarray:
        """Which weights train (a frozen declaration or block: no gradient)."""
        mask = np.ones(self.num_weights, dtype=bool)
        for d in self.circuit.weights:
            if d.frozen or self.block.frozen:
                mask[d.offset : d.offset + d.size] = False
        return mask

    def _shifted(self, s: int, input_grads: bool, trainable: np.ndarray) -> bool:
        """Whether slot ``s`` needs parameter-shift points: it depends on a trainable
        weight, or on an input when the input gradient is wanted."""
        for sym in self.slots.slot_symbols[s]:
            if isinstance(sym, E.Weight) and trainable[sym.index]:
                return True
            if input_grads and isinstance(sym, E.Input):
                return True
        return False

    def _points(
        self, x: np.ndarray, w: np.ndarray, input_grads: bool = True
    ) -> tuple[np.ndarray, list[Any]]:
        """Slot values of the batch followed by every gradient point, and what each
        block of ``B`` rows stands for. Parameter shift shifts only the angles that
        depend on a trainable weight (or on an input, with ``input_grads``)."""
        base = self.slots.values(x, w)
        blocks: list[np.ndarray] = [base]
        tags: list[Any] = []
        if self.gradient == "parameter-shift":
            trainable = self._trainable()
            for s in range(len(self.slots)):
                if not self._shifted(s, input_grads, trainable):
                    continue
                for coeff, shift in shift_rule(self.slots.gates[s]):
                    v = base.copy()
                    v[:, s] += shift
                    blocks.append(v)
                    tags.append((s, coeff))
        elif self.gradient == "spsa":
            for _ in range(self.spsa_samples):
                dw = self.rng.choice([-1.0, 1.0], size=w.shape)
                dx = self.rng.choice([-1.0, 1.0], size=x.shape)
                h = self.spsa_step
                blocks += [
                    self.slots.values(x + h * dx, w + h * dw),
                    self.slots.values(x - h * dx, w - h * dw),
                ]
                tags.append((dw, dx))
        else:  # finite differences
            h = self.fd_step
            for i in range(w.shape[0]):
                e = np.zeros_like(w)
                e[i] = h
                blocks += [self.slots.values(x, w + e), self.slots.values(x, w - e)]
                tags.append(("w", i))
            for i in range(x.shape[1]):
                e = np.zeros_like(x)
                e[:, i] = h
                blocks += [self.slots.values(x + e, w), self.slots.values(x - e, w)]
                tags.append(("x", i))
        return np.concatenate(blocks), tags

    def jacobian(
        self, inputs: np.ndarray, weights: np.ndarray, *, input_grads: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(outputs, J_w (B, n_out, n_w), J_x (B, n_out, n_in))`` from one job; frozen
        weights get zero columns, and so do the inputs without ``input_grads`` (with
        parameter shift their angles are then not shifted at all)."""
        x, w = self._normalize(inputs, weights)
        b = x.shape[0]
        rows, tags = self._points(x, w, input_grads)
        out_all, err = self._run(rows)
        out = out_all[:b]
        self.last_stderr = err[:b] if self.shots is not None else None
        k_out = out.shape[1]
        jw = np.zeros((b, k_out, w.shape[0]))
        jx = np.zeros((b, k_out, x.shape[1]))
        if self.gradient == "parameter-shift":
            derivs: dict[int, np.ndarray] = {}
            for j, (s, c) in enumerate(tags):
                part = c * out_all[(j + 1) * b : (j + 2) * b]
                derivs[s] = derivs[s] + part if s in derivs else part
            for k in range(k_out):
                grads = {s: d[:, k] for s, d in derivs.items()}
                gw, gx = G.chain_rule(self.slots, grads, x, w, per_sample=True)  # type: ignore[arg-type]
                jw[:, k, :], jx[:, k, :] = gw, gx
            jw[:, :, ~self._trainable()] = 0.0
            if not input_grads:
                jx[:] = 0.0
        elif self.gradient == "spsa":
            h = self.spsa_step
            for j, (dw, dx) in enumerate(tags):
                plus = out_all[(1 + 2 * j) * b : (2 + 2 * j) * b]
                minus = out_all[(2 + 2 * j) * b : (3 + 2 * j) * b]
                diff = (plus - minus) / (2 * h)
                jw += diff[:, :, None] * dw[None, None, :]
                jx += diff[:, :, None] * dx[:, None, :]
            jw /= len(tags)
            jx /= len(tags)
        else:
            h = self.fd_step
            for j, (kind, i) in enumerate(tags):
                plus = out_all[(1 + 2 * j) * b : (2 + 2 * j) * b]
                minus = out_all[(2 + 2 * j) * b : (3 + 2 * j) * b]
                target = jw if kind == "w" else jx
                target[:, :, i] = (plus - minus) / (2 * h)
        return out, jw, jx

    def vjp(
        self, inputs: np.ndarray, weights: np.ndarray, cotangent: G.Cotangent, *,
        input_grads: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:  # fmt: skip
        """``(outputs, grad_weights, grad_inputs)`` of ``sum(cot * out)`` from one job
        (``grad_inputs`` is ``None`` without ``input_grads``: a first layer's data)."""
        out, jw, jx = self.jacobian(inputs, weights, input_grads=input_grads)
        c = G.resolve_cotangent(cotangent, out)
        gx = np.einsum("bk,bkx->bx", c, jx) if input_grads else None
        return out, np.einsum("bk,bkw->w", c, jw), gx


# --- the catalog's backend factories -------------------------------------------------------
def _spec(entry: str, **values: Any) -> str:
    from qlang.catalog.schema import value_text
    from qlang.ir.model import Call

    return value_text(Call(entry, (), tuple((k, v) for k, v in values.items() if v is not None)))


def aer(block: QuantumBlock, values: dict[str, Any] | None = None, **kw: Any) -> BackendFunction:
    """``backend = aer(method = ...)`` (``values``: the bound catalog arguments)."""
    from qlang.backends.aer import AerBackend

    method = (values or {}).get("method", "automatic")
    backend = AerBackend(_spec("aer", method=method), method=method, seed=kw.get("seed"))
    return BackendFunction(block, backend, **kw)


def fake(block: QuantumBlock, values: dict[str, Any], **kw: Any) -> BackendFunction:
    """``backend = fake("sherbrooke", noise = true)``."""
    from qlang.backends.fake import FakeBackend

    name, noise = values["name"], values.get("noise", True)
    spec = _spec("fake", name=name, noise=noise)
    backend = FakeBackend(spec, name=name, noise=noise, seed=kw.get("seed"))
    return BackendFunction(block, backend, **kw)


def ibm(block: QuantumBlock, values: dict[str, Any], **kw: Any) -> BackendFunction:
    """``backend = ibm("ibm_torino", instance = ...)``."""
    from qlang.backends.ibm import IBMBackend

    name, instance = values["name"], values.get("instance")
    channel, mode = values.get("channel"), values.get("mode", "batch")
    spec = _spec("ibm", name=name, instance=instance)
    backend = IBMBackend(
        spec, name=name, instance=instance, channel=channel, mode=mode, seed=kw.get("seed")
    )
    return BackendFunction(block, backend, **kw)


def tket(block: QuantumBlock, values: dict[str, Any] | None = None, **kw: Any) -> BackendFunction:
    """``backend = tket("AerBackend")``."""
    from qlang.backends.tket import TketBackend

    name = (values or {}).get("name", "AerBackend")
    level = (values or {}).get("optimisation_level")
    backend = TketBackend(_spec("tket", name=name, optimisation_level=level), name=name,
                          seed=kw.get("seed"), optimisation_level=level)  # fmt: skip
    return BackendFunction(block, backend, **kw)  # type: ignore[arg-type]
