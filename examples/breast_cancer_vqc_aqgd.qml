/// Breast-cancer classifier (PCA to 5, EfficientSU2) trained with AQGD
/// (analytic quantum gradient descent, parameter-shift gradients).
import encodings.angle
import ansatze.efficient_su2

model breast_cancer_vqc_aqgd {
  data      = breast_cancer() |> standardize() |> pca(5) |> minmax(0, 3.14159)
  encoding  = angle(x)
  ansatz    = efficient_su2(reps = 2, entanglement = "linear")
  readout   = expval(Z0) |> scale(3) |> sigmoid()
  task      = classify(classes = 2)
  loss      = cross_entropy
  metrics   = [accuracy, precision, recall, f1]
  optimizer = aqgd(maxiter = 100, eta = 1.0, momentum = 0.25)
  train     { seed = 5, gradient = parameter_shift }
  target    { device = ring(5), basis = [cx, rz, sx, x] }
}
