"""Training-runtime benchmark: one batch gradient step, a kernel matrix, a large forward pass
and the CLI, qlang against its peers, side by side in one run.

Batch gradient (the model comes from a ``.qml`` file, :func:`model_text`): angle encoding
``rx(x_i)``, 3 strongly-entangling layers (PennyLane's ``StronglyEntanglingLayers``),
readout ``<Z0>``, MSE loss, batch 64; one step = the batch loss and its gradient with respect
to all ``9n`` weights. Peers, each in its fastest configuration we know of:

* PennyLane ``default.qubit`` + JAX: ``jax.jit(jax.value_and_grad(loss))`` over a ``vmap``
  of the QNode, float64 (``jax_enable_x64``) and float32;
* PennyLane ``lightning.qubit`` with ``diff_method="adjoint"`` (C++; no batching, PennyLane
  splits the batch into tapes);
* qulacs (C++): per-sample state update and ``backprop`` (its fastest gradient);
* optionally Qiskit ML ``EstimatorQNN`` (``--peers ... qiskit_ml``; minutes per step).

qlang runs ``QuantumFunction.vjp`` with the MSE cotangent (forward, readout and adjoint
sweep in one call), in complex128 and complex64. Kernel: the 200 x 200 fidelity kernel of
an 8-qubit ZZ feature map (reps 2, linear entanglement, from a ``.qml`` file) against
PennyLane + JAX (``jit`` of a ``vmap``-ed statevector QNode and one Gram product) and Qiskit
ML's ``FidelityStatevectorKernel``. Large state: a forward pass at n = 20, batch 8, against
the memory-bandwidth bound (one read and write of the state, timed with ``np.copyto``, per
cache pass of the executor plus one for the product state and readout; with default
threads the faster of one copier and one per thread), and against the passes the executor
makes over memory (chunk runs: several cache passes per chunk in cache). CLI: ``qlang check`` and ``qlang train`` on
``examples/iris_vqc.qml``, median wall time of 5 runs.

Every measurement runs in its own subprocess with a time limit and a memory limit; a peer
that fails or exceeds a limit is reported as such. Each is timed twice: single-threaded
(``OMP/OPENBLAS/MKL_NUM_THREADS=1``, ``QLANG_THREADS=1``, XLA's Eigen pool off) as the CPU
time of the process, and with default threads as wall-clock time; both the best of
``--reps`` repetitions after a warm-up.

Reproduce::

    pip install -e .[bench]
    python benchmarks/training.py                              # everything, ~1 hour
    python benchmarks/training.py --sizes 4 8 --no-kernel --no-large --no-cli
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

PEERS = ("qlang", "qlang_c64", "pl_jax", "pl_jax32", "lightning", "qulacs")
LABELS = {
    "qlang": "qlang (complex128)",
    "qlang_c64": "qlang (complex64)",
    "pl_jax": "PennyLane + JAX (float64)",
    "pl_jax32": "PennyLane + JAX (float32)",
    "lightning": "lightning.qubit adjoint",
    "qulacs": "qulacs backprop",
    "qiskit_ml": "Qiskit ML EstimatorQNN",
}
#: the peers of the 5x goal (same precision as qlang's default)
GOAL_PEERS = ("pl_jax", "lightning", "qulacs")
LAYERS = 3
BATCH = 64
#: per-sample peers at large n are timed on this many samples and scaled to the batch
#: (their cost is linear in the batch); marked in the table
SCALE_FROM = 16
SINGLE = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "QLANG_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
}
NOTES: list[str] = []
INFO: dict[str, float] = {}


def model_text(n: int) -> str:
    """The benchmark model as a ``.qml`` file (data only makes the file a complete model;
    the benchmark feeds its own batch)."""
    return f"""import encodings.angle
import ansatze.strongly_entangling

model sel_{n} {{
  data      = sine(n = 80, window = {n})
  qubits    = {n}
  encoding  = angle(x, rotation = "x")
  ansatz    = strongly_entangling(layers = {LAYERS})
  readout   = expval(Z0)
  task      = regress()
  loss      = mse
  optimizer = adam(lr = 0.05)
  train     {{ epochs = 1, batch_size = {BATCH}, seed = 1, gradient = adjoint }}
}}
"""


KERNEL_TEXT = """import encodings.zz_feature_map

model zz_kernel {
  data     = blobs(n = 200, features = 8)
  qubits   = 8
  encoding = zz_feature_map(x, reps = 2, entanglement = "linear")
  task     = kernel(kind = "fidelity", method = "svc", C = 1.0)
  loss     = kernel_target_alignment
  train    { seed = 3 }
}
"""


def load(text: str):  # noqa: ANN201 - the qlang Model
    import qlang

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.qml"
        path.write_text(text)
        return qlang.load_model(str(path))


def data(n: int, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1234)
    x = rng.uniform(0, np.pi, (batch, n))
    w = rng.uniform(0, 2 * np.pi, (LAYERS, n, 3))
    y = rng.uniform(-1, 1, batch)
    return x, w, y


#: every timed batch of calls lasts at least this long (seconds): short calls are timed as
#: the mean of a batch of calls, so per-call clock and accounting quirks average out
MIN_BATCH = 0.05


def best_of(fn, reps: int) -> tuple[float, float]:
    """Best (wall, CPU) seconds per call over ``reps`` timed batches of calls, after one
    warm-up call (a batch repeats the call until it lasts :data:`MIN_BATCH` seconds)."""
    w0 = time.perf_counter()
    fn()
    calls = max(1, int(MIN_BATCH / max(time.perf_counter() - w0, 1e-7)))
    walls, cpus = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        for _ in range(calls):
            fn()
        walls.append((time.perf_counter() - w0) / calls)
        cpus.append((time.process_time() - c0) / calls)
    return min(walls), min(cpus)


# --- batch gradient: one function per framework -----------------------------------------


def _qlang(n: int, batch: int, reps: int, dtype: str) -> tuple[float, float]:
    from qlang.sim import QuantumFunction

    model = load(model_text(n))
    x, w, y = data(n, batch)
    qf = QuantumFunction(model.main, gradient="adjoint", dtype=dtype)
    wf = w.reshape(-1)  # strongly_entangling's weight[layers, n, 3], row-major

    def step() -> np.ndarray:  # loss and its gradient (the MSE cotangent inside the call)
        out, gw, _ = qf.vjp(x, wf, lambda o: 2 * (o - y[:, None]) / batch, input_grads=False)
        return np.mean((out[:, 0] - y) ** 2), gw

    ex = qf.simulator.executor
    INFO["passes"] = len(ex.program.passes) if ex is not None else 0
    return best_of(step, reps)


def run_qlang(n: int, batch: int, reps: int) -> tuple[float, float]:
    return _qlang(n, batch, reps, "complex128")


def run_qlang_c64(n: int, batch: int, reps: int) -> tuple[float, float]:
    return _qlang(n, batch, reps, "complex64")


def _pl_jax(n: int, batch: int, reps: int, x64: bool) -> tuple[float, float]:
    import jax

    jax.config.update("jax_enable_x64", x64)
    import jax.numpy as jnp
    import pennylane as qml

    x, w, y = data(n, batch)
    dt = jnp.float64 if x64 else jnp.float32
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, interface="jax", diff_method="backprop")
    def circuit(feats, weights):
        qml.AngleEmbedding(feats, wires=range(n), rotation="X")
        qml.StronglyEntanglingLayers(weights, wires=range(n))
        return qml.expval(qml.PauliZ(0))

    xs, ys = jnp.asarray(x, dtype=dt), jnp.asarray(y, dtype=dt)

    def loss(weights):
        out = jax.vmap(circuit, in_axes=(0, None))(xs, weights)
        return jnp.mean((out - ys) ** 2)

    step = jax.jit(jax.value_and_grad(loss))
    weights = jnp.asarray(w, dtype=dt)
    return best_of(lambda: jax.block_until_ready(step(weights)), reps)


def run_pl_jax(n: int, batch: int, reps: int) -> tuple[float, float]:
    return _pl_jax(n, batch, reps, True)


def run_pl_jax32(n: int, batch: int, reps: int) -> tuple[float, float]:
    return _pl_jax(n, batch, reps, False)


def _scaled(batch: int, n: int) -> tuple[int, float]:
    """Samples to time and the factor to the batch (large n: per-sample peers)."""
    if n >= 16 and batch > SCALE_FROM:
        NOTES.append(f"timed on {SCALE_FROM} samples, scaled x{batch // SCALE_FROM}")
        return SCALE_FROM, batch / SCALE_FROM
    return batch, 1.0


def run_lightning(n: int, batch: int, reps: int) -> tuple[float, float]:
    import pennylane as qml
    from pennylane import numpy as pnp

    part, scale = _scaled(batch, n)
    x, w, y = data(n, batch)
    x, y = x[:part], y[:part]
    dev = qml.device("lightning.qubit", wires=n)

    @qml.qnode(dev, diff_method="adjoint", interface="autograd")
    def circuit(feats, weights):
        qml.AngleEmbedding(feats, wires=range(n), rotation="X")
        qml.StronglyEntanglingLayers(weights, wires=range(n))
        return qml.expval(qml.PauliZ(0))

    xs = pnp.array(x, requires_grad=False)
    ys = pnp.array(y, requires_grad=False)

    def loss(weights):
        return pnp.sum((circuit(xs, weights) - ys) ** 2) / batch

    grad = qml.grad(loss)
    weights = pnp.array(w, requires_grad=True)
    wall, cpu = best_of(lambda: grad(weights), reps)
    return wall * scale, cpu * scale


def run_qulacs(n: int, batch: int, reps: int) -> tuple[float, float]:
    from circuits import sel_ranges
    from qulacs import Observable, ParametricQuantumCircuit, QuantumState

    part, scale = _scaled(batch, n)
    x, w, y = data(n, batch)
    circ = ParametricQuantumCircuit(n)
    for q in range(n):
        circ.add_parametric_RX_gate(q, 0.0)
    wf = w.reshape(-1)
    for layer, r in enumerate(sel_ranges(n, LAYERS)):
        for q in range(n):
            base = 3 * (layer * n + q)
            circ.add_parametric_RZ_gate(q, wf[base])
            circ.add_parametric_RY_gate(q, wf[base + 1])
            circ.add_parametric_RZ_gate(q, wf[base + 2])
        for q in range(n):
            circ.add_CNOT_gate(q, (q + r) % n)
    obs = Observable(n)
    obs.add_operator(1.0, "Z 0")
    state = QuantumState(n)

    def step() -> tuple[float, np.ndarray]:
        grad = np.zeros(len(wf))
        loss = 0.0
        for b in range(part):
            for q in range(n):
                circ.set_parameter(q, float(x[b, q]))
            state.set_zero_state()
            circ.update_quantum_state(state)
            out = obs.get_expectation_value(state)
            loss += (out - y[b]) ** 2 / batch
            grad += 2 * (out - y[b]) / batch * np.asarray(circ.backprop(obs))[n:]
        return loss, grad

    wall, cpu = best_of(step, reps)
    return wall * scale, cpu * scale


def run_qiskit_ml(n: int, batch: int, reps: int) -> tuple[float, float]:
    from circuits import sel_ranges
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    part = min(batch, 4)
    NOTES.append(f"timed on {part} samples, scaled x{batch // part}")
    x, w, y = data(n, part)
    xs, ws = ParameterVector("x", n), ParameterVector("w", LAYERS * n * 3)
    qc = QuantumCircuit(n)
    for q in range(n):
        qc.rx(xs[q], q)
    for layer, r in enumerate(sel_ranges(n, LAYERS)):
        for q in range(n):
            base = 3 * (layer * n + q)
            qc.rz(ws[base], q)
            qc.ry(ws[base + 1], q)
            qc.rz(ws[base + 2], q)
        for q in range(n):
            qc.cx(q, (q + r) % n)
    obs = SparsePauliOp.from_sparse_list([("Z", [0], 1.0)], num_qubits=n)
    qnn = EstimatorQNN(circuit=qc, observables=obs, input_params=list(xs), weight_params=list(ws))
    wf = w.reshape(-1)

    def step() -> np.ndarray:
        out = qnn.forward(x, wf)
        _, gw = qnn.backward(x, wf)
        return np.einsum("bk,bkw->w", 2 * (out - y[:, None]) / batch, gw)

    wall, cpu = best_of(step, 1)
    return wall * batch / part, cpu * batch / part


# --- kernel ----------------------------------------------------------------------------------

KERNEL_POINTS = 200


def kernel_data(points: int = KERNEL_POINTS) -> np.ndarray:
    return np.random.default_rng(7).uniform(0, 2 * np.pi, (points, 8))


def _qlang_kernel(points: int, dtype: str = "complex128") -> np.ndarray:
    from qlang.sim import kernel_matrix

    enc = load(KERNEL_TEXT).main.circuit
    return kernel_matrix(enc, kernel_data(points), dtype=dtype)


def run_kernel_qlang(reps: int) -> tuple[float, float]:
    from qlang.sim import kernel_matrix

    enc, X = load(KERNEL_TEXT).main.circuit, kernel_data()
    return best_of(lambda: kernel_matrix(enc, X), reps)


def run_kernel_qlang_c64(reps: int) -> tuple[float, float]:
    from qlang.sim import kernel_matrix

    enc, X = load(KERNEL_TEXT).main.circuit, kernel_data()
    return best_of(lambda: kernel_matrix(enc, X, dtype="complex64"), reps)


def _jax_kernel_fn():  # noqa: ANN202
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import pennylane as qml

    n = 8
    dev = qml.device("default.qubit", wires=n)

    @qml.qnode(dev, interface="jax")
    def state(x):
        for _ in range(2):
            for q in range(n):
                qml.Hadamard(q)
                qml.PhaseShift(2 * x[q], wires=q)
            for i in range(n - 1):
                qml.CNOT([i, i + 1])
                qml.PhaseShift(2 * (np.pi - x[i]) * (np.pi - x[i + 1]), wires=i + 1)
                qml.CNOT([i, i + 1])
        return qml.state()

    @jax.jit
    def kernel(X):
        s = jax.vmap(state)(X)
        return jnp.abs(jnp.conj(s) @ s.T) ** 2

    return kernel, jax, jnp


def run_kernel_pl_jax(reps: int) -> tuple[float, float]:
    kernel, jax, jnp = _jax_kernel_fn()
    X = jnp.asarray(kernel_data())
    return best_of(lambda: jax.block_until_ready(kernel(X)), reps)


def _qiskit_kernel():  # noqa: ANN202
    from qiskit.circuit.library import zz_feature_map
    from qiskit_machine_learning.kernels import FidelityStatevectorKernel

    return FidelityStatevectorKernel(feature_map=zz_feature_map(8, reps=2, entanglement="linear"))


def run_kernel_qiskit(reps: int) -> tuple[float, float]:
    kernel, X = _qiskit_kernel(), kernel_data()
    return best_of(lambda: kernel.evaluate(X), reps)


def kernel_check() -> dict[str, float]:
    """Max deviation of qlang's matrix from the peers' (40 points, same data)."""
    ours = _qlang_kernel(40)
    kernel, _, jnp = _jax_kernel_fn()
    jax_k = np.asarray(kernel(jnp.asarray(kernel_data(40))))
    qiskit_k = _qiskit_kernel().evaluate(kernel_data(40))
    ours64 = _qlang_kernel(40, "complex64")
    return {
        "vs_jax": float(np.max(np.abs(ours - jax_k))),
        "vs_qiskit": float(np.max(np.abs(ours - qiskit_k))),
        "c64_vs_c128": float(np.max(np.abs(ours64 - ours))),
    }


def kernel_split(reps: int) -> dict[str, float]:
    """qlang's kernel in its parts (encoding the points, the Gram matrix, scipy's ``zherk``
    alone on the same states), the whole call in the same process (the rest is per-call
    overhead) and the floor of the Gram matrix: its complex multiply-adds at this machine's
    rate for a 512 x 512 ``zgemm`` (CPU seconds, in the caller's threads)."""
    from scipy.linalg import blas

    from qlang.sim import kernel_matrix
    from qlang.sim.kernels import _gram_fidelity, simulator

    enc, X = load(KERNEL_TEXT).main.circuit, kernel_data()
    sim = simulator(enc)
    s = sim.statevector(X, phase=False)
    n, d = s.shape
    a = np.random.default_rng(0).normal(size=(512, 512)) * (1 + 1j)
    rate = 8 * 512**3 / best_of(lambda: a @ a, reps)[1]  # flop/s
    flops = 8 * d * n * (n + 1) / 2  # the upper triangle of S S^H
    return {
        "total": best_of(lambda: kernel_matrix(enc, X), reps)[1],
        "encode": best_of(lambda: sim.statevector(X, phase=False), reps)[1],
        "gram": best_of(lambda: _gram_fidelity(s), reps)[1],
        "zherk": best_of(lambda: blas.zherk(1.0, s.T, trans=2), reps)[1],
        "rate": rate,
        "flops": flops,
        "floor": flops / rate,
    }


# --- large state: forward pass against the memory-bandwidth bound --------------------------


def run_large(reps: int, n: int = 20, batch: int = 8) -> tuple[float, float]:
    from qlang.sim import QuantumFunction

    model = load(model_text(n))
    x, w, _ = data(n, batch)
    qf = QuantumFunction(model.main)
    ex = qf.simulator.executor
    passes = len(ex.program.passes) + 1 if ex is not None else 0  # + product state / readout
    memory = ex.program.memory_passes() if ex is not None else 0.0  # passes over memory
    copy_wall, copy_cpu = copy_time((batch, 2**n))
    from qlang.threads import threads

    if threads() > 1:  # the wall bound with default threads: the faster of 1 and T copiers
        copy_wall = min(copy_wall, copy_time((batch, 2**n), threads())[0])
    INFO.update(passes=passes, memory=memory, copy_wall=copy_wall, copy_cpu=copy_cpu)
    return best_of(lambda: qf.forward(x, w.reshape(-1)), reps)


def copy_time(shape: tuple[int, int], workers: int = 1) -> tuple[float, float]:
    """One read and one write of a complex128 state of ``shape`` (``np.copyto``; with
    ``workers`` > 1, that many threads each copy a share of the rows: numpy releases the GIL)."""
    state = np.ones(shape, dtype=complex)
    target = np.empty_like(state)
    if workers <= 1:
        return best_of(lambda: np.copyto(target, state), 5)
    from concurrent.futures import ThreadPoolExecutor

    cuts = np.linspace(0, shape[0], workers + 1).astype(int)
    with ThreadPoolExecutor(workers) as pool:

        def copy() -> None:
            list(pool.map(lambda i: np.copyto(target[cuts[i] : cuts[i + 1]], state[cuts[i] : cuts[i + 1]]),
                          range(workers)))  # fmt: skip

        return best_of(copy, 5)


# --- driver --------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (args.memory * 2**30, args.memory * 2**30))
    name = args.child
    if name == "kernel_check":
        print(json.dumps({"check": kernel_check()}))
        return
    if name == "kernel_split":
        print(json.dumps({"split": kernel_split(args.reps)}))
        return
    if name.startswith("kernel_") or name == "large":
        wall, cpu = globals()[f"run_{name}"](args.reps)
    else:
        wall, cpu = globals()[f"run_{name}"](args.n, args.batch, args.reps)
    print(json.dumps({"wall": wall, "cpu": cpu, "note": "; ".join(NOTES), "info": INFO}))


def measure(name: str, args: argparse.Namespace, n: int = 0, single: bool = True) -> dict:
    """One measurement in a subprocess: ``{"wall", "cpu", "note", "info"}`` or ``{"error"}``."""
    env = {k: v for k, v in os.environ.items() if k not in SINGLE}
    if single:
        env.update(SINGLE)
    reps = args.reps if n < 16 or name == "large" else 1  # the large forward: best of reps too
    cmd = [sys.executable, __file__, "--child", name, "--n", str(n), "--batch", str(args.batch),
           "--reps", str(reps), "--memory", str(args.memory)]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"> {args.timeout:.0f} s (time limit)"}
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or ["failed"]
        last = next((ln for ln in reversed(lines) if "Error" in ln), lines[-1])
        return {"error": f"failed: {last.strip()[:90]}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fmt(r: dict, key: str) -> str:
    if "error" in r:
        return r["error"]
    t = r[key]
    text = f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"
    return text + (" (†)" if r.get("note") else "")


def ratio(peer: dict, ours: dict, key: str) -> float | None:
    if "error" in peer or "error" in ours or not ours[key]:
        return None
    return peer[key] / ours[key]


def gradient_tables(args: argparse.Namespace) -> list[str]:
    rows = []
    for n in args.sizes:
        row: dict = {"n": n}
        for peer in args.peers:
            row[peer] = measure(peer, args, n, single=True)
            row[peer + "@wall"] = measure(peer, args, n, single=False)
            one, many = row[peer], row[peer + "@wall"]
            print(f"n={n:2d} {LABELS[peer]:28s} 1 thread: {fmt(one, 'cpu'):>24s}   "
                  f"default threads: {fmt(many, 'wall'):>24s}", flush=True)  # fmt: skip
            for r in (one, many):
                if r.get("note"):
                    print(f"      † {r['note']}", flush=True)
        rows.append(row)
    out = []
    for key, tag, title in (("cpu", "", "single-threaded CPU time per step"),
                            ("wall", "@wall", "wall clock per step, default threads")):  # fmt: skip
        head = f"| n | {' | '.join(LABELS[p] for p in args.peers)} | fastest peer / qlang |"
        lines = [f"**{title}** (per call, best of {args.reps} batches of calls of at least "
                 f"{MIN_BATCH * 1e3:.0f} ms; n >= 16: one call after the warm-up)", "", head,
                 "|" + "---|" * (len(args.peers) + 2)]  # fmt: skip
        for row in rows:
            cells = [fmt(row[p + tag], key) for p in args.peers]
            peers = [(p, ratio(row[p + tag], row["qlang" + tag], key)) for p in GOAL_PEERS
                     if p in args.peers and "qlang" in args.peers]  # fmt: skip
            got = [(r, p) for p, r in peers if r is not None]
            best = f"{min(got)[0]:.1f}x ({LABELS[min(got)[1]]})" if got else "-"
            lines.append(f"| {row['n']} | {' | '.join(cells)} | {best} |")
        out += lines + [""]
    return out


def kernel_table(args: argparse.Namespace) -> list[str]:
    names = ("kernel_qlang", "kernel_qlang_c64", "kernel_pl_jax", "kernel_qiskit")
    label = {"kernel_qlang": "qlang `kernel_matrix` (complex128)",
             "kernel_qlang_c64": "qlang `kernel_matrix` (complex64)",
             "kernel_pl_jax": "PennyLane + JAX (jit of vmap, one Gram product)",
             "kernel_qiskit": "Qiskit ML `FidelityStatevectorKernel`"}  # fmt: skip
    res = {k: (measure(k, args, single=True), measure(k, args, single=False)) for k in names}
    lines = ["| kernel 200 x 200, 8-qubit ZZ map (reps 2, linear) | CPU, 1 thread | "
             "/ qlang | wall, default threads | / qlang |", "|---|---|---|---|---|"]  # fmt: skip
    for k in names:
        one, many = res[k]
        r1 = ratio(one, res["kernel_qlang"][0], "cpu")
        r2 = ratio(many, res["kernel_qlang"][1], "wall")
        lines.append(f"| {label[k]} | {fmt(one, 'cpu')} | {f'{r1:.1f}x' if r1 else '-'} | "
                     f"{fmt(many, 'wall')} | {f'{r2:.1f}x' if r2 else '-'} |")  # fmt: skip
    check = measure("kernel_check", args)
    if "check" in check:
        c = check["check"]
        lines += ["", f"max |K_qlang - K_jax| = {c['vs_jax']:.1e}, max |K_qlang - K_qiskit| = "
                  f"{c['vs_qiskit']:.1e} (40 points); complex64 vs complex128: {c['c64_vs_c128']:.1e}"]  # fmt: skip
    split = measure("kernel_split", args)
    jax = res["kernel_pl_jax"][0]
    if "split" in split and "error" not in jax:
        p = split["split"]
        lines += ["", f"Split (CPU, 1 thread, same run): the whole call {p['total'] * 1e3:.2f} ms = encoding "
                  f"the 200 points {p['encode'] * 1e3:.2f} ms + Gram matrix {p['gram'] * 1e3:.2f} ms + the rest "
                  f"{(p['total'] - p['encode'] - p['gram']) * 1e3:.2f} ms (scipy's `zherk` alone on the same states "
                  f"{p['zherk'] * 1e3:.2f} ms). Floor of the Gram matrix: {p['flops'] / 1e6:.0f} Mflop at "
                  f"this machine's single-thread 512 x 512 `zgemm` rate ({p['rate'] / 1e9:.0f} GFLOPS) = "
                  f"{p['floor'] * 1e3:.2f} ms; 10x against PennyLane + JAX needs at most "
                  f"{jax['cpu'] / 10 * 1e3:.2f} ms in all."]  # fmt: skip
    for k in names:
        print(lines[2 + names.index(k)], flush=True)
    print("\n".join(lines[len(names) + 2 :]), flush=True)
    return lines


def large_table(args: argparse.Namespace) -> list[str]:
    one, many = measure("large", args, 20, single=True), measure("large", args, 20, single=False)
    lines = ["| forward, n = 20, batch 8 | time | cache passes + 1 | bound (passes x copy) | time / bound "
             "| memory passes | time / (memory passes x copy) |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r, key, what in ((one, "cpu", "CPU, 1 thread"), (many, "wall", "wall, default threads")):
        if "error" in r:
            lines.append(f"| {what} | {r['error']} | | | | | |")
            continue
        info = r["info"]
        copy = info["copy_cpu" if key == "cpu" else "copy_wall"]
        bound = info["passes"] * copy
        lines.append(f"| {what} | {r[key] * 1e3:.0f} ms | {info['passes']} | {bound * 1e3:.0f} ms "
                     f"({copy * 1e3:.1f} ms per copy) | {r[key] / bound:.2f} | {info['memory']:g} | "
                     f"{r[key] / (info['memory'] * copy):.2f} |")  # fmt: skip
    print("\n".join(lines), flush=True)
    return lines


def cli_table(args: argparse.Namespace) -> list[str]:
    example = str(ROOT / "examples" / "iris_vqc.qml")
    qlang = str(Path(sys.executable).with_name("qlang"))
    # As on a user's machine: bytecode is written on the warm-up run (an installed wheel has
    # it from the start), and the parser-table and stdlib caches are warm.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for what, cmd in (("check", [qlang, "check", example]),
                          ("train", [qlang, "train", example, "--out", tmp + "/run", "-q"])):  # fmt: skip
            subprocess.run(cmd, capture_output=True, check=True, env=env)  # warm the caches
            times, cpus = [], []
            for _ in range(5):
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run(cmd, capture_output=True, check=True, env=env)
                times.append(time.perf_counter() - t0)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
            out.append(f"| `qlang {what} examples/iris_vqc.qml` | {statistics.median(times):.2f} s | "
                       f"{min(times):.2f} - {max(times):.2f} s | {statistics.median(cpus):.2f} s |")  # fmt: skip
    lines = ["| command | median wall (5 runs) | range | median CPU (user + sys) |",
             "|---|---|---|---|", *out]  # fmt: skip
    print("\n".join(lines), flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 6, 8, 10, 12, 16, 20])
    ap.add_argument("--batch", type=int, default=BATCH)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=900.0)
    ap.add_argument("--memory", type=int, default=12, help="GiB per measurement (address space)")
    ap.add_argument("--peers", nargs="+", default=list(PEERS))
    ap.add_argument("--no-gradient", action="store_true")
    ap.add_argument("--no-kernel", action="store_true")
    ap.add_argument("--no-large", action="store_true")
    ap.add_argument("--no-cli", action="store_true")
    ap.add_argument("--markdown", default=None, help="also write the tables to this file")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    load1 = os.getloadavg()[0]
    t0 = time.perf_counter()
    sections: list[str] = []
    if not args.no_gradient:
        sections += ["### Batch gradient", "", *gradient_tables(args), ""]
    if not args.no_kernel:
        sections += ["### Kernel matrix", "", *kernel_table(args), ""]
    if not args.no_large:
        sections += ["### Large state", "", *large_table(args), ""]
    if not args.no_cli:
        sections += ["### CLI", "", *cli_table(args), ""]
    sections.append(f"Total benchmark time {time.perf_counter() - t0:.0f} s; load average "
                    f"{load1:.1f} at the start, {os.getloadavg()[0]:.1f} at the end (2 cores).")  # fmt: skip
    text = "\n".join(sections)
    print()
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")


if __name__ == "__main__":
    main()
