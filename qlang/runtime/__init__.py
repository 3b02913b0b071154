"""The qlang runtime: simulation, gradients and training."""
