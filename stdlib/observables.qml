/// Observables and Hamiltonians: Pauli sums over the model's register `q[n]`.

/// Z on one qubit.
///
/// Example: `readout = expval(pauli_z(0))`
observable pauli_z(i: int = 0) on q[n] = Z[i];

/// X on one qubit.
///
/// Example: `readout = expval(pauli_x(1))`
observable pauli_x(i: int = 0) on q[n] = X[i];

/// Y on one qubit.
///
/// Example: `readout = expval(pauli_y(0))`
observable pauli_y(i: int = 0) on q[n] = Y[i];

/// A Pauli word on chosen qubits, e.g. `pauli_string("XZ", [0, 2])` = X0 Z2.
///
/// Example: `readout = expval(pauli_string("ZZ", [0, 1]))`
observable pauli_string(word: str, qubits: list) on q[n] = pauli(word, qubits);

/// The mean magnetisation sum_i Z_i / n.
///
/// Example: `readout = expval(magnetization())`
observable magnetization on q[n] = sum(Z[i] for i in 0..n) / n;

/// Sum of single-qubit Paulis of one kind: `pauli_sum("X")` = X0 + X1 + ...
///
/// Example: `observable = pauli_sum("X")`
observable pauli_sum(kind: str = "Z") on q[n] = sum(pauli(kind, [i]) for i in 0..n);

/// Transverse-field Ising chain: -J sum Z_i Z_(i+1) - h sum X_i (open or periodic).
///
/// Example: `observable = ising(J = 1.0, h = 0.5)`
observable ising(J: float = 1.0, h: float = 1.0, periodic: bool = false) on q[n] = -J * sum(Z[i] Z[(i + 1) % n] for i in 0..(periodic and n or n - 1)) - h * sum(X[i] for i in 0..n);

/// MaxCut cost: sum over edges (i, j, w) of w/2 (Z_i Z_j - 1); its minimum is
/// minus the maximum cut.
///
/// Example: `observable = maxcut(random_regular(3, 8, seed = 1))`
observable maxcut(g: graph) on q[n] = sum(0.5 * w * (Z[i] Z[j] - 1) for (i, j, w) in edges(g));

/// QUBO cost x^T Q x over bits x_i = (1 - Z_i) / 2.
///
/// Example: `observable = qubo([[1, -2], [0, 1]])`
observable qubo(Q: matrix) on q[n] = sum(Q[i, j] * (1 - Z[i]) * (1 - Z[j]) / 4 for (i, j) in index_pairs(len(Q)));
