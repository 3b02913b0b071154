"""Run folders: never losing a user's files, locks, checkpoints and bit-identical resume.

The regression tests of issue 20's data-loss reproducers: ``--out .`` in a project
deleted the project; ``--out DIR`` renamed and deleted any folder; two writers both
"succeeded"; an interrupted run could not be resumed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import qlang
from qlang.cli import main
from qlang.diagnostics import QLangError
from qlang.train.api import train_run

ADAM = """import encodings.reuploading

model tiny {
  data      = circles(n = 60, noise = 0.05, factor = 0.5)
  qubits    = 1
  encoding  = reuploading(x, layers = 2)
  readout   = expval(Z0) |> sigmoid()
  task      = classify(classes = 2)
  loss      = mse
  optimizer = adam(lr = 0.05)
  train     { epochs = EPOCHS, batch_size = 10, seed = 4, checkpoint_every = 1,
              early_stopping = early_stopping(patience = 40) }
}
"""

SPSA_SHOTS = """import encodings.reuploading

model tiny {
  data      = circles(n = 40, noise = 0.05, factor = 0.5)
  qubits    = 1
  encoding  = reuploading(x, layers = 1)
  readout   = expval(Z0)
  task      = regress
  optimizer = spsa(maxiter = 10)
  train     { seed = 2, shots = 64, checkpoint_every = 1 }
}
"""

COBYLA = ADAM.replace("adam(lr = 0.05)", "cobyla(maxiter = 20)").replace(
    """{ epochs = EPOCHS, batch_size = 10, seed = 4, checkpoint_every = 1,
              early_stopping = early_stopping(patience = 40) }""",
    "{ seed = 4, checkpoint_every = 1 }",
)


def write(folder: Path, text: str, name: str = "m.qml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize(
    "text, stop",
    [(ADAM.replace("EPOCHS", "12"), 5), (SPSA_SHOTS, 4)],
    ids=["adam-batches-early-stopping", "spsa-with-shots"],
)
def test_an_interrupted_run_resumes_to_bit_identical_weights(tmp_path, text, stop):
    src = write(tmp_path, text)
    model = qlang.load_model(src)
    source = src.read_text()
    train_run(model, out=tmp_path / "full", quiet=True, source=source)
    with pytest.raises(KeyboardInterrupt):
        train_run(model, out=tmp_path / "part", quiet=True, source=source, stop_after=stop)
    saved = json.loads((tmp_path / "part" / "checkpoint.json").read_text())
    assert saved["epoch"] == stop and "weights.json" not in files(tmp_path / "part")
    manifest = json.loads((tmp_path / "part" / "run.json").read_text())
    assert manifest["complete"] is False and manifest["resumable"] is True
    result = train_run(model, resume=tmp_path / "part", quiet=True, source=source)
    assert result.path == tmp_path / "part"
    assert (tmp_path / "part" / "weights.json").read_bytes() == (
        tmp_path / "full" / "weights.json"
    ).read_bytes()
    curve = (tmp_path / "part" / "curve.csv").read_text().splitlines()
    assert len(curve) == len((tmp_path / "full" / "curve.csv").read_text().splitlines())
    assert json.loads((tmp_path / "part" / "run.json").read_text())["complete"] is True
    assert "checkpoint.json" not in files(tmp_path / "part")  # done: nothing to resume


def test_resuming_refuses_a_complete_run_a_changed_model_and_other_settings(tmp_path):
    src = write(tmp_path, ADAM.replace("EPOCHS", "3"))
    model = qlang.load_model(src)
    train_run(model, out=tmp_path / "done", quiet=True, source=src.read_text())
    with pytest.raises(QLangError) as err:
        train_run(model, resume=tmp_path / "done", quiet=True, source=src.read_text())
    assert err.value.codes == ["QL0853"] and "complete" in str(err.value)
    with pytest.raises(KeyboardInterrupt):
        train_run(model, out=tmp_path / "p", quiet=True, source=src.read_text(), stop_after=1)
    edited = write(tmp_path, src.read_text().replace("lr = 0.05", "lr = 0.06"), "m2.qml")
    with pytest.raises(QLangError) as err:
        train_run(qlang.load_model(edited), resume=tmp_path / "p", quiet=True)
    assert err.value.codes == ["QL0853"] and "changed" in str(err.value)
    with pytest.raises(QLangError) as err:
        train_run(model, resume=tmp_path / "p", seed=99, quiet=True, source=src.read_text())
    assert err.value.codes == ["QL0853"] and "seed" in str(err.value)
    with pytest.raises(QLangError) as err:
        train_run(model, resume=tmp_path, quiet=True, source=src.read_text())
    assert err.value.codes == ["QL0853"]


def test_a_corrupted_checkpoint_is_a_coded_error(tmp_path):
    src = write(tmp_path, ADAM.replace("EPOCHS", "6"))
    model = qlang.load_model(src)
    with pytest.raises(KeyboardInterrupt):
        train_run(model, out=tmp_path / "p", quiet=True, source=src.read_text(), stop_after=2)
    ckpt = tmp_path / "p" / "checkpoint.json"
    good = ckpt.read_text()
    data = json.loads(good)
    data["state"]["params"]["ndarray"] = [1.0]  # wrong length
    for bad in ("{", json.dumps(data), json.dumps({"format": "x"}), "\x00\xff"):
        ckpt.write_text(bad)
        with pytest.raises(QLangError) as err:
            train_run(model, resume=tmp_path / "p", quiet=True, source=src.read_text())
        assert err.value.codes == ["QL0854"], bad
    ckpt.write_text(good)
    train_run(model, resume=tmp_path / "p", quiet=True, source=src.read_text())


def test_scipy_runs_are_not_resumable_and_say_so(tmp_path):
    src = write(tmp_path, COBYLA)
    model = qlang.load_model(src)
    train_run(model, out=tmp_path / "c", quiet=True, source=src.read_text())
    manifest = json.loads((tmp_path / "c" / "run.json").read_text())
    assert manifest["resumable"] is False and manifest["complete"] is True


def test_out_dot_in_a_project_is_refused_and_deletes_nothing(tmp_path, monkeypatch):
    proj = tmp_path / "proj"
    src = write(proj, ADAM.replace("EPOCHS", "2"))
    (proj / "notes.txt").write_text("my notes")
    (proj / "data").mkdir()
    (proj / "data" / "d.csv").write_text("a,y\n1,0\n")
    before = {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()}
    monkeypatch.chdir(proj)
    r = CliRunner().invoke(main, ["train", "m.qml", "--out", ".", "-q"])
    assert r.exit_code == 1 and "error[QL0850]" in r.output and "Traceback" not in r.output
    after = {p: p.read_bytes() for p in proj.rglob("*") if p.is_file()}
    assert after == before and src.exists()


def test_overwrite_replaces_only_a_complete_run_of_the_same_model(tmp_path, monkeypatch):
    src = write(tmp_path, ADAM.replace("EPOCHS", "2"))
    other = write(tmp_path, ADAM.replace("EPOCHS", "2").replace("model tiny", "model other"), "o.qml")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["train", str(src), "-q", "--out", "r"]).exit_code == 0
    r = runner.invoke(main, ["train", str(other), "-q", "--out", "r", "--overwrite"])
    assert r.exit_code == 1 and "QL0851" in r.output and "model `tiny`" in r.output
    (tmp_path / "r" / "mine.txt").write_text("keep")
    r = runner.invoke(main, ["train", str(src), "-q", "--out", "r", "--overwrite"])
    assert r.exit_code == 1 and "QL0851" in r.output and (tmp_path / "r" / "mine.txt").exists()
    (tmp_path / "r" / "mine.txt").unlink()
    r = runner.invoke(main, ["train", str(src), "-q", "--out", "r", "--overwrite", "--seed", "8"])
    assert r.exit_code == 0, r.output
    assert json.loads((tmp_path / "r" / "run.json").read_text())["seed"] == 8
    assert files(tmp_path) == ["m.qml", "o.qml", "r"]  # no leftovers, no numbered folder


def test_default_out_numbers_new_runs(tmp_path, monkeypatch):
    src = write(tmp_path, ADAM.replace("EPOCHS", "2"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for _ in range(3):
        r = runner.invoke(main, ["train", "m.qml", "-q"])
        assert r.exit_code == 0, r.output
    assert files(tmp_path / "runs") == ["m", "m-2", "m-3"]
    assert "runs/m-3" in r.output and src.exists()


def test_a_failed_start_leaves_nothing_behind(tmp_path):
    src = write(tmp_path, ADAM.replace("EPOCHS", "2").replace("circles(", "csv(\"nope.csv\", label = \"y\", "))
    with pytest.raises(QLangError):
        train_run(qlang.load_model(src), out=tmp_path / "r", quiet=True)
    assert not (tmp_path / "r").exists()


def test_an_unfinished_run_is_not_read_as_weights(tmp_path):
    src = write(tmp_path, ADAM.replace("EPOCHS", "6"))
    model = qlang.load_model(src)
    with pytest.raises(KeyboardInterrupt):
        train_run(model, out=tmp_path / "p", quiet=True, source=src.read_text(), stop_after=2)
    r = CliRunner().invoke(main, ["eval", str(src), "--weights", str(tmp_path / "p")])
    assert r.exit_code == 1 and "QL0658" in r.output and "--resume" in r.output


def _cli(*args: str, cwd: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "qlang.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_epoch(ckpt: Path, epoch: int, proc: subprocess.Popen, limit: float = 120) -> int:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            got = json.loads(ckpt.read_text())["epoch"]
            if got >= epoch:
                return int(got)
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.02)
    raise AssertionError("the run made no checkpoint in time")


def test_a_second_writer_fails_fast_while_the_first_holds_the_lock(tmp_path):
    """Two real processes on one run folder: the second exits 1 with QL0852 at once."""
    # no early stopping: the first writer must still be training when the second starts,
    # however slowly the second process starts on a loaded machine (it is killed below)
    long_run = ADAM.replace("EPOCHS", "100000").replace(
        ",\n              early_stopping = early_stopping(patience = 40)", ""
    )
    assert "early_stopping" not in long_run
    write(tmp_path, long_run)
    first = _cli("train", "m.qml", "--out", "r", "-q", cwd=tmp_path)
    try:
        _wait_for_epoch(tmp_path / "r" / "checkpoint.json", 1, first)
        started = time.monotonic()
        second = _cli("train", "m.qml", "--out", "r", "-q", cwd=tmp_path)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 1, err
        assert "error[QL0852]" in err and f"pid {first.pid}" in err and "Traceback" not in err
        assert time.monotonic() - started < 60  # failed fast: it did not train
        assert first.poll() is None  # the first writer is untouched
    finally:
        first.kill()
        first.wait()
    # the lock file of a killed writer stays behind, and is taken over
    from qlang.train.runs import RunLock

    assert (tmp_path / "r" / ".lock").exists()
    RunLock(tmp_path / "r").acquire().release()


def test_killing_a_training_process_and_resuming_gives_the_same_weights(tmp_path):
    """A real interruption: SIGKILL a `qlang train` process mid-run, then `--resume`."""
    write(tmp_path, ADAM.replace("EPOCHS", "150"))
    subprocess.run(
        [sys.executable, "-m", "qlang.cli", "train", "m.qml", "--out", "full", "-q"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    proc = _cli("train", "m.qml", "--out", "part", "-q", cwd=tmp_path)
    try:
        killed_at = _wait_for_epoch(tmp_path / "part" / "checkpoint.json", 3, proc)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert killed_at < 150 and not (tmp_path / "part" / "weights.json").exists()
    done = subprocess.run(
        [sys.executable, "-m", "qlang.cli", "train", "m.qml", "--resume", "part", "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "part" / "weights.json").read_bytes() == (
        tmp_path / "full" / "weights.json"
    ).read_bytes()
