"""Loss expressions (``loss = ... expval(H) ...``): lowering, gradients, PCE and QL0319."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir import expr as E
from qlang.train.api import context, train
from qlang.train.tasks.minimize import objective_function

CIRCUIT = """
circuit c(t: weight[4]) on q[2] {
  ry(t[0]) q[0];
  ry(t[1]) q[1];
  cx q[0], q[1];
  rx(t[2]) q[0];
  ry(t[3]) q[1];
}
"""


def model_text(loss: str, extra: str = "", task: str = "minimize()") -> str:
    return CIRCUIT + (
        "model m {\n  weight t: float[4] = uniform(0, 3)\n  qubits = 2\n  circuit = c(t)\n"
        f"  task = {task}\n  loss = {loss}\n{extra}  train {{ epochs = 30, seed = 3 }}\n}}\n"
    )


def codes(text: str) -> list[str]:
    with pytest.raises(QLangError) as err:
        load_model(text)
    return [d.code for d in err.value.diagnostics]


def test_readouts_are_the_distinct_observables_in_order_of_use():
    m = load_model(model_text("expval(Z0 Z1) * expval(X0) + expval(Z0 Z1) ** 2"))
    labels = [o.label(2)[0][0] for o in m.objective.readouts]
    assert labels == ["ZZ", "IX"]
    assert m.main.readout.kind == "expval" and len(m.main.readout.observables) == 2
    assert {type(s) for s in E.symbols(m.objective.expr)} == {E.Input}


def test_a_readout_fixes_the_order():
    extra = "  readout = expval([X0, Z0 Z1, Y1])\n"
    m = load_model(model_text("expval(Z0 Z1) * expval(X0)", extra))
    assert [o.label(2)[0][0] for o in m.objective.readouts] == ["IX", "ZZ", "YI"]
    assert E.symbols(m.objective.expr) == {E.Input(0), E.Input(1)}


def test_gradient_matches_finite_differences_readouts_and_weights():
    loss = (
        "tanh(1.5 * expval(Z0 Z1)) * tanh(1.5 * expval(X0)) + sin(expval(Y1)) "
        "+ 0.3 * t[0] ** 2 + 0.1 * t[2] * expval(X0)"
    )
    m = load_model(model_text(loss))
    assert any(isinstance(s, E.Weight) for s in E.symbols(m.objective.expr))
    ctx = context(m, seed=0)
    net, value, vg = objective_function(m, ctx)
    rng = np.random.default_rng(1)
    for _ in range(3):
        p = rng.uniform(-2, 2, net.num_params)
        v, g = vg(p)
        assert v == pytest.approx(value(p), abs=1e-12)
        fd = np.array(
            [(value(p + h) - value(p - h)) / 2e-6 for h in np.eye(len(p)) * 1e-6]
        )
        np.testing.assert_allclose(g, fd, atol=1e-6)


def test_weight_term_alone_changes_the_gradient():
    """Without the weight term's direct gradient the optimum is elsewhere."""
    m0 = load_model(model_text("expval(Z0)"))
    m1 = load_model(model_text("expval(Z0) + 2 * t[1] ** 2"))
    p = np.array([0.3, 0.7, -0.2, 0.5])
    g0 = objective_function(m0, context(m0, seed=0))[2](p)[1]
    g1 = objective_function(m1, context(m1, seed=0))[2](p)[1]
    assert g1[1] == pytest.approx(g0[1] + 4 * 0.7)


def test_pce_trains_and_reports_the_cut(tmp_path):
    text = """
import ansatze.real_amplitudes
const graph = graph([(0, 1), (1, 2), (2, 3), (3, 0)]);
const P = [X0 X1, Y0 Y1, Z0 Z1, Z0 X1];
const a = 1.5;
model pce {
  qubits = 2
  ansatz = real_amplitudes(reps = 2)
  readout = expval(P)
  task = minimize()
  loss = sum(w * tanh(a * expval(P[i])) * tanh(a * expval(P[j])) for (i, j, w) in edges(graph))
  optimizer = adam(lr = 0.1)
  metrics = [cut(graph)]
  train { epochs = 60, seed = 2 }
}
"""
    m = load_model(text)
    trained = train(m, seed=2, out=tmp_path / "run")
    met = trained.metrics
    assert met["loss"] == "expression" and len(met["readouts"]) == 4
    side = np.array(met["readouts"]) < 0
    want = sum(1.0 for a, b in [(0, 1), (1, 2), (2, 3), (3, 0)] if side[a] != side[b])
    assert met["cut"] == want and met["max_cut"] == 4.0
    assert met["objective"] < trained.curve[0]["loss"]
    prov = json.loads((tmp_path / "run" / "provenance.json").read_text())
    assert "expval(P[i])" in json.dumps(prov)
    # `qlang eval` of the artifact reports the same problem metrics, not the loss alone
    from qlang.train.api import evaluate
    from qlang.train.artifacts import load_trained

    again = evaluate(m, load_trained(tmp_path / "run"))
    assert set(again) == {"objective", "readouts", "readout_signs", "cut", "max_cut", "cut_ratio"}
    for key, value in again.items():
        assert value == pytest.approx(met[key]), key


@pytest.mark.parametrize(
    "loss, extra, task",
    [
        ("expval(Z0)", "  readout = expval(Z1)\n", "minimize()"),  # not in the readout
        ("expval(Z0)", "  readout = expval(Z0) |> scale(2)\n", "minimize()"),  # post
        ("expval(Z0)", "  observable = Z0\n", "minimize(observable)"),  # an observable
        ("expval([Z0, Z1])", "", "minimize()"),  # a list
        ("0 * expval(Z0) + 1", "", "minimize()"),  # no readout left
        ("expval(Z0)", "", "regress()"),  # not minimize
    ],
)
def test_bad_loss_expressions_are_QL0319(loss, extra, task):
    assert "QL0319" in codes(model_text(loss, extra, task))


def test_cut_needs_one_readout_per_node():
    extra = "  metrics = [cut(graph([(0, 1), (1, 2)]))]\n"
    assert "QL0319" in codes(model_text("expval(Z0) * expval(Z1)", extra))


def test_cut_without_a_loss_expression_is_QL0313():
    text = CIRCUIT + (
        "model m {\n  weight t: float[4]\n  qubits = 2\n  circuit = c(t)\n"
        "  observable = Z0 Z1\n  task = minimize(observable)\n"
        "  metrics = [cut(graph([(0, 1)]))]\n}\n"
    )
    assert "QL0313" in codes(text)


def test_naming_the_expression_loss_is_QL0319():
    text = CIRCUIT + (
        "model m {\n  weight t: float[4]\n  qubits = 2\n  circuit = c(t)\n"
        "  observable = Z0 Z1\n  task = minimize(observable)\n  loss = expression\n}\n"
    )
    assert "QL0319" in codes(text)
