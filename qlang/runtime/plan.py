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
numpy function (:mod:`qlang.runtime.compile_expr`).

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

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit
from qlang.ir.gates import GATES
from qlang.runtime.compile_expr import ExprFunction, compile_exprs

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
    #: per slot: ((symbol, compiled-derivative index), ...)
    slot_symbols: tuple[tuple[E.Symbol, ...], ...] = ()
    derivative: ExprFunction | None = field(default=None, repr=False)
    derivative_index: tuple[tuple[int, ...], ...] = ()
    #: runtime memo (gather index tables), not part of the plan's identity
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def gate_names(self) -> dict[int, str]:
        """The gate name owning each parameter slot."""
        return {
            s: g.name for blk in self.prefix + self.blocks for g in blk.gates for s in g.slots
        }


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
    """Fuse the gates of a unitary circuit into blocks (barriers are ignored)."""
    check_unitary(circuit)
    limits = (max_shared, max_batched, max_diagonal)
    exprs: list[E.Expr] = []
    raw: list[dict] = []  # qubits (set), gates, batched, diagonal
    latest: dict[int, int] = {}
    prefix: dict[int, list] = {}
    entangled: set[int] = set()
    for index, op in enumerate(circuit.ops):
        if op.name == "barrier":
            continue
        gd = GATES[op.name]
        slots = tuple(range(len(exprs), len(exprs) + len(op.params)))
        exprs.extend(op.params)
        batched = any(_depends_on_inputs(p) for p in op.params)
        gate = (index, op.name, op.qubits, slots)
        if len(op.qubits) == 1 and op.qubits[0] not in entangled:
            prefix.setdefault(op.qubits[0], []).append(gate)
            continue
        entangled.update(op.qubits)
        perm = op.name in PERMUTATION_GATES
        floor = max((latest[q] for q in op.qubits if q in latest), default=0)
        target = None
        for idx in range(len(raw) - 1, floor - 1, -1):
            if _accepts(raw[idx], op.qubits, gd.diagonal, batched, perm, limits):
                target = idx
                break
        if target is None:
            raw.append(
                {
                    "qubits": set(op.qubits),
                    "gates": [gate],
                    "batched": batched,
                    "diagonal": gd.diagonal and not perm,
                    "permutation": perm,
                }
            )
            target = len(raw) - 1
        else:
            blk = raw[target]
            blk["gates"].append(gate)
            if not blk["permutation"]:
                blk["batched"] = blk["batched"] or batched
                blk["diagonal"] = blk["diagonal"] and gd.diagonal
            blk["qubits"] |= set(op.qubits)
        for q in op.qubits:
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
    dexprs: list[E.Expr] = []
    dindex: list[tuple[int, ...]] = []
    for e, syms in zip(exprs, slot_symbols, strict=True):
        idx = []
        for s in syms:
            idx.append(len(dexprs))
            dexprs.append(E.diff(e, s))
        dindex.append(tuple(idx))
    return Plan(
        num_qubits=circuit.num_qubits,
        blocks=blocks,
        prefix=prefix_blocks,
        exprs=tuple(exprs),
        slot_batched=slot_batched,
        evaluate=compile_exprs(exprs),
        slot_symbols=slot_symbols,
        derivative=compile_exprs(dexprs),
        derivative_index=tuple(dindex),
    )


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
    if len(merged) > len(blk["qubits"]) and len(merged) > limit:
        return False
    mixes = blk["batched"] != batched and not is_diag and len(merged) > max_batched
    return not mixes


def _sym_key(s: E.Symbol) -> tuple[int, int]:
    return (0 if isinstance(s, E.Input) else 1, s.index)


def _order_blocks(n: int, raw: list[dict]) -> tuple[Block, ...]:
    """Pick each block's local qubit order to minimise state transposes."""
    from qlang.runtime.engine import layout_for

    order = tuple(range(n - 1, -1, -1))  # axis order of the state, most significant first
    out = []
    for i, blk in enumerate(raw):
        local = tuple(q for q in order if q in blk["qubits"])
        out_order: tuple[int, ...] = ()
        if blk["permutation"]:
            nxt = next((b for b in raw[i + 1 :] if not b["diagonal"] and not b["permutation"]),
                       None)
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
