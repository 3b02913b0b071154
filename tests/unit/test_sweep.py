"""``qlang sweep`` and ``qlang runs``: grids, run sources, checks, the sweep folder, failure
isolation, resuming after a real kill, and the table and plot."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qlang.diagnostics import QLangError
from qlang.sweep.grid import combinations, parse_grid, resolve_key, variant_source
from qlang.sweep.plan import make_plan
from qlang.sweep.table import read_table, summarize

MODEL = """\
import ansatze.real_amplitudes

model m {
  qubits     = 2
  observable = Z0 + Z1
  ansatz     = real_amplitudes(reps = 1)
  task       = minimize(observable)
  optimizer  = adam(lr = 0.05)
  train      { epochs = 3, checkpoint_every = 200 }
}
"""


def with_block(block: str) -> str:
    """MODEL with ``block`` as its last item."""
    return MODEL[: MODEL.rindex("}")] + f"  {block}\n}}\n"


def codes(err: QLangError) -> list[str]:
    return [d.code for d in err.diagnostics]


def write(tmp_path: Path, text: str = MODEL, name: str = "m.qml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def qlang(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qlang.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


# --- grids ------------------------------------------------------------------------------


def test_grid_axes_values_and_ranges() -> None:
    axes = parse_grid('optimizer = [cobyla(maxiter = 100), aqgd(eta = 0.5)]; seed = 3..6')
    assert [(a.key, a.block, a.name) for a in axes] == [
        ("optimizer", None, "optimizer"),
        ("seed", "train", "seed"),
    ]
    assert axes[0].values == ("cobyla(maxiter = 100)", "aqgd(eta = 0.5)")
    assert axes[1].values == ("3", "4", "5")
    assert len(combinations(axes)) == 6
    assert combinations(axes)[1] == {"optimizer": "cobyla(maxiter = 100)", "seed": "4"}


def test_grid_keys() -> None:
    assert resolve_key("noise") == ("target", "noise")
    assert resolve_key("train_shots") == ("train", "shots")
    with pytest.raises(QLangError) as e:
        resolve_key("shots")
    assert codes(e.value) == ["QL0900"] and "train_shots" in str(e.value.diagnostics[0].help)


@pytest.mark.parametrize(
    "grid, code",
    [
        ("optimiser = [adam()]", "QL0900"),
        ("seed = []", "QL0900"),
        ("seed = 5..5", "QL0900"),
        ("seed = 0.5..3", "QL0900"),
        ("seed = [1]; seed = [2]", "QL0900"),
        ("train { seed = 1 }", "QL0900"),
        ("seed = 0..20000", "QL0903"),
        ("seed = 0..200; epochs = 1..100", "QL0903"),
        ("seed = [1", "QL0002"),
    ],
)
def test_bad_grids(grid: str, code: str) -> None:
    with pytest.raises(QLangError) as e:
        parse_grid(grid)
    assert codes(e.value)[0] == code or (code == "QL0002" and codes(e.value)[0].startswith("QL00"))


def test_grid_is_parsed_by_our_parser_never_evaluated() -> None:
    with pytest.raises(QLangError) as e:  # not qlang syntax: a parse error, nothing runs
        parse_grid('optimizer = [__import__("os").system("false")]')
    assert codes(e.value) == ["QL0012"]
    axes = parse_grid("optimizer = [os_system(1)]")  # a call is kept as text, unchecked yet
    assert axes[0].values == ("os_system(1)",)


# --- the source of one run --------------------------------------------------------------


def test_variant_replaces_inserts_and_drops_the_sweep_block(tmp_path: Path) -> None:
    from qlang.driver import load_model

    text = with_block("sweep { seed = 0..2 }")
    out = variant_source(
        text, "m", {"optimizer": "sgd(lr = 0.2)", "seed": "7", "target_shots": "64"}
    )
    assert "sweep" not in out
    assert "optimizer  = sgd(lr = 0.2)" in out
    assert "train      { seed = 7; epochs = 3" in out
    assert "target { shots = 64 }" in out
    model = load_model(write(tmp_path, out))
    assert model.optimizer.name == "sgd" and dict(model.optimizer.kwargs)["lr"] == 0.2
    assert model.training.seed == 7 and model.target.shots == 64


def test_variant_adds_a_missing_model_setting(tmp_path: Path) -> None:
    from qlang.driver import load_model

    text = MODEL.replace("  optimizer  = adam(lr = 0.05)\n", "")
    out = variant_source(text, "m", {"optimizer": "spsa()"})
    assert load_model(write(tmp_path, out)).optimizer.name == "spsa"


# --- checks before anything runs ----------------------------------------------------------


def test_check_accepts_a_sweep_block_and_rejects_bad_ones(tmp_path: Path) -> None:
    from qlang.driver import check_file

    good = with_block("sweep { optimizer = [adam(), sgd()], seed = 0..3 }")
    check_file(write(tmp_path, good))
    for block, code in [
        ("sweep { optimiser = [adam()] }", "QL0900"),
        ("sweep { optimizer = [adam(), sgd(lr = -1)] }", "QL0901"),
        ("sweep { epochs = [0] }", "QL0901"),
    ]:
        bad = with_block(block)
        with pytest.raises(QLangError) as e:
            check_file(write(tmp_path, bad))
        assert codes(e.value)[0] == code, block


def test_plan_checks_every_run_first(tmp_path: Path) -> None:
    with pytest.raises(QLangError) as e:
        make_plan(write(tmp_path), "optimizer = [adam(), adam(beta1 = 2)]; seed = 0..2")
    assert codes(e.value)[:2] == ["QL0901", "QL0310"]
    assert "r002" in e.value.diagnostics[0].message
    with pytest.raises(QLangError) as e:
        make_plan(write(tmp_path))
    assert codes(e.value) == ["QL0900"]


def test_sweep_folder_is_never_someone_elses(tmp_path: Path) -> None:
    m = write(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    r = qlang("sweep", str(m), "--grid", "seed = 0..2", "--out", "mine", cwd=tmp_path)
    assert r.returncode == 1 and "QL0902" in r.stderr
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


# --- running ----------------------------------------------------------------------------


CSV_MODEL = """\
import encodings.angle
import ansatze.real_amplitudes

model c {
  data      = csv("good.csv", label = "label")
  input x: float[2]
  qubits    = 2
  encoding  = angle(x)
  ansatz    = real_amplitudes(reps = 1)
  readout   = expval([Z0, Z1]) |> softmax()
  task      = classify(classes = 2)
  optimizer = adam(lr = 0.05)
  train     { epochs = 2 }
}
"""


def test_sweep_isolates_failures_writes_table_resumes_and_plots(tmp_path: Path) -> None:
    m = write(tmp_path, CSV_MODEL)
    rows_ok = "".join(f"0.{i},0.{9 - i},{i % 2}\n" for i in range(10))
    (tmp_path / "good.csv").write_text("a,b,label\n" + rows_ok)
    # a file whose contents are bad fails at run time (check reads no data) for those runs
    (tmp_path / "bad.csv").write_text("a,b,label\n0.1,0.2,0\n0.3,x,1\n")
    grid = 'data = [csv("good.csv", label = "label"), csv("bad.csv", label = "label")]; seed = 0..2'
    r = qlang("sweep", str(m), "--grid", grid, "--out", "sw", "--workers", "2", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    table = read_table(tmp_path / "sw")
    rows = {row["run"]: row for row in table["runs"]}
    assert [rows[k]["status"] for k in sorted(rows)] == ["done", "done", "failed", "failed"]
    assert "QL0406" in rows["r002"]["error"]
    assert rows["r000"]["seed"] == 0 and rows["r001"]["seed"] == 1
    assert isinstance(rows["r000"]["test.accuracy"], float) and rows["r000"]["wall_s"] > 0
    assert rows["r000"]["qlang"] and rows["r000"]["numpy"]
    csv_head = (tmp_path / "sw" / "runs.csv").read_text().splitlines()[0].split(",")
    assert csv_head[:4] == ["run", "status", "data", "seed"] and "test.accuracy" in csv_head
    # each run is a normal run folder of a model file with those settings
    manifest = json.loads((tmp_path / "sw" / "runs" / "r001" / "run.json").read_text())
    assert manifest["complete"] and manifest["seed"] == 1
    finished = manifest["finished"]
    # the same sweep again: done runs are skipped, the failed ones run again
    r = qlang("sweep", str(m), "--grid", grid, "--out", "sw", cwd=tmp_path)
    assert "2 of 4 runs already done: skipped" in r.stderr
    again = json.loads((tmp_path / "sw" / "runs" / "r001" / "run.json").read_text())
    assert again["finished"] == finished
    # another grid into the same folder is refused
    r = qlang("sweep", str(m), "--grid", "seed = 0..3", "--out", "sw", cwd=tmp_path)
    assert r.returncode == 1 and "QL0902" in r.stderr
    # the comparison: a line per setting with mean +- std over seeds, and a plot
    r = qlang("runs", "sw", "--metric", "test.accuracy", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert 'data=csv("good.csv", label = "label")' in r.stdout and "n = 2" in r.stdout
    assert (tmp_path / "sw" / "runs.png").read_bytes()[:4] == b"\x89PNG"
    r = qlang("runs", "sw", "--metric", "acuracy", "--no-plot", cwd=tmp_path)
    assert r.returncode == 1 and "QL0906" in r.stderr
    r = qlang("runs", str(tmp_path / "sw" / "runs"), cwd=tmp_path)
    assert r.returncode == 1 and "QL0904" in r.stderr


def test_killed_sweep_resumes_only_the_missing_runs(tmp_path: Path) -> None:
    """A real SIGKILL of the sweep halfway through; the re-run skips the finished runs,
    continues the interrupted one from its checkpoint and runs the rest."""
    m = write(tmp_path)
    grid = "epochs = [2, 8000]; seed = 0..2"
    proc = subprocess.Popen(
        [sys.executable, "-m", "qlang.cli", "sweep", str(m), "--grid", grid, "--out", "sw",
         "--workers", "1"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    long_run = tmp_path / "sw" / "runs" / "r002"
    deadline = time.monotonic() + 300
    while not (long_run / "checkpoint.json").exists():
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.5)  # the worker dies with its parent (PR_SET_PDEATHSIG)
    before = json.loads((tmp_path / "sw" / "runs" / "r000" / "run.json").read_text())
    assert before["complete"]
    assert not json.loads((long_run / "run.json").read_text())["complete"]
    assert not (tmp_path / "sw" / "runs" / "r003").exists()
    r = qlang("sweep", str(m), "--grid", grid, "--out", "sw", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 of 4 runs already done: skipped" in r.stderr
    assert json.loads((tmp_path / "sw" / "runs" / "r000" / "run.json").read_text()) == before
    log = (tmp_path / "sw" / "logs" / "r002.log").read_text()
    assert log.count("== start") == 1 and log.count("== resume") == 1
    rows = read_table(tmp_path / "sw")["runs"]
    assert [r["status"] for r in rows] == ["done"] * 4
    assert [r["steps"] for r in rows] == [2.0, 2.0, 8000.0, 8000.0]
    groups = summarize(rows, ["epochs"], "energy")
    assert [g.n for g in groups] == [2, 2]


def test_several_files_are_all_checked_before_any_run(tmp_path: Path) -> None:
    a = write(tmp_path, name="a.qml")
    b = write(tmp_path, MODEL.replace("adam(lr = 0.05)", "adam(lr = 0.05, beta1 = 0.5)"), "b.qml")
    r = qlang("sweep", str(a), str(b), "--grid", "seed = 0..2", "--dry-run", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count("r001  seed = 1") == 2
    bad = write(tmp_path, MODEL.replace("adam(lr = 0.05)", "adam(lr = 0.05, beta1 = 2)"), "c.qml")
    r = qlang("sweep", str(a), str(bad), "--grid", "seed = 0..2", "--out", "all", cwd=tmp_path)
    assert r.returncode == 1 and "QL0901" in r.stderr
    assert not (tmp_path / "all").exists()  # the good file did not run either


# --- Ray (an optional extra) ------------------------------------------------------------


def test_ray_missing_gives_the_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from qlang.cli import main

    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails as if not installed
    m = write(tmp_path)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["sweep", str(m), "--grid", "seed = 0..2", "--ray"])
    assert r.exit_code == 1
    assert "QL0907" in r.output and "pip install 'qlang[ray]'" in r.output
    assert not (tmp_path / "sweeps").exists()  # nothing ran


@pytest.mark.slow
def test_sweep_on_a_local_ray_cluster(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    m = write(tmp_path)
    r = qlang("sweep", str(m), "--grid", "seed = 0..2", "--out", "sw", "--ray", "--workers", "2",
              cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = read_table(tmp_path / "sw")["runs"]
    assert [row["status"] for row in rows] == ["done", "done"]
    local = qlang("sweep", str(m), "--grid", "seed = 0..2", "--out", "loc", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    same = read_table(tmp_path / "loc")["runs"]
    assert [row["energy"] for row in rows] == [row["energy"] for row in same]


def test_train_says_it_ran_the_model_as_written(tmp_path: Path) -> None:
    m = write(tmp_path, with_block("sweep { seed = 0..3 }"))
    r = qlang("train", str(m), "--out", "run", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "the `sweep` block is read by `qlang sweep FILE`" in r.stderr
    r = qlang("train", str(write(tmp_path, name="plain.qml")), "--out", "run2", "-q", cwd=tmp_path)
    assert r.returncode == 0 and "sweep" not in r.stderr
