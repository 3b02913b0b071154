/// Data encodings (feature maps): circuits that load a feature vector `x`.
/// Every angle stays symbolic in the inputs, so one compiled circuit serves
/// every sample.

/// Angle encoding (PennyLane's `AngleEmbedding`): one feature per qubit, rotated
/// about X, Y or Z.
///
/// Example: `encoding = angle(x, rotation = "x")`
circuit angle(x: float[n], rotation: str = "y") on q[n] {
  for i in 0..n {
    if (rotation == "x") {
      rx(x[i]) q[i];
    } else if (rotation == "y") {
      ry(x[i]) q[i];
    } else if (rotation == "z") {
      rz(x[i]) q[i];
    } else {
      let bad = error("angle: `rotation` must be \"x\", \"y\" or \"z\"");
    }
  }
}

/// Dense angle encoding: two features per qubit, `ry(x[2i])` then `rz(x[2i+1])`.
///
/// Example: `encoding = dense_angle(x)` (4 features on 2 qubits)
circuit dense_angle(x: float[2 * n]) on q[n] {
  for i in 0..n {
    ry(x[2 * i]) q[i];
    rz(x[2 * i + 1]) q[i];
  }
}

/// Basis encoding of a bit string: qubit i is flipped when x[i] = 1.
/// Written as `rx(pi * x[i])`, which is X (up to a global phase) for x[i] in {0, 1}
/// and keeps working when the bits are data inputs.
///
/// Example: `encoding = basis(x)` for binarised images
circuit basis(x: float[n]) on q[n] {
  for i in 0..n {
    rx(pi * x[i]) q[i];
  }
}

/// Amplitude encoding: exact state preparation of the 2^n amplitudes `x`
/// (normalised) with Mottonen's uniformly controlled RY rotations. With
/// `signed = false` the amplitudes must be non-negative; `signed = true`
/// accepts any real amplitudes. The angles are symbolic arctan/arccos
/// expressions of the inputs.
///
/// Example: `encoding = amplitude(x, signed = true)` (4 features on 2 qubits)
circuit amplitude(x: float[2 ** n], signed: bool = false) on q[n] {
  let alpha = mottonen_angles(x, signed);
  for k in 0..n {
    let t = n - 1 - k;
    let theta = uniform_angles(alpha[k]);
    if (k == 0) {
      ry(theta[0]) q[t];
    } else {
      for i in 0..2 ** k {
        ry(theta[i]) q[t];
        cx q[t + 1 + gray_control(k, i)], q[t];
      }
    }
  }
}

/// Second-order Pauli-Z feature map (Havlicek et al., Nature 2019), equal to
/// Qiskit's `zz_feature_map` up to a global phase.
///
/// Example: `encoding = zz_feature_map(x, reps = 2, entanglement = "linear")`
circuit zz_feature_map(x: float[n], reps: int = 2, entanglement: str = "full", alpha: float = 2.0) on q[n] {
  repeat reps {
    for i in 0..n {
      h q[i];
      p(alpha * x[i]) q[i];
    }
    for (i, j) in pairs(n, entanglement) {
      rzz(alpha * (pi - x[i]) * (pi - x[j])) q[i], q[j];
    }
  }
}

/// Pauli feature map with any Pauli strings (Qiskit's `pauli_feature_map`):
/// per repetition, Hadamards, then for each word P and each qubit block S of
/// its length, exp(-i alpha/2 phi_S(x) P) with phi_i = x_i and
/// (words are little-endian as in Qiskit: the last letter acts on the first qubit of S)
/// phi_S = prod(pi - x_j) for larger blocks.
///
/// Example: `encoding = pauli_feature_map(x, paulis = ["Z", "XX", "YZ"], reps = 1)`
circuit pauli_feature_map(x: float[n], reps: int = 2, entanglement: str = "full", paulis: list = ["Z", "ZZ"], alpha: float = 2.0) on q[n] {
  for r in 0..reps {
    for i in 0..n {
      h q[i];
    }
    for word in paulis {
      for s in blocks(n, len(word), entanglement, r) {
        if (len(s) == 1) {
          evolve(pauli(reversed(word), s), alpha / 2 * x[s[0]]) q;
        } else {
          evolve(pauli(reversed(word), s), alpha / 2 * product([pi - x[j] for j in s])) q;
        }
      }
    }
  }
}

/// IQP embedding (PennyLane's `IQPEmbedding`): Hadamards, `rz(x[i])`, then
/// `rzz(x[i] * x[j])` (MultiRZ) on every pair of the pattern, repeated.
///
/// Example: `encoding = iqp(x, reps = 2)`
circuit iqp(x: float[n], reps: int = 1, entanglement: str = "full") on q[n] {
  repeat reps {
    for i in 0..n {
      h q[i];
      rz(x[i]) q[i];
    }
    for (i, j) in pairs(n, entanglement) {
      rzz(x[i] * x[j]) q[i], q[j];
    }
  }
}

/// Data re-uploading (Perez-Salinas et al. 2020) with trainable input scaling:
/// each layer applies, on every qubit, `rz ry rz` with angles
/// `theta + scale * x` (the d features cycled), then a ring of CZ gates.
///
/// Example: `encoding = reuploading(x, layers = 3)` (the model declares the weights)
circuit reuploading(x: float[d], scale: weight[layers, n, 3] = constant(1.0), theta: weight[layers, n, 3] = uniform(0, tau), layers: int = 3, d: int = n) on q[n] {
  for l in 0..layers {
    for i in 0..n {
      rz(theta[l, i, 0] + scale[l, i, 0] * x[3 * i % d]) q[i];
      ry(theta[l, i, 1] + scale[l, i, 1] * x[(3 * i + 1) % d]) q[i];
      rz(theta[l, i, 2] + scale[l, i, 2] * x[(3 * i + 2) % d]) q[i];
    }
    if (n > 1 and l < layers - 1) {
      for (i, j) in pairs(n, "ring") {
        cz q[i], q[j];
      }
    }
  }
}

/// Hamiltonian embedding exp(-i t H(x)) with
/// H(x) = sum_i x_i X_i + sum_i x_i x_(i+1) Z_i Z_(i+1), Trotterised in `steps`
/// first-order slices (`evolve` also takes any other observable).
///
/// Example: `encoding = hamiltonian_embedding(x, t = 0.5, steps = 2)`
circuit hamiltonian_embedding(x: float[n], t: float = 1.0, steps: int = 1) on q[n] {
  evolve(sum(x[i] * X[i] for i in 0..n) + sum(x[i] * x[i + 1] * Z[i] Z[i + 1] for i in 0..n - 1), t, steps) q;
}
