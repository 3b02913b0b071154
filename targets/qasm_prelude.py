"""Gate definitions the OpenQASM importer knows beyond the IR gate set.

``PRELUDE`` defines ``qelib1.inc``/``stdgates.inc`` gates that are not IR gates
(``u2``, ``cu``, ``csx``...). ``DECOMPOSITIONS`` gives, for IR gates that have
no single-control IR form, an exact decomposition into gates that do; the
importer uses it to expand ``ctrl @`` modifiers. Every definition is exact
(global phase included) and checked against the IR matrices in the tests.

Example::

    >>> "gate u2" in PRELUDE
    True
"""

from __future__ import annotations

PRELUDE = """
gate u2(phi, lambda) q { U(pi / 2, phi, lambda) q; }
gate u0(gamma) q { }
gate cu(theta, phi, lambda, gamma) c, t {
  p(gamma) c; p((lambda + phi) / 2) c; p((lambda - phi) / 2) t; cx c, t;
  U(-theta / 2, 0, -(phi + lambda) / 2) t; cx c, t; U(theta / 2, phi, 0) t;
}
gate cu3(theta, phi, lambda) c, t { cu(theta, phi, lambda, 0) c, t; }
gate csx a, b { p(pi / 4) a; crx(pi / 2) a, b; }
gate cs a, b { cp(pi / 2) a, b; }
gate csdg a, b { cp(-pi / 2) a, b; }
gate ccz a, b, c { h c; ccx a, b, c; h c; }
gate dcx a, b { cx a, b; cx b, a; }
gate r(theta, phi) q { U(theta, phi - pi / 2, -phi + pi / 2) q; }
gate c3x a, b, c, d { ctrl(3) @ x a, b, c, d; }
gate c4x a, b, c, d, e { ctrl(4) @ x a, b, c, d, e; }
"""

#: Exact decompositions used to control gates that have no controlled IR form.
DECOMPOSITIONS = """
gate id a { }
gate s a { p(pi / 2) a; }
gate sdg a { p(-pi / 2) a; }
gate t a { p(pi / 4) a; }
gate tdg a { p(-pi / 4) a; }
gate sx a { gphase(pi / 4); rx(pi / 2) a; }
gate sxdg a { gphase(-pi / 4); rx(-pi / 2) a; }
gate u(theta, phi, lambda) a { gphase((phi + lambda) / 2); rz(lambda) a; ry(theta) a; rz(phi) a; }
gate cy a, b { sdg b; cx a, b; s b; }
gate cz a, b { h b; cx a, b; h b; }
gate ch a, b { ry(pi / 4) b; cx a, b; ry(-pi / 4) b; }
gate crz(theta) a, b { rz(theta / 2) b; cx a, b; rz(-theta / 2) b; cx a, b; }
gate cry(theta) a, b { ry(theta / 2) b; cx a, b; ry(-theta / 2) b; cx a, b; }
gate crx(theta) a, b { h b; crz(theta) a, b; h b; }
gate cp(lambda) a, b { p(lambda / 2) a; cx a, b; p(-lambda / 2) b; cx a, b; p(lambda / 2) b; }
gate swap a, b { cx a, b; cx b, a; cx a, b; }
gate iswap a, b { s a; s b; h a; cx a, b; cx b, a; h b; }
gate rzz(theta) a, b { cx a, b; rz(theta) b; cx a, b; }
gate rxx(theta) a, b { h a; h b; cx a, b; rz(theta) b; cx a, b; h a; h b; }
gate ryy(theta) a, b {
  rx(pi / 2) a; rx(pi / 2) b; cx a, b; rz(theta) b; cx a, b; rx(-pi / 2) a; rx(-pi / 2) b;
}
gate rzx(theta) a, b { h b; cx a, b; rz(theta) b; cx a, b; h b; }
gate ecr a, b { rzx(pi / 4) a, b; x a; rzx(-pi / 4) a, b; }
gate cswap a, b, c { cx c, b; ccx a, b, c; cx c, b; }
"""

#: Single-control forms: ``ctrl @ g`` is the IR gate ``CONTROLLED[g]``.
CONTROLLED: dict[str, str] = {
    "x": "cx", "cx": "ccx", "ccx": "mcx", "mcx": "mcx", "y": "cy", "z": "cz", "h": "ch",
    "rx": "crx", "ry": "cry", "rz": "crz", "p": "cp", "swap": "cswap",
}  # fmt: skip
