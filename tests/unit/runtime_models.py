"""Tiny hand-built Model IRs for runtime tests (the front end is not needed)."""

from __future__ import annotations

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.model import (
    Call,
    Model,
    Observable,
    PauliTerm,
    QuantumBlock,
    Readout,
    Target,
    Training,
)


def z_obs(*qubits: int, coeff: float = 1.0) -> Observable:
    return Observable((PauliTerm(E.Const(coeff), tuple((q, "Z") for q in qubits)),))


def angle_circuit(n_qubits: int = 2, layers: int = 1, init=None) -> Circuit:
    """ry(x_i) encoding, then ``layers`` of ry(w) + a cx chain, then a final ry layer."""
    ops = [Operation("ry", (q,), (E.Input(q),)) for q in range(n_qubits)]
    k = 0
    for _ in range(layers):
        for q in range(n_qubits):
            ops.append(Operation("ry", (q,), (E.Weight(k),)))
            k += 1
        for q in range(n_qubits - 1):
            ops.append(Operation("cx", (q, q + 1)))
    for q in range(n_qubits):
        ops.append(Operation("ry", (q,), (E.Weight(k),)))
        k += 1
    return Circuit(
        n_qubits,
        tuple(ops),
        inputs=(ParamDecl("x", (n_qubits,), 0),),
        weights=(ParamDecl("theta", (k,), 0, init),),
    )


def model(
    circuit: Circuit,
    readout: Readout,
    *,
    data: Call | None,
    task: Call,
    loss: Call | None = None,
    optimizer: Call | None = None,
    training: Training | None = None,
    preprocess: tuple[Call, ...] = (),
    **kw,
) -> Model:
    return Model(
        name="tiny",
        blocks=(QuantumBlock("main", circuit, readout, kw.pop("encoding", None)),),
        data=data,
        preprocess=preprocess,
        task=task,
        loss=loss,
        optimizer=optimizer,
        training=training or Training(),
        target=Target(),
        **kw,
    )


def tiny_classifier(epochs: int = 20, n: int = 40, **kw) -> Model:
    """2 qubits, angle encoding, <Z0>, on ``moons`` scaled to [0, pi]."""
    settings = dict(
        data=Call("moons", (), (("n", n), ("noise", 0.05))),
        preprocess=(Call("minmax", (0.0, 3.14159)),),
        task=Call("classify", (), (("classes", 2),)),
        optimizer=Call("adam", (), (("lr", 0.1),)),
        training=Training(epochs=epochs, seed=3),
    )
    settings.update(kw)
    return model(angle_circuit(2, 1), Readout("expval", observables=(z_obs(0),)), **settings)
