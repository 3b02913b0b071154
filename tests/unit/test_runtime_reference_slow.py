"""Reference models from the literature built directly in the IR (slow suite).

They check that the runtime reaches the published quality; the `.qml` gallery
(issue 8) will express the same models in the language.
Run: ``pytest -m slow tests/unit/test_runtime_reference_slow.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.model import Call, Observable, PauliTerm, Readout, Training
from qlang.train.api import train
from tests.unit.runtime_models import model, z_obs

pytestmark = pytest.mark.slow


def zz_feature_map(n, reps=2):
    ops = []
    for _ in range(reps):
        for q in range(n):
            ops += [Operation("h", (q,)), Operation("p", (q,), (E.mul(E.Const(2.0), E.Input(q)),))]
        for i in range(n):
            for j in range(i + 1, n):
                a = E.mul(E.sub(E.Const(np.pi), E.Input(i)), E.sub(E.Const(np.pi), E.Input(j)))
                ops.append(Operation("rzz", (i, j), (E.mul(E.Const(2.0), a),)))
    return ops


def su2_layers(n, reps, start=0):
    ops, k = [], start
    for layer in range(reps + 1):
        for q in range(n):
            ops += [
                Operation("ry", (q,), (E.Weight(k),)),
                Operation("rz", (q,), (E.Weight(k + 1),)),
            ]
            k += 2
        if layer < reps:
            ops += [Operation("cz", (i, j)) for i in range(n) for j in range(i + 1, n)]
    return ops, k


def strongly_entangling(n, layers, start=0):
    ops, k = [], start
    for layer in range(layers):
        for q in range(n):
            ops += [
                Operation("rz", (q,), (E.Weight(k),)),
                Operation("ry", (q,), (E.Weight(k + 1),)),
                Operation("rz", (q,), (E.Weight(k + 2),)),
            ]
            k += 3
        r = layer % (n - 1) + 1
        ops += [Operation("cx", (q, (q + r) % n)) for q in range(n)]
    return ops, k


def test_havlicek_vqc_on_ad_hoc():
    a_ops, nw = su2_layers(2, 4)
    c = Circuit(
        2,
        tuple(zz_feature_map(2) + a_ops),
        inputs=(ParamDecl("x", (2,), 0),),
        weights=(ParamDecl("theta", (nw,), 0),),
    )
    m = model(
        c,
        Readout("parity", qubits=(0, 1)),
        data=Call("ad_hoc", (), (("train", 40), ("test", 20), ("seed", 1))),
        task=Call("classify", (), (("classes", 2),)),
        optimizer=Call("spsa", (), (("maxiter", 200),)),
        training=Training(seed=7),
    )
    t = train(m, quiet=True)
    assert t.metrics["test"]["accuracy"] >= 0.95, t.metrics


def test_iris_strongly_entangling_softmax_adam():
    ops = [Operation("ry", (q,), (E.Input(q),)) for q in range(4)]
    a_ops, nw = strongly_entangling(4, 3)
    c = Circuit(
        4,
        tuple(ops + a_ops),
        inputs=(ParamDecl("x", (4,), 0),),
        weights=(ParamDecl("w", (nw,), 0, ("uniform", (0.0, 0.5))),),
    )
    obs = tuple(z_obs(q) for q in range(3))
    m = model(
        c,
        Readout("expval", observables=obs, post=(Call("softmax", (), (("scale", 4.0),)),)),
        data=Call("iris", (), (("test", 0.3),)),
        preprocess=(Call("minmax", (0.0, np.pi)),),
        task=Call("classify", (), (("classes", 3),)),
        optimizer=Call("adam", (), (("lr", 0.05),)),
        training=Training(epochs=60, batch_size=16, seed=1),
    )
    t = train(m, quiet=True)
    assert t.metrics["test"]["accuracy"] >= 0.90, t.metrics


def test_vqe_tfim_six_qubits_within_1e_3():
    """Open TFIM chain at h = 1; Hamiltonian-variational ansatz (p = 3) from |+>^6."""
    n = 6
    terms = [PauliTerm(E.Const(-1.0), ((i, "Z"), (i + 1, "Z"))) for i in range(n - 1)]
    terms += [PauliTerm(E.Const(-1.0), ((i, "X"),)) for i in range(n)]
    ops, k = [Operation("h", (q,)) for q in range(n)], 0
    for _ in range(3):
        for i in range(n - 1):
            ops.append(Operation("rzz", (i, i + 1), (E.Weight(k),)))
            k += 1
        for q in range(n):
            ops.append(Operation("rx", (q,), (E.Weight(k),)))
            k += 1
    c = Circuit(n, tuple(ops), weights=(ParamDecl("t", (k,), 0, ("uniform", (-0.1, 0.1))),))
    m = model(
        c,
        Readout("expval", observables=(Observable(tuple(terms)),)),
        data=None,
        task=Call("minimize"),
        optimizer=Call("lbfgsb", (), (("maxiter", 500),)),
        training=Training(seed=3),
    )
    t = train(m, quiet=True)
    assert abs(t.metrics["energy_error"]) < 1e-3, t.metrics


def test_reuploading_classifier_on_circles_one_qubit():
    ops, k = [], 0
    for _ in range(4):
        for i in range(2):
            ops.append(
                Operation(
                    "ry" if i == 0 else "rz",
                    (0,),
                    (E.add(E.mul(E.Weight(k), E.Input(i)), E.Weight(k + 1)),),
                )
            )
            k += 2
        ops.append(Operation("ry", (0,), (E.Weight(k),)))
        k += 1
    c = Circuit(
        1,
        tuple(ops),
        inputs=(ParamDecl("x", (2,), 0),),
        weights=(ParamDecl("w", (k,), 0, ("uniform", (-1.0, 1.0))),),
    )
    m = model(
        c,
        Readout("expval", observables=(z_obs(0),)),
        data=Call("circles", (), (("n", 300), ("noise", 0.05))),
        preprocess=(Call("standardize"),),
        task=Call("classify", (), (("classes", 2),)),
        optimizer=Call("adam", (), (("lr", 0.05),)),
        training=Training(epochs=80, batch_size=32, seed=0),
    )
    t = train(m, quiet=True)
    assert t.metrics["test"]["accuracy"] >= 0.90, t.metrics
