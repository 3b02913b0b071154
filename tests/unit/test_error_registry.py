"""The diagnostics registry (`qlang/codes/`): every code is registered once, with a bad
example and the fix, is raised somewhere, and the pages under `docs/` are generated from it."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import qlang.codes
from qlang.codes import AREAS, CODES, Area, ErrorInfo, build, entries, render_docs
from tests.corpus import ROOT

LITERAL = re.compile(r"\"(QL\d{4})\"")
MENTION = re.compile(r"\bQL\d{4}\b")
HEADING = re.compile(r"^#+ (QL\d{4}): (.*)$", re.M)
REGISTRY = ROOT / "qlang" / "codes"


def source_files() -> Iterator[Path]:
    for folder in ("qlang", "passes", "targets"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if REGISTRY not in path.parents:
                yield path


def codes_in_source() -> set[str]:
    """``"QLnnnn"`` literals in qlang/, passes/ and targets/, outside the registry."""
    found: set[str] = set()
    for path in source_files():
        found |= set(LITERAL.findall(path.read_text(encoding="utf-8")))
    return found


def codes_in_tests() -> set[str]:
    found: set[str] = set()
    for path in sorted((ROOT / "tests").rglob("*")):
        if path.is_file() and path.suffix in {".py", ".cases"}:
            found |= set(MENTION.findall(path.read_text(encoding="utf-8")))
    return found


def headings(page: Path) -> list[tuple[str, str]]:
    return HEADING.findall(page.read_text(encoding="utf-8"))


@pytest.mark.parametrize("rel", sorted(render_docs()))
def test_generated_page_is_up_to_date(rel: str) -> None:
    page = ROOT / rel
    assert page.is_file() and page.read_text(encoding="utf-8") == render_docs()[rel], (
        f"{rel} is out of date: run `python -m qlang.codes`"
    )


def test_every_error_page_is_generated() -> None:
    written = {str(p.relative_to(ROOT)) for p in (ROOT / "docs" / "errors").glob("*.md")}
    assert written == {area.page for area in AREAS}


def test_each_area_page_documents_exactly_its_codes() -> None:
    for area in AREAS:
        expected = [(e.code, e.title) for e in entries(area)]
        assert headings(ROOT / area.page) == expected, area.page


def test_no_code_is_documented_by_two_areas() -> None:
    pages: dict[str, list[str]] = {}
    for page in sorted((ROOT / "docs" / "errors").glob("*.md")):
        for code, _ in headings(page):
            pages.setdefault(code, []).append(page.name)
    clashes = {code: names for code, names in pages.items() if len(names) > 1}
    assert not clashes, f"codes documented by several areas: {clashes}"


def test_every_code_used_in_the_source_is_registered() -> None:
    missing = sorted(codes_in_source() - set(CODES))
    assert not missing, f"codes raised but not in qlang/codes/: {missing}"


def test_every_registered_code_is_used() -> None:
    unused = sorted(set(CODES) - codes_in_source() - codes_in_tests())
    assert not unused, f"codes registered but never used: {unused}"


def test_every_code_has_a_title_a_bad_example_and_a_fix() -> None:
    for info in CODES.values():
        assert info.title.strip(), info.code
        assert info.bad.strip() and info.fix.strip() and info.bad != info.fix, info.code
        assert "```" not in info.bad + info.fix, info.code


def test_the_registry_rejects_a_duplicate_a_stray_code_and_overlapping_areas() -> None:
    a = Area("a", "A errors", "", "QL0900", "QL0909")
    b = Area("b", "B errors", "", "QL0905", "QL0919")
    one = ErrorInfo("QL0901", "one", "bad", "fix")
    with pytest.raises(ValueError, match="duplicate code QL0901"):
        build([(a, (one, one))])
    with pytest.raises(ValueError, match="outside the range"):
        build([(a, (ErrorInfo("QL0910", "stray", "bad", "fix"),))])
    with pytest.raises(ValueError, match="overlap"):
        build([(a, ()), (b, ())])
    with pytest.raises(ValueError, match="malformed"):
        build([(a, (ErrorInfo("QL901", "short", "bad", "fix"),))])


def test_areas_are_the_modules_they_name() -> None:
    for area in AREAS:
        assert (ROOT / area.source).is_file(), area.source


@pytest.mark.parametrize(
    "name",
    ["qlang.codes"] + [f"qlang.codes.{m.name}" for m in pkgutil.iter_modules(qlang.codes.__path__)],
)
def test_doctests(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
