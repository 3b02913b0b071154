"""Property: ctrl/inv of random gate sequences equal the controlled/inverse unitary."""

from __future__ import annotations

import numpy as np
from hypothesis import given, note, seed, settings
from hypothesis import strategies as st

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.gates import GATES
from qlang.ir.reference import unitary
from qlang.semantics.modifiers import control_ops, inverse_ops

NAMES = sorted(g for g, d in GATES.items() if d.num_qubits in (1, 2))


@st.composite
def sequences(draw):  # type: ignore[no-untyped-def]
    ops = []
    for _ in range(draw(st.integers(1, 5))):
        name = draw(st.sampled_from(NAMES))
        gd = GATES[name]
        qubits = draw(st.permutations([0, 1]))[: gd.num_qubits]
        params = tuple(E.Const(draw(st.floats(-3.0, 3.0))) for _ in range(gd.num_params))
        ops.append(Operation(name, tuple(q + 1 for q in qubits), params))
    return tuple(ops)


@seed(20261123)
@settings(max_examples=40, deadline=None)
@given(sequences())
def test_control_and_inverse_of_sequences(ops: tuple[Operation, ...]) -> None:
    note(f"ops={[(o.name, o.qubits) for o in ops]}")
    body = unitary(Circuit(3, ops))
    inv = unitary(Circuit(3, inverse_ops(ops)))
    assert np.allclose(inv @ body, np.eye(8), atol=1e-9)
    ctl = unitary(Circuit(3, control_ops(ops, (0,))))
    odd = [i for i in range(8) if i & 1]
    even = [i for i in range(8) if not i & 1]
    assert np.allclose(ctl[np.ix_(odd, odd)], body[np.ix_(odd, odd)], atol=1e-9)
    assert np.allclose(ctl[np.ix_(even, even)], np.eye(4), atol=1e-9)
    neg = unitary(Circuit(3, control_ops(ops, (0,), negative=True)))
    assert np.allclose(neg[np.ix_(even, even)], body[np.ix_(even, even)], atol=1e-9)
