"""``|> shuffle_labels(seed)``: a seeded permutation of the training labels only."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.train.api import context, train
from qlang.train.tasks.common import load_data

SOURCE = """
import encodings.angle
import ansatze.real_amplitudes
model r {{
  data = iris(){steps}
  encoding = angle(x)
  ansatz = real_amplitudes(reps = 1)
  readout = probs(q)
  task = classify(classes = 3)
  train {{ epochs = 1{seed} }}
}}
"""


def data(steps: str = "", seed: str = ""):
    model = load_model(SOURCE.format(steps=steps, seed=seed))
    return load_data(model, context(model))


def test_only_the_training_labels_are_permuted() -> None:
    (true, _), (shuffled, steps) = data(), data(" |> shuffle_labels(seed = 4)")
    assert np.array_equal(true.X_train, shuffled.X_train)
    assert np.array_equal(true.X_test, shuffled.X_test)
    assert np.array_equal(true.y_test, shuffled.y_test)
    assert sorted(true.y_train) == sorted(shuffled.y_train)
    assert np.mean(true.y_train != shuffled.y_train) > 0.3
    assert steps[-1].name == "shuffle_labels" and steps[-1].state == {"seed": 4}


def test_the_default_seed_follows_the_run_seed_and_is_recorded() -> None:
    a, sa = data(" |> shuffle_labels()", ", seed = 1")
    b, sb = data(" |> shuffle_labels()", ", seed = 2")
    assert sa[-1].state["seed"] != sb[-1].state["seed"]
    assert not np.array_equal(a.y_train, b.y_train)
    again, _ = data(" |> shuffle_labels()", ", seed = 1")
    assert np.array_equal(a.y_train, again.y_train)


def test_a_run_on_shuffled_labels_records_the_step() -> None:
    model = load_model(SOURCE.format(steps=" |> shuffle_labels(seed = 4)", seed=""))
    trained = train(model, quiet=True)
    assert {"name": "shuffle_labels", "state": {"seed": 4}} in [
        s.to_json() for s in trained.preprocess
    ]


def test_shuffle_labels_on_a_task_without_labels_is_QL0313() -> None:
    src = """
import ansatze.real_amplitudes
model g {
  data = bars_and_stripes(2) |> shuffle_labels()
  qubits = 4
  ansatz = real_amplitudes(reps = 1)
  readout = probs(q)
  task = generate()
}
"""
    with pytest.raises(QLangError) as err:
        load_model(src)
    assert "QL0313" in err.value.codes
    assert any("shuffle_labels" in d.message for d in err.value.diagnostics)
