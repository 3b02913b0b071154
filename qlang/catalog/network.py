"""Readouts, readout post-processing, layers, activations, weight initialisers and
recurrent cells: pure data.

Example::

    >>> [e.name for e in ENTRIES if e.kind == "activation"]
    ['linear', 'tanh', 'relu', 'sigmoid', 'softmax']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from qlang.catalog.schema import (
    BOOL,
    CALL,
    FLOAT,
    INT,
    NAMES,
    OPAQUE,
    REQUIRED,
    STR,
    Entry,
    Param,
    Range,
)
from qlang.limits import MAX_FEATURES, MAX_SHOTS

READOUT = "qlang.sim.readout:ReadoutPlan"

READOUTS: tuple[Entry, ...] = (
    Entry(
        "readout",
        "expval",
        "expectation values, one output per observable",
        (
            Param(
                "observable",
                OPAQUE,
                None,
                "a Pauli sum, a named Hamiltonian or a list of them (default: `observable`)",
            ),
        ),
        impl=READOUT,
    ),
    Entry(
        "readout",
        "probs",
        "probabilities of the 2**k bit strings of the qubits (qubit m = bit m)",
        (Param("qubits", OPAQUE, None, "the qubits read (default: all)"),),
        impl=READOUT,
    ),
    Entry(
        "readout",
        "parity",
        "`<Z...Z>` over the qubits (one output)",
        (Param("qubits", OPAQUE, None, "the qubits read (default: all)"),),
        impl=READOUT,
    ),
    Entry(
        "readout",
        "samples",
        "mean of each qubit's measured bit over `shots` samples",
        (Param("shots", INT, 1024, "samples per evaluation", Range(1, MAX_SHOTS), example=64),),
        impl=READOUT,
    ),
)

_SCALE = Param("scale", FLOAT, 1.0, "multiply the inputs first", Range(), example=3.0)

POST: tuple[Entry, ...] = (
    Entry(
        "post", "softmax", "softmax over the outputs", (_SCALE,), impl="qlang.train.build:map_post"
    ),
    Entry("post", "sigmoid", "logistic function", (_SCALE,), impl="qlang.train.build:map_post"),
    Entry("post", "tanh", "hyperbolic tangent", (_SCALE,), impl="qlang.train.build:map_post"),
    Entry(
        "post",
        "scale",
        "multiply by a constant",
        (Param("factor", FLOAT, 1.0, "the constant", Range(), example=2.0),),
        impl="qlang.train.build:scale_post",
    ),
    Entry(
        "post",
        "linear",
        "a trainable affine map to `out` outputs",
        (
            Param(
                "out",
                INT,
                None,
                "outputs (default: as many as inputs)",
                Range(1, MAX_FEATURES),
                example=3,
            ),
        ),
        impl="qlang.train.build:linear_post",
    ),
)

LAYERS: tuple[Entry, ...] = (
    Entry(
        "layer",
        "dense",
        "a classical layer act(W x + b), written `dense(in -> out, act)`",
        (
            Param("shape", OPAQUE, REQUIRED, "`in -> out` widths"),
            Param(
                "activation", CALL, "linear", "the activation", kind="activation", example="tanh"
            ),
            Param(
                "frozen", BOOL, False, "keep the initial weights", example=True, positional=False
            ),
        ),
        impl="qlang.train.build:dense_layer",
    ),
    Entry(
        "layer",
        "quantum",
        "a quantum block with its readout: `quantum` (the model's own) or `quantum(name)`",
        (
            Param("block", STR, "main", "the block's name", example="a"),
            Param(
                "frozen",
                BOOL,
                False,
                "keep the block's initial weights",
                example=True,
                positional=False,
            ),
        ),
        impl="qlang.train.build:quantum_layer",
    ),
)

ACTIVATIONS: tuple[Entry, ...] = tuple(
    Entry("activation", name, doc, impl=f"qlang.train.layers:{name.upper()}")
    for name, doc in (
        ("linear", "identity"),
        ("tanh", "hyperbolic tangent"),
        ("relu", "max(z, 0)"),
        ("sigmoid", "logistic function"),
        ("softmax", "softmax over the layer's outputs"),
    )
)


def _ordered(v: Mapping[str, Any], given: frozenset[str]) -> str | None:
    return (
        None
        if v["low"] <= v["high"]
        else f"`uniform` needs low <= high, got ({v['low']}, {v['high']})"
    )


INITS: tuple[Entry, ...] = (
    Entry(
        "init",
        "uniform",
        "uniform in [low, high] (the default initialiser is uniform(0, 2 pi))",
        (
            Param("low", FLOAT, 0.0, "lower end", Range(), example=-1.0),
            Param("high", FLOAT, 2 * math.pi, "upper end", Range(), example=1.0),
        ),
        impl="qlang.train.layers:init_uniform",
        rules=(_ordered,),
    ),
    Entry(
        "init",
        "normal",
        "Gaussian with mean and standard deviation",
        (
            Param("mean", FLOAT, 0.0, "mean", Range(), example=1.0),
            Param("std", FLOAT, 1.0, "standard deviation", Range(0, None), example=0.1),
        ),
        impl="qlang.train.layers:init_normal",
    ),
    Entry("init", "zeros", "all zeros", impl="qlang.train.layers:init_zeros"),
    Entry(
        "init",
        "constant",
        "every element the same value",
        (Param("value", FLOAT, 0.0, "the value", Range(), example=0.5),),
        impl="qlang.train.layers:init_constant",
    ),
)

CELLS: tuple[Entry, ...] = (
    Entry(
        "cell",
        "lstm",
        "QLSTM-style cell: the gate block computes the four LSTM gates through a trainable "
        "linear map at every step (one circuit shared by the gates)",
        (Param("hidden", INT, 2, "hidden state size", Range(1, 64), example=3),),
        impl="qlang.train.recurrent:lstm_stages",
    ),
)

RECURRENT_KEYS: tuple[Entry, ...] = (
    Entry(
        "recurrent",
        "cell",
        "the recurrent cell",
        (Param("value", CALL, REQUIRED, "a recurrent cell", kind="cell"),),
        value_key=True,
    ),
    Entry(
        "recurrent",
        "gates",
        "the quantum block evaluated at every step (one block; default: the model's own)",
        (Param("value", NAMES, None, "a list with one block name", example=("cell",)),),
        value_key=True,
    ),
    Entry(
        "recurrent",
        "window",
        "time steps per sample (default: the data width / the features per step)",
        (Param("value", INT, None, "steps", Range(1, MAX_FEATURES), example=4),),
        value_key=True,
    ),
)

ENTRIES: tuple[Entry, ...] = READOUTS + POST + LAYERS + ACTIVATIONS + INITS + CELLS + RECURRENT_KEYS

__all__ = ["ENTRIES"]
