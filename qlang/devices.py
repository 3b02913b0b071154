"""Devices: coupling maps with optional error rates and a native basis.

A :class:`Device` is an undirected coupling graph over physical qubits
``0..num_qubits-1``. Constructors build the usual families; :func:`parse_device`
turns a CLI/``target`` spec into a device.

Example::

    >>> d = parse_device("grid(2,3)")
    >>> d.num_qubits, len(d.edges), d.distance(0, 5)
    (6, 7, 3)
    >>> parse_device("heavy_hex:eagle").num_qubits
    127

Named maps: ``falcon`` (27 qubits, 28 edges), ``eagle`` (127 qubits, 144 edges,
the ibm_washington / ibm_sherbrooke map) and ``heron`` (156 qubits, 176 edges:
Heron r2, the ibm_fez / ibm_marrakesh map of 8 rows of 16 joined by 4 bridges).
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from qlang.diagnostics import Diagnostic, QLangError, did_you_mean

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "Device",
    "line",
    "ring",
    "grid",
    "heavy_hex",
    "all_to_all",
    "falcon",
    "eagle",
    "heron",
    "NAMED_DEVICES",
    "device_from_json",
    "device_spec",
    "parse_device",
]

Edge = tuple[int, int]


@dataclass(frozen=True, eq=False)
class Device:
    """An undirected coupling map, optionally with error rates and a native basis.

    ``qubit_errors[q]`` is a 1-qubit/readout error of qubit ``q``; ``edge_errors`` maps a
    sorted edge ``(a, b)`` to its 2-qubit gate error. Equality and hashing use the name
    and the edge set.
    """

    name: str
    num_qubits: int
    edges: tuple[Edge, ...]
    basis: tuple[str, ...] = ()
    qubit_errors: tuple[float, ...] | None = None
    edge_errors: tuple[tuple[Edge, float], ...] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        norm = sorted({(min(a, b), max(a, b)) for a, b in self.edges})
        object.__setattr__(self, "edges", tuple(norm))
        for a, b in norm:
            if a == b or not (0 <= a < self.num_qubits and 0 <= b < self.num_qubits):
                raise ValueError(f"bad edge ({a}, {b}) for {self.num_qubits} qubits")

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Device)
            and (self.num_qubits, self.edges, self.basis)
            == (other.num_qubits, other.edges, other.basis)
            and self.qubit_errors == other.qubit_errors
            and self.edge_errors == other.edge_errors
        )

    def __hash__(self) -> int:
        return hash((self.num_qubits, self.edges))

    # --- graph queries -------------------------------------------------------
    @cached_property
    def neighbours(self) -> tuple[tuple[int, ...], ...]:
        adj: list[list[int]] = [[] for _ in range(self.num_qubits)]
        for a, b in self.edges:
            adj[a].append(b)
            adj[b].append(a)
        return tuple(tuple(sorted(x)) for x in adj)

    @cached_property
    def edge_set(self) -> frozenset[Edge]:
        return frozenset(self.edges) | frozenset((b, a) for a, b in self.edges)

    @cached_property
    def distances(self) -> np.ndarray:
        """All-pairs hop distances (BFS); unreachable pairs are ``num_qubits + 1``."""
        import numpy as np

        n = self.num_qubits
        dist = np.full((n, n), n + 1, dtype=np.int32)
        for s in range(n):
            dist[s, s] = 0
            queue = deque([s])
            while queue:
                u = queue.popleft()
                for v in self.neighbours[u]:
                    if dist[s, v] > dist[s, u] + 1:
                        dist[s, v] = dist[s, u] + 1
                        queue.append(v)
        dist.setflags(write=False)
        return dist

    @cached_property
    def distance_rows(self) -> list[list[int]]:
        """:attr:`distances` as nested lists (fast scalar indexing in routers)."""
        return self.distances.tolist()

    def distance(self, a: int, b: int) -> int:
        return int(self.distances[a, b])

    def adjacent(self, a: int, b: int) -> bool:
        return (a, b) in self.edge_set

    @cached_property
    def is_connected(self) -> bool:
        return self.num_qubits == 0 or bool((self.distances[0] <= self.num_qubits).all())

    def edge_error(self, a: int, b: int, default: float = 0.0) -> float:
        return self._edge_error_map.get((min(a, b), max(a, b)), default)

    @cached_property
    def _edge_error_map(self) -> dict[Edge, float]:
        return dict(self.edge_errors or ())

    def qubit_error(self, q: int, default: float = 0.0) -> float:
        return self.qubit_errors[q] if self.qubit_errors else default

    @property
    def has_errors(self) -> bool:
        return bool(self.qubit_errors) or bool(self.edge_errors)

    def to_networkx(self):  # noqa: ANN201 - networkx is untyped
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.num_qubits))
        g.add_edges_from(self.edges)
        return g

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "name": self.name,
            "num_qubits": self.num_qubits,
            "edges": [list(e) for e in self.edges],
            "basis": list(self.basis),
        }
        errors: dict[str, object] = {}
        if self.qubit_errors:
            errors["qubits"] = list(self.qubit_errors)
        if self.edge_errors:
            errors["edges"] = [[a, b, e] for (a, b), e in self.edge_errors]
        if errors:
            out["errors"] = errors
        return out


# --- constructors ------------------------------------------------------------------
def line(n: int) -> Device:
    """``0 - 1 - ... - n-1``."""
    return Device(f"line({n})", n, tuple((i, i + 1) for i in range(n - 1)))


def ring(n: int) -> Device:
    """A line closed into a cycle (``n >= 3``)."""
    return Device(f"ring({n})", n, tuple((i, (i + 1) % n) for i in range(n)))


def grid(rows: int, cols: int) -> Device:
    """A ``rows x cols`` square lattice, row-major numbering."""
    edges = []
    for r in range(rows):
        for c in range(cols):
            q = r * cols + c
            if c + 1 < cols:
                edges.append((q, q + 1))
            if r + 1 < rows:
                edges.append((q, q + cols))
    return Device(f"grid({rows},{cols})", rows * cols, tuple(edges))


def all_to_all(n: int) -> Device:
    """Every pair coupled (trapped ions)."""
    return Device(f"all_to_all({n})", n, tuple((i, j) for i in range(n) for j in range(i + 1, n)))


def heavy_hex(d: int) -> Device:
    """The heavy-hex lattice of the distance-``d`` code (``d`` odd): ``(5d^2 - 2d - 1)/2`` qubits.

    ``d`` rows of ``2d - 1`` qubits (data and flag alternating); consecutive rows are joined
    by bridge qubits: even gaps at the left end and columns 3, 7, ...; odd gaps at columns
    1, 5, ... and the right end. Isomorphic to ``qiskit`` ``CouplingMap.from_heavy_hex(d)``.
    """
    width = 2 * d - 1
    edges: list[Edge] = []
    for r in range(d):
        base = r * width
        edges.extend((base + c, base + c + 1) for c in range(width - 1))
    nxt = d * width
    for gap in range(d - 1):
        cols = [0, *range(3, width, 4)] if gap % 2 == 0 else [*range(1, width, 4), width - 1]
        for c in cols:
            edges.append((gap * width + c, nxt))
            edges.append((nxt, (gap + 1) * width + c))
            nxt += 1
    return Device(f"heavy_hex({d})", nxt, tuple(edges))


def _ibm_map(
    name: str,
    row_lengths: Sequence[int],
    row_offsets: Sequence[int],
    gap_cols: Sequence[Sequence[int]],
) -> Device:
    """Rows of qubits (chains) separated by bridge qubits.

    Row ``r`` has ``row_lengths[r]`` qubits starting at logical column ``row_offsets[r]``;
    after row ``r`` come the bridges of gap ``r``, one per column in ``gap_cols[r]``, each
    joining that column of row ``r`` and of row ``r + 1``. Numbering is row by row, each
    row followed by its bridges (the IBM numbering).
    """
    starts, q = [], 0
    for r, length in enumerate(row_lengths):
        starts.append(q)
        q += length + (len(gap_cols[r]) if r < len(gap_cols) else 0)
    edges: list[Edge] = []
    for r, length in enumerate(row_lengths):
        edges.extend((starts[r] + i, starts[r] + i + 1) for i in range(length - 1))
    for r, cols in enumerate(gap_cols):
        b = starts[r] + row_lengths[r]
        for k, c in enumerate(cols):
            top = starts[r] + c - row_offsets[r]
            bottom = starts[r + 1] + c - row_offsets[r + 1]
            edges.extend([(top, b + k), (b + k, bottom)])
    return Device(name, q, tuple(edges))


def falcon() -> Device:
    """IBM Falcon r4/r5.11 (27 qubits, 28 edges: ibmq_montreal, ibm_kolkata, ...)."""
    edges = (
        (0, 1), (1, 2), (1, 4), (2, 3), (3, 5), (4, 7), (5, 8), (6, 7), (7, 10), (8, 9),
        (8, 11), (10, 12), (11, 14), (12, 13), (12, 15), (13, 14), (14, 16), (15, 18),
        (16, 19), (17, 18), (18, 21), (19, 20), (19, 22), (21, 23), (22, 25), (23, 24),
        (24, 25), (25, 26),
    )  # fmt: skip
    return Device("falcon", 27, edges, basis=("cx", "rz", "sx", "x"))


def eagle() -> Device:
    """IBM Eagle r3 (127 qubits, 144 edges: ibm_washington, ibm_sherbrooke, ...)."""
    even, odd = (0, 4, 8, 12), (2, 6, 10, 14)
    d = _ibm_map(
        "eagle",
        [14, 15, 15, 15, 15, 15, 14],
        [0, 0, 0, 0, 0, 0, 1],
        [even, odd, even, odd, even, odd],
    )
    return Device("eagle", d.num_qubits, d.edges, basis=("ecr", "rz", "sx", "x"))


def heron() -> Device:
    """IBM Heron r2 (156 qubits, 176 edges: ibm_fez, ibm_marrakesh, ...)."""
    a, b = (3, 7, 11, 15), (1, 5, 9, 13)
    d = _ibm_map("heron", [16] * 8, [0] * 8, [a, b, a, b, a, b, a])
    return Device("heron", d.num_qubits, d.edges, basis=("cz", "rz", "sx", "x"))


NAMED_DEVICES = {"falcon": falcon, "eagle": eagle, "heron": heron}


# --- parsing -----------------------------------------------------------------------
_FAMILIES: dict[str, tuple[int, int]] = {  # name -> (number of int arguments, minimum value)
    "line": (1, 1),
    "ring": (1, 3),
    "grid": (2, 1),
    "heavy_hex": (1, 3),
    "all_to_all": (1, 1),
}
_MAX_QUBITS = 10_000


def _err(code: str, message: str, help: str | None = None) -> QLangError:
    return QLangError([Diagnostic.error(code, message, help=help)])


def parse_device(spec: str) -> Device:
    """A device from a spec: ``line(8)``, ``ring(5)``, ``grid(3,4)``, ``heavy_hex(5)``,
    ``all_to_all(6)``, ``eagle`` / ``heavy_hex:eagle`` (also falcon, heron), or a
    ``.json`` / edge-list file path.

    >>> parse_device("line(3)").edges
    ((0, 1), (1, 2))
    """
    text = spec.strip()
    if not text:
        raise _err("QL0580", "empty device spec", help="write e.g. `line(8)` or `heavy_hex:eagle`")
    low = text.lower()
    if low.startswith("heavy_hex:") or low in NAMED_DEVICES:
        key = low.split(":", 1)[1] if ":" in low else low
        if key.isdigit():
            return _family("heavy_hex", [int(key)], text)
        if key not in NAMED_DEVICES:
            raise _err(
                "QL0581",
                f"unknown named device `{key}`",
                help=did_you_mean(key, NAMED_DEVICES) or f"known: {', '.join(NAMED_DEVICES)}",
            )
        return NAMED_DEVICES[key]()
    m = re.fullmatch(r"([A-Za-z_]\w*)\s*\(\s*([^)]*)\)", text)
    if m:
        fam, raw = m.group(1).lower(), m.group(2)
        if fam not in _FAMILIES:
            raise _err(
                "QL0582",
                f"unknown device family `{fam}`",
                help=did_you_mean(fam, _FAMILIES) or f"known: {', '.join(_FAMILIES)}",
            )
        parts = [p.strip() for p in raw.split(",")] if raw.strip() else []
        if not all(re.fullmatch(r"\d+", p) for p in parts):
            raise _err(
                "QL0583",
                f"device `{fam}` takes integer arguments, got `{raw}`",
                help=f"write e.g. `{_example(fam)}`",
            )
        return _family(fam, [int(p) for p in parts], text)
    from qlang.fileio import exists

    path = Path(text)
    if path.suffix.lower() in (".json", ".txt", ".edges") or exists(path):
        return device_from_file(path)
    raise _err(
        "QL0584",
        f"cannot understand device spec `{text}`",
        help="use `line(n)`, `ring(n)`, `grid(r,c)`, `heavy_hex(d)`, `all_to_all(n)`, "
        "`heavy_hex:eagle` or a path to a `.json` file",
    )


def device_spec(call: object) -> str:
    """The ``parse_device`` spec of a ``target { device = ... }`` setting (a model ``Call``).

    >>> from qlang.ir.model import Call
    >>> device_spec(Call("grid", (3, 4))), device_spec(Call("eagle")), device_spec(Call("file", ("d.json",)))
    ('grid(3,4)', 'eagle', 'd.json')
    """
    name = str(getattr(call, "name", call))
    args = tuple(getattr(call, "args", ()))
    if name == "file" and len(args) == 1:
        return str(args[0])
    if not args:
        return name
    return f"{name}({','.join(_spec_arg(a) for a in args)})"


def _spec_arg(a: object) -> str:
    if isinstance(a, float) and a.is_integer():
        return str(int(a))
    return str(a)


def _example(fam: str) -> str:
    return {"grid": "grid(3,4)", "heavy_hex": "heavy_hex(3)"}.get(fam, f"{fam}(8)")


def _family(fam: str, args: list[int], text: str) -> Device:
    nargs, minimum = _FAMILIES[fam]
    if len(args) != nargs:
        raise _err(
            "QL0585",
            f"device `{fam}` takes {nargs} argument(s), got {len(args)}",
            help=f"write e.g. `{_example(fam)}`",
        )
    if any(a < minimum for a in args):
        raise _err(
            "QL0586",
            f"device `{text}` is too small: each size must be >= {minimum}",
            help=f"write e.g. `{_example(fam)}`",
        )
    if fam == "heavy_hex" and args[0] % 2 == 0:
        raise _err(
            "QL0586",
            f"heavy-hex code distance must be odd, got {args[0]}",
            help=f"use `heavy_hex({args[0] + 1})`",
        )
    size = math.prod(args) if fam != "heavy_hex" else (5 * args[0] ** 2 - 2 * args[0]) // 2
    if size > _MAX_QUBITS:
        raise _err("QL0587", f"device `{text}` has {size} qubits, more than {_MAX_QUBITS}")
    builder: dict[str, Callable[..., Device]] = {
        "line": line,
        "ring": ring,
        "grid": grid,
        "heavy_hex": heavy_hex,
        "all_to_all": all_to_all,
    }
    return builder[fam](*args)


def device_from_file(path: Path) -> Device:
    """Read a JSON device (``{"num_qubits", "edges", "basis", "errors"}``) or an edge list
    (one ``a b`` pair per line, ``#`` comments). The file obeys the file access policy in
    force (:mod:`qlang.access`); errors never quote its contents."""
    from qlang.fileio import decode_text, read_bytes
    from qlang.limits import MAX_DEVICE_FILE_BYTES

    try:
        raw = read_bytes(path, what="device file", limit=MAX_DEVICE_FILE_BYTES, policy=True)
        text = decode_text(raw, path, "device file")
    except QLangError as err:
        d = err.diagnostics[0]
        code = d.code if d.code in ("QL0801", "QL0802", "QL0803") else "QL0588"
        raise _err(code, d.message, help=d.help) from None
    if path.suffix.lower() == ".json" or text.lstrip().startswith("{"):
        try:
            data = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise _err(
                "QL0589", f"device file `{path}` is not valid JSON: {exc.msg} (line {exc.lineno})"
            ) from None
        except (ValueError, RecursionError):
            raise _err("QL0589", f"device file `{path}` is not valid JSON") from None
        return device_from_json(data, name=path.stem)
    edges = []
    for i, line in enumerate(text.splitlines(), 1):
        body = line.split("#", 1)[0].strip()
        if not body:
            continue
        parts = body.replace(",", " ").split()
        if len(parts) != 2 or not all(p.isdigit() and len(p) < 7 for p in parts):
            raise _err("QL0590", f"line {i} of `{path}` is not an edge `a b` of qubit numbers")
        edges.append((int(parts[0]), int(parts[1])))
    n = 1 + max((max(e) for e in edges), default=-1)
    if n > _MAX_QUBITS:
        raise _err("QL0587", f"device file `{path}` has {n} qubits, more than {_MAX_QUBITS}")
    return _checked(path.stem, n, edges, (), None, None)


def _no_constant(name: str) -> object:
    raise ValueError(name)


def device_from_json(data: object, name: str = "device") -> Device:
    """A device from parsed JSON; errors as ``{"qubits": [..], "edges": [[a, b, e], ..]}``."""
    if not isinstance(data, dict):
        raise _err("QL0591", "a device JSON must be an object with `num_qubits` and `edges`")
    unknown = set(data) - {"name", "num_qubits", "edges", "basis", "errors"}
    if unknown:
        raise _err(
            "QL0591",
            f"device JSON has {len(unknown)} unknown key{'s' * (len(unknown) != 1)}",
            help="the keys are `name`, `num_qubits`, `edges`, `basis` and `errors`",
        )
    n, edges = data.get("num_qubits"), data.get("edges")
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise _err("QL0592", "device JSON needs a positive integer `num_qubits`")
    if n > _MAX_QUBITS:
        raise _err("QL0587", f"device JSON has {n} qubits, more than {_MAX_QUBITS}")
    if not isinstance(edges, list) or not all(
        isinstance(e, list) and len(e) == 2 and all(isinstance(x, int) for x in e) for e in edges
    ):
        raise _err("QL0593", "device `edges` must be a list of `[a, b]` integer pairs")
    basis = data.get("basis", [])
    if not isinstance(basis, list) or not all(isinstance(b, str) for b in basis):
        raise _err("QL0594", "device `basis` must be a list of gate names")
    q_err, e_err = _parse_errors(data.get("errors"), n)
    return _checked(
        str(data.get("name", name)), n, [tuple(e) for e in edges], tuple(basis), q_err, e_err
    )


def _parse_errors(errors: object, n: int) -> tuple[tuple[float, ...] | None, tuple | None]:
    if errors is None:
        return None, None
    if not isinstance(errors, dict) or set(errors) - {"qubits", "edges"}:
        raise _err("QL0595", 'device `errors` must be `{"qubits": [...], "edges": [...]}`')
    q = errors.get("qubits")
    if q is not None and (
        not isinstance(q, list)
        or len(q) != n
        or not all(isinstance(x, (int, float)) and 0 <= x <= 1 for x in q)
    ):
        raise _err("QL0595", f"`errors.qubits` must be {n} probabilities in [0, 1]")
    e = errors.get("edges")
    e_out = None
    if e is not None:
        if not isinstance(e, list) or not all(
            isinstance(t, list)
            and len(t) == 3
            and all(isinstance(x, int) for x in t[:2])
            and isinstance(t[2], (int, float))
            and 0 <= t[2] <= 1
            for t in e
        ):
            raise _err("QL0595", "`errors.edges` must be a list of `[a, b, error]` entries")
        e_out = tuple(sorted(((min(a, b), max(a, b)), float(x)) for a, b, x in e))
    return (tuple(float(x) for x in q) if q is not None else None), e_out


def _checked(
    name: str,
    n: int,
    edges: Iterable[tuple],
    basis: tuple[str, ...],
    q_err: tuple[float, ...] | None,
    e_err: tuple | None,
) -> Device:
    edges = list(edges)
    for a, b in edges:
        if a == b:
            raise _err("QL0596", f"device edge `[{a}, {b}]` is a self-loop")
        if not (0 <= a < n and 0 <= b < n):
            raise _err("QL0596", f"device edge `[{a}, {b}]` is out of range for {n} qubits")
    if e_err:
        known = {(min(a, b), max(a, b)) for a, b in edges}
        for pair, _ in e_err:
            if pair not in known:
                raise _err("QL0598", f"error rate given for `{list(pair)}`, which is not an edge")
    dev = Device(name, n, tuple(edges), basis, q_err, e_err)
    if not dev.is_connected:
        raise _err(
            "QL0599",
            f"device `{name}` is not connected",
            help="routing needs a path between every pair of qubits",
        )
    return dev
