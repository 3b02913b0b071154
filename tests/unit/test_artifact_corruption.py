"""A table of corrupted run folders: `predict` and `eval` must answer each with a coded
diagnostic (exit 1), never a traceback. Before issue 20, 27 of 44 such cases escaped as
KeyError, TypeError or ValueError."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qlang.cli import main

CLASSIFY = """import encodings.angle
import ansatze.basic_entangler

model tiny {
  data      = moons(n = 40, noise = 0.05) |> minmax(0, 3)
  qubits    = 2
  encoding  = angle(x)
  ansatz    = basic_entangler(layers = 1)
  readout   = expval(Z0)
  task      = classify(classes = 2)
  optimizer = adam(lr = 0.1)
  train     { epochs = 2, seed = 3 }
}
"""
GENERATE = """import ansatze.basic_entangler

model gen {
  data     = bars_and_stripes(1, 2)
  qubits   = 2
  ansatz   = basic_entangler(layers = 1)
  readout  = probs(q)
  task     = generate
  train    { epochs = 2 }
}
"""
KERNEL = """import encodings.angle

model ker {
  data     = moons(n = 30, noise = 0.05)
  qubits   = 2
  encoding = angle(x)
  task     = kernel(method = "svc")
}
"""

Edit = Callable[[Path], None]


def on_json(name: str, change: Callable[[Any], Any]) -> Edit:
    def edit(folder: Path) -> None:
        p = folder / name
        p.write_text(json.dumps(change(json.loads(p.read_text()))))

    return edit


def raw(name: str, data: bytes | str) -> Edit:
    def edit(folder: Path) -> None:
        p = folder / name
        if isinstance(data, str):
            p.write_text(data)
        else:
            p.write_bytes(data)

    return edit


def setting(key: str, value: Any) -> Edit:
    def change(d: dict) -> dict:
        d[key] = value
        return d

    return on_json("weights.json", change)


def dropping(key: str, name: str = "weights.json") -> Edit:
    def change(d: dict) -> dict:
        d.pop(key, None)
        return d

    return on_json(name, change)


def in_extra(key: str, value: Any) -> Edit:
    def change(d: dict) -> dict:
        if value is KeyError:
            d["extra"].pop(key, None)
        else:
            d["extra"][key] = value
        return d

    return on_json("weights.json", change)


def step(index: int, change: Callable[[dict], Any]) -> Edit:
    def edit(d: dict) -> dict:
        change(d["preprocess"][index])
        return d

    return on_json("weights.json", edit)


def weights_text(transform: Callable[[str], str]) -> Edit:
    def edit(folder: Path) -> None:
        p = folder / "weights.json"
        p.write_text(transform(p.read_text()))

    return edit


def remove(name: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / name).unlink()

    return edit


def special(name: str, kind: str) -> Edit:
    def edit(folder: Path) -> None:
        p = folder / name
        p.unlink()
        if kind == "fifo":
            os.mkfifo(p)
        elif kind == "dir":
            p.mkdir()
        elif kind == "huge":
            with p.open("wb") as fh:
                fh.truncate(300 * 2**20)  # sparse: larger than the artifact limit
        else:
            p.symlink_to("/dev/zero")

    return edit


def first_param(value: Any) -> Edit:
    def change(d: dict) -> dict:
        d["params"][0] = value
        return d

    return on_json("weights.json", change)


CASES: dict[str, tuple[str, Edit]] = {
    # the file itself
    "weights missing": ("classify", remove("weights.json")),
    "empty file": ("classify", raw("weights.json", "")),
    "truncated JSON": ("classify", weights_text(lambda t: t[: len(t) // 2])),
    "binary garbage": ("classify", raw("weights.json", bytes(range(256)) * 4)),
    "invalid UTF-8": ("classify", raw("weights.json", b'{"format": "\xff\xfe"}')),
    "a JSON array": ("classify", raw("weights.json", "[1, 2, 3]")),
    "JSON null": ("classify", raw("weights.json", "null")),
    "nested 100k deep": ("classify", raw("weights.json", "[" * 100_000 + "]" * 100_000)),
    "huge file": ("classify", special("weights.json", "huge")),
    "a FIFO": ("classify", special("weights.json", "fifo")),
    "a directory": ("classify", special("weights.json", "dir")),
    "a link to /dev/zero": ("classify", special("weights.json", "link")),
    # keys and types
    "no format": ("classify", dropping("format")),
    "another format": ("classify", setting("format", "qlang-weights/99")),
    "no task": ("classify", dropping("task")),
    "task is a number": ("classify", setting("task", 42)),
    "unknown task": ("classify", setting("task", "fly")),
    "another task": ("classify", setting("task", "regress")),
    "no params": ("classify", dropping("params")),
    "params is a string": ("classify", setting("params", "abc")),
    "a NaN parameter": ("classify", weights_text(lambda t: t.replace('"params": [', '"params": [NaN, ', 1))),
    "an infinite parameter": ("classify", first_param(1e400)),
    "a string parameter": ("classify", first_param("0.5")),
    "a nested parameter": ("classify", first_param([0.5])),
    "a boolean parameter": ("classify", first_param(True)),
    "one parameter short": (
        "classify",
        on_json("weights.json", lambda d: {**d, "params": d["params"][:-1], "names": d["names"][:-1]}),
    ),
    "no names": ("classify", dropping("names")),
    "names too short": ("classify", on_json("weights.json", lambda d: {**d, "names": d["names"][1:]})),
    "a name is a number": ("classify", on_json("weights.json", lambda d: {**d, "names": [1] * len(d["names"])})),
    "no seed": ("classify", dropping("seed")),
    "seed is text": ("classify", setting("seed", "x")),
    "seed is a float": ("classify", setting("seed", 1.5)),
    # preprocessing
    "preprocess not a list": ("classify", setting("preprocess", {"a": 1})),
    "unknown step": ("classify", step(1, lambda s: s.update(name="blur"))),
    "step without state": ("classify", step(1, lambda s: s.pop("state"))),
    "minmax without lo": ("classify", step(1, lambda s: s["state"].pop("lo"))),
    "minmax with NaN": ("classify", weights_text(lambda t: t.replace('"lo": [', '"lo": [NaN, ', 1))),
    "minmax of the wrong width": ("classify", step(1, lambda s: s["state"]["lo"].append(0.0))),
    "input width negative": ("classify", step(0, lambda s: s["state"].update(width=-1))),
    "input width 3": ("classify", step(0, lambda s: s["state"].update(width=3))),
    # task state
    "extra not an object": ("classify", setting("extra", [1])),
    "no num_classes": ("classify", in_extra("num_classes", KeyError)),
    "zero classes": ("classify", in_extra("num_classes", 0)),
    "labels not scalars": ("classify", in_extra("labels", [{}, []])),
    "generate without target": ("generate", in_extra("target", KeyError)),
    "target of 3 outcomes": ("generate", in_extra("target", [0.5, 0.25, 0.25])),
    "negative target": ("generate", in_extra("target", [1.5, -0.5, 0.0, 0.0])),
    "kernel method unknown": ("kernel", in_extra("method", "forest")),
    "kernel C negative": ("kernel", in_extra("options", {"C": -1})),
    "kernel X_train ragged": ("kernel", in_extra("X_train", [[0.1, 0.2], [0.3]])),
    "kernel one class": ("kernel", in_extra("y_train", [0] * 22)),
    "kernel X_train of 3 features": ("kernel", in_extra("X_train", [[0.1, 0.2, 0.3]] * 22)),
    # the rest of the folder
    "metrics garbage": ("classify", raw("metrics.json", "{oops")),
    "metrics a list": ("classify", raw("metrics.json", "[]")),
    "manifest garbage": ("classify", raw("run.json", "{oops")),
    "manifest without keys": ("classify", raw("run.json", "{}")),
    "manifest incomplete": ("classify", on_json("run.json", lambda d: {**d, "complete": False})),
}

SOURCES = {"classify": CLASSIFY, "generate": GENERATE, "kernel": KERNEL}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    root = tmp_path_factory.mktemp("corrupt")
    (root / "x.csv").write_text("a,b\n0.1,0.2\n0.3,0.4\n")
    out = {}
    for name, text in SOURCES.items():
        src = root / f"{name}.qml"
        src.write_text(text)
        run = root / f"run-{name}"
        r = CliRunner().invoke(main, ["train", str(src), "-q", "--out", str(run)])
        assert r.exit_code == 0, r.output
        out[name] = (src, run)
    return out


def test_the_table_has_about_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_corrupted_run_folder_is_a_coded_error(runs, tmp_path, case):
    kind, edit = CASES[case]
    src, good = runs[kind]
    folder = tmp_path / "w"
    shutil.copytree(good, folder)
    edit(folder)
    data = src.parent / "x.csv"
    commands = [["eval", str(src), "--weights", str(folder)]]
    if kind != "kernel" or case.startswith("kernel X"):
        commands.append(["predict", str(src), "--weights", str(folder), "--input", str(data)])
    for args in commands:
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 1, (case, args[0], r.output)
        assert "Traceback" not in r.output and "internal error" not in r.output, (case, r.output)
        assert "error[QL06" in r.output or "error[QL04" in r.output, (case, r.output)


@pytest.mark.parametrize("name", sorted(__import__("qlang.catalog").catalog.names("preprocess")))
def test_every_catalog_step_stored_by_training_passes_the_weights_check(name):
    """A valid weights file never gets a false QL0658: each catalog step, fitted with its
    documented example arguments, is accepted by the check (a new step must be added)."""
    import numpy as np

    from qlang import catalog
    from qlang.ir.model import Call
    from qlang.train.data.preprocess import FittedStep, fit_steps
    from qlang.train.weights_check import check_weights

    entry = catalog.lookup("preprocess", name)
    example = tuple((p.name, p.example) for p in entry.params if p.example is not None)
    X = np.random.default_rng(0).uniform(size=(10, 16))
    steps = [FittedStep("input", {"width": 16}), *fit_steps((Call(name, (), example),), X, np.arange(10) % 2)]
    check_weights(
        {
            "format": "qlang-weights/1",
            "task": "regress",
            "seed": 1,
            "params": [0.5],
            "names": ["w"],
            "preprocess": [json.loads(json.dumps(s.to_json())) for s in steps],
        },
        "weights.json",
    )
