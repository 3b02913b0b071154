"""Lower an ``openqasm3`` reference AST to circuit-IR operations.

Used by :mod:`qlang.targets.qasm_import`; see there for what is supported.
Declarations, expressions, operands, measurements, conditions and loops live
here; gate definitions and modifiers in :mod:`qlang.targets.qasm_gates`.

Example::

    >>> prog = parse_reference("OPENQASM 3.0; qubit[1] q; inv @ s q[0];")
    >>> low = Lowerer(0, "")
    >>> low.run(prog)
    >>> [op.name for op in low.ops]
    ['sdg']
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from openqasm3 import ast
from qlang.targets.qasm_gates import GateExpander, Skip
from qlang.targets.qasm_parse import ParseFailure, parse_reference

from qlang.ir import expr as E
from qlang.ir.circuit import Condition, Operation

__all__ = ["Lowerer", "ParseFailure", "merge_conditions", "parse_reference"]

_KNOWN_INCLUDES = {"stdgates.inc", "qelib1.inc"}
_CONSTANTS = {"pi": math.pi, "π": math.pi, "tau": 2 * math.pi, "τ": 2 * math.pi,
              "euler": math.e, "ℇ": math.e}  # fmt: skip
_FUNCS = {"sin", "cos", "tan", "arcsin", "arccos", "arctan", "exp", "log", "sqrt"}
MAX_OPS = 5_000_000
MAX_LOOP = 1_000_000


@dataclass
class _Reg:
    offset: int
    size: int
    scalar: bool


class Lowerer(GateExpander):
    """Walks a program, collecting operations, registers, inputs and diagnostics."""

    def __init__(self, source_id: int, text: str):
        super().__init__(source_id, text)
        self.ops: list[Operation] = []
        self.phase: E.Expr = E.ZERO
        self.qregs: dict[str, _Reg] = {}
        self.cregs: dict[str, _Reg] = {}
        self.num_qubits = 0
        self.num_clbits = 0
        self.physical = False
        self.input_names: list[str] = []
        self.values: dict[str, E.Expr] = {}
        self._dynamic = 0

    # --- program ----------------------------------------------------------
    def run(self, program: ast.Program) -> None:
        self.block(program.statements, None, {})

    def block(self, stmts: list, cond: Condition | None, env: dict[str, object]) -> None:
        for stmt in stmts:
            try:
                self.statement(stmt, cond, env)
            except Skip:
                continue
            if len(self.ops) > MAX_OPS:
                self.sink.error(
                    "QL0517",
                    f"the program expands to more than {MAX_OPS} operations",
                    self.span(stmt),
                    help="import a smaller program",
                )
                return

    def statement(self, s: ast.Statement, cond: Condition | None, env: dict[str, object]) -> None:
        if isinstance(s, ast.Include):
            if s.filename not in _KNOWN_INCLUDES:
                raise self.fail(
                    "QL0502",
                    f"cannot include `{s.filename}`",
                    s,
                    help="only `stdgates.inc` and `qelib1.inc` are known; paste the "
                    "definitions into the file",
                )
        elif isinstance(s, ast.QubitDeclaration):
            self.declare_qubits(s)
        elif isinstance(s, ast.ClassicalDeclaration):
            self.declare_classical(s, env)
        elif isinstance(s, ast.ConstantDeclaration):
            self.define_value(s.identifier.name, self.expr(s.init_expression, env), s)
        elif isinstance(s, ast.IODeclaration):
            self.declare_io(s)
        elif isinstance(s, ast.QuantumGateDefinition):
            name = s.name.name
            if name in self.gates:
                raise self.fail("QL0512", f"gate `{name}` is defined twice", s)
            self.gates[name] = s
        elif isinstance(s, ast.QuantumGate):
            self.gate_statement(s, cond, env)
        elif isinstance(s, ast.QuantumPhase):
            self.phase_statement(s, cond, env)
        elif isinstance(s, ast.QuantumMeasurementStatement):
            self.measure(s, cond, env)
        elif isinstance(s, ast.QuantumReset):
            for q in self.qubits(s.qubits, env):
                self.emit("reset", (), (q,), cond, s)
        elif isinstance(s, ast.QuantumBarrier):
            qs = [q for operand in s.qubits for q in self.qubits(operand, env)]
            self.emit(
                "barrier", (), tuple(dict.fromkeys(qs)) or tuple(range(self.num_qubits)), None, s
            )
        elif isinstance(s, ast.BranchingStatement):
            self.branch(s, cond, env)
        elif isinstance(s, ast.ForInLoop):
            self.loop(s, cond, env)
        elif isinstance(s, ast.ClassicalAssignment):
            self.assign(s, env)
        elif isinstance(s, (ast.Pragma, ast.CalibrationGrammarDeclaration)):
            return
        else:
            kind = type(s).__name__
            raise self.fail(
                "QL0507",
                f"unsupported statement `{kind}`",
                s,
                help="qlang imports gates, measurements, resets, barriers, `if` on "
                "bits and `for` loops; rewrite the program without it",
            )

    # --- declarations -----------------------------------------------------
    def declare_qubits(self, s: ast.QubitDeclaration) -> None:
        name = s.qubit.name
        if name in self.qregs or name in self.cregs:
            raise self.fail("QL0512", f"`{name}` is declared twice", s)
        if self.physical:
            raise self.fail("QL0507", "cannot mix declared and physical (`$n`) qubits", s)
        size = 1 if s.size is None else self.const_int(s.size, {})
        self.qregs[name] = _Reg(self.num_qubits, size, s.size is None)
        self.num_qubits += size

    def declare_classical(self, s: ast.ClassicalDeclaration, env: dict[str, object]) -> None:
        name = s.identifier.name
        if isinstance(s.type, ast.BitType):
            if name in self.cregs or name in self.qregs:
                raise self.fail("QL0512", f"`{name}` is declared twice", s)
            if s.init_expression is not None:
                raise self.fail(
                    "QL0507",
                    "bit initialisers are not supported",
                    s,
                    help="declare the bits without a value; they start at 0",
                )
            size = 1 if s.type.size is None else self.const_int(s.type.size, env)
            self.cregs[name] = _Reg(self.num_clbits, size, s.type.size is None)
            self.num_clbits += size
            return
        if isinstance(
            s.type, (ast.IntType, ast.UintType, ast.FloatType, ast.AngleType, ast.BoolType)
        ):
            if isinstance(s.init_expression, ast.QuantumMeasurement):
                raise self.fail("QL0507", "a measurement can only be stored in a bit", s)
            init = E.ZERO if s.init_expression is None else self.expr(s.init_expression, env)
            self.define_value(name, init, s)
            return
        raise self.fail("QL0507", f"unsupported classical type `{type(s.type).__name__}`", s)

    def define_value(self, name: str, value: E.Expr, node: ast.QASMNode) -> None:
        if name in self.values and isinstance(node, ast.ConstantDeclaration):
            raise self.fail("QL0512", f"`{name}` is declared twice", node)
        self.values[name] = value

    def declare_io(self, s: ast.IODeclaration) -> None:
        name = s.identifier.name
        if s.io_identifier != ast.IOKeyword.input:
            raise self.fail(
                "QL0507",
                "`output` declarations are not supported",
                s,
                help="remove the declaration; measured bits are the circuit's output",
            )
        if not isinstance(s.type, (ast.FloatType, ast.AngleType)):
            raise self.fail(
                "QL0514",
                f"input `{name}` must be a `float` or `angle`",
                s,
                help="declare circuit parameters as `input float[64] name;`",
            )
        if name in self.values:
            raise self.fail("QL0512", f"`{name}` is declared twice", s)
        self.values[name] = E.Input(len(self.input_names))
        self.input_names.append(name)

    def assign(self, s: ast.ClassicalAssignment, env: dict[str, object]) -> None:
        target = s.lvalue
        if not isinstance(target, ast.Identifier) or target.name not in self.values:
            raise self.fail(
                "QL0507", "only assignments to classical scalar variables are supported", s
            )
        if self._dynamic or isinstance(self.values[target.name], E.Input):
            raise self.fail(
                "QL0507",
                "assignment depends on run-time values",
                s,
                help="only compile-time classical computation can be imported",
            )
        rhs = self.expr(s.rvalue, env)
        old = self.values[target.name]
        op = s.op.name
        table: dict[str, Callable[[E.Expr, E.Expr], E.Expr]] = {
            "=": lambda a, b: b, "+=": E.add, "-=": E.sub, "*=": E.mul, "/=": E.div,
        }  # fmt: skip
        if op not in table:
            raise self.fail("QL0508", f"unsupported assignment operator `{op}`", s)
        self.values[target.name] = table[op](old, rhs)

    # --- expressions ------------------------------------------------------
    def expr(self, node: ast.Expression, env: dict[str, object]) -> E.Expr:
        if isinstance(node, (ast.IntegerLiteral, ast.FloatLiteral)):
            return E.Const(float(node.value))
        if isinstance(node, ast.BooleanLiteral):
            return E.Const(1.0 if node.value else 0.0)
        if isinstance(node, ast.Identifier):
            name = node.name
            if name in env and isinstance(env[name], E.Expr):
                return env[name]  # type: ignore[return-value]
            if name in self.values:
                return self.values[name]
            if name in _CONSTANTS:
                return E.Const(_CONSTANTS[name])
            raise self.fail("QL0505", f"undefined identifier `{name}`", node)
        if isinstance(node, ast.UnaryExpression):
            if node.op.name == "-":
                return E.neg(self.expr(node.expression, env))
            raise self.fail("QL0508", f"unsupported operator `{node.op.name}` in an angle", node)
        if isinstance(node, ast.BinaryExpression):
            a, b = self.expr(node.lhs, env), self.expr(node.rhs, env)
            op = node.op.name
            try:
                if op == "+":
                    return E.add(a, b)
                if op == "-":
                    return E.sub(a, b)
                if op == "*":
                    return E.mul(a, b)
                if op == "/":
                    return E.div(a, b)
                if op == "**":
                    return E.power(a, b)
                if op == "%" and E.is_constant(a) and E.is_constant(b):
                    return E.Const(math.fmod(E.const_value(a), E.const_value(b)))
            except ZeroDivisionError:
                raise self.fail("QL0508", "division by zero", node) from None
            raise self.fail(
                "QL0508",
                f"unsupported operator `{op}` in an angle",
                node,
                help="angles may use + - * / ** and sin, cos, tan, exp, log, sqrt",
            )
        if isinstance(node, ast.FunctionCall) and node.name.name in _FUNCS:
            if len(node.arguments) != 1:
                raise self.fail("QL0508", f"`{node.name.name}` takes one argument", node)
            return E.func(node.name.name, self.expr(node.arguments[0], env))
        what = node.name.name if isinstance(node, ast.FunctionCall) else type(node).__name__
        raise self.fail(
            "QL0508",
            f"unsupported expression `{what}`",
            node,
            help="angles may use + - * / ** and sin, cos, tan, exp, log, sqrt",
        )

    def const_int(self, node: ast.Expression, env: dict[str, object]) -> int:
        e = self.expr(node, env)
        if not E.is_constant(e):
            raise self.fail("QL0508", "expected a compile-time integer", node)
        v = E.const_value(e)
        if not float(v).is_integer():
            raise self.fail("QL0508", f"expected an integer, found `{v}`", node)
        return int(v)

    # --- operands ---------------------------------------------------------
    def qubits(self, node: ast.QASMNode, env: dict[str, object]) -> list[int]:
        """Qubit indices of one operand (a register gives all of its qubits)."""
        if isinstance(node, ast.Identifier):
            name = node.name
            if name in env and isinstance(env[name], int):
                return [env[name]]  # type: ignore[list-item]
            if name.startswith("$"):
                return [self.physical_qubit(name, node)]
            reg = self.qregs.get(name)
            if reg is None:
                raise self.fail("QL0505", f"undefined qubit register `{name}`", node)
            return list(range(reg.offset, reg.offset + reg.size))
        if isinstance(node, ast.IndexedIdentifier):
            reg = self.qregs.get(node.name.name)
            if reg is None:
                raise self.fail("QL0505", f"undefined qubit register `{node.name.name}`", node)
            return [reg.offset + i for i in self.indices(node, reg, env)]
        raise self.fail("QL0507", f"unsupported qubit operand `{type(node).__name__}`", node)

    def physical_qubit(self, name: str, node: ast.QASMNode) -> int:
        if self.qregs:
            raise self.fail("QL0507", "cannot mix declared and physical (`$n`) qubits", node)
        self.physical = True
        index = int(name[1:])
        self.num_qubits = max(self.num_qubits, index + 1)
        return index

    def indices(self, node: ast.IndexedIdentifier, reg: _Reg, env: dict[str, object]) -> list[int]:
        if len(node.indices) != 1:
            raise self.fail("QL0507", "multi-dimensional indexing is not supported", node)
        out: list[int] = []
        items = node.indices[0]
        for item in items.values if isinstance(items, ast.DiscreteSet) else items:
            if isinstance(item, ast.RangeDefinition):
                start = 0 if item.start is None else self.const_int(item.start, env)
                end = reg.size - 1 if item.end is None else self.const_int(item.end, env)
                step = 1 if item.step is None else self.const_int(item.step, env)
                if step == 0:
                    raise self.fail("QL0508", "range step is zero", item)
                out.extend(range(start, end + (1 if step > 0 else -1), step))
            else:
                out.append(self.const_int(item, env))
        for i in out:
            if not -reg.size <= i < reg.size:
                raise self.fail(
                    "QL0506",
                    f"index {i} is out of range for `{node.name.name}` of size {reg.size}",
                    node,
                )
        return [i % reg.size for i in out]

    def clbits(self, node: ast.QASMNode, env: dict[str, object]) -> list[int]:
        if isinstance(node, ast.Identifier):
            reg = self.cregs.get(node.name)
            if reg is None:
                raise self.fail("QL0505", f"undefined bit register `{node.name}`", node)
            return list(range(reg.offset, reg.offset + reg.size))
        if isinstance(node, ast.IndexedIdentifier):
            reg = self.cregs.get(node.name.name)
            if reg is None:
                raise self.fail("QL0505", f"undefined bit register `{node.name.name}`", node)
            return [reg.offset + i for i in self.indices(node, reg, env)]
        raise self.fail("QL0507", f"unsupported bit operand `{type(node).__name__}`", node)

    # --- emitting ---------------------------------------------------------
    def emit(
        self,
        name: str,
        params: tuple[E.Expr, ...],
        qubits: tuple[int, ...],
        cond: Condition | None,
        node: ast.QASMNode,
        clbits: tuple[int, ...] = (),
    ) -> None:
        if name == "gphase":
            if cond is None:  # a phase under a classical condition is unobservable
                self.phase = E.add(self.phase, params[0])
            return
        if len(set(qubits)) != len(qubits):
            raise self.fail("QL0516", f"`{name}` is applied to the same qubit twice", node)
        self.ops.append(Operation(name, qubits, params, clbits, cond, self.span(node)))

    def measure(
        self, s: ast.QuantumMeasurementStatement, cond: Condition | None, env: dict[str, object]
    ) -> None:
        qs = self.qubits(s.measure.qubit, env)
        if s.target is None:
            cs = list(range(self.num_clbits, self.num_clbits + len(qs)))
            self.num_clbits += len(qs)
        else:
            cs = self.clbits(s.target, env)
        if len(cs) != len(qs):
            raise self.fail("QL0513", f"measuring {len(qs)} qubits into {len(cs)} bits", s)
        for q, c in zip(qs, cs, strict=True):
            self.emit("measure", (), (q,), cond, s, (c,))

    def gate_statement(
        self, s: ast.QuantumGate, cond: Condition | None, env: dict[str, object]
    ) -> None:
        operands = [self.qubits(q, env) for q in s.qubits]
        params = tuple(self.expr(a, env) for a in s.arguments)
        for qs in self.broadcast(operands, s):
            for name, ps, qubits in self.modified(s.name.name, params, qs, s.modifiers, s, env):
                self.emit(name, ps, qubits, cond, s)

    def phase_statement(
        self, s: ast.QuantumPhase, cond: Condition | None, env: dict[str, object]
    ) -> None:
        operands = [self.qubits(q, env) for q in s.qubits]
        theta = self.expr(s.argument, env)
        for qs in self.broadcast(operands, s) if operands else [()]:
            for name, ps, qubits in self.modified("gphase", (theta,), qs, s.modifiers, s, env):
                self.emit(name, ps, qubits, cond, s)

    def broadcast(self, operands: list[list[int]], node: ast.QASMNode) -> list[tuple[int, ...]]:
        sizes = {len(o) for o in operands if len(o) != 1}
        if len(sizes) > 1:
            raise self.fail("QL0513", f"register operands of different sizes {sorted(sizes)}", node)
        n = sizes.pop() if sizes else 1
        return [tuple(o[0] if len(o) == 1 else o[k] for o in operands) for k in range(n)]

    # --- gates and modifiers ----------------------------------------------
    def branch(
        self, s: ast.BranchingStatement, cond: Condition | None, env: dict[str, object]
    ) -> None:
        bits, value = self.condition(s.condition, env)
        if s.else_block and len(bits) != 1:
            raise self.fail(
                "QL0509",
                "`else` is only supported for single-bit conditions",
                s,
                help="write a second `if` with the other value instead",
            )
        branches = [(s.if_block, value)]
        if s.else_block:
            branches.append((s.else_block, 1 - value))
        self._dynamic += 1
        try:
            for block, v in branches:
                merged = merge_conditions(cond, Condition(tuple(bits), v))
                if merged is not None:  # a branch that contradicts its context never runs
                    self.block(block, merged, env)
        finally:
            self._dynamic -= 1

    def condition(self, node: ast.Expression, env: dict[str, object]) -> tuple[list[int], int]:
        if isinstance(node, ast.UnaryExpression) and node.op.name == "!":
            bits, value = self.condition(node.expression, env)
            if len(bits) != 1:
                raise self.fail("QL0509", "`!` is only supported on a single bit", node)
            return bits, 1 - value
        if isinstance(node, ast.BinaryExpression) and node.op.name in ("==", "!="):
            lhs, rhs = node.lhs, node.rhs
            if isinstance(lhs, (ast.IntegerLiteral, ast.BooleanLiteral)):
                lhs, rhs = rhs, lhs
            bits = self.cond_bits(lhs, env)
            if not isinstance(rhs, (ast.IntegerLiteral, ast.BooleanLiteral)):
                raise self.fail("QL0509", "compare bits with an integer or boolean literal", node)
            value = int(rhs.value)
            if not 0 <= value < 2 ** len(bits):
                raise self.fail("QL0509", f"value {value} does not fit in {len(bits)} bits", node)
            if node.op.name == "!=":
                if len(bits) != 1:
                    raise self.fail("QL0509", "`!=` is only supported on a single bit", node)
                value = 1 - value
            return bits, value
        bits = self.cond_bits(node, env)
        if len(bits) != 1:
            raise self.fail(
                "QL0509", "a register condition needs a comparison such as `c == 1`", node
            )
        return bits, 1

    def cond_bits(self, node: ast.Expression, env: dict[str, object]) -> list[int]:
        if isinstance(node, ast.IndexExpression) and isinstance(node.collection, ast.Identifier):
            reg = self.cregs.get(node.collection.name)
            index = node.index[0] if isinstance(node.index, list) and node.index else None
            single = isinstance(node.index, list) and len(node.index) == 1
            if reg is None or not single or not isinstance(index, ast.Expression):
                raise self.fail("QL0509", "unsupported condition operand", node)
            i = self.const_int(index, env)
            if not 0 <= i < reg.size:
                raise self.fail("QL0506", f"bit index {i} is out of range", node)
            return [reg.offset + i]
        if isinstance(node, (ast.Identifier, ast.IndexedIdentifier)):
            return self.clbits(node, env)
        raise self.fail(
            "QL0509",
            f"unsupported condition `{type(node).__name__}`",
            node,
            help="conditions may test a bit (`c[0]`, `!c[0]`) or a register (`c == 3`)",
        )

    def loop(self, s: ast.ForInLoop, cond: Condition | None, env: dict[str, object]) -> None:
        sd = s.set_declaration
        if isinstance(sd, ast.RangeDefinition):
            if sd.start is None or sd.end is None:
                raise self.fail("QL0508", "a loop range needs a start and an end", sd)
            start, end = self.const_int(sd.start, env), self.const_int(sd.end, env)
            step = 1 if sd.step is None else self.const_int(sd.step, env)
            if step == 0:
                raise self.fail("QL0508", "range step is zero", sd)
            values: list[float] = list(range(start, end + (1 if step > 0 else -1), step))
        elif isinstance(sd, ast.DiscreteSet):
            values = [E.const_value(self.expr(v, env)) for v in sd.values]
        else:
            raise self.fail("QL0507", "loops over arrays are not supported", s)
        if len(values) > MAX_LOOP:
            raise self.fail("QL0517", f"loop of {len(values)} iterations is too long to unroll", s)
        var = s.identifier.name
        for v in values:
            inner = dict(env)
            inner[var] = E.Const(float(v))
            self.block(s.block, cond, inner)


def merge_conditions(outer: Condition | None, inner: Condition) -> Condition | None:
    """Both conditions at once, or ``None`` when they contradict each other."""
    if outer is None:
        return inner
    want = {b: (outer.value >> k) & 1 for k, b in enumerate(outer.clbits)}
    for k, b in enumerate(inner.clbits):
        bit = (inner.value >> k) & 1
        if want.setdefault(b, bit) != bit:
            return None
    return Condition(tuple(want), sum(v << k for k, v in enumerate(want.values())))
