/// Randomisation test (Zhang et al. 2017; for quantum models Gil-Fuster et al.
/// 2024): the training labels of 4x4 digits 3 vs 8 are randomly permuted
/// (`|> shuffle_labels`, test labels stay true). A model that still fits the
/// training set has the capacity to memorise: its training accuracy is well
/// above chance while its test accuracy is chance. Without the step the same
/// model generalises (see docs/results.md).

/// 16 features re-uploaded in every layer, two per qubit, scaled by trainable `s`.
circuit pixels(x: float[16], s: weight[16], w: weight[layers, 8, 3], layers: int = 3) on q[8] {
  for l in 0..layers {
    for i in 0..8 {
      ry(s[2 * i] * x[2 * i]) q[i];
      rz(s[2 * i + 1] * x[2 * i + 1]) q[i];
    }
    for i in 0..8 {
      rz(w[l, i, 0]) q[i];
      ry(w[l, i, 1]) q[i];
      rz(w[l, i, 2]) q[i];
    }
    for i in 0..8 {
      cx q[i], q[(i + 1) % 8];
    }
  }
}

model randomization_test {
  data      = digits(size = 4, classes = [3, 8], limit = 100) |> scale(3.14159) |> shuffle_labels(seed = 7)
  weight s: float[16] = constant(1.0)
  qubits    = 8
  circuit   = pixels(x, s, layers = 4)
  readout   = expval(Z0) |> scale(3) |> sigmoid()
  task      = classify(classes = 2)
  optimizer = adam(lr = 0.05)
  train     { epochs = 150, seed = 1, validation = 0 }
}
