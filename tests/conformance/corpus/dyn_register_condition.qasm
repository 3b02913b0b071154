// OpenQASM 2: register conditions and broadcast measurement.
OPENQASM 2.0;
include "qelib1.inc";
qreg q[3];
creg c[3];
h q;
measure q -> c;
if (c == 5) x q[1];
if (c == 0) u3(0.1, 0.2, 0.3) q[2];
barrier q;
reset q[0];
