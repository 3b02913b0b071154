// Gate definitions and modifiers.
OPENQASM 3.0;
include "stdgates.inc";
input float[64] a;
input angle[32] b;
qubit[4] q;
gate layer(t) x, y { ry(t) x; ry(-t / 2) y; cx x, y; gphase(t / 4); }
gate block(t, u) x, y, z { layer(t) x, y; ctrl @ layer(u) z, x, y; }
block(a, b) q[0], q[1], q[2];
inv @ layer(b) q[1], q[2];
block(b, a) q[1], q[2], q[3];
negctrl @ ctrl @ rz(a * b) q[3], q[0], q[2];
pow(3) @ sx q[3];
ctrl(3) @ x q[0], q[1], q[2], q[3];
