"""The pass manager: pipelines, bounded fixed points, verification, timing.

A :class:`Pipeline` checks when it is built that every pass's ``requires`` is
established by earlier passes (and not invalidated since), runs the passes in
order, verifies the IR between passes (unless ``verify=False``), can print the
IR after chosen passes, and records per-pass timings.

Example::

    >>> from qlang.ir.circuit import Circuit, Operation
    >>> from qlang.passes.optimization.cancel import CancelInverses
    >>> p = Pipeline((CancelInverses(),))
    >>> p.run(Circuit(1, (Operation("h", (0,)), Operation("h", (0,))))).ops
    ()
    >>> print(p)
    cancel-inverses{commute=False}
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from qlang.passes.base import Pass, PassResult
from qlang.passes.errors import pass_error
from qlang.passes.fixed_point import FixedPoint, check_requirements
from qlang.passes.irtext import circuit_text
from qlang.passes.memo import route_memo, synthesis_memo
from qlang.passes.registry import pass_from_json

from qlang.diagnostics import InternalError
from qlang.ir.circuit import Circuit, IRVerificationError, VerifiedOps


@dataclass(frozen=True, slots=True)
class PassTiming:
    """One pass execution: name, wall time, whether it changed the IR, op counts."""

    name: str
    seconds: float
    changed: bool
    ops_before: int
    ops_after: int


@dataclass(frozen=True, slots=True)
class PipelineReport:
    """What a pipeline run did, pass by pass (in execution order)."""

    timings: tuple[PassTiming, ...]
    total_seconds: float

    def render(self) -> str:
        """A ``--time-passes`` table."""
        width = max([len(t.name) for t in self.timings] + [4])
        rows = [f"{'pass':<{width}}  {'ms':>9}  {'ops':>13}  changed"]
        for t in self.timings:
            ops = f"{t.ops_before}->{t.ops_after}"
            rows.append(f"{t.name:<{width}}  {t.seconds * 1e3:9.2f}  {ops:>13}  {t.changed}")
        rows.append(f"{'total':<{width}}  {self.total_seconds * 1e3:9.2f}")
        return "\n".join(rows)


@dataclass(frozen=True)
class Pipeline:
    """An ordered, checked sequence of passes.

    ``max_iterations > 1`` repeats the whole sequence until it stops changing
    (bounded). ``print_ir_after`` names passes whose output is written with
    ``echo`` (stderr by default).
    """

    passes: tuple[Pass, ...]
    verify: bool = True
    max_iterations: int = 1
    print_ir_after: tuple[str, ...] = ()
    time_passes: bool = False
    initial_properties: frozenset[str] = frozenset()
    echo: Callable[[str], None] = field(default=lambda s: print(s, file=sys.stderr), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "passes", tuple(self.passes))
        if self.max_iterations < 1:
            raise pass_error("QL0553", "`max_iterations` must be at least 1")
        self.check()
        known = {q.name for q in _flatten(self.passes)}
        for name in self.print_ir_after:
            if name not in known and name != "all":
                raise pass_error(
                    "QL0556",
                    f"`--print-ir-after {name}`: no pass `{name}` in the pipeline",
                    help=f"passes in this pipeline: {', '.join(sorted(known)) or '(none)'}",
                )

    def check(self) -> frozenset[str]:
        """Re-check requirements; returns the properties the pipeline ensures."""
        return check_requirements(self.passes, self.initial_properties)

    @property
    def ensures(self) -> frozenset[str]:
        return self.check()

    # --- running ----------------------------------------------------------
    def run(self, circuit: Circuit) -> Circuit:
        return self.run_with_report(circuit)[0]

    def run_with_report(self, circuit: Circuit) -> tuple[Circuit, PipelineReport]:
        timings: list[PassTiming] = []
        start = time.perf_counter()
        seen = VerifiedOps()  # operations verified so far: each pass's output is checked
        if self.verify:  # only where it changed
            _verify(circuit, "the pipeline input", seen)

        def step(p: Pass, c: Circuit) -> PassResult:
            if isinstance(p, FixedPoint):
                return p.run_traced(c, step)
            t0 = time.perf_counter()
            res = p.run(c)
            dt = time.perf_counter() - t0
            if not isinstance(res, PassResult):
                raise InternalError(f"pass `{p.name}` returned {type(res).__name__}")
            if self.verify and res.circuit is not c:
                _verify(res.circuit, f"pass `{p.name}`", seen)
            timings.append(PassTiming(p.name, dt, res.changed, len(c.ops), len(res.circuit.ops)))
            if p.name in self.print_ir_after or "all" in self.print_ir_after:
                self.echo(f"// IR after {p.spec()}\n{circuit_text(res.circuit)}")
            return res

        # one routing memo per run (layout and routing share it) and one synthesis memo
        # (the consolidation loop and the -O3 portfolio's finishing share it)
        with route_memo(), synthesis_memo():
            for _ in range(self.max_iterations):
                changed = False
                for p in self.passes:
                    res = step(p, circuit)
                    circuit, changed = res.circuit, changed or res.changed
                if not changed:
                    break
        report = PipelineReport(tuple(timings), time.perf_counter() - start)
        if self.time_passes:
            self.echo(report.render())
        return circuit, report

    # --- printing and serialisation --------------------------------------
    def spec(self) -> str:
        """The ``--passes`` spelling of this pipeline."""
        return ",".join(p.spec() for p in self.passes)

    def __str__(self) -> str:
        return self.spec()

    def to_json(self) -> str:
        return json.dumps(
            {
                "verify": self.verify,
                "max_iterations": self.max_iterations,
                "passes": [p.to_json() for p in self.passes],
            },
            indent=2,
        )

    @staticmethod
    def from_json(text: str) -> Pipeline:
        data = json.loads(text)
        return Pipeline(
            tuple(pass_from_json(p) for p in data["passes"]),
            verify=bool(data.get("verify", True)),
            max_iterations=int(data.get("max_iterations", 1)),
        )


def _flatten(passes: Sequence[Pass]) -> list[Pass]:
    out: list[Pass] = []
    for p in passes:
        out.append(p)
        if isinstance(p, FixedPoint):
            out.extend(_flatten(p.passes))
    return out


def _verify(circuit: Circuit, after: str, seen: VerifiedOps | None = None) -> None:
    try:
        circuit.verify(seen)
    except IRVerificationError as exc:
        raise InternalError(f"invalid IR after {after}: {exc}") from exc
