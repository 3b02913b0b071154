/// vqe_ising_noisy.qml with zero-noise extrapolation: each energy is measured on the
/// circuit folded to 1, 3 and 5 times its noise (global unitary folding) and
/// extrapolated to zero noise (Richardson), in training and in the reported energy.
import observables.ising
import ansatze.real_amplitudes

model vqe_ising_zne {
  qubits     = 6
  observable = ising(J = 1.0, h = 0.5)
  ansatz     = real_amplitudes(reps = 2, entanglement = "linear")
  task       = minimize(observable)
  loss       = energy
  optimizer  = adam(lr = 0.05)
  train      { epochs = 150, seed = 3 }
  target {
    noise      = [depolarizing(0.002), depolarizing(0.02, gates = [cx]), readout_error(0.02, p1 = 0.05)]
    mitigation = [zne(scales = [1, 3, 5], extrapolation = richardson)]
  }
}
