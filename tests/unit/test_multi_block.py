"""Several named quantum blocks chained with classical layers (``quantum(name)``):
checked, trained with gradients through every block (against finite differences), and
used by ``predict``, ``eval`` and the scikit-learn estimator."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir.model import Dense, QuantumLayer
from qlang.train.api import evaluate, load, train
from qlang.train.build import build_network
from qlang.train.estimator import QLangEstimator
from qlang.train.seeding import Seeds

SOURCE = """
import encodings.angle
import ansatze.real_amplitudes

model two_blocks {{
  data = iris() |> standardize()
  quantum a {{
    input u: float[2]
    encoding = angle(u)
    ansatz = real_amplitudes(reps = 1)
    readout = expval(Z0)
  }}
  quantum b {{
    input v: float[2]
    encoding = angle(v)
    ansatz = real_amplitudes(reps = 1)
    readout = expval(Z1)
  }}
  layers = {layers}
  task = classify(classes = 3)
  optimizer = adam(lr = 0.05)
  train {{ epochs = 2, seed = 1 }}
}}
"""
CHAIN = "[dense(4 -> 2, tanh), quantum(a), dense(1 -> 2, tanh), quantum(b), dense(1 -> 3, softmax)]"


def two_blocks(layers: str = CHAIN):
    return load_model(SOURCE.format(layers=layers))


def test_the_chain_lowers_to_layers_over_two_blocks():
    m = two_blocks()
    assert [b.name for b in m.blocks] == ["a", "b"]
    assert m.layers == (
        Dense(4, 2, "tanh"),
        QuantumLayer("a"),
        Dense(1, 2, "tanh"),
        QuantumLayer("b"),
        Dense(1, 3, "softmax"),
    )
    names = [d.name for b in m.blocks for d in b.circuit.weights]
    assert names == ["a_ansatz_theta", "b_ansatz_theta"]


def test_gradients_through_every_block_match_finite_differences():
    m = two_blocks()
    net = build_network(m, m.training, Seeds(0))
    rng = np.random.default_rng(4)
    p = net.init(rng)
    X = rng.normal(size=(5, 4))
    target = rng.normal(size=(5, 3))

    def loss(Y):
        return float(np.sum((Y - target) ** 2)), 2 * (Y - target)

    _, g, _ = net.value_and_grad(X, p, loss)
    num = np.zeros_like(p)
    for k in range(len(p)):
        e = np.zeros_like(p)
        e[k] = 1e-6
        num[k] = (loss(net.forward(X, p + e))[0] - loss(net.forward(X, p - e))[0]) / 2e-6
    assert np.allclose(g, num, atol=1e-6)
    # every block's weights get a gradient (not only the last one)
    offsets = net.offsets()
    for i, stage in enumerate(net.stages):
        if hasattr(stage, "block"):
            a, b = offsets[i]
            assert np.abs(g[a:b]).max() > 1e-6, stage.block.name


def test_train_predict_eval_and_the_estimator(tmp_path):
    m = two_blocks()
    t = train(m, out=tmp_path / "run", quiet=True)
    assert {"train", "validation", "test"} <= set(t.metrics)
    assert any(n.startswith("a_ansatz_theta") for n in t.param_names)
    assert any(n.startswith("b_ansatz_theta") for n in t.param_names)
    # every block's program is in the run folder, named as weights.json names its weights
    qasm_a = (tmp_path / "run" / "model.qasm").read_text()
    qasm_b = (tmp_path / "run" / "model.b.qasm").read_text()
    assert "a_ansatz_theta_0_0" in qasm_a and "b_ansatz_theta" not in qasm_a
    assert "b_ansatz_theta_0_0" in qasm_b and "a_ansatz_theta" not in qasm_b
    assert {n for n in t.param_names if n.startswith("b_")} <= set(
        qasm_b.replace(";", " ").split()
    )
    pred = load(m, tmp_path / "run")
    X = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    proba = pred.predict_proba(X)
    assert proba.shape == (2, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert evaluate(m, pred.trained) == t.metrics["test"]
    from sklearn.datasets import load_iris

    data = load_iris()
    est = QLangEstimator(m, epochs=1, seed=0).fit(data.data[::3], data.target[::3])
    assert est.predict(data.data[:4]).shape == (4,)
    assert 0.0 <= est.score(data.data[1::3], data.target[1::3]) <= 1.0


@pytest.mark.parametrize(
    "layers, code",
    [
        ("[dense(4 -> 2, tanh), quantum(c), dense(1 -> 3, softmax)]", "QL0305"),
        ("[dense(4 -> 3, tanh), quantum(a), dense(1 -> 3, softmax)]", "QL0306"),
        ("[dense(4 -> 2, tanh), quantum(a), dense(1 -> 3, softmax)]", "QL0313"),  # b unused
    ],
)
def test_bad_chains_are_rejected_by_check(layers, code):
    with pytest.raises(QLangError) as err:
        two_blocks(layers)
    assert err.value.codes[0] == code, err.value.render()
