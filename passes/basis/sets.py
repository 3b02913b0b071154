"""Named gate sets and the universality check.

Example::

    >>> resolve_basis(("ibm",))
    ('cx', 'rz', 'sx', 'x')
    >>> check_universal(("cx", "rz", "sx")).exact
    True
    >>> check_universal(("clifford+t",)).exact
    False
"""

from __future__ import annotations

from dataclasses import dataclass

from qlang.passes.errors import pass_error

from qlang.diagnostics import did_you_mean
from qlang.ir.gates import ALIASES, GATES

NAMED_BASES: dict[str, tuple[str, ...]] = {
    "ibm": ("cx", "rz", "sx", "x"),
    "ibm-ecr": ("ecr", "rz", "sx", "x"),
    "ibm-cz": ("cz", "rz", "sx", "x"),
    "quantinuum": ("rzz", "rz", "ry"),
    "quantinuum-u1q": ("rzz", "rz", "u"),
    "ionq": ("rxx", "rz", "ry"),
    "rigetti": ("cz", "rx", "rz"),
    "clifford+t": ("cx", "h", "s", "sdg", "t", "tdg", "x", "y", "z"),
}

#: 2-qubit gates that can serve as the entangler of a basis.
ENTANGLERS = ("cx", "cz", "ecr", "cy", "ch", "rzz", "rxx", "ryy", "rzx", "cp", "crz", "crx",
              "cry")  # fmt: skip


def resolve_basis(basis: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    """Expand a named set (``ibm``) and aliases; unknown gates raise ``QL0560``."""
    items = [basis] if isinstance(basis, str) else list(basis)
    names: list[str] = []
    for item in items:
        for raw in str(item).replace(";", ",").split(","):
            raw = raw.strip().lower()
            if not raw:
                continue
            if raw in NAMED_BASES:
                names.extend(NAMED_BASES[raw])
                continue
            name = ALIASES.get(raw, raw)
            if name not in GATES:
                raise pass_error(
                    "QL0560",
                    f"unknown gate `{raw}` in basis",
                    help=did_you_mean(raw, list(GATES) + list(NAMED_BASES))
                    or f"named bases: {', '.join(NAMED_BASES)}",
                )
            names.append(name)
    if not names:
        raise pass_error(
            "QL0560", "empty basis", help="give gate names, e.g. `cx,rz,sx,x`, or `ibm`"
        )
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class Universality:
    """Result of :func:`check_universal`: ``exact`` means every unitary is exact."""

    entangler: str
    exact: bool
    symbolic_carrier: str | None  # a 1q rotation that can carry a symbolic angle


def check_universal(basis: tuple[str, ...]) -> Universality:
    """Raise ``QL0561`` unless the basis is universal (exactly or approximately)."""
    names = resolve_basis(basis)
    ent = next((g for g in ENTANGLERS if g in names), None)
    one = frozenset(g for g in names if GATES[g].num_qubits == 1)
    from qlang.passes.synthesis.one_qubit import can_synthesize_exactly

    exact = can_synthesize_exactly(one)
    approx = "h" in one and bool(one & {"t", "tdg"})
    if ent is None or not (exact or approx):
        what = "an entangling 2-qubit gate" if ent is None else "1-qubit gates generating SU(2)"
        raise pass_error(
            "QL0561",
            f"basis `{','.join(names)}` is not universal: it lacks {what}",
            help="add e.g. `cx` and `rz,sx` (or name a set: ibm, quantinuum, ionq, rigetti, "
            "clifford+t)",
        )
    carrier = next((g for g in ("rz", "p", "rx", "ry", "u") if g in one), None)
    return Universality(ent, exact, carrier)
