"""The language server's incremental analysis gives exactly `qlang check`'s results.

Chunked parsing against one whole parse (ASTs, spans and syntax errors), and the
workspace's cached checks against `qlang.api.check`, on every example and stdlib file
and under random edits (seeded; a failure prints the seed and the edited text).
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import qlang
from qlang import ast as A
from qlang.diagnostics import Diagnostic, QLangError
from qlang.lsp.analysis import Workspace
from qlang.lsp.chunks import ChunkCache, document_source, split
from qlang.parser import parse_full
from qlang.source import GLOBAL_SOURCES

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "examples").glob("*.qml")) + sorted((ROOT / "stdlib").glob("*.qml"))
EDIT_CHARS = list(';{}()[]\n"/*=,.') + ["x", " ", "//", "/*", "model m {", "circuit"]


def _shape(module: A.Module) -> list[tuple[str, int, int]]:
    return [
        (type(n).__name__, n.span.start, n.span.end) for n in A.walk(module) if n.span is not None
    ][1:]


def _diag_key(d: Diagnostic) -> tuple[object, ...]:
    span = (d.span.start, d.span.end) if d.span is not None else None
    labels = tuple((lb.message, lb.span.start, lb.span.end) for lb in d.labels)
    return (d.code, d.message, span, d.help, labels)


def _full(text: str) -> tuple[A.Module | None, list[tuple[object, ...]]]:
    try:
        res = parse_full(text, "<full>")
    except QLangError as err:
        return None, [_diag_key(d) for d in err.diagnostics]
    return res.module, []


def _compare(cache: ChunkCache, text: str, sid: int, note: str) -> None:
    GLOBAL_SOURCES.update(sid, text)
    got = cache.parse(text, sid)
    module, errors = _full(text)
    assert [_diag_key(d) for d in got.errors] == errors, note
    if module is None:
        assert got.module is None, note
    else:
        assert got.module is not None, note
        assert got.module.items == module.items, note
        assert _shape(got.module) == _shape(module), note
        assert got.module.doc == module.doc, note


def test_chunks_cover_the_text_and_start_at_lines() -> None:
    for path in FILES:
        text = path.read_text()
        parts = split(text)
        assert "".join(text[s:e] for s, e in parts) == text
        assert all(s == 0 or text[s - 1] == "\n" for s, _ in parts)
        assert len(parts) > 1 or path.name.startswith("vqe")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_chunked_parse_equals_the_whole_parse(path: Path) -> None:
    text = path.read_text()
    sid = document_source(str(path), text, None)
    _compare(ChunkCache(), text, sid, path.name)


def test_random_edits_give_the_whole_parse_results() -> None:
    seed = 20271
    rng = random.Random(seed)
    for path in FILES:
        text = path.read_text()
        cache = ChunkCache()
        sid = document_source(str(path), text, None)
        for step in range(25):
            pos = rng.randrange(len(text) + 1)
            if rng.random() < 0.5 and text:
                end = min(len(text), pos + rng.randint(1, 8))
                edited = text[:pos] + text[end:]
            else:
                edited = text[:pos] + rng.choice(EDIT_CHARS) + text[pos:]
            note = f"seed {seed}, {path.name}, step {step}: edit at {pos}\n{edited[max(0, pos - 80) : pos + 80]}"
            _compare(cache, edited, sid, note)
            if rng.random() < 0.6:
                text = edited  # keep editing the edited text (cache reuse and shifts)


# --- semantic checks ---------------------------------------------------------------------


def _check_keys(path: Path, text: str) -> list[tuple[object, ...]]:
    try:
        qlang.check(path, text=text)
    except QLangError as err:
        return [_located(d) for d in err.diagnostics]
    return []


def _located(d: Diagnostic) -> tuple[object, ...]:
    """A diagnostic with its position as (file name, start, end) and its notes without the
    file's own name (the server names the file by its URI)."""
    where = None
    if d.span is not None:
        name = Path(GLOBAL_SOURCES.get(d.span.source).name).name
        where = (name, d.span.start, d.span.end)
    notes = tuple(n.rsplit(" called at ", 1)[0] for n in d.notes)
    return (d.code, d.message, where, d.help, notes)


MUTATIONS = [
    ("adam", "adma"),
    ("classify", "clasify"),
    ("= 3", "= -3"),
    ("qubits", "qbits"),
    ("iris()", "iris(rows = 5)"),
    ("reps = 2", "reps = 2.5"),
    ("Z0", "Z9"),
    ("encodings.", "encodingz."),
    ("}", "} model extra { task = classify(classes = 2) }"),
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_workspace_diagnostics_are_qlang_checks(path: Path) -> None:
    ws = Workspace()
    uri = path.resolve().as_uri()
    text = path.read_text()
    variants = [text] + [text.replace(a, b, 1) for a, b in MUTATIONS if a in text]
    for version, variant in enumerate(variants, start=1):
        a = ws.analyse(uri, version, variant)
        got = [_located(d) for d in a.diagnostics]
        assert got == _check_keys(path, variant), f"{path.name} variant {version}"
        assert a.internal_error is None
    assert ws.modules.hits > 0 or "import" not in text  # imports were reused


def test_local_file_imports_are_reloaded_when_the_file_changes(tmp_path: Path) -> None:
    lib = tmp_path / "lib.qml"
    lib.write_text("circuit prep(x: float[n]) on q[n] { for i in 0..n { ry(x[i]) q[i]; } }\n")
    model = tmp_path / "m.qml"
    text = (
        'import "lib.qml".{prep}\nimport ansatze.real_amplitudes\nmodel m {\n  data = iris()\n'
        "  encoding = prep(x)\n  ansatz = real_amplitudes(reps = 1)\n  readout = expval(Z0)\n"
        "  task = regress()\n}\n"
    )
    ws = Workspace()
    uri = model.as_uri()
    assert ws.analyse(uri, 1, text).diagnostics == ()
    assert ws.analyse(uri, 2, text + "\n").diagnostics == ()
    assert ws.modules.hits >= 2
    lib.write_text("circuit prepare(x: float[n]) on q[n] { }\n")  # seen by its size and time
    a = ws.analyse(uri, 3, text)
    assert [d.code for d in a.diagnostics] == _codes(model, text) == ["QL0106"]
    assert a.diagnostics[0].help == "did you mean `prepare`?"


def _codes(path: Path, text: str) -> list[str]:
    try:
        qlang.check(path, text=text)
    except QLangError as err:
        return err.codes
    return []


def test_an_editing_session_keeps_one_source_per_document() -> None:
    path = ROOT / "examples" / "iris_vqc.qml"
    text = path.read_text()
    ws = Workspace()
    uri = path.as_uri()
    ws.analyse(uri, 0, text)
    before = len(list(GLOBAL_SOURCES))
    for v in range(1, 40):
        edited = text.replace("adam(", "adam(" * (v % 3), 1) + "\n" * v  # with syntax errors
        ws.analyse(uri, v, edited)
    assert len(list(GLOBAL_SOURCES)) == before
