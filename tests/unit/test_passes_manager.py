"""Pass manager: construction checks, spec parsing, fixed points, JSON, printing, timing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest
from qlang.passes.base import IN_BASIS, ROUTED, Pass, PassResult
from qlang.passes.cli import pipeline_from_cli
from qlang.passes.manager import FixedPoint, Pipeline
from qlang.passes.optimization.cancel import CancelInverses, MergeRotations
from qlang.passes.presets import build_preset
from qlang.passes.registry import available_passes, parse_pipeline

from qlang.diagnostics import InternalError, QLangError
from qlang.ir.circuit import Circuit, Operation, ParamDecl
from qlang.ir.expr import Const, Weight


@dataclass(frozen=True)
class NeedsBasis(Pass):
    name: ClassVar[str] = "needs-basis"
    requires: ClassVar[frozenset[str]] = frozenset({IN_BASIS})

    def run(self, circuit: Circuit) -> PassResult:
        return PassResult(circuit, False)


@dataclass(frozen=True)
class Breaks(Pass):
    """Produces invalid IR (a qubit out of range) to test verification."""

    name: ClassVar[str] = "breaks"

    def run(self, circuit: Circuit) -> PassResult:
        return PassResult(circuit.with_ops(circuit.ops + (Operation("h", (99,)),)), True)


@dataclass(frozen=True)
class Flip(Pass):
    """Never converges: toggles an x gate."""

    name: ClassVar[str] = "flip"

    def run(self, circuit: Circuit) -> PassResult:
        if circuit.ops:
            return PassResult(circuit.with_ops(()), True)
        return PassResult(circuit.with_ops((Operation("x", (0,)),)), True)


def codes(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.codes


def test_unmet_requirement_rejected_at_construction() -> None:
    with pytest.raises(QLangError) as e:
        Pipeline((NeedsBasis(),))
    assert codes(e) == ["QL0554"]


def test_requirement_met_by_earlier_pass() -> None:
    from qlang.passes.basis.translate import BasisTranslation

    Pipeline((BasisTranslation(basis=("ibm",)), NeedsBasis()))


def test_invalidated_requirement_rejected() -> None:
    from qlang.passes.basis.translate import BasisTranslation
    from qlang.passes.optimization.resynth import ConsolidateBlocks

    with pytest.raises(QLangError) as e:
        Pipeline((BasisTranslation(basis=("ibm",)), ConsolidateBlocks(), NeedsBasis()))
    assert codes(e) == ["QL0554"]


def test_initial_properties_count() -> None:
    Pipeline((NeedsBasis(),), initial_properties=frozenset({IN_BASIS}))


def test_verification_between_passes() -> None:
    c = Circuit(1, ())
    with pytest.raises(InternalError, match="breaks"):
        Pipeline((Breaks(),)).run(c)
    out = Pipeline((Breaks(),), verify=False).run(c)
    assert len(out.ops) == 1


@dataclass(frozen=True)
class Shrinks(Pass):
    """Drops the last qubit but keeps the operations: ops that were valid become invalid."""

    name: ClassVar[str] = "shrinks"

    def run(self, circuit: Circuit) -> PassResult:
        return PassResult(Circuit(circuit.num_qubits - 1, circuit.ops), True)


def test_verification_rechecks_shared_ops_when_the_shape_changes() -> None:
    """The pipeline skips operations it verified before only for circuits of the same
    shape: the same (unchanged) operation objects are checked again on fewer qubits."""
    c = Circuit(2, (Operation("h", (0,)), Operation("cx", (0, 1))))
    with pytest.raises(InternalError, match="shrinks.*qubit 1 out of range"):
        Pipeline((CancelInverses(), Shrinks())).run(c)


def test_verification_checks_new_ops_after_unchanged_ones() -> None:
    c = Circuit(1, tuple(Operation("x", (0,)) for _ in range(3)))
    with pytest.raises(InternalError, match="breaks"):
        Pipeline((CancelInverses(), Breaks())).run(c)  # the 3 x's are known, h(99) is not


def test_verified_ops_cache_skips_only_identical_objects() -> None:
    from qlang.ir.circuit import IRVerificationError, VerifiedOps

    seen = VerifiedOps()
    good = Operation("rz", (0,), (Weight(0),))
    Circuit(1, (good,), weights=(ParamDecl("w", (1,), 0),)).verify(seen)
    assert seen.ops == {id(good): good}
    equal_but_new = Operation("rz", (0,), (Weight(0),))
    with pytest.raises(IRVerificationError, match="weight index 0 out of range"):
        Circuit(1, (equal_but_new,)).verify(seen)  # no weights: another shape


def test_fixed_point_bound() -> None:
    c = Circuit(1, ())
    fp = FixedPoint((Flip(),), max_iterations=3)
    assert Pipeline((fp,)).run(c) == c.with_ops((Operation("x", (0,)),))
    with pytest.raises(QLangError) as e:
        Pipeline((FixedPoint((Flip(),), max_iterations=3, error_on_limit=True),)).run(c)
    assert codes(e) == ["QL0555"]


def test_fixed_point_converges() -> None:
    w = Weight(0)
    c = Circuit(
        1, tuple(Operation("rz", (0,), (w,)) for _ in range(4)), weights=(ParamDecl("w", (1,), 0),)
    )
    out, report = Pipeline((FixedPoint((MergeRotations(),)),)).run_with_report(c)
    assert len(out.ops) == 1
    assert [t.changed for t in report.timings][-1] is False


def test_fixed_point_stops_once_every_pass_saw_the_circuit_unchanged() -> None:
    """Round robin: after the last change, one quiet run of each pass is enough (a full
    further round would run the same passes on the same circuit); the result and the
    bound are those of full rounds."""
    runs: list[str] = []

    @dataclass(frozen=True)
    class Once(Pass):  # adds an x to an empty circuit, then never changes anything
        name: ClassVar[str] = "once"

        def run(self, circuit: Circuit) -> PassResult:
            runs.append("once")
            if circuit.ops:
                return PassResult(circuit, False)
            return PassResult(circuit.with_ops((Operation("x", (0,)),)), True)

    @dataclass(frozen=True)
    class Quiet(Pass):
        name: ClassVar[str] = "quiet"

        def run(self, circuit: Circuit) -> PassResult:
            runs.append("quiet")
            return PassResult(circuit, False)

    c = Circuit(1, ())
    out = FixedPoint((Quiet(), Once(), Quiet(), Quiet())).run(c)
    assert out.changed and out.circuit == c.with_ops((Operation("x", (0,)),))
    # full rounds: 4 + 4 runs; the quiet runs after the change: quiet, quiet, quiet, once
    assert runs == ["quiet", "once", "quiet", "quiet", "quiet", "once"]
    runs.clear()
    assert FixedPoint((Once(), Quiet())).run(out.circuit).changed is False
    assert runs == ["once", "quiet"]
    # the bound still counts rounds: a pass that always changes stops after the bound
    assert FixedPoint((Flip(), Quiet()), max_iterations=3).run(c).circuit.ops


def test_parse_and_print_roundtrip() -> None:
    spec = (
        "cancel-inverses{commute=true},"
        "fixed-point{max_iterations=3}(merge-rotations,remove-zero-rotations)"
    )
    p = Pipeline(tuple(parse_pipeline(spec)))
    again = Pipeline(tuple(parse_pipeline(p.spec())))
    assert again.passes == p.passes
    assert Pipeline.from_json(p.to_json()).passes == p.passes


def test_tuple_option() -> None:
    (p,) = parse_pipeline("basis-translation{basis=cx:rz:sx,precision=0.01}")
    assert p.basis == ("cx", "rz", "sx") and p.precision == 0.01


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ("", "QL0550"),
        ("cancel-inverses,,merge-rotations", "QL0550"),
        ("merge-rotations{commute=true", "QL0550"),
        ("merge-rotations{commute}", "QL0550"),
        ("merge-rotations)", "QL0550"),
        ("cancel-inverses(merge-rotations)", "QL0550"),
        ("cancel-inverse", "QL0551"),
        ("merge-rotations{commutes=true}", "QL0552"),
        ("merge-rotations{commute=maybe}", "QL0553"),
        ("fixed-point{max_iterations=x}(merge-rotations)", "QL0553"),
        ("basis-translation{basis=cx:foo}", "QL0560"),
        ("basis-translation{basis=rz:sx}", "QL0561"),
        ("basis-translation{basis=clifford+t,precision=0}", "QL0563"),
    ],
)
def test_spec_errors(spec: str, code: str) -> None:
    with pytest.raises(QLangError) as e:
        parse_pipeline(spec)
    assert codes(e) == [code]


def test_unknown_pass_suggests() -> None:
    with pytest.raises(QLangError) as e:
        parse_pipeline("cancel-inverse")
    assert "cancel-inverses" in str(e.value)


def test_print_ir_after_and_time_passes() -> None:
    lines: list[str] = []
    p = Pipeline(
        (CancelInverses(),),
        print_ir_after=("cancel-inverses",),
        time_passes=True,
        echo=lines.append,
    )
    p.run(Circuit(1, (Operation("h", (0,)), Operation("h", (0,)))))
    assert lines[0].startswith("// IR after cancel-inverses")
    assert "total" in lines[-1]
    with pytest.raises(QLangError) as e:
        Pipeline((CancelInverses(),), print_ir_after=("merge-rotations",))
    assert codes(e) == ["QL0556"]


def test_pipeline_from_cli() -> None:
    p = pipeline_from_cli(None, 2, (), False, True, "ibm", None)
    assert "basis-translation" in p.spec()
    q = pipeline_from_cli("cancel-inverses", 3, ("cancel-inverses",), True, False, None, None)
    assert q.spec() == "cancel-inverses{commute=False}" and not q.verify and q.time_passes


def test_presets_levels() -> None:
    with pytest.raises(QLangError) as e:
        build_preset(4)
    assert codes(e) == ["QL0557"]
    assert build_preset(0).passes == ()
    for level in range(4):
        assert build_preset(level, basis=("ibm",)).ensures >= {IN_BASIS}


def test_elide_swaps_not_after_routing() -> None:
    from qlang.passes.optimization.swaps import ElideSwaps

    assert ROUTED in ElideSwaps().invalidates


def test_registry_lists_passes() -> None:
    names = available_passes()
    for n in (
        "cancel-inverses",
        "merge-rotations",
        "remove-zero-rotations",
        "resynthesize-1q",
        "consolidate-blocks",
        "basis-translation",
        "elide-swaps",
        "unroll-multi-qubit",
        "commute-reorder",
        "fixed-point",
    ):
        assert n in names


def test_no_change_returns_same_object() -> None:
    c = Circuit(1, (Operation("rz", (0,), (Const(0.3),)),))
    res = MergeRotations().run(c)
    assert not res.changed and res.circuit is c


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_preset_spec_roundtrip(level: int) -> None:
    p = build_preset(level, basis=("ibm",))
    assert Pipeline(tuple(parse_pipeline(p.spec()))).passes == p.passes


def test_cli_passes_command() -> None:
    from click.testing import CliRunner

    from qlang.commands.passes import command

    runner = CliRunner()
    res = runner.invoke(command, [])
    assert res.exit_code == 0 and "merge-rotations" in res.output
    res = runner.invoke(command, ["-O", "2", "--basis", "ibm"])
    assert res.exit_code == 0 and "basis-translation" in res.output
    res = runner.invoke(command, ["--passes", "merge-rotation"])
    assert res.exit_code == 1


def test_nothing_moves_across_measurement_or_barrier() -> None:
    from qlang.passes.optimization.resynth import ConsolidateBlocks, ResynthesizeOneQubit

    for sep in (Operation("measure", (0,), clbits=(0,)), Operation("barrier", (0, 1))):
        c = Circuit(
            2,
            (
                Operation("cx", (0, 1)),
                Operation("h", (0,)),
                sep,
                Operation("h", (0,)),
                Operation("cx", (0, 1)),
            ),
            num_clbits=1,
        )
        for p in (
            CancelInverses(commute=True),
            MergeRotations(),
            ResynthesizeOneQubit(),
            ConsolidateBlocks(allow_swaps=True),
        ):
            out = p.run(c).circuit
            k = out.ops.index(sep)
            assert sum(op.is_gate for op in out.ops[:k]) >= 1, p
            assert sum(op.is_gate for op in out.ops[k + 1 :]) >= 1, p


def test_preset_calls_routing_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import types

    from qlang.passes.base import LAYOUT_ASSIGNED

    @dataclass(frozen=True)
    class FakeRoute(Pass):
        name: ClassVar[str] = "fake-route"
        ensures: ClassVar[frozenset[str]] = frozenset({LAYOUT_ASSIGNED, ROUTED})

        def run(self, circuit: Circuit) -> PassResult:
            return PassResult(circuit, False)

    @dataclass(frozen=True)
    class NeedsRouted(Pass):
        name: ClassVar[str] = "needs-routed"
        requires: ClassVar[frozenset[str]] = frozenset({ROUTED})

        def run(self, circuit: Circuit) -> PassResult:
            return PassResult(circuit, False)

    calls = []

    def routing_passes(
        device: object, level: int, seed: int, *, finish: tuple[Pass, ...] = ()
    ) -> list[Pass]:
        calls.append((device, level, seed))
        finishes.append(finish)
        return [FakeRoute()]

    finishes: list[tuple[Pass, ...]] = []

    fake = types.ModuleType("qlang.passes.routing")
    fake.routing_passes = routing_passes  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "qlang.passes.routing", fake)
    for level in range(4):
        p = build_preset(level, basis=("ibm",), device="line(3)", seed=5)
        names = [q.name for q in p.passes]
        assert "fake-route" in names and "elide-swaps" not in p.spec()
        assert names.index("unroll-multi-qubit") < names.index("fake-route")
        assert ROUTED in p.ensures  # nothing after routing invalidates it
        Pipeline(p.passes + (NeedsRouted(),))
    assert calls[-1] == ("line(3)", 3, 5)
    # -O3 hands its post-routing stage to the routing portfolio (route-and-finish)
    assert [bool(f) for f in finishes] == [False, False, False, True]


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ("consolidate-blocks{basis=clifford+t}", "QL0561"),
        ("resynthesize-1q{basis=rz:bogus}", "QL0560"),
        ("merge-rotations{basis=bogus}", "QL0560"),
    ],
)
def test_basis_options_checked_at_construction(spec: str, code: str) -> None:
    with pytest.raises(QLangError) as e:
        parse_pipeline(spec)
    assert codes(e) == [code]


def test_fixed_point_body_checked_over_two_rounds() -> None:
    from qlang.passes.basis.translate import BasisTranslation
    from qlang.passes.optimization.resynth import ConsolidateBlocks

    body = FixedPoint((NeedsBasis(), ConsolidateBlocks()))
    with pytest.raises(QLangError) as e:
        Pipeline((BasisTranslation(basis=("ibm",)), body))
    assert codes(e) == ["QL0554"]
    Pipeline((FixedPoint((BasisTranslation(basis=("ibm",)), NeedsBasis(), ConsolidateBlocks())),))
