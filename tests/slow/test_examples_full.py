"""Full runs of the example gallery with the numbers documented in docs/results.md
(run with ``pytest -m slow tests/slow/test_examples_full.py``; about 4 minutes on a
shared 2-core machine). Each example trains exactly as ``qlang train FILE`` does
(the file's own settings and seed); the thresholds are the issue's goals or, where
the issue only asks for a report, a margin below the documented number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qlang.driver import load_model
from qlang.train.api import context, train
from qlang.train.tasks.common import load_data

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(name: str) -> dict[str, Any]:
    trained = train(load_model(EXAMPLES / f"{name}.qml"), quiet=True)
    m = trained.metrics
    return m | m.get("test", {})


def rbf_svm_baseline(name: str) -> dict[str, float]:
    """An RBF SVM (scikit-learn defaults) on the example's own preprocessed split."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score
    from sklearn.svm import SVC

    model = load_model(EXAMPLES / f"{name}.qml")
    ds, _ = load_data(model, context(model))
    pred = SVC(kernel="rbf").fit(ds.X_train, ds.y_train).predict(ds.X_test)
    y = ds.y_test
    avg = "binary" if len(np.unique(ds.y_train)) == 2 else "macro"
    return {
        "accuracy": accuracy_score(y, pred),
        "precision": precision_score(y, pred, average=avg),
        "recall": recall_score(y, pred, average=avg),
        "f1": f1_score(y, pred, average=avg),
    }


GOALS = {
    "havlicek_vqc": lambda m: m["accuracy"] >= 0.95,
    "havlicek_kernel": lambda m: m["accuracy"] >= 0.95,
    "iris_vqc": lambda m: m["accuracy"] >= 0.90,
    "breast_cancer_vqc": lambda m: m["accuracy"] >= 0.85,
    "breast_cancer_vqc_aqgd": lambda m: m["accuracy"] >= 0.60,
    # The exact setup (ZZ map): it does not beat the majority class; kept honest.
    "breast_cancer_zz": lambda m: m["accuracy"] >= 0.55,
    "breast_cancer_zz_aqgd": lambda m: m["accuracy"] >= 0.50,
    "reuploading_circles": lambda m: m["accuracy"] >= 0.90,
    "reuploading_circles_1q": lambda m: m["accuracy"] >= 0.90,
    "farhi_neven_digits": lambda m: m["accuracy"] >= 0.80,
    "qaoa_maxcut": lambda m: m["approximation_ratio"] >= 0.80,
    "qaoa_maxcut_cvar": lambda m: m["approximation_ratio"] >= 0.80,
    "vqe_ising": lambda m: m["energy_error"] < 1e-3,
    "born_machine_bas": lambda m: m["kl"] < 0.05,
    "born_machine_bas3": lambda m: m["kl"] < 0.5,
    "digits_kernel": lambda m: m["accuracy"] >= 0.80,
    "qcnn": lambda m: m["accuracy"] >= 0.80,  # 0.838 since the 20 % validation hold-out
    "dressed_circuit": lambda m: m["accuracy"] >= 0.95,
    "qlstm_sine": lambda m: m["r2"] >= 0.95,
    "adversarial_vqc": lambda m: m["accuracy"] >= 0.9 and m["adversarial_accuracy"] >= 0.7,
    "adversarial_vqc_plain": lambda m: m["accuracy"] >= 0.9,
    "pce_maxcut": lambda m: m["cut_ratio"] >= 0.9,  # 0.917 (seed 1); 1.0 for seeds 2 and 3
    "qgan_lognormal": lambda m: m["kl"] < 0.01,  # 2.1e-5 (seed 1); 0.0075 at worst of seeds 0-4
    "quanvolution_digits": lambda m: m["accuracy"] >= 0.85,  # 0.895
    "qkan_moons": lambda m: m["accuracy"] >= 0.9,  # 0.96
    "randomization_test": lambda m: m["accuracy"] <= 0.75,  # test labels true: 0.48
    # issue 22: noisy simulation (docs/results.md)
    "vqe_ising_noisy": lambda m: m["energy_error"] < 1.0,
    "vqe_ising_zne": lambda m: m["energy_error"] < 0.39,  # half of the unmitigated 0.78
    "vqe_ising_zne_readout": lambda m: m["energy_error"] < 0.05,
    "noisy_reservoir_sine": lambda m: m["r2"] >= 0.75,
    "iris_fake_sherbrooke": lambda m: m["accuracy"] >= 0.85,
}


@pytest.mark.parametrize("name", sorted(GOALS))
def test_example_full(name: str) -> None:
    m = run(name)
    assert GOALS[name](m), f"{name}: {m}"


def test_breast_cancer_baseline_beats_chance() -> None:
    base = rbf_svm_baseline("breast_cancer_vqc")
    assert base["accuracy"] >= 0.9, base
    assert np.isfinite(base["f1"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_adversarial_training_raises_robust_accuracy_by_10_points(seed: int) -> None:
    """Issue 24's bar: on the same test split (same seed), PGD adversarial training
    raises the robust accuracy at eps = 0.4 by at least 10 points over plain training
    (documented: 0.315 -> 0.753, 0.225 -> 0.787, 0.236 -> 0.764 for seeds 1-3)."""
    plain = train(load_model(EXAMPLES / "adversarial_vqc_plain.qml"), seed=seed, quiet=True)
    robust = train(load_model(EXAMPLES / "adversarial_vqc.qml"), seed=seed, quiet=True)
    a, b = plain.metrics["test"], robust.metrics["test"]
    assert b["adversarial_accuracy"] - a["adversarial_accuracy"] >= 0.10, (seed, a, b)
    assert b["accuracy"] >= a["accuracy"] - 0.05, (seed, a, b)
