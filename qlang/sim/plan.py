"""Compile a circuit into a reusable execution plan of fused gate blocks.

One-qubit gates that act before any multi-qubit gate touches their qubit form
the *prefix*: they prepare a product state, built directly by outer products.
The remaining gates are fused greedily (respecting qubit dependencies) into *blocks* acting
on at most ``max_qubits`` qubits. A block is ``shared`` when none of its
angles depend on inputs (one small matrix for the whole batch), ``batched``
otherwise (one small matrix per sample), and ``diagonal`` when every gate in it
is diagonal (applied as element-wise phases, no data movement). Runs of
one-qubit gates always end up in one block. The plan is compiled once per
circuit structure; parameter values are evaluated per call by one generated
numpy function (:mod:`qlang.sim.compile_expr`).

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.ir.expr import Weight
    >>> c = Circuit(2, (Operation("h", (0,)), Operation("rz", (0,), (Weight(0),)),
    ...                 Operation("cx", (0, 1))))
    >>> p = compile_plan(c)
    >>> [(b.qubits, len(b.gates)) for b in p.prefix], [(b.qubits, len(b.gates)) for b in p.blocks]
    ([((0,), 2)], [((1, 0), 1)])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES
from qlang.sim.compile_expr import ExprFunction, compile_exprs
from qlang.sim.layout import layout_for

#: Default fusion limits (qubits per block) for shared, batched and diagonal blocks.
MAX_SHARED = 4
MAX_BATCHED = 2
MAX_DIAGONAL = 10
#: Gates that permute basis states (fused into gather passes).
PERMUTATION_GATES = frozenset({"x", "cx", "swap", "ccx", "cswap", "mcx"})


@dataclass(frozen=True, slots=True)
class GateRef:
    """One gate inside a block: ``slots`` index the plan's flat parameter list."""

    op_index: int
    name: str
    qubits: tuple[int, ...]
    slots: tuple[int, ...]
    pos: tuple[int, ...]  # positions of ``qubits`` in the block's local order


@dataclass(frozen=True, slots=True)
class Block:
    """Fused gates on ``qubits`` (local order: first is the most significant bit)."""

    qubits: tuple[int, ...]
    gates: tuple[GateRef, ...]
    batched: bool
    diagonal: bool
    #: a network of basis permutations (x, cx, swap, ccx, cswap, mcx): one gather pass
    permutation: bool = False
    #: for permutation blocks: the qubit-axis order the gather writes
    out_order: tuple[int, ...] = ()

    @property
    def dim(self) -> int:
        return 2 ** len(self.qubits)


@dataclass(frozen=True)
class Plan:
    """The compiled form of a unitary circuit (see module docstring)."""

    num_qubits: int
    blocks: tuple[Block, ...]
    #: one-qubit blocks run first on ``|0>``: together they prepare a product state
    prefix: tuple[Block, ...]
    exprs: tuple[E.Expr, ...]  # one per gate parameter slot
    slot_batched: tuple[bool, ...]
    evaluate: ExprFunction = field(repr=False)
    #: per slot: the inputs and weights its angle depends on
    slot_symbols: tuple[tuple[E.Symbol, ...], ...] = ()
    #: runtime memo (gather tables, compiled derivatives), not part of the plan's identity
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def derivatives(self) -> tuple[ExprFunction, tuple[tuple[int, ...], ...]]:
        """``(f, index)``: ``f(x, w)[index[slot][i]]`` is d angle / d ``slot_symbols[slot][i]``.

        Compiled on first use (forward-only users never pay for it).
        """
        if "derivatives" not in self.memo:
            dexprs: list[E.Expr] = []
            dindex: list[tuple[int, ...]] = []
            for e, syms in zip(self.exprs, self.slot_symbols, strict=True):
                positions: list[int] = []
                for s in syms:
                    positions.append(len(dexprs))
                    dexprs.append(E.diff(e, s))
                dindex.append(tuple(positions))
            self.memo["derivatives"] = (compile_exprs(dexprs), tuple(dindex))
        return self.memo["derivatives"]

    def gate_names(self) -> dict[int, str]:
        """The gate name owning each parameter slot."""
        return {s: g.name for blk in self.prefix + self.blocks for g in blk.gates for s in g.slots}


def _depends_on_inputs(e: E.Expr) -> bool:
    return any(isinstance(s, E.Input) for s in E.symbols(e))


def check_unitary(circuit: Circuit) -> None:
    """Raise ``QL0602`` when an exact (statevector) run meets a non-unitary op."""
    for op in circuit.ops:
        if op.name in ("measure", "reset") or op.condition is not None:
            what = f"conditioned `{op.name}`" if op.condition is not None else f"`{op.name}`"
            raise QLangError(
                [
                    Diagnostic.error(
                        "QL0602",
                        f"exact simulation cannot run mid-circuit {what}",
                        op.span,
                        help="set `shots` to simulate measurements, resets and "
                        "conditioned gates by sampling",
                    )
                ]
            )


def compile_plan(
    circuit: Circuit,
    max_shared: int = MAX_SHARED,
    max_batched: int = MAX_BATCHED,
    max_diagonal: int = MAX_DIAGONAL,
) -> Plan:
    """Fuse the gates of a unitary circuit into blocks (barriers are ignored).

    Plans are cached per circuit structure and limits (circuits are immutable).
    """
    check_unitary(circuit)
    try:
        return _cached_plan(circuit, max_shared, max_batched, max_diagonal)
    except TypeError:  # an unhashable circuit (should not happen with the IR classes)
        return _compile(circuit, max_shared, max_batched, max_diagonal)


@lru_cache(maxsize=64)
def _cached_plan(circuit: Circuit, max_shared: int, max_batched: int, max_diagonal: int) -> Plan:
    return _compile(circuit, max_shared, max_batched, max_diagonal)


def _compile(circuit: Circuit, max_shared: int, max_batched: int, max_diagonal: int) -> Plan:
    limits = (max_shared, max_batched, max_diagonal)
    exprs: list[E.Expr] = []
    raw: list[dict] = []  # qubits (set), gates, batched, diagonal
    latest: dict[int, int] = {}
    prefix: dict[int, list] = {}
    entangled: set[int] = set()
    for unit in fusion_units(circuit):
        gates = []
        batched = False
        for index, op in unit:
            slots = tuple(range(len(exprs), len(exprs) + len(op.params)))
            exprs.extend(op.params)
            batched = batched or any(_depends_on_inputs(p) for p in op.params)
            gates.append((index, op.name, op.qubits, slots))
        qubits = tuple(sorted({q for _, op in unit for q in op.qubits}))
        first = unit[0][1]
        if len(unit) == 1 and len(qubits) == 1 and qubits[0] not in entangled:
            prefix.setdefault(qubits[0], []).append(gates[0])
            continue
        entangled.update(qubits)
        perm = len(unit) == 1 and first.name in PERMUTATION_GATES
        diagonal = len(unit) > 1 or GATES[first.name].diagonal
        floor = max((latest[q] for q in qubits if q in latest), default=0)
        target = None
        for idx in range(len(raw) - 1, floor - 1, -1):
            if _accepts(raw[idx], qubits, diagonal, batched, perm, limits):
                target = idx
                break
        if target is None:
            raw.append(
                {
                    "qubits": set(qubits),
                    "gates": gates,
                    "batched": batched,
                    "diagonal": diagonal and not perm,
                    "permutation": perm,
                }
            )
            target = len(raw) - 1
        else:
            blk = raw[target]
            blk["gates"].extend(gates)
            if not blk["permutation"]:
                blk["batched"] = blk["batched"] or batched
                blk["diagonal"] = blk["diagonal"] and diagonal
            blk["qubits"] |= set(qubits)
        for q in qubits:
            latest[q] = target
    blocks = _order_blocks(circuit.num_qubits, raw)
    prefix_blocks = tuple(
        Block(
            (q,),
            tuple(GateRef(i, name, qs, sl, (0,)) for i, name, qs, sl in gates),
            batched=any(_depends_on_inputs(exprs[s]) for *_, sl in gates for s in sl),
            diagonal=all(GATES[name].diagonal for _, name, _, _ in gates),
        )
        for q, gates in sorted(prefix.items())
    )
    slot_batched = tuple(_depends_on_inputs(e) for e in exprs)
    slot_symbols = tuple(tuple(sorted(E.symbols(e), key=_sym_key)) for e in exprs)
    return Plan(
        num_qubits=circuit.num_qubits,
        blocks=blocks,
        prefix=prefix_blocks,
        exprs=tuple(exprs),
        slot_batched=slot_batched,
        evaluate=compile_exprs(exprs),
        slot_symbols=slot_symbols,
    )


def fusion_units(circuit: Circuit) -> list[list[tuple[int, Operation]]]:
    """Group ops for fusion: ``cx(a, b); diagonal gates on b; cx(a, b)`` is one diagonal unit."""
    ops = [(i, op) for i, op in enumerate(circuit.ops) if op.name != "barrier"]
    units: list[list[tuple[int, Operation]]] = []
    i = 0
    while i < len(ops):
        op = ops[i][1]
        if op.name == "cx":
            a, b = op.qubits
            j = i + 1
            while j < len(ops) and ops[j][1].qubits == (b,) and GATES[ops[j][1].name].diagonal:
                j += 1
            if (
                j > i + 1
                and j < len(ops)
                and ops[j][1].name == "cx"
                and ops[j][1].qubits == op.qubits
            ):
                units.append(ops[i : j + 1])
                i = j + 1
                continue
        units.append([ops[i]])
        i += 1
    return units


def _accepts(
    blk: dict,
    qubits: tuple[int, ...],
    diagonal: bool,
    batched: bool,
    perm: bool,
    limits: tuple[int, int, int],
) -> bool:
    """May a gate join block ``blk`` (all dependency checks done by the caller)?"""
    if blk["permutation"] or perm:
        if blk["permutation"]:
            return perm
        return not blk["diagonal"] and set(qubits) <= blk["qubits"]
    max_shared, max_batched, max_diagonal = limits
    merged = blk["qubits"] | set(qubits)
    is_batched = blk["batched"] or batched
    is_diag = blk["diagonal"] and diagonal
    limit = max_diagonal if is_diag else (max_batched if is_batched else max_shared)
    # The limit applies to the merged block's kind: a large diagonal block must not
    # absorb a non-diagonal gate (that would turn it into a dense 2^k x 2^k matrix).
    if len(merged) > limit:
        return False
    mixes = blk["batched"] != batched and not is_diag and len(merged) > max_batched
    return not mixes


def _sym_key(s: E.Symbol) -> tuple[int, int]:
    return (0 if isinstance(s, E.Input) else 1, s.index)


def _order_blocks(n: int, raw: list[dict]) -> tuple[Block, ...]:
    """Pick each block's local qubit order to minimise state transposes."""
    order = tuple(range(n - 1, -1, -1))  # axis order of the state, most significant first
    out = []
    for i, blk in enumerate(raw):
        local = tuple(q for q in order if q in blk["qubits"])
        out_order: tuple[int, ...] = ()
        if blk["permutation"]:
            nxt = next(
                (b for b in raw[i + 1 :] if not b["diagonal"] and not b["permutation"]), None
            )
            if nxt is not None:
                order = tuple(q for q in order if q not in nxt["qubits"]) + tuple(
                    q for q in order if q in nxt["qubits"]
                )
            out_order = order
        elif not blk["diagonal"]:
            order = layout_for(order, local)[1]
        gates = tuple(
            GateRef(i, name, qs, slots, tuple(local.index(q) for q in qs))
            for i, name, qs, slots in blk["gates"]
        )
        out.append(
            Block(local, gates, blk["batched"], blk["diagonal"], blk["permutation"], out_order)
        )
    return tuple(out)
