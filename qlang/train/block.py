"""One quantum block of a model as a differentiable numpy function with named weights.

The common core of :mod:`qlang.torch` and :mod:`qlang.jax`: the block's circuit and
readout (with its parameter-free post-processing) evaluated by the batched simulator,
``forward(x, w)`` and ``vjp(x, w, cotangent) -> (outputs, d w, d x)`` through the
adjoint method (or the model's ``train { gradient }``), and the block's weights named
exactly as in the artifacts (``weights.json``): ``ansatz_theta[1,2]`` is
``ansatz_theta_1_2``, a named block's weights carry its prefix (``a_ansatz_theta_0``).

Example::

    >>> from qlang.driver import load_model
    >>> m = load_model('''
    ... import encodings.angle
    ... import ansatze.real_amplitudes
    ... model m {
    ...   data = moons()
    ...   encoding = angle(x)
    ...   ansatz = real_amplitudes(reps = 1)
    ...   readout = expval([Z0, Z1])
    ...   task = regress()
    ... }''')
    >>> f = BlockFunction.of(m)
    >>> f.num_inputs, f.num_outputs, f.names[:2]
    (2, 2, ('ansatz_theta_0_0', 'ansatz_theta_0_1'))
    >>> import numpy as np
    >>> w = f.init()
    >>> y, gw, gx = f.vjp(np.zeros((3, 2)), w, np.ones((3, 2)))
    >>> y.shape, gw.shape, gx.shape
    ((3, 2), (4,), (3, 2))
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from qlang.ir.circuit import ParamDecl
from qlang.ir.model import Model, QuantumBlock
from qlang.train.errors import fail
from qlang.train.network import Network

#: simulation precision per floating-point width of the caller's tensors
PRECISION = {64: "complex128", 32: "complex64"}


def load_source(source: Any) -> Model:
    """A model IR from a loaded :class:`Model` or a path to a ``.qml`` file."""
    if isinstance(source, Model):
        return source
    from qlang.driver import load_model

    return load_model(str(source))


def find_block(model: Model, name: str) -> QuantumBlock:
    """The block ``name`` (``main`` is the model's own circuit, else its first block)."""
    block = model.block(name)
    if block is None and name == "main" and model.blocks:
        block = model.blocks[0]
    if block is None:
        fail(
            "QL0656",
            f"model `{model.name}` has no quantum block `{name}`",
            help=f"blocks: {', '.join(b.name for b in model.blocks)}",
        )
    return block


@dataclass(frozen=True, eq=False)
class BlockFunction:
    """``outputs (B, num_outputs) = f(inputs (B, num_inputs), weights (num_weights,))``."""

    model: Model
    block: QuantumBlock
    net: Network
    precision: str
    names: tuple[str, ...]

    @staticmethod
    def of(
        source: Any, block: str = "main", precision: str = "complex128", factory: Any = None
    ) -> BlockFunction:
        """The block ``block`` of ``source`` (a model or a ``.qml`` path); ``precision``
        is the statevector dtype (``complex128`` or ``complex64``). The model's
        ``train { gradient, shots, seed }`` settings apply."""
        from qlang.targets.names import parameter_identifiers
        from qlang.train.build import block_stages
        from qlang.train.seeding import Seeds

        model = load_source(source)
        qb = find_block(model, block)
        training = replace(model.training, dtype=precision)
        stages = block_stages(qb, training, Seeds(training.seed), factory, target=model.target)
        for s in stages[1:]:
            if s.num_params:
                fail(
                    "QL0669",
                    f"the readout of block `{qb.name}` ends in a trainable `linear` map, which "
                    "a framework layer cannot carry",
                    qb.readout.span,
                    help="drop `|> linear(...)` from the readout and add a torch.nn.Linear "
                    "(or a JAX dense layer) after the quantum layer",
                )
        names = tuple(parameter_identifiers(qb.circuit)[qb.circuit.num_inputs :])
        return BlockFunction(model, qb, Network(tuple(stages)), precision, names)

    # --- shapes -------------------------------------------------------------------------
    @property
    def num_inputs(self) -> int:
        return self.block.circuit.num_inputs

    @property
    def num_outputs(self) -> int:
        return self.net.num_outputs

    @property
    def num_weights(self) -> int:
        return self.block.circuit.num_weights

    @property
    def decls(self) -> tuple[ParamDecl, ...]:
        return self.block.circuit.weights

    def decl_names(self, decl: ParamDecl) -> tuple[str, ...]:
        """The artifact names of one weight declaration's entries (row-major)."""
        return self.names[decl.offset : decl.offset + decl.size]

    def trainable(self) -> np.ndarray:
        return self.net.trainable()

    # --- values -------------------------------------------------------------------------
    def init(self, seed: int | None = None) -> np.ndarray:
        """Initial weights from the block's initialisers and stream ``init`` of ``seed``
        (default: the model's ``train { seed }``): for a model that is this block alone,
        the same initial weights as ``qlang train``."""
        from qlang.train.seeding import Seeds

        s = self.model.training.seed if seed is None else int(seed)
        return self.net.stages[0].init(Seeds(s).rng("init"))

    def inputs(self, x: np.ndarray | None) -> np.ndarray:
        """``x`` as a ``(B, num_inputs)`` float array (``None``: one empty row)."""
        if x is None:
            x = np.zeros((1, self.num_inputs))
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[1] != self.num_inputs:
            fail(
                "QL0656",
                f"block `{self.block.name}` takes inputs of shape (batch, {self.num_inputs}), "
                f"got {tuple(x.shape)}",
            )
        return x

    def weights(self, w: np.ndarray) -> np.ndarray:
        w = np.asarray(w, dtype=float).reshape(-1)
        if w.shape[0] != self.num_weights:
            fail(
                "QL0659",
                f"block `{self.block.name}` has {self.num_weights} weights, got {w.shape[0]}",
            )
        return w

    def forward(self, x: np.ndarray | None, w: np.ndarray) -> np.ndarray:
        return self.net.forward(self.inputs(x), self.weights(w))

    def vjp(
        self, x: np.ndarray | None, w: np.ndarray, cotangent: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(outputs, cot . d out / d w, cot . d out / d x)``."""
        return self.net.vjp(self.inputs(x), self.weights(w), cotangent)

    # --- weights.json -------------------------------------------------------------------
    def read_weights(self, path: str | Path) -> np.ndarray:
        """This block's weights from a ``weights.json`` (or the folder holding one) written
        by ``qlang train --out`` or :meth:`weights_document`, matched by name."""
        data = _read_json(path)
        table = dict(zip(data.get("names", []), data.get("params", []), strict=False))
        missing = [n for n in self.names if n not in table]
        if missing:
            fail(
                "QL0659",
                f"`{path}` has no weights for {len(missing)} of the {len(self.names)} "
                f"parameters of block `{self.block.name}` (first: `{missing[0]}`)",
                help="load weights written for this model and block",
            )
        return np.array([float(table[n]) for n in self.names])

    def weights_document(self, w: np.ndarray, base: str | Path | None = None) -> dict[str, Any]:
        """A ``weights.json`` document holding ``w`` under the block's names: the file at
        ``base`` with these entries replaced, or a new one for the model (loadable by
        ``qlang predict`` when the model is this block alone)."""
        from qlang.train.artifacts import FORMAT

        w = self.weights(w)
        if base is not None:
            doc = _read_json(base)
        else:
            doc = {
                "format": FORMAT,
                "task": self.model.task.name,
                "seed": self.model.training.seed,
                "params": [],
                "names": [],
                "preprocess": [],
                "extra": {},
            }
        names, params = list(doc["names"]), [float(v) for v in doc["params"]]
        where = {n: i for i, n in enumerate(names)}
        for n, v in zip(self.names, w, strict=True):
            if n in where:
                params[where[n]] = float(v)
            else:
                names.append(n)
                params.append(float(v))
        return {**doc, "names": names, "params": params}


def _read_json(path: str | Path) -> dict[str, Any]:
    from qlang.train.artifacts import FORMAT

    p = Path(path)
    if p.is_dir():
        p = p / "weights.json"
    if not p.is_file():
        fail("QL0658", f"no weights file `{p}`", help="pass the folder `qlang train --out` wrote")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        fail("QL0658", f"`{p}` is not valid JSON: {exc}")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        fail("QL0658", f"`{p}` is not a qlang weights file")
    return data


def write_json(path: str | Path, doc: dict[str, Any]) -> Path:
    """Write a weights document atomically (temporary file, then rename)."""
    import os
    import tempfile

    p = Path(path)
    if p.is_dir():
        p = p / "weights.json"
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
            fh.write("\n")
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
