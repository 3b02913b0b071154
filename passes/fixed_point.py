"""Pass composition rules: requirement checking of a pass sequence and the bounded fixed
point (``fixed-point``), which the pipeline (:mod:`.manager`), the registry and the
-O3 route portfolio share.

Example::

    >>> from qlang.passes.optimization.cancel import CancelInverses
    >>> sorted(check_requirements((FixedPoint((CancelInverses(),)),), frozenset({"routed"})))
    ['routed']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from qlang.passes.base import Pass, PassResult
from qlang.passes.errors import pass_error

from qlang.ir.circuit import Circuit


def check_requirements(passes: Sequence[Pass], available: frozenset[str]) -> frozenset[str]:
    """Raise ``QL0554`` if a pass needs a property not established before it.

    Returns the properties established after the whole sequence.
    """
    have = set(available)
    for i, p in enumerate(passes):
        if isinstance(p, FixedPoint):
            # the body runs repeatedly: check two rounds, so a pass that invalidates
            # what an earlier pass of the body needs is caught
            have = set(check_requirements(p.passes + p.passes, frozenset(have)))
            continue
        missing = p.requires - have
        if missing:
            raise pass_error(
                "QL0554",
                f"pass `{p.name}` (position {i + 1}) requires {_names(missing)}",
                help="add a pass that ensures it earlier in the pipeline, e.g. `basis-translation` "
                "for `in-basis`, or a layout/routing pass for `layout-assigned`/`routed`",
            )
        have -= p.invalidates
        have |= p.ensures
    return frozenset(have)


def _names(props: set[str] | frozenset[str]) -> str:
    return ", ".join(f"`{x}`" for x in sorted(props))


@dataclass(frozen=True)
class FixedPoint(Pass):
    """Repeat ``passes`` until none changes the IR, at most ``max_iterations`` times.

    With ``error_on_limit`` a run that is still changing after the bound raises
    ``QL0555``; otherwise the last result is kept (it is still equivalent).
    """

    name: ClassVar[str] = "fixed-point"
    passes: tuple[Pass, ...] = ()
    max_iterations: int = 10
    error_on_limit: bool = False

    @property
    def requires(self) -> frozenset[str]:  # type: ignore[override]
        need: set[str] = set()
        have: set[str] = set()
        for p in self.passes:
            need |= p.requires - have
            have = (have - p.invalidates) | p.ensures
        return frozenset(need)

    @property
    def ensures(self) -> frozenset[str]:  # type: ignore[override]
        have: set[str] = set()
        for p in self.passes:
            have = (have - p.invalidates) | p.ensures
        return frozenset(have)

    @property
    def invalidates(self) -> frozenset[str]:  # type: ignore[override]
        return frozenset(x for p in self.passes for x in p.invalidates)

    def run(self, circuit: Circuit) -> PassResult:
        return self.run_traced(circuit, lambda p, c: p.run(c))

    def run_traced(
        self, circuit: Circuit, step: Callable[[Pass, Circuit], PassResult]
    ) -> PassResult:
        """Run with ``step`` doing each inner pass (the pipeline uses it to time/verify)."""
        # Round robin over the passes; once every pass in a row has left the circuit
        # unchanged it is a fixed point of each of them (passes are pure functions of
        # their input), so the rest of that round would change nothing: stop there.
        # The passes run in the same order on the same circuits as full rounds would,
        # within the same bound, so the result is the same, with fewer runs.
        any_change = False
        n = len(self.passes)
        quiet = 0  # passes run in a row without a change
        for _ in range(self.max_iterations):
            changed = False
            for p in self.passes:
                res = step(p, circuit)
                circuit = res.circuit
                if res.changed:
                    changed, quiet = True, 0
                else:
                    quiet += 1
                    if quiet >= n:
                        return PassResult(circuit, any_change or changed)
            any_change |= changed
            if not changed:
                return PassResult(circuit, any_change)
        if self.error_on_limit:
            raise pass_error(
                "QL0555",
                f"`fixed-point` did not converge within {self.max_iterations} iterations",
                help="raise `max_iterations` or remove `error_on_limit`",
            )
        return PassResult(circuit, any_change)

    def spec(self) -> str:
        opts = f"{{max_iterations={self.max_iterations},error_on_limit={self.error_on_limit}}}"
        return "fixed-point" + opts + "(" + ",".join(p.spec() for p in self.passes) + ")"

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "options": {
                "max_iterations": self.max_iterations,
                "error_on_limit": self.error_on_limit,
            },
            "passes": [p.to_json() for p in self.passes],
        }


