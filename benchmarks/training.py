"""Training-runtime benchmark: time per batch gradient, qlang versus peers.

Same model everywhere: angle encoding (``rx(x_i)``), 3 strongly-entangling
layers, readout ``<Z0>``, MSE loss, batch 64; one measurement = the gradient
of the batch loss with respect to all weights (forward included). Peers:
PennyLane ``default.qubit`` (backprop, broadcasting), ``lightning.qubit``
(adjoint), Qiskit ML ``EstimatorQNN`` (its default gradient), qulacs
(per-sample ``backprop``, C++; the raw-speed reference). Plus the 200 x 200
8-qubit ZZ-feature-map kernel matrix versus Qiskit ML's
``FidelityStatevectorKernel``.

Every measurement runs in its own subprocess with a time limit; a peer that
fails to import or exceeds the limit is reported as such. Times are the best
of ``--reps`` wall-clock repetitions after one warm-up.

Reproduce::

    python benchmarks/training.py --sizes 4 8 12 16 --reps 3 --timeout 120
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PEERS = ("qlang", "pl_default", "pl_lightning", "qiskit_ml", "qulacs")
LABELS = {
    "qlang": "qlang (adjoint)",
    "pl_default": "PennyLane default.qubit (backprop)",
    "pl_lightning": "PennyLane lightning.qubit (adjoint)",
    "qiskit_ml": "Qiskit ML EstimatorQNN (*)",
    "qulacs": "qulacs (per-sample backprop)",
}
LAYERS = 3
#: Caveats raised while measuring (printed next to the number).
NOTES: list[str] = []
#: Extra numbers reported by a measurement (qlang: state passes, copy time).
INFO: dict[str, float] = {}


def data(n: int, batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1234)
    x = rng.uniform(0, np.pi, (batch, n))
    w = rng.uniform(0, 2 * np.pi, (LAYERS, n, 3))
    y = rng.uniform(-1, 1, batch)
    return x, w, y


def best_of(fn, reps: int) -> tuple[float, float]:
    """Best (wall, CPU) seconds of ``reps`` runs after one warm-up."""
    fn()  # warm-up (compilation, caches)
    walls, cpus = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


# --- one measurement per framework -------------------------------------------------


def run_qlang(n: int, batch: int, reps: int) -> tuple[float, float]:
    from circuits import sel_block

    from qlang.sim import QuantumFunction

    x, w, y = data(n, batch)
    qf = QuantumFunction(sel_block(n, LAYERS))
    wf = w.reshape(-1)

    def step() -> np.ndarray:  # forward and MSE cotangent inside one adjoint pass
        return qf.vjp(x, wf, lambda out: 2 * (out - y[:, None]) / batch)[1]

    result = best_of(step, reps)
    # memory-bandwidth bound: full-state passes per gradient x time of one copy pass
    before = qf.simulator.workspace.taken
    step()
    passes = qf.simulator.workspace.taken - before
    state = np.ones((batch, 2**n), dtype=complex)
    target = np.empty_like(state)
    copy_wall, copy_cpu = best_of(lambda: np.copyto(target, state), 5)
    INFO.update(passes=passes, copy_seconds=copy_cpu)
    return result


def _pl(n: int, batch: int, reps: int, device: str, method: str) -> tuple[float, float]:
    import pennylane as qml
    from pennylane import numpy as pnp

    x, w, y = data(n, batch)
    dev = qml.device(device, wires=n)

    @qml.qnode(dev, diff_method=method, interface="autograd")
    def circuit(feats, weights):
        qml.AngleEmbedding(feats, wires=range(n), rotation="X")
        qml.StronglyEntanglingLayers(weights, wires=range(n))
        return qml.expval(qml.PauliZ(0))

    xs = pnp.array(x, requires_grad=False)
    ys = pnp.array(y, requires_grad=False)

    def loss(weights):
        return pnp.mean((circuit(xs, weights) - ys) ** 2)

    grad = qml.grad(loss)
    weights = pnp.array(w, requires_grad=True)
    try:
        return best_of(lambda: grad(weights), reps)
    except ValueError as exc:  # PennyLane 0.45 broadcasting bug on >= 12 wires (tensordot path)
        NOTES.append(f"broadcasting failed ({exc}); per-sample loop on 4 samples, scaled")

    def per_sample() -> None:
        for b in range(4):
            qml.grad(lambda ww, b=b: (circuit(xs[b], ww) - ys[b]) ** 2 / batch)(weights)

    wall, cpu = best_of(per_sample, 1)
    return wall * batch / 4, cpu * batch / 4


def run_pl_default(n: int, batch: int, reps: int) -> tuple[float, float]:
    return _pl(n, batch, reps, "default.qubit", "backprop")


def run_pl_lightning(n: int, batch: int, reps: int) -> tuple[float, float]:
    return _pl(n, batch, reps, "lightning.qubit", "adjoint")


def _qiskit_circuit(n: int):
    from circuits import sel_ranges
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    xs = ParameterVector("x", n)
    ws = ParameterVector("w", LAYERS * n * 3)
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
    return qc, xs, ws


#: EstimatorQNN is measured on this many samples and scaled linearly to the batch
#: (its parameter-shift gradient costs the same per sample); marked in the table.
QISKIT_SAMPLES = 4


def run_qiskit_ml(n: int, batch: int, reps: int) -> tuple[float, float]:
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    scale = batch / min(batch, QISKIT_SAMPLES)
    batch = min(batch, QISKIT_SAMPLES)
    x, w, y = data(n, batch)
    qc, xs, ws = _qiskit_circuit(n)
    obs = SparsePauliOp.from_sparse_list([("Z", [0], 1.0)], num_qubits=n)
    qnn = EstimatorQNN(circuit=qc, observables=obs, input_params=list(xs), weight_params=list(ws))
    wf = w.reshape(-1)

    def step() -> np.ndarray:
        out = qnn.forward(x, wf)
        _, gw = qnn.backward(x, wf)
        cot = 2 * (out - y[:, None]) / batch
        return np.einsum("bk,bkw->w", cot, gw)

    wall, cpu = best_of(step, 1)
    return wall * scale, cpu * scale


def run_qulacs(n: int, batch: int, reps: int) -> tuple[float, float]:
    from circuits import sel_ranges
    from qulacs import Observable, ParametricQuantumCircuit, QuantumState

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

    def step() -> np.ndarray:
        grad = np.zeros(len(wf))
        for b in range(batch):
            for q in range(n):
                circ.set_parameter(q, float(x[b, q]))
            state.set_zero_state()
            circ.update_quantum_state(state)
            out = obs.get_expectation_value(state)
            g = np.asarray(circ.backprop(obs))
            grad += 2 * (out - y[b]) / batch * g[n:]
        return grad

    return best_of(step, reps)


# --- kernel -------------------------------------------------------------------------


def run_kernel_qlang(reps: int) -> tuple[float, float]:
    from circuits import zz_feature_map

    from qlang.sim import kernel_matrix

    X = np.random.default_rng(7).uniform(0, 2 * np.pi, (200, 8))
    enc = zz_feature_map(8)
    return best_of(lambda: kernel_matrix(enc, X), reps)


def run_kernel_qiskit(reps: int) -> tuple[float, float]:
    from qiskit.circuit.library import zz_feature_map
    from qiskit_machine_learning.kernels import FidelityStatevectorKernel

    X = np.random.default_rng(7).uniform(0, 2 * np.pi, (200, 8))
    kernel = FidelityStatevectorKernel(feature_map=zz_feature_map(8, reps=2))
    return best_of(lambda: kernel.evaluate(X), reps)


def kernel_check() -> float:
    """Max deviation between the two kernel matrices (same data)."""
    from circuits import zz_feature_map as ours
    from qiskit.circuit.library import zz_feature_map
    from qiskit_machine_learning.kernels import FidelityStatevectorKernel

    from qlang.sim import kernel_matrix

    X = np.random.default_rng(7).uniform(0, 2 * np.pi, (20, 8))
    ref = FidelityStatevectorKernel(feature_map=zz_feature_map(8, reps=2)).evaluate(X)
    return float(np.max(np.abs(kernel_matrix(ours(8), X) - ref)))


# --- driver ---------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    if args.child == "kernel_qlang":
        t = run_kernel_qlang(args.reps)
    elif args.child == "kernel_qiskit":
        t = run_kernel_qiskit(args.reps)
    elif args.child == "kernel_check":
        t = kernel_check()
    else:
        t = globals()[f"run_{args.child}"](args.n, args.batch, args.reps)
    wall, cpu = t if isinstance(t, tuple) else (t, t)
    print(json.dumps({"wall": wall, "cpu": cpu, "note": "; ".join(NOTES), "info": INFO}))


#: Every framework runs single-threaded: on a shared CPU, spinning OpenMP/BLAS workers
#: make wall-clock times meaningless (qulacs measured 30x slower with default threads).
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "QLANG_THREADS")


LAST_INFO: dict[str, float] = {}


def measure(name: str, args: argparse.Namespace, n: int = 0) -> tuple[float | None, str]:
    """Seconds (CPU time of the process, see ``--clock``) or ``None`` and a note."""
    env = dict(os.environ)
    if args.threads:
        env.update({v: str(args.threads) for v in THREAD_VARS})
    cmd = [
        sys.executable,
        __file__,
        "--child",
        name,
        "--n",
        str(n),
        "--batch",
        str(args.batch),
        "--reps",
        str(args.reps),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, env=env)
    except subprocess.TimeoutExpired:
        return None, f"> {args.timeout:.0f} s (time limit)"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return None, f"failed: {last[:80]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    LAST_INFO.clear()
    LAST_INFO.update(result.get("info", {}))
    return result[args.clock], result.get("note", "")


def fmt(t: float | None, note: str) -> str:
    if t is None:
        return note
    text = f"{t * 1e3:.1f} ms" if t < 10 else f"{t:.1f} s"
    return text + (" (†)" if note else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[4, 8, 12, 16])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--peers", nargs="+", default=list(PEERS))
    ap.add_argument("--no-kernel", action="store_true")
    ap.add_argument("--threads", type=int, default=1, help="threads per framework (0: defaults)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args)
        return
    rows = []
    for n in args.sizes:
        row = {"n": n}
        for peer in args.peers:
            row[peer] = measure(peer, args, n)
            if peer == "qlang":
                row["info"] = dict(LAST_INFO)
            print(f"n={n:2d} {LABELS[peer]:40s} {fmt(*row[peer])}", flush=True)
            if row[peer][0] is not None and row[peer][1]:
                print(f"      † {row[peer][1]}", flush=True)
        rows.append(row)
    print()
    print(table(rows, args))
    if not args.no_kernel:
        ours = measure("kernel_qlang", args)
        theirs = measure("kernel_qiskit", args)
        dev = measure("kernel_check", args)
        print()
        print("| kernel 200x200, 8 qubits, ZZ map | time | ratio |")
        print("|---|---|---|")
        print(f"| qlang `kernel_matrix` | {fmt(*ours)} | 1.0 |")
        ratio = f"{theirs[0] / ours[0]:.1f}x slower" if ours[0] and theirs[0] else "-"
        print(f"| Qiskit ML FidelityStatevectorKernel | {fmt(*theirs)} | {ratio} |")
        if dev[0] is not None:
            print(f"\nmax |K_qlang - K_qiskit| on 20 points: {dev[0]:.1e}")


def table(rows: list[dict], args: argparse.Namespace) -> str:
    head = "| n | bytes per pass | qlang passes (memory bound) | "
    head += " | ".join(LABELS[p] for p in args.peers)
    head += " | fastest peer / qlang | qulacs / qlang |"
    lines = [head, "|" + "---|" * (len(args.peers) + 5)]
    for row in rows:
        n = row["n"]
        pass_bytes = 2 * args.batch * 2**n * 16  # read + write of the batch state, complex128
        cells = [fmt(*row[p]) for p in args.peers]
        ours = row.get("qlang", (None, ""))[0]
        peers = [row[p][0] for p in args.peers if p not in ("qlang", "qulacs") and row[p][0]]
        fastest = f"{min(peers) / ours:.1f}x" if ours and peers else "-"
        qul = row.get("qulacs", (None, ""))[0]
        vs_qulacs = f"{qul / ours:.1f}x" if ours and qul else "-"
        info = row.get("info", {})
        bound = "-"
        if info:
            bound = f"{info['passes']:.0f} ({info['passes'] * info['copy_seconds'] * 1e3:.1f} ms)"
        lines.append(
            f"| {n} | {pass_bytes / 2**20:.1f} MiB | {bound} | "
            + " | ".join(cells)
            + f" | {fastest} | {vs_qulacs} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
