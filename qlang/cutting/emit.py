"""``qlang compile`` of a cut model: every subexperiment as a program, and a manifest.

A model with ``target { cutting = auto(...) }`` runs as pieces, so compiling it emits the
pieces: every subexperiment the add-on generated (piece x term x measurement group, with
its mid-circuit measurements and resets, over the model's own inputs and weights),
compiled like any circuit (optimised, routed for the device, in the basis) to the chosen
target, and a JSON manifest that says how to turn the subexperiments' measured bits into
the model's outputs (:func:`reconstruct` is that recipe as code). The manifest holds
the pieces (model qubits, widths), for every subexperiment its file, piece, term, group,
classical bits and qubit layout, the terms' coefficients, the subobservables, and the
map from the reconstructed Pauli expectation values to the model's outputs.

The reconstruction (the add-on's, written out): one shot of subexperiment ``(p, i, g)``
gives for subobservable ``k`` of group ``g`` the value ``(-1)^(parity of its qpd bits) *
(-1)^(parity of its observable bits selected by bitmask k)``; its mean is ``r[p][i][g][k]``.
Pauli ``j`` on piece ``p`` in term ``i`` is the mean of ``r[p][i][g][k]`` over the
``(g, k)`` of ``lookup[j]``; Pauli ``j`` is ``sum_i c_i prod_p`` of those; the outputs are
``paulis @ matrix + constant``.

Example::

    >>> import numpy as np
    >>> counts = {"a": {"01": 3, "00": 1}}        # clbit 0 rightmost
    >>> float(parity_mean(counts["a"], (0,), ()))  # <(-1)^c0>: (1 - 3) / 4
    -0.5
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from qlang.cutting.plan import CutSettings, cached_plan
from qlang.ir.model import Model, QuantumBlock

#: the manifest's format (a reader checks it)
FORMAT = 1
#: file extension of each ``qlang compile --target``
EXTENSIONS = {"qasm3": ".qasm", "qiskit": ".qpy", "tket": ".json", "ir": ".ir.json"}


@dataclass(frozen=True)
class Pieces:
    """The compiled subexperiments (``(file name, Compiled)`` in manifest order) and the
    manifest (plain JSON data)."""

    files: tuple[tuple[str, Any], ...]
    manifest: dict[str, Any]
    notes: tuple[str, ...] = ()

    def manifest_json(self) -> str:
        return json.dumps(self.manifest, indent=1) + "\n"


def cut_block(model: Model) -> tuple[QuantumBlock, CutSettings] | None:
    """The model's main block and its cutting settings when it runs cut, else ``None``."""
    if model.target.cutting is None:
        return None
    from qlang.cutting.plan import settings_of

    settings = settings_of(model.target.cutting)
    if model.main.circuit.num_qubits <= settings.max_qubits:
        return None
    return model.main, settings


def compile_pieces(
    model: Model,
    target: str = "qasm3",
    device: Any = None,
    optimization_level: int | None = None,
    *,
    basis: Any = None,
    passes: str | None = None,
    seed: int = 0,
    print_ir_after: tuple[str, ...] = (),
    time_passes: bool = False,
    verify: bool = True,
) -> Pieces:
    """Every subexperiment of ``model``'s cut block compiled by :func:`qlang.compile`
    (``device``, ``basis``, ``optimization_level`` default to the model's target, as for an
    uncut model; ``device="none"`` does not route), and the manifest."""
    from qlang.compiler import compile as qcompile
    from qlang.cutting.convert import leaves, to_measured_ir
    from qlang.cutting.function import readout_matrix
    from qlang.devices import device_spec

    found = cut_block(model)
    if found is None:
        raise ValueError("the model runs uncut")
    block, settings = found
    plan = cached_plan(block, settings)
    t = model.target
    notes: list[str] = []
    if device is None and t.device is not None:
        device = device_spec(t.device)
        notes.append(f"routing every piece for `{device}` (from the model's target block)")
    if basis is None and t.basis:
        basis = tuple(t.basis) if not isinstance(t.basis, str) else t.basis
    if optimization_level is None:
        optimization_level = t.optimization_level
    circuit = block.circuit
    symbols = leaves(list(plan.parameter_names), circuit.num_inputs)
    ext = EXTENSIONS[target]
    files: list[tuple[str, Any]] = []
    pieces = []
    for piece in plan.pieces:
        label = piece.label
        exps = plan.experiments[label]
        groups = plan.groups[label]
        subexperiments = []
        for idx, exp in enumerate(exps):
            term, group = divmod(idx, groups)
            name = f"{model.name}_p{label}_t{term}_g{group}"
            ir = to_measured_ir(exp, symbols, circuit.inputs, circuit.weights, name=name)
            compiled = qcompile(
                ir, target=target, device=device if device is not None else "none",
                optimization_level=optimization_level, basis=basis if basis is not None else "none",
                passes=passes, seed=seed, print_ir_after=print_ir_after,
                time_passes=time_passes, verify=verify,
            )  # fmt: skip
            compiled = _named(compiled, model)
            file = f"p{label}_t{term:02d}_g{group}{ext}"
            files.append((file, compiled))
            regs = {r.name: [exp.find_bit(b).index for b in r] for r in exp.cregs}
            lay = compiled.layout
            subexperiments.append(
                {
                    "file": file,
                    "term": term,
                    "group": group,
                    "qubits": compiled.stats.qubits,
                    "clbits": exp.num_clbits,
                    "qpd_bits": regs.get("qpd_measurements", []),
                    "observable_bits": regs.get("observable_measurements", []),
                    "bitmasks": list(plan.bitmasks[label][group]),
                    "layout": None if lay is None else {
                        "initial": list(lay.initial), "final": list(lay.final)
                    },
                    "depth": compiled.stats.depth,
                    "two_qubit_gates": compiled.stats.two_qubit_gates,
                }
            )  # fmt: skip
        pieces.append(
            {
                "label": int(label) if isinstance(label, int | np.integer) else str(label),
                "model_qubits": list(piece.qubits),
                "width": piece.width,
                "groups": groups,
                "subobservables": list(plan.subobservables[label]),
                "lookup": [[list(gk) for gk in where] for where in plan.lookup[label]],
                "subexperiments": subexperiments,
            }
        )
    M, const = readout_matrix(block, plan.paulis)
    from qlang.train.execution import call_text

    manifest = {
        "kind": "qlang-cut-pieces",
        "format": FORMAT,
        "model": model.name,
        "source_hash": model.source_hash,
        "target": target,
        "device": device if isinstance(device, str) else getattr(device, "name", None),
        "cutting": {"setting": call_text(t.cutting), **plan.summary()},
        "parameters": list(files[0][1].parameters) if files else [],
        "coefficients": list(plan.coefficients),
        "paulis": list(plan.paulis),
        "outputs": {"matrix": M.tolist(), "constant": const.tolist()},
        "pieces": pieces,
        "reconstruction": (
            "bitstrings are c[n-1]...c[0] (clbit 0 rightmost). For subexperiment s of piece p "
            "(term i, group g), r[k] = mean over shots of (-1)^(sum of its qpd_bits) * "
            "(-1)^(sum of the observable_bits selected by bitmasks[k]); Pauli j on piece p in "
            "term i = mean of r over lookup[j] ([group, k] pairs of term i); E[j] = sum_i "
            "coefficients[i] * prod_p (Pauli j on piece p in term i); outputs = E @ "
            "outputs.matrix + outputs.constant (qlang.cutting.emit.reconstruct)"
        ),
    }
    for _, compiled in files:
        notes += [n for n in compiled.notes if n not in notes]
    return Pieces(tuple(files), manifest, tuple(notes))


def _named(compiled: Any, model: Model) -> Any:
    """The piece with the model's source hash (its program header names it)."""
    from dataclasses import replace

    return replace(compiled, source_hash=model.source_hash or "")


def parity_mean(counts: Mapping[Any, float], qpd_bits: Any, selected: Any) -> float:
    """Mean of ``(-1)^(qpd bits) * (-1)^(selected bits)`` over ``counts`` (bitstring
    ``c[n-1]...c[0]`` or integer keys: counts or probabilities)."""
    total = 0.0
    weight = 0.0
    bits = tuple(qpd_bits) + tuple(selected)
    for key, n in counts.items():
        value = int(key.replace(" ", ""), 2) if isinstance(key, str) else int(key)
        parity = sum((value >> b) & 1 for b in bits) & 1
        total += float(n) * (1 - 2 * parity)
        weight += float(n)
    return total / weight if weight else 0.0


def reconstruct(manifest: Mapping[str, Any], results: Mapping[str, Mapping[Any, float]]) -> np.ndarray:
    """The model's outputs from every subexperiment's measured counts (or exact outcome
    probabilities), keyed by the manifest's file names: the recipe in the module
    docstring."""
    coefficients = np.asarray(manifest["coefficients"], dtype=float)
    paulis = len(manifest["paulis"])
    prod = np.ones((len(coefficients), paulis))
    for piece in manifest["pieces"]:
        groups = piece["groups"]
        by_index = {(s["term"], s["group"]): s for s in piece["subexperiments"]}
        for i in range(len(coefficients)):
            r = []
            for g in range(groups):
                s = by_index[(i, g)]
                counts = results[s["file"]]
                obs = s["observable_bits"]
                r.append([
                    parity_mean(counts, s["qpd_bits"], [obs[b] for b in range(len(obs)) if (mask >> b) & 1])
                    for mask in s["bitmasks"]
                ])  # fmt: skip
            for j, where in enumerate(piece["lookup"]):
                prod[i, j] *= np.mean([r[g][k] for g, k in where])
    E = coefficients @ prod
    M = np.asarray(manifest["outputs"]["matrix"], dtype=float).reshape(paulis, -1)
    return E @ M + np.asarray(manifest["outputs"]["constant"], dtype=float)

