"""``python -m qlang.catalog``: regenerate the catalog tables in docs/language.md and
docs/training.md (the text between ``<!-- catalog:KIND -->`` markers)."""

from __future__ import annotations

from pathlib import Path

from qlang.catalog.docs import render_docs

ROOT = Path(__file__).resolve().parents[2]

if __name__ == "__main__":
    for rel, text in render_docs(ROOT).items():
        path = ROOT / rel
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote: {rel}")
