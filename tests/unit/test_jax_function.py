"""``qlang.jax.qfunction``: reverse-mode gradients (jax.test_util.check_grads on random
circuits, inputs and weights), jit, vmap, float32, and the weights.json round trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

jax = pytest.importorskip(
    "jax", reason="the jax extra is not installed (pip install jax jaxlib, or qlang[jax])"
)
import jax.numpy as jnp  # noqa: E402
from jax.test_util import check_grads  # noqa: E402

from qlang.driver import load_model  # noqa: E402
from qlang.jax import qfunction  # noqa: E402
from qlang.train.api import train  # noqa: E402
from tests.unit.hybrid_models import random_source  # noqa: E402


@pytest.fixture(autouse=True)
def x64():
    """float64 for the gradient checks (restored afterwards)."""
    before = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", before)


@pytest.mark.parametrize("seed", range(10))
def test_check_grads_on_random_circuits(seed: int) -> None:
    src = random_source(seed)
    f = qfunction(load_model(src))
    rng = np.random.default_rng(200 + seed)
    x = jnp.asarray(rng.uniform(-2, 2, (3, f.num_inputs)))
    w = jnp.asarray(f.init())
    try:
        check_grads(f, (x, w), order=1, modes=("rev",), eps=1e-6, atol=1e-6, rtol=1e-6)
    except AssertionError as err:
        raise AssertionError(f"seed {seed}\n{src}") from err


def test_jit_grad_equals_the_simulators_vjp() -> None:
    f = qfunction(load_model(random_source(7)))
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.normal(size=(5, f.num_inputs)))
    w = jnp.asarray(f.init())

    def loss(w, x):
        return jnp.sum(jnp.tanh(f(x, w)))

    gw, gx = jax.jit(jax.grad(loss, argnums=(0, 1)))(w, x)
    fn = f._fns[64]
    y = fn.forward(np.asarray(x), np.asarray(w))
    _, want_w, want_x = fn.vjp(np.asarray(x), np.asarray(w), 1 - np.tanh(y) ** 2)
    assert np.allclose(gw, want_w, atol=1e-12) and np.allclose(gx, want_x, atol=1e-12)


def test_vmap_and_single_rows() -> None:
    f = qfunction(load_model(random_source(8)))
    x = jnp.asarray(np.random.default_rng(1).normal(size=(4, f.num_inputs)))
    w = jnp.asarray(f.init())
    batched = f(x, w)
    assert batched.shape == (4, f.num_outputs)
    assert np.allclose(jax.vmap(lambda r: f(r, w))(x), batched)
    assert np.allclose(f(x[2], w), batched[2])


def test_float32() -> None:
    f = qfunction(load_model(random_source(9)))
    x = np.random.default_rng(2).normal(size=(3, f.num_inputs))
    w = f.init()
    y32 = f(jnp.asarray(x, jnp.float32), jnp.asarray(w, jnp.float32))
    assert y32.dtype == jnp.float32
    assert np.allclose(y32, f(jnp.asarray(x), jnp.asarray(w)), atol=1e-5)
    g = jax.grad(lambda w: jnp.sum(f(jnp.asarray(x, jnp.float32), w)))(jnp.asarray(w, jnp.float32))
    assert g.dtype == jnp.float32


def test_weights_json_round_trip(tmp_path: Path) -> None:
    src = random_source(2, readout="expval(Z0)").replace(
        "task = regress()", "task = regress()\n  train { epochs = 2 }"
    )
    model = load_model(src)
    trained = train(model, quiet=True, out=tmp_path / "run")
    f = qfunction(model)
    w = f.load_weights(tmp_path / "run")
    assert np.array_equal(w, trained.params)
    f.save_weights(w + 1.0, tmp_path / "out.json")
    doc = json.loads((tmp_path / "out.json").read_text())
    assert doc["names"] == list(trained.param_names)
    assert np.allclose(doc["params"], trained.params + 1.0)
