import encodings.zz_feature_map
import ansatze.{a, b}
import "foo/bar.qml" as bar
/// doc
circuit zz_feature_map(x: float[n], reps: int = 2, entanglement: str = "full") on q[n] {
  repeat reps {
    for i in 0..n { h q[i]; p(2 * x[i]) q[i]; }
    for (i, j) in pairs(n, entanglement) {
      rzz(2 * (pi - x[i]) * (pi - x[j])) q[i], q[j];   // diagonal
    }
  }
  inv @ ctrl(2) @ foo(1, a=2) q[0], q[1:3];
  c[0] = measure q[0];
  measure q -> c;
  if (c[0] == 1) x q[1]; else { y q[0]; }
  bit[2] c;
  barrier;
  h q;
}
gate g(t: float) a, b { cx a, b; }
observable ising(J: float, h: float) on q[n] = -J * sum(Z[i] Z[i+1] for i in 0..n-1) - h * sum(X[i] for i in 0..n);
model havlicek_vqc {
  data      = ad_hoc(dim = 2, gap = 0.3, train = 40, test = 20, seed = 1) |> pca(2)
  qubits    = 2
  weight w: float[3] = normal(0, 0.1) frozen
  encoding  = zz_feature_map(x, reps = 2)
  ansatz    = real_amplitudes(reps = 2, entanglement = "full")   // weights declared implicitly
  readout   = expval(0.5 * Z0 Z1 - X2)
  layers = [dense(64 -> 5, tanh), quantum]
  loss      = cross_entropy
  train     { seed = 7, gradient = auto }
  target    { device = heavy_hex(3), basis = [cx, rz, sx, x], shots = 1024 }
  quantum cell { circuit = foo(x) }
}
