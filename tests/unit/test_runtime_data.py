"""Built-in data sets (shapes, determinism, definitions), preprocessing and split."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qlang import catalog
from qlang.diagnostics import QLangError
from qlang.ir.model import Call
from qlang.train.data import load_dataset
from qlang.train.data.preprocess import FittedStep, fit_steps, transform
from qlang.train.data.synthetic import (
    ad_hoc_labels,
    bas_patterns,
    feature_map_states,
    haar_unitary,
)

SPECS = {
    "ad_hoc": (Call("ad_hoc", (), (("train", 20), ("test", 10))), (20, 2), (10, 2)),
    "iris": (Call("iris"), (112, 4), (38, 4)),
    "breast_cancer": (Call("breast_cancer"), (427, 30), (142, 30)),
    "wine": (Call("wine"), (134, 13), (44, 13)),
    "digits": (Call("digits", (), (("size", 4), ("classes", (3, 6)))), (273, 16), (91, 16)),
    "moons": (Call("moons", (), (("n", 40),)), (30, 2), (10, 2)),
    "circles": (Call("circles", (), (("n", 40),)), (30, 2), (10, 2)),
    "bars_and_stripes": (Call("bars_and_stripes", (2, 3)), (10, 6), (10, 6)),
    "sine": (Call("sine", (), (("n", 50), ("window", 5))), (34, 5), (11, 5)),
}


@pytest.mark.parametrize("name", sorted(SPECS))
def test_shapes_and_determinism(name):
    call, tr, te = SPECS[name]
    a, b = load_dataset(call, seed=11), load_dataset(call, seed=11)
    assert a.X_train.shape == tr and a.X_test.shape == te
    assert len(a.y_train) == tr[0] and len(a.y_test) == te[0]
    assert np.array_equal(a.X_train, b.X_train) and np.array_equal(a.y_test, b.y_test)
    assert np.all(np.isfinite(a.X_train))


def test_every_catalog_data_set_loads_with_its_defaults():
    for entry in catalog.entries("data"):
        if any(p.required for p in entry.params):
            continue  # csv needs a file (tests/unit/test_runtime_csv.py)
        d = load_dataset(Call(entry.name), seed=0)
        assert d.num_features == entry.info.features(entry.defaults()), entry.name


def test_seed_changes_the_split_and_the_call_seed_wins():
    a = load_dataset(Call("iris"), seed=1)
    b = load_dataset(Call("iris"), seed=2)
    assert not np.array_equal(a.X_train, b.X_train)
    c = load_dataset(Call("ad_hoc", (), (("seed", 5),)), seed=1)
    d = load_dataset(Call("ad_hoc", (), (("seed", 5),)), seed=2)
    assert np.array_equal(c.X_train, d.X_train)


def test_ad_hoc_follows_the_havlicek_definition():
    rng = np.random.default_rng(3)
    from qlang.train.data.synthetic import ad_hoc

    d = ad_hoc(dim=2, gap=0.3, train=30, test=10, rng=rng)
    # reproduce V from the same stream and check every label against f(x) and the gap
    V = haar_unitary(4, np.random.default_rng(3))
    f = ad_hoc_labels(np.concatenate([d.X_train, d.X_test]), V)
    y = np.concatenate([d.y_train, d.y_test])
    assert np.all(f[y == 0] >= 0.3) and np.all(f[y == 1] <= -0.3)
    assert np.all((d.X_train >= 0) & (d.X_train < 2 * np.pi))
    assert sorted(np.bincount(d.y_train).tolist()) == [15, 15]
    # feature-map states are normalised; V is unitary
    psi = feature_map_states(d.X_train)
    assert np.allclose(np.linalg.norm(psi, axis=1), 1.0)
    assert np.allclose(V.conj().T @ V, np.eye(4))


def test_feature_map_state_matches_the_formula_for_one_point():
    x = np.array([[0.3, 1.1]])
    z = np.array([[1, -1, 1, -1], [1, 1, -1, -1]], dtype=float)
    phase = x[0] @ z + (np.pi - 0.3) * (np.pi - 1.1) * z[0] * z[1]
    U = np.diag(np.exp(1j * phase))
    H = np.kron([[1, 1], [1, -1]], [[1, 1], [1, -1]]) / 2
    expect = U @ H @ U @ H @ np.array([1, 0, 0, 0])
    assert np.allclose(feature_map_states(x)[0], expect)


def test_bars_and_stripes_counts_and_distribution():
    assert len(bas_patterns(2, 2)) == 6
    assert len(bas_patterns(3, 3)) == 14
    d = load_dataset(Call("bars_and_stripes", (2, 2)))
    assert d.kind == "distribution" and d.distribution.sum() == pytest.approx(1.0)
    assert np.count_nonzero(d.distribution) == 6
    # 2x2 vertical bar on the left column: pixels 0 and 2 -> bits 0 and 2 -> index 5
    assert d.distribution[5] > 0 and d.distribution[3] > 0 and d.distribution[1] == 0


def test_digits_downsampled_binarised_and_relabelled():
    d = load_dataset(Call("digits", (), (("size", 4), ("classes", (3, 6)), ("binarize", 0.5))))
    assert set(np.unique(d.X_train).tolist()) <= {0.0, 1.0}
    assert d.classes == (0, 1)


def test_series_windows_predict_the_next_value_chronologically():
    d = load_dataset(Call("sine", (), (("n", 40), ("window", 3), ("test", 0.25))))
    assert np.allclose(d.X_train[1, :2], d.X_train[0, 1:])
    assert np.isclose(d.X_train[1, -1], d.y_train[0])
    assert d.kind == "regression"


def test_preprocessing_fit_transform_and_json_round_trip():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 6)) * np.arange(1, 7)
    steps = fit_steps(
        (Call("standardize"), Call("pca", (3,)), Call("minmax", (-1.0, 1.0))), X, None
    )
    Y = transform(steps, X)
    assert Y.shape == (30, 3) and Y.min() == pytest.approx(-1.0) and Y.max() == pytest.approx(1.0)
    again = [FittedStep.from_json(json.loads(json.dumps(s.to_json()))) for s in steps]
    assert np.allclose(transform(again, X), Y)
    Z = transform(fit_steps((Call("standardize"),), X, None), X)
    assert np.allclose(Z.mean(axis=0), 0.0) and np.allclose(Z.std(axis=0), 1.0)
    img = rng.random((2, 64))
    ds = transform(fit_steps((Call("downsample", (4,)),), img, None), img)
    assert ds.shape == (2, 16) and ds[0, 0] == pytest.approx(img[0, [0, 1, 8, 9]].mean())


def test_stratified_split_keeps_class_ratios():
    d = load_dataset(Call("iris", (), (("test", 0.2),)), seed=4)
    assert np.bincount(d.y_test).tolist() == [10, 10, 10]


@pytest.mark.parametrize(
    "call, code",
    [
        (Call("irsi"), "QL0401"),
        (Call("iris", (), (("tset", 0.2),)), "QL0402"),
        (Call("ad_hoc", (), (("gap", 2.0),)), "QL0402"),
        (Call("digits", (), (("classes", (3, 11)),)), "QL0402"),
        (Call("iris", (), (("test", 500),)), "QL0402"),
        (Call("moons", (), (("n", 10**8),)), "QL0402"),
    ],
)
def test_bad_data_specs_are_coded_errors(call, code):
    with pytest.raises(QLangError) as err:
        load_dataset(call)
    assert err.value.codes == [code]


@pytest.mark.parametrize(
    "call, code",
    [
        (Call("pca", (9,)), "QL0410"),
        (Call("minmax", (1.0, 0.0)), "QL0410"),
        (Call("standardise"), "QL0409"),
        (Call("downsample", (3,)), "QL0410"),
    ],
)
def test_bad_preprocessing_is_a_coded_error(call, code):
    with pytest.raises(QLangError) as err:
        fit_steps((call,), np.ones((5, 4)), None)
    assert err.value.codes == [code]


def test_zz_feature_map_circuit_prepares_the_conjugate_state():
    from qlang.ir import expr as E
    from qlang.ir.circuit import Circuit, Operation, ParamDecl
    from qlang.ir.reference import statevector

    ops = []
    for _ in range(2):
        for q in range(2):
            ops += [Operation("h", (q,)), Operation("p", (q,), (E.mul(E.Const(2.0), E.Input(q)),))]
        a = E.mul(E.sub(E.Const(np.pi), E.Input(0)), E.sub(E.Const(np.pi), E.Input(1)))
        ops.append(Operation("rzz", (0, 1), (E.mul(E.Const(2.0), a),)))
    c = Circuit(2, tuple(ops), inputs=(ParamDecl("x", (2,), 0),))
    for x in np.random.default_rng(0).uniform(0, 2 * np.pi, size=(5, 2)):
        overlap = np.vdot(statevector(c, x), feature_map_states(x[None])[0].conj())
        assert abs(abs(overlap) - 1.0) < 1e-9


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "digits"])
def test_bundled_sets_equal_scikit_learns(name: str) -> None:
    """The bundled copies hold exactly scikit-learn's values, labels and feature names."""
    datasets = pytest.importorskip("sklearn.datasets")
    from qlang.train.data.builtin import _bundled

    X, y, names = _bundled(name)
    ref = getattr(datasets, f"load_{name}")()
    assert np.array_equal(X, np.asarray(ref.data, float))
    assert np.array_equal(y, np.asarray(ref.target))
    assert names == tuple(str(f) for f in getattr(ref, "feature_names", []))
