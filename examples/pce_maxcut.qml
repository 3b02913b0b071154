/// Pauli correlation encoding (Sciorilli et al. 2024) for MaxCut: the 18 nodes
/// of a random 3-regular graph are encoded in the signs of 18 two-body Pauli
/// correlators (XX, YY and ZZ on the 6 pairs) of only 4 qubits. The loss is a
/// nonlinear expression over the 18 readouts: the relaxed cut tanh(a <P_i>)
/// tanh(a <P_j>) summed over the edges plus the paper's regulariser; node i is
/// on side sign(<P_i>). The cut is reported against the brute-force maximum.
import ansatze.strongly_entangling

/// The problem graph.
const graph = random_regular(3, 18, seed = 3);

const m = 18;

/// One correlator per node: the pairs (0,1) (0,2) (0,3) (1,2) (1,3) (2,3).
const P = [X0 X1, Y0 Y1, Z0 Z1, X0 X2, Y0 Y2, Z0 Z2, X0 X3, Y0 Y3, Z0 Z3, X1 X2, Y1 Y2, Z1 Z2, X1 X3, Y1 Y3, Z1 Z3, X2 X3, Y2 Y3, Z2 Z3];

/// alpha = 1.5 n^(k/2) for n = 4 qubits, k = 2; the regulariser weight
/// beta * nu with beta = 1/2 and nu = |E|/2 + (m - 1)/4 (Poljak-Turzik).
const a = 6.0;

const reg = 0.5 * (27 / 2 + (m - 1) / 4);

model pce_maxcut {
  qubits    = 4
  ansatz    = strongly_entangling(layers = 8)
  readout   = expval(P)
  task      = minimize()
  loss      = sum(w * tanh(a * expval(P[i])) * tanh(a * expval(P[j])) for (i, j, w) in edges(graph)) + reg * (sum(tanh(a * expval(P[i])) ** 2 for i in range(m)) / m) ** 2
  metrics   = [cut(graph)]
  optimizer = adam(lr = 0.05)
  train     { epochs = 300, seed = 1 }
}
