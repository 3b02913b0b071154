"""``qlang compile`` of a cut model emits its pieces and a manifest (issue 26).

The subexperiments of examples/cutting/qcnn_cut.qml compiled for its 5-qubit device are
golden files (tests/golden/cut_pieces/; regenerate after an intended change with
``QLANG_UPDATE_GOLDEN=1``). The emitted programs are run elsewhere, as a user would: the
OpenQASM 3 text read back by Qiskit's importer (the QPY files by Qiskit's loader), bound
by the manifest's parameter names, each run by the add-on's exact sampler (mid-circuit
measurements and resets included), and the manifest's recipe reconstructs the uncut
model's outputs to 1e-10. The folder is written atomically and never over user files.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qlang.cli import main
from qlang.diagnostics import QLangError
from qlang.driver import load_model
from tests.unit.test_cutting import SMALL

pytest.importorskip("qiskit_addon_cutting")

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "cutting" / "qcnn_cut.qml"
GOLDEN = ROOT / "tests" / "golden" / "cut_pieces" / "qcnn_cut"

#: three outputs, gate cuts onto 1-qubit pieces (mid-circuit measurements), a piece whose
#: subobservables need two measurement groups; routed on line(2) in an IBM basis at -O2
GATES = SMALL.replace(
    "TARGET",
    'device = line(2), basis = ["cx", "rz", "sx", "x"], optimization_level = 2,\n'
    '           cutting = auto(max_qubits = 1, cuts = "gates")',
)


def compile_cli(*args: str) -> object:
    return CliRunner().invoke(main, ["compile", *args])


def run_pieces(folder: Path, x: np.ndarray, w: np.ndarray, loader: str = "qasm3") -> np.ndarray:
    """The emitted programs run as a user would, reconstructed by the manifest."""
    import qiskit.qasm3
    from qiskit import qpy
    from qiskit_addon_cutting.utils.simulation import ExactSampler

    from qlang.cutting.emit import reconstruct

    manifest = json.loads((folder / "manifest.json").read_text())
    values = dict(zip(manifest["parameters"], [*x, *w], strict=True))
    results = {}
    for piece in manifest["pieces"]:
        for s in piece["subexperiments"]:
            path = folder / s["file"]
            if loader == "qasm3":
                qc = qiskit.qasm3.loads(path.read_text())
            else:
                qc = qpy.load(io.BytesIO(path.read_bytes()))[0]
            assert qc.num_qubits <= 5 and qc.num_clbits == s["clbits"]
            qc = qc.assign_parameters({p: values[p.name] for p in qc.parameters})
            results[s["file"]] = ExactSampler().run([qc]).result().quasi_dists[0]
    return reconstruct(manifest, results)


def uncut(model, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    from qlang.sim import QuantumFunction

    return QuantumFunction(model.main).forward(x[None], w)[0]


def test_the_qcnn_pieces_are_the_golden_files(tmp_path) -> None:
    out = tmp_path / "pieces"
    res = compile_cli(str(EXAMPLE), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert "16 subexperiments of 2 pieces" in res.stderr
    files = sorted(p.name for p in out.iterdir())
    if os.environ.get("QLANG_UPDATE_GOLDEN"):
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for old in GOLDEN.iterdir():
            old.unlink()
        for name in files:
            (GOLDEN / name).write_bytes((out / name).read_bytes())
    assert files == sorted(p.name for p in GOLDEN.iterdir()), "run with QLANG_UPDATE_GOLDEN=1"
    assert len(files) == 17 and "manifest.json" in files
    for name in files:
        assert (out / name).read_text() == (GOLDEN / name).read_text(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["device"] == "line(5)" and manifest["cutting"]["sampling_overhead"] == 16.0
    assert [p["model_qubits"] for p in manifest["pieces"]] == [[0, 1, 2, 3], [0, 4, 5, 6, 7]]
    assert len(manifest["coefficients"]) == 8


@pytest.mark.parametrize("src", [EXAMPLE, GATES], ids=["qcnn_wire_cut", "gate_cuts_3_outputs"])
def test_emitted_pieces_run_elsewhere_reconstruct_the_uncut_outputs(tmp_path, src) -> None:
    path = src if isinstance(src, Path) else tmp_path / "m.qml"
    if not isinstance(src, Path):
        path.write_text(src)
    model = load_model(path)
    res = compile_cli(str(path), "-o", str(tmp_path / "p"))
    assert res.exit_code == 0, res.output
    rng = np.random.default_rng(7)
    for _ in range(2):
        x = rng.uniform(0, np.pi, model.main.circuit.num_inputs)
        w = rng.uniform(0, 2 * np.pi, model.main.circuit.num_weights)
        got, ref = run_pieces(tmp_path / "p", x, w), uncut(model, x, w)
        assert np.max(np.abs(got - ref)) < 1e-10, (got, ref)
        assert np.max(np.abs(ref[:2])) > 1e-3  # not a trivially zero output


def test_qiskit_pieces_reconstruct_and_tket_pieces_load(tmp_path) -> None:
    model = load_model(EXAMPLE)
    assert compile_cli(str(EXAMPLE), "-t", "qiskit", "-o", str(tmp_path / "q")).exit_code == 0
    rng = np.random.default_rng(3)
    x = rng.uniform(0, np.pi, 8)
    w = rng.uniform(0, 2 * np.pi, model.main.circuit.num_weights)
    got = run_pieces(tmp_path / "q", x, w, loader="qpy")
    assert np.max(np.abs(got - uncut(model, x, w))) < 1e-10
    pytket = pytest.importorskip("pytket")
    assert compile_cli(str(EXAMPLE), "-t", "tket", "-o", str(tmp_path / "t")).exit_code == 0
    manifest = json.loads((tmp_path / "t" / "manifest.json").read_text())
    for piece in manifest["pieces"]:
        for s in piece["subexperiments"]:
            bundle = json.loads((tmp_path / "t" / s["file"]).read_text())
            c = pytket.Circuit.from_dict(bundle["circuit"])
            assert c.n_qubits <= 5 and bundle["parameters"] == manifest["parameters"]
            assert c.n_gates_of_type(pytket.OpType.Measure) >= 1


def test_the_folder_is_new_or_empty_and_written_at_once(tmp_path, monkeypatch) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("user data")
    res = compile_cli(str(EXAMPLE), "-o", str(busy))
    assert res.exit_code == 1 and "QL0805" in res.output, res.output
    assert [p.name for p in busy.iterdir()] == ["mine.txt"]
    afile = tmp_path / "afile"
    afile.write_text("keep")
    res = compile_cli(str(EXAMPLE), "-o", str(afile))
    assert res.exit_code == 1 and "QL0805" in res.output and afile.read_text() == "keep"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert compile_cli(str(EXAMPLE), "-o", str(empty)).exit_code == 0
    assert len(list(empty.iterdir())) == 17
    from qlang.commands import compile as cmd

    calls = []

    def fails_on_the_third(compiled, target, binary):  # noqa: ANN001, ANN202
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return "x"

    monkeypatch.setattr(cmd, "_render", fails_on_the_third)
    res = compile_cli(str(EXAMPLE), "-o", str(tmp_path / "half"))
    assert res.exit_code != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "busy", "empty"]  # no leftovers


def test_stdout_measure_and_whole(tmp_path) -> None:
    res = compile_cli(str(EXAMPLE))
    assert res.exit_code == 0, res.output
    assert res.stdout.count("==> p") == 16 and "==> manifest.json <==" in res.stdout
    manifest = json.loads(res.stdout.split("==> manifest.json <==\n", 1)[1])
    assert manifest["kind"] == "qlang-cut-pieces"
    res = compile_cli(str(EXAMPLE), "--measure", "-o", str(tmp_path / "m"))
    assert res.exit_code == 1 and "QL0956" in res.output and "qcnn_cut.qml:40" in res.output
    assert not (tmp_path / "m").exists()
    res = compile_cli(str(EXAMPLE), "--whole")
    assert res.exit_code == 1 and "QL0955" in res.output
    res = compile_cli(str(EXAMPLE), "--whole", "--device", "none")
    assert res.exit_code == 0 and "qubit[8] q;" in res.stdout
    unrouted = compile_cli(str(EXAMPLE), "--device", "none", "-o", str(tmp_path / "u"))
    assert unrouted.exit_code == 0
    m = json.loads((tmp_path / "u" / "manifest.json").read_text())
    assert {s["qubits"] for p in m["pieces"] for s in p["subexperiments"]} == {4, 5}
    assert all(s["layout"] is None for p in m["pieces"] for s in p["subexperiments"])


def test_api_and_doctests() -> None:
    import doctest

    import qlang
    import qlang.cutting.emit as emit

    with pytest.raises(QLangError) as err:
        qlang.compile(load_model(EXAMPLE))
    assert err.value.codes == ["QL0955"] and "compile_pieces" in (err.value.diagnostics[0].help or "")
    pieces = emit.compile_pieces(load_model(EXAMPLE), "qasm3")
    assert len(pieces.files) == 16 and pieces.manifest["target"] == "qasm3"
    result = doctest.testmod(emit, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
