/// Dressed quantum circuit (Mari et al. 2020, transfer learning): a dense
/// layer maps 30 features to 4 angles, a 4-qubit circuit, a dense head.
import encodings.angle
import ansatze.basic_entangler

model dressed_circuit {
  data      = breast_cancer() |> standardize()
  input x: float[4]
  qubits    = 4
  encoding  = angle(x)
  ansatz    = basic_entangler(layers = 4, rotation = "ry")
  readout   = expval([Z0, Z1, Z2, Z3])
  layers    = [dense(30 -> 4, tanh), quantum, dense(4 -> 2)]
  task      = classify(classes = 2)
  loss      = cross_entropy
  optimizer = adam(lr = 0.01)
  train     { epochs = 15, batch_size = 16, seed = 12, gradient = adjoint }
}
