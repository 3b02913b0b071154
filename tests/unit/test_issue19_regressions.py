"""Regression tests for every mismatch issue 19 listed: what `qlang check` accepts runs,
and what the runtime cannot honour is rejected by `check` (the invalid programs are also
in tests/invalid/semantics.cases; every catalog entry is in the conformance test)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qlang.diagnostics import QLangError
from qlang.driver import load_model
from qlang.train.api import train

HEAD = "import encodings.angle\nimport ansatze.real_amplitudes\n"


def model(*lines: str) -> str:
    return HEAD + "model m {\n" + "".join(f"  {ln}\n" for ln in lines) + "}\n"


def classifier(*extra: str, data: str = "moons(n = 40)", classes: int = 2) -> str:
    readout = "expval(Z0) |> sigmoid()" if classes == 2 else "probs(q)"
    return model(
        f"data = {data}",
        "encoding = angle(x)",
        "ansatz = real_amplitudes(reps = 1)",
        f"readout = {readout}",
        f"task = classify(classes = {classes})",
        *extra,
    )


def codes(src: str) -> list[str]:
    try:
        load_model(src)
    except QLangError as err:
        return err.codes
    return []


# --- accepted by check but ignored by the runtime: now rejected by check ------------------
@pytest.mark.parametrize(
    "setting, code",
    [
        ("target { noise = [bogus_noise(7)] }", "QL0305"),
        ("target { mitigation = [zne(scales = [1, 3, 5])] }", "QL0314"),
        ('target { backend = "ibm_torino" }', "QL0305"),
        ('target { backend = fake("nowhere") }', "QL0701"),
        ("train { adversarial = fgsm(0.1) }", "QL0304"),
        ("metrics = [adversarial_accuracy(0.1)]", "QL0305"),
        ('name = "m2"', "QL0304"),
        ("optimizer = cobyla(maxiter = 10)\n  train { early_stopping = early_stopping() }", "QL0313"),
        ("optimizer = adam(maxiter = 10)\n  train { epochs = 3 }", "QL0313"),
    ],
)
def test_ignored_settings_are_rejected(setting: str, code: str) -> None:
    assert codes(classifier(setting)) == [code]


def test_extra_task_arguments_are_rejected() -> None:
    src = model("data = bars_and_stripes(2, 2)", "qubits = 4",
                "ansatz = real_amplitudes(reps = 1)", "readout = probs(q)",
                "task = generate(discriminator = 3)")  # fmt: skip
    assert codes(src) == ["QL0309"]


# --- check and train disagreed: each resolved one way ---------------------------------------
@pytest.mark.parametrize(
    "data, classes",
    [("blobs(n = 40, centers = 2)", 2), ("xor(n = 40)", 2), ("parity(bits = 2) |> scale(3.0)", 2),
     ("moons(n = 40) |> normalize()", 2), ("moons(n = 40) |> binarize(0.0)", 2),
     ("blobs(n = 60, features = 3) |> select([0, 2])", 3)],
)  # fmt: skip
def test_data_sets_and_steps_check_and_train(data: str, classes: int) -> None:
    m = load_model(classifier("train { epochs = 1 }", data=data, classes=classes))
    assert np.isfinite(train(m, quiet=True).metrics["final_loss"])


@pytest.mark.parametrize("series", ["cosine", "damped_sine", "sawtooth()", "sine"])
def test_every_series_checks_and_trains(series: str) -> None:
    name = series.removesuffix("()")
    src = model(f"data = {name}(n = 40, window = 2)", "encoding = angle(x)",
                "readout = expval(Z0)", "task = regress()", "train { epochs = 1 }")  # fmt: skip
    assert np.isfinite(train(load_model(src), quiet=True).metrics["final_loss"])


def test_adagrad_trains() -> None:
    m = load_model(classifier("optimizer = adagrad(lr = 0.2)", "train { epochs = 3 }"))
    t = train(m, quiet=True)
    assert t.curve[-1]["loss"] < t.curve[0]["loss"]


@pytest.mark.parametrize("name, code", [("mackey_glass()", "QL0305"), ("gradient_descent", "QL0305")])
def test_removed_names_are_rejected_with_a_suggestion(name: str, code: str) -> None:
    src = classifier(f"optimizer = {name}") if name == "gradient_descent" else classifier(data=name)
    assert codes(src) == [code]


def test_recurrent_cell_names_come_from_the_catalog() -> None:
    src = model(
        "data = sine(n = 40, window = 4)",
        "quantum cell {\n    input v: float[3]\n    qubits = 3\n    encoding = angle(v)\n"
        "    readout = expval([Z0, Z1])\n  }",
        "recurrent { cell = fast_weights(hidden = 2), gates = [cell] }",
        "task = regress()",
    )
    assert codes(src) == ["QL0305"]
    t = train(load_model(src.replace("fast_weights", "lstm") + ""), epochs=1, quiet=True)
    assert np.isfinite(t.metrics["final_loss"])


def test_generate_trains_on_given_target_probabilities() -> None:
    src = model("qubits = 2", "ansatz = real_amplitudes(reps = 2)", "readout = probs(q)",
                "task = generate(target = [0.5, 0.0, 0.0, 0.5])",
                "optimizer = adam(lr = 0.1)", "train { epochs = 60 }")  # fmt: skip
    t = train(load_model(src), quiet=True)
    assert t.metrics["tvd"] < 0.2 and t.extra["target"] == [0.5, 0.0, 0.0, 0.5]


def test_quantum_name_chaining_as_documented() -> None:
    src = model(
        "data = iris() |> standardize()",
        "input x: float[2]",
        "encoding = angle(x)",
        "ansatz = real_amplitudes(reps = 1)",
        "readout = expval(Z0)",
        "layers = [dense(4 -> 2, tanh), quantum(main), dense(1 -> 3, softmax)]",
        "task = classify(classes = 3)",
        "train { epochs = 1 }",
    )
    assert np.isfinite(train(load_model(src), quiet=True).metrics["final_loss"])


# --- honest evaluation -------------------------------------------------------------------
def test_the_test_split_is_never_seen_during_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """Poisoning the test split (other features, other labels) leaves training
    bit-identical; only the one final evaluation sees it."""
    import qlang.train.tasks.common as common

    src = classifier(
        "train { epochs = 4, seed = 2, early_stopping = early_stopping(patience = 2, "
        'monitor = "val_accuracy") }'
    )
    m = load_model(src)
    clean = train(m, quiet=True)
    real = common.load_dataset

    def poisoned(*args, **kw):
        ds = real(*args, **kw)
        rng = np.random.default_rng(0)
        return replace(ds, X_test=rng.normal(size=ds.X_test.shape), y_test=1 - ds.y_test)

    monkeypatch.setattr(common, "load_dataset", poisoned)
    dirty = train(m, quiet=True)
    assert np.array_equal(clean.params, dirty.params)
    strip = [{k: v for k, v in row.items() if k != "time"} for row in clean.curve]
    assert strip == [{k: v for k, v in row.items() if k != "time"} for row in dirty.curve]
    assert not any(k.startswith("test") for row in clean.curve for k in row)
    assert set(clean.metrics) >= {"train", "validation", "test"}
    assert clean.metrics["test"] != dirty.metrics["test"]  # the final evaluation did see it


def test_early_stopping_cannot_monitor_test_data() -> None:
    src = classifier('train { early_stopping = early_stopping(monitor = "test_accuracy") }')
    assert codes(src) == ["QL0312"]
