/// The iris classifier trained under the calibrated noise of IBM's 127-qubit Eagle
/// device `fake_sherbrooke` (qiskit_ibm_runtime's snapshot of its gate, T1/T2 and
/// readout errors): every run compiles the circuit onto the device's coupling map and
/// native gates (ecr, rz, sx, x) and simulates the qubits it uses, so training sees
/// the device it will run on. Needs `pip install "qlang[ibm]"`.
import encodings.angle
import ansatze.real_amplitudes

model iris_fake_sherbrooke {
  data      = iris() |> standardize()
  qubits    = 4
  encoding  = angle(x, rotation = "y")
  ansatz    = real_amplitudes(reps = 2, entanglement = "linear")
  readout   = expval([Z0, Z1, Z2]) |> softmax()
  task      = classify(classes = 3)
  loss      = cross_entropy
  optimizer = adam(lr = 0.05)
  train     { epochs = 30, batch_size = 16, seed = 11 }
  target    { noise = from_backend("fake_sherbrooke") }
}
