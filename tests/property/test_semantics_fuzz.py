"""Mutation fuzzing: mutated examples and stdlib circuits give diagnostics, never crashes."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model, lower_circuit
from qlang.semantics.loader import stdlib_text

ROOT = Path(__file__).resolve().parents[2]
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(\.\d+)?|\"[^\"]*\"")
TOKENS = ["0", "1", "-1", "2.5", "x", "q", "n", "pi", '"full"', "Z0", "X9", "theta", "[1, 2]",
          "(0, 1)", "reps", "0..3", "true", "w", "adam", "1 / 0", "(-1) ** 0.5", "2 ** 5000",
          "sum(Z[i] for i in 0..n)", "q[0]", "x[0]"]  # fmt: skip


def _mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 2)):
        m = rng.choice(list(WORD.finditer(text)))
        text = text[: m.start()] + rng.choice(TOKENS) + text[m.end() :]
    return text


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_mutated_examples_never_crash(seed: int) -> None:
    rng = random.Random(seed)
    files = sorted((ROOT / "examples").glob("*.qml"))
    for trial in range(60):
        text = _mutate(rng.choice(files).read_text(), rng)
        try:
            load_model(text)
        except QLangError:
            pass
        except Exception as e:  # pragma: no cover - a failure prints the reproducer
            raise AssertionError(f"seed={seed} trial={trial} crashed on:\n{text}") from e


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_mutated_stdlib_never_crashes(seed: int) -> None:
    rng = random.Random(100 + seed)
    for trial in range(60):
        text = _mutate(stdlib_text(rng.choice(["encodings", "ansatze"])), rng)
        name = rng.choice(re.findall(r"^circuit (\w+)", text, re.M))
        try:
            lower_circuit(text, name, qubits=rng.choice([1, 2, 3]))
        except QLangError:
            pass
        except Exception as e:  # pragma: no cover
            raise AssertionError(f"seed={seed} trial={trial} crashed on `{name}`:\n{text}") from e
