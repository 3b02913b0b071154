"""Regenerate the Qiskit-exported part of the conformance corpus.

Run: ``python tests/conformance/make_corpus.py`` (writes ``corpus/qiskit_*.qasm``).
Circuits come from Qiskit's circuit library and are written by Qiskit's own
exporters (``qasm3.dumps``, and ``qasm2.dumps`` for the QASM 2 files), so the
importer is tested on text it did not produce itself.
"""

from __future__ import annotations

from pathlib import Path

from qiskit import qasm2, qasm3, transpile
from qiskit.circuit import QuantumCircuit
from qiskit.circuit import library as lib
from qiskit.circuit.random import random_circuit

HERE = Path(__file__).parent / "corpus"


def circuits() -> dict[str, QuantumCircuit]:
    ghz = QuantumCircuit(4)
    ghz.h(0)
    for i in range(3):
        ghz.cx(i, i + 1)
    return {
        "qft4": lib.QFTGate(4).definition,
        "real_amplitudes": lib.real_amplitudes(3, reps=2),
        "efficient_su2": lib.efficient_su2(3, reps=1),
        "zz_feature_map": lib.zz_feature_map(3, reps=1),
        "quantum_volume": lib.quantum_volume(3, seed=7).decompose(),
        "random": random_circuit(4, 6, max_operands=3, seed=11),
        "grover_op": lib.grover_operator(lib.QFTGate(2).definition),
        "iqp": lib.iqp([[6, 5, 3], [5, 4, 5], [3, 5, 1]]),
        "ghz": ghz,
        "excitation_preserving": lib.excitation_preserving(3, reps=1),
        "mcx_vchain": lib.MCXGate(3).definition,
    }


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, qc in circuits().items():
        (HERE / f"qiskit3_{name}.qasm").write_text(qasm3.dumps(qc))
        if not qc.parameters:
            flat = transpile(
                qc,
                basis_gates=["u3", "u2", "u1", "cx", "rz", "sx", "x", "h", "cu1", "ccx"],
                optimization_level=0,
                seed_transpiler=1,
            )
            (HERE / f"qiskit2_{name}.qasm").write_text(qasm2.dumps(flat))


if __name__ == "__main__":
    main()
