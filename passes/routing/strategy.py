"""Choosing among routes: seeded SABRE trials, swap networks and parity chains; keep the best.

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Operation
    >>> best_route([Operation("cz", (0, 2))], line(3), trials=2).cost
    4
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from qlang.passes.routing.commuting import chain_route
from qlang.passes.routing.engine import Heuristic, RouteResult, build_dag, route
from qlang.passes.routing.network import find_path, route_network
from qlang.passes.routing.rewrite import lower_three_qubit

from qlang.devices import Device
from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.circuit import Circuit, Operation

#: The heuristic portfolio cycled through by the trials (plain SABRE first).
HEURISTICS: tuple[Heuristic, ...] = (
    Heuristic(),
    Heuristic(merge_bonus=1.0, adjacency_bonus=0.1),
    Heuristic(adjacency_bonus=0.2),
    Heuristic(merge_bonus=0.5),
    Heuristic(lookahead=40, weight=0.3, merge_bonus=1.0),
)


def best_route(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    trials: int = 4,
    commute_aware: bool = True,
    network: bool = True,
    thorough: bool = False,
) -> RouteResult:
    """The cheapest of ``trials`` SABRE runs (and swap-network and parity-chain runs when
    the active qubits lie on a path), by (CNOT count, depth). ``thorough`` also tries
    the parity-chain router along other paths through the same qubits. Memoised: the layout pass and the routing pass ask
    for the same route."""
    return _best_route_cached(tuple(ops), device, seed, trials, commute_aware, network, thorough)


@lru_cache(maxsize=8)
def _best_route_cached(
    ops: tuple[Operation, ...],
    device: Device,
    seed: int,
    trials: int,
    commute_aware: bool,
    network: bool,
    thorough: bool = False,
) -> RouteResult:
    return _best_route(
        ops, device, seed=seed, trials=trials, commute_aware=commute_aware, network=network,
        thorough=thorough,
    )  # fmt: skip


def _best_route(
    ops: Sequence[Operation],
    device: Device,
    *,
    seed: int = 0,
    trials: int = 4,
    commute_aware: bool = True,
    network: bool = True,
    thorough: bool = False,
) -> RouteResult:
    results: list[RouteResult] = []
    heuristics = HEURISTICS if commute_aware else (Heuristic(),)
    dag = build_dag(ops, commute_aware)
    for t in range(max(1, trials)):
        h = heuristics[t % len(heuristics)]
        results.append(
            route(ops, device, seed=seed + t, commute_aware=commute_aware, heuristic=h, dag=dag)
        )
    if network and commute_aware:
        active = frozenset(q for op in ops if op.is_gate and len(op.qubits) == 2 for q in op.qubits)
        path = None
        if len(active) >= 2:
            path = find_path(device, len(active), within=active, time_limit=0.2, seed=seed)
        if path is not None and len(active) >= 4:
            for lazy in (False, True):
                res = route_network(ops, device, path, lazy=lazy)
                if res is not None:
                    results.append(res)
        paths = [path] if path is not None else []
        if thorough and path is not None:  # other paths through the same qubits
            for s in range(1, 4):
                p = find_path(device, len(active), within=active, time_limit=0.1, seed=seed + s)
                if p is not None and p not in paths and p[::-1] not in paths:
                    paths.append(p)
        for p in [q for path in paths for q in (path, path[::-1])]:  # anchor at either end
            chain = chain_route(ops, device, p, seed=seed, trials=4)
            if chain is not None:
                results.append(chain)
    return min(results, key=lambda r: r.key)


def lowered(circuit: Circuit) -> Circuit:
    """Gates on 3 or more qubits rewritten with 1- and 2-qubit gates (barriers kept)."""
    if all(len(op.qubits) <= 2 or not op.is_gate for op in circuit.ops):
        return circuit
    ops: list[Operation] = []
    for op in circuit.ops:
        ops.extend(lower_three_qubit(op) if op.is_gate and len(op.qubits) > 2 else [op])
    return replace(circuit, ops=tuple(ops))


def check_fits(circuit: Circuit, device: Device) -> None:
    """Raise ``QL0597`` when the circuit needs more qubits than the device has."""
    if circuit.num_qubits > device.num_qubits:
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0597",
                    f"circuit `{circuit.name}` needs {circuit.num_qubits} qubits but device "
                    f"`{device.name}` has {device.num_qubits}",
                    circuit.span,
                    help="choose a larger device or use fewer qubits",
                )
            ]
        )
