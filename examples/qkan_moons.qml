/// A two-layer quantum Kolmogorov-Arnold network (after Liu et al. 2024's KAN,
/// with quantum edge functions): every edge (i -> j) of a layer is its own
/// qubit, a data re-uploading circuit phi_ij(x_i) with trainable scales and
/// shifts, and node j sums its incoming edges, sum_i <Z> of the edge qubits
/// (the qubits are not entangled, so each <Z> is a function of one input).
/// Layers 2 -> 2 -> 1 on the two moons; the output goes through a sigmoid.

/// One KAN layer from `nin` to `nout` nodes: qubit i * nout + j is edge (i -> j).
circuit kan_layer(x: float[nin], w: weight[nin, nout, layers, 3], nin: int, nout: int, layers: int = 3) on q[nin * nout] {
  for i in 0..nin {
    for j in 0..nout {
      for l in 0..layers {
        ry(w[i, j, l, 0] * x[i] + w[i, j, l, 1]) q[i * nout + j];
        rz(w[i, j, l, 2]) q[i * nout + j];
      }
    }
  }
}

model qkan_moons {
  data      = moons(n = 300, noise = 0.1, seed = 1)
  quantum kan1 {
    input x: float[2]
    qubits  = 4
    circuit = kan_layer(x, nin = 2, nout = 2)
    readout = expval([Z0 + Z2, Z1 + Z3])
  }
  quantum kan2 {
    input h: float[2]
    qubits  = 2
    circuit = kan_layer(h, nin = 2, nout = 1)
    readout = expval(Z0 + Z1) |> scale(2) |> sigmoid()
  }
  layers    = [quantum(kan1), quantum(kan2)]
  task      = classify(classes = 2)
  optimizer = adam(lr = 0.05)
  train     { epochs = 40, batch_size = 32, seed = 1 }
}
