"""Devices: constructors, named maps, parsing and its coded errors."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from qlang.devices import (
    Device,
    all_to_all,
    eagle,
    falcon,
    grid,
    heavy_hex,
    heron,
    line,
    parse_device,
    ring,
)
from qlang.diagnostics import QLangError


def test_families_sizes_and_distances():
    assert line(5).edges == ((0, 1), (1, 2), (2, 3), (3, 4))
    assert line(5).distance(0, 4) == 4
    assert ring(6).distance(0, 5) == 1 and ring(6).distance(0, 3) == 3
    g = grid(3, 4)
    assert (g.num_qubits, len(g.edges), g.distance(0, 11)) == (12, 17, 5)
    assert len(all_to_all(5).edges) == 10
    assert all(all_to_all(5).distance(a, b) == 1 for a in range(5) for b in range(5) if a != b)


@pytest.mark.parametrize("d", [3, 5, 7])
def test_heavy_hex_matches_qiskit(d):
    from qiskit.transpiler import CouplingMap

    ours = heavy_hex(d)
    theirs = nx.Graph(list(CouplingMap.from_heavy_hex(d).get_edges()))
    assert ours.num_qubits == (5 * d * d - 2 * d - 1) // 2
    assert nx.is_isomorphic(ours.to_networkx(), theirs)


@pytest.mark.parametrize(
    ("build", "qubits", "edges"), [(falcon, 27, 28), (eagle, 127, 144), (heron, 156, 176)]
)
def test_named_maps(build, qubits, edges):
    dev = build()
    assert (dev.num_qubits, len(dev.edges)) == (qubits, edges)
    assert dev.is_connected
    degrees = [len(n) for n in dev.neighbours]
    assert max(degrees) == 3 and min(degrees) >= 1
    # heavy-hex: no two degree-3 qubits are neighbours
    assert not any(degrees[a] == 3 and degrees[b] == 3 for a, b in dev.edges)


def test_eagle_contains_heavy_hex_cells():
    # 12-cycles (the heavy-hex cells) exist and there are no shorter cycles
    g = eagle().to_networkx()
    assert min(len(c) for c in nx.minimum_cycle_basis(g)) == 12


@pytest.mark.parametrize(
    ("spec", "qubits"),
    [
        ("line(8)", 8),
        (" ring( 5 ) ", 5),
        ("grid(3,4)", 12),
        ("heavy_hex(3)", 19),
        ("all_to_all(4)", 4),
        ("heavy_hex:eagle", 127),
        ("eagle", 127),
        ("heavy_hex:falcon", 27),
        ("heavy_hex:heron", 156),
        ("heavy_hex:5", 57),
    ],
)
def test_parse_specs(spec, qubits):
    assert parse_device(spec).num_qubits == qubits


def test_parse_json_and_edge_list(tmp_path):
    data = {
        "num_qubits": 3,
        "edges": [[0, 1], [1, 2]],
        "basis": ["cx", "rz"],
        "errors": {"qubits": [0.01, 0.02, 0.03], "edges": [[1, 0, 0.05]]},
    }
    f = tmp_path / "dev.json"
    f.write_text(json.dumps(data))
    dev = parse_device(str(f))
    assert dev.edges == ((0, 1), (1, 2)) and dev.basis == ("cx", "rz")
    assert dev.edge_error(0, 1) == 0.05 and dev.qubit_error(2) == 0.03
    assert Device("x", 3, ((0, 1), (1, 2))) == line(3)
    txt = tmp_path / "dev.edges"
    txt.write_text("# a triangle\n0 1\n1 2\n2 0\n")
    assert len(parse_device(str(txt)).edges) == 3
    again = tmp_path / "again.json"
    again.write_text(json.dumps(dev.to_json()))
    assert parse_device(str(again)) == dev


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ("", "QL0580"),
        ("heavy_hex:osprey", "QL0581"),
        ("torus(3)", "QL0582"),
        ("line(x)", "QL0583"),
        ("???", "QL0584"),
        ("grid(3)", "QL0585"),
        ("line(0)", "QL0586"),
        ("heavy_hex(4)", "QL0586"),
        ("all_to_all(20000)", "QL0587"),
        ("missing/dev.json", "QL0588"),
    ],
)
def test_bad_specs_have_codes(spec, code):
    with pytest.raises(QLangError) as err:
        parse_device(spec)
    assert err.value.codes == [code]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("{not json", "QL0589"),
        ("[1, 2]", "QL0591"),
        ('{"num_qubits": 2, "edges": [[0, 1]], "colour": 1}', "QL0591"),
        ('{"edges": [[0, 1]]}', "QL0592"),
        ('{"num_qubits": 2, "edges": [[0]]}', "QL0593"),
        ('{"num_qubits": 2, "edges": [[0, 1]], "basis": "cx"}', "QL0594"),
        ('{"num_qubits": 2, "edges": [[0, 1]], "errors": {"qubits": [2, 0]}}', "QL0595"),
        ('{"num_qubits": 2, "edges": [[0, 0]]}', "QL0596"),
        ('{"num_qubits": 2, "edges": [[0, 5]]}', "QL0596"),
        ('{"num_qubits": 3, "edges": [[0, 1]], "errors": {"edges": [[1, 2, 0.1]]}}', "QL0598"),
        ('{"num_qubits": 3, "edges": [[0, 1]]}', "QL0599"),
    ],
)
def test_bad_json_devices_have_codes(tmp_path, content, code):
    f = tmp_path / "bad.json"
    f.write_text(content)
    with pytest.raises(QLangError) as err:
        parse_device(str(f))
    assert err.value.codes == [code]


def test_bad_edge_list_line(tmp_path):
    f = tmp_path / "bad.edges"
    f.write_text("0 1\n1 two\n")
    with pytest.raises(QLangError) as err:
        parse_device(str(f))
    assert err.value.codes == ["QL0590"]
