"""Keystroke latency of ``qlang lsp`` on a 300-line file, driven over stdio like an editor.

The file is the stdlib's ``ansatze.qml`` and ``observables.qml`` (14 circuits, 4
observables) with the iris model on top: 332 lines. Three words are typed one character at a time, each keystroke an incremental
``didChange``: a gate call inside a circuit body (most states are syntax errors until
the ``;``), a model setting value, and a new ``const`` at the end. After every keystroke
the benchmark waits for ``publishDiagnostics`` (the check of that version) and then asks
for a completion at the cursor.

Reported: wall time from sending ``didChange`` to its diagnostics, wall time of the
completion request, and the server's own CPU time per analysis (measured in process by
the same analysis code, best of 3 runs of the same keystroke sequence). The machine is
shared: wall times include scheduling noise, CPU times do not.

Run: ``python benchmarks/lsp.py``
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.lsp_client import LspClient  # noqa: E402

MODEL = """import encodings.angle

model iris_vqc {
  data      = iris() |> standardize()
  qubits    = 4
  encoding  = angle(x, rotation = "y")
  ansatz    = strongly_entangling(layers = 3)
  readout   = expval([Z0, Z1, Z2]) |> softmax()
  task      = classify(classes = 3)
  loss      = cross_entropy
  optimizer = adam(lr = 0.05)
  train     { epochs = 30, batch_size = 16, seed = 11, gradient = adjoint }
  target    { device = line(4), basis = [cx, rz, sx, x] }
}
"""


def document() -> str:
    stdlib = ROOT / "stdlib"
    return (
        MODEL
        + "\n"
        + (stdlib / "ansatze.qml").read_text()
        + "\n"
        + (stdlib / "observables.qml").read_text()
    )


def keystrokes(text: str) -> list[tuple[int, str]]:
    """(offset, character) of every keystroke, in order, on the evolving text."""
    out: list[tuple[int, str]] = []
    anchor = text.index("    ry(theta[reps, i]) q[i];")  # inside real_amplitudes
    for i, ch in enumerate("    rz(theta[0, i]) q[i];\n"):
        out.append((anchor + i, ch))
    shift = len("    rz(theta[0, i]) q[i];\n")
    at = text.index("lr = 0.05") + len("lr = 0.05")
    for i, ch in enumerate("5"):
        out.append((at + i, ch))
    end = len(text) + shift + 1
    for i, ch in enumerate("\nconst extra_layers = 2 * 3;\n"):
        out.append((end + i, ch))
    return out


def _pos(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset), offset - (text.rfind("\n", 0, offset) + 1)


def over_stdio(text: str, path: Path) -> tuple[list[float], list[float]]:
    client = LspClient(cwd=ROOT)
    client.initialize(path.parent)
    uri = path.as_uri()
    client.open(uri, text)
    diag_ms, completion_ms = [], []
    for version, (offset, ch) in enumerate(keystrokes(text), start=2):
        line, col = _pos(text, offset)
        text = text[:offset] + ch + text[offset:]
        rng = {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}
        t0 = time.perf_counter()
        client.change(uri, version, [{"range": rng, "text": ch}])
        t1 = time.perf_counter()
        line, col = _pos(text, offset + 1)
        client.at("textDocument/completion", uri, line, col)
        t2 = time.perf_counter()
        diag_ms.append(1000 * (t1 - t0))
        completion_ms.append(1000 * (t2 - t1))
    client.close()
    return diag_ms, completion_ms


def in_process(text: str, path: Path) -> list[float]:
    """CPU milliseconds of each keystroke's analysis (best of 3 runs)."""
    from qlang.lsp.analysis import Workspace

    runs = []
    for _ in range(3):
        ws = Workspace()
        t = text
        uri = path.as_uri()
        ws.analyse(uri, 1, t)
        times = []
        for version, (offset, ch) in enumerate(keystrokes(text), start=2):
            t = t[:offset] + ch + t[offset:]
            c0 = time.process_time()
            ws.analyse(uri, version, t)
            times.append(1000 * (time.process_time() - c0))
        runs.append(times)
    return [min(r[i] for r in runs) for i in range(len(runs[0]))]


def summary(name: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=10)
    return (
        f"{name:<44} median {statistics.median(ms):6.1f} ms   p90 {q[-1]:6.1f} ms   "
        f"max {max(ms):6.1f} ms   (n = {len(ms)})"
    )


def main() -> None:
    text = document()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.qml"
        path.write_text(text)
        print(f"file: {len(text.splitlines())} lines, {len(keystrokes(text))} keystrokes")
        print(summary("analysis per keystroke (CPU, in process)", in_process(text, path)))
        diag, comp = over_stdio(text, path)
        print(summary("didChange -> publishDiagnostics (wall, stdio)", diag))
        print(summary("completion after a keystroke (wall, stdio)", comp))


if __name__ == "__main__":
    main()
