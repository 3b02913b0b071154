"""`qlang compile` of a model whose target names an execution backend compiles for it."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("qiskit_ibm_runtime")

import qlang  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _with_target(tmp_path: Path, target: str) -> Path:
    text = (ROOT / "examples" / "havlicek_vqc.qml").read_text()
    start = text.index("target")
    end = text.index("}", start) + 1
    f = tmp_path / "m.qml"
    f.write_text(text[:start] + target + text[end:])
    return f


def test_a_fake_backend_in_the_file_is_the_device_compiled_for(tmp_path: Path) -> None:
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    compiled = qlang.compile(_with_target(tmp_path, 'target { backend = fake("manila") }'))
    target = FakeManilaV2().target
    assert compiled.ir.num_qubits == target.num_qubits
    assert any("fake_manila" in n for n in compiled.notes)
    for op in compiled.ir.ops:
        if len(op.qubits) == 2:
            assert target.instruction_supported(op.name, tuple(op.qubits)), op


def test_an_explicit_device_still_wins(tmp_path: Path) -> None:
    f = _with_target(tmp_path, 'target { backend = fake("manila") }')
    assert qlang.compile(f, device="line(3)").ir.num_qubits == 3
