"""Error-mitigation passes: unitary folding (zero-noise extrapolation) and Pauli twirling.

They return circuits that are unitarily equal to their input (up to a global phase),
with more gates (folding) or randomised Pauli frames (twirling), so the folded and
twirled circuits run on the noisy simulator and export to OpenQASM 3, Qiskit and tket
like any other circuit.
"""
