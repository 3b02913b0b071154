/// QAOA (Farhi et al. 2014) for MaxCut on a random 3-regular graph with 10
/// nodes, p = 3 layers, expected cut energy; the approximation ratio is
/// reported against the brute-force optimum (qaoa_maxcut_cvar.qml: CVaR).
import observables.maxcut
import ansatze.qaoa

/// The problem graph.
const graph = random_regular(3, 10, seed = 1);

model qaoa_maxcut {
  qubits     = 10
  observable = maxcut(graph)
  ansatz     = qaoa(maxcut(graph), p = 3)
  task       = minimize(observable)
  loss       = energy
  optimizer  = lbfgsb(maxiter = 300)
  train      { seed = 1, gradient = auto }
  target     { device = heavy_hex(3), basis = [cx, rz, sx, x] }
}
