"""The kernel matrix in tiles on Ray: states once per block of rows, then one task per tile.

Rows split into blocks of :meth:`Distribution.block_rows` rows. One Ray task per block
runs the encoding over the block's rows in one batched engine call (the statevectors,
or for the projected kernel the Bloch vectors), into the object store; one task per
tile ``(i, j)`` then reads the two blocks' states and computes ``K[i, j]``. With at most
two blocks a tile task computes its two blocks' states itself instead (one stage of
tasks, measured faster there: docs/distributed.md). The
symmetric training matrix (``X2 = None``) computes the tiles ``i <= j`` only (a diagonal
tile as one Hermitian rank-k update, as the serial path does) and mirrors them. The
entries are those of :func:`qlang.sim.kernel_matrix` / :func:`qlang.sim.projected_kernel`
to 1e-12 (the same arithmetic on sub-blocks).

Example (the tiles of a symmetric 5 x 5 matrix with blocks of 2 rows)::

    >>> tiles(5, None, 2)
    [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    >>> spans(5, 2)
    [(0, 2), (2, 4), (4, 5)]
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from qlang.distribute.cluster import Cluster

#: how the tiles get their states: ``auto`` is ``per_tile`` for at most two blocks of rows
#: (one stage of tasks; the states of a block are computed at most twice) and ``shipped``
#: above (docs/distributed.md: measured by benchmarks/ray_kernel.py)
STATES = "auto"
#: per worker process: the simulator of each shipped encoding (built once)
_SIMULATORS: dict[tuple[str, str], Any] = {}


def spans(rows: int, block: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of each block of ``block`` rows."""
    return [(a, min(a + block, rows)) for a in range(0, rows, block)]


def tiles(rows1: int, rows2: int | None, block: int) -> list[tuple[int, int]]:
    """The tiles to compute: all ``(i, j)``, or ``i <= j`` for a symmetric matrix."""
    n1 = len(spans(rows1, block))
    if rows2 is None:
        return [(i, j) for i in range(n1) for j in range(i, n1)]
    n2 = len(spans(rows2, block))
    return [(i, j) for i in range(n1) for j in range(n2)]


def _one_thread() -> None:
    """A task reserves one CPU: the simulator and BLAS use one thread in it."""
    os.environ["QLANG_THREADS"] = "1"


def block_states(
    encoding: list[Any], X: np.ndarray, weights: np.ndarray | None, kind: str, dtype: str
) -> np.ndarray:
    """One block's states (``fidelity``) or flattened Bloch vectors (``projected``): one
    batched engine call. ``encoding`` is ``[ObjectRef]`` (the circuit, shipped once)."""
    import ray

    from qlang.sim.kernels import bloch_vectors
    from qlang.sim.simulator import Simulator
    from qlang.sim.threads import blas_threads

    _one_thread()
    ref = encoding[0]
    key = (ref.hex(), dtype)
    sim = _SIMULATORS.get(key)
    if sim is None:
        if len(_SIMULATORS) > 8:  # one run uses one or two encodings
            _SIMULATORS.clear()
        circuit = ray.get(ref)
        sim = _SIMULATORS[key] = (Simulator(circuit, dtype=dtype), circuit.num_qubits)
    with blas_threads(1):
        states = sim[0].statevector(X, weights)
        if kind == "projected":
            return bloch_vectors(states, sim[1]).reshape(len(X), -1)
    return states


def tile(a: np.ndarray, b: np.ndarray | None, kind: str, gamma: float) -> np.ndarray:
    """One tile from two blocks' states (``b`` ``None``: a diagonal tile of a Gram matrix)."""
    from qlang.sim.kernels import _gram_fidelity
    from qlang.sim.threads import blas_threads

    _one_thread()
    with blas_threads(1):
        if kind == "projected":
            b2 = a if b is None else b
            sq = np.sum(a**2, axis=1)[:, None] + np.sum(b2**2, axis=1)[None, :] - 2 * a @ b2.T
            return np.exp(-gamma * 0.5 * np.maximum(sq, 0.0))
        if b is None:
            return _gram_fidelity(a)
        return (np.abs(a @ b.conj().T) ** 2).astype(float)


def tile_from_rows(
    encoding: list[Any], Xa: np.ndarray, Xb: np.ndarray | None, weights: np.ndarray | None,
    kind: str, gamma: float, dtype: str,
) -> np.ndarray:  # fmt: skip
    """One tile from the two blocks' rows: their states (one batched engine call each),
    then :func:`tile` (``Xb`` ``None``: a diagonal tile)."""
    a = block_states(encoding, Xa, weights, kind, dtype)
    b = None if Xb is None else block_states(encoding, Xb, weights, kind, dtype)
    return tile(a, b, kind, gamma)


def kernel_matrix(
    cluster: Cluster,
    encoding: Any,
    X1: np.ndarray,
    X2: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    *,
    kind: str = "fidelity",
    gamma: float = 1.0,
    dtype: str = "complex128",
    states: str = STATES,
) -> np.ndarray:
    """The kernel matrix ``(N1, N2)`` (``X2 = None``: the symmetric ``(N1, N1)`` Gram
    matrix) computed in tiles on ``cluster`` (see the module docstring). ``states``:
    ``"shipped"`` (each block's states once, through the object store) or ``"per_tile"``
    (each tile task computes its two blocks' states itself: one stage, no states shipped)
    or ``"auto"`` (:data:`STATES`)."""
    ray = cluster.ray
    X1 = np.asarray(X1, dtype=float)
    X2 = None if X2 is None else np.asarray(X2, dtype=float)
    rows = len(X1) if X2 is None else max(len(X1), len(X2))
    block = cluster.dist.block_rows(rows, cluster.workers)
    enc = [cluster.put(encoding)]
    w = None if weights is None or len(weights) == 0 else np.asarray(weights, dtype=float)
    sp1 = spans(len(X1), block)
    sp2 = sp1 if X2 is None else spans(len(X2), block)
    todo = tiles(len(X1), None if X2 is None else len(X2), block)
    if states == "auto":
        states = "per_tile" if max(len(sp1), len(sp2)) <= 2 else "shipped"
    if states == "per_tile":
        task = cluster.remote(tile_from_rows)
        B = X1 if X2 is None else X2
        refs = [
            task.remote(enc, X1[slice(*sp1[i])], None if (X2 is None and i == j)
                        else B[slice(*sp2[j])], w, kind, float(gamma), dtype)
            for i, j in todo
        ]  # fmt: skip
        computed = 2 * len(todo) - sum(1 for i, j in todo if X2 is None and i == j)
    else:
        states_task, tile_task = cluster.remote(block_states), cluster.remote(tile)
        s1 = [states_task.remote(enc, X1[a:b], w, kind, dtype) for a, b in sp1]
        s2 = s1 if X2 is None else [states_task.remote(enc, X2[a:b], w, kind, dtype) for a, b in sp2]
        refs = [
            tile_task.remote(s1[i], None if (X2 is None and i == j) else s2[j], kind, float(gamma))
            for i, j in todo
        ]
        computed = len(s1) + (0 if X2 is None else len(s2))
    out = np.empty((len(X1), len(X1) if X2 is None else len(X2)))
    for (i, j), t in zip(todo, ray.get(refs), strict=True):
        (a, b), (c, d) = sp1[i], sp2[j]
        out[a:b, c:d] = t
        if X2 is None and i != j:
            out[c:d, a:b] = t.T
    cluster.counts.add("kernel_matrices", 1)
    cluster.counts.add("state_blocks", computed)
    cluster.counts.add("kernel_tiles", len(todo))
    return out
