"""The ``conv`` layer (quanvolution): patches, one simulator call per batch, gradients
against finite differences, training and prediction, and its coded errors."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.ir.model import Conv, Dense
from qlang.train.api import load, train
from qlang.train.build import build_network, default_factory
from qlang.train.conv import patch_index
from qlang.train.seeding import Seeds

SOURCE = """
import encodings.angle
import ansatze.real_amplitudes

model quanv {{
  data = digits(size = {size}, classes = [0, 1], limit = 60)
  quantum filter {{
    input p: float[{pixels}]
    qubits = {pixels}
    encoding = angle(p)
    ansatz = real_amplitudes(reps = 1)
    readout = expval([Z0, Z1])
  }}
  layers = [conv(filter{args}), dense({width} -> 2, softmax)]
  task = classify(classes = 2)
  optimizer = adam(lr = 0.1)
  train {{ epochs = 2, batch_size = 16 }}
}}
"""


def source(size: int = 4, kernel: int = 2, stride: int = 2, width: int | None = None) -> str:
    per = (size - kernel) // stride + 1
    width = width if width is not None else 2 * per * per
    args = f", kernel = {kernel}, stride = {stride}"
    return SOURCE.format(size=size, pixels=kernel * kernel, args=args, width=width)


def test_patches_are_row_major_and_overlap_with_stride_one() -> None:
    assert patch_index(3, 2, 1).tolist() == [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    assert patch_index(8, 2, 2).shape == (16, 4)


def test_the_layer_lowers_with_the_image_side() -> None:
    m = load_model(source(size=4, kernel=2, stride=1, width=18))
    assert m.layers == (Conv("filter", 2, 1, 4), Dense(18, 2, "softmax"))
    assert m.layers[0].patches == 9


class Counting:
    """A QuantumFunction factory that counts forward and vjp calls and their rows."""

    def __init__(self) -> None:
        self.forwards: list[int] = []
        self.vjps: list[int] = []

    def __call__(self, block: Any, **kw: Any) -> Any:
        qf = default_factory(block, **kw)
        spy = self

        class Spy:
            def __getattr__(self, name: str) -> Any:
                return getattr(qf, name)

            def forward(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
                spy.forwards.append(len(x))
                return qf.forward(x, w)

            def vjp(self, x: np.ndarray, w: np.ndarray, c: Any) -> Any:
                spy.vjps.append(len(x))
                return qf.vjp(x, w, c)

        return Spy()


def test_all_patches_of_a_batch_are_one_engine_call_and_gradients_match_fd() -> None:
    model = load_model(source(size=4, kernel=2, stride=1, width=18))
    spy = Counting()
    net = build_network(model, model.training, Seeds(0), spy)
    p = net.init(np.random.default_rng(0))
    X = np.random.default_rng(1).uniform(0, 1, (5, 16))
    out = net.forward(X, p)
    assert out.shape == (5, 2) and spy.forwards == [5 * 9]
    cot = np.random.default_rng(2).normal(size=out.shape)
    _, gp, gx = net.vjp(X, p, cot)
    assert spy.vjps == [5 * 9]
    h = 1e-6
    for i in range(net.stages[0].num_params):
        e = np.zeros_like(p)
        e[i] = h
        fd = np.sum(cot * (net.forward(X, p + e) - net.forward(X, p - e))) / (2 * h)
        assert abs(fd - gp[i]) < 1e-6
    for j in (0, 5, 15):  # a corner pixel (one patch) and an inner one (four patches)
        e = np.zeros_like(X)
        e[:, j] = h
        fd = np.sum(cot * (net.forward(X + e, p) - net.forward(X - e, p)), axis=1) / (2 * h)
        assert np.allclose(fd, gx[:, j], atol=1e-6)


def test_trains_predicts_and_the_filter_weights_are_named(tmp_path) -> None:
    model = load_model(source())
    trained = train(model, quiet=True, out=tmp_path / "run")
    assert trained.param_names[0].startswith("filter_ansatz_theta")
    pred = load(model, tmp_path / "run")
    X = np.random.default_rng(0).uniform(0, 1, (3, 16))
    assert pred.predict_proba(X).shape == (3, 2)


@pytest.mark.parametrize(
    "src, message",
    [
        (source(kernel=2).replace("float[4]", "float[3]").replace("qubits = 4", "qubits = 3"),
         "feeds 4 pixels"),
        (source(size=4, kernel=2, stride=2).replace("limit = 60)", "limit = 60) |> select([0, 1, 2])"),
         "square image"),
        (source(size=2, kernel=3, stride=1, width=2), "larger than"),
        (source(size=8, kernel=3, stride=2, width=18), "does not tile"),
    ],
)  # fmt: skip
def test_bad_conv_layers_are_QL0306(src: str, message: str) -> None:
    with pytest.raises(QLangError) as err:
        load_model(src)
    assert err.value.codes == ["QL0306"], err.value
    assert message in err.value.diagnostics[0].message
