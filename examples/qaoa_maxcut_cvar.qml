/// QAOA for MaxCut on the same 10-node 3-regular graph, trained on the CVaR
/// of the sampled cut values (Barkoutsos et al. 2020, alpha = 0.2).
import observables.maxcut
import ansatze.qaoa

/// The problem graph.
const graph = random_regular(3, 10, seed = 1);

model qaoa_maxcut_cvar {
  qubits     = 10
  observable = maxcut(graph)
  ansatz     = qaoa(maxcut(graph), p = 2)
  task       = minimize(observable)
  loss       = cvar(alpha = 0.2)
  optimizer  = cobyla(maxiter = 200)
  train      { seed = 1, shots = 1024, gradient = auto }
  target     { device = heavy_hex(3), basis = [cx, rz, sx, x] }
}
