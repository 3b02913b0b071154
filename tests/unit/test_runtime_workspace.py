"""The buffer pool never hands out memory that is still referenced."""

from __future__ import annotations

import numpy as np

from qlang.sim.workspace import Workspace


def test_buffers_in_use_are_not_reused() -> None:
    workspace = Workspace()
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


def test_each_simulator_owns_its_pool() -> None:
    """Two simulators never share buffers; the pool lives on the instance."""
    import qlang.sim.workspace as module
    from qlang.ir.circuit import Circuit, Operation
    from qlang.sim import Simulator

    c = Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1))))
    a, b = Simulator(c), Simulator(c)
    assert a.workspace is not b.workspace
    a.run(np.zeros((1, 0)), np.zeros(0))  # the reference engine takes its buffers from the pool
    assert a.workspace.taken > 0 and b.workspace.taken == 0
    mutable = [k for k, v in vars(module).items() if isinstance(v, (list, dict, set))]
    assert not [k for k in mutable if not k.startswith("__")]


def test_workspace_is_thread_safe() -> None:
    """Buffers taken concurrently from one workspace are distinct while held."""
    from concurrent.futures import ThreadPoolExecutor

    ws = Workspace()

    def grab(_: int) -> list[np.ndarray]:
        held = [ws.take((64,), np.complex128) for _ in range(4)]
        for i, h in enumerate(held):
            h[:] = i
        return held

    with ThreadPoolExecutor(4) as pool:
        groups = list(pool.map(grab, range(16)))
    live = [a for g in groups for a in g]
    for i, a in enumerate(live):
        for b in live[i + 1 :]:
            assert not np.shares_memory(a, b)
