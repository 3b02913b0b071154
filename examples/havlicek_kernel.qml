/// Havlicek quantum kernel: fidelity |<phi(x')|phi(x)>|^2 of the ZZ feature
/// map (U(x')^dagger U(x)), with an SVM on top.
import encodings.zz_feature_map

model havlicek_kernel {
  data     = ad_hoc(dim = 2, gap = 0.3, train = 40, test = 20, seed = 1)
  qubits   = 2
  encoding = zz_feature_map(x, reps = 2, entanglement = "linear")
  task     = kernel(kind = "fidelity", method = "svc", C = 1.0)
  loss     = kernel_target_alignment
  train    { seed = 3 }
  target   { device = line(2), basis = [cx, rz, sx, x] }
}
