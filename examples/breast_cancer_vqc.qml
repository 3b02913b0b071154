/// Breast-cancer classifier: standardise, PCA to 5 features scaled to [0, pi],
/// angle encoding,
/// EfficientSU2, COBYLA; reports precision, recall and F1.
/// (breast_cancer_vqc_aqgd.qml is the same model trained with AQGD; `qlang sweep` on this
/// file runs the optimizer study of its `sweep` block: COBYLA vs AQGD over 5 seeds.)
import encodings.angle
import ansatze.efficient_su2

model breast_cancer_vqc {
  data      = breast_cancer() |> standardize() |> pca(5) |> minmax(0, 3.14159)
  encoding  = angle(x)
  ansatz    = efficient_su2(reps = 2, entanglement = "linear")
  readout   = expval(Z0) |> scale(3) |> sigmoid()
  task      = classify(classes = 2)
  loss      = cross_entropy
  metrics   = [accuracy, precision, recall, f1]
  optimizer = cobyla(maxiter = 300)
  train     { seed = 5, gradient = auto }
  target    { device = ring(5), basis = [cx, rz, sx, x] }
  sweep {
    optimizer = [cobyla(maxiter = 300), aqgd(maxiter = 100, eta = 1.0, momentum = 0.25)]
    seed      = 0..5
  }
}
