"""Codes of the semantic analysis (QL0101-QL0399): pure data.

``QL01xx`` names and imports, ``QL02xx`` types, shapes and values, ``QL03xx`` models.
The named constants (``UNKNOWN_NAME = "QL0101"``) are in :mod:`qlang.semantics.codes`.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0101"].title
    'unknown name'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "semantics",
    "Semantic errors",
    "`QL01xx`: names and imports; `QL02xx`: types, shapes and values; `QL03xx`: models. "
    "Each diagnostic points at the offending code, says what is wrong and, where possible, "
    "how to fix it (`help:`); several are reported per run. The bad examples are the "
    "malformed inputs of `tests/unit/test_semantics_errors.py`.",
    "QL0101",
    "QL0399",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0101",
        "unknown name",
        "circuit c on q[2] { rx(tehta) q[0]; }",
        "circuit c(theta: float) on q[2] { rx(theta) q[0]; }",
        "Check the spelling; the `help:` line suggests the closest visible name.",
    ),
    ErrorInfo(
        "QL0102",
        "unknown gate or circuit",
        "circuit c on q[2] { hh q[0]; }",
        "circuit c on q[2] { h q[0]; }",
        "Use a gate of the gate set, or import/define the circuit.",
    ),
    ErrorInfo(
        "QL0103",
        "unknown module or file in an import",
        "import encodngs.angle\ncircuit c on q[1] { h q[0]; }",
        "import encodings.angle",
        "Stdlib modules are `encodings`, `ansatze`, `observables`; files are imported as "
        '`import "path.qml"`, relative to the importing file.',
    ),
    ErrorInfo(
        "QL0104",
        "import cycle",
        '// a.qml\nimport "b.qml"\n// b.qml\nimport "a.qml"',
        '// a.qml and b.qml both: import "shared.qml"',
        "Two files import each other. Move the shared definitions into a third file that both "
        "import.",
    ),
    ErrorInfo(
        "QL0105",
        "name defined or imported twice",
        "import encodings.angle\ncircuit angle on q[1] { h q[0]; }",
        "import encodings.angle as angle_encoding\ncircuit angle on q[1] { h q[0]; }",
        "Rename your definition, or import the other one under another name with `as`.",
    ),
    ErrorInfo(
        "QL0106",
        "module has no such definition",
        "import encodings.angel\ncircuit c on q[1] { h q[0]; }",
        "import encodings.angle",
        "Import a definition that the module has (see the `help:` suggestion).",
    ),
    ErrorInfo(
        "QL0107",
        "local name shadows another local name",
        "circuit c on q[2] { let k = 1; for k in 0..2 { h q[k]; } }",
        "circuit c on q[2] { let k = 1; for i in 0..2 { h q[i]; } }",
        "Give the loop variable or `let` value a new name.",
    ),
    ErrorInfo(
        "QL0108",
        "no model, or which model is ambiguous",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model a { task = regress() }\n"
        "model b { task = regress() }",
        "model a { ... }",
        'Name the model: `load_model(path, model="a")` or `qlang ... --model a`; or add a '
        "model to the file.",
    ),
    ErrorInfo(
        "QL0109",
        "definition used as the wrong kind",
        "observable o on q[n] = Z0;\ncircuit c on q[1] { o q[0]; }",
        "observable o on q[n] = Z0;\nmodel m { ... readout = expval(o()) }",
        "Observables are used in `readout`/`observable`, circuits in gate statements.",
    ),
    ErrorInfo(
        "QL0201",
        "value of the wrong type",
        'circuit c(k: int) on q[2] { h q[k]; }\ncircuit d on q[2] { c(k = "one") q; }',
        "c(k = 1) q;",
        "Pass a value of the declared type.",
    ),
    ErrorInfo(
        "QL0202",
        "wrong arguments in a call",
        "circuit c(k: int) on q[2] { h q[k]; }\ncircuit d on q[2] { c(j = 1) q; }",
        "c(k = 1) q;",
        "Use the parameter names of the definition; pass every parameter without a default.",
    ),
    ErrorInfo(
        "QL0203",
        "value not known at compile time",
        "circuit c(x: float[2]) on q[2] { for i in 0..x[0] { h q[0]; } }",
        "circuit c(x: float[2], n: int = 2) on q[2] { for i in 0..n { ry(x[i]) q[i]; } }",
        "Loop bounds, repeat counts, indices and `if` conditions must be compile-time values "
        "(int parameters, `let`, constants), not inputs or weights.",
    ),
    ErrorInfo(
        "QL0204",
        "array shape mismatch",
        "circuit c(t: float[3]) on q[2] { rx(t[0]) q[0]; }\ncircuit d on q[2] { c([1, 2]) q; }",
        "c([1, 2, 3]) q;",
        "Pass an array of the declared shape.",
    ),
    ErrorInfo(
        "QL0205",
        "wrong number of qubits",
        "circuit c on q[3] { cx q[0]; }",
        "circuit c on q[3] { cx q[0], q[1]; }",
        "Give a gate as many qubits as it acts on; registers passed to a circuit must have "
        "the size it expects.",
    ),
    ErrorInfo(
        "QL0206",
        "same qubit twice in one operation",
        "circuit c on q[2] { cx q[1], q[1]; }",
        "circuit c on q[2] { cx q[0], q[1]; }",
        "Use distinct qubits in one gate or call.",
    ),
    ErrorInfo(
        "QL0207",
        "index out of range",
        "circuit c on q[2] { h q[2]; }",
        "circuit c on q[2] { h q[1]; }",
        "Indices run from 0 to size - 1 (`0..n` is half-open).",
    ),
    ErrorInfo(
        "QL0208",
        "invalid value",
        'circuit c on q[3] { for (i, j) in pairs(3, "rnig") { cx q[i], q[j]; } }',
        'for (i, j) in pairs(3, "ring") { cx q[i], q[j]; }',
        "Use one of the accepted values (the `help:` line lists them).",
    ),
    ErrorInfo(
        "QL0209",
        "modifier cannot be applied",
        "circuit c on q[1] {\n  pow(0.5) @ h q[0];\n}",
        "pow(0.5) @ rx(theta) q[0];  // = rx(0.5 * theta)",
        "`inv`/`ctrl`/`pow` need unitary bodies: no measurement, reset, bits or ancillas; a "
        "non-integer `pow` needs a single rotation gate.",
    ),
    ErrorInfo(
        "QL0210",
        "observable does not fit the qubits",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z5)\n"
        "  task = classify(classes = 3)\n"
        "}",
        "readout = expval(Z3)",
        "Observables may only use qubits 0..qubits-1 and must be hermitian (no `X0 Y0` "
        "products with an imaginary phase).",
    ),
    ErrorInfo(
        "QL0211",
        "invalid classical condition",
        "circuit c on q[2] { bit[2] b; measure q -> b; if (b < 2) { x q[0]; } }",
        "if (b == 1) { x q[0]; }",
        "Compare measured bits with `==` (`if (c == 2)`, `if (c[0] == 1)`); `else` only for "
        "single bits.",
    ),
    ErrorInfo(
        "QL0212",
        "wrong number of gate parameters",
        "circuit c on q[1] { rx q[0]; }",
        "rx(0.5) q[0];",
        "Pass as many angles as the gate takes.",
    ),
    ErrorInfo(
        "QL0213",
        "operator not defined for these operands",
        'circuit c on q[1] { rx("a" * 2) q[0]; }',
        "rx(2 * 0.5) q[0];",
        "Arithmetic works on numbers (and observables for `+ - *`).",
    ),
    ErrorInfo(
        "QL0301",
        "input dimension does not match the data",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  qubits = 2\n"
        "  encoding = angle(x)\n"
        "  readout = expval([Z0, Z1])\n"
        "  task = regress()\n"
        "}",
        "data = iris() |> pca(2)\nqubits = 2\nencoding = angle(x)",
        "Make the encoding consume exactly the data's features: preprocess (`|> pca(k)`), "
        "change `qubits`, or pick an encoding with another width (e.g. `dense_angle`). For "
        "`csv` data declare `input x: float[k]`.",
    ),
    ErrorInfo(
        "QL0302",
        "readout does not fit the task",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = classify(classes = 3)\n"
        "}",
        "readout = expval([Z0, Z1, Z2]) |> softmax()",
        "Give the readout at least as many outputs as classes (several expvals, `probs` over "
        "enough qubits, `|> linear(out = k)`), and match the data's class count.",
    ),
    ErrorInfo(
        "QL0303",
        "gradient method needs another execution mode",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval([Z0, Z1, Z2])\n"
        "  task = classify(classes = 3)\n"
        "  train { gradient = adjoint, shots = 100 }\n"
        "}",
        "train { gradient = parameter_shift, shots = 100 }",
        "`adjoint` differentiation needs exact statevectors: with noise use `auto` or "
        "`backprop` (exact reverse mode through the density matrices), with shots or "
        "trajectories `parameter_shift` (or `spsa`, `finite_diff`). `backprop` needs exact "
        "density matrices (no shots, no trajectories).",
    ),
    ErrorInfo(
        "QL0304",
        "unknown, missing or repeated model entry",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encodng = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        "}",
        "encoding = angle(x)",
        "Use the documented model entries; each once; every model needs a circuit "
        "(`encoding`/`ansatz` or `circuit`), a readout (unless a kernel or minimize task) and "
        "a task.",
    ),
    ErrorInfo(
        "QL0305",
        "unknown setting value",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        "  optimizer = adma(lr = 0.1)\n"
        "}",
        "optimizer = adam(lr = 0.1)",
        "Use a known data set, preprocessing step, readout, task, loss, optimizer, gradient "
        "method or basis gate (see `help:`).",
    ),
    ErrorInfo(
        "QL0306",
        "hybrid layer widths do not match",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  input x: float[2]\n"
        "  encoding = angle(x)\n"
        "  readout = expval([Z0, Z1])\n"
        "  layers = [dense(3 -> 2), quantum]\n"
        "  task = regress()\n"
        "}",
        "layers = [dense(4 -> 2), quantum]",
        "Each layer's input width must equal the previous layer's output width (the first "
        "takes the data's features; `quantum` takes the circuit inputs and gives the readout "
        "outputs).",
    ),
    ErrorInfo(
        "QL0307",
        "qubit count does not fit the circuit",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  qubits = 0\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        "}",
        "qubits = 4",
        "Set `qubits` to a positive count, or let it be inferred from the encoding.",
    ),
    ErrorInfo(
        "QL0308",
        "loss does not fit the task",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        "  loss = cross_entropy\n"
        "}",
        "loss = mse",
        "Pick a loss that fits the task (the `help:` line lists them).",
    ),
    ErrorInfo(
        "QL0309",
        "unknown or missing argument of a setting",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        "  optimizer = adam(lrr = 0.1)\n"
        "}",
        "optimizer = adam(lr = 0.1)",
        "Every setting takes the arguments its catalog entry lists (the `help:` line shows "
        "them with their defaults), positional ones in that order; required ones must be given. "
        "The tables in docs/language.md and docs/training.md list them all.",
    ),
    ErrorInfo(
        "QL0310",
        "setting argument out of range",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = moons(n = 10**8)\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        "}",
        "data = moons(n = 200)",
        "Each argument has a range in the catalog (probabilities in [0, 1], shots >= 1, a test "
        "fraction in (0, 1), sizes bounded by qlang's resource limits, ...), and some arguments "
        "must agree with each other or with the data (e.g. `pca(k)` keeps at most as many "
        "components as there are features).",
    ),
    ErrorInfo(
        "QL0311",
        "setting not supported by the runtime yet",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        "  target { backend = aer }\n"
        "}",
        "target { backend = density_matrix }",
        "The catalog can mark what the runtime cannot honour yet (today every entry runs; "
        "the example shows an entry marked so). `qlang check` rejects it instead of "
        "training without it; the message says why.",
    ),
    ErrorInfo(
        "QL0312",
        "early stopping cannot monitor this value",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        "  train { early_stopping = early_stopping(monitor = \"test_mse\") }\n"
        "}",
        'train { early_stopping = early_stopping(monitor = "val_mse") }',
        "Early stopping monitors `loss` (the training loss) or, with a validation split "
        "(`train { validation = 0.2 }`, the default for classify and regress), `val_loss` and "
        "`val_<metric>`. The test split is evaluated once, after training, so it can never "
        "drive a training decision.",
    ),
    ErrorInfo(
        "QL0313",
        "setting does not apply to this model",
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  qubits = 2\n"
        "  ansatz = real_amplitudes(reps = 1)\n"
        "  observable = Z0 Z1\n"
        "  task = minimize(observable)\n"
        "  train { batch_size = 8 }\n"
        "}",
        "train { epochs = 50 }",
        "Every entry must change what runs: a setting the task does not use (`batch_size` or "
        "`validation` for a one-sample task, a metric of another task, `data` for `minimize`, an "
        "optimizer for a kernel without trainable weights, a quantum block no layer uses, "
        "batches or early stopping with a scipy optimizer) is an error, not silently ignored.",
    ),
    ErrorInfo(
        "QL0314",
        "the backend cannot run the target's noise",
        "import encodings.angle\n"
        "import ansatze.real_amplitudes\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        "  target { noise = [depolarizing(0.01)], backend = statevector }\n"
        "}",
        "target { noise = [depolarizing(0.01)], backend = density_matrix }",
        "The statevector engine is exact and noiseless. With `noise`, use `backend = auto` "
        "(the default: a density matrix when it fits the memory budget, else trajectories), "
        "`density_matrix` or `trajectories(samples = k)`; the execution backends `aer`, `fake`, `ibm` and `tket` run their own noise (docs/backends.md).",
    ),
    ErrorInfo(
        "QL0315",
        "the setting needs an optional package",
        "import encodings.angle\n"
        "model m {\n"
        "  data = iris()\n"
        "  encoding = angle(x)\n"
        "  readout = expval(Z0)\n"
        "  task = regress()\n"
        '  target { noise = from_backend("fake_manila") }   # without qiskit-ibm-runtime\n'
        "}",
        'pip install "qlang[ibm]"',
        "Some settings use optional libraries: `from_backend` reads a fake IBM device with "
        "`qiskit-ibm-runtime` and its noise model with `qiskit-aer` (the extra `ibm` installs "
        "both; `aer` installs Aer alone). Install the extra named in `help:`.",
    ),
)
