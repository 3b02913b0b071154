"""Conformance: the OpenQASM corpus imports correctly and survives QASM3 -> IR -> QASM3.

``corpus/qiskit*_*.qasm`` are Qiskit circuit-library circuits written by
Qiskit's exporters (regenerate with ``make_corpus.py``); ``dyn_*``/``hand_*``
are hand-written dynamic circuits and modifier tests. For unitary programs the
imported IR's unitary must equal Qiskit's reading of the same file (exact, with
random parameter values); every program must round-trip through our OpenQASM 3
(accepted by ``openqasm3.parse`` and ``qiskit.qasm3.loads``) to an equivalent IR.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openqasm3
import pytest
from qiskit import qasm2, qasm3
from qiskit.quantum_info import Operator
from qlang.targets.qasm3 import to_qasm3
from qlang.targets.qasm_import import import_qasm, import_qasm_file

from qlang.ir.circuit import Circuit
from qlang.ir.reference import equal_up_to_phase, unitary

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.qasm"))
SEED = 4


def _dynamic(c: Circuit) -> bool:
    return any(op.name in ("measure", "reset") or op.condition for op in c.ops)


def _qiskit_unitary(path: Path, names: list[str], values: np.ndarray) -> np.ndarray:
    text = path.read_text()
    qc = qasm2.loads(text) if "OPENQASM 2" in text else qasm3.loads(text)
    if qc.parameters:
        by_name = dict(zip(names, values, strict=True))
        qc = qc.assign_parameters({p: by_name[p.name] for p in qc.parameters})
    return Operator(qc).data


def test_corpus_is_present() -> None:
    assert len(CORPUS) >= 20
    assert any(p.name.startswith("qiskit2_") for p in CORPUS)
    assert any(p.name.startswith("dyn_") for p in CORPUS)


#: Unitary circuits (dynamic ones, ``dyn_*``, have no unitary: the round trip checks them).
STATIC = [p for p in CORPUS if not p.stem.startswith("dyn_")]


@pytest.mark.parametrize("path", STATIC, ids=[p.stem for p in STATIC])
def test_import_matches_qiskit(path: Path) -> None:
    c = import_qasm_file(path)
    assert not _dynamic(c), f"{path.name} is dynamic: name it dyn_*"
    values = np.random.default_rng(SEED).uniform(-np.pi, np.pi, c.num_inputs)
    want = _qiskit_unitary(path, c.parameter_names(), values)
    got = unitary(c, values)
    assert np.allclose(got, want, atol=1e-8), f"seed={SEED} {path.name}"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_round_trip(path: Path) -> None:
    c = import_qasm_file(path)
    text = to_qasm3(c)
    openqasm3.parse(text)
    loaded = qasm3.loads(text)
    assert loaded.num_qubits == c.num_qubits
    back = import_qasm(text)
    assert back.parameter_names() == _identifiers(c)
    if _dynamic(c):
        assert [(o.name, o.qubits, o.clbits, o.condition) for o in back.ops] == [
            (o.name, o.qubits, o.clbits, o.condition) for o in c.ops
        ]
        assert all(np.allclose(_vals(a), _vals(b)) for a, b in zip(back.ops, c.ops, strict=True))
        return
    values = np.random.default_rng(SEED).uniform(-np.pi, np.pi, c.num_inputs)
    assert equal_up_to_phase(unitary(back, values), unitary(c, values), atol=1e-8)


def _identifiers(c: Circuit) -> list[str]:
    from qlang.targets.names import parameter_identifiers

    return parameter_identifiers(c)


def _vals(op) -> list[float]:  # type: ignore[no-untyped-def]
    from qlang.ir import expr as E

    x = np.linspace(0.1, 0.9, 8).reshape(1, -1)
    return [float(E.evaluate(p, x, np.zeros(0))[0]) for p in op.params]


def test_dynamic_teleport_semantics() -> None:
    """Teleportation: the corrections are conditioned on the right bits."""
    c = import_qasm_file(Path(__file__).parent / "corpus" / "dyn_teleport.qasm")
    conds = [(op.name, op.qubits, op.condition) for op in c.ops if op.condition]
    assert [(n, q, (k.clbits, k.value)) for n, q, k in conds] == [
        ("x", (2,), ((1,), 1)),
        ("z", (2,), ((0,), 1)),
    ]


def test_contradictory_nested_branch_is_dropped() -> None:
    c = import_qasm_file(Path(__file__).parent / "corpus" / "dyn_repeat_until_success.qasm")
    # round 0: inside `c[0] == 1` the `!c[0]` branch never runs; only `else { y }` remains
    round0 = [op for op in c.ops if op.condition and op.condition.clbits[0] == 0]
    assert [op.name for op in round0] == ["z", "y"]


def test_inverse_of_nested_controlled_gate_is_the_adjoint() -> None:
    """Qiskit's importer leaves `u` unbound in `inv @ block(...)`; check U_inv == U^dagger."""
    head = (
        'OPENQASM 3.0;\ninclude "stdgates.inc";\ninput float[64] a;\ninput float[64] b;\n'
        "qubit[3] q;\n"
        "gate layer(t) x, y { ry(t) x; ry(-t / 2) y; cx x, y; gphase(t / 4); }\n"
        "gate block(t, u) x, y, z { layer(t) x, y; ctrl @ layer(u) z, x, y; }\n"
    )
    vals = np.array([0.7, -1.1])
    fwd = unitary(import_qasm(head + "block(a, b) q[0], q[1], q[2];\n"), vals)
    inv = unitary(import_qasm(head + "inv @ block(a, b) q[0], q[1], q[2];\n"), vals)
    assert np.allclose(inv, fwd.conj().T, atol=1e-9)
