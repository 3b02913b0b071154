/// VQE on the 6-site transverse-field Ising chain (J = 1, h = 0.5) under device-like
/// noise: depolarizing errors after every gate (stronger after cx) and readout errors.
/// The unmitigated baseline of vqe_ising_zne.qml and vqe_ising_zne_readout.qml.
import observables.ising
import ansatze.real_amplitudes

model vqe_ising_noisy {
  qubits     = 6
  observable = ising(J = 1.0, h = 0.5)
  ansatz     = real_amplitudes(reps = 2, entanglement = "linear")
  task       = minimize(observable)
  loss       = energy
  optimizer  = adam(lr = 0.05)
  train      { epochs = 150, seed = 3 }
  target {
    noise = [depolarizing(0.002), depolarizing(0.02, gates = [cx]), readout_error(0.02, p1 = 0.05)]
  }
}
