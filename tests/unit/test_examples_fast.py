"""Fast regression runs of the example gallery (issue 8): every example trains a
few epochs on (where it helps) a smaller data set, with a fixed seed, and must
clear a loose threshold. The full runs, with the documented numbers, are in
``tests/slow/test_examples_full.py``.

Each case is ``(file, overrides, epochs, check)``: ``overrides`` replaces keyword
arguments of the model's ``data = ...`` call (e.g. fewer samples), ``epochs``
overrides the schedule (optimizer iterations for SPSA/COBYLA/L-BFGS-B).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from qlang.driver import load_model
from qlang.ir.model import Call, Model
from qlang.train.api import train

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def with_data(model: Model, **kwargs: Any) -> Model:
    """``model`` with keyword arguments of its data call replaced (or added)."""
    assert model.data is not None
    merged = dict(model.data.kwargs) | kwargs
    return replace(model, data=replace(model.data, kwargs=tuple(merged.items())))


def with_optimizer(model: Model, **kwargs: Any) -> Model:
    """``model`` with keyword arguments of its optimizer call replaced (or added)."""
    opt = model.optimizer or Call("adam")
    merged = dict(opt.kwargs) | kwargs
    return replace(model, optimizer=replace(opt, kwargs=tuple(merged.items())))


@dataclass(frozen=True)
class Case:
    """One fast variant: the example, how to shrink it, and the loose check."""

    name: str
    epochs: int | None
    check: Callable[[dict[str, Any]], bool]
    data: tuple[tuple[str, Any], ...] = ()
    optimizer: tuple[tuple[str, Any], ...] = ()
    batch_size: int | None = None

    def model(self) -> Model:
        m = load_model(EXAMPLES / f"{self.name}.qml")
        if self.data:
            m = with_data(m, **dict(self.data))
        if self.optimizer:
            m = with_optimizer(m, **dict(self.optimizer))
        if self.batch_size is not None:
            m = replace(m, training=replace(m.training, batch_size=self.batch_size))
        return m


def acc(threshold: float) -> Callable[[dict[str, Any]], bool]:
    return lambda m: m["test"]["accuracy"] >= threshold


CASES = [
    Case("havlicek_vqc", 100, acc(0.75)),
    Case("havlicek_kernel", None, acc(0.9)),
    Case("iris_vqc", 5, acc(0.7)),
    Case("breast_cancer_vqc", 40, acc(0.55)),
    Case("breast_cancer_vqc_aqgd", 3, acc(0.5)),
    Case("breast_cancer_zz", 40, acc(0.45)),
    Case("breast_cancer_zz_aqgd", 3, acc(0.4)),
    Case("reuploading_circles", 10, acc(0.7), data=(("n", 100),)),
    Case("reuploading_circles_1q", 10, acc(0.7), data=(("n", 100),)),
    Case(
        "farhi_neven_digits",
        1,
        acc(0.6),
        data=(("limit", 60),),
        optimizer=(("lr", 0.1),),
        batch_size=8,
    ),
    Case("qaoa_maxcut", 40, lambda m: m["approximation_ratio"] >= 0.8),
    Case("qaoa_maxcut_cvar", 20, lambda m: m["approximation_ratio"] >= 0.75),
    Case("vqe_ising", 60, lambda m: m["energy_error"] < 0.1),
    Case("born_machine_bas", 30, lambda m: m["kl"] < 0.3),
    Case("born_machine_bas3", 5, lambda m: m["valid_mass"] > 14 / 512),
    Case("digits_kernel", 3, acc(0.6), data=(("limit", 80),)),
    Case("qcnn", 3, acc(0.7)),
    Case("dressed_circuit", 3, acc(0.85)),
    Case("qlstm_sine", 3, lambda m: m["r2"] > 0.5),
    Case("vqe_ising_noisy", 20, lambda m: m["energy"] < -3.0),
    Case("vqe_ising_zne", 5, lambda m: m["energy"] < -1.0),
    Case("vqe_ising_zne_readout", 5, lambda m: m["energy"] < -1.0),
    Case("noisy_reservoir_sine", 5, lambda m: m["r2"] > 0.0),
    Case("iris_fake_sherbrooke", 3, acc(0.5)),
]


def test_every_trainable_example_has_a_fast_case() -> None:
    names = {p.stem for p in EXAMPLES.glob("*.qml")}
    assert names == {c.name for c in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_example_fast(case: Case) -> None:
    trained = train(case.model(), epochs=case.epochs, quiet=True)
    metrics = trained.metrics
    summary = metrics.get("test", metrics)
    assert case.check(metrics | summary), f"{case.name}: {summary}"
