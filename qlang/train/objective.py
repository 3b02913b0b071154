"""The loss ``expression``: a loss written over ``expval(H)`` readouts and weights.

:class:`ObjectiveLoss` evaluates a model's :class:`~qlang.ir.model.Objective` on the
readout values (``E.Input(k)``) and the weights (``E.Weight(j)``) and returns its
gradient with respect to both, from the symbolic derivatives of the expression (built
once). The loss is the mean over the rows of ``outputs`` (one row for ``minimize``).

Example::

    >>> import numpy as np
    >>> from qlang.ir import expr as E
    >>> from qlang.ir.model import Objective
    >>> f = ObjectiveLoss(Objective(E.func("tanh", E.Input(0)) * E.Input(1), (), ""), 0)
    >>> v, g_out, g_w = f(np.array([[0.5, 2.0]]), np.zeros(0))
    >>> round(v, 6), np.round(g_out, 6).tolist()
    (0.924234, [[1.572895, 0.462117]])
"""

from __future__ import annotations

import numpy as np

from qlang.ir import expr as E
from qlang.ir.model import Objective


class ObjectiveLoss:
    """``(value, d/d outputs, d/d weights)`` of an objective over ``num_weights`` weights."""

    def __init__(self, objective: Objective, num_weights: int):
        self.objective = objective
        e = objective.expr
        self.num_weights = num_weights
        reads = [s.index for s in E.symbols(e) if isinstance(s, E.Input)]
        width = max(len(objective.readouts), 1 + max(reads, default=-1))
        self.d_out = [E.diff(e, E.Input(k)) for k in range(width)]
        used = sorted(s.index for s in E.symbols(e) if isinstance(s, E.Weight))
        self.weights = used
        self.d_w = [E.diff(e, E.Weight(j)) for j in used]

    def __call__(
        self, outputs: np.ndarray, weights: np.ndarray
    ) -> tuple[float, np.ndarray, np.ndarray]:
        out = np.atleast_2d(np.asarray(outputs, dtype=float))
        b = len(out)
        w = np.asarray(weights, dtype=float)
        value = float(np.sum(_values(self.objective.expr, out, w)) / b)
        g_out = np.stack([_values(d, out, w) for d in self.d_out], axis=1) / b
        g_w = np.zeros(self.num_weights)
        for j, d in zip(self.weights, self.d_w, strict=True):
            g_w[j] = float(np.sum(_values(d, out, w)) / b)
        return value, g_out.reshape(out.shape), g_w


def _values(e: E.Expr, out: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``e`` per row of ``out`` (a constant broadcast to the rows)."""
    v = np.asarray(E.evaluate(e, out, w), dtype=float)
    return np.broadcast_to(v, (len(out),)) if v.ndim == 0 else v.reshape(len(out))


def objective_loss(objective: Objective, num_weights: int) -> ObjectiveLoss:
    """The catalog's implementation of the loss ``expression``."""
    return ObjectiveLoss(objective, num_weights)


#: nodes up to which ``cut`` computes the maximum cut by brute force
MAX_CUT_NODES = 22


def max_cut(edges: tuple, num_nodes: int) -> float | None:
    """The maximum cut of a weighted graph by brute force (``None`` above
    :data:`MAX_CUT_NODES` nodes).

    >>> max_cut(((0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0)), 3)
    2.0
    """
    if num_nodes > MAX_CUT_NODES:
        return None
    best = 0.0
    idx = np.arange(2 ** (num_nodes - 1), dtype=np.int64)  # node n-1 fixed on side 0
    for start in range(0, len(idx), 1 << 16):
        chunk = idx[start : start + (1 << 16)]
        total = np.zeros(len(chunk))
        for a, b, w in edges:
            total += w * (((chunk >> a) ^ (chunk >> b)) & 1)
        best = max(best, float(total.max()))
    return best


def cut(readouts: np.ndarray, graph: tuple = ()) -> dict[str, float]:
    """The metric ``cut(graph)``: node ``i`` is on side ``1`` when readout ``i`` is
    negative (PCE decoding); reports the cut, the maximum cut (brute force up to
    :data:`MAX_CUT_NODES` nodes) and their ratio.

    >>> cut(np.array([0.3, -0.2, 0.5]), ((0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0)))
    {'cut': 2.0, 'max_cut': 2.0, 'cut_ratio': 1.0}
    """
    side = np.asarray(readouts) < 0
    value = float(sum(w for a, b, w in graph if side[int(a)] != side[int(b)]))
    nodes = 1 + max((max(int(a), int(b)) for a, b, _ in graph), default=0)
    out = {"cut": value}
    best = max_cut(tuple((int(a), int(b), float(w)) for a, b, w in graph), nodes)
    if best is not None:
        out["max_cut"] = best
        if best > 0:
            out["cut_ratio"] = value / best
    return out
