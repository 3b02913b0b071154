"""Gate expansion for the OpenQASM importer: definitions, aliases and modifiers.

A gate application expands into *body ops* ``(name, params, qubits)``; the
name ``gphase`` stands for a global phase. ``ctrl``/``negctrl`` use the
single-control IR gates or exact decompositions (:mod:`qlang.targets.
qasm_prelude`), ``inv`` the IR inverse rules, ``pow(k)`` repetition.
:class:`~qlang.targets.qasm_lower.Lowerer` inherits these methods.

Example::

    >>> from qlang.targets.qasm_lower import Lowerer
    >>> from qlang.targets.qasm_parse import parse_reference
    >>> low = Lowerer(0, "")
    >>> low.run(parse_reference("OPENQASM 3.0; qubit[2] q; ctrl @ s q[0], q[1];"))
    >>> [(op.name, op.qubits) for op in low.ops]
    [('cp', (0, 1))]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from openqasm3 import ast
from qlang.targets.qasm_parse import gate_definitions
from qlang.targets.qasm_prelude import CONTROLLED, DECOMPOSITIONS, PRELUDE

from qlang.diagnostics import DiagnosticSink, did_you_mean
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import ALIASES, GATES, inverse_of
from qlang.ir.reference import unitary
from qlang.source import Span

BodyOp = tuple[str, tuple[E.Expr, ...], tuple[int, ...]]
_EXTRA_ALIASES = {"U": "u", "CX": "cx"}


class Skip(Exception):
    """A diagnostic was recorded; abandon the current statement."""


class GateExpander:
    """Spans, diagnostics and gate expansion shared by the importer's lowering."""

    def __init__(self, source_id: int, text: str):
        self.source_id = source_id
        self._starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        self.sink = DiagnosticSink()
        self.gates: dict[str, ast.QuantumGateDefinition] = {}
        self._kept_as_ir: dict[str, bool] = {}

    if TYPE_CHECKING:  # provided by Lowerer

        def expr(self, node: ast.Expression, env: dict[str, object]) -> E.Expr: ...
        def const_int(self, node: ast.Expression, env: dict[str, object]) -> int: ...
        def qubits(self, node: ast.QASMNode, env: dict[str, object]) -> list[int]: ...
        def broadcast(
            self, operands: list[list[int]], node: ast.QASMNode
        ) -> list[tuple[int, ...]]: ...

    # --- spans and errors -------------------------------------------------
    def span(self, node: ast.QASMNode | None) -> Span | None:
        s = getattr(node, "span", None)
        if s is None:
            return None
        line = max(1, min(s.start_line, len(self._starts)))
        end_line = max(1, min(s.end_line, len(self._starts)))
        start = self._starts[line - 1] + s.start_column
        end = self._starts[end_line - 1] + s.end_column + 1
        return Span(self.source_id, start, max(start, end))

    def fail(
        self, code: str, message: str, node: ast.QASMNode | None, help: str | None = None
    ) -> Skip:
        """Record an error diagnostic; the caller raises the returned :class:`Skip`."""
        self.sink.error(code, message, self.span(node), help=help)
        return Skip(code)

    def modified(
        self,
        name: str,
        params: tuple[E.Expr, ...],
        qubits: tuple[int, ...],
        modifiers: list,
        node: ast.QASMNode,
        env: dict[str, object],
    ) -> list[BodyOp]:
        n_ctrl = 0
        plan: list[tuple[str, int]] = []
        for m in modifiers:
            kind = m.modifier.name
            if kind in ("ctrl", "negctrl"):
                k = 1 if m.argument is None else self.const_int(m.argument, env)
                if k < 1:
                    raise self.fail("QL0510", "a control count must be at least 1", m)
                n_ctrl += k
                plan.append((kind, k))
            elif kind == "pow":
                e = self.expr(m.argument, env)
                v = E.const_value(e) if E.is_constant(e) else math.nan
                if not float(v).is_integer():
                    raise self.fail(
                        "QL0510",
                        "only integer powers of gates are supported",
                        m,
                        help="write the gate with a scaled angle instead of `pow`",
                    )
                plan.append(("pow", int(v)))
            else:
                plan.append(("inv", 0))
        if n_ctrl > len(qubits):
            raise self.fail(
                "QL0504", f"`{name}` has {n_ctrl} controls but only {len(qubits)} qubits", node
            )
        ops = self.base_gate(name, params, qubits[n_ctrl:], node)
        cursor = n_ctrl
        for kind, arg in reversed(plan):
            if kind in ("ctrl", "negctrl"):
                k = arg
                ctrls = qubits[cursor - k : cursor]
                cursor -= k
                for c in reversed(ctrls):
                    ops = self.control(ops, c, node)
                    if kind == "negctrl":
                        ops = [("x", (), (c,)), *ops, ("x", (), (c,))]
            elif kind == "inv":
                ops = self.inverse(ops, node)
            else:
                k = arg
                base = ops if k >= 0 else self.inverse(ops, node)
                ops = base * abs(k)
        return ops

    def base_gate(
        self,
        name: str,
        params: tuple[E.Expr, ...],
        qubits: tuple[int, ...],
        node: ast.QASMNode,
        depth: int = 0,
    ) -> list[BodyOp]:
        if depth > 64:
            raise self.fail(
                "QL0507", f"gate `{name}` is nested too deeply (recursive definition?)", node
            )
        if name == "gphase":
            self.arity(name, params, qubits, 1, 0, node)
            return [("gphase", params, ())]
        if name in self.gates and not self.kept_as_ir(name):
            return self.inline(self.gates[name], params, qubits, node, depth)
        ir_name = _EXTRA_ALIASES.get(name, ALIASES.get(name, name))
        gd = GATES.get(ir_name)
        if gd is not None:
            if gd.num_qubits == 0:
                self.arity(name, params, qubits, 0, max(1, len(qubits)), node)
            else:
                self.arity(name, params, qubits, gd.num_params, gd.num_qubits, node)
            return [(ir_name, params, qubits)]
        prelude = gate_definitions(PRELUDE)
        if name in prelude:
            return self.inline(prelude[name], params, qubits, node, depth)
        known = set(GATES) | set(ALIASES) | set(prelude) | set(self.gates)
        raise self.fail(
            "QL0503",
            f"unknown gate `{name}`",
            node,
            help=did_you_mean(name, known) or "define it with `gate` before use",
        )

    def arity(
        self,
        name: str,
        params: tuple,
        qubits: tuple,
        n_params: int,
        n_qubits: int,
        node: ast.QASMNode,
    ) -> None:
        if len(params) != n_params or len(qubits) != n_qubits:
            raise self.fail(
                "QL0504",
                f"`{name}` takes {n_params} parameters and {n_qubits} qubits, "
                f"found {len(params)} and {len(qubits)}",
                node,
            )

    def inline(
        self,
        gdef: ast.QuantumGateDefinition,
        params: tuple[E.Expr, ...],
        qubits: tuple[int, ...],
        node: ast.QASMNode,
        depth: int,
    ) -> list[BodyOp]:
        name = gdef.name.name
        self.arity(name, params, qubits, len(gdef.arguments), len(gdef.qubits), node)
        env: dict[str, object] = {a.name: p for a, p in zip(gdef.arguments, params, strict=True)}
        env.update({q.name: i for q, i in zip(gdef.qubits, qubits, strict=True)})
        out: list[BodyOp] = []
        for s in gdef.body:
            if isinstance(s, ast.QuantumGate):
                sub_q = [self.qubits(q, env) for q in s.qubits]
                sub_p = tuple(self.expr(a, env) for a in s.arguments)
                for qs in self.broadcast(sub_q, s):
                    if s.modifiers:
                        out += self.modified(s.name.name, sub_p, qs, s.modifiers, node, env)
                    else:
                        out += self.base_gate(s.name.name, sub_p, qs, node, depth + 1)
            elif isinstance(s, ast.QuantumPhase):
                theta = (self.expr(s.argument, env),)
                qs = tuple(q for o in s.qubits for q in self.qubits(o, env))
                out += self.modified("gphase", theta, qs, s.modifiers, node, env)
            elif isinstance(s, ast.QuantumBarrier):
                continue
            else:
                raise self.fail(
                    "QL0507", f"unsupported statement `{type(s).__name__}` in gate `{name}`", node
                )
        return out

    def kept_as_ir(self, name: str) -> bool:
        """An in-file definition of an IR gate name is kept as the IR gate if unitaries match."""
        if name not in self._kept_as_ir:
            self._kept_as_ir[name] = self._same_as_ir(name)
        return self._kept_as_ir[name]

    def _same_as_ir(self, name: str) -> bool:
        ir_name = _EXTRA_ALIASES.get(name, ALIASES.get(name, name))
        gd = GATES.get(ir_name)
        gdef = self.gates[name]
        if gd is None or not gd.num_qubits or gd.num_qubits != len(gdef.qubits):
            return False
        if gd.num_params != len(gdef.arguments):
            return False
        n = gd.num_qubits
        rng = np.random.default_rng(7)
        vals = tuple(E.Const(float(v)) for v in rng.uniform(-3, 3, gd.num_params))
        saved = self._kept_as_ir[name] = False
        try:
            mark = len(self.sink.diagnostics)
            body = self.inline(gdef, vals, tuple(range(n)), gdef, 0)
        except Skip:
            del self.sink.diagnostics[mark:]
            return saved
        phase = sum((p[0] for nm, p, _ in body if nm == "gphase"), E.ZERO)
        ops = tuple(Operation(nm, q, p) for nm, p, q in body if nm != "gphase")
        mine = unitary(Circuit(n, ops, global_phase=E.simplify(phase)))
        ref = unitary(Circuit(n, (Operation(ir_name, tuple(range(n)), vals),)))
        return bool(np.allclose(mine, ref, atol=1e-9))

    def control(self, ops: list[BodyOp], c: int, node: ast.QASMNode) -> list[BodyOp]:
        out: list[BodyOp] = []
        decomps = gate_definitions(DECOMPOSITIONS)
        for name, params, qubits in ops:
            if c in qubits:
                raise self.fail("QL0516", "a control qubit is also a target", node)
            if name == "gphase":
                out.append(("p", params, (c,)))
            elif name == "barrier":
                continue
            elif name in CONTROLLED:
                out.append((CONTROLLED[name], params, (c, *qubits)))
            elif name in decomps:
                body = self.inline(decomps[name], params, qubits, node, 0)
                out += self.control(body, c, node)
            else:
                raise self.fail("QL0510", f"cannot control `{name}`", node)
        return out

    def inverse(self, ops: list[BodyOp], node: ast.QASMNode) -> list[BodyOp]:
        out: list[BodyOp] = []
        for name, params, qubits in reversed(ops):
            if name == "gphase":
                out.append((name, (E.neg(params[0]),), qubits))
                continue
            try:
                inv_name, inv_params = inverse_of(name, params)
            except ValueError:
                raise self.fail("QL0510", f"cannot invert `{name}`", node) from None
            out.append((inv_name, tuple(inv_params), qubits))
        return out

    # --- control flow -----------------------------------------------------
