"""Mutation fuzzing: thousands of seeded random edits of the corpus.

Every mutant must either check cleanly or raise ``QLangError``: never a raw
Lark exception, ``KeyError``, ``RecursionError`` or any other crash. On
failure the test prints the seed and the mutant so it can be replayed.
"""

from __future__ import annotations

import random
import re

import pytest

import qlang
from qlang.diagnostics import QLangError
from tests.corpus import qml_files

TOKENS = [
    ";",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    "=",
    "@",
    "->",
    "..",
    "|>",
    "*",
    "**",
    "circuit",
    "model",
    "for",
    "in",
    "if",
    "else",
    "measure",
    "x",
    "q[0]",
    "0",
    "1e9",
    '"s"',
    "///doc\n",
    "//c\n",
    "/*",
    "Z0",
    "X[",
    "pi",
    "-",
    "not",
    "weight",
    "\n",
    "\x00",
]
N_MUTANTS = 2000


def mutate(text: str, rng: random.Random) -> str:
    tokens = re.findall(r"\w+|\s+|.", text)
    for _ in range(rng.randint(1, 4)):
        if not tokens:
            tokens = [""]
        op = rng.randrange(6)
        i = rng.randrange(len(tokens))
        if op == 0:
            del tokens[i]
        elif op == 1:
            tokens.insert(i, rng.choice(TOKENS))
        elif op == 2:
            j = rng.randrange(len(tokens))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif op == 3:
            tokens = tokens[: rng.randrange(len(tokens) + 1)]
        elif op == 4:
            s = tokens[i]
            if s:
                k = rng.randrange(len(s))
                tokens[i] = s[:k] + chr(rng.randrange(32, 127)) + s[k + 1 :]
        else:
            tokens.insert(i, tokens[rng.randrange(len(tokens))])
    return "".join(tokens)


def test_mutants_never_crash(tmp_path) -> None:  # type: ignore[no-untyped-def]
    corpus = [p.read_text(encoding="utf-8") for p in qml_files()]
    assert corpus, "no corpus files"
    outcomes = {"ok": 0, "error": 0}
    for seed in range(N_MUTANTS):
        rng = random.Random(seed)
        mutant = mutate(rng.choice(corpus), rng)
        try:
            qlang.parse(mutant, f"mutant-{seed}.qml")
            outcomes["ok"] += 1
        except QLangError as err:
            assert err.diagnostics, f"seed {seed}: QLangError without diagnostics"
            err.render()
            outcomes["error"] += 1
        except Exception as exc:  # pragma: no cover - the failure report
            pytest.fail(f"seed {seed}: {type(exc).__name__}: {exc}\n--- mutant ---\n{mutant}")
    assert outcomes["error"] > N_MUTANTS // 4  # the mutations really break things
