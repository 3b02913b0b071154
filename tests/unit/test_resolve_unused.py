"""`qlang check` resolves names in every definition of the file, not only the lowered parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from qlang import check
from qlang.diagnostics import QLangError

MODEL = """
import encodings.angle
import ansatze.basic_entangler

model m {
  data = iris(test = 0.3, seed = 0)
  qubits = 4
  encoding = angle(x, rotation = "y")
  ansatz = basic_entangler(layers = 1)
  readout = expval([Z0, Z1, Z2]) |> softmax()
  task = classify(classes = 3)
  loss = cross_entropy
  optimizer = adam(lr = 0.1)
  train { epochs = 1 }
}
"""


def _codes(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    f = tmp_path / "m.qml"
    f.write_text(text)
    try:
        check(f)
    except QLangError as err:
        return [(d.code, d.message) for d in err.diagnostics]
    return []


def test_unused_circuit_with_unknown_gate_is_an_error(tmp_path: Path) -> None:
    text = "circuit unused on q[2] {\n  hh q[0];\n}\n" + MODEL
    assert _codes(tmp_path, text) == [("QL0102", "unknown gate or circuit `hh`")]


def test_unused_circuit_with_unknown_name_is_an_error(tmp_path: Path) -> None:
    text = "circuit unused(t: float) on q[n] {\n  rx(t + tehta) q[0];\n}\n" + MODEL
    assert _codes(tmp_path, text) == [("QL0101", "unknown name `tehta`")]


def test_a_library_file_without_models_is_checked(tmp_path: Path) -> None:
    text = "observable o on q[n] = sum(Z[i] * k for i in 0..n);\n"
    assert _codes(tmp_path, text) == [("QL0101", "unknown name `k`")]


def test_a_loop_that_runs_zero_times_is_still_resolved(tmp_path: Path) -> None:
    text = (
        "circuit c(x: float[n]) on q[n] {\n  for i in 0..0 {\n    rx(x[i]) q[i];\n"
        "    bogus q[i];\n  }\n}\n"
        + MODEL.replace('angle(x, rotation = "y")', "c(x)")
    )
    assert _codes(tmp_path, text) == [("QL0102", "unknown gate or circuit `bogus`")]


def test_an_error_lowering_finds_is_reported_once(tmp_path: Path) -> None:
    text = "circuit c(x: float[n]) on q[n] {\n  hh q[0];\n}\n" + MODEL.replace(
        'angle(x, rotation = "y")', "c(x)"
    )
    assert [c for c, _ in _codes(tmp_path, text)] == ["QL0102"]


@pytest.mark.parametrize(
    "body",
    [
        "let k = 2;\n  rx(k * t) q[0];",
        "for (i, j) in pairs(n, \"linear\") {\n    cx q[i], q[j];\n  }",
        "bit[1] c;\n  measure q[0] -> c[0];",
        "rx(pi * t) q[0];\n  ctrl(1) @ x q[0], q[1];",
        "rx(sum(t * i for i in 0..n)) q[0];",
    ],
)
def test_bound_names_are_not_reported(tmp_path: Path, body: str) -> None:
    text = f"circuit ok(t: float) on q[n] {{\n  {body}\n}}\n" + MODEL
    assert _codes(tmp_path, text) == []
