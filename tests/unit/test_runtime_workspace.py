"""The buffer pool never hands out memory that is still referenced."""

from __future__ import annotations

import numpy as np

from qlang.sim import workspace


def test_buffers_in_use_are_not_reused() -> None:
    workspace.clear()
    a = workspace.take((3, 5), np.complex128)
    a[:] = 1.0
    view = a[1:]
    b = workspace.take((3, 5), np.complex128)
    assert not np.shares_memory(a, b)
    del a
    c = workspace.take((3, 5), np.complex128)
    assert not np.shares_memory(view, c)  # the view keeps the first buffer alive
    del view, b, c
    d = workspace.take((3, 5), np.complex128)
    e = workspace.take((3, 5), np.complex128)
    assert not np.shares_memory(d, e)
    workspace.clear()
