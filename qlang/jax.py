"""JAX functions from qlang models: ``qfunction("model.qml", block="main")``.

:func:`qfunction` returns a :class:`QFunction`: ``f(x, w)`` evaluates one quantum block
of a model (its circuit and readout) on qlang's batched simulator. It is a
``jax.custom_vjp`` function whose forward and backward passes call the simulator
through ``jax.pure_callback``, so it works under ``jax.jit``, ``jax.grad`` and
``jax.vjp`` (reverse mode; forward-mode ``jvp`` is not defined for it). The backward
pass is the block's vector-Jacobian product (adjoint method) with respect to the
inputs and the weights. ``float64`` arrays simulate in complex128, ``float32`` in
complex64 (JAX's default until ``jax_enable_x64`` is set).

Example::

    >>> import jax, jax.numpy as jnp                       # doctest: +SKIP
    >>> from qlang.jax import qfunction                    # doctest: +SKIP
    >>> f = qfunction("examples/dressed_circuit.qml")      # doctest: +SKIP
    >>> w = jnp.asarray(f.init())                          # doctest: +SKIP
    >>> loss = lambda w, x: jnp.sum(f(x, w) ** 2)          # doctest: +SKIP
    >>> jax.jit(jax.grad(loss))(w, jnp.zeros((8, 4))).shape  # doctest: +SKIP
    (16,)

Needs the ``jax`` extra: ``pip install "qlang[jax]"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    import jax
    import jax.numpy as jnp
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError('qlang.jax needs JAX: pip install "qlang[jax]"') from exc

import numpy as np

from qlang.train.block import PRECISION, BlockFunction, write_json

__all__ = ["QFunction", "qfunction"]


class QFunction:
    """``f(x, w) -> (batch, num_outputs)``: one quantum block as a JAX function.

    ``x`` is ``(batch, num_inputs)`` or one row (``None`` for a block without inputs),
    ``w`` the flat weights in the block's order (:attr:`names`, as in ``weights.json``).
    """

    def __init__(self, source: Any, block: str = "main"):
        self._fns = {
            bits: BlockFunction.of(source, block, precision) for bits, precision in PRECISION.items()
        }
        fn = self._fns[64]
        self.model, self.block_name, self.names = fn.model, fn.block.name, fn.names
        self.num_inputs, self.num_outputs = fn.num_inputs, fn.num_outputs
        self.num_weights = fn.num_weights
        self._apply = self._build()

    def __repr__(self) -> str:
        return (
            f"QFunction(model={self.model.name!r}, block={self.block_name!r}, "
            f"inputs={self.num_inputs}, outputs={self.num_outputs}, weights={self.num_weights})"
        )

    def _fn(self, dtype: Any) -> BlockFunction:
        return self._fns[64 if np.dtype(dtype) == np.float64 else 32]

    def _build(self) -> Any:
        k = self.num_outputs

        def call_forward(x: jax.Array, w: jax.Array) -> jax.Array:
            out = jax.ShapeDtypeStruct((x.shape[0], k), x.dtype)
            fn = self._fn(x.dtype)

            def host(xh: Any, wh: Any) -> np.ndarray:
                return fn.forward(np.asarray(xh, np.float64), np.asarray(wh, np.float64)).astype(
                    out.dtype
                )

            return jax.pure_callback(host, out, x, w, vmap_method="sequential")

        @jax.custom_vjp
        def apply(x: jax.Array, w: jax.Array) -> jax.Array:
            return call_forward(x, w)

        def fwd(x: jax.Array, w: jax.Array) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
            return call_forward(x, w), (x, w)

        def bwd(res: tuple[jax.Array, jax.Array], g: jax.Array) -> tuple[jax.Array, jax.Array]:
            x, w = res
            fn = self._fn(x.dtype)
            shapes = (
                jax.ShapeDtypeStruct(x.shape, x.dtype),
                jax.ShapeDtypeStruct(w.shape, w.dtype),
            )

            def host(xh: Any, wh: Any, gh: Any) -> tuple[np.ndarray, np.ndarray]:
                _, gw, gx = fn.vjp(
                    np.asarray(xh, np.float64),
                    np.asarray(wh, np.float64),
                    np.asarray(gh, np.float64),
                )
                return gx.astype(shapes[0].dtype), gw.astype(shapes[1].dtype)

            gx, gw = jax.pure_callback(host, shapes, x, w, g, vmap_method="sequential")
            return gx, gw

        apply.defvjp(fwd, bwd)
        return apply

    def __call__(self, x: Any, w: Any) -> jax.Array:
        w = jnp.asarray(w)
        dtype = w.dtype if jnp.issubdtype(w.dtype, jnp.floating) else jnp.float32
        if x is None:
            x = jnp.zeros((1, self.num_inputs), dtype)
        x = jnp.asarray(x, dtype)
        if x.shape[-1:] != (self.num_inputs,):
            raise ValueError(
                f"block `{self.block_name}` takes {self.num_inputs} inputs per row, "
                f"got shape {tuple(x.shape)}"
            )
        if w.shape != (self.num_weights,):
            raise ValueError(
                f"block `{self.block_name}` takes {self.num_weights} weights, "
                f"got shape {tuple(w.shape)}"
            )
        lead = x.shape[:-1]
        y = self._apply(x.reshape(-1, self.num_inputs), w.astype(dtype))
        return y.reshape(*lead, self.num_outputs)

    # --- weights --------------------------------------------------------------------------
    def init(self, seed: int | None = None) -> np.ndarray:
        """Initial weights from the block's initialisers (the model's seed by default)."""
        return self._fns[64].init(seed)

    def trainable(self) -> np.ndarray:
        """``True`` for the weights that are not declared ``frozen``."""
        return self._fns[64].trainable()

    def load_weights(self, path: str | Path) -> np.ndarray:
        """The block's weights from a ``weights.json`` (or its folder), by artifact name."""
        return self._fns[64].read_weights(path)

    def save_weights(self, w: Any, path: str | Path, base: str | Path | None = None) -> Path:
        """Write ``w`` as ``weights.json`` (the file ``base`` with this block's entries
        replaced, or a new file for the model)."""
        return write_json(path, self._fns[64].weights_document(np.asarray(w, float), base))


def qfunction(source: Any, block: str = "main") -> QFunction:
    """The block ``block`` of ``source`` (a ``.qml`` path or a loaded model) as a JAX
    function ``f(x, w)``."""
    return QFunction(source, block)
