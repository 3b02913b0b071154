"""Quanvolution (Henderson et al. 2020): a quantum block slid over image patches.

``layers = [conv(filter, kernel = 2, stride = 2), dense(64 -> 10, softmax)]`` reads each
input row as a square ``side x side`` image (row-major), cuts it into ``k x k`` patches
(stride ``s``) and evaluates block ``filter`` (``k * k`` inputs, ``m`` outputs) on every
patch with the same weights. The patches of the whole batch go to the simulator as one
batch (``B * P`` rows, one engine call), and the backward pass is one adjoint
vector-Jacobian product over all of them: the weight gradient sums over the patches,
the input gradient is scattered back onto the pixels (overlapping patches add up).
The outputs are channel-major: ``out[b, c * P + p]`` is output ``c`` of patch ``p``.

Example::

    >>> patch_index(4, 2, 2).tolist()
    [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qlang.ir.model import Conv
from qlang.train.layers import QuantumStage


def patch_index(side: int, kernel: int, stride: int) -> np.ndarray:
    """``(P, k * k)`` flat pixel indices of the patches, row-major over patches and pixels."""
    starts = np.arange(0, side - kernel + 1, stride)
    rows = [
        [(r + i) * side + (c + j) for i in range(kernel) for j in range(kernel)]
        for r in starts
        for c in starts
    ]
    return np.asarray(rows, dtype=np.intp)


@dataclass(frozen=True, eq=False)
class ConvStage:
    """A :class:`QuantumStage` applied to every patch of a square image."""

    quantum: QuantumStage
    side: int
    kernel: int
    stride: int
    index: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", patch_index(self.side, self.kernel, self.stride))

    @property
    def block(self) -> Any:
        return self.quantum.block

    @property
    def patches(self) -> int:
        return len(self.index)

    @property
    def num_inputs(self) -> int:
        return self.side * self.side

    @property
    def num_outputs(self) -> int:
        return self.quantum.num_outputs * self.patches

    @property
    def num_params(self) -> int:
        return self.quantum.num_params

    def trainable(self) -> np.ndarray:
        return self.quantum.trainable()

    def init(self, rng: np.random.Generator) -> np.ndarray:
        return self.quantum.init(rng)

    def forward(self, X: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, Any]:
        B = len(X)
        rows = X[:, self.index].reshape(B * self.patches, self.kernel * self.kernel)
        Y, cache = self.quantum.forward(rows, p)  # one simulator call for every patch
        m = self.quantum.num_outputs
        out = Y.reshape(B, self.patches, m).transpose(0, 2, 1).reshape(B, m * self.patches)
        return out, (B, cache)

    def backward(self, cache: Any, p: np.ndarray, dY: np.ndarray) -> tuple[np.ndarray, Any]:
        B, rows = cache
        m = self.quantum.num_outputs
        cot = dY.reshape(B, m, self.patches).transpose(0, 2, 1).reshape(B * self.patches, m)
        gw, gx = self.quantum.backward(rows, p, cot)
        n = self.num_inputs
        at = (np.arange(B)[:, None] * n + self.index.reshape(1, -1)).reshape(-1)
        # overlapping patches add up on the pixels they share
        dX = np.bincount(at, weights=np.asarray(gx).reshape(-1), minlength=B * n)
        return gw, dX.reshape(B, n)


def conv_layer(layer: Conv, ctx: Any) -> list[Any]:
    """The catalog's ``conv`` layer: a :class:`ConvStage` over the named block."""
    from qlang.train.build import quantum_function
    from qlang.train.errors import fail

    block = ctx.model.block(layer.block)
    if block is None:
        fail("QL0656", f"`conv` uses unknown quantum block `{layer.block}`")
    if block.circuit.num_inputs != layer.kernel**2:
        fail(
            "QL0656",
            f"`conv(kernel = {layer.kernel})` feeds {layer.kernel**2} pixels to block "
            f"`{block.name}`, which takes {block.circuit.num_inputs} inputs",
        )
    qf = quantum_function(block, ctx.training, ctx.seeds, ctx.factory, ctx.model.target)
    return [ConvStage(QuantumStage(block, qf, layer.frozen), layer.side, layer.kernel, layer.stride)]
