"""A seeded generator of malformed and adversarial inputs for the whole command line.

Each :class:`Case` is a small project folder (a model file, maybe other files) plus the
weights folder ``predict``/``eval`` use. Families, drawn by weight:

* ``mutant``: token-level mutations of the examples, the standard library and the golden
  corpus (delete, insert, swap, duplicate, truncate, replace a number);
* ``bytes``: random bytes, other encodings (UTF-16, Latin-1, broken UTF-8, NUL bytes);
* ``literal``: huge and tiny integer and float literals in every position of a model;
* ``expression``: deep and long expressions (nesting, unary and power chains, flat sums of
  thousands of terms, symbolic sums);
* ``bomb``: resource bombs (qubits, repetitions, ranges, arrays, layers, data rows,
  epochs, batch sizes, shots) at and beyond their limits;
* ``path``: imports, ``csv(...)`` and device paths that escape the project, name special
  files (``/dev``, ``/proc``, FIFOs, directories, symlinks) or do not exist;
* ``artifact``: corrupted weights folders for ``predict`` and ``eval``.

The same seed always gives the same cases (``random.Random(seed)`` per case).

Example::

    >>> a, b = make_case(7, 3), make_case(7, 3)
    >>> a.family == b.family and a.files == b.files
    True
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.corpus import ROOT, qml_files

#: A fast model every structured family varies (2 qubits, 40 samples).
BASE = """import encodings.angle
import ansatze.basic_entangler

model base {
  data      = DATA
  qubits    = QUBITS
  encoding  = ENCODING
  ansatz    = ANSATZ
  readout   = READOUT
  task      = TASK
  optimizer = OPTIMIZER
  train     { TRAIN }
}
"""
DEFAULTS = {
    "DATA": "moons(n = 40, noise = 0.05)",
    "QUBITS": "2",
    "ENCODING": "angle(x)",
    "ANSATZ": "basic_entangler(layers = 1)",
    "READOUT": "expval(Z0)",
    "TASK": "classify(classes = 2)",
    "OPTIMIZER": "adam(lr = 0.1)",
    "TRAIN": "epochs = 2, seed = 1",
}
#: The input rows ``predict`` reads (the base model has two features).
INPUT_CSV = b"a,b\n0.1,0.2\n0.5,-0.3\n"

FAMILIES = {
    "mutant": 35,
    "bytes": 8,
    "literal": 10,
    "expression": 6,
    "bomb": 17,
    "path": 10,
    "artifact": 10,
}


@dataclass
class Case:
    """One fuzz input: files of a project folder, the model to run, the weights to use."""

    seed: int
    index: int
    family: str
    files: dict[str, bytes]
    model: str = "m.qml"
    #: ``None``: the good weights of the base model; else edits of them (``name -> bytes``
    #: or ``None`` to delete)
    weights: dict[str, bytes | None] | None = None
    note: str = ""
    links: dict[str, str] = field(default_factory=dict)  # name -> symlink target
    fifos: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"seed={self.seed} case={self.index}"


def base_model(**changes: str) -> str:
    text = BASE
    for k, v in {**DEFAULTS, **changes}.items():
        text = text.replace(k, v)
    return text


def corpus() -> list[tuple[str, str]]:
    return [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in qml_files()]


_CORPUS: list[tuple[str, str]] | None = None


def _corpus() -> list[tuple[str, str]]:
    global _CORPUS
    if _CORPUS is None:
        _CORPUS = corpus()
    return _CORPUS


def make_case(seed: int, index: int) -> Case:
    rng = random.Random(seed * 1_000_003 + index)
    family = rng.choices(list(FAMILIES), weights=list(FAMILIES.values()))[0]
    return {
        "mutant": mutant,
        "bytes": raw_bytes,
        "literal": literal,
        "expression": expression,
        "bomb": bomb,
        "path": path_case,
        "artifact": artifact,
    }[family](rng, Case(seed, index, family, {}))


# --- mutants -----------------------------------------------------------------------------

TOKENS = [
    ";", "{", "}", "(", ")", "[", "]", ",", "=", "@", "->", "..", "|>", "*", "**", "+", "-",
    "circuit", "model", "for", "in", "if", "else", "repeat", "measure", "let", "weight",
    "input", "frozen", "import", "const", "q[0]", "x", "0", "1", "-1", "2**62", "1e308",
    "1e999", "0.0", '"s"', '"../../etc/passwd"', "///doc\n", "//c\n", "/*", "*/", "Z0",
    "X[", "pi", "not", "and", "or", "\n", "\t", "\x00", "\u00e9", "\ud7ff", "qubits",
    "layers", "reps", "train", "target", "shots", "epochs", "batch_size",
]  # fmt: skip


def mutate(text: str, rng: random.Random, edits: int) -> str:
    tokens = re.findall(r"\w+|\s+|.", text, re.S)
    for _ in range(edits):
        if not tokens:
            tokens = [""]
        op = rng.randrange(8)
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
            j = min(len(tokens), i + rng.randint(1, 12))
            tokens[i:i] = tokens[i:j] * rng.randint(1, 3)  # duplicate a stretch
        elif op == 5:
            nums = [k for k, t in enumerate(tokens) if t.isdigit()]
            if nums:
                k = rng.choice(nums)
                tokens[k] = rng.choice(["0", "100000", "2**31", "10**9", "-5", "1e6", "99999999"])
        elif op == 6:
            tokens[i] = rng.choice(TOKENS)
        else:
            j = rng.randrange(len(tokens))
            a, b = sorted((i, j))
            del tokens[a:b]
    return "".join(tokens)


def mutant(rng: random.Random, case: Case) -> Case:
    name, text = rng.choice(_corpus())
    case.note = f"mutant of {name}"
    if rng.random() < 0.3:
        text = base_model()
        case.note = "mutant of the base model"
    case.files["m.qml"] = mutate(text, rng, rng.randint(1, 5)).encode("utf-8", "surrogatepass")
    return case


# --- bytes and encodings ------------------------------------------------------------------


def raw_bytes(rng: random.Random, case: Case) -> Case:
    text = base_model()
    kind = rng.randrange(7)
    if kind == 0:
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 2000)))
    elif kind == 1:
        data = text.encode("utf-16")
    elif kind == 2:
        data = (text + "// caf\u00e9 \u00fc\n").encode("latin-1")
    elif kind == 3:
        raw = bytearray(text.encode())
        for _ in range(rng.randint(1, 5)):
            raw[rng.randrange(len(raw))] = rng.choice([0x00, 0xFF, 0xC0, 0x80, 0xED, 0xF4])
        data = bytes(raw)
    elif kind == 4:
        data = b"\xef\xbb\xbf" * rng.randint(1, 3) + text.encode()
    elif kind == 5:
        data = text.encode().replace(b"\n", rng.choice([b"\r", b"\r\n", b"\x0b", b"\x85"]))
    else:
        data = "\u202e\u2066".join(text.split("\n")).encode()  # bidi controls
    case.files["m.qml"] = data
    case.note = f"bytes kind {kind}"
    return case


# --- literals -----------------------------------------------------------------------------


def huge_number(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return "9" * rng.choice([19, 20, 300, 400, 401, 4300, 5000, 20000])
    if kind == 1:
        return f"1e{rng.choice([308, 309, 400, 99999, -400, -99999])}"
    if kind == 2:
        return "0." + "0" * rng.randint(300, 2000) + "1"
    if kind == 3:
        return f"2**{rng.choice([62, 63, 64, 1000, 100000])}"
    if kind == 4:
        return f"{rng.choice(['1e308', '1e200', '-1e308'])} * {rng.choice(['10', '1e200', '1e308'])}"
    return rng.choice(["1e308 / 1e-308", "(-1) ** 0.5", "0 ** -1", "10 % 0", "1 / 0"])


SLOTS = {
    "QUBITS": "{n}",
    "ANSATZ": "basic_entangler(layers = {n})",
    "DATA": "moons(n = {n}, noise = 0.05)",
    "TRAIN": "epochs = {n}, seed = 1",
    "OPTIMIZER": "adam(lr = {n})",
    "READOUT": "expval({n} * Z0)",
}


def literal(rng: random.Random, case: Case) -> Case:
    slot = rng.choice(list(SLOTS))
    number = huge_number(rng)
    text = base_model(**{slot: SLOTS[slot].format(n=number)})
    if rng.random() < 0.4:
        text = f"const big = {number};\ncircuit c(x: float[2]) on q[2] {{ rx(x[0] * big) q[0]; }}\n" + text.replace(
            "angle(x)", "c(x)"
        )
    case.files["m.qml"] = text.encode()
    case.note = f"literal {number[:40]} in {slot}"
    return case


# --- expressions ----------------------------------------------------------------------------


def expression(rng: random.Random, case: Case) -> Case:
    k = rng.choice([10, 99, 100, 101, 199, 200, 201, 497, 2000, 5000, 10000, 10001])
    kind = rng.randrange(8)
    if kind == 0:
        expr = " + ".join(["1"] * k)
    elif kind == 1:
        expr = "(" * min(k, 150) + "1" + ")" * min(k, 150)
    elif kind == 2:
        expr = "-" * k + "1"
    elif kind == 3:
        expr = " ** ".join(["1"] * min(k, 5000))
    elif kind == 4:
        expr = "[1]" + "[0]" * min(k, 5000)
    elif kind == 5:
        expr = " or ".join(["false"] * k) + " or 1"
    elif kind == 6:
        expr = "sin(" * min(k, 400) + "x[0]" + ")" * min(k, 400)
    else:
        expr = f"sum(x[i % 2] for i in 0..{k})"
    symbolic = "x[" in expr
    circuit = f"circuit c(x: float[2]) on q[2] {{ rx({expr if symbolic else 'k'}) q[0]; ry(x[1]) q[1]; }}\n"
    head = "" if symbolic else f"const k = {expr};\n"
    case.files["m.qml"] = (head + circuit + base_model(ENCODING="c(x)")).encode()
    case.note = f"expression kind {kind} size {k}"
    return case


# --- resource bombs ---------------------------------------------------------------------------

BOMBS = [
    {"QUBITS": "{big}"},
    {"QUBITS": "{q}", "ENCODING": "angle(x)"},
    {"QUBITS": "{q}", "ENCODING": "", "DATA": "", "TASK": "minimize", "READOUT": "expval(Z0)"},
    {"ANSATZ": "basic_entangler(layers = {big})"},
    {"ANSATZ": "real_amplitudes(reps = {big})"},
    {"DATA": "moons(n = {big})"},
    {"DATA": "circles(n = {big})"},
    {"DATA": "ad_hoc(dim = 2, train = {big}, test = 2)"},
    {"DATA": "bars_and_stripes({small}, {small})", "TASK": "generate", "READOUT": "probs(q)"},
    {"DATA": "iris() |> pca({big})"},
    {"DATA": "sine(n = {big}, window = {small})", "TASK": "regress"},
    {"TRAIN": "epochs = {big}, seed = 1"},
    {"TRAIN": "epochs = 1, batch_size = {any}"},
    {"TRAIN": "epochs = 1, shots = {any}"},
    {"TRAIN": "epochs = 1, checkpoint_every = {any}"},
    {"OPTIMIZER": "spsa(maxiter = {any}, perturbation = {anyf})"},
    {"OPTIMIZER": "adam(lr = {anyf}, beta1 = {anyf})"},
    {"OPTIMIZER": "cobyla(maxiter = {any})"},
    {"READOUT": "probs([{small}])"},
]
CIRCUIT_BOMBS = [
    "circuit c(x: float[2]) on q[2] {{ repeat {big} {{ rx(x[0]) q[0]; }} }}",
    "circuit c(x: float[2]) on q[2] {{ for i in 0..{big} {{ for j in 0..{big} {{ h q[0]; }} }} }}",
    "circuit c(x: float[2]) on q[2] {{ qubit[{big}] a; h q[0]; }}",
    "circuit c(x: float[2]) on q[2] {{ bit[{big}] b; h q[0]; }}",
    "circuit c(x: float[2], w: weight[{big}]) on q[2] {{ rx(w[0]) q[0]; }}",
    "circuit c(x: float[2]) on q[2] {{ let r = [i for i in 0..{big}]; h q[0]; }}",
    "circuit c(x: float[2]) on q[2] {{ c(x) q; }}",
    "circuit c(x: float[2]) on q[2] {{ evolve(Z0 Z1, 1.0, {big}) q; }}",
    "circuit c(x: float[2]) on q[2] {{ pow({big}) @ rx(x[0]) q[0]; }}",
    "circuit c(x: float[2]) on q[2] {{ ctrl({small}) @ x q[0], q[1]; }}",
]


def _values(rng: random.Random) -> dict[str, str]:
    return {
        "big": rng.choice(["2**62", "10**9", "10**7", "1000001", "100000", "1e9", "2**20"]),
        "q": str(rng.choice([24, 26, 30, 33, 40, 62, 64, 1024, 10001])),
        "small": str(rng.choice([-1, 0, 1, 5, 21, 30, 64])),
        "any": rng.choice(["0", "-1", "1", "2**62", "1e12", "1.5", "true", '"x"']),
        "anyf": rng.choice(["0", "-1", "1e308", "1e-308", "nan", "1e999", "0.5"]),
    }


def bomb(rng: random.Random, case: Case) -> Case:
    values = _values(rng)
    if rng.random() < 0.35:
        template = rng.choice(CIRCUIT_BOMBS)
        text = template.format(**values) + "\n" + base_model(ENCODING="c(x)")
        case.note = f"circuit bomb {template[:50]} {values}"
    else:
        changes = {k: v.format(**values) for k, v in rng.choice(BOMBS).items()}
        text = base_model(**changes)
        if "ANSATZ" in changes and "real_amplitudes" in changes["ANSATZ"]:
            text = "import ansatze.real_amplitudes\n" + text
        case.note = f"bomb {changes}"
    case.files["m.qml"] = text.encode()
    return case


# --- paths ----------------------------------------------------------------------------------

PATHS = [
    "/etc/passwd", "/etc/shadow", "/dev/zero", "/dev/urandom", "/dev/stdin", "/proc/self/mem",
    "/proc/self/environ", "/sys/kernel/notes", "../../../../etc/hostname", "..", ".",
    "missing.qml", "dir", "fifo.qml", "link.qml", "loop.qml", "self.qml", "m.qml",
    "data.csv", "outside/../../x.qml", "~/x.qml", "", " ", "a" * 300, "C:\\\\x.qml",
]  # fmt: skip


def path_case(rng: random.Random, case: Case) -> Case:
    target = rng.choice(PATHS)
    kind = rng.randrange(4)
    case.files["dir/keep.txt"] = b"x"
    case.files["data.csv"] = b"a,b,y\n0.1,0.2,0\n0.3,0.4,1\n0.5,0.6,0\n0.7,0.8,1\n"
    case.links = {"link.qml": "/etc/passwd", "loop.qml": "loop.qml", "esc.qml": "../../../x.qml"}
    case.fifos = ("fifo.qml", "fifo.csv")
    if kind == 0:
        text = f'import "{target}"\n' + base_model()
    elif kind == 1:
        csv = rng.choice([target, "fifo.csv", "data.csv", "dir", "/dev/zero"])
        text = base_model(DATA=f'csv("{csv}", label = "y")').replace(
            "model base {\n", "model base {\n  input x: float[2]\n"
        )
    elif kind == 2:
        text = base_model().replace("}\n", f'  target {{ device = "{target}" }}\n}}\n')
    else:
        text = f'import "{target}" as lib\n' + base_model()
    case.files["m.qml"] = text.encode()
    case.note = f"path kind {kind} {target!r}"
    return case


# --- artifacts --------------------------------------------------------------------------------


def artifact(rng: random.Random, case: Case) -> Case:
    case.files["m.qml"] = base_model().encode()
    kind = rng.randrange(6)
    name = rng.choice(["weights.json", "weights.json", "metrics.json", "run.json"])
    edit: bytes | None
    if kind == 0:
        edit = None  # delete
    elif kind == 1:
        edit = bytes(rng.randrange(256) for _ in range(rng.randint(0, 300)))
    elif kind == 2:
        edit = b"TRUNCATE"  # the runner truncates the good file
    elif kind == 3:
        edit = b"FLIP"  # the runner flips a few bytes of the good file
    elif kind == 4:
        edit = json.dumps(
            rng.choice([None, [], {}, 1, "x", {"format": "qlang-weights/1"}, [[[[[]]]]]])
        ).encode()
    else:
        edit = b"KEYS"  # the runner deletes or retypes one key of the good file
    case.weights = {name: edit}
    case.note = f"artifact kind {kind} on {name}"
    return case


def apply_weight_edit(
    folder: Path, name: str, edit: bytes | None, rng: random.Random
) -> None:
    """Corrupt ``folder/name`` as :func:`artifact` described it."""
    p = folder / name
    if edit is None:
        p.unlink(missing_ok=True)
        return
    good = p.read_bytes() if p.exists() else b"{}"
    if edit == b"TRUNCATE":
        p.write_bytes(good[: rng.randrange(max(1, len(good)))])
    elif edit == b"FLIP":
        raw = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        p.write_bytes(bytes(raw))
    elif edit == b"KEYS":
        try:
            data = json.loads(good)
        except ValueError:
            data = {}
        if isinstance(data, dict) and data:
            key = rng.choice(sorted(data))
            if rng.random() < 0.5:
                del data[key]
            else:
                data[key] = rng.choice([None, "x", -1, 1e300, [None], {"a": []}, True])
        p.write_text(json.dumps(data))
    else:
        p.write_bytes(edit)
