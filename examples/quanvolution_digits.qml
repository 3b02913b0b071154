/// Quanvolution (Henderson et al. 2019) on the 8x8 handwritten digits, all ten
/// classes: one 4-qubit filter with shared trainable weights slides over the
/// 2x2 patches (stride 2) of every image; its four Z readouts are the feature
/// channels (16 patches x 4 = 64 features) of a softmax layer. All patches of a
/// batch are one simulator call.
import encodings.angle
import ansatze.strongly_entangling

model quanvolution_digits {
  data      = digits(size = 8) |> scale(3.14159)
  quantum filter {
    input p: float[4]
    qubits   = 4
    encoding = angle(p)
    ansatz   = strongly_entangling(layers = 2)
    readout  = expval([Z0, Z1, Z2, Z3])
  }
  layers    = [conv(filter, kernel = 2, stride = 2), dense(64 -> 10, softmax)]
  task      = classify(classes = 10)
  optimizer = adam(lr = 0.02)
  train     { epochs = 15, batch_size = 32, seed = 1 }
}
