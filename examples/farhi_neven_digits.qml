/// Farhi-Neven QNN (2018) on 4x4 binarised digits (3 vs 6): basis encoding
/// on 16 data qubits, a readout qubit, XX/ZZ couplings, hinge loss; 17 qubits.
import encodings.basis
import ansatze.farhi_neven

model farhi_neven_digits {
  data      = digits(size = 4, classes = [3, 6], binarize = 0.5, limit = 200)
  qubits    = 17
  encoding  = basis(x)
  ansatz    = farhi_neven(layers = 2)
  readout   = expval(Z16)
  task      = classify(classes = 2)
  loss      = hinge
  optimizer = adam(lr = 0.02)
  train     { epochs = 2, batch_size = 32, seed = 1, gradient = adjoint }
}
