"""Every diagnostic code used in the source is registered and documented."""

from __future__ import annotations

import re

from qlang.errors import CODES, render_markdown
from tests.corpus import ROOT

CODE_RE = re.compile(r"\"(QL\d{4})\"")


def used_codes() -> set[str]:
    found: set[str] = set()
    for folder in ("qlang", "passes", "targets"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "errors.py":
                continue
            found |= set(CODE_RE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_used_code_is_registered() -> None:
    render_markdown()  # loads the registering modules
    missing = sorted(used_codes() - set(CODES))
    assert not missing, f"codes used but not in qlang/errors.py: {missing}"


def test_docs_errors_md_is_up_to_date() -> None:
    assert (ROOT / "docs" / "errors.md").read_text(encoding="utf-8") == render_markdown()


def test_every_code_has_bad_example_and_fix() -> None:
    for info in CODES.values():
        assert info.bad.strip() and info.fix.strip() and info.bad != info.fix, info.code
