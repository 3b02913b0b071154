/// QAOA for MaxCut on a random 3-regular graph with 8 nodes, CVaR objective.
import observables.maxcut
import ansatze.qaoa

/// The problem graph.
const graph = random_regular(3, 8, seed = 1);

model qaoa_maxcut {
  qubits     = 8
  observable = maxcut(graph)
  ansatz     = qaoa(maxcut(graph), p = 2)
  task       = minimize(observable)
  loss       = cvar(alpha = 0.2)
  optimizer  = cobyla(maxiter = 200)
  train      { seed = 1, shots = 1024, gradient = auto }
  target     { device = heavy_hex(3), basis = [cx, rz, sx, x], shots = 1024 }
}
