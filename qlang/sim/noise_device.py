"""``noise = from_backend("fake_sherbrooke")``: run a block as it would run on the device.

The block's circuit is compiled for the device (qlang's layout and routing on its coupling
map, translated to its native gates, :func:`qlang.compile`), cut down to the physical
qubits it uses (renumbered ``0..k-1`` in increasing order) and simulated with the
device's calibrated noise on those qubits (Aer's ``NoiseModel.from_backend``: every gate's
depolarizing and thermal-relaxation error, every qubit's readout error; a two-qubit gate
run against its calibrated direction takes the calibrated pair's error). The readout is
renumbered through the final layout, so the outputs are the same quantities as the
logical block's. Parameters stay symbolic, so gradients and training work unchanged.

Example::

    >>> sorted(reverse_pairs({(1, 0): "e"}))
    [(0, 1), (1, 0)]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np

from qlang.ir.circuit import Circuit
from qlang.ir.model import Observable, PauliTerm, QuantumBlock, Readout
from qlang.ir.noise import Channel, NoiseModel


@dataclass(frozen=True)
class DeviceRun:
    """A block compiled for a device: the block to simulate, its noise, and the physical
    qubit behind each of its qubits."""

    block: QuantumBlock
    noise: NoiseModel
    physical: tuple[int, ...]


def reverse_pairs(table: dict) -> dict:
    """``table`` plus ``(b, a)`` for every ``(a, b)`` it lacks (same value)."""
    out = dict(table)
    for (a, b), v in table.items():
        out.setdefault((b, a), v)
    return out


def device_of(name: str) -> Any:
    """The fake backend ``name`` as a qlang device: its coupling map and native gates."""
    return _device(name)


@cache
def _device(name: str) -> Any:
    from qlang.devices import Device
    from qlang.sim.noise_qiskit import coupling_map, fake_backend

    backend = fake_backend(name)
    basis = tuple(g for g in ("ecr", "cz", "cx", "rz", "sx", "x") if g in backend.operation_names)
    return Device(name, backend.num_qubits, coupling_map(name), basis=basis)


def device_run(block: QuantumBlock, name: str, extra: tuple[Channel, ...] = (), seed: int = 0) -> DeviceRun:
    """The block compiled for fake backend ``name`` with the device's noise (and the
    hand-written channels ``extra``, which apply to the device's gates)."""
    from qlang.compiler import compile as qcompile
    from qlang.sim.noise_qiskit import device_noise

    dev = _device(name)
    compiled = qcompile(block.circuit, device=dev, basis=list(dev.basis), optimization_level=1, seed=seed)
    ir = compiled.ir
    assert ir.layout is not None
    used = sorted({q for op in ir.ops for q in op.qubits} | set(ir.layout.final))
    local = {p: i for i, p in enumerate(used)}
    ops = tuple(replace(op, qubits=tuple(local[q] for q in op.qubits)) for op in ir.ops)
    circuit = Circuit(
        len(used),
        ops,
        inputs=ir.inputs,
        weights=ir.weights,
        global_phase=ir.global_phase,
        name=ir.name,
    )
    where = {lq: local[p] for lq, p in enumerate(ir.layout.final)}
    readout = _remap_readout(block.readout, where)
    noise = device_noise(name, used)
    channels = _both_directions(noise.channels) + tuple(extra)
    return DeviceRun(
        replace(block, circuit=circuit, readout=readout, encoding=None),
        replace(noise, channels=channels),
        tuple(used),
    )


def _remap_readout(readout: Readout, where: dict[int, int]) -> Readout:
    obs = tuple(
        Observable(
            tuple(
                PauliTerm(t.coeff, tuple(sorted((where[q], p) for q, p in t.paulis)))
                for t in o.terms
            ),
            o.span,
        )
        for o in readout.observables
    )
    return replace(readout, observables=obs, qubits=tuple(where[q] for q in readout.qubits))


def _both_directions(channels: tuple[Channel, ...]) -> tuple[Channel, ...]:
    """Two-qubit ``kraus`` channels also for the reversed operand order (qubits swapped)."""
    have = {(c.gates, c.qubits) for c in channels if c.kind == "kraus"}
    out = list(channels)
    for c in channels:
        if c.kind != "kraus" or len(c.qubits) != 2:
            continue
        rev = (c.gates, c.qubits[::-1])
        if rev in have:
            continue
        swapped = []
        for m in c.matrices:
            t = np.asarray(m, dtype=complex).reshape(2, 2, 2, 2).transpose(1, 0, 3, 2)
            swapped.append(tuple(complex(v) for v in t.reshape(-1)))
        out.append(replace(c, qubits=c.qubits[::-1], matrices=tuple(swapped)))
        have.add(rev)
    return tuple(out)
