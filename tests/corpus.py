"""The .qml files every front-end test runs over: examples, stdlib and the golden corpus."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def qml_files() -> list[Path]:
    files: list[Path] = []
    for folder in ("examples", "stdlib", "tests/golden/corpus"):
        files.extend(sorted((ROOT / folder).glob("**/*.qml")))
    return files


def ids(files: list[Path]) -> list[str]:
    return [str(f.relative_to(ROOT)) for f in files]
