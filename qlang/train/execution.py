"""How a model is executed: engine, gradient, shots, noise, mitigation and seeds.

One summary, written into a run's ``provenance.json`` (and its short form into
``metrics.json``) and shown by ``qlang inspect``, so a result always says which
simulator ran it, under which noise and shots, with which mitigation and which seeds.

Example::

    >>> from qlang.ir.model import QuantumBlock, Readout, Target, Training
    >>> from qlang.ir.circuit import Circuit
    >>> s = execution_summary_for(QuantumBlock("main", Circuit(2, ()), Readout("probs", qubits=(0,))),
    ...                           Training(), Target(), seed=0)
    >>> s["engine"], s["gradient"], s["shots"], s["noise"]
    ('statevector', 'adjoint', None, None)
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from qlang.ir.model import Model, QuantumBlock, Target, Training


def call_text(call: Any) -> str:
    from qlang.catalog.schema import value_text

    return value_text(call)


def execution_summary_for(
    block: QuantumBlock, training: Training, target: Target, seed: int
) -> dict[str, Any]:
    """The execution of one quantum block (see the module docstring)."""
    from qlang.train.build import block_shots, engine_of, gradient_method
    from qlang.train.seeding import Seeds

    shots = block_shots(block, training, target)
    engine = engine_of(block, training, target)
    seeds = Seeds(seed)
    noise = target.noise
    out: dict[str, Any] = {
        "engine": engine,
        "backend": call_text(target.backend),
        "gradient": gradient_method(training, shots, engine),
        "shots": shots,
        "shots_from": (
            "train" if training.shots is not None
            else "target" if target.shots is not None
            else "readout" if block.readout.shots is not None
            else None
        ),  # fmt: skip
        "noise": None,
        "mitigation": [call_text(c) for c in target.mitigation],
        "seeds": {"run": seed, "sampling": seeds.int_seed("sampling")},
    }
    if target.mitigation:
        out["seeds"]["twirling"] = seeds.int_seed("twirling")
    from qlang.backends import is_execution_backend

    if is_execution_backend(engine) and shots is None and not _exact_backend(target.backend):
        from qlang.backends.base import QiskitBackend

        out["shots"] = QiskitBackend.default_shots  # the backend samples: its default
        out["shots_from"] = "backend default"
    if is_execution_backend(engine) and target.mitigation:
        from qlang.backends.resilience import runtime_options

        options = runtime_options(target.mitigation, int(out["shots"] or 4096))
        if options is not None:  # via = runtime: what the Runtime's EstimatorV2 is sent
            out["runtime_options"] = options
    if target.cutting is not None:
        out["cutting"] = cutting_summary(block, target)
    if engine == "fake":  # the device's Target gives durations: the scheduled circuits
        from qlang.backends.timing import backend_schedule

        sched = backend_schedule(block, target.backend)
        if sched is not None:
            out["schedule"] = sched
    if noise or noise.source is not None:
        out["noise"] = {
            "channels": [c.text() for c in noise.channels],
            "from_backend": noise.source,
        }
    return out


def cutting_summary(block: QuantumBlock, target: Target) -> dict[str, Any] | None:
    """``target { cutting }``: the setting and, for a block wider than the pieces, its
    cuts, pieces and sampling overhead (``None`` fields for a block that is not cut)."""
    from qlang.cutting.plan import cached_plan, settings_of

    settings = settings_of(target.cutting)
    from importlib import metadata

    out: dict[str, Any] = {
        "setting": call_text(target.cutting),
        "addon": metadata.version("qiskit-addon-cutting"),
        "cut": False,
    }
    if block.circuit.num_qubits > settings.max_qubits:
        out |= {"cut": True, **cached_plan(block, settings).summary()}
    return out


def _exact_backend(call: Any) -> bool:
    """An execution backend that computes exact expectations without ``shots``."""
    if call.name == "aer":
        return True
    if call.name == "tket":
        from qlang import catalog
        from qlang.backends.tket import EXACT

        got = catalog.bind("backend", call)
        return not isinstance(got, catalog.Problem) and got[1]["name"] in EXACT
    return False


def execution_summary(model: Model, seed: int | None = None) -> dict[str, Any]:
    """The execution of the model's main block (the settings are the model's)."""
    return execution_summary_for(
        model.main, model.training, model.target, model.training.seed if seed is None else seed
    )


def device_summary(model: Model) -> dict[str, Any] | None:
    """``from_backend``: the device, the physical qubits the compiled block uses, its gate
    count there and the number of device noise channels on those qubits."""
    source = model.target.noise.source
    if source is None:
        return None
    from qlang.sim.noise_device import device_run

    run = device_run(model.main, source, model.target.noise.channels)
    return {
        "device": source,
        "physical_qubits": list(run.physical),
        "compiled_gates": dict(sorted(run.block.circuit.count_ops().items())),
        "channels": len(run.noise.channels),
        "coupling_edges": len(run.noise.coupling),
    }


def with_shots(model: Model, shots: int | None) -> Model:
    """``model`` with every circuit execution sampled with ``shots`` (the per-call
    override of ``--shots``: it replaces ``train { shots }`` and ``target { shots }``).
    The run must still fit its gradient method (``QL0303``), checked here."""
    if shots is None:
        return model
    from qlang.diagnostics import Diagnostic, QLangError
    from qlang.limits import MAX_SHOTS

    if not 1 <= int(shots) <= MAX_SHOTS:
        raise QLangError(
            [Diagnostic.error("QL0310", f"`--shots` must be in [1, {MAX_SHOTS}], got {shots}")]
        )
    if model.training.gradient in ("adjoint", "backprop"):
        raise QLangError(
            [
                Diagnostic.error(
                    "QL0303",
                    f"`gradient = {model.training.gradient}` needs exact expectations, but "
                    f"`--shots {shots}` samples them",
                    model.span,
                    help="use `train { gradient = auto }` (parameter shift with shots) or drop "
                    "`--shots`",
                )
            ]
        )
    return replace(
        model,
        training=replace(model.training, shots=None),
        target=replace(model.target, shots=int(shots)),
    )


def with_backend(model: Model, backend: Any, *, training: bool = True) -> Model:
    """``model`` run on ``backend`` (the ``--backend SPEC`` override: a spec string
    parsed like the file syntax, or a :class:`~qlang.ir.model.Call`). The backend is
    bound against the catalog (``QL0700`` for an unknown one) and the run is checked as
    ``qlang check`` checks the file (e.g. ``QL0707`` for noise on an execution backend).
    Without ``training`` (evaluation and prediction) the training gradient is not used:
    an ``adjoint``/``backprop`` model evaluates on any backend."""
    if backend is None:
        return model
    from qlang import catalog
    from qlang.backends import parse_spec
    from qlang.diagnostics import Diagnostic, QLangError
    from qlang.ir.model import Call
    from qlang.semantics.noise import check_execution

    call = backend if isinstance(backend, Call) else parse_spec(str(backend))
    got = catalog.bind("backend", call)
    if isinstance(got, catalog.Problem):
        code = "QL0700" if got.what == "unknown_name" else "QL0706"
        raise QLangError([Diagnostic.error(code, f"--backend: {got.message}", help=got.help)])
    entry, _ = got
    if not entry.status.ok:
        raise QLangError([Diagnostic.error("QL0311", entry.status.reason)])
    target = replace(model.target, backend=call)
    if not training and model.training.gradient in ("adjoint", "backprop"):
        model = replace(model, training=replace(model.training, gradient="auto"))
    width = max((b.circuit.num_qubits for b in model.blocks), default=0)
    errors = check_execution(
        model.training.gradient, model.training.shots, target, width, model.training.dtype,
        {}, None,
    )  # fmt: skip
    if errors:
        raise QLangError([e.diagnostic for e in errors])
    return replace(model, target=target)


def with_noise(model: Model, noise: Any) -> Model:
    """``model`` run under ``noise`` instead of its ``target { noise }`` (the per-call
    override of the Python API): a :class:`~qlang.ir.noise.NoiseModel`, the name of a
    fake IBM backend (as ``from_backend("fake_sherbrooke")``) or a Qiskit Aer
    ``NoiseModel`` (its errors become ``kraus`` and ``readout_error`` channels on the
    gates they name, :func:`qlang.sim.noise_qiskit.from_aer`). The run is checked as
    ``qlang check`` checks a file's noise (``QL0305``, ``QL0310``, ``QL0314``,
    ``QL0303``; the memory budget follows in the caller), before anything runs.
    """
    if noise is None:
        return model
    from qlang.diagnostics import QLangError
    from qlang.ir.noise import NoiseModel
    from qlang.semantics.codes import SemanticError
    from qlang.semantics.noise import check_execution

    width = max(b.circuit.num_qubits for b in model.blocks)
    try:
        if isinstance(noise, NoiseModel):
            nm = noise
        elif isinstance(noise, str):
            from qlang.semantics.noise import _backend_name

            nm = NoiseModel(source=_backend_name(noise, None))
        elif hasattr(noise, "_local_quantum_errors"):
            nm = NoiseModel(_aer_channels(noise, width))
        else:
            from qlang.semantics.codes import fail

            raise fail(
                "QL0305",
                f"`noise=` takes a qlang NoiseModel, a fake backend name or a Qiskit Aer "
                f"NoiseModel, not {type(noise).__name__}",
                None,
            )
        target = replace(model.target, noise=nm)
        errors = check_execution(
            model.training.gradient, model.training.shots, target, width,
            model.training.dtype, {}, None,
        )  # fmt: skip
    except SemanticError as err:
        raise QLangError([err.diagnostic]) from None
    if errors:
        raise QLangError([e.diagnostic for e in errors])
    return replace(model, target=target)


def _aer_channels(noise: Any, width: int) -> tuple:
    """The channels of an Aer ``NoiseModel`` for a ``width``-qubit model: every error
    must name a gate qlang simulates and qubits the model has (``QL0305``, ``QL0310``)."""
    from qlang.ir.gates import ALIASES, GATES
    from qlang.semantics.codes import fail
    from qlang.sim.noise_qiskit import from_aer

    for name in [*noise._local_quantum_errors, *noise._default_quantum_errors]:  # noqa: SLF001
        if ALIASES.get(name, name) not in GATES:
            raise fail(
                "QL0305",
                f"the Aer noise model has errors on `{name}`, which is not a gate qlang "
                "simulates",
                None,
                f"remove the errors on `{name}` (gates: {', '.join(sorted(GATES))})",
            )
    if any(len(qs) != 1 for qs in noise._local_readout_errors):  # noqa: SLF001
        raise fail("QL0305", "the Aer noise model has correlated multi-qubit readout errors, "
                   "which qlang does not simulate", None, "use one readout error per qubit")  # fmt: skip
    if getattr(noise, "_nonlocal_quantum_errors", None):
        raise fail("QL0305", "the Aer noise model has non-local errors, which qlang does not "
                   "simulate", None)  # fmt: skip
    channels = from_aer(noise, num_qubits=width)
    out = []
    for c in channels:
        if any(q >= width for q in c.qubits):
            raise fail(
                "QL0310",
                f"the Aer noise model has an error on qubits {list(c.qubits)}, but the model "
                f"has {width} qubits",
                None,
            )
        out.append(replace(c, gates=tuple(ALIASES.get(g, g) for g in c.gates)))
    return tuple(out)
