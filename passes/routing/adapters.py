"""Adapters to the peers' routers for the -O3 route portfolio: route the same IR with Qiskit's
or tket's router (qiskit and pytket are imported lazily, on the first call).

A small private IR <-> Qiskit / pytket conversion: each angle is replaced by a placeholder
symbol on the way out and the original symbolic expression is put back on the way in, so
parameters stay symbolic and no expression translation is needed. Only layout and
routing run on the peer side (no optimisation), so the comparison is between routers.
A peer that fails, is not installed, or returns something we cannot read gives ``None``.
(Private on purpose: the targets helper owns the public converters.)

Example::

    >>> from qlang.devices import line
    >>> from qlang.ir.circuit import Circuit, Operation
    >>> c = Circuit(3, (Operation("cx", (0, 2)),))
    >>> from qlang.passes.routing.layout import place
    >>> routed = route_with_peer(place(c, line(3), (0, 1, 2)), line(3), "qiskit")
    >>> routed is not None and routed.layout is not None
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from qlang.passes.routing.engine import finish

from qlang.devices import Device
from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Layout, Operation


class _Unsupported(Exception):
    pass


def unplace(circuit: Circuit) -> tuple[list[Operation], int]:
    """The placed circuit's ops on logical qubits (via ``layout.final``) and their count."""
    assert circuit.layout is not None
    where = {p: q for q, p in enumerate(circuit.layout.final)}
    n = len(circuit.layout.final)
    ops = []
    for op in circuit.ops:
        if any(q not in where for q in op.qubits):
            raise _Unsupported("op on an unmapped qubit")
        ops.append(replace(op, qubits=tuple(where[q] for q in op.qubits)))
    return ops, n


def route_with_peer(circuit: Circuit, device: Device, peer: str, seed: int = 0) -> Circuit | None:
    """``circuit`` (placed) re-laid-out and routed by ``peer`` ("qiskit" or "tket")."""
    try:
        if any(op.condition is not None for op in circuit.ops):
            return None
        ops, n = unplace(circuit)
        runner = {"qiskit": _qiskit, "tket": _tket}[peer]
        routed, initial, final = runner(ops, n, circuit.num_clbits, device, seed)
    except (_Unsupported, ImportError):
        return None
    res = finish(routed, list(final), device.num_qubits)
    out = replace(
        circuit,
        ops=res.ops,
        global_phase=circuit.global_phase + res.phase,
        layout=Layout(tuple(initial), tuple(res.final)),
    )
    if not all(device.adjacent(*op.qubits) for op in out.ops if op.is_gate and len(op.qubits) == 2):
        return None
    out.verify()
    return out


# --- Qiskit -----------------------------------------------------------------------------
def _qiskit(
    ops: Sequence[Operation], n: int, ncl: int, device: Device, seed: int
) -> tuple[list[Operation], list[int], list[int]]:
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter
    from qiskit.circuit.library import get_standard_gate_name_mapping

    std = get_standard_gate_name_mapping()
    qc = QuantumCircuit(n, ncl)
    table: dict[str, E.Expr] = {}
    for op in ops:
        if op.name in ("measure", "reset", "barrier"):
            getattr(qc, op.name)(*op.qubits, *op.clbits)
            continue
        if op.name not in std:
            raise _Unsupported(op.name)
        params = []
        for p in op.params:
            sym = Parameter(f"_p{len(table)}")
            table[sym.name] = p
            params.append(sym)
        gate = std[op.name].base_class(*params) if params else std[op.name]
        qc.append(gate, list(op.qubits), copy=False)  # (a fresh gate: no need to copy it)
    out = _qiskit_stages(device, seed).run(qc)
    initial = list(out.layout.initial_index_layout(filter_ancillas=True))
    final = list(out.layout.final_index_layout(filter_ancillas=True))
    back: list[Operation] = []
    for inst in out.data:
        name = inst.operation.name
        qs = tuple(out.find_bit(q).index for q in inst.qubits)
        cs = tuple(out.find_bit(c).index for c in inst.clbits)
        if name in ("measure", "reset", "barrier"):
            back.append(Operation(name, qs, (), cs))
            continue
        params = []
        for p in inst.operation.params:
            key = getattr(p, "name", None)
            if key not in table:
                raise _Unsupported(f"unexpected parameter {p!r}")
            params.append(table[key])
        back.append(Operation(name, qs, tuple(params)))
    _check_names(back)
    return back, initial, final


def _qiskit_stages(device: Device, seed: int):  # noqa: ANN202 - a qiskit StagedPassManager
    """Qiskit O3's layout and routing stages for ``device`` (what
    ``generate_preset_pass_manager(3, coupling_map=..., seed_transpiler=seed)`` has as
    ``.layout`` and ``.routing``), built without its other five stages: building those
    (translation, unitary synthesis, optimisation) cost about two thirds of a peer call
    on the benchmark's small rows (12 ms of 20 on Eagle). The stages come from the same
    configuration through Qiskit's stage plugin manager, as ``level_3_pass_manager`` builds
    them; if Qiskit's private option parser is not there (another Qiskit version), the
    whole preset is built and its two stages taken. A test checks that both give the same
    routed circuits."""
    from qiskit.transpiler import CouplingMap, StagedPassManager

    cmap = CouplingMap([list(e) for e in device.edges] + [[b, a] for a, b in device.edges])
    try:
        from qiskit.transpiler.passmanager_config import PassManagerConfig
        from qiskit.transpiler.preset_passmanagers.generate_preset_pass_manager import (
            _parse_common_options,
        )
        from qiskit.transpiler.preset_passmanagers.plugin import PassManagerStagePluginManager

        config = PassManagerConfig(**_parse_common_options(coupling_map=cmap, seed_transpiler=seed))
        plugins = PassManagerStagePluginManager()
        layout = plugins.get_passmanager_stage("layout", "default", config, optimization_level=3)
        routing = plugins.get_passmanager_stage("routing", "default", config, optimization_level=3)
    except (ImportError, TypeError, AttributeError):
        return _qiskit_preset_stages(device, seed)
    return StagedPassManager(["layout", "routing"], layout=layout, routing=routing)


def _qiskit_preset_stages(device: Device, seed: int):  # noqa: ANN202 - a qiskit StagedPassManager
    """The layout and routing stages of the whole ``generate_preset_pass_manager(3, ...)``
    (the reference of :func:`_qiskit_stages`)."""
    from qiskit.transpiler import CouplingMap, StagedPassManager
    from qiskit.transpiler.preset_passmanagers import generate_preset_pass_manager

    cmap = CouplingMap([list(e) for e in device.edges] + [[b, a] for a, b in device.edges])
    full = generate_preset_pass_manager(3, coupling_map=cmap, seed_transpiler=seed)
    return StagedPassManager(["layout", "routing"], layout=full.layout, routing=full.routing)


# --- tket -------------------------------------------------------------------------------
TK_NAMES = {
    "h": "H", "x": "X", "y": "Y", "z": "Z", "s": "S", "sdg": "Sdg", "t": "T", "tdg": "Tdg",
    "sx": "SX", "sxdg": "SXdg", "rx": "Rx", "ry": "Ry", "rz": "Rz", "p": "U1", "u": "U3",
    "cx": "CX", "cy": "CY", "cz": "CZ", "ch": "CH", "swap": "SWAP", "crx": "CRx",
    "cry": "CRy", "crz": "CRz", "cp": "CU1", "rxx": "XXPhase", "ryy": "YYPhase",
    "rzz": "ZZPhase", "id": "noop",
}  # fmt: skip
_FROM_TK = {v: k for k, v in TK_NAMES.items()}


def _tket(
    ops: Sequence[Operation], n: int, ncl: int, device: Device, seed: int
) -> tuple[list[Operation], list[int], list[int]]:
    import sympy
    from pytket import Circuit as TkCircuit
    from pytket import OpType
    from pytket.architecture import Architecture
    from pytket.passes import DefaultMappingPass
    from pytket.predicates import CompilationUnit

    tk = TkCircuit(n, ncl)
    table: dict[str, E.Expr] = {}
    for op in ops:
        if op.name == "measure":
            tk.Measure(op.qubits[0], op.clbits[0])
            continue
        if op.name == "barrier":
            tk.add_barrier(list(op.qubits))
            continue
        if op.name not in TK_NAMES:
            raise _Unsupported(op.name)
        syms = []
        for p in op.params:  # tket angles are in half-turns: the symbol stands for p / pi
            sym = sympy.Symbol(f"p{len(table)}")
            table[sym.name] = p
            syms.append(sym)
        tk.add_gate(getattr(OpType, TK_NAMES[op.name]), syms, list(op.qubits))
    arch = Architecture(list(device.edges))
    cu = CompilationUnit(tk)
    DefaultMappingPass(arch).apply(cu)
    out = cu.circuit
    index = {q: q.index[0] for q in out.qubits}
    init_map, fin_map = cu.initial_map, cu.final_map
    initial = [init_map[_tk_qubit(i)].index[0] for i in range(n)]
    final = [fin_map[_tk_qubit(i)].index[0] for i in range(n)]
    back: list[Operation] = []
    for cmd in out.get_commands():
        kind = cmd.op.type.name
        qs = tuple(index[q] for q in cmd.qubits)
        if kind == "Measure":
            back.append(Operation("measure", qs, (), (cmd.bits[0].index[0],)))
            continue
        if kind == "Barrier":
            back.append(Operation("barrier", qs))
            continue
        if kind == "BRIDGE":  # cx(a, c) through b
            a, b, c = qs
            back += [Operation("cx", (a, b)), Operation("cx", (b, c))] * 2
            continue
        if kind not in _FROM_TK:
            raise _Unsupported(kind)
        params: list[E.Expr] = []
        for angle in cmd.op.params:
            key = str(angle)
            if key not in table:
                raise _Unsupported(f"unexpected parameter {angle!r}")
            params.append(table[key])
        back.append(Operation(_FROM_TK[kind], qs, tuple(params)))
    _check_names(back)
    return [op for op in back if op.name != "id"], initial, final


def _tk_qubit(i: int):  # noqa: ANN202 - pytket type
    from pytket import Qubit

    return Qubit(i)


def _check_names(ops: Sequence[Operation]) -> None:
    from qlang.ir.gates import GATES

    for op in ops:
        if op.is_gate and op.name not in GATES:
            raise _Unsupported(op.name)
