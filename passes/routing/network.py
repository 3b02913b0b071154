"""Swap networks: odd-even transposition along a line embedded in the device.

For a dense block of commuting 2-qubit terms (a full ZZ feature map, QAOA on a dense
graph) the best generic schedule is a swap network: with the ``k`` active qubits on a
path, ``k`` alternating layers of swaps on the (even, odd) pairs bring every pair next to
each other exactly once. Each term runs when its pair meets, and is then fused with the
swap on that pair (3 CNOTs for term + swap, see :mod:`.rewrite`).

:func:`route_network` runs the layers until the circuit is done, executing every gate
whose qubits are adjacent as soon as it is ready (in commutation-DAG order), so it also
routes the non-commuting parts, only less cleverly than SABRE; the router keeps whichever
is cheaper. :func:`find_path` finds a simple path of ``k`` qubits (a search bounded in steps).

Example::

    >>> from qlang.devices import grid
    >>> len(find_path(grid(3, 3), 9)), route_network([], grid(2, 2), [0, 1, 3, 2]).swaps
    (9, 0)
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Sequence

from qlang.passes.routing.engine import Dag, RouteResult, _State
from qlang.passes.routing.kernels import KERNELS
from qlang.passes.routing.rewrite import cx_cost
from qlang.passes.routing.sabre import Program, Trial, device_arrays

from qlang.devices import Device
from qlang.ir.circuit import Operation

#: the default step budget of :func:`find_path` per qubit of the path (depth-first search
#: steps, summed over the start qubits): a count, never a time, so a path is found or not
#: on any machine alike. About 0.1 s for a 36-qubit path on the development machine; every
#: path the routing benchmark finds takes at most about 100 steps.
PATH_STEPS_PER_QUBIT = 4096


def find_path(
    device: Device,
    length: int,
    *,
    within: frozenset[int] | None = None,
    max_steps: int | None = None,
    seed: int = 0,
) -> list[int] | None:
    """A simple path of ``length`` physical qubits (inside ``within`` if given), or None.

    Depth-first search preferring neighbours with fewest free neighbours (Warnsdorff),
    starting from low-degree qubits, stopped after ``max_steps`` search steps in all
    (default :data:`PATH_STEPS_PER_QUBIT` x ``length``), so the answer depends only on the
    arguments, never on the machine's speed or load.

    Example::

        >>> from qlang.devices import grid
        >>> find_path(grid(2, 3), 6), find_path(grid(2, 3), 6, max_steps=3)
        ([3, 0, 1, 2, 5, 4], None)
    """
    nodes = sorted(within) if within is not None else list(range(device.num_qubits))
    allowed = set(nodes)
    if length <= 0:
        return []
    if length > len(nodes):
        return None
    nbrs = {q: [p for p in device.neighbours[q] if p in allowed] for q in nodes}
    if length == len(nodes) and not _may_have_hamiltonian_path(nbrs):
        return None
    if max_steps is None:
        max_steps = PATH_STEPS_PER_QUBIT * length
    rng = random.Random(seed)
    starts = sorted(nodes, key=lambda q: (len(nbrs[q]), rng.random()))
    if KERNELS is None:
        return _find_path_python(nbrs, starts, length, max_steps)
    local = {q: i for i, q in enumerate(nodes)}  # the kernel works on indices 0..m-1
    ptr, idx = array("i", [0]), array("i")
    for q in nodes:
        idx.extend(local[p] for p in nbrs[q])
        ptr.append(len(idx))
    found = KERNELS.find_path(ptr, idx, array("i", [local[q] for q in starts]), length,
                              max_steps)  # fmt: skip
    return None if found is None else [nodes[i] for i in found]


def _find_path_python(
    nbrs: dict[int, list[int]], starts: Sequence[int], length: int, max_steps: int
) -> list[int] | None:
    """The depth-first search of :func:`find_path` from each of ``starts`` in turn (the
    reference of the compiled ``find_path`` kernel, which takes the same steps): children
    with the fewest free neighbours first, every loop iteration one step of ``max_steps``."""
    steps = 0
    for s in starts:
        path = [s]
        on_path = {s}
        stack = [iter(_order(nbrs, s, on_path))]
        while stack:
            if len(path) == length:
                return path
            steps += 1
            if steps > max_steps:
                return None
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                on_path.discard(path.pop())
                continue
            if nxt in on_path:
                continue
            path.append(nxt)
            on_path.add(nxt)
            stack.append(iter(_order(nbrs, nxt, on_path)))
    return None


def _may_have_hamiltonian_path(nbrs: dict[int, list[int]]) -> bool:
    """False when a path through every node is impossible: the graph is disconnected, or
    bipartite with colour classes differing by more than one (a path alternates colours).
    Either way the exhaustive search would fail, only slowly."""
    if not nbrs:
        return True
    first = next(iter(nbrs))
    colour = {first: 0}
    queue = [first]
    bipartite = True
    for q in queue:
        for p in nbrs[q]:
            if p not in colour:
                colour[p] = 1 - colour[q]
                queue.append(p)
            elif colour[p] == colour[q]:
                bipartite = False
    if len(colour) < len(nbrs):
        return False
    ones = sum(colour.values())
    return not bipartite or abs(len(nbrs) - 2 * ones) <= 1


def _order(nbrs: dict[int, list[int]], q: int, on_path: set[int]) -> list[int]:
    free = [p for p in nbrs[q] if p not in on_path]
    return sorted(free, key=lambda p: sum(1 for r in nbrs[p] if r not in on_path))


class _CountingState(_State):
    """:class:`_State` that also counts the inserted swaps certain to cost at least one
    CNOT in the finished route (``kept``): those with a later 2-qubit non-swap op on one
    of their qubits. Such a swap survives ``drop_trailing_swaps``; alone it costs 3, fused
    with a term it adds at least 1 to the term's cost (``rewrite.gate_then_swap``), and a
    term fuses with at most one swap. So a finished route costs at least
    ``cx_cost(non-swap ops) + kept``."""

    def __init__(self, ops: Sequence[Operation], device: Device, commute_aware: bool,
                 dag: Dag | None):  # fmt: skip
        super().__init__(ops, device, commute_aware, dag)
        self.open: list[list[int]] = [[] for _ in range(device.num_qubits)]
        self.confirmed: list[bool] = []
        self.kept = 0

    def swap(self, p1: int, p2: int) -> int:
        k = len(self.confirmed)
        self.confirmed.append(False)
        self.open[p1].append(k)
        self.open[p2].append(k)
        return super().swap(p1, p2)

    def emit(self, i: int) -> None:
        op = self.ops[i]
        if _confirms_swaps(op):
            for w in op.qubits:
                waiting = self.open[self.pos[w]]
                for k in waiting:
                    if not self.confirmed[k]:
                        self.confirmed[k] = True
                        self.kept += 1
                waiting.clear()
        super().emit(i)


def route_network(
    ops: Sequence[Operation],
    device: Device,
    path: Sequence[int],
    *,
    commute_aware: bool = True,
    max_layers: int | None = None,
    lazy: bool = False,
    bound: int | None = None,
    dag: Dag | None = None,
) -> RouteResult | None:
    """Route placed ``ops`` whose qubits all lie on ``path`` with odd-even swap layers.

    Eager mode runs every gate as soon as its qubits are adjacent. Lazy mode holds
    2-qubit gates until the layer that swaps their pair, runs them right before that swap
    (so every term fuses with a swap: 3 CNOTs per pair for an all-to-all block) and stops
    when nothing is left.

    Returns None when the layers budget (default ``4 * len(path) + 8`` per
    dependency level, bounded overall) runs out, or, with a ``bound``, as soon as the
    route is certain to cost more than ``bound`` CNOTs (a route it does return is the
    same as without the bound). ``dag``: the dependency DAG of ``ops``, when known.
    """
    st = _CountingState(ops, device, commute_aware, dag)
    st.hold = lazy
    st.drain()
    k = len(path)
    budget = layer_budget(len(ops), k, max_layers)
    floor = network_floor(ops)
    layer = 0
    while st.front:
        if layer >= budget or (bound is not None and floor + st.kept > bound):
            return None
        for i in range(layer % 2, k - 1, 2):
            p1, p2 = min(path[i], path[i + 1]), max(path[i], path[i + 1])
            if lazy:
                while st.run_gate_on(p1, p2):
                    pass
                if not st.front:
                    break
            st.swap(p1, p2)
        layer += 1
    return st.result()


def layer_budget(num_ops: int, path_len: int, max_layers: int | None = None) -> int:
    """The layers a swap network may use before giving up (:func:`route_network`)."""
    if max_layers is not None:
        return max_layers
    return (4 * path_len + 8) * (1 + num_ops // max(1, path_len))


def network_floor(ops: Sequence[Operation]) -> int:
    """The CNOT cost of the non-swap 2-qubit gates: the part of a network's running lower
    bound that does not depend on its swaps."""
    return cx_cost([op for op in ops if op.name != "swap"])


def network_confirms(ops: Sequence[Operation]) -> array:
    """Per op, 1 when running it makes the swaps waiting on its qubits permanent (a
    2-qubit or wider op that is not a swap): what the compiled network counts with."""
    return array("i", [int(_confirms_swaps(op)) for op in ops])


def _confirms_swaps(op: Operation) -> bool:
    return len(op.qubits) >= 2 and op.name != "swap"


def network_trial(
    prog: Program,
    confirms: array,
    device: Device,
    path: Sequence[int],
    *,
    lazy: bool = False,
    bound: int | None = None,
    floor: int = 0,
) -> Trial | None:
    """:func:`route_network` run by the compiled kernel on a commutation-aware ``prog``
    (:func:`.sabre.prepare` of the placed ops), as a search trace: ``trial.result(ops)`` is
    the route :func:`route_network` returns, and ``trial.key`` scores it without building
    it. ``floor``: :func:`network_floor` of the ops (for the ``bound``). Needs the compiled
    kernels (:func:`.kernels.compiled_available`) and a program built with them."""
    if KERNELS is None or not prog.flat:
        raise RuntimeError("network_trial needs the compiled kernels")
    n = device.num_qubits
    q_ptr, q_idx, a, b, _fus, s_ptr, s_idx, indeg = prog.flat
    budget = layer_budget(len(prog.qubits), len(path))
    out = KERNELS.network(
        n, device_arrays(device)[0], q_ptr, q_idx, a, b, confirms, s_ptr, s_idx, indeg,
        array("i", path), int(lazy), budget, -1 if bound is None else bound, floor,
    )  # fmt: skip
    if out is None:
        return None
    trace, final, swaps = out
    return Trial(tuple(trace), tuple(range(n)), tuple(final), swaps)
