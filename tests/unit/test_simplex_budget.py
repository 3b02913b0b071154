"""`cobyla` with fewer iterations than its first simplex needs is refused by `qlang check`
(QL0651, as the runtime would refuse it after loading the data), and the parameter count
the check uses is the one training optimises."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.semantics.model_checks import trainable_count
from qlang.train.build import build_network
from qlang.train.seeding import Seeds

PLAIN = """
import encodings.angle
import ansatze.real_amplitudes

model m {{
  data = iris(test = 0.3, seed = 0)
  qubits = 4
  encoding = angle(x, rotation = "y")
  ansatz = real_amplitudes(reps = 2)
  readout = expval([Z0, Z1, Z2]) |> softmax()
  task = classify(classes = 3)
  optimizer = {optimizer}
}}
"""

HYBRID = """
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
  layers = [dense(4 -> 2, tanh), quantum(a), dense(1 -> 2, tanh, frozen = true), quantum(b, frozen = true), dense(1 -> 3, softmax)]
  task = classify(classes = 3)
  optimizer = {optimizer}
}}
"""


def _codes(text: str) -> list[str]:
    try:
        load_model(text)
    except QLangError as err:
        return [d.code for d in err.diagnostics]
    return []


def test_a_simplex_larger_than_the_run_is_refused_at_check() -> None:
    # real_amplitudes(reps = 2) on 4 qubits: 12 weights, so cobyla needs 14 iterations
    assert _codes(PLAIN.format(optimizer="cobyla(maxiter = 13)")) == ["QL0651"]
    assert _codes(PLAIN.format(optimizer="cobyla(maxiter = 14)")) == []
    assert _codes(PLAIN.format(optimizer="cobyla()").replace(
        "optimizer = cobyla()", "optimizer = cobyla()\n  train { epochs = 5 }"
    )) == ["QL0651"]


def test_other_optimizers_have_no_simplex() -> None:
    assert _codes(PLAIN.format(optimizer="nelder_mead(maxiter = 3)")) == []


@pytest.mark.parametrize("text", [PLAIN, HYBRID])
def test_the_count_is_what_training_optimises(text: str) -> None:
    model = load_model(text.format(optimizer="adam()"))
    net = build_network(model, model.training, Seeds(0))
    assert net.trainable().shape == (net.num_params,)
    expected = int(np.sum(net.trainable()))
    assert trainable_count(model.main, model.layers, list(model.blocks), model.recurrent) == expected
