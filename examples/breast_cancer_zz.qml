/// Breast-cancer classifier exactly as in the issue: standardise, PCA to 5 features in [0, pi],
/// ZZ feature map (reps 2),
/// EfficientSU2, COBYLA; reports precision, recall and F1.
/// (breast_cancer_vqc.qml swaps the ZZ map for angle encoding, which trains far better.)
import encodings.zz_feature_map
import ansatze.efficient_su2

model breast_cancer_zz {
  data      = breast_cancer() |> standardize() |> pca(5) |> minmax(0, 3.14159)
  encoding  = zz_feature_map(x, reps = 2)
  ansatz    = efficient_su2(reps = 2, entanglement = "linear")
  readout   = expval(Z0) |> scale(3) |> sigmoid()
  task      = classify(classes = 2)
  loss      = cross_entropy
  metrics   = [accuracy, precision, recall, f1]
  optimizer = cobyla(maxiter = 300)
  train     { seed = 5, gradient = auto }
  target    { device = ring(5), basis = [cx, rz, sx, x] }
}
