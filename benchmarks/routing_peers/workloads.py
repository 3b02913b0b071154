"""QML workload circuits for routing tests and benchmarks (symbolic parameters).

ZZ feature maps (linear / full), IQP, QAOA on a graph, EfficientSU2, QCNN, and
QUEKO-style circuits with a known optimal mapping.

Example::

    >>> c = qaoa(4, [(0, 1), (1, 2), (2, 3), (3, 0)], p=2)
    >>> c.num_two_qubit_gates, c.num_weights
    (8, 4)
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import networkx as nx

from qlang.devices import Device
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl

PI = E.Const(math.pi)


def _circuit(n: int, ops: list[Operation], n_in: int, n_w: int, name: str) -> Circuit:
    inputs = (ParamDecl("x", (n_in,), 0),) if n_in else ()
    weights = (ParamDecl("theta", (n_w,), 0),) if n_w else ()
    return Circuit(n, tuple(ops), inputs=inputs, weights=weights, name=name)


def zz_feature_map(n: int, reps: int = 1, entanglement: str = "full") -> Circuit:
    """``h``, ``p(2 x_i)``, then ``rzz(2 (pi - x_i)(pi - x_j))`` per pair, ``reps`` times."""
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    if entanglement == "linear":
        pairs = [(i, i + 1) for i in range(n - 1)]
    ops: list[Operation] = []
    x = [E.Input(i) for i in range(n)]
    for _ in range(reps):
        ops += [Operation("h", (i,)) for i in range(n)]
        ops += [Operation("p", (i,), (2 * x[i],)) for i in range(n)]
        ops += [Operation("rzz", (i, j), (2 * (PI - x[i]) * (PI - x[j]),)) for i, j in pairs]
    return _circuit(n, ops, n, 0, f"zz_{entanglement}_r{reps}_{n}")


def iqp(n: int) -> Circuit:
    """``h``; ``rz(x_i)``; ``rzz(x_i x_j)`` on every pair; ``h``."""
    x = [E.Input(i) for i in range(n)]
    ops = [Operation("h", (i,)) for i in range(n)]
    ops += [Operation("rz", (i,), (x[i],)) for i in range(n)]
    ops += [Operation("rzz", (i, j), (x[i] * x[j],)) for i in range(n) for j in range(i + 1, n)]
    ops += [Operation("h", (i,)) for i in range(n)]
    return _circuit(n, ops, n, 0, f"iqp_{n}")


def qaoa(n: int, edges: Sequence[tuple[int, int]], p: int = 1, name: str = "qaoa") -> Circuit:
    """QAOA for MaxCut: ``rzz(gamma_k)`` on each edge, then ``rx(beta_k)`` mixers."""
    ops = [Operation("h", (i,)) for i in range(n)]
    for k in range(p):
        gamma, beta = E.Weight(2 * k), E.Weight(2 * k + 1)
        ops += [Operation("rzz", (a, b), (gamma,)) for a, b in edges]
        ops += [Operation("rx", (i,), (2 * beta,)) for i in range(n)]
    return _circuit(n, ops, 0, 2 * p, f"{name}_p{p}_{n}")


def regular_graph(n: int, seed: int = 0) -> list[tuple[int, int]]:
    """Edges of a random 3-regular graph (``n`` even)."""
    return sorted(nx.random_regular_graph(3, n, seed=seed).edges())


def erdos_renyi(n: int, prob: float = 0.3, seed: int = 0) -> list[tuple[int, int]]:
    return sorted(nx.gnp_random_graph(n, prob, seed=seed).edges())


def efficient_su2(n: int, reps: int = 1, entanglement: str = "full") -> Circuit:
    """``ry``/``rz`` layers and ``cx`` entanglers (full: every pair ``i < j``)."""
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    if entanglement == "linear":
        pairs = [(i, i + 1) for i in range(n - 1)]
    ops: list[Operation] = []
    k = 0
    for r in range(reps + 1):
        for gate in ("ry", "rz"):
            for i in range(n):
                ops.append(Operation(gate, (i,), (E.Weight(k),)))
                k += 1
        if r < reps:
            ops += [Operation("cx", pair) for pair in pairs]
    return _circuit(n, ops, 0, k, f"su2_{entanglement}_r{reps}_{n}")


def qcnn(n: int) -> Circuit:
    """Convolution (``rzz``, ``ryy``, ``cx`` blocks on neighbours) and pooling (``crz``)."""
    active = list(range(n))
    ops = [Operation("ry", (i,), (E.Input(i),)) for i in range(n)]
    k = 0
    while len(active) > 1:
        for start in (0, 1):
            for i in range(start, len(active) - 1, 2):
                a, b = active[i], active[i + 1]
                ops += [
                    Operation("ry", (a,), (E.Weight(k),)),
                    Operation("ry", (b,), (E.Weight(k + 1),)),
                    Operation("cx", (a, b)),
                    Operation("rzz", (a, b), (E.Weight(k + 2),)),
                    Operation("cx", (b, a)),
                ]
                k += 3
        kept = []
        for i in range(0, len(active) - 1, 2):
            ops.append(Operation("crz", (active[i], active[i + 1]), (E.Weight(k),)))
            k += 1
            kept.append(active[i + 1])
        if len(active) % 2:
            kept.append(active[-1])
        active = kept
    return _circuit(n, ops, n, k, f"qcnn_{n}")


def queko(device: Device, n: int, depth: int, density: float = 0.5, seed: int = 0) -> Circuit:
    """A QUEKO-style circuit: ``depth`` layers of gates on device edges among ``n`` physical
    qubits, relabelled at random. It needs zero swaps and has depth ``depth``.

    The ``n`` physical qubits are a connected region grown from a random qubit; each layer
    is a random matching of its edges (each edge kept with probability ``density``, at
    least one gate per layer), with ``rz`` on the idle qubits.
    """
    rng = random.Random(seed)
    region = [rng.randrange(device.num_qubits)]
    seen = set(region)
    while len(region) < n:
        frontier = sorted({q for p in region for q in device.neighbours[p]} - seen)
        q = rng.choice(frontier)
        region.append(q)
        seen.add(q)
    edges = [e for e in device.edges if e[0] in seen and e[1] in seen]
    relabel = list(range(n))
    rng.shuffle(relabel)
    logical = {p: relabel[i] for i, p in enumerate(region)}
    ops: list[Operation] = []
    k = 0
    for _ in range(depth):
        rng.shuffle(edges)
        busy: set[int] = set()
        layer: list[Operation] = []
        for a, b in edges:
            if a not in busy and b not in busy and (not layer or rng.random() < density):
                busy |= {a, b}
                layer.append(Operation("cx", (logical[a], logical[b])))
        for p in region:
            if p not in busy:
                layer.append(Operation("rz", (logical[p],), (E.Weight(k),)))
                k += 1
        ops += layer
    return _circuit(n, ops, 0, k, f"queko_{device.name}_{n}_d{depth}")
