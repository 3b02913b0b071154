/// Quantum circuit Born machine (Benedetti et al. 2019) on 3x3 bars and
/// stripes: 9 qubits, the 512 bit-string probabilities trained towards the
/// 14 valid patterns (MMD with three Gaussian bandwidths); KL is reported.
import ansatze.strongly_entangling

model born_machine_bas3 {
  data      = bars_and_stripes(3, 3)
  qubits    = 9
  ansatz    = strongly_entangling(layers = 6)
  readout   = probs(q)
  task      = generate(target = data)
  loss      = mmd(sigmas = [0.25, 1.0, 4.0])
  optimizer = adam(lr = 0.05)
  train     { epochs = 300, seed = 8, gradient = adjoint }
}
