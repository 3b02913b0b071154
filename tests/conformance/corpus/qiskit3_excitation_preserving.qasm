OPENQASM 3.0;
include "stdgates.inc";
input float[64] _θ_0_;
input float[64] _θ_1_;
input float[64] _θ_2_;
input float[64] _θ_3_;
input float[64] _θ_4_;
input float[64] _θ_5_;
input float[64] _θ_6_;
input float[64] _θ_7_;
input float[64] _θ_8_;
gate sxdg _gate_q_0 {
  s _gate_q_0;
  h _gate_q_0;
  s _gate_q_0;
}
gate xx_plus_yy(p0, p1) _gate_q_0, _gate_q_1 {
  rz(p1) _gate_q_0;
  sdg _gate_q_1;
  sx _gate_q_1;
  s _gate_q_1;
  s _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry((-0.5)*p0) _gate_q_1;
  ry((-0.5)*p0) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  sdg _gate_q_0;
  sdg _gate_q_1;
  sxdg _gate_q_1;
  s _gate_q_1;
  rz(-p1) _gate_q_0;
}
gate Interaction(_θ_3_) _gate_q_0, _gate_q_1 {
  xx_plus_yy(2*_θ_3_, 0) _gate_q_0, _gate_q_1;
}
gate Interaction_0(_θ_4_) _gate_q_0, _gate_q_1 {
  xx_plus_yy(2*_θ_4_, 0) _gate_q_0, _gate_q_1;
}
gate Interaction_1(_θ_5_) _gate_q_0, _gate_q_1 {
  xx_plus_yy(2*_θ_5_, 0) _gate_q_0, _gate_q_1;
}
qubit[3] q;
rz(_θ_0_) q[0];
rz(_θ_1_) q[1];
rz(_θ_2_) q[2];
Interaction(_θ_3_) q[0], q[1];
Interaction_0(_θ_4_) q[0], q[2];
Interaction_1(_θ_5_) q[1], q[2];
rz(_θ_6_) q[0];
rz(_θ_7_) q[1];
rz(_θ_8_) q[2];
