"""A notebook with the `%%qlang` magic and the rich displays, executed in a real Jupyter
kernel (nbclient + ipykernel); its outputs are checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[2]
IRIS = (ROOT / "examples" / "iris_vqc.qml").read_text()

CELLS = [
    "%load_ext qlang",
    "%%qlang\n" + IRIS,
    "%%qlang\n" + IRIS.replace("adam", "adma"),
    '%%qlang compile --device "line(4)" --name circ\n' + IRIS,
    "%%qlang train --epochs 3 --name run\n" + IRIS,
    "print(repr(iris_vqc)); print(repr(circ)); print(run.metrics['test']['accuracy'] >= 0)",
    "import qlang\ntry:\n    qlang.check('missing_model.qml')\nexcept qlang.QLangError as err:\n"
    "    display(err)",
    "iris_vqc.circuit.num_qubits",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> list:
    work = tmp_path_factory.mktemp("notebook")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in CELLS]
    client = nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    )
    client.execute()
    nbformat.write(nb, work / "qlang_demo.ipynb")
    return nb.cells


def _outputs(cell) -> list:  # type: ignore[no-untyped-def]
    return list(cell.get("outputs", []))


def _html(cell) -> str:  # type: ignore[no-untyped-def]
    return "".join(o.get("data", {}).get("text/html", "") for o in _outputs(cell))


def test_no_cell_fails(executed: list) -> None:
    for i, cell in enumerate(executed):
        errors = [o for o in _outputs(cell) if o["output_type"] == "error"]
        assert not errors, f"cell {i}: {json.dumps(errors)[:2000]}"


def test_the_magic_checks_and_shows_the_model(executed: list) -> None:
    html = _html(executed[1])
    assert "model iris_vqc" in html and "<svg" in html
    from qlang.driver import load_model

    names = load_model(ROOT / "examples" / "iris_vqc.qml").circuit.weight_names()
    assert all(n in html for n in names)  # the drawing names the weights in full


def test_diagnostics_are_shown_inline(executed: list) -> None:
    html = _html(executed[2])
    assert "error[QL0305]" in html and "did you mean `adam`?" in html
    assert "&lt;cell 3&gt;.qml:14:" in html  # the cell and the line of the setting


def test_compile_shows_stats_layout_and_drawing(executed: list) -> None:
    html = _html(executed[3])
    assert "compiled iris_vqc" in html and "two-qubit gates" in html
    assert "initial" in html and "final" in html and "<svg" in html


def test_train_shows_live_progress_curve_and_metrics(executed: list) -> None:
    outs = _outputs(executed[4])
    progress = [o for o in outs if "qlang-progress" in o.get("data", {}).get("text/html", "")]
    assert progress and progress[0]["output_type"] == "display_data"
    assert progress[0].get("transient", {}).get("display_id") or progress[0]["metadata"] is not None
    html = _html(executed[4])
    assert "epoch 3/3" in html  # the display was updated to the end
    assert "training run of iris_vqc" in html and "<polyline" in html
    assert "accuracy" in html and "test" in html and "train" in html
    assert not [o for o in outs if o["output_type"] == "stream" and o["name"] == "stderr"]


def test_reprs_are_short(executed: list) -> None:
    text = "".join(o.get("text", "") for o in _outputs(executed[5]))
    lines = text.splitlines()
    assert lines[0].startswith("Model('iris_vqc'") and len(lines[0]) < 200
    assert lines[1].startswith("Compiled('iris_vqc'") and len(lines[1]) < 200
    assert lines[2] == "True"


def test_errors_display_richly(executed: list) -> None:
    assert "QL0010" in _html(executed[6])


def test_compiled_repr_is_short_in_python() -> None:
    import qlang

    c = qlang.compile(ROOT / "examples" / "iris_vqc.qml")
    assert len(repr(c)) < 200
    assert len(repr(qlang.load_model(ROOT / "examples" / "iris_vqc.qml"))) < 200
    assert c._repr_svg_().startswith("<svg")
