"""``commute-reorder`` equals its plain reference: pairwise ``commutes`` checks for group
membership and an O(n^2) earliest-start list schedule (the pass uses per-qubit kinds and a
heap of stale starts)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from qlang.passes.commutation import commutes
from qlang.passes.optimization.reorder import CommuteReorder

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Condition, Operation, ParamDecl

ONE = ["rz", "rx", "ry", "h", "s", "x", "sx", "id", "p", "y"]
TWO = ["cx", "cz", "rzz", "rxx", "ryy", "cy", "crx", "swap", "cp"]
ANGLED = {"rz", "rx", "ry", "p", "rzz", "rxx", "ryy", "crx", "cp"}


def reference(c: Circuit, max_group: int) -> tuple[Operation, ...]:
    level = [0] * c.num_qubits
    out: list[Operation] = []
    group: list[Operation] = []

    def place(op: Operation) -> None:
        start = max((level[q] for q in op.qubits), default=0)
        for q in op.qubits:
            level[q] = start + (0 if op.name == "barrier" else 1)
        out.append(op)

    def flush() -> None:
        todo = list(range(len(group)))
        while todo:
            if len(group) > 2:
                best = min(todo, key=lambda i: (max(level[q] for q in group[i].qubits), i))
            else:
                best = todo[0]
            todo.remove(best)
            place(group[best])
        group.clear()

    for op in c.ops:
        gate = op.is_gate and op.condition is None
        shared = [g for g in group if set(g.qubits) & set(op.qubits)]
        if gate and len(group) < max_group and all(commutes(g, op) for g in shared):
            group.append(op)
            continue
        flush()
        if gate:
            group.append(op)
        else:
            place(op)
    flush()
    return tuple(out)


@st.composite
def circuits(draw):
    n = draw(st.integers(2, 5))
    ops = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.sampled_from(["one", "two", "two", "measure", "cond"]))
        if kind == "two":
            name = draw(st.sampled_from(TWO))
            qs = tuple(draw(st.permutations(range(n)))[:2])
        elif kind == "one":
            name, qs = draw(st.sampled_from(ONE)), (draw(st.integers(0, n - 1)),)
        else:
            name, qs = ("measure" if kind == "measure" else "x"), (draw(st.integers(0, n - 1)),)
        ops.append(
            Operation(
                name,
                qs,
                (E.Weight(0),) if name in ANGLED else (),
                clbits=(0,) if kind == "measure" else (),
                condition=Condition((0,), 1) if kind == "cond" else None,
            )  # fmt: skip
        )
    return Circuit(n, tuple(ops), num_clbits=1, weights=(ParamDecl("w", (1,), 0),))


@settings(max_examples=400, deadline=None)
@given(circuits(), st.sampled_from([512, 4]))
def test_commute_reorder_equals_the_plain_reference(circuit, max_group):
    assert CommuteReorder(max_group=max_group).run(circuit).circuit.ops == reference(
        circuit, max_group
    )
