/// Data re-uploading classifier (Perez-Salinas et al. 2020) on two circles:
/// trainable input scaling, ONE qubit (the paper's minimal classifier).
import encodings.reuploading

model reuploading_circles_1q {
  data      = circles(n = 200, noise = 0.05, factor = 0.5)
  qubits    = 1
  encoding  = reuploading(x, layers = 4)
  readout   = expval(Z0) |> sigmoid()
  task      = classify(classes = 2)
  loss      = mse
  optimizer = adam(lr = 0.05)
  train     { epochs = 40, batch_size = 20, seed = 4, gradient = adjoint }
}
