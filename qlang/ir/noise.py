"""Noise as data: the channels of ``target { noise = [...] }``, bound and located.

A :class:`NoiseModel` is part of the model IR (``Model.target.noise``). It never edits
the circuit: the simulator lowers circuit + noise model into its noisy program
(:mod:`qlang.sim.noise`), so the circuit IR stays the single source that the
targets export.

Each :class:`Channel` names a catalog noise entry (``depolarizing``, ``pauli``,
``readout_error``, ...) with its bound numeric arguments in catalog order and says where
it acts: after every gate whose name is in ``gates`` (every gate when empty) that
touches a qubit of ``qubits`` (every qubit when empty). ``readout_error`` acts on the
measured bits instead. Channels imported from a device (``from_backend``) are
``kraus`` channels with explicit matrices on an exact operand tuple.

Example::

    >>> ch = Channel("depolarizing", (("p", 0.01),), gates=("cx",))
    >>> ch.value("p"), ch.applies_to("cx", (0, 1)), ch.applies_to("rx", (0,))
    (0.01, True, False)
    >>> NoiseModel((ch,)).describe()
    ['depolarizing(p = 0.01, gates = [cx])']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qlang.source import Span

#: channels that act on measured bits, not after gates
READOUT_KINDS = frozenset({"readout_error"})


@dataclass(frozen=True, slots=True)
class Channel:
    """One channel: its catalog ``kind``, bound ``params`` and where it acts.

    ``matrices`` holds the Kraus operators of a ``kraus`` channel (row-major, each
    ``2**k x 2**k`` for the ``k`` operands of the gate it follows); for a ``kraus``
    channel ``qubits`` is the exact operand tuple of the gate (device noise is per pair).
    """

    kind: str
    params: tuple[tuple[str, float | str], ...] = ()
    gates: tuple[str, ...] = ()
    qubits: tuple[int, ...] = ()
    matrices: tuple[tuple[complex, ...], ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False)

    def value(self, name: str) -> float:
        for k, v in self.params:
            if k == name:
                return float(v)
        raise KeyError(f"channel `{self.kind}` has no parameter `{name}`")

    def option(self, name: str, default: str | float | None = None) -> str | float | None:
        for k, v in self.params:
            if k == name:
                return v
        return default

    @property
    def on_readout(self) -> bool:
        return self.kind in READOUT_KINDS

    def applies_to(self, gate: str, qubits: tuple[int, ...]) -> bool:
        """Whether the channel follows gate ``gate`` on ``qubits``."""
        if self.on_readout or (self.gates and gate not in self.gates):
            return False
        if self.kind == "kraus":
            return not self.qubits or tuple(qubits) == self.qubits
        return not self.qubits or any(q in self.qubits for q in qubits)

    def text(self) -> str:
        """The channel as it would be written in a model file."""
        args = [f"{k} = {_num(v)}" for k, v in self.params]
        if self.gates:
            args.append(f"gates = [{', '.join(self.gates)}]")
        if self.qubits:
            args.append(f"qubits = [{', '.join(str(q) for q in self.qubits)}]")
        if self.matrices:
            args.append(f"kraus = {len(self.matrices)} operators")
        return f"{self.kind}({', '.join(args)})"


def _num(v: float | str) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    return f"{v:g}"


@dataclass(frozen=True, slots=True)
class NoiseModel:
    """The noise of a target: channels in file order (after a gate they apply in this
    order), and where they came from (``from_backend("fake_sherbrooke")``: the device
    name, its coupling map and the physical qubit of each logical qubit)."""

    channels: tuple[Channel, ...] = ()
    source: str | None = None
    coupling: tuple[tuple[int, int], ...] = ()
    layout: tuple[int, ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False)

    def __bool__(self) -> bool:
        return bool(self.channels)

    @property
    def gate_channels(self) -> tuple[Channel, ...]:
        return tuple(c for c in self.channels if not c.on_readout)

    @property
    def readout_channels(self) -> tuple[Channel, ...]:
        return tuple(c for c in self.channels if c.on_readout)

    def describe(self) -> list[str]:
        """One line per channel (for provenance and ``qlang inspect``)."""
        out = [c.text() for c in self.channels]
        if self.source is not None:
            out.insert(0, f"from_backend({self.source!r}): {len(self.channels)} channels")
        return out
