"""Where ``qlang compile`` takes its device, basis, level and pipeline from.

A model's ``target { device, basis, optimization_level }`` are the defaults; the API
arguments and CLI flags override them; ``--passes`` replaces the preset and its routing
passes take the command's device.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from qlang.passes.manager import Pipeline
from qlang.passes.presets import build_preset
from qlang.passes.registry import parse_pipeline
from qlang.passes.routing import LayoutPass, RoutePass
from qlang.passes.routing.verify import equivalent_up_to_layout

import qlang
from qlang.cli import main
from qlang.devices import grid, heavy_hex, line, parse_device
from qlang.diagnostics import QLangError

ROOT = Path(__file__).resolve().parents[2]
VQC = ROOT / "examples" / "havlicek_vqc.qml"  # target { device = heavy_hex(3), basis = ibm }


def _two_qubit_edges(compiled: qlang.Compiled) -> set[tuple[int, int]]:
    return {op.qubits for op in compiled.ir.ops if op.is_gate and len(op.qubits) == 2}


def test_model_target_block_sets_device_and_basis() -> None:
    out = qlang.compile(VQC)
    dev = heavy_hex(3)
    assert out.layout is not None and out.stats.qubits == dev.num_qubits
    assert all(dev.adjacent(a, b) for a, b in _two_qubit_edges(out))
    assert set(out.stats.gate_counts) <= {"cx", "rz", "sx", "x"}
    assert any("heavy_hex(3)" in n for n in out.notes)
    logical = qlang.compile(VQC, device="none", basis="none", optimization_level=0)
    assert logical.layout is None and "h" in logical.stats.gate_counts
    assert equivalent_up_to_layout(logical.ir, out.ir, states=2, seed=3)


def test_arguments_override_the_model() -> None:
    out = qlang.compile(VQC, device="line(3)", basis="cx,rz,sx,x", optimization_level=2)
    assert out.stats.qubits == 3 and out.optimization_level == 2
    assert all(line(3).adjacent(a, b) for a, b in _two_qubit_edges(out))
    assert qlang.compile(VQC, device=grid(2, 2)).stats.qubits == 4


def test_custom_passes_take_the_device_of_the_command() -> None:
    out = qlang.compile(VQC, device="line(4)", passes="merge-rotations,layout,route")
    assert out.stats.qubits == 4 and out.layout is not None
    assert "h" in out.stats.gate_counts  # no basis translation in this pipeline
    named = qlang.compile(VQC, device="none", passes="layout{device=ring(3)},route{device=ring(3)}")
    assert named.stats.qubits == 3
    with pytest.raises(QLangError) as err:
        qlang.compile(VQC, device="none", passes="layout,route")
    assert err.value.diagnostics[0].code == "QL0553"
    assert "needs a device" in err.value.diagnostics[0].message


@pytest.mark.parametrize("level", [0, 1, 2, 3])
@pytest.mark.parametrize("spec", ["line(5)", "heavy_hex:eagle", "grid(2,3)"])
def test_preset_specs_with_a_device_round_trip(level: int, spec: str) -> None:
    dev = parse_device(spec)
    pipe = build_preset(level, basis=("ibm",), device=dev, seed=4)
    assert parse_pipeline(pipe.spec()) == list(pipe.passes)
    assert Pipeline.from_json(pipe.to_json()).passes == pipe.passes


def test_routing_pass_options_parse_with_brackets() -> None:
    (layout,) = parse_pipeline("layout{device=grid(2,3),method=sabre,trials=3}")
    (route,) = parse_pipeline("route{method=sabre}", device=line(6))
    assert isinstance(layout, LayoutPass) and layout.device == grid(2, 3)
    assert layout.method == "sabre" and layout.trials == 3
    assert isinstance(route, RoutePass) and route.device == line(6)
    with pytest.raises(QLangError) as err:
        parse_pipeline("layout{device=grid(2,x)}")
    assert err.value.diagnostics[0].code == "QL0583"
    with pytest.raises(QLangError) as err:
        parse_pipeline("route{device=line(3),method=magic}")
    assert err.value.diagnostics[0].code == "QL0553"


def test_cli_flags_print_ir_and_timings() -> None:
    runner = CliRunner()
    r = runner.invoke(
        main,
        ["compile", str(VQC), "--passes", "layout,route", "--device", "line(2)",
         "--print-ir-after", "route", "--time-passes"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "// IR after route{device=line(2)" in r.output
    assert "total" in r.output and "layout" in r.output
    r = runner.invoke(main, ["compile", str(VQC), "--passes", "layout,route", "--device", "none"])
    assert r.exit_code == 1 and "error[QL0553]" in r.output
    r = runner.invoke(main, ["compile", str(VQC), "--print-ir-after", "nope"])
    assert r.exit_code == 1 and "error[QL0556]" in r.output
    r = runner.invoke(main, ["passes", "-O", "2", "--device", "line(4)"])
    assert r.exit_code == 0 and "route{device=line(4)" in r.output


def test_bad_target_device_is_located(tmp_path: Path) -> None:
    src = tmp_path / "m.qml"
    src.write_text(VQC.read_text().replace("heavy_hex(3)", "heavy_hex(4)"))
    r = CliRunner().invoke(main, ["compile", str(src)])
    assert r.exit_code == 1
    assert "error[QL0586]" in r.output and "m.qml:16:15" in r.output


def test_device_file_is_relative_to_the_model(tmp_path: Path) -> None:
    (tmp_path / "chip.json").write_text('{"num_qubits": 3, "edges": [[0, 1], [1, 2]]}')
    src = tmp_path / "m.qml"
    src.write_text(VQC.read_text().replace("heavy_hex(3)", '"chip.json"'))
    out = qlang.compile(src)
    assert out.stats.qubits == 3
    assert all(line(3).adjacent(a, b) for a, b in _two_qubit_edges(out))
