// Repeat-until-success, unrolled twice, with resets and nested conditions.
OPENQASM 3.0;
include "stdgates.inc";
qubit[2] q;
bit[2] c;
for int round in [0:1] {
  reset q[0];
  h q[0];
  ctrl @ s q[0], q[1];
  h q[0];
  c[round] = measure q[0];
  if (c[round] == 1) {
    z q[1];
    if (!c[0]) { x q[1]; } else { y q[1]; }
  }
}
