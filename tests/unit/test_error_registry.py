"""Every diagnostic code used in the source is documented, once, with an example."""

from __future__ import annotations

import re

from qlang.errors import CODES, render_markdown
from tests.corpus import ROOT

CODE_RE = re.compile(r"\"(QL\d{4})\"")
HEADING_RE = re.compile(r"^#+ (QL\d{4})[:\s-]+(.*)$", re.M)


def used_codes() -> set[str]:
    found: set[str] = set()
    for folder in ("qlang", "passes", "targets"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "errors.py" and path.parent.name == "qlang":
                continue
            found |= set(CODE_RE.findall(path.read_text(encoding="utf-8")))
    return found


def area_docs() -> dict[str, list[tuple[str, str]]]:
    """code -> [(area page, title)] from docs/errors/*.md headings."""
    out: dict[str, list[tuple[str, str]]] = {}
    for page in sorted((ROOT / "docs" / "errors").glob("*.md")):
        for code, title in HEADING_RE.findall(page.read_text(encoding="utf-8")):
            out.setdefault(code, []).append((page.name, title.strip()))
    return out


def test_every_used_code_is_documented() -> None:
    render_markdown()  # loads the registering modules
    documented = set(CODES) | set(area_docs())
    missing = sorted(used_codes() - documented)
    assert not missing, f"codes used but documented nowhere: {missing}"


def test_no_code_means_two_things() -> None:
    clashes = {c: v for c, v in area_docs().items() if len({page for page, _ in v}) > 1}
    assert not clashes, f"codes documented by several areas: {clashes}"


def test_docs_errors_md_is_up_to_date() -> None:
    assert (ROOT / "docs" / "errors.md").read_text(encoding="utf-8") == render_markdown()


def test_every_registered_code_has_bad_example_and_fix() -> None:
    render_markdown()
    for info in CODES.values():
        assert info.bad.strip() and info.fix.strip() and info.bad != info.fix, info.code
