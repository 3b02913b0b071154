/// A quantum GAN loading a log-normal distribution (after Zoufal, Lucchi and
/// Woerner 2019): 20000 samples of a log-normal (mu = 1, sigma = 1) rounded to
/// the grid 0..7, three qubits; the generator is a RY layer and CZ entanglers,
/// trained in alternation against a classical discriminator (50 and 20 hidden
/// units as in the paper, tanh instead of leaky ReLU) on the outcomes' bits. KL and TVD to the data
/// distribution are reported per epoch and at the end.
import ansatze.two_local

model qgan_lognormal {
  data      = lognormal(mu = 1, sigma = 1, bits = 3, n = 20000, seed = 1)
  qubits    = 3
  ansatz    = two_local(rotation_blocks = ["ry"], entanglement_block = "cz", reps = 2)
  readout   = probs(q)
  task      = gan(discriminator = [dense(3 -> 50, tanh), dense(50 -> 20, tanh), dense(20 -> 1, sigmoid)], d_lr = 0.002)
  metrics   = [kl, tvd]
  optimizer = adam(lr = 0.002)
  train     { epochs = 2000, seed = 1 }
}
