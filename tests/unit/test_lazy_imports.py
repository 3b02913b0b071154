"""``import qlang``, ``qlang check`` and ``qlang train`` on the embedded simulator load no
heavy optional library the run does not need (each in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("qiskit", "pytket", "matplotlib", "sklearn", "scipy", "networkx", "jax", "torch")


def loaded(body: str, tmp_path: Path) -> set[str]:
    """The heavy top-level packages in ``sys.modules`` after running ``body``."""
    code = (
        "import json, sys\n"
        f"{body}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def cli(*args: str) -> str:
    return (
        "from qlang.cli import main\n"
        f"sys.argv = ['qlang', {', '.join(repr(a) for a in args)}]\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
    )


def test_import_qlang_is_light(tmp_path: Path) -> None:
    assert loaded("import qlang", tmp_path) == set()


def test_check_loads_no_heavy_library(tmp_path: Path) -> None:
    assert loaded(cli("check", str(ROOT / "examples" / "iris_vqc.qml")), tmp_path) == set()


@pytest.mark.parametrize("example", ["iris_vqc", "havlicek_vqc", "qaoa_maxcut"])
def test_check_does_not_import_numpy(tmp_path: Path, example: str) -> None:
    """Checking a model needs no array library: numpy's import was a quarter of the time of
    ``qlang check`` (gate matrices and expression functions are built on first use)."""
    body = cli("check", str(ROOT / "examples" / f"{example}.qml"))
    code = body + "print(json.dumps(['numpy'] if 'numpy' in sys.modules else []))"
    proc = subprocess.run(
        [sys.executable, "-c", "import json, sys\n" + code],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize("example", ["iris_vqc"])
def test_train_on_the_embedded_simulator(tmp_path: Path, example: str) -> None:
    """Training loads matplotlib only to draw curve.png (when it is written), and no
    scikit-learn (bundled data, numpy metrics), Qiskit, pytket, scipy or networkx."""
    path = ROOT / "examples" / f"{example}.qml"
    from qlang.sim.executor import compiled_available

    mods = loaded(cli("train", str(path), "--epochs", "1", "--out", "run", "-q"), tmp_path)
    assert (tmp_path / "run" / "metrics.json").exists()
    # the reference engine (no compiled executor) uses scipy's BLAS wrappers
    assert mods <= {"matplotlib"} | (set() if compiled_available() else {"scipy"})
    assert (tmp_path / "run" / "curve.png").exists() == ("matplotlib" in mods)
