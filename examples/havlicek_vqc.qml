/// Havlicek et al. (Nature 2019) variational classifier on ad hoc data:
/// ZZ feature map, real-amplitudes ansatz, parity readout, SPSA.
import encodings.zz_feature_map
import ansatze.real_amplitudes

model havlicek_vqc {
  data      = ad_hoc(dim = 2, gap = 0.3, train = 40, test = 20, seed = 1)
  qubits    = 2
  encoding  = zz_feature_map(x, reps = 2)
  ansatz    = real_amplitudes(reps = 2, entanglement = "full")
  readout   = parity(q)
  task      = classify(classes = 2)
  loss      = cross_entropy
  optimizer = spsa(maxiter = 200)
  train     { seed = 7, gradient = auto }
  target    { device = heavy_hex(3), basis = [cx, rz, sx, x] }
}
