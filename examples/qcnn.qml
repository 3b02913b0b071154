/// Quantum convolutional neural network (Cong et al. 2019) as a classifier on
/// breast-cancer data (PCA to 8): angle encoding, three levels of shared
/// convolution + pooling, readout on the last active qubit.
/// (stdlib `qcnn_measure_pool` is the mid-circuit-measurement pooling variant.)
import encodings.angle
import ansatze.qcnn

model qcnn {
  data      = breast_cancer() |> standardize() |> pca(8) |> minmax(0, 3.14159)
  qubits    = 8
  encoding  = angle(x, rotation = "y")
  ansatz    = qcnn(depth = 3)
  readout   = expval(Z0)
  task      = classify(classes = 2)
  loss      = mse
  optimizer = adam(lr = 0.03)
  train     { epochs = 20, batch_size = 8, seed = 9, gradient = adjoint }
}
