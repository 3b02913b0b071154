"""``target { noise, backend, shots }``: the noise model as IR, and whether the run fits.

Each noise call is bound against the catalog (``qlang.catalog.target``) and becomes a
:class:`~qlang.ir.noise.Channel`; gate names in ``gates`` must be gates, qubits in
``qubits`` must exist, and ``from_backend("name")`` must name a fake backend of the
installed ``qiskit_ibm_runtime`` (it needs the ``ibm`` and ``aer`` extras). Then the
execution is checked as a whole, before anything runs: the backend can simulate the
noise (``QL0314``) and the gradient method fits the engine (``QL0303``). The memory a
run needs on its engine is checked with every other model's (``qlang.resources``,
``QL0821``).

Example::

    >>> from qlang.ir.model import Call
    >>> nm = noise_model((Call("depolarizing", (0.01,), (("gates", ("cx",)),)),), 2, None)
    >>> nm.channels[0].text()
    'depolarizing(p = 0.01, gates = [cx])'
"""

from __future__ import annotations

from typing import Any

from qlang.diagnostics import QLangError, did_you_mean
from qlang.ir.gates import ALIASES, GATES
from qlang.ir.model import Call
from qlang.ir.noise import Channel, NoiseModel
from qlang.semantics import codes as C
from qlang.semantics.codes import SemanticError, fail
from qlang.semantics.settings import check_call
from qlang.source import Span

#: where-arguments of every gate channel (the rest are the channel's own parameters)
WHERE = ("gates", "qubits")


def noise_model(calls: tuple[Call, ...], num_qubits: int, span: Span | None) -> NoiseModel:
    """The checked noise model of ``noise = [...]`` (``from_backend`` marks its source)."""
    channels: list[Channel] = []
    source = None
    for call in calls:
        where = call.span or span
        entry, values = check_call("noise", call, where)
        if entry.name == "from_backend":
            if source is not None:
                raise fail(C.MODEL_ENTRY, "`from_backend` is given twice", where)
            source = _backend_name(str(values["name"]), where)
            continue
        gates = tuple(_gate(g, where) for g in values.get("gates", ()))
        qubits = tuple(values.get("qubits", ()))
        for q in qubits:
            if q >= num_qubits:
                raise fail(
                    C.SETTING_RANGE,
                    f"`{entry.name}` acts on qubit {q}, but the model has {num_qubits} qubits",
                    where,
                    f"use qubits 0 to {num_qubits - 1}",
                )
        params = tuple(
            (p.name, values[p.name])
            for p in entry.params
            if p.name not in WHERE and values[p.name] is not None
        )
        channels.append(Channel(entry.name, params, gates, qubits, span=where))
    return NoiseModel(tuple(channels), source=source, span=span)


def _gate(name: Any, span: Span | None) -> str:
    g = ALIASES.get(name, name) if isinstance(name, str) else name
    if g not in GATES:
        raise fail(C.UNKNOWN_SETTING, f"unknown gate `{name}` in `gates`", span,
                   did_you_mean(str(name), GATES))  # fmt: skip
    return str(g)


def _backend_name(name: str, span: Span | None) -> str:
    """Check that ``name`` is a fake IBM backend (the optional extras must be installed)."""
    from qlang.diagnostics import QLangError
    from qlang.sim.noise_qiskit import check_backend_name

    try:
        import qiskit_aer  # noqa: F401
    except ImportError:
        raise fail(
            C.MISSING_EXTRA,
            "`from_backend` needs Qiskit Aer to read the device's noise",
            span,
            'install it: pip install "qlang[aer]"',
        ) from None
    try:
        problem = check_backend_name(name)
    except QLangError:
        raise fail(
            C.MISSING_EXTRA,
            "`from_backend` needs the fake IBM backends of qiskit-ibm-runtime",
            span,
            'install them: pip install "qlang[ibm]"',
        ) from None
    if problem is not None:
        raise fail(C.UNKNOWN_SETTING, f"unknown backend `{name}`", span, problem)
    return name


def engine_for(num_qubits: int, noise: NoiseModel, backend: Call, dtype: str) -> str:
    """The engine a run uses (``backend = auto`` resolved by the memory budget)."""
    from qlang.limits import choose_engine

    return choose_engine(num_qubits, bool(noise) or noise.source is not None, backend.name, dtype)


def check_execution(
    gradient: str,
    train_shots: int | None,
    target: Any,
    num_qubits: int,
    dtype: str,
    spans: dict[str, Span | None],
    gradient_span: Span | None,
) -> list[SemanticError]:
    """Every reason the run could not honour the target's noise, shots and backend."""
    out: list[SemanticError] = []
    noisy = bool(target.noise) or target.noise.source is not None
    backend = target.backend.name
    shots = train_shots if train_shots is not None else target.shots
    from qlang.backends import is_execution_backend

    runtime = check_runtime_mitigation(target, spans.get("mitigation"))
    if runtime:
        return runtime
    if is_execution_backend(backend):
        return _check_execution_backend(gradient, target, spans, gradient_span, shots)
    if backend == "statevector" and noisy:
        out.append(
            fail(
                C.BACKEND_MISMATCH,
                "`backend = statevector` cannot simulate noise",
                spans.get("backend"),
                "use `backend = density_matrix`, `trajectories` or `auto` (the default)",
            )
        )
        return out
    if target.mitigation and not noisy:
        out.append(
            fail(
                C.BACKEND_MISMATCH,
                "`mitigation` needs `noise`: there is nothing to mitigate in an exact run",
                spans.get("mitigation"),
                "add the noise to mitigate, e.g. `noise = [depolarizing(0.01)]`",
            )
        )
        return out
    engine = engine_for(num_qubits, target.noise, target.backend, dtype)
    if gradient == "backprop" and backend == "auto":
        engine = "density_matrix"
    if gradient == "adjoint" and (noisy or target.shots is not None or engine != "statevector"):
        why = (
            "noise"
            if noisy
            else ("`shots` in `target`" if target.shots is not None else f"`backend = {backend}`")
        )
        out.append(
            fail(
                C.GRADIENT_MODE,
                f"`gradient = adjoint` needs exact statevector simulation, but the model has {why}",
                gradient_span,
                "use `gradient = auto` (backprop through the density matrix, parameter shift "
                "with shots), `parameter_shift` or `spsa`",
            )
        )
    if gradient == "backprop" and (shots is not None or engine in ("trajectories",)):
        why = f"`shots = {shots}`" if shots is not None else "trajectories"
        out.append(
            fail(
                C.GRADIENT_MODE,
                f"`gradient = backprop` differentiates exact density matrices, but the run uses {why}",
                gradient_span,
                "use `gradient = parameter_shift` or `spsa`",
            )
        )
    return out


def mitigation_via(target: Any) -> set[str]:
    """Who runs the target's mitigation methods (``via``: ``qlang`` and/or ``runtime``)."""
    from qlang import catalog

    out = set()
    for call in target.mitigation:
        got = catalog.bind("mitigation", call)
        if not isinstance(got, catalog.Problem):
            out.add(str(got[1].get("via", "qlang")))
    return out


def check_runtime_mitigation(target: Any, span: Span | None) -> list[SemanticError]:
    """``via = runtime`` needs ``backend = ibm(...)`` and every method of the list run by
    the Runtime (QL0709)."""
    via = mitigation_via(target)
    if "runtime" not in via:
        return []
    name = target.backend.name
    if name != "ibm":
        why = (
            "Qiskit Runtime's local testing mode ignores the resilience options (it only "
            "warns that they have no effect)"
            if name == "fake"
            else f"`{name}` has no IBM Runtime EstimatorV2"
        )
        return [
            fail(
                "QL0709",
                f"`via = runtime` needs `backend = ibm(...)`: {why}",
                span,
                "drop `via = runtime` to mitigate with qlang's own circuits (`via = qlang`, "
                "the default), or run on `ibm(\"...\")`",
            )
        ]
    if "qlang" in via:
        return [
            fail(
                "QL0709",
                "`mitigation` mixes `via = runtime` and `via = qlang`: the Runtime's methods "
                "run in an EstimatorV2 job, qlang's in a SamplerV2 job, and a batch is one job",
                span,
                "give every method of the list the same `via`",
            )
        ]
    return []


def _check_execution_backend(
    gradient: str,
    target: Any,
    spans: dict[str, Span | None],
    gradient_span: Span | None,
    shots: int | None = None,
) -> list[SemanticError]:
    """``backend = aer(...) | fake(...) | ibm(...) | tket(...)``: what runs there (QL0707)."""
    out: list[SemanticError] = []
    name = target.backend.name
    hand_written = bool(target.noise) and target.noise.source is None
    method = str(dict(target.backend.kwargs).get("method", "automatic"))
    if (bool(target.noise) or target.noise.source is not None) and not (
        name == "aer" and hand_written
    ):
        why = (
            "`from_backend` noise belongs to its device: run on `fake(\"...\")`"
            if target.noise.source is not None
            else f"`{name}` runs its own noise" if name in ("fake", "ibm")
            else "pytket converts the circuit to Qiskit with its own gate names, so channels "
            "keyed by the model's gates would not follow them exactly"
        )
        out.append(
            fail(
                "QL0707",
                f"`noise` is not applied on the execution backend `{name}`: {why}",
                spans.get("noise"),
                "use `backend = aer(...)` or the embedded `density_matrix` engine for "
                "hand-written noise, `fake(\"...\")` for a device's noise",
            )
        )
    elif name == "aer" and hand_written and shots is None:
        if target.noise.readout_channels:
            out.append(
                fail(
                    "QL0707",
                    "`readout_error` acts on measured bits, but `aer()` without `shots` "
                    "computes exact expectations (Aer's EstimatorV2 reads no bits)",
                    spans.get("noise"),
                    "set `shots` to sample with the readout errors",
                )
            )
        elif method not in ("automatic", "density_matrix"):
            out.append(
                fail(
                    "QL0707",
                    f"exact noisy expectations need Aer's density matrix, but `method = "
                    f"{method}` would not give them",
                    spans.get("backend"),
                    'use `aer(method = "density_matrix")` (or `automatic`), or set `shots`',
                )
            )
    if target.mitigation:
        noisy_device = name == "ibm" or (
            name == "fake" and dict(target.backend.kwargs).get("noise", True) is not False
        )
        if name == "aer" and hand_written:
            if shots is None:
                out.append(
                    fail(
                        "QL0707",
                        "qlang's mitigation on a backend runs its folded / twirled copies and "
                        "readout calibration as sampled circuits, but `aer()` has no `shots`",
                        spans.get("mitigation"),
                        "set `shots`",
                    )
                )
        elif not noisy_device:
            why = (
                "its runs have no noise to mitigate (hand-written noise is not run on "
                "pytket backends)" if name == "tket"
                else "there is nothing to mitigate: the run has no noise"
            )  # fmt: skip
            out.append(
                fail(
                    "QL0707",
                    f"`mitigation` cannot run on `{name}`: {why}",
                    spans.get("mitigation"),
                    "mitigate on `fake(\"...\")`, `ibm(\"...\")` or `aer()` with "
                    "hand-written `noise` and `shots`, or on the embedded noisy engines",
                )
            )
    if gradient in ("adjoint", "backprop"):
        out.append(
            fail(
                "QL0707",
                f"`gradient = {gradient}` needs the simulator's state, but `{name}` only "
                "returns measured values",
                gradient_span,
                "use `gradient = auto` (parameter shift), `parameter_shift`, `spsa` or "
                "`finite_diff`",
            )
        )
    if name == "tket":
        from qlang import catalog
        from qlang.backends.tket import check_name

        got_t = catalog.bind("backend", target.backend)
        bad = None if isinstance(got_t, catalog.Problem) else check_name(got_t[1]["name"])
        if bad is not None:
            out.append(fail(bad[0], bad[1], spans.get("backend"), bad[2]))
        elif not isinstance(got_t, catalog.Problem) and shots is not None:
            from qlang.backends.tket import EXACT

            if got_t[1]["name"] in EXACT:
                out.append(
                    fail("QL0707", f"`{got_t[1]['name']}` computes exact expectations: "
                         f"`shots = {shots}` would not be used", spans.get("shots"),
                         'drop `shots`, or sample on `tket("AerBackend")`')  # fmt: skip
                )
    if name == "fake":
        from qlang import catalog

        got = catalog.bind("backend", target.backend)
        if not isinstance(got, catalog.Problem):
            try:
                from qlang.backends.fake import check_fake

                problem = check_fake(str(got[1]["name"]))
            except QLangError as err:
                out.append(
                    fail("QL0607", err.diagnostics[0].message, spans.get("backend"),
                         err.diagnostics[0].help)  # fmt: skip
                )
                return out
            if problem is not None:
                out.append(
                    fail("QL0701", f"unknown fake device `{got[1]['name']}`",
                         spans.get("backend"), problem)  # fmt: skip
                )
    return out
