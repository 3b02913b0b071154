/// Quantum LSTM (after Chen et al. 2020) predicting a sine series: a small
/// variational circuit takes [h_(t-1), x_t] (3 + 1 values) on 4 qubits at each
/// step of the window; a trainable linear map turns its 3 outputs into the four
/// LSTM gates. Chen et al. use one circuit per gate; here one circuit is shared.
import encodings.angle
import ansatze.basic_entangler

model qlstm_sine {
  data      = sine(n = 200, window = 4, noise = 0.0)
  quantum cell {
    input v: float[4]
    qubits   = 4
    encoding = angle(v)
    ansatz   = basic_entangler(layers = 2, rotation = "ry")
    readout  = expval([Z0, Z1, Z2])
  }
  recurrent { cell = lstm(hidden = 3), window = 4, gates = [cell] }
  layers    = [dense(3 -> 1)]
  task      = regress()
  loss      = mse
  optimizer = adam(lr = 0.01)
  train     { epochs = 50, batch_size = 10, seed = 6, gradient = adjoint }
}
