"""Codes of device specs, device files and the layout (QL0580-QL0599): pure data.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0597"].title
    'circuit does not fit the device'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "routing",
    "Routing and device errors",
    "Raised by `qlang.devices.parse_device` (`--device SPEC`, `target { device = ... }`) "
    "and the layout pass. The JSON examples are the contents of a device file.",
    "QL0580",
    "QL0599",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0580",
        "empty device spec",
        '--device ""',
        "--device line(8)",
        "Name a device, e.g. `--device line(8)` or `--device heavy_hex:eagle`.",
    ),
    ErrorInfo(
        "QL0581",
        "unknown named device",
        "--device heavy_hex:osprey",
        "--device heavy_hex:eagle",
        "Use one of `falcon` (27q), `eagle` (127q), `heron` (156q), or a distance `heavy_hex:5`.",
    ),
    ErrorInfo(
        "QL0582",
        "unknown device family",
        "--device torus(3)",
        "--device grid(3,3)",
        "Use `line(n)`, `ring(n)`, `grid(r,c)`, `heavy_hex(d)` or `all_to_all(n)`.",
    ),
    ErrorInfo(
        "QL0583",
        "non-integer device arguments",
        "--device line(x)",
        "--device line(8)",
    ),
    ErrorInfo(
        "QL0584",
        "spec not understood",
        "--device ???",
        "--device line(8)",
        "A spec is a family call, a named device, or a path ending in `.json`/`.edges`/`.txt`.",
    ),
    ErrorInfo(
        "QL0585",
        "wrong number of arguments",
        "--device grid(3)",
        "--device grid(3,4)",
        "`grid` takes rows and columns.",
    ),
    ErrorInfo(
        "QL0586",
        "device too small or invalid size",
        "--device line(0)\n--device ring(2)\n--device heavy_hex(4)",
        "--device line(1)\n--device ring(3)\n--device heavy_hex(5)",
        "`line(1)` or larger, `ring(3)` or larger; the code distance of `heavy_hex` must be "
        "odd and >= 3.",
    ),
    ErrorInfo(
        "QL0587",
        "device too large",
        "--device all_to_all(20000)",
        "--device all_to_all(100)",
        "A device has at most 10,000 qubits.",
    ),
    ErrorInfo(
        "QL0588",
        "device file cannot be read",
        "--device missing/dev.json",
        "--device devices/dev.json",
        "Check the path.",
    ),
    ErrorInfo(
        "QL0589",
        "device file is not valid JSON",
        "{not json",
        '{"num_qubits": 3, "edges": [[0, 1], [1, 2]]}',
    ),
    ErrorInfo(
        "QL0590",
        "bad line in an edge-list file",
        "0 1\n1 two",
        "0 1\n1 2",
        "One `a b` pair of integers per line (`#` starts a comment).",
    ),
    ErrorInfo(
        "QL0591",
        "device JSON is not an object, or has an unknown key",
        '[1, 2]\n{"num_qubits": 2, "edges": [[0, 1]], "colour": 1}',
        '{"num_qubits": 2, "edges": [[0, 1]]}',
        "An object with keys `num_qubits`, `edges`, and optionally `name`, `basis`, `errors`.",
    ),
    ErrorInfo(
        "QL0592",
        "missing or bad `num_qubits`",
        '{"edges": [[0, 1]]}',
        '{"num_qubits": 2, "edges": [[0, 1]]}',
    ),
    ErrorInfo(
        "QL0593",
        "bad `edges`",
        '"edges": [[0]]',
        '"edges": [[0, 1]]',
        "A list of `[a, b]` integer pairs.",
    ),
    ErrorInfo(
        "QL0594",
        "bad `basis`",
        '"basis": "cx"',
        '"basis": ["cx", "rz", "sx", "x"]',
    ),
    ErrorInfo(
        "QL0595",
        "bad `errors`",
        '"errors": {"qubits": [2, 0]}',
        '"errors": {"qubits": [0.01, 0.02], "edges": [[0, 1, 0.05]]}',
        '`{"qubits": [one probability in [0, 1] per qubit], "edges": [[a, b, probability], ...]}`.',
    ),
    ErrorInfo(
        "QL0596",
        "bad edge (self-loop or out of range)",
        '"edges": [[0, 0]]\n"edges": [[0, 5]]     # with 2 qubits',
        '"edges": [[0, 1]]',
        "Edges join two different qubits `0 <= a, b < num_qubits`.",
    ),
    ErrorInfo(
        "QL0597",
        "circuit does not fit the device",
        "qlang compile model.qml --device falcon     # a 30-qubit model; falcon has 27 qubits\n"
        "qlang compile model.qml --device line(3)    # a 4-qubit circuit",
        "qlang compile model.qml --device eagle\nqlang compile model.qml --device line(4)",
        "Choose a device with at least as many qubits as the circuit.",
    ),
    ErrorInfo(
        "QL0598",
        "error rate on a pair that is not an edge",
        '"edges": [[0, 1]], "errors": {"edges": [[1, 2, 0.1]]}',
        '"edges": [[0, 1]], "errors": {"edges": [[0, 1, 0.1]]}',
        "Give rates only for edges.",
    ),
    ErrorInfo(
        "QL0599",
        "device is not connected",
        '{"num_qubits": 3, "edges": [[0, 1]]}     # qubit 2 is isolated',
        '{"num_qubits": 3, "edges": [[0, 1], [1, 2]]}',
        "Add edges so every pair of qubits is joined by a path; routing cannot move a qubit "
        "across a gap.",
    ),
)
