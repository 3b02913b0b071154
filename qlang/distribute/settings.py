"""The ``distribute`` setting: its values, what it cannot be combined with, the CLI override.

Example::

    >>> from qlang.ir.model import Call, Target, Training
    >>> d = Distribution.from_call(Call("ray", (), (("block", 50),)))
    >>> d.text(), d.block_rows(120, 2)
    ('ray(block = 50)', 50)
    >>> Distribution().block_rows(601, 2)
    301
    >>> conflicts(Training(shots=100), Target(), ())
    [('shots', '`distribute` needs exact simulation, but the model samples `shots = 100`')]
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from qlang.ir.model import Call, Model, QuantumBlock, Target, Training


@dataclass(frozen=True, slots=True)
class Distribution:
    """``ray(workers, address, block)`` bound by the catalog: ``workers`` ``None`` is every
    CPU of the cluster, ``address`` ``None`` starts a local cluster, ``block`` ``None``
    splits the rows evenly over the workers."""

    workers: int | None = None
    address: str | None = None
    block: int | None = None

    @classmethod
    def from_call(cls, call: Call) -> Distribution:
        """The setting from its call, bound (and checked: ``QL0908``) by the catalog."""
        from qlang import catalog

        _, values = catalog.runtime_bind("distribution", call)
        return cls(values["workers"], values["address"], values["block"])

    def call(self) -> Call:
        kw = tuple((k, v) for k, v in (("workers", self.workers), ("address", self.address),
                                       ("block", self.block)) if v is not None)  # fmt: skip
        return Call("ray", (), kw)

    def text(self) -> str:
        from qlang.catalog.schema import value_text

        return value_text(self.call()) if self.call().kwargs else "ray()"

    def block_rows(self, rows: int, workers: int) -> int:
        """Rows per block: ``block``, else ``rows`` split evenly over ``workers``."""
        if self.block is not None:
            return max(1, self.block)
        return max(1, -(-rows // max(1, workers)))


def conflicts(
    training: Training, target: Target, blocks: tuple[QuantumBlock, ...] | list[QuantumBlock]
) -> list[tuple[str, str]]:
    """``(setting, message)`` for every setting ``distribute`` cannot honour: a
    distributed run gives the serial result to 1e-12, which needs exact, deterministic
    simulation on the embedded statevector engine (no shots, noise, other backends) and a
    batch loss that is a mean over samples (no adversarial training, whose attack reads
    the whole batch)."""
    out: list[tuple[str, str]] = []
    shots = training.shots or target.shots or next(
        (b.readout.shots for b in blocks if b.readout.shots), None
    )
    if shots:
        out.append(("shots", f"`distribute` needs exact simulation, but the model samples "
                    f"`shots = {shots}`"))  # fmt: skip
    if target.noise or target.noise.source is not None:
        out.append(("noise", "`distribute` needs exact simulation, but the model has `noise`"))
    if target.backend.name not in ("auto", "statevector"):
        out.append(("backend", f"`distribute` runs the embedded statevector engine, but the "
                    f"model runs on `backend = {target.backend.name}`"))  # fmt: skip
    if training.adversarial is not None:
        out.append(("adversarial", "`distribute` does not apply to adversarial training (the "
                    "attack of a batch is not a sum over blocks)"))  # fmt: skip
    return out


def with_ray(model: Model, address: str | None = None) -> Model:
    """``model`` distributed on Ray (``qlang train --ray`` / ``--ray-address ADDR``): the
    file's ``distribute`` settings are kept, ``address`` replaces its address. The run
    must be able to distribute (``QL0313``), checked here before any work."""
    from qlang.diagnostics import Diagnostic, QLangError

    old = model.training.distribute
    base = Distribution.from_call(old) if old is not None else Distribution()
    if address is not None:
        base = replace(base, address=address)
        Distribution.from_call(base.call())  # the address is checked (QL0908)
    from qlang.catalog.distribute import DISTRIBUTED_TASKS

    errors = []
    if model.task.name not in DISTRIBUTED_TASKS:
        errors.append(f"`--ray` does not apply to a `{model.task.name}` task (it distributes "
                      f"the batch work of: {', '.join(DISTRIBUTED_TASKS)})")  # fmt: skip
    errors += [f"--ray: {msg}" for _, msg in conflicts(model.training, model.target, model.blocks)]
    if errors:
        raise QLangError([Diagnostic.error("QL0313", e) for e in errors])
    return replace(model, training=replace(model.training, distribute=base.call()))


def describe(dist: Distribution, info: dict[str, Any]) -> dict[str, Any]:
    """The record of a distributed run (``provenance.json``'s ``execution.distribute``)."""
    return {"kind": "ray", "setting": dist.text(), **info}
