"""The model IR: everything one ``model`` block says, resolved and checked.

Settings that are plain values (numbers, strings, bools, tuples) are kept as
:class:`Call` objects (``adam(lr = 0.01)`` -> ``Call("adam", (), (("lr", 0.01),))``)
so the runtime can look them up by name with defaults.

Example::

    >>> opt = Call("adam", (), (("lr", 0.05),))
    >>> opt.get("lr", 0.01), opt.get("beta1", 0.9)
    (0.05, 0.9)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from qlang.ir import expr as E
from qlang.ir.circuit import Circuit
from qlang.ir.noise import NoiseModel
from qlang.source import Span

Value = Union[int, float, str, bool, None, tuple["Value", ...], "Call"]


@dataclass(frozen=True, slots=True)
class Call:
    """A named setting with positional and keyword values: ``pca(5)``, ``adam(lr = 0.1)``."""

    name: str
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False)

    def get(self, key: str, default: Value = None) -> Value:
        for k, v in self.kwargs:
            if k == key:
                return v
        return default

    def arg(self, index: int, key: str, default: Value = None) -> Value:
        """Positional argument ``index``, or keyword ``key``, or ``default``."""
        if index < len(self.args):
            return self.args[index]
        return self.get(key, default)

    def options(self) -> dict[str, Value]:
        return dict(self.kwargs)


@dataclass(frozen=True, slots=True)
class PauliTerm:
    """``coeff * P_q0 P_q1 ...``; ``paulis`` pairs (qubit, "X"|"Y"|"Z"), sorted by qubit."""

    coeff: E.Expr
    paulis: tuple[tuple[int, str], ...]

    @property
    def is_diagonal(self) -> bool:
        return all(p == "Z" for _, p in self.paulis)


@dataclass(frozen=True, slots=True)
class Observable:
    """A Pauli sum. Coefficients may depend on weights (trainable scale and shift)."""

    terms: tuple[PauliTerm, ...]
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def is_diagonal(self) -> bool:
        return all(t.is_diagonal for t in self.terms)

    def qubits(self) -> frozenset[int]:
        return frozenset(q for t in self.terms for q, _ in t.paulis)

    def label(self, num_qubits: int) -> list[tuple[str, complex]]:
        """Qiskit-style little-endian labels for constant coefficients."""
        out = []
        for t in self.terms:
            chars = ["I"] * num_qubits
            for q, p in t.paulis:
                chars[num_qubits - 1 - q] = p
            out.append(("".join(chars), complex(E.const_value(t.coeff))))
        return out


@dataclass(frozen=True, slots=True)
class Readout:
    """How circuit outputs become model outputs.

    ``kind``: ``expval`` (one output per observable), ``probs`` (over ``qubits``),
    ``parity`` (``<Z...Z>`` over ``qubits``), ``samples``. ``post`` holds
    post-processing steps (``softmax``, ``sigmoid``, ``linear(out = k)``, ``scale``).
    """

    kind: str
    observables: tuple[Observable, ...] = ()
    qubits: tuple[int, ...] = ()
    shots: int | None = None
    post: tuple[Call, ...] = ()
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def num_outputs(self) -> int:
        if self.kind == "expval":
            return len(self.observables)
        if self.kind == "probs":
            return 2 ** len(self.qubits)
        if self.kind == "parity":
            return 1
        return len(self.qubits)


@dataclass(frozen=True, slots=True)
class Dense:
    """A classical layer ``dense(in -> out, activation)`` with its own weights."""

    inputs: int
    outputs: int
    activation: str = "linear"
    frozen: bool = False


@dataclass(frozen=True, slots=True)
class QuantumLayer:
    """The quantum block (circuit + readout) as a layer in a hybrid stack."""

    block: str = "main"
    frozen: bool = False


@dataclass(frozen=True, slots=True)
class Conv:
    """``conv(block, kernel = k, stride = s)``: a quanvolution. The quantum block is slid
    over the ``k x k`` patches (stride ``s``) of a square ``side x side`` image, with the
    same weights for every patch; its ``m`` outputs per patch form ``m`` feature maps,
    written channel-major (all patches of output 0, then of output 1, ...)."""

    block: str
    kernel: int
    stride: int
    side: int
    frozen: bool = False

    @property
    def patches(self) -> int:
        per_row = (self.side - self.kernel) // self.stride + 1
        return per_row * per_row


Layer = Union[Dense, QuantumLayer, Conv]


@dataclass(frozen=True, slots=True)
class QuantumBlock:
    name: str
    circuit: Circuit
    readout: Readout
    encoding: Circuit | None = None  # the feature map alone (kernels need U(x))
    frozen: bool = False


@dataclass(frozen=True, slots=True)
class Training:
    """The ``train { ... }`` block (defaults as in the catalog, ``qlang.catalog.training``).

    ``validation`` is the fraction of the training split held out for the per-epoch
    metrics and early stopping (0: none); ``metrics`` the model's ``metrics`` entry
    (empty: all of the task's).
    """

    epochs: int | None = None
    maxiter: int | None = None
    batch_size: int | None = None
    seed: int = 0
    gradient: str = "auto"
    shots: int | None = None
    early_stopping: Call | None = None
    checkpoint_every: int | None = None
    dtype: str = "complex128"
    validation: float = 0.2
    metrics: tuple[str, ...] = ()
    #: the ``metrics`` entries as calls (``adversarial_accuracy(eps = 0.2)``), same order
    metric_calls: tuple[Call, ...] = ()
    #: ``train { adversarial = fgsm(...) }``: adversarial training
    adversarial: Call | None = None
    #: ``train { distribute = ray(...) }``: where the batch work runs (None: this process)
    distribute: Call | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """The ``target { ... }`` block: compilation settings and how the model is simulated
    (``shots``, the ``noise`` model, ``mitigation`` methods, the ``backend`` engine)."""

    device: Call | None = None
    basis: tuple[str, ...] = ()
    optimization_level: int = 1
    shots: int | None = None
    noise: NoiseModel = NoiseModel()
    mitigation: tuple[Call, ...] = ()
    backend: Call = Call("auto")
    #: ``cutting = auto(max_qubits = 5)``: run blocks wider than that in cut pieces
    cutting: Call | None = None


@dataclass(frozen=True, slots=True)
class Objective:
    """A loss written as an expression (``loss = sum(tanh(a * expval(P[i])) ...)``).

    ``expr`` is over ``E.Input(k)``, the value of ``expval(readouts[k])`` (one per
    distinct observable the expression reads), and ``E.Weight(j)``, the model's weights;
    ``text`` is the expression as written in the source.
    """

    expr: E.Expr
    readouts: tuple[Observable, ...]
    text: str


@dataclass(frozen=True, slots=True)
class Recurrent:
    """``recurrent { cell = lstm(hidden = 3), gates = [cell], window = 4 }``: the cell,
    the quantum block it evaluates at every step and the steps per sample (``None``:
    the data width divided by the features per step)."""

    cell: Call
    block: str = "main"
    window: int | None = None


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    blocks: tuple[QuantumBlock, ...]
    data: Call | None
    preprocess: tuple[Call, ...]
    task: Call
    loss: Call | None
    optimizer: Call | None
    training: Training
    target: Target
    layers: tuple[Layer, ...] = ()
    recurrent: Recurrent | None = None
    #: ``loss = <expression>``: the loss as an expression over readouts and weights
    objective: Objective | None = None
    #: ``task = gan(discriminator = [...])``: the classical discriminator's layers
    discriminator: tuple[Dense, ...] = ()
    num_features: int | None = None
    source_hash: str = ""
    span: Span | None = field(default=None, compare=False, repr=False)

    @property
    def main(self) -> QuantumBlock:
        return self.blocks[0]

    def block(self, name: str) -> QuantumBlock | None:
        """The quantum block called ``name`` (``main`` is the model's own)."""
        return next((b for b in self.blocks if b.name == name), None)

    def __repr__(self) -> str:
        c = self.circuit
        return (
            f"Model({self.name!r}, task={self.task.name!r}, qubits={c.num_qubits}, "
            f"inputs={c.num_inputs}, weights={c.num_weights}, blocks={len(self.blocks)})"
        )

    def _repr_html_(self) -> str:
        from qlang.jupyter.render import model_html

        return model_html(self)

    @property
    def circuit(self) -> Circuit:
        return self.blocks[0].circuit

    def verify(self) -> None:
        from qlang.ir.circuit import IRVerificationError

        if not self.blocks:
            raise IRVerificationError("model has no quantum block")
        for b in self.blocks:
            b.circuit.verify()
            if b.encoding is not None:
                b.encoding.verify()
            for obs in b.readout.observables:
                for q in obs.qubits():
                    if not 0 <= q < b.circuit.num_qubits:
                        raise IRVerificationError(f"observable qubit {q} out of range")
            for q in b.readout.qubits:
                if not 0 <= q < b.circuit.num_qubits:
                    raise IRVerificationError(f"readout qubit {q} out of range")
