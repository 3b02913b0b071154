/// Adversarial training of a variational quantum classifier (after Lu, Duan and
/// Deng 2020): 4x4 digits 3 vs 8, 16 pixels re-uploaded in three layers of 8
/// qubits with trainable input scales. Every batch is attacked with PGD
/// (eps = 0.4 in the pi-scaled pixel units the circuit reads, 5 steps) through
/// the loss gradient w.r.t. the inputs, and the model trains on the clean and
/// the attacked batch. adversarial_vqc_plain.qml is the same model without it.

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

model adversarial_vqc {
  data      = digits(size = 4, classes = [3, 8]) |> scale(3.14159)
  weight s: float[16] = constant(1.0)
  qubits    = 8
  circuit   = pixels(x, s, layers = 3)
  readout   = expval(Z0) |> scale(3) |> sigmoid()
  task      = classify(classes = 2)
  metrics   = [accuracy, adversarial_accuracy(eps = 0.4)]
  optimizer = adam(lr = 0.05)
  train {
    epochs      = 40
    batch_size  = 32
    seed        = 1
    adversarial = pgd(eps = 0.4, steps = 5)
  }
}
