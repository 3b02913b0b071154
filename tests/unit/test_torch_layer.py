"""``qlang.torch.QLayer``: gradients (torch.autograd.gradcheck on random circuits, inputs
and weights), float32, weights.json round trips, coded errors, and the dressed circuit
trained by ``qlang train`` and by a PyTorch loop to the same weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip(
    "torch", reason="the torch extra is not installed (pip install torch==2.13.0, or qlang[torch])"
)

from qlang.diagnostics import QLangError  # noqa: E402
from qlang.driver import load_model  # noqa: E402
from qlang.torch import QLayer  # noqa: E402
from qlang.train.api import context, load, train  # noqa: E402
from qlang.train.build import build_network  # noqa: E402
from qlang.train.seeding import Seeds  # noqa: E402
from qlang.train.tasks.common import load_data, validation_split  # noqa: E402
from tests.unit.hybrid_models import random_source  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DRESSED = ROOT / "examples" / "dressed_circuit.qml"


@pytest.mark.parametrize("seed", range(10))
def test_gradcheck_on_random_circuits(seed: int) -> None:
    src = random_source(seed)
    layer = QLayer(load_model(src))
    rng = np.random.default_rng(100 + seed)
    x = torch.tensor(rng.uniform(-2, 2, (3, layer.num_inputs)), requires_grad=True)
    w = layer.flat_weights().detach().clone().requires_grad_(True)

    def f(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            for (attr, d), part in zip(
                layer._decls, torch.split(w, [d.size for _, d in layer._decls]), strict=True
            ):
                getattr(layer, attr).copy_(part.reshape(d.shape))
        from qlang.torch import _Apply

        return _Apply.apply(x, w, layer._fns[64])

    assert torch.autograd.gradcheck(f, (x, w), eps=1e-6, atol=1e-6), f"seed {seed}\n{src}"


def test_gradients_reach_the_module_parameters() -> None:
    layer = QLayer(load_model(random_source(3)))
    x = torch.randn(4, layer.num_inputs, dtype=torch.float64, requires_grad=True)
    layer(x).pow(2).sum().backward()
    (param,) = layer.parameters()
    assert param.grad is not None and torch.any(param.grad != 0)
    assert x.grad is not None and torch.any(x.grad != 0)
    # the gradient equals a central finite difference of the same scalar
    w = layer.flat_weights().detach().numpy().copy()
    fn = layer._fns[64]
    h = 1e-6
    for i in range(len(w)):
        wp, wm = w.copy(), w.copy()
        wp[i] += h
        wm[i] -= h
        xn = x.detach().numpy()
        fd = (np.sum(fn.forward(xn, wp) ** 2) - np.sum(fn.forward(xn, wm) ** 2)) / (2 * h)
        assert abs(fd - float(param.grad.reshape(-1)[i])) < 1e-6


def test_float32_follows_float64() -> None:
    model = load_model(random_source(5))
    q64, q32 = QLayer(model), QLayer(model, dtype=torch.float32)
    x = torch.randn(6, q64.num_inputs, dtype=torch.float64)
    y64, y32 = q64(x), q32(x.float())
    assert y32.dtype == torch.float32 and y64.dtype == torch.float64
    assert torch.allclose(y64.float(), y32, atol=1e-5)
    xr = x.float().requires_grad_(True)
    q32(xr).sum().backward()
    assert xr.grad is not None and xr.grad.dtype == torch.float32
    # `.double()` on a float32 layer switches it to complex128 simulation
    assert q32.double()(x).dtype == torch.float64


def test_unbatched_rows_and_leading_dimensions() -> None:
    layer = QLayer(load_model(random_source(1)))
    x = torch.randn(2, 3, layer.num_inputs, dtype=torch.float64)
    y = layer(x)
    assert y.shape == (2, 3, layer.num_outputs)
    assert torch.allclose(layer(x[0, 1]), y[0, 1])


def test_weights_json_round_trip(tmp_path: Path) -> None:
    """qlang train -> weights.json -> QLayer -> state_dict -> another QLayer -> weights.json
    -> qlang predict: the same numbers all the way."""
    src = random_source(2, readout="expval(Z0)").replace(
        "task = regress()", "task = regress()\n  train { epochs = 2 }"
    )
    model = load_model(src)
    trained = train(model, quiet=True, out=tmp_path / "run")
    a = QLayer(model, seed=99).load_weights(tmp_path / "run")
    assert a.named_weights() == dict(zip(trained.param_names, trained.params.tolist(), strict=True))
    keys = list(a.state_dict())
    assert keys == [d.name for d in model.main.circuit.weights]
    b = QLayer(model, seed=123)
    b.load_state_dict(a.state_dict())
    b.save_weights(tmp_path / "torch.json")
    saved = json.loads((tmp_path / "torch.json").read_text())
    assert saved["names"] == list(trained.param_names)
    assert np.array_equal(saved["params"], trained.params)
    # the file written by the layer is a qlang weights file: predict reads it
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "weights.json").write_text((tmp_path / "torch.json").read_text())
    X = np.random.default_rng(0).uniform(-1, 1, (5, a.num_inputs))
    qlang_pred = load(model, tmp_path / "copy").predict_fn(X)
    torch_pred = b(torch.tensor(X)).detach().numpy()
    assert np.allclose(qlang_pred.reshape(torch_pred.shape), torch_pred, atol=1e-12)


def test_save_into_a_hybrid_models_weights_keeps_the_other_entries(tmp_path: Path) -> None:
    model = load_model(DRESSED.read_text().replace("epochs = 15", "epochs = 1"))
    trained = train(model, quiet=True, out=tmp_path / "run")
    q = QLayer(model).load_weights(tmp_path / "run")
    with torch.no_grad():
        for p in q.parameters():
            p.add_(1.0)
    q.save_weights(tmp_path / "new.json", base=tmp_path / "run")
    doc = json.loads((tmp_path / "new.json").read_text())
    old = dict(zip(trained.param_names, trained.params, strict=True))
    new = dict(zip(doc["names"], doc["params"], strict=True))
    assert set(new) == set(old)
    for name, value in old.items():
        shift = 1.0 if name in q.names else 0.0
        assert new[name] == pytest.approx(value + shift, abs=1e-12), name


def test_frozen_weights_are_buffers() -> None:
    src = random_source(4).replace("= uniform(-3, 3)", "= uniform(-3, 3) frozen")
    layer = QLayer(load_model(src))
    assert list(layer.parameters()) == []
    assert list(layer.state_dict()) == ["w"]


def test_coded_errors(tmp_path: Path) -> None:
    linear = random_source(6, readout="expval([Z0]) |> linear(out = 2)")
    with pytest.raises(QLangError) as err:
        QLayer(load_model(linear))
    assert err.value.codes == ["QL0669"]
    with pytest.raises(QLangError) as err:
        QLayer(load_model(random_source(6)), block="nope")
    assert err.value.codes == ["QL0656"]
    (tmp_path / "weights.json").write_text(
        json.dumps({"format": "qlang-weights/1", "names": ["other"], "params": [1.0]})
    )
    with pytest.raises(QLangError) as err:
        QLayer(load_model(random_source(6))).load_weights(tmp_path)
    assert err.value.codes == ["QL0659"]
    (tmp_path / "weights.json").write_text("{not json")
    with pytest.raises(QLangError) as err:
        QLayer(load_model(random_source(6))).load_weights(tmp_path)
    assert err.value.codes == ["QL0658"]


# --- the dressed circuit: qlang train and a PyTorch loop agree ------------------------------
SGD_STEPS = 5


def dressed_sgd_model():
    text = DRESSED.read_text()
    text = text.replace("optimizer = adam(lr = 0.01)", "optimizer = sgd(lr = 0.2)")
    text = text.replace("epochs = 15,", f"maxiter = {SGD_STEPS},")
    return load_model(text)


def test_dressed_circuit_qlang_train_equals_a_pytorch_loop_around_qlayer() -> None:
    """Same model, same initial weights, same data order: 5 steps of plain SGD give the
    same weights to 1e-8 in ``qlang train`` and in a PyTorch loop around QLayer."""
    model = dressed_sgd_model()
    trained = train(model, quiet=True)
    seeds = Seeds(model.training.seed)

    # the same data, split and preprocessing as the run
    ctx = context(model)
    ds, _ = load_data(model, ctx)
    parts = validation_split(model, ctx, ds, ds.y_train)
    assert parts is not None
    X = torch.tensor(ds.X_train[parts[0]])
    y = torch.tensor(ds.y_train[parts[0]].astype(np.int64))

    # the same initial weights: dense(30 -> 4, tanh), quantum, dense(4 -> 2)
    net0 = build_network(model, model.training, seeds)
    p0 = net0.init(seeds.rng("init"))
    first, q, last = torch.nn.Linear(30, 4), QLayer(model), torch.nn.Linear(4, 2)
    with torch.no_grad():
        a = 0
        for lin in (first, None, last):
            if lin is None:
                q.ansatz_w.copy_(torch.tensor(p0[a : a + q.num_weights]).reshape(q.ansatz_w.shape))
                a += q.num_weights
                continue
            lin.double()
            nw = lin.weight.numel()
            lin.weight.copy_(torch.tensor(p0[a : a + nw]).reshape(lin.weight.shape))
            lin.bias.copy_(torch.tensor(p0[a + nw : a + nw + lin.bias.numel()]))
            a += nw + lin.bias.numel()
        assert a == len(p0)
    net = torch.nn.Sequential(first, torch.nn.Tanh(), q, last)
    opt = torch.optim.SGD(net.parameters(), lr=0.2)

    # the same batches: the run's shuffle stream, batch_size rows per step
    order = seeds.rng("shuffle").permutation(len(X))
    bs = model.training.batch_size
    assert bs is not None and SGD_STEPS * bs <= len(X)
    for step in range(SGD_STEPS):
        idx = torch.tensor(order[step * bs : (step + 1) * bs])
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(X[idx]), y[idx])
        loss.backward()
        opt.step()

    ours = np.concatenate(
        [
            first.weight.detach().numpy().ravel(),
            first.bias.detach().numpy(),
            q.flat_weights().detach().numpy(),
            last.weight.detach().numpy().ravel(),
            last.bias.detach().numpy(),
        ]
    )
    assert trained.metrics["steps"] == SGD_STEPS
    assert np.max(np.abs(ours - p0)) > 1e-3  # the weights moved
    assert np.max(np.abs(ours - trained.params)) < 1e-8


def test_the_torch_dressed_example_trains_what_qlang_train_trains(tmp_path: Path) -> None:
    """``--seed`` is ``qlang train --seed``: same split, initial weights and batches, so one
    epoch of the PyTorch loop gives qlang's trained quantum weights, and the seed is recorded."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "torch_dressed.py"), "--epochs", "1",
         "--seed", "3", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout  # fmt: skip
    assert "test accuracy" in out
    doc = json.loads((tmp_path / "weights.json").read_text())
    assert doc["names"][0] == "ansatz_w_0_0"
    assert doc["seed"] == 3
    trained = train(load_model(DRESSED), epochs=1, seed=3, quiet=True)
    ours = dict(zip(trained.param_names, trained.params, strict=True))
    theirs = np.array(doc["params"], dtype=float)
    assert np.max(np.abs(theirs - np.array([ours[n] for n in doc["names"]]))) < 1e-8
