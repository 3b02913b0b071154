/// vqe_ising_zne.qml plus readout mitigation: each qubit's assignment matrix is
/// calibrated on the same noisy simulator and inverted before extrapolating.
import observables.ising
import ansatze.real_amplitudes

model vqe_ising_zne_readout {
  qubits     = 6
  observable = ising(J = 1.0, h = 0.5)
  ansatz     = real_amplitudes(reps = 2, entanglement = "linear")
  task       = minimize(observable)
  loss       = energy
  optimizer  = adam(lr = 0.05)
  train      { epochs = 150, seed = 3 }
  target {
    noise      = [depolarizing(0.002), depolarizing(0.02, gates = [cx]), readout_error(0.02, p1 = 0.05)]
    mitigation = [zne(scales = [1, 3, 5], extrapolation = richardson), readout()]
  }
}
