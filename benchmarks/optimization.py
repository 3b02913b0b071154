"""Optimisation benchmark: qlang -O2/-O3 versus Qiskit O3 and tket FullPeepholeOptimise.

All compilers target the basis ``cx, rz, sx, x`` without routing. Ratios are
qlang / best peer (lower is better). Run::

    .venv/bin/python benchmarks/optimization.py [--sizes 4,8,12,16,20] [--markdown]

Symbolic parameters stay free in all three compilers.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import qml_circuits as QC  # noqa: E402
from qlang.passes.presets import build_preset  # noqa: E402

from qlang.ir import expr as E  # noqa: E402
from qlang.ir.circuit import Circuit  # noqa: E402

BASIS = ("cx", "rz", "sx", "x")


@dataclass(frozen=True)
class Result:
    gates: int
    two_q: int
    depth: int
    seconds: float


# --- converters -----------------------------------------------------------
def _qiskit_expr(e: E.Expr, xs, ws):  # noqa: ANN001, ANN202
    if isinstance(e, E.Const):
        return e.value
    if isinstance(e, E.Input):
        return xs[e.index]
    if isinstance(e, E.Weight):
        return ws[e.index]
    if isinstance(e, E.Add):
        return _qiskit_expr(e.lhs, xs, ws) + _qiskit_expr(e.rhs, xs, ws)
    if isinstance(e, E.Mul):
        return _qiskit_expr(e.lhs, xs, ws) * _qiskit_expr(e.rhs, xs, ws)
    if isinstance(e, E.Neg):
        return -_qiskit_expr(e.operand, xs, ws)
    if isinstance(e, E.Div):
        return _qiskit_expr(e.lhs, xs, ws) / _qiskit_expr(e.rhs, xs, ws)
    if isinstance(e, E.Func):
        return getattr(_qiskit_expr(e.arg, xs, ws), e.name)()
    raise TypeError(e)


def to_qiskit(c: Circuit):  # noqa: ANN201
    from qiskit import QuantumCircuit
    from qiskit.circuit import ParameterVector

    xs, ws = ParameterVector("x", c.num_inputs), ParameterVector("w", c.num_weights)
    qc = QuantumCircuit(c.num_qubits)
    for op in c.ops:
        params = [_qiskit_expr(p, xs, ws) for p in op.params]
        getattr(qc, op.name)(*params, *op.qubits)
    return qc


def to_tket(c: Circuit):  # noqa: ANN201
    import sympy
    from pytket import Circuit as TkCircuit
    from pytket import OpType

    xs = sympy.symbols(f"x0:{max(c.num_inputs, 1)}")
    ws = sympy.symbols(f"w0:{max(c.num_weights, 1)}")

    def conv(e: E.Expr):  # noqa: ANN202
        if isinstance(e, E.Const):
            return e.value
        if isinstance(e, E.Input):
            return xs[e.index]
        if isinstance(e, E.Weight):
            return ws[e.index]
        if isinstance(e, E.Add):
            return conv(e.lhs) + conv(e.rhs)
        if isinstance(e, E.Mul):
            return conv(e.lhs) * conv(e.rhs)
        if isinstance(e, E.Neg):
            return -conv(e.operand)
        if isinstance(e, E.Func):
            return getattr(sympy, e.name)(conv(e.arg))
        raise TypeError(e)

    ot = {"h": OpType.H, "x": OpType.X, "cx": OpType.CX, "p": OpType.U1, "rz": OpType.Rz,
          "ry": OpType.Ry, "rx": OpType.Rx, "rzz": OpType.ZZPhase, "cp": OpType.CU1,
          "u": OpType.U3, "ccx": OpType.CCX, "swap": OpType.SWAP, "t": OpType.T,
          "tdg": OpType.Tdg, "s": OpType.S, "sdg": OpType.Sdg}  # fmt: skip
    tc = TkCircuit(c.num_qubits)
    for op in c.ops:
        params = [conv(p) / math.pi for p in op.params]  # half-turns
        tc.add_gate(ot[op.name], params, list(op.qubits))
    return tc


# --- compilers --------------------------------------------------------------
def run_qlang(c: Circuit, level: int) -> Result:
    t0 = time.perf_counter()
    out = build_preset(level, basis=BASIS).run(c)
    dt = time.perf_counter() - t0
    return Result(sum(1 for o in out.ops if o.is_gate), out.num_two_qubit_gates, out.depth(), dt)


def run_qiskit(c: Circuit) -> Result:
    from qiskit import transpile

    qc = to_qiskit(c)
    t0 = time.perf_counter()
    out = transpile(qc, basis_gates=list(BASIS), optimization_level=3, seed_transpiler=1)
    dt = time.perf_counter() - t0
    ops = out.count_ops()
    two = sum(v for k, v in ops.items() if k == "cx")
    return Result(sum(ops.values()), two, out.depth(), dt)


def run_tket(c: Circuit) -> Result:
    from pytket import OpType
    from pytket.passes import AutoRebase, FullPeepholeOptimise, RemoveRedundancies

    tc = to_tket(c)
    t0 = time.perf_counter()
    FullPeepholeOptimise().apply(tc)
    AutoRebase({OpType.CX, OpType.Rz, OpType.SX, OpType.X}).apply(tc)
    RemoveRedundancies().apply(tc)
    dt = time.perf_counter() - t0
    return Result(tc.n_gates, tc.n_2qb_gates(), tc.depth(), dt)


def suite(sizes: list[int]) -> list[Circuit]:
    out: list[Circuit] = []
    for n in sizes:
        out += [
            QC.zz_feature_map(n),
            QC.real_amplitudes(n),
            QC.efficient_su2(n),
            QC.strongly_entangling(n),
            QC.qaoa(n),
        ]
    return out + QC.standard_circuits()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="4,8,12,16,20")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    head = ("circuit", "n", "2q O2/O3/qk/tk", "gates O2/O3/qk/tk", "depth O3/qk/tk",
            "2q ratio", "gates ratio", "time O3/qk/tk (s)")  # fmt: skip
    rows = []
    misses = []
    total = {"o3": 0, "best": 0}
    for c in suite(sizes):
        o2, o3, qk, tk = run_qlang(c, 2), run_qlang(c, 3), run_qiskit(c), run_tket(c)
        best2 = min(qk.two_q, tk.two_q)
        bestg = min(qk.gates, tk.gates)
        r2 = o3.two_q / best2 if best2 else (1.0 if o3.two_q == 0 else math.inf)
        rg = o3.gates / bestg if bestg else 1.0
        total["o3"] += o3.gates
        total["best"] += bestg
        if r2 > 1.0 or rg > 1.05:
            misses.append(f"{c.name}/{c.num_qubits}: 2q x{r2:.2f}, gates x{rg:.2f}")
        rows.append((
            c.name, str(c.num_qubits), f"{o2.two_q}/{o3.two_q}/{qk.two_q}/{tk.two_q}",
            f"{o2.gates}/{o3.gates}/{qk.gates}/{tk.gates}", f"{o3.depth}/{qk.depth}/{tk.depth}",
            f"{r2:.2f}", f"{rg:.2f}", f"{o3.seconds:.2f}/{qk.seconds:.2f}/{tk.seconds:.2f}",
        ))  # fmt: skip
        print(" | ".join(rows[-1]), file=sys.stderr, flush=True)
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        for r in [head, *rows]:
            print("  ".join(f"{x:>18}" for x in r))
    print(f"\ntotal gates O3 / best peer per circuit: {total['o3'] / total['best']:.3f}")
    print("goal misses (2q > 1.00x or gates > 1.05x the better peer):")
    for m in misses or ["none"]:
        print(f"  {m}")


if __name__ == "__main__":
    main()
