/// A noise-induced quantum reservoir (after Domingo, Carlo and Le, "Taking advantage
/// of noise in quantum reservoir computing", Sci. Rep. 2023) predicting a noisy,
/// damped sine series: a fixed random circuit on 4 qubits and amplitude damping of
/// strength `gamma` after every gate form the reservoir; only the linear readout of
/// seven Pauli expectations is trained. `benchmarks/noise_reservoir.py` sweeps `gamma`.
import encodings.angle
import ansatze.real_amplitudes

const gamma = 0.1;

model noisy_reservoir_sine {
  data      = damped_sine(n = 240, window = 4, periods = 6.0, noise = 0.05, seed = 2)
  weight r: float[3, 4] = uniform(0, 6.283) frozen
  encoding  = angle(x)
  ansatz    = real_amplitudes(r, reps = 2)
  readout   = expval([Z0, Z1, Z2, Z3, Z0 Z1, Z1 Z2, Z2 Z3]) |> linear(out = 1)
  task      = regress()
  loss      = mse
  optimizer = adam(lr = 0.05)
  train     { epochs = 80, batch_size = 32, seed = 4 }
  target    { noise = [amplitude_damping(gamma)] }
}
