"""Compile a unitary circuit into the program of the compiled executor (``_executor.c``).

The program is the same computation as the reference engine's plan (:mod:`qlang.sim.plan`),
laid out for a single C call per forward run or adjoint sweep:

* **slots**: one per gate parameter, in circuit order (the plan's numbering). A slot is a
  constant, ``a * x[i] + c``, ``a * w[i] + c``, ``c + a x[i] + b x[j] + d x[i] x[j]``
  (evaluated in C, with the chain rule in C), or a general expression evaluated by one
  generated numpy function (:attr:`Program.exprs`).
* **elementary gates** on one or two qubits, each ``M(t) = A + cos(alpha t) B + sin(alpha t) C``
  (a constant gate is ``A``); ``u`` is ``p(phi) ry(theta) p(lambda)``; in a unit
  ``cx(a, b); diagonal gates on b; cx(a, b)`` every inner gate becomes a two-qubit diagonal
  gate on the parity of ``a`` and ``b``.
* **prefix**: per qubit, the one-qubit gates that act before any entangling gate touches it;
  the run starts from their product state.
* **ops**: the other gates fused greedily in circuit order (a gate joins the latest op it
  commutes past): dense ops on one or two qubits, diagonal ops on up to :data:`DIAG_MAX`
  qubits (one phase table), permutation ops on as many (one gather table; ``x``, ``cx``, ``swap``, ``ccx``, ``cswap``, ``mcx``). A gate that depends on the
  inputs does not join a shared op that has parameters of its own (that op would become
  per-sample).
* **passes**: with ``n <= TILE_BITS`` the whole state is in cache and the ops run in one
  pass (several samples per tile). Larger states run pass by pass: each pass is a set of at
  most :data:`TILE_BITS` local qubits (always the lowest ones first, so tiles are gathered in
  contiguous runs) and the ops on them, taken greedily in an order that respects every
  dependency; a pass reads and writes the state once.
* **chunk runs** (forward runs of larger states): consecutive passes whose local qubits
  together number at most ``chunk_bits`` (:data:`CHUNK_BITS`) form a run. A forward run
  applies all passes of a run to one chunk (the ``2**chunk_bits`` or fewer amplitudes with
  the other qubits fixed) before the next chunk, so the chunk stays in the cache between
  passes: the run reads and writes the state once from memory (:func:`chunk_runs`).

Example::

    >>> from qlang.ir.circuit import Circuit, Operation, ParamDecl
    >>> from qlang.ir.expr import Input, Weight
    >>> c = Circuit(2, (Operation("ry", (0,), (Input(0),)), Operation("cx", (0, 1)),
    ...                 Operation("rz", (1,), (2 * Weight(0),))),
    ...             inputs=(ParamDecl("x", (1,), 0),), weights=(ParamDecl("w", (1,), 0),))
    >>> p = build_program(c)
    >>> [(s.kind, s.index, s.a) for s in p.slots]
    [(1, 0, 1.0), (2, 0, 2.0)]
    >>> [(op.kind, op.qubits) for op in p.ops]
    [(4, (0, 1)), (1, (1,))]
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES
from qlang.sim.compile_expr import ExprFunction, compile_exprs, compile_rows
from qlang.sim.gatelib import constant_matrix, gate_matrix, permute_bits
from qlang.sim.plan import PERMUTATION_GATES, check_unitary, fusion_units

SLOT_CONST, SLOT_INPUT, SLOT_WEIGHT, SLOT_EXPR, SLOT_BILINEAR = 0, 1, 2, 3, 4
OP_DENSE1, OP_DENSE2, OP_DIAG, OP_PERM = 1, 2, 3, 4
#: local qubits of one cache tile: 2**13 amplitudes (128 KiB of complex128 per state)
TILE_BITS = 13
#: lowest qubits every pass keeps local (tiles are gathered in contiguous runs of 2**3)
RUN_BITS = 3
#: qubits of a chunk of a chunk run: 2**19 amplitudes, 8 MiB of complex128 per state, a
#: quarter of this machine's 32 MiB last-level cache (room for a second thread's chunk);
#: measured against 17, 18 and no chunk runs in docs/benchmarks.md ("Large state")
CHUNK_BITS = 19
#: the largest diagonal and permutation ops (qubits)
DIAG_MAX = 10
#: table widths shared with _executor.c
MAXQ = 16
MAXN = 40


@dataclass(frozen=True)
class Slot:
    """One gate parameter: ``kind`` (constant, input, weight, expression, bilinear), the
    symbol or expression row ``index``, ``value = a * symbol + c`` for the affine kinds;
    a bilinear slot is ``c + a * x[index] + b * x[index2] + d * x[index] * x[index2]``
    (a ZZ feature map's ``2 (pi - x_i)(pi - x_j)``: evaluated and differentiated in C)."""

    kind: int
    index: int
    a: float
    c: float
    batched: bool
    index2: int = -1
    b: float = 0.0
    d: float = 0.0


@dataclass
class Gate:
    """An elementary gate: ``M(t) = A + cos(alpha t) B + sin(alpha t) C`` on ``qubits``."""

    qubits: tuple[int, ...]
    A: np.ndarray
    B: np.ndarray | None = None
    C: np.ndarray | None = None
    alpha: float = 0.0
    slot: int = -1
    batched: bool = False
    name: str = ""

    @property
    def diagonal(self) -> bool:
        if self.permutation:
            return False
        mats = [m for m in (self.A, self.B, self.C) if m is not None]
        return all(np.count_nonzero(m - np.diag(np.diagonal(m))) == 0 for m in mats)

    @property
    def permutation(self) -> bool:
        return self.name in PERMUTATION_GATES


@dataclass
class Op:
    """A fused operation (``qubits`` in op order: the first is the most significant bit)."""

    kind: int
    qubits: tuple[int, ...]
    gates: list[Gate] = field(default_factory=list)
    batched: bool = False

    @property
    def params(self) -> bool:
        return any(g.slot >= 0 for g in self.gates)


@dataclass(frozen=True)
class Pass:
    """Ops ``[start, stop)`` of the program on the ascending global ``bits`` (local bit j is
    global bit ``bits[j]``)."""

    start: int
    stop: int
    bits: tuple[int, ...]


@dataclass
class Program:
    """A compiled program (see the module docstring); ``arrays()`` feeds ``_executor.Program``."""

    num_qubits: int
    num_inputs: int
    num_weights: int
    slots: list[Slot]
    prefix: list[list[Gate]]
    ops: list[Op]
    passes: list[Pass]
    tile_bits: int
    #: chunk runs: ``[start, stop)`` ranges of passes (see :func:`chunk_runs`)
    runs: list[tuple[int, int]] = field(default_factory=list)
    #: expressions of the general slots, their evaluator and symbolic derivatives
    exprs: list[E.Expr] = field(default_factory=list)
    expr_fn: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    #: per expression row: the symbols and one derivative function over all of them
    expr_symbols: list[tuple[E.Symbol, ...]] = field(default_factory=list)
    expr_diff: ExprFunction | None = None
    #: per expression row: summed over the batch in the adjoint (its gate is shared)
    expr_summed: list[bool] = field(default_factory=list)
    _arrays: tuple | None = field(default=None, repr=False)

    def memory_passes(self) -> float:
        """Reads and writes of the whole state by a forward run of a larger state (tile mode),
        in copies (one read and one write = 1): one per chunk run, plus half for the product
        state's write unless the first run writes it chunk by chunk in cache, and half for
        the readout's read unless the last run reads out chunk by chunk (a run's chunks are
        in cache when it has several passes whose qubits are the lowest ones)."""
        if not self.runs or self.num_qubits <= self.tile_bits:
            return 0.0

        def in_cache(run: tuple[int, int]) -> bool:
            bits = set().union(*(self.passes[p].bits for p in range(*run)))
            return run[1] - run[0] > 1 and bits == set(range(len(bits)))

        return len(self.runs) + 0.5 * (not in_cache(self.runs[0])) + 0.5 * (not in_cache(self.runs[-1]))

    def arrays(self) -> tuple:
        """The tables of ``_executor.Program`` (built once per program)."""
        if self._arrays is None:
            self._arrays = _arrays(self)
        return self._arrays


# --- slots ----------------------------------------------------------------------------


def classify(e: E.Expr, exprs: list[E.Expr]) -> Slot:
    """A slot for expression ``e`` (appending general expressions to ``exprs``)."""
    syms = E.symbols(e)
    batched = any(isinstance(s, E.Input) for s in syms)
    if not syms:
        return Slot(SLOT_CONST, 0, 0.0, E.const_value(E.simplify(e)), False)
    if len(syms) == 1:
        (s,) = tuple(syms)
        d = E.simplify(E.diff(e, s))
        if E.is_constant(d):
            zero = {s.index: 0.0}
            at0 = E.bind(e, inputs=zero) if isinstance(s, E.Input) else E.bind(e, weights=zero)
            a, c = E.const_value(d), E.const_value(E.simplify(at0))
            if math.isfinite(a) and math.isfinite(c):
                kind = SLOT_INPUT if isinstance(s, E.Input) else SLOT_WEIGHT
                return Slot(kind, s.index, float(a), float(c), batched)
    if len(syms) == 2 and all(isinstance(s, E.Input) for s in syms):
        slot = bilinear(e)
        if slot is not None:
            return slot
    exprs.append(e)
    return Slot(SLOT_EXPR, len(exprs) - 1, 0.0, 0.0, batched)


def bilinear(e: E.Expr) -> Slot | None:
    """A bilinear slot for ``e`` of two inputs ``x_i, x_j`` when it is
    ``c + a x_i + b x_j + d x_i x_j`` (symbolically, and checked at three points), else None.

    Example::

        >>> s = bilinear(2 * (math.pi - E.Input(0)) * (math.pi - E.Input(1)))
        >>> (s.index, s.index2, round(s.c, 6), round(s.a, 6), round(s.d, 6))
        (0, 1, 19.739209, -6.283185, 2.0)
    """
    xi, xj = sorted(E.symbols(e), key=_sym_key)
    di, dj = E.simplify(E.diff(e, xi)), E.simplify(E.diff(e, xj))
    second = [E.simplify(E.diff(di, xi)), E.simplify(E.diff(dj, xj)), E.simplify(E.diff(di, xj))]
    if not all(E.is_constant(t) for t in second):
        return None
    if E.const_value(second[0]) != 0.0 or E.const_value(second[1]) != 0.0:
        return None

    def at(t: E.Expr, u: float, v: float) -> float:
        return float(E.const_value(E.simplify(E.bind(t, inputs={xi.index: u, xj.index: v}))))

    d = float(E.const_value(second[2]))
    a, b, c = at(di, 0.0, 0.0), at(dj, 0.0, 0.0), at(e, 0.0, 0.0)
    if not all(math.isfinite(v) for v in (a, b, c, d)):
        return None
    for u, v in ((0.7, -1.3), (2.9, 4.1), (-5.3, 0.2)):
        want = at(e, u, v)
        if abs(c + a * u + b * v + d * u * v - want) > 1e-12 * max(1.0, abs(want)):
            return None
    return Slot(SLOT_BILINEAR, xi.index, a, c, True, xj.index, b, d)


# --- elementary gates -------------------------------------------------------------------


@cache
def abc(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """``(A, B, C, alpha)`` with ``M(t) = A + cos(alpha t) B + sin(alpha t) C`` for a
    one-parameter gate (checked at two further angles)."""
    for alpha in (0.5, 1.0):
        m0 = gate_matrix(name, [0.0])
        mpi = gate_matrix(name, [math.pi / alpha])
        mh = gate_matrix(name, [math.pi / (2 * alpha)])
        A, B = (m0 + mpi) / 2, (m0 - mpi) / 2
        C = mh - A
        if all(
            np.allclose(A + math.cos(alpha * t) * B + math.sin(alpha * t) * C, gate_matrix(name, [t]))
            for t in (0.37, -2.11)
        ):
            return A, B, C, alpha
    raise ValueError(f"gate `{name}` is not of the form A + cos B + sin C")  # pragma: no cover


def elementary(op: Operation, slots: tuple[int, ...], table: list[Slot]) -> list[Gate]:
    """The elementary gates of one operation (``u`` becomes three)."""
    gd = GATES[op.name]
    if gd.num_params == 0:
        # permutations on 3+ qubits only ever run as gather tables: no dense matrix
        big = op.name in PERMUTATION_GATES and len(op.qubits) > 2
        matrix = np.zeros((0, 0), dtype=complex) if big else constant_matrix(op.name, len(op.qubits))
        return [Gate(op.qubits, matrix, name=op.name)]
    if op.name == "u":  # u(theta, phi, lam) = p(phi) ry(theta) p(lam)
        theta, phi, lam = slots
        return [_param("p", op.qubits, lam, table), _param("ry", op.qubits, theta, table),
                _param("p", op.qubits, phi, table)]  # fmt: skip
    return [_param(op.name, op.qubits, slots[0], table)]


def _param(name: str, qubits: tuple[int, ...], slot: int, table: list[Slot]) -> Gate:
    A, B, C, alpha = abc(name)
    return Gate(qubits, A, B, C, alpha, slot, table[slot].batched, name)


def parity(inner: Gate, a: int, b: int) -> Gate:
    """A diagonal gate on ``b`` inside ``cx(a, b) ... cx(a, b)`` as a gate on the parity."""

    def lift(m: np.ndarray | None) -> np.ndarray | None:
        if m is None:
            return None
        d0, d1 = m[0, 0], m[1, 1]
        return np.diag([d0, d1, d1, d0]).astype(complex)

    A = lift(inner.A)
    assert A is not None
    return Gate((a, b), A, lift(inner.B), lift(inner.C), inner.alpha, inner.slot, inner.batched,
                inner.name + "@parity")  # fmt: skip


# --- fusion -------------------------------------------------------------------------------


def _accepts(op: Op, g: Gate, limit: int) -> bool:
    """May gate ``g`` join ``op`` (the caller checked that it commutes past later ops)?
    Diagonal and permutation ops grow to ``limit`` qubits."""
    q = set(g.qubits)
    if g.permutation:
        if op.kind in (OP_DENSE1, OP_DENSE2):
            return q <= set(op.qubits)
        return op.kind == OP_PERM and len(q | set(op.qubits)) <= limit
    if op.kind == OP_PERM:
        return False
    if g.slot >= 0 and op.params and op.batched != g.batched:
        return False
    merged = len(q | set(op.qubits))
    if g.diagonal:
        if op.kind in (OP_DENSE1, OP_DENSE2):
            return q <= set(op.qubits)
        return merged <= limit
    # a dense gate never widens an op beyond its own qubits (a wider dense op costs more
    # arithmetic per amplitude than the two it replaces)
    return set(op.qubits) <= q or q <= set(op.qubits) and op.kind != OP_DIAG


def _join(op: Op, g: Gate) -> None:
    op.gates.append(g)
    op.qubits = op.qubits + tuple(q for q in g.qubits if q not in op.qubits)
    op.batched = op.batched or g.batched
    if op.kind in (OP_DENSE1, OP_DENSE2, OP_DIAG) and not g.diagonal:
        op.kind = OP_DENSE1 if len(op.qubits) == 1 else OP_DENSE2
    elif op.kind in (OP_DENSE1, OP_DENSE2):
        op.kind = OP_DENSE1 if len(op.qubits) == 1 else OP_DENSE2


def _new_op(g: Gate) -> Op:
    if g.permutation:
        kind = OP_PERM
    elif g.diagonal:
        kind = OP_DIAG
    else:
        kind = OP_DENSE1 if len(g.qubits) == 1 else OP_DENSE2
    return Op(kind, tuple(g.qubits), [g], g.batched)


def fuse(gates: list[Gate], limit: int = DIAG_MAX) -> list[Op]:
    """Greedy fusion in circuit order: each gate joins the latest op it may join among the
    ops it commutes past (those after the last op that touches its qubits); diagonal and
    permutation ops grow to ``limit`` qubits."""
    ops: list[Op] = []
    latest: dict[int, int] = {}
    for g in gates:
        floor = max((latest[q] for q in g.qubits if q in latest), default=0)
        target = None
        for idx in range(len(ops) - 1, floor - 1, -1):
            if _accepts(ops[idx], g, limit):
                target = idx
                break
        if target is None:
            ops.append(_new_op(g))
            target = len(ops) - 1
        else:
            _join(ops[target], g)
        for q in g.qubits:
            latest[q] = target
    return ops


def sink_diagonals(ops: list[Op], limit: int) -> list[Op]:
    """Move sample-dependent diagonal gates at the end of a dense op into the next op on
    their qubits when that is a diagonal op with room (diagonal gates commute with it, and
    no op in between touches their qubits). The dense op then often needs no per-sample
    matrix (``h; p(2 x)`` of a ZZ feature map: the Hadamards run once for the batch and the
    phases join the table of the phase layer)."""
    for i, op in enumerate(ops):
        if op.kind not in (OP_DENSE1, OP_DENSE2):
            continue
        while op.gates and op.gates[-1].diagonal and op.gates[-1].batched:
            g = op.gates[-1]
            nxt = next((o for o in ops[i + 1 :] if set(o.qubits) & set(g.qubits)), None)
            if nxt is None or nxt.kind != OP_DIAG:
                break
            if len(set(nxt.qubits) | set(g.qubits)) > limit:
                break
            op.gates.pop()
            nxt.gates.insert(0, g)
            nxt.qubits = nxt.qubits + tuple(q for q in g.qubits if q not in nxt.qubits)
            nxt.batched = True
        op.batched = any(g.batched for g in op.gates)
    return [op for op in ops if op.gates]


def passes(n: int, ops: list[Op], tile_bits: int) -> tuple[list[Op], list[Pass]]:
    """Group ops into cache passes (see the module docstring); returns the ops in pass order."""
    if n <= tile_bits:
        return ops, [Pass(0, len(ops), tuple(range(n)))]
    out: list[Op] = []
    found: list[Pass] = []
    remaining = list(ops)
    while remaining:
        take: list[Op] = []
        for reserved in (RUN_BITS, 0):  # tiles in contiguous runs, unless an op needs the room
            local = set(range(reserved))
            blocked: set[int] = set()
            take, rest = [], []
            for op in remaining:
                q = set(op.qubits)
                if q & blocked or len(local | q) > tile_bits:
                    rest.append(op)
                    blocked |= q
                    continue
                local |= q
                take.append(op)
            if take:
                break
        if not take:
            raise Unsupported(f"an operation on {len(remaining[0].qubits)} qubits exceeds a tile")
        for low in range(n):  # fill with the lowest free qubits (contiguous runs)
            if len(local) >= tile_bits:
                break
            local.add(low)
        found.append(Pass(len(out), len(out) + len(take), tuple(sorted(local))))
        out.extend(take)
        remaining = rest
    return out, found


def chunk_runs(n: int, found: list[Pass], chunk_bits: int) -> list[tuple[int, int]]:
    """Greedy chunk runs: each run extends while the union of its passes' local qubits has at
    most ``chunk_bits`` qubits (fewer than ``n``: a run over every qubit would be the whole
    state); a pass that cannot join starts the next run. A run of one pass is a plain pass.

    >>> chunk_runs(6, [Pass(0, 1, (0, 1, 2)), Pass(1, 2, (0, 1, 3)), Pass(2, 3, (0, 4, 5))], 4)
    [(0, 2), (2, 3)]
    """
    runs: list[tuple[int, int]] = []
    start = 0
    while start < len(found):
        union = set(found[start].bits)
        stop = start + 1
        while stop < len(found):
            grown = union | set(found[stop].bits)
            if len(grown) > min(chunk_bits, n - 1):
                break
            union, stop = grown, stop + 1
        runs.append((start, stop))
        start = stop
    return runs


class Unsupported(ValueError):
    """The circuit cannot run in the compiled executor (the reference engine runs it)."""


def build_program(
    circuit: Circuit, tile_bits: int = TILE_BITS, tails: bool = True, chunk_bits: int = CHUNK_BITS
) -> Program:
    """Compile a unitary circuit (``QL0602`` for mid-circuit measurement or reset). Programs
    are cached per circuit structure and options (circuits are immutable).

    ``tails=False`` keeps only each qubit's sample-dependent head in the prefix and runs
    the shared rest as ops: the adjoint then needs no per-sample contraction of the
    cotangent unless input gradients are wanted (cheaper for small states).
    ``chunk_bits``: the chunk size of chunk runs (see the module docstring).
    """
    check_unitary(circuit)
    return _cached_program(circuit, tile_bits, tails, chunk_bits)


@lru_cache(maxsize=64)
def _cached_program(circuit: Circuit, tile_bits: int, tails: bool, chunk_bits: int) -> Program:
    return _build(circuit, tile_bits, tails, chunk_bits)


def _build(circuit: Circuit, tile_bits: int, tails: bool = True, chunk_bits: int = CHUNK_BITS) -> Program:
    n = circuit.num_qubits
    if n > MAXN or tile_bits < RUN_BITS + 3:
        raise Unsupported(f"at most {MAXN} qubits and at least {RUN_BITS + 3} tile bits")
    limit = min(DIAG_MAX, tile_bits - RUN_BITS if n > tile_bits else n)
    exprs: list[E.Expr] = []
    table: list[Slot] = []
    prefix: list[list[Gate]] = [[] for _ in range(n)]
    body: list[Gate] = []
    entangled: set[int] = set()
    for unit in fusion_units(circuit):
        unit_gates: list[list[Gate]] = []
        for _, op in unit:
            slots = tuple(range(len(table), len(table) + len(op.params)))
            table.extend(classify(p, exprs) for p in op.params)
            unit_gates.append(elementary(op, slots, table))
        first = unit[0][1]
        if len(unit) == 1 and len(first.qubits) == 1 and first.qubits[0] not in entangled:
            prefix[first.qubits[0]].extend(unit_gates[0])
            continue
        entangled.update(q for _, op in unit for q in op.qubits)
        if len(unit) > 1:  # cx(a, b); diagonal gates on b; cx(a, b)
            a, b = first.qubits
            body.extend(parity(g, a, b) for gs in unit_gates[1:-1] for g in gs)
        else:
            body.extend(unit_gates[0])
    if not tails:  # the shared tails run first among the ops (they act before any other gate)
        moved: list[Gate] = []
        for q in range(n):
            head = max((i + 1 for i, g in enumerate(prefix[q]) if g.batched), default=0)
            moved += prefix[q][head:]
            prefix[q] = prefix[q][:head]
        body = moved + body
    fused = sink_diagonals(fuse(body, limit), limit)
    for fop in fused:  # a one-qubit diagonal runs faster as a dense 2x2 (vectorised kernel)
        if fop.kind == OP_DIAG and len(fop.qubits) == 1:
            fop.kind = OP_DENSE1
    ops, found = passes(n, fused, tile_bits)
    prog = Program(
        num_qubits=n,
        num_inputs=circuit.num_inputs,
        num_weights=circuit.num_weights,
        slots=table,
        prefix=prefix,
        ops=ops,
        passes=found,
        tile_bits=tile_bits,
        runs=chunk_runs(n, found, chunk_bits) if n > tile_bits else [(0, len(found))],
        exprs=exprs,
    )
    if exprs:
        prog.expr_fn = compile_rows(exprs)
        prog.expr_symbols = [tuple(sorted(E.symbols(e), key=_sym_key)) for e in exprs]
        prog.expr_diff = compile_exprs(
            [E.diff(e, s) for e, syms in zip(exprs, prog.expr_symbols, strict=True) for s in syms]
        )
        summed = [False] * len(exprs)
        shared_gates = [g for op in ops if not op.batched for g in op.gates]
        shared_gates += [g for gs in prefix if not any(x.batched for x in gs) for g in gs]
        for g in shared_gates:
            if g.slot >= 0 and table[g.slot].kind == SLOT_EXPR:
                summed[table[g.slot].index] = True
        prog.expr_summed = summed
    return prog


def _sym_key(s: E.Symbol) -> tuple[int, int]:
    return (0 if isinstance(s, E.Input) else 1, s.index)


# --- tables for the C side -------------------------------------------------------------------


def _local_index_tables(local: list[int], nl: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``idx(i) = lo[i & (2**c - 1)] | hi[i >> c]``: the op index of local state index ``i``
    (``local[0]`` is the op's most significant bit)."""
    k = len(local)
    c = nl // 2

    def index(values: np.ndarray) -> np.ndarray:
        out = np.zeros_like(values)
        for j, bit in enumerate(local):
            out |= ((values >> bit) & 1) << (k - 1 - j)
        return out

    lo = index(np.arange(2**c, dtype=np.int64))
    hi = index(np.arange(2 ** (nl - c), dtype=np.int64) << c)
    return lo.astype(np.int32), hi.astype(np.int32), c


def _perm_tables(op: Op, local: dict[int, int], nl: int) -> tuple[np.ndarray, np.ndarray]:
    """Gather tables over the local index space: ``out[j] = in[src[j]]`` and its inverse."""
    j = np.arange(2**nl, dtype=np.int64)
    src, inv = j.copy(), j.copy()
    for g in reversed(op.gates):  # every permutation gate is self-inverse
        src = permute_bits(g.name, tuple(local[q] for q in g.qubits), src)
    for g in op.gates:
        inv = permute_bits(g.name, tuple(local[q] for q in g.qubits), inv)
    return src.astype(np.int32), inv.astype(np.int32)


def _entry_phases(g: Gate) -> tuple[np.ndarray, np.ndarray] | None:
    """``(c, m)`` with diagonal entry ``a`` of the gate equal to ``exp(i (c[a] + m[a] t))``
    (checked at several angles), or None when the gate is not of that form."""
    diag = lambda t: (np.diagonal(g.A) if g.slot < 0 else  # noqa: E731
                      np.diagonal(g.A + math.cos(g.alpha * t) * g.B + math.sin(g.alpha * t) * g.C))  # type: ignore[operator]  # fmt: skip
    d0 = diag(0.0)
    if not np.allclose(np.abs(d0), 1.0, atol=1e-14, rtol=0):
        return None
    c = np.angle(d0)
    m = np.zeros_like(c)
    if g.slot >= 0:
        m = np.round(np.angle(diag(math.pi / 2) / d0) / (math.pi / 2) * 2) / 2
    for t in (0.37, -2.11, 5.3):
        if not np.allclose(diag(t), np.exp(1j * (c + m * t)), atol=1e-13, rtol=0):
            return None
    return c, m


def phase_form(op: Op) -> np.ndarray | None:
    """A diagonal op as ``[base phases, d(phase)/d(angle) of each gate with a parameter]``
    (each ``2**k`` over the op index), or None when a gate is not a pure phase."""
    k = len(op.qubits)
    i = np.arange(2**k)
    base = np.zeros(2**k)
    slopes: list[np.ndarray] = []
    for g in op.gates:
        form = _entry_phases(g)
        if form is None:
            return None
        c, m = form
        pos = [op.qubits.index(q) for q in g.qubits]
        cls = np.zeros_like(i)
        for p in pos:
            cls = 2 * cls + ((i >> (k - 1 - p)) & 1)
        base += c[cls]
        if g.slot >= 0:
            slopes.append(m[cls])
    return np.concatenate([base, *slopes])


def _arrays(p: Program) -> tuple:
    n = p.num_qubits
    slot_i = np.array([[s.kind, s.index, int(s.batched), s.index2] for s in p.slots], dtype=np.int32)
    slot_f = np.array([[s.a, s.c, s.b, s.d] for s in p.slots], dtype=np.float64)
    gate_rows: list[list[int]] = []
    alphas: list[float] = []
    mats: list[np.ndarray] = []
    offset = 0

    def add_gate(g: Gate, positions: tuple[int, ...]) -> None:
        nonlocal offset
        parts = [g.A] if g.slot < 0 else [g.A, g.B, g.C]
        flat = np.concatenate([np.asarray(m, dtype=complex).reshape(-1) for m in parts])  # type: ignore[arg-type]
        pos1 = positions[1] if len(positions) > 1 else 0
        gate_rows.append([len(g.qubits), positions[0], pos1, g.slot, int(g.diagonal), offset])
        alphas.append(g.alpha)
        mats.append(flat)
        offset += flat.size

    prefix_i = np.zeros((n, 4), dtype=np.int32)
    for q, gates in enumerate(p.prefix):
        start = len(gate_rows)
        for g in gates:
            add_gate(g, (0,))
        # head: up to the last gate that depends on the sample; the tail is shared
        head = max((i + 1 for i, g in enumerate(gates) if g.batched), default=0)
        prefix_i[q] = (start, len(gate_rows), int(head > 0), start + head)
    op_rows: list[list[int]] = []
    op_q = np.full((len(p.ops), MAXQ), -1, dtype=np.int32)
    aux: list[np.ndarray] = []
    aux_len = 0

    def add_aux(a: np.ndarray) -> int:
        nonlocal aux_len
        aux.append(a)
        aux_len += a.size
        return aux_len - a.size

    phase_parts: list[np.ndarray] = []
    phases_len = 0
    pass_i = np.zeros((len(p.passes), 4), dtype=np.int32)
    pass_bits = np.full((len(p.passes), MAXN), -1, dtype=np.int32)
    for pi, ps in enumerate(p.passes):
        nl = len(ps.bits)
        local = {q: j for j, q in enumerate(ps.bits)}
        contiguous = 0
        while contiguous < nl and ps.bits[contiguous] == contiguous:
            contiguous += 1
        pass_i[pi] = (ps.start, ps.stop, nl, contiguous)
        pass_bits[pi, :nl] = ps.bits
        for oi in range(ps.start, ps.stop):
            op = p.ops[oi]
            lq = [local[q] for q in op.qubits]
            op_q[oi, : len(lq)] = lq
            g0 = len(gate_rows)
            if op.kind != OP_PERM:
                for g in op.gates:
                    add_gate(g, tuple(op.qubits.index(q) for q in g.qubits))
            aux0 = aux1 = c = 0
            phase = -1
            if op.kind == OP_DIAG:
                lo, hi, c = _local_index_tables(lq, nl)
                form = phase_form(op)
                if form is not None and len(lq) == nl and nl <= DIAG_MAX:
                    # over all local qubits: the tables in local state order, identity index
                    # tables (the executor applies them without a gather)
                    idx = (lo[np.arange(2**nl) & (2**c - 1)] | hi[np.arange(2**nl) >> c])
                    form = form.reshape(-1, 2**nl)[:, idx].reshape(-1)
                    lo = np.arange(2**c, dtype=np.int32)
                    hi = (np.arange(2 ** (nl - c), dtype=np.int32) << c).astype(np.int32)
                aux0, aux1 = add_aux(lo), add_aux(hi)
                if form is not None:
                    phase = phases_len
                    phase_parts.append(form)
                    phases_len += form.size
            elif op.kind == OP_PERM:
                src, inv = _perm_tables(op, local, nl)
                aux0, aux1 = add_aux(src), add_aux(inv)
            op_rows.append([op.kind, len(op.qubits), g0, len(gate_rows), int(op.batched),
                            int(op.params), aux0, aux1, c, phase])  # fmt: skip
    gate_i = np.array(gate_rows, dtype=np.int32).reshape(-1, 6)
    op_i = np.array(op_rows, dtype=np.int32).reshape(-1, 10)
    return (
        n,
        p.tile_bits,
        p.num_inputs,
        p.num_weights,
        len(p.exprs),
        slot_i.reshape(-1, 4),
        slot_f.reshape(-1, 4),
        gate_i,
        np.array(alphas, dtype=np.float64),
        np.concatenate(mats) if mats else np.zeros(0, dtype=complex),
        prefix_i,
        op_i,
        op_q,
        np.concatenate(aux).astype(np.int32) if aux else np.zeros(0, dtype=np.int32),
        pass_i,
        pass_bits,
        np.concatenate(phase_parts) if phase_parts else np.zeros(0),
        np.array(p.runs, dtype=np.int32).reshape(-1, 2),
    )
