/// Module doc for the test.

import encodings.zz_feature_map // trailing
import ansatze.{a, b}

/// Feature map doc
/// second line
circuit zz(x: float[n], reps: int = 2, entanglement: str = "full") on q[n] {
  // leading comment
  repeat reps {
    for i in 0..n { h q[i]; p(2 * x[i]) q[i]; }

    for (i, j) in pairs(n, entanglement) {
      rzz(2 * (pi - x[i]) * (pi - x[j])) q[i], q[j];   // diagonal
    }
  }
  inv @ ctrl(2) @ foo(1, a=2) q[0], q[1:3];
  if (c[0] == 1) x q[1]; else if (a) { y q[0]; } else { z q[0]; }
  let k = -(a+b)**2 ** -c;
  measure q[0], q[1] -> c;
  barrier;
  /* block
     comment */
}
observable ising(J: float, h: float) on q[n] = -J * sum(Z[i] Z[i+1] for i in 0..n-1) - h * sum(X[i] for i in 0..n);
model m {
  data = iris() |> pca(2)
  weight w: float[3] = normal(0, 0.1) frozen
  readout = expval([0.5 * Z0 Z1 - X2, Z[0]]) |> softmax()
  layers = [dense(64 -> 5, tanh), quantum]
  train { seed = 7, gradient = auto }
  target {
    device = heavy_hex(3) // comment in block
    shots = 1024
  }
}
