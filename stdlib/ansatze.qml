/// Trainable circuits (ansatze). Weights not passed by a model are declared
/// implicitly (named `<entry>_<param>`) with the parameter's initialiser.

/// Qiskit's `real_amplitudes`: RY layers and CX entanglers, reps + 1 rotation layers.
///
/// Example: `ansatz = real_amplitudes(reps = 2, entanglement = "full")`
circuit real_amplitudes(theta: weight[reps + 1, n], reps: int = 3, entanglement: str = "reverse_linear") on q[n] {
  for l in 0..reps {
    for i in 0..n {
      ry(theta[l, i]) q[i];
    }
    for (i, j) in pairs(n, entanglement, l) {
      cx q[i], q[j];
    }
  }
  for i in 0..n {
    ry(theta[reps, i]) q[i];
  }
}

/// Qiskit's `efficient_su2`: RY then RZ on every qubit, CX entanglers.
///
/// Example: `ansatz = efficient_su2(reps = 2)`
circuit efficient_su2(theta: weight[reps + 1, 2, n], reps: int = 3, entanglement: str = "reverse_linear") on q[n] {
  for l in 0..reps + 1 {
    for i in 0..n {
      ry(theta[l, 0, i]) q[i];
    }
    for i in 0..n {
      rz(theta[l, 1, i]) q[i];
    }
    if (l < reps) {
      for (i, j) in pairs(n, entanglement, l) {
        cx q[i], q[j];
      }
    }
  }
}

/// Qiskit's `n_local`/`TwoLocal`: rotation layers of single-qubit gates
/// (`rotation_blocks`, by name) and entangling layers of one two-qubit gate
/// (`entanglement_block`, with zero or one angle). The flat weight vector
/// follows Qiskit's parameter order.
///
/// Example: `ansatz = two_local(rotation_blocks = ["ry", "rz"], entanglement_block = "cz", reps = 2)`
circuit two_local(theta: weight[(reps + 1) * sum([num_params(g) for g in rotation_blocks]) * n + reps * num_params(entanglement_block) * len(pairs(n, entanglement))], rotation_blocks: list = ["ry"], entanglement_block: str = "cx", reps: int = 3, entanglement: str = "full") on q[n] {
  let per_rot = sum([num_params(g) for g in rotation_blocks]) * n;
  let per_ent = num_params(entanglement_block) * len(pairs(n, entanglement));
  for l in 0..reps + 1 {
    let base = l * (per_rot + per_ent);
    for b in 0..len(rotation_blocks) {
      let g = rotation_blocks[b];
      let off = base + sum([num_params(rotation_blocks[k]) for k in 0..b]) * n;
      for i in 0..n {
        if (num_params(g) == 0) {
          apply_gate(g) q[i];
        } else {
          apply_gate(g, [theta[off + i]]) q[i];
        }
      }
    }
    if (l < reps) {
      let ps = pairs(n, entanglement, l);
      for k in 0..len(ps) {
        if (num_params(entanglement_block) == 0) {
          apply_gate(entanglement_block) q[ps[k][0]], q[ps[k][1]];
        } else {
          apply_gate(entanglement_block, [theta[base + per_rot + k]]) q[ps[k][0]], q[ps[k][1]];
        }
      }
    }
  }
}

/// PennyLane's `StronglyEntanglingLayers`: Rot(phi, theta, omega) = RZ RY RZ on
/// every qubit, then CNOTs from i to (i + r) mod n with range r = (l mod (n - 1)) + 1.
///
/// Example: `ansatz = strongly_entangling(layers = 3)`
circuit strongly_entangling(w: weight[layers, n, 3], layers: int = 2) on q[n] {
  for l in 0..layers {
    for i in 0..n {
      rz(w[l, i, 0]) q[i];
      ry(w[l, i, 1]) q[i];
      rz(w[l, i, 2]) q[i];
    }
    if (n > 1) {
      let r = l % (n - 1) + 1;
      for i in 0..n {
        cx q[i], q[(i + r) % n];
      }
    }
  }
}

/// PennyLane's `BasicEntanglerLayers`: one rotation per qubit then a ring of CNOTs
/// (a single CNOT on two qubits).
///
/// Example: `ansatz = basic_entangler(layers = 2, rotation = "ry")`
circuit basic_entangler(w: weight[layers, n], layers: int = 1, rotation: str = "rx") on q[n] {
  for l in 0..layers {
    for i in 0..n {
      apply_gate(rotation, [w[l, i]]) q[i];
    }
    if (n == 2) {
      cx q[0], q[1];
    } else if (n > 2) {
      for (i, j) in pairs(n, "ring") {
        cx q[i], q[j];
      }
    }
  }
}

/// PennyLane's `SimplifiedTwoDesign`: an initial RY layer, then per layer CZ + RY
/// blocks on even pairs, then on odd pairs.
///
/// Example: `ansatz = simplified_two_design(layers = 2)`
circuit simplified_two_design(init: weight[n], w: weight[layers, n - 1, 2], layers: int = 1) on q[n] {
  for i in 0..n {
    ry(init[i]) q[i];
  }
  for l in 0..layers {
    for k in 0..floor(n / 2) {
      cz q[2 * k], q[2 * k + 1];
      ry(w[l, k, 0]) q[2 * k];
      ry(w[l, k, 1]) q[2 * k + 1];
    }
    for k in 0..floor((n - 1) / 2) {
      cz q[2 * k + 1], q[2 * k + 2];
      ry(w[l, floor(n / 2) + k, 0]) q[2 * k + 1];
      ry(w[l, floor(n / 2) + k, 1]) q[2 * k + 2];
    }
  }
}

/// QAOA cost layer exp(-i gamma C) for a cost observable C.
///
/// Example: `qaoa_cost(maxcut(g), gamma) q;`
circuit qaoa_cost(cost: obs, gamma: float) on q[n] {
  evolve(cost, gamma) q;
}

/// QAOA mixer layer exp(-i beta sum X_i) = rx(2 beta) on every qubit.
///
/// Example: `qaoa_mixer(beta) q;`
circuit qaoa_mixer(beta: float) on q[n] {
  for i in 0..n {
    rx(2 * beta) q[i];
  }
}

/// QAOA (Farhi et al. 2014): Hadamards, then p layers of cost and mixer.
///
/// Example: `ansatz = qaoa(maxcut(graph), p = 2)`
circuit qaoa(cost: obs, gamma: weight[p] = uniform(0, pi), beta: weight[p] = uniform(0, pi), p: int = 1) on q[n] {
  for i in 0..n {
    h q[i];
  }
  for l in 0..p {
    qaoa_cost(cost, gamma[l]) q;
    qaoa_mixer(beta[l]) q;
  }
}

/// QCNN convolution block on two qubits (15 parameters: a general two-qubit
/// unitary up to phase, Vatan-Williams structure).
///
/// Example: `qcnn_conv(w) q[0], q[1];`
circuit qcnn_conv(w: weight[15]) on a, b {
  u(w[0], w[1], w[2]) a;
  u(w[3], w[4], w[5]) b;
  cx b, a;
  rz(w[6]) a;
  ry(w[7]) b;
  cx a, b;
  ry(w[8]) b;
  cx b, a;
  u(w[9], w[10], w[11]) a;
  u(w[12], w[13], w[14]) b;
}

/// QCNN pooling block: controlled rotations from `source` into `sink`; `source`
/// is discarded afterwards.
///
/// Example: `qcnn_pool(w) q[1], q[0];`
circuit qcnn_pool(w: weight[2]) on source, sink {
  crz(w[0]) source, sink;
  x source;
  crx(w[1]) source, sink;
  x source;
}

/// Pooling by mid-circuit measurement: measure `source` and flip `sink`
/// when it reads 1 (a dynamic circuit).
///
/// Example: `qcnn_measure_pool q[1], q[0];`
circuit qcnn_measure_pool() on source, sink {
  bit c;
  c = measure source;
  if (c == 1) {
    x sink;
  }
}

/// Quantum convolutional neural network (Cong et al. 2019) with weights shared
/// per level: convolutions on even then odd pairs of the active qubits, then
/// pooling halves them; the result lives on q[0].
///
/// Example: `ansatz = qcnn(depth = 3)` (8 qubits)
circuit qcnn(conv: weight[depth, 15], pool: weight[depth, 2], depth: int = 2) on q[n] {
  for l in 0..depth {
    let active = [i for i in 0..n if i % 2 ** l == 0];
    for (a, b) in pairs(len(active), "pairwise") {
      qcnn_conv(conv[l]) q[active[a]], q[active[b]];
    }
    for k in 0..floor(len(active) / 2) {
      qcnn_pool(pool[l]) q[active[2 * k + 1]], q[active[2 * k]];
    }
  }
}

/// Tree tensor network (TTN) ansatz on 2^k qubits: RY pairs and a CX per
/// node, merging towards q[0].
///
/// Example: `ansatz = ttn()` (8 qubits: 7 nodes)
circuit ttn(w: weight[n - 1, 2]) on q[n] {
  let levels = floor(log(n) / log(2) + 0.5);
  if (2 ** levels != n) {
    let bad = error("ttn: the register needs 2^k qubits");
  }
  for l in 0..levels {
    let step = 2 ** l;
    let offset = n - n / step;
    for k in 0..floor(n / (2 * step)) {
      ry(w[offset + k, 0]) q[2 * step * k];
      ry(w[offset + k, 1]) q[2 * step * k + step];
      cx q[2 * step * k + step], q[2 * step * k];
    }
  }
}

/// Matrix product state (MPS) ansatz: a staircase of two-qubit RY + CX blocks.
///
/// Example: `ansatz = mps()`
circuit mps(w: weight[n - 1, 2]) on q[n] {
  for i in 0..n - 1 {
    ry(w[i, 0]) q[i];
    ry(w[i, 1]) q[i + 1];
    cx q[i], q[i + 1];
  }
}

/// Farhi-Neven readout-qubit QNN (2018): the readout starts in |->, then per
/// layer XX(w) couplings from every data qubit to the readout, then ZZ(w).
///
/// Example: `ansatz = farhi_neven(layers = 2)` with `on data[n], readout`
circuit farhi_neven(w: weight[layers, 2, n], layers: int = 1) on data[n], readout {
  x readout;
  h readout;
  for l in 0..layers {
    for i in 0..n {
      rxx(w[l, 0, i]) data[i], readout;
    }
    for i in 0..n {
      rzz(w[l, 1, i]) data[i], readout;
    }
  }
  h readout;
}
