"""`qlang lsp` driven over stdio like an editor: initialize, didOpen, didChange, hover,
completion, definition, formatting and documentSymbol on the examples and the stdlib."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from qlang.formatter import format_source  # noqa: E402
from tests.lsp_client import LspClient  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.qml"))
STDLIB = sorted((ROOT / "stdlib").glob("*.qml"))
IMPORT = re.compile(r"^import (\w+)\.(\w+)$", re.M)
VERSIONS = itertools.count(1)


@pytest.fixture(scope="module")
def lsp() -> Iterator[LspClient]:
    client = LspClient(cwd=ROOT)
    client.initialize(ROOT)
    yield client
    client.close()


def _pos(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def _open(lsp: LspClient, path: Path, text: str | None = None) -> tuple[str, str, dict]:
    text = path.read_text() if text is None else text
    uri = path.resolve().as_uri()
    return uri, text, lsp.open(uri, text, next(VERSIONS))


def _check_json(path: Path) -> list[dict]:
    out = subprocess.run(
        [sys.executable, "-m", "qlang.cli", "check", "--format", "json", str(path)],
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout) if out.stdout.strip() else []


def test_initialize_announces_the_features() -> None:
    client = LspClient(cwd=ROOT)
    try:
        caps = client.initialize(ROOT)["capabilities"]
        for key in (
            "hoverProvider",
            "completionProvider",
            "definitionProvider",
            "documentFormattingProvider",
            "documentSymbolProvider",
        ):
            assert caps.get(key), key
        assert caps["textDocumentSync"]["change"] == 2  # incremental
    finally:
        client.close()


@pytest.mark.parametrize("path", EXAMPLES + STDLIB, ids=lambda p: p.name)
def test_open_reports_no_diagnostics_and_an_outline(lsp: LspClient, path: Path) -> None:
    uri, text, diags = _open(lsp, path)
    assert diags["diagnostics"] == []
    symbols = lsp.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})
    names = {s["name"] for s in symbols}
    for m in re.finditer(r"^(?:model|circuit|gate|observable) (\w+)", text, re.M):
        assert m.group(1) in names
    for s in symbols:
        if s["kind"] == 5:  # a model: its settings are children
            assert {c["name"] for c in s["children"]} >= {"task"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_hover_and_definition_of_stdlib_circuits(lsp: LspClient, path: Path) -> None:
    uri, text, _ = _open(lsp, path)
    for m in IMPORT.finditer(text):
        module, name = m.groups()
        stdlib_text = (ROOT / "stdlib" / f"{module}.qml").read_text()
        decl = re.search(rf"^(circuit|observable) {name}\b", stdlib_text, re.M)
        assert decl is not None
        # on the import line and on the use in the model
        uses = [m.start(2)] + [u.start() for u in re.finditer(rf"\b{name}\(", text)]
        for offset in uses:
            line, col = _pos(text, offset + 1)
            hover = lsp.at("textDocument/hover", uri, line, col)
            assert hover is not None, (name, line)
            value = hover["contents"]["value"]
            assert f"{decl.group(1)} {name}(" in value
            assert "standard library module" in value
            doc = stdlib_text[: decl.start()].rstrip().splitlines()[-1].removeprefix("/// ")
            assert doc in value
            loc = lsp.at("textDocument/definition", uri, line, col)
            assert loc["uri"].endswith(f"/stdlib/{module}.qml")
            assert loc["range"]["start"]["line"] == stdlib_text.count("\n", 0, decl.start())


def test_did_change_reports_what_qlang_check_reports(lsp: LspClient, tmp_path: Path) -> None:
    path = ROOT / "examples" / "iris_vqc.qml"
    uri, text, diags = _open(lsp, path)
    assert diags["diagnostics"] == []
    i = text.index("adam")
    line, col = _pos(text, i)
    edit = {"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 4}}
    got = lsp.change(uri, 100, [{"range": edit, "text": "adma"}])
    assert got["version"] == 100
    bad = tmp_path / "iris_vqc.qml"
    bad.write_text(text.replace("adam", "adma", 1))
    expected = _check_json(bad)
    assert [d["code"] for d in got["diagnostics"]] == [d["code"] for d in expected] != []
    for d, e in zip(got["diagnostics"], expected, strict=True):
        assert d["range"]["start"] == {"line": e["line"] - 1, "character": e["col"] - 1}
        assert d["message"].startswith(e["message"])
        assert f"help: {e['help']}" in d["message"]
    # a syntax error, then the fix
    j = text.index("}\n", text.index("target"))
    line, col = _pos(text, j)
    got = lsp.change(
        uri,
        101,
        [
            {"range": edit, "text": "adam"},
            {
                "range": {
                    "start": {"line": line, "character": col},
                    "end": {"line": line, "character": col + 1},
                },
                "text": "",
            },
        ],
    )
    bad.write_text(text[:j] + text[j + 1 :])
    assert [d["code"] for d in got["diagnostics"]] == [d["code"] for d in _check_json(bad)] != []
    got = lsp.change(uri, 102, [{"text": text}])
    assert got["diagnostics"] == []


def test_completion(lsp: LspClient) -> None:
    path = ROOT / "examples" / "iris_vqc.qml"
    uri, text, _ = _open(lsp, path)

    def labels(offset: int) -> list[str]:
        line, col = _pos(text, offset)
        return [i["label"] for i in lsp.at("textDocument/completion", uri, line, col)["items"]]

    # keyword arguments of a stdlib circuit
    assert "layers" in labels(text.index("strongly_entangling(") + len("strongly_entangling("))
    assert "rotation" in labels(text.index("angle(x, ") + len("angle(x, "))
    # imports
    new = text.replace("import encodings.angle", "import encodings.angle\nimport ansatze.")
    lsp.change(uri, 200, [{"text": new}])
    line, col = _pos(new, new.index("import ansatze.") + len("import ansatze."))
    got = [i["label"] for i in lsp.at("textDocument/completion", uri, line, col)["items"]]
    assert {"real_amplitudes", "efficient_su2", "strongly_entangling"} <= set(got)
    lsp.change(uri, 201, [{"text": text}])


def test_completion_in_a_circuit_body(lsp: LspClient, tmp_path: Path) -> None:
    text = "import encodings.angle\n\ncircuit c(theta: weight[n]) on q[n] {\n  \n}\n"
    uri, _, _ = _open(lsp, tmp_path / "c.qml", text)
    line, col = _pos(text, text.index("{\n  ") + 4)
    got = {i["label"] for i in lsp.at("textDocument/completion", uri, line, col)["items"]}
    assert {"cx", "ry", "for", "measure", "angle"} <= got
    inside = text.replace("{\n  \n", "{\n  ry(th\n")
    lsp.change(uri, 2, [{"text": inside}])
    line, col = _pos(inside, inside.index("ry(th") + 5)
    got = {i["label"] for i in lsp.at("textDocument/completion", uri, line, col)["items"]}
    assert "theta" in got


def test_definition_and_hover_across_local_imports(lsp: LspClient, tmp_path: Path) -> None:
    lib = tmp_path / "lib" / "feature_maps.qml"
    lib.parent.mkdir()
    lib.write_text(
        "/// My feature map: one RY per feature.\n"
        "circuit my_map(x: float[n], scale: float = 1.0) on q[n] {\n"
        "  for i in 0..n {\n    ry(scale * x[i]) q[i];\n  }\n}\n"
    )
    text = (
        'import "lib/feature_maps.qml".{my_map}\nimport ansatze.real_amplitudes\n\n'
        "model m {\n  data = iris()\n  encoding = my_map(x, scale = 0.5)\n"
        "  ansatz = real_amplitudes(reps = 1)\n  readout = expval(Z0)\n  task = regress()\n}\n"
    )
    uri, _, diags = _open(lsp, tmp_path / "m.qml", text)
    assert diags["diagnostics"] == []
    line, col = _pos(text, text.index("my_map(x") + 2)
    loc = lsp.at("textDocument/definition", uri, line, col)
    assert loc["uri"] == lib.resolve().as_uri()
    assert loc["range"]["start"]["line"] == 1
    hover = lsp.at("textDocument/hover", uri, line, col)["contents"]["value"]
    assert "circuit my_map(x: float[n], scale: float = 1.0) on q[n]" in hover
    assert "My feature map" in hover and "feature_maps.qml" in hover
    # a keyword argument: the parameter
    line, col = _pos(text, text.index("scale = 0.5") + 1)
    assert "scale: float = 1.0" in lsp.at("textDocument/hover", uri, line, col)["contents"]["value"]
    loc = lsp.at("textDocument/definition", uri, line, col)
    assert loc["uri"] == lib.resolve().as_uri() and loc["range"]["start"]["line"] == 1
    # the file name in the import goes to the file
    line, col = _pos(text, text.index("feature_maps"))
    assert lsp.at("textDocument/definition", uri, line, col)["uri"] == lib.resolve().as_uri()


def test_hover_inside_the_stdlib(lsp: LspClient) -> None:
    path = ROOT / "stdlib" / "ansatze.qml"
    uri, text, _ = _open(lsp, path)
    # a builtin gate, a parameter and a loop variable
    i = text.index("ry(theta[l, i])")
    line, col = _pos(text, i)
    assert "builtin gate" in lsp.at("textDocument/hover", uri, line, col)["contents"]["value"]
    line, col = _pos(text, i + 4)
    value = lsp.at("textDocument/hover", uri, line, col)["contents"]["value"]
    assert "theta: weight[reps + 1, n]" in value
    loc = lsp.at("textDocument/definition", uri, line, col)
    assert loc["uri"] == path.resolve().as_uri()
    assert loc["range"]["start"]["line"] == text.count(
        "\n", 0, text.index("circuit real_amplitudes")
    )
    line, col = _pos(text, i + 10)
    assert "loop variable" in lsp.at("textDocument/hover", uri, line, col)["contents"]["value"]


def test_formatting_is_qlang_fmt(lsp: LspClient, tmp_path: Path) -> None:
    path = tmp_path / "iris_vqc.qml"
    text = (ROOT / "examples" / "iris_vqc.qml").read_text().replace("data      =", "data=")
    text = text.replace("{ epochs = 30, ", "{epochs=30,")
    assert format_source(text) != text  # not in canonical form
    uri, _, _ = _open(lsp, path, text)
    edits = lsp.request(
        "textDocument/formatting",
        {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}},
    )
    assert len(edits) == 1 and edits[0]["newText"] == format_source(text, str(path))
    assert edits[0]["range"]["start"] == {"line": 0, "character": 0}
    iris = ROOT / "examples" / "iris_vqc.qml"
    uri, _, _ = _open(lsp, iris)
    assert (
        lsp.request(
            "textDocument/formatting",
            {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}},
        )
        == []
    )


def test_without_pygls_the_command_says_how_to_install(tmp_path: Path) -> None:
    blocker = tmp_path / "pygls.py"
    blocker.write_text("raise ImportError('blocked for the test', name='pygls')\n")
    out = subprocess.run(
        [sys.executable, "-m", "qlang.cli", "lsp"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        input="",
        cwd=ROOT,
    )
    assert out.returncode == 1
    assert 'pip install "qlang[lsp]"' in out.stderr


def test_hover_on_paulis_and_devices(lsp: LspClient) -> None:
    path = ROOT / "examples" / "iris_vqc.qml"
    uri, text, _ = _open(lsp, path)
    body = text.index("model iris_vqc")
    line, col = _pos(text, text.index("Z1", body))
    assert "Pauli Z on qubit 1" in lsp.at("textDocument/hover", uri, line, col)["contents"]["value"]
    line, col = _pos(text, text.index("line(4)", body))
    value = lsp.at("textDocument/hover", uri, line, col)["contents"]["value"]
    assert "line(n)" in value and "*device*" in value


def test_model_settings_hover_and_complete_from_the_catalog(lsp: LspClient, tmp_path: Path) -> None:
    from qlang import catalog

    path = ROOT / "examples" / "iris_vqc.qml"
    uri, text, _ = _open(lsp, path)
    body = text.index("model iris_vqc")  # past the doc comment

    def hover(word: str, k: int = 1) -> str:
        line, col = _pos(text, text.index(word, body) + k)
        got = lsp.at("textDocument/hover", uri, line, col)
        assert got is not None, word
        return got["contents"]["value"]

    adam = catalog.lookup("optimizer", "adam")
    assert adam.doc in hover("adam") and "lr = 0.01" in hover("adam")
    assert adam.param("lr").doc in hover("lr = ")
    assert catalog.lookup("model", "optimizer").doc in hover("optimizer =")
    assert catalog.lookup("train", "epochs").doc in hover("epochs")
    assert catalog.lookup("gradient", "adjoint").doc in hover("adjoint")
    assert catalog.lookup("post", "softmax").doc in hover("softmax")
    assert catalog.lookup("preprocess", "standardize").doc in hover("standardize")
    assert catalog.lookup("task", "classify").param("classes").doc in hover("classes")

    def labels(new: str, marker: str) -> set[str]:
        doc = tmp_path / "edit.qml"
        u, _, _ = _open(lsp, doc, new)
        line, col = _pos(new, new.index(marker) + len(marker))
        return {i["label"] for i in lsp.at("textDocument/completion", u, line, col)["items"]}

    new = text.replace("optimizer = adam(lr = 0.05)", "optimizer = ")
    assert set(catalog.names("optimizer")) <= labels(new, "optimizer = ")
    new = text.replace("adam(lr = 0.05)", "adam(lr = 0.05, ")
    got = labels(new, "0.05, ")
    assert {p.name for p in adam.params} - {"lr"} <= got and "lr" not in got
    new = text.replace("{ epochs = 30,", "{ epochs = 30, ")
    assert set(catalog.names("train")) - {"epochs"} <= labels(new, "epochs = 30, ")
    new = text.replace("standardize()", "standardize() |> ")
    assert set(catalog.names("preprocess")) <= labels(new, "standardize() |> ")
    new = text.replace("  loss      = cross_entropy\n", "  loss      = cross_entropy\n  \n")
    keys = {e.name for e in catalog.entries("model") if e.info.model}
    assert keys <= labels(new, "cross_entropy\n  ")
