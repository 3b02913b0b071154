"""``compile_rows`` computes shared subexpressions once and gives the same values (bit for
bit) as evaluating every expression on its own."""

from __future__ import annotations

import numpy as np

from qlang.ir import expr as E
from qlang.sim.compile_expr import compile_exprs, compile_rows, rows_source


def _zz_angles(n: int) -> list[E.Expr]:
    """The ZZ feature map's parity angles ``2 (pi - x_i)(pi - x_j)``, twice (two reps)."""
    pairs = [2 * (np.pi + -E.Input(i)) * (np.pi + -E.Input(i + 1)) for i in range(n - 1)]
    return pairs + pairs


def test_shared_subexpressions_are_computed_once() -> None:
    src = rows_source(_zz_angles(4))
    # (pi - x_1) and (pi - x_2) are shared by two pairs, every pair by both reps
    assert src.count("(-xt[1])") == 1 and src.count("(-xt[2])") == 1
    assert sum(line.strip().startswith("out[") for line in src.splitlines()) == 6
    assert "out[3] = _t" in src and "out[5] = _t" in src


def test_rows_equal_the_expressions_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    exprs = _zz_angles(6) + [
        E.func("sin", E.Weight(0)) * E.Input(2) + E.Weight(0),
        E.func("sin", E.Weight(0)),
        E.Const(1.5),
        E.Weight(1) / (E.Input(0) + 2.0) ** 2,
    ]
    x, w = rng.uniform(0, 2 * np.pi, (7, 6)), rng.normal(size=2)
    rows = compile_rows(exprs)(x, w)
    each = compile_exprs(exprs)(x, w)
    assert rows.shape == (len(exprs), 7)
    for row, value in zip(rows, each, strict=True):
        assert np.array_equal(row, np.broadcast_to(value, (7,)))
