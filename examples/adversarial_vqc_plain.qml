/// The classifier of adversarial_vqc.qml trained without adversarial examples:
/// the baseline for its robust accuracy (same data split, initial weights and
/// batches for the same seed; the robust accuracy is measured with the same PGD
/// attack, eps = 0.4, 10 steps).

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

model adversarial_vqc_plain {
  data      = digits(size = 4, classes = [3, 8]) |> scale(3.14159)
  weight s: float[16] = constant(1.0)
  qubits    = 8
  circuit   = pixels(x, s, layers = 3)
  readout   = expval(Z0) |> scale(3) |> sigmoid()
  task      = classify(classes = 2)
  metrics   = [accuracy, adversarial_accuracy(eps = 0.4)]
  optimizer = adam(lr = 0.05)
  train     { epochs = 40, batch_size = 32, seed = 1 }
}
