"""Every data/training code the runtime raises is documented with a bad example and a fix."""

from __future__ import annotations

import re
from pathlib import Path

from qlang.train.training_codes import CODES, render_markdown

ROOT = Path(__file__).resolve().parents[2]
MINE = re.compile(r"\"(QL04\d\d|QL06[5-9]\d)\"")


def test_every_raised_code_is_documented():
    used = set()
    for folder in ("qlang/sim", "qlang/train", "qlang/commands"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name != "training_codes.py":
                used |= set(MINE.findall(path.read_text(encoding="utf-8")))
    assert used and not used - set(CODES), sorted(used - set(CODES))
    for code, title, bad, fix, _ in CODES.values():
        assert title and bad.strip() and fix.strip() and bad != fix, code


def test_docs_page_holds_the_generated_section():
    assert render_markdown() in (ROOT / "docs/errors/runtime.md").read_text(encoding="utf-8")
