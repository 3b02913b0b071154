"""Checks for routed circuits: on-edge gates and equivalence up to the layout.

A routed circuit ``R`` on the device implements the logical circuit ``C`` when, for every
logical state ``psi`` placed by ``layout.initial`` (other qubits ``|0>``), ``R`` yields
``C psi`` placed by ``layout.final``. Dense simulation: for tests and small devices.

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.passes.routing import LayoutPass, RoutePass
    >>> c = Circuit(3, (Operation("h", (0,)), Operation("cx", (0, 2))))
    >>> r = RoutePass(line(3)).run(LayoutPass(line(3), "trivial").run(c).circuit).circuit
    >>> off_edge_gates(r, line(3)), equivalent_up_to_layout(c, r)
    ([], True)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qlang.devices import Device
from qlang.ir.circuit import Circuit, Operation
from qlang.ir.reference import statevector


def off_edge_gates(circuit: Circuit, device: Device) -> list[Operation]:
    """The gates on 2+ qubits that do not act on one device edge (empty when routed)."""
    return [
        op
        for op in circuit.ops
        if op.is_gate and len(op.qubits) >= 2
        and not (len(op.qubits) == 2 and device.adjacent(*op.qubits))
    ]  # fmt: skip


def embed(state: np.ndarray, mapping: Sequence[int], num_qubits: int) -> np.ndarray:
    """A logical little-endian state with logical qubit ``l`` on physical ``mapping[l]``."""
    n = len(mapping)
    idx = np.arange(2**n)
    phys = np.zeros(2**n, dtype=np.int64)
    for lq, p in enumerate(mapping):
        phys |= ((idx >> lq) & 1) << p
    out = np.zeros(2**num_qubits, dtype=complex)
    out[phys] = state
    return out


def equivalent_up_to_layout(
    original: Circuit,
    routed: Circuit,
    *,
    inputs: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    states: int | None = None,
    seed: int = 0,
    atol: float = 1e-7,
) -> bool:
    """``routed`` == ``original`` up to its layout, global phase included.

    ``states=None`` checks every logical basis state (the unitary on the placed subspace);
    an integer checks that many random states instead (for larger circuits).
    """
    assert routed.layout is not None
    rng = np.random.default_rng(seed)
    n, big = original.num_qubits, routed.num_qubits
    x = rng.uniform(-2, 2, original.num_inputs) if inputs is None else inputs
    w = rng.uniform(-2, 2, original.num_weights) if weights is None else weights
    if states is None:
        probes = list(np.eye(2**n, dtype=complex))
    else:
        probes = []
        for _ in range(states):
            v = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
            probes.append(v / np.linalg.norm(v))
    for psi in probes:
        want = embed(statevector(original, x, w, initial=psi), routed.layout.final, big)
        got = statevector(routed, x, w, initial=embed(psi, routed.layout.initial, big))
        if not np.allclose(got, want, atol=atol):
            return False
    return True
