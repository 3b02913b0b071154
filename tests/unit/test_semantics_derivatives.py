"""Symbolic derivatives of lowered gate angles agree with finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from qlang.driver import load_model, lower_circuit
from qlang.ir import expr as E

SEED = 99
H = 1e-6


def _check_all(circuit, x: np.ndarray, w: np.ndarray) -> int:  # type: ignore[no-untyped-def]
    checked = 0
    for op in circuit.ops:
        for p in op.params:
            for sym in E.symbols(p):
                d = E.evaluate(E.diff(p, sym), x[None, :], w)[0]
                xp, xm, wp, wm = x.copy(), x.copy(), w.copy(), w.copy()
                if isinstance(sym, E.Input):
                    xp[sym.index] += H
                    xm[sym.index] -= H
                else:
                    wp[sym.index] += H
                    wm[sym.index] -= H
                fd = (E.evaluate(p, xp[None, :], wp)[0] - E.evaluate(p, xm[None, :], wm)[0]) / (
                    2 * H
                )
                assert np.isclose(d, fd, rtol=1e-4, atol=1e-5), (
                    f"seed={SEED} op={op.name} d/d{sym}: symbolic {d} vs finite {fd}"
                )
                checked += 1
    return checked


@pytest.mark.parametrize(
    "module,name,args",
    [
        ("encodings", "zz_feature_map", {"n": 3}),
        ("encodings", "pauli_feature_map", {"n": 3, "paulis": ["Y", "XZ", "ZZZ"]}),
        ("encodings", "amplitude", {"n": 3}),
        ("encodings", "amplitude", {"n": 2, "signed": True}),
        ("encodings", "reuploading", {"n": 2, "layers": 2}),
        ("encodings", "hamiltonian_embedding", {"n": 3, "steps": 2}),
        ("ansatze", "efficient_su2", {"n": 3, "reps": 1}),
    ],
)
def test_gate_angle_derivatives(module: str, name: str, args: dict) -> None:
    rng = np.random.default_rng(SEED)
    c = lower_circuit(module, name, **args)
    x = rng.uniform(0.2, 0.9, c.num_inputs)
    if name == "amplitude":
        x = x / np.linalg.norm(x)
    w = rng.uniform(-np.pi, np.pi, c.num_weights)
    assert _check_all(c, x, w) > 0


def test_trainable_observable_coefficients_differentiate() -> None:
    text = """
    import encodings.angle
    model m {
      data = moons()
      weight s: float[2] = constant(1.0)
      encoding = angle(x)
      readout = expval(s[0] * Z0 Z1 + s[1] * s[0] * X0)
      task = regress()
    }"""
    obs = load_model(text).main.readout.observables[0]
    w = np.array([0.7, -1.3])
    for term in obs.terms:
        for sym in E.symbols(term.coeff):
            d = E.evaluate(E.diff(term.coeff, sym), np.zeros((1, 2)), w)[0]
            wp, wm = w.copy(), w.copy()
            wp[sym.index] += H
            wm[sym.index] -= H
            fd = (
                E.evaluate(term.coeff, np.zeros((1, 2)), wp)[0]
                - E.evaluate(term.coeff, np.zeros((1, 2)), wm)[0]
            ) / (2 * H)
            assert np.isclose(d, fd, rtol=1e-5)
