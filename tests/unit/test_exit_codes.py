"""The exit-code contract of every command: 0 success, 1 bad input or usage (a coded
diagnostic, no traceback), 2 internal error (a short message; the traceback only with
``--debug`` or ``QLANG_DEBUG=1``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qlang.cli import main

MODEL = """import encodings.angle

model tiny {
  data      = moons(n = 40, noise = 0.05)
  qubits    = 2
  encoding  = angle(x)
  readout   = expval(Z0)
  task      = classify(classes = 2)
  optimizer = adam(lr = 0.1)
  train     { epochs = 2, seed = 3 }
}
"""
BAD = "circuit c() on q[1] {\n  h q[0]\n}\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("proj")
    (root / "m.qml").write_text(MODEL)
    (root / "bad.qml").write_text(BAD)
    (root / "x.csv").write_text("a,b\n0.1,0.2\n0.3,0.4\n")
    r = CliRunner().invoke(main, ["train", str(root / "m.qml"), "-q", "--out", str(root / "w")])
    assert r.exit_code == 0, r.output
    return root


def commands(root: Path) -> dict[str, dict[str, list[str]]]:
    """Per command: a good run, a bad-input run, a usage error."""
    m, bad, w = str(root / "m.qml"), str(root / "bad.qml"), str(root / "w")
    return {
        "check": {"ok": ["check", m], "bad": ["check", bad], "usage": ["check"]},
        "fmt": {"ok": ["fmt", "--check", m], "bad": ["fmt", bad], "usage": ["fmt", "--nope", m]},
        "inspect": {
            "ok": ["inspect", m, "--no-draw"],
            "bad": ["inspect", bad],
            "usage": ["inspect", m, "--qubits", "many"],
        },
        "compile": {
            "ok": ["compile", m],
            "bad": ["compile", bad],
            "usage": ["compile", m, "--target", "cobol"],
        },
        "passes": {"ok": ["passes"], "bad": ["passes", "--passes", "no-such-pass"], "usage": ["passes", "-O", "x"]},
        "train": {
            "ok": ["train", m, "-q", "--out", str(root / "t"), "--epochs", "1"],
            "bad": ["train", bad],
            "usage": ["train", m, "--epochs", "0"],
        },
        "predict": {
            "ok": ["predict", m, "--weights", w, "--input", str(root / "x.csv")],
            "bad": ["predict", m, "--weights", str(root / "nowhere"), "--input", "x.csv"],
            "usage": ["predict", m],
        },
        "eval": {
            "ok": ["eval", m, "--weights", w],
            "bad": ["eval", m, "--weights", str(root)],
            "usage": ["eval", m, "--weights"],
        },
    }


#: Where each command can be made to fail like a bug would.
INJECT = {
    "check": "qlang.api.check",
    "fmt": "qlang.formatter.format_source",
    "inspect": "qlang.commands.inspect.inspect_file",
    "compile": "qlang.compiler.compile",
    "passes": "qlang.passes.registry.available_passes",
    "train": "qlang.train.api.train_run",
    "predict": "qlang.train.api.load",
    "eval": "qlang.train.api.evaluate",
}
NAMES = sorted(INJECT)


def run(args: list[str], **env: str):
    return CliRunner(env=env or None).invoke(main, args)


@pytest.mark.parametrize("name", NAMES)
def test_success_is_0(project, name):
    r = run(commands(project)[name]["ok"])
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_is_1_with_a_coded_diagnostic(project, name):
    r = run(commands(project)[name]["bad"])
    assert r.exit_code == 1, r.output
    assert "error[QL" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("name", NAMES)
def test_usage_errors_are_1_with_ql0880_not_clicks_2(project, name):
    r = run(commands(project)[name]["usage"])
    assert r.exit_code == 1, r.output
    assert "error[QL0880]" in r.output and "Traceback" not in r.output


@pytest.mark.parametrize("name", NAMES)
def test_a_bug_is_2_with_a_short_message_and_the_traceback_only_on_request(
    project, name, monkeypatch
):
    module, attr = INJECT[name].rsplit(".", 1)

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(f"{module}.{attr}", boom)
    args = commands(project)[name]["ok"]
    r = run(args)
    assert r.exit_code == 2, r.output
    assert "internal error: RuntimeError: boom" in r.output
    assert "bug in qlang" in r.output and "Traceback" not in r.output
    assert "--debug" in r.output
    for debug in (run(["--debug", *args]), run(args, QLANG_DEBUG="1")):
        assert debug.exit_code == 2 and "Traceback" in debug.output


def test_unknown_command_and_help_and_version():
    assert run(["frobnicate"]).exit_code == 1
    assert "QL0880" in run(["frobnicate"]).output
    assert run(["--help"]).exit_code == 0
    assert run(["train", "--help"]).exit_code == 0 and "--resume" in run(["train", "--help"]).output
    assert run(["--version"]).exit_code == 0


def test_real_processes_follow_the_contract(project):
    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "qlang.cli", *args], capture_output=True, text=True
        )

    assert cli("check", str(project / "m.qml")).returncode == 0
    usage = cli("train", str(project / "m.qml"), "--epochz", "3")
    assert usage.returncode == 1 and "QL0880" in usage.stderr
    bad = cli("check", str(project / "bad.qml"))
    assert bad.returncode == 1 and "QL0002" in bad.stderr and "Traceback" not in bad.stderr


def test_compile_to_an_unwritable_path_is_a_coded_error(project, tmp_path):
    m = str(project / "m.qml")
    for target in (str(tmp_path / "no" / "such" / "dir" / "\0x"), str(tmp_path)):
        r = run(["compile", m, "-o", target])
        assert r.exit_code == 1 and "Traceback" not in r.output
    blocked = tmp_path / "file"
    blocked.write_text("")
    r = run(["compile", m, "-o", str(blocked / "out.qasm")])
    assert r.exit_code == 1 and "error[QL0805]" in r.output


def test_a_malformed_memory_setting_is_one_coded_error(project):
    r = run(["check", str(project / "m.qml")], QLANG_MEMORY="lots")
    assert r.exit_code == 1 and "QL0820" in r.output
    r = run(["train", str(project / "m.qml"), "--memory", "-3G"])
    assert r.exit_code == 1 and "QL0820" in r.output
