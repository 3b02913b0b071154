/// Quantum circuit Born machine on 2x2 bars and stripes: the probabilities of
/// the 16 bit strings are trained towards the data distribution (MMD).
import ansatze.strongly_entangling

model born_machine_bas {
  data      = bars_and_stripes(2, 2)
  qubits    = 4
  ansatz    = strongly_entangling(layers = 4)
  readout   = probs(q)
  task      = generate(target = data)
  loss      = mmd(sigmas = [0.25, 1.0, 4.0])
  optimizer = adam(lr = 0.05)
  train     { epochs = 100, seed = 8, gradient = adjoint }
}
