"""PyTorch layers from qlang models: ``QLayer("model.qml", block="main")``.

A :class:`QLayer` is a ``torch.nn.Module`` that evaluates one quantum block of a model
(its circuit and readout) on qlang's batched simulator. The backward pass is the
block's vector-Jacobian product (adjoint method: one forward and one backward sweep
for the whole batch), with respect to the inputs and the weights, so the layer
composes with any PyTorch network under plain eager autograd. Tensors are CPU
tensors, ``float64`` (complex128 simulation) or ``float32`` (complex64).

The block's weights are parameters named after their declarations (``ansatz_theta``);
their entries carry the artifact names (``ansatz_theta_0_1`` in ``weights.json``), so
:meth:`QLayer.load_weights` reads the weights ``qlang train --out`` wrote and
:meth:`QLayer.save_weights` writes a ``weights.json`` that ``qlang predict`` reads.

Example::

    >>> import torch                                               # doctest: +SKIP
    >>> from qlang.torch import QLayer                             # doctest: +SKIP
    >>> q = QLayer("examples/dressed_circuit.qml")                 # doctest: +SKIP
    >>> net = torch.nn.Sequential(torch.nn.Linear(30, 4), torch.nn.Tanh(), q,
    ...                           torch.nn.Linear(4, 2))           # doctest: +SKIP
    >>> net(torch.zeros(8, 30, dtype=torch.float64)).shape         # doctest: +SKIP
    torch.Size([8, 2])

Needs the ``torch`` extra: ``pip install "qlang[torch]"``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

try:
    import torch
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        'qlang.torch needs PyTorch: pip install "qlang[torch]" (a CPU-only wheel: '
        "pip install torch --index-url https://download.pytorch.org/whl/cpu)"
    ) from exc

import numpy as np

from qlang.train.block import PRECISION, BlockFunction, write_json

__all__ = ["QLayer"]


def _ident(name: str) -> str:
    """A weight declaration's name as a module attribute (``a.b[0]`` -> ``a_b_0``)."""
    return re.sub(r"\W", "_", name)


class _Apply(torch.autograd.Function):
    """``y = f(x, w)`` with the block's vector-Jacobian product as the backward pass."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, w: torch.Tensor, fn: BlockFunction) -> torch.Tensor:
        xn = x.detach().numpy().astype(np.float64)
        wn = w.detach().numpy().astype(np.float64)
        ctx.fn, ctx.xn, ctx.wn = fn, xn, wn
        return torch.from_numpy(fn.forward(xn, wn)).to(x.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, dy: torch.Tensor) -> tuple[Any, ...]:
        _, gw, gx = ctx.fn.vjp(ctx.xn, ctx.wn, dy.detach().numpy().astype(np.float64))
        gx_t = torch.from_numpy(np.ascontiguousarray(gx)).to(dy.dtype)
        gw_t = torch.from_numpy(np.ascontiguousarray(gw)).to(dy.dtype)
        return gx_t, gw_t, None


class QLayer(torch.nn.Module):
    """One quantum block of a qlang model as a PyTorch layer.

    ``source`` is a ``.qml`` path or a loaded model (``qlang.load_model``); ``block`` the
    block's name (``main``: the model's own circuit). Inputs are ``(batch, num_inputs)``
    (or one ``(num_inputs,)`` row; a block without inputs is called with no argument),
    outputs ``(batch, num_outputs)``. The initial weights come from the block's
    initialisers with the model's seed (``seed`` overrides it): for a model that is
    this block alone, the same initial weights as ``qlang train``. Frozen weight
    declarations are buffers (saved, not trained).
    """

    def __init__(
        self,
        source: Any,
        block: str = "main",
        *,
        dtype: torch.dtype = torch.float64,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        if dtype not in (torch.float64, torch.float32):
            raise TypeError(f"QLayer computes in float64 or float32, not {dtype}")
        self._fns = {
            bits: BlockFunction.of(source, block, precision) for bits, precision in PRECISION.items()
        }
        fn = self._fns[64]
        self.model, self.block_name = fn.model, fn.block.name
        self.names: tuple[str, ...] = fn.names
        self._decls: list[tuple[str, Any]] = []
        w0 = fn.init(seed)
        for d in fn.decls:
            attr = _ident(d.name)
            value = torch.tensor(w0[d.offset : d.offset + d.size], dtype=dtype).reshape(d.shape)
            if d.frozen or fn.block.frozen:
                self.register_buffer(attr, value)
            else:
                self.register_parameter(attr, torch.nn.Parameter(value))
            self._decls.append((attr, d))

    # --- shapes ----------------------------------------------------------------------
    @property
    def num_inputs(self) -> int:
        return self._fns[64].num_inputs

    @property
    def num_outputs(self) -> int:
        return self._fns[64].num_outputs

    @property
    def num_weights(self) -> int:
        return self._fns[64].num_weights

    def extra_repr(self) -> str:
        return (
            f"model={self.model.name!r}, block={self.block_name!r}, inputs={self.num_inputs}, "
            f"outputs={self.num_outputs}, weights={self.num_weights}"
        )

    # --- forward ---------------------------------------------------------------------
    def flat_weights(self) -> torch.Tensor:
        """All weights as one vector in the block's order (the artifact order)."""
        parts = [getattr(self, attr).reshape(-1) for attr, _ in self._decls]
        if not parts:
            return torch.zeros(0, dtype=torch.float64)
        return torch.cat(parts)

    def forward(self, x: torch.Tensor | None = None) -> torch.Tensor:
        w = self.flat_weights()
        dtype = w.dtype if w.numel() else (x.dtype if x is not None else torch.float64)
        if dtype not in (torch.float64, torch.float32):
            raise TypeError(f"QLayer computes in float64 or float32, not {dtype}")
        if x is None:
            x = torch.zeros((1, self.num_inputs), dtype=dtype)
        if x.device.type != "cpu" or w.device.type != "cpu":
            raise ValueError("QLayer runs on the CPU: move the tensors with `.cpu()`")
        x = x.to(dtype)
        lead = x.shape[:-1]
        if x.shape[-1:] != (self.num_inputs,):
            raise ValueError(
                f"QLayer `{self.block_name}` takes {self.num_inputs} inputs per row, "
                f"got shape {tuple(x.shape)}"
            )
        flat = x.reshape(-1, self.num_inputs)
        fn = self._fns[64 if dtype == torch.float64 else 32]
        y = _Apply.apply(flat, w.to(dtype), fn)
        return y.reshape(*lead, self.num_outputs)

    # --- weights.json ------------------------------------------------------------------
    def named_weights(self) -> dict[str, float]:
        """``{artifact name: value}`` of every weight of the block."""
        w = self.flat_weights().detach().cpu().numpy().astype(float)
        return dict(zip(self.names, w.tolist(), strict=True))

    @torch.no_grad()
    def load_weights(self, path: str | Path) -> QLayer:
        """Set the weights from a ``weights.json`` (or a ``qlang train --out`` folder),
        matched by artifact name (``QL0659`` when the file lacks one)."""
        w = self._fns[64].read_weights(path)
        for attr, d in self._decls:
            t = getattr(self, attr)
            t.copy_(torch.tensor(w[d.offset : d.offset + d.size]).reshape(d.shape).to(t.dtype))
        return self

    def save_weights(self, path: str | Path, base: str | Path | None = None) -> Path:
        """Write the weights as ``weights.json`` (``path`` is a file or a folder): the file
        ``base`` with this block's entries replaced, or a new file for the model."""
        fn = self._fns[64]
        w = self.flat_weights().detach().cpu().numpy().astype(float)
        return write_json(path, fn.weights_document(w, base))
