"""The ``fast_weights`` recurrent cell: per-sample circuit weights written by a dense
programmer, gradients through the circuit into the programmer (finite differences),
training, and its coded errors."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.train.api import load, train
from qlang.train.build import build_network, default_factory
from qlang.train.fastweights import FastWeightStage
from qlang.train.seeding import Seeds

SOURCE = """
import encodings.angle
import ansatze.real_amplitudes

model fw {{
  data = sine(n = 40, window = 6)
  quantum cell {{
    input v: float[{f}]
    qubits = {f}
    encoding = angle(v)
    ansatz = real_amplitudes(reps = 1)
    readout = expval([Z0, Z1 + 0.5 * X0])
  }}
  recurrent {{ cell = fast_weights(hidden = 3, accumulate = {acc}), gates = [cell] }}
  layers = [dense(2 -> 1)]
  task = regress()
  optimizer = adam(lr = 0.05)
  train {{ epochs = 2, batch_size = 8 }}
}}
"""


def model(f: int = 2, acc: str = "true"):
    return load_model(SOURCE.format(f=f, acc=acc))


def network(m):
    net = build_network(m, m.training, Seeds(0))
    return net, net.init(np.random.default_rng(3))


def test_each_sample_runs_the_block_with_its_own_programmed_weights() -> None:
    m = model()
    net, p = network(m)
    stage = net.stages[0]
    assert isinstance(stage, FastWeightStage)
    X = np.random.default_rng(0).uniform(-1, 1, (3, 6))
    y, _ = stage.forward(X, p[: stage.num_params])
    # recompute by hand with the original block (weights as weights, one sample at a time)
    qf = default_factory(m.block("cell"))
    theta0, rest = p[:4], p[4 : stage.num_params]
    s0, s1 = stage.slow
    p1, p2 = rest[: s0.num_params], rest[s0.num_params :]
    for b in range(3):
        theta, out = theta0.copy(), np.zeros(2)
        for t in range(3):
            xt = X[b, 2 * t : 2 * t + 2]
            h = s0.forward(np.concatenate([xt, out])[None], p1)[0]
            theta = theta + s1.forward(h, p2)[0][0]
            out = qf.forward(xt[None], theta)[0]
        assert np.allclose(out, y[b], atol=1e-12)


@pytest.mark.parametrize("acc", ["true", "false"])
def test_gradients_match_finite_differences(acc: str) -> None:
    net, p = network(model(acc=acc))
    X = np.random.default_rng(1).uniform(-1, 1, (4, 6))
    cot = np.random.default_rng(2).normal(size=(4, 1))
    _, gp, gx = net.vjp(X, p, cot)
    h = 1e-6
    for i in range(len(p)):
        e = np.zeros_like(p)
        e[i] = h
        fd = np.sum(cot * (net.forward(X, p + e) - net.forward(X, p - e))) / (2 * h)
        assert abs(fd - gp[i]) < 1e-6, i
    for j in range(6):
        e = np.zeros_like(X)
        e[:, j] = h
        fd = np.sum(cot * (net.forward(X + e, p) - net.forward(X - e, p)), axis=1) / (2 * h)
        assert np.allclose(fd, gx[:, j], atol=1e-6), j


def test_accumulate_changes_the_run() -> None:
    X = np.random.default_rng(4).uniform(-1, 1, (2, 6))
    a, pa = network(model(acc="true"))
    b, pb = network(model(acc="false"))
    assert np.array_equal(pa, pb)
    assert not np.allclose(a.forward(X, pa), b.forward(X, pb))


def test_trains_names_and_predicts(tmp_path) -> None:
    m = model()
    trained = train(m, quiet=True, out=tmp_path / "run")
    names = trained.param_names
    assert names[:4] == tuple(f"cell_ansatz_theta_{i}_{j}" for i in (0, 1) for j in (0, 1))
    assert names[4] == "cell_programmer0_w_0_0" and "cell_programmer1_b_3" in names
    assert load(m, tmp_path / "run").predict(np.zeros((2, 6))).shape == (2,)


def test_a_block_without_weights_is_QL0310() -> None:
    src = SOURCE.format(f=2, acc="true").replace(
        "    ansatz = real_amplitudes(reps = 1)\n", ""
    )
    with pytest.raises(QLangError) as err:
        load_model(src)
    assert err.value.codes == ["QL0310"]
    assert "has none" in err.value.diagnostics[0].message


def test_a_window_that_is_not_whole_steps_is_QL0301() -> None:
    with pytest.raises(QLangError) as err:
        load_model(SOURCE.format(f=4, acc="true"))
    assert err.value.codes == ["QL0301"]
