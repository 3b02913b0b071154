"""Noise models to and from Qiskit Aer, and calibrated device noise (``from_backend``).

:func:`to_aer` writes a qlang noise model as an Aer ``NoiseModel`` for one circuit
(every distinct gate instance gets the composition of its channels, in order; readout
errors become ``ReadoutError``): the correctness tests run Aer's density-matrix method
with it. :func:`from_aer` reads an Aer ``NoiseModel`` (one built by hand, or
``NoiseModel.from_backend`` of a device) back into qlang channels, ``kraus`` channels
on exact operand tuples. :func:`device_noise` does that for a fake backend of
``qiskit_ibm_runtime.fake_provider`` by name, with its coupling map.

Both need the optional extras: ``pip install "qlang[aer]"`` (Qiskit Aer) and
``pip install "qlang[ibm]"`` (the fake IBM backends).

Example::

    >>> x = np.array([[0, 1], [1, 0]])
    >>> bool(np.array_equal(little_endian(np.kron(np.eye(2), x), 2), np.kron(x, np.eye(2))))
    True
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from qlang.diagnostics import Diagnostic, QLangError
from qlang.ir.circuit import Circuit
from qlang.ir.noise import Channel, NoiseModel
from qlang.sim.blocks import embed
from qlang.sim.noise import kraus_from_superop, lower, superop

AER_HINT = 'install Qiskit Aer: pip install "qlang[aer]"'
IBM_HINT = 'install the fake IBM backends: pip install "qlang[ibm]"'


def missing(package: str, hint: str, code: str = "QL0607") -> QLangError:
    return QLangError(
        [Diagnostic.error(code, f"this needs the optional package `{package}`", help=hint)]
    )


def little_endian(m: np.ndarray, k: int) -> np.ndarray:
    """A ``2**k`` matrix with the first qubit most significant (qlang) -> least (Qiskit)."""
    if k == 1:
        return m
    t = np.asarray(m).reshape((2,) * (2 * k))
    rev = list(range(k - 1, -1, -1))
    return t.transpose(rev + [k + a for a in rev]).reshape(2**k, 2**k)


def _aer() -> Any:
    try:
        import qiskit_aer.noise as aer_noise
    except ImportError:
        raise missing("qiskit-aer", AER_HINT) from None
    return aer_noise


def to_aer(noise: NoiseModel, circuit: Circuit) -> Any:
    """An Aer ``NoiseModel`` that applies ``noise`` to ``circuit`` (as exported by
    :func:`qlang.targets.qiskit.to_qiskit`) exactly."""
    from qiskit.quantum_info import Kraus

    from qlang.targets.qiskit import to_qiskit

    aer_noise = _aer()
    model = aer_noise.NoiseModel()
    qc = to_qiskit(circuit)
    program = lower(circuit, noise)
    done: set[tuple[str, tuple[int, ...]]] = set()
    steps = list(program.steps)
    names = {i: qc.data[i].operation.name for i in range(len(qc.data))}
    for i, step in enumerate(steps):
        if step.op is None:
            continue
        qs = tuple(step.op.qubits)
        key = (names[step.index], qs)
        after = []
        for nxt in steps[i + 1 :]:
            if nxt.op is not None:
                break
            after.append(nxt)
        if key in done or not after:
            continue
        done.add(key)
        k = len(qs)
        total = np.eye(4**k, dtype=complex)
        for ch in after:
            pos = tuple(qs.index(q) for q in ch.qubits)
            pos = pos + tuple(k + p for p in pos)
            total = embed(superop(ch.kraus), pos, 2 * k) @ total
        ks = [little_endian(m, k) for m in kraus_from_superop(total)]
        model.add_quantum_error(aer_noise.QuantumError(Kraus(ks)), key[0], list(qs))
    for q, a in program.assignment.items():
        model.add_readout_error(aer_noise.ReadoutError(a.T.tolist()), [q])
    return model


def from_aer(
    model: Any, qubits: Sequence[int] | None = None, num_qubits: int | None = None
) -> tuple[Channel, ...]:
    """The channels of an Aer ``NoiseModel``: each (instruction, qubits) error as a
    ``kraus`` channel, each readout error as ``readout_error``. ``qubits`` renames the
    device qubits ``qubits[i] -> i`` (others are dropped).

    As in Aer, a local error (on given qubits) replaces the all-qubit error of the same
    instruction (or readout) on those qubits; when a model has both, the all-qubit error
    is spelled out on the other qubits of a ``num_qubits``-qubit register (needed then,
    unless ``qubits`` gives the register).
    """
    from itertools import permutations

    from qiskit.quantum_info import Kraus, SuperOp

    index = {q: i for i, q in enumerate(qubits)} if qubits is not None else None
    width = len(qubits) if qubits is not None else num_qubits

    def kraus_of(err: Any, k: int) -> tuple[tuple[complex, ...], ...]:
        ks = [little_endian(m, k) for m in Kraus(SuperOp(SuperOp(err).data)).data]
        return tuple(tuple(complex(v) for v in m.ravel()) for m in ks)

    def register(what: str) -> int:
        if width is None:
            raise ValueError(
                f"the Aer noise model has both all-qubit and local {what} errors: "
                "pass num_qubits (the register the all-qubit errors cover)"
            )
        return width

    out: list[Channel] = []
    local_ops: dict[str, set[tuple[int, ...]]] = {}
    for name, by_qubits in sorted(model._local_quantum_errors.items()):  # noqa: SLF001
        for qs, err in sorted(by_qubits.items()):
            if index is not None and not all(q in index for q in qs):
                continue
            local = tuple(index[q] for q in qs) if index is not None else tuple(qs)
            local_ops.setdefault(name, set()).add(local)
            out.append(Channel("kraus", (), gates=(name,), qubits=local, matrices=kraus_of(err, len(qs))))
    for name, err in sorted(model._default_quantum_errors.items()):  # noqa: SLF001
        mats = kraus_of(err, err.num_qubits)
        taken = local_ops.get(name, set())
        if not taken:
            out.append(Channel("kraus", (), gates=(name,), matrices=mats))
            continue
        n = register(f"`{name}`")
        for qs in permutations(range(n), err.num_qubits):
            if qs not in taken:
                out.append(Channel("kraus", (), gates=(name,), qubits=qs, matrices=mats))
    local_read: list[Channel] = []
    for qs, err in sorted(model._local_readout_errors.items()):  # noqa: SLF001
        if len(qs) != 1 or (index is not None and qs[0] not in index):
            continue
        probs = np.asarray(err.probabilities)
        q = index[qs[0]] if index is not None else qs[0]
        params = (("p", float(probs[0, 1])), ("p1", float(probs[1, 0])))
        local_read.append(Channel("readout_error", params, qubits=(q,)))
    default = model._default_readout_error  # noqa: SLF001
    if default is not None:
        probs = np.asarray(default.probabilities)
        params = (("p", float(probs[0, 1])), ("p1", float(probs[1, 0])))
        if not local_read:
            out.append(Channel("readout_error", params))
        else:
            taken_q = {c.qubits[0] for c in local_read}
            rest = tuple(q for q in range(register("readout")) if q not in taken_q)
            if rest:
                out.append(Channel("readout_error", params, qubits=rest))
    out.extend(local_read)
    return tuple(out)


# --- fake IBM backends ------------------------------------------------------------------------
@cache
def fake_backends() -> dict[str, str]:
    """``snake_case name -> class name`` of every fake backend of the installed
    ``qiskit_ibm_runtime.fake_provider``."""
    try:
        import qiskit_ibm_runtime.fake_provider as fp
    except ImportError:
        raise missing("qiskit-ibm-runtime", IBM_HINT) from None
    out = {}
    for cls in dir(fp):
        if cls.startswith("Fake") and cls not in ("FakeProviderForBackendV2", "FakeProvider"):
            obj = getattr(fp, cls)
            name = getattr(obj, "backend_name", None)
            if isinstance(name, str) and name.startswith("fake_"):
                out[name] = cls
    return out


def check_backend_name(name: str) -> str | None:
    """``None`` if ``name`` is a fake backend, else a message with the closest names."""
    names = fake_backends()
    if name in names:
        return None
    close = difflib.get_close_matches(name, list(names), n=3)
    return (
        f"did you mean {', '.join(f'`{c}`' for c in close)}?"
        if close
        else f"{len(names)} fake backends, e.g. {', '.join(sorted(names)[:4])}"
    )


@cache
def fake_backend(name: str) -> Any:
    import qiskit_ibm_runtime.fake_provider as fp

    return getattr(fp, fake_backends()[name])()


def coupling_map(name: str) -> tuple[tuple[int, int], ...]:
    """The directed coupling pairs of a fake backend."""
    cm = fake_backend(name).coupling_map
    return tuple(sorted((int(a), int(b)) for a, b in cm.get_edges()))


@cache
def aer_model_of(name: str) -> Any:
    aer_noise = _aer()
    return aer_noise.NoiseModel.from_backend(fake_backend(name))


def device_noise(name: str, physical: Sequence[int]) -> NoiseModel:
    """The calibrated noise of backend ``name`` on the physical qubits ``physical``
    (logical qubit ``i`` is ``physical[i]``), with the device's coupling map."""
    channels = from_aer(aer_model_of(name), physical)
    return NoiseModel(channels, source=name, coupling=coupling_map(name), layout=tuple(physical))
