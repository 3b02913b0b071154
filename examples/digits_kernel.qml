/// Trainable quantum kernel on handwritten digits: PCA to 8 features, a
/// re-uploading feature map whose input scales and offsets are fitted by
/// kernel-target alignment (Hubregtsen et al. 2022), then an SVM on the
/// fidelity kernel.
import encodings.reuploading

model digits_kernel {
  data      = digits(classes = [0, 1, 2, 3], limit = 300) |> standardize() |> pca(8) |> scale(0.15)
  qubits    = 8
  encoding  = reuploading(x, layers = 2)
  task      = kernel(method = "svc", kind = "fidelity", C = 1.0)
  loss      = kernel_target_alignment
  optimizer = spsa(maxiter = 60)
  train     { seed = 2 }
}
