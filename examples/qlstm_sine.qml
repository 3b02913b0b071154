/// Quantum LSTM (Chen et al. 2020) predicting a sine series: four small
/// variational circuits (forget, input, update, output gates) as the cell of a
/// recurrent model; each takes [x_t, h_(t-1)] (1 + 3 values) on 4 qubits.
import encodings.angle
import ansatze.basic_entangler

model qlstm_sine {
  data      = sine(n = 200, window = 4, noise = 0.0)
  quantum forget {
    input v: float[4]
    qubits   = 4
    encoding = angle(v)
    ansatz   = basic_entangler(layers = 2, rotation = "ry")
    readout  = expval([Z0, Z1, Z2])
  }
  quantum input_gate {
    input v: float[4]
    qubits   = 4
    encoding = angle(v)
    ansatz   = basic_entangler(layers = 2, rotation = "ry")
    readout  = expval([Z0, Z1, Z2])
  }
  quantum update {
    input v: float[4]
    qubits   = 4
    encoding = angle(v)
    ansatz   = basic_entangler(layers = 2, rotation = "ry")
    readout  = expval([Z0, Z1, Z2])
  }
  quantum output {
    input v: float[4]
    qubits   = 4
    encoding = angle(v)
    ansatz   = basic_entangler(layers = 2, rotation = "ry")
    readout  = expval([Z0, Z1, Z2])
  }
  recurrent {
    cell   = lstm(hidden = 3)
    window = 4
    gates  = [forget, input_gate, update, output]
  }
  layers    = [dense(3 -> 1)]
  task      = regress()
  loss      = mse
  optimizer = adam(lr = 0.01)
  train     { epochs = 50, batch_size = 10, seed = 6, gradient = adjoint }
}
