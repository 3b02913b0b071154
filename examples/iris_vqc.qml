/// Three-class iris classifier: angle encoding, strongly entangling layers,
/// softmax over three Z expectation values, Adam.
import encodings.angle
import ansatze.strongly_entangling

model iris_vqc {
  data      = iris() |> standardize()
  qubits    = 4
  encoding  = angle(x, rotation = "y")
  ansatz    = strongly_entangling(layers = 3)
  readout   = expval([Z0, Z1, Z2]) |> softmax()
  task      = classify(classes = 3)
  loss      = cross_entropy
  optimizer = adam(lr = 0.05)
  train     { epochs = 30, batch_size = 16, seed = 11, gradient = adjoint }
  target    { device = line(4), basis = [cx, rz, sx, x] }
}
