/// VQE on a 6-site transverse-field Ising chain (J = 1, h = 0.5), whose exact
/// ground energy is known from exact diagonalisation.
import observables.ising
import ansatze.real_amplitudes

model vqe_ising {
  qubits     = 6
  observable = ising(J = 1.0, h = 0.5)
  ansatz     = real_amplitudes(reps = 6, entanglement = "linear")
  task       = minimize(observable)
  loss       = energy
  optimizer  = lbfgsb(maxiter = 1000)
  train      { seed = 3, gradient = adjoint }
}
