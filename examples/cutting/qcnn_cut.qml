/// Distributed QCNN: the 8-qubit QCNN of `qcnn.qml` split into two 4-qubit
/// branches (angle encoding, two levels of shared convolution + pooling on each
/// half), joined by a last convolution + pooling between the branches'
/// survivors q0 and q4, read out on q0. With `cutting = auto(max_qubits = 5)`
/// the model runs on 5-qubit pieces: the cut finder moves q4 into the first
/// piece with one wire cut (sampling overhead 16). Without the `cutting` line
/// and `device` it is the same model uncut (docs/cutting.md). It lives in
/// examples/cutting/ because it needs the optional extra `qlang[cutting]`.
import encodings.angle
import ansatze.qcnn_conv
import ansatze.qcnn_pool

/// Two QCNN branches on q[0..4] and q[4..8], weights shared per level, then one
/// joint level between the branches' outputs q0 and q4.
circuit dqcnn(conv: weight[3, 15], pool: weight[3, 2]) on q[8] {
  for h in 0..2 {
    let o = 4 * h;
    qcnn_conv(conv[0]) q[o], q[o + 1];
    qcnn_conv(conv[0]) q[o + 2], q[o + 3];
    qcnn_conv(conv[0]) q[o + 1], q[o + 2];
    qcnn_pool(pool[0]) q[o + 1], q[o];
    qcnn_pool(pool[0]) q[o + 3], q[o + 2];
    qcnn_conv(conv[1]) q[o], q[o + 2];
    qcnn_pool(pool[1]) q[o + 2], q[o];
  }
  qcnn_conv(conv[2]) q[0], q[4];
  qcnn_pool(pool[2]) q[4], q[0];
}

model qcnn_cut {
  data      = breast_cancer() |> standardize() |> pca(8) |> minmax(0, 3.14159)
  qubits    = 8
  encoding  = angle(x, rotation = "y")
  ansatz    = dqcnn()
  readout   = expval(Z0)
  task      = classify(classes = 2)
  loss      = mse
  optimizer = adam(lr = 0.03)
  train     { epochs = 20, batch_size = 8, seed = 9, gradient = auto }
  target    { device = line(5), cutting = auto(max_qubits = 5) }
}
