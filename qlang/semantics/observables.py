"""Pauli sums built at compile time, and their conversion to the model IR.

A :class:`PauliSum` maps Pauli strings (sorted ``(qubit, letter)`` pairs) to
coefficients ``(i**k, expr)``: products such as ``X0 Y0`` pick up a factor of
``i``. Only Hermitian sums (every phase real) become IR observables.

Example::

    >>> z0, z1 = PauliSum.factor(0, "Z"), PauliSum.factor(1, "Z")
    >>> obs = (z0 * z1).scale(0.5) + z0
    >>> [(t.paulis, t.coeff) for t in to_observable(obs).terms]
    [(((0, 'Z'),), Const(value=1.0)), (((0, 'Z'), (1, 'Z')), Const(value=0.5))]
"""

from __future__ import annotations

from dataclasses import dataclass

from qlang.ir import expr as E
from qlang.ir.model import Observable, PauliTerm

PauliString = tuple[tuple[int, str], ...]

# single-qubit Pauli products: (a, b) -> (phase power of i, letter)
_PRODUCT = {
    ("X", "Y"): (1, "Z"),
    ("Y", "X"): (3, "Z"),
    ("Y", "Z"): (1, "X"),
    ("Z", "Y"): (3, "X"),
    ("Z", "X"): (1, "Y"),
    ("X", "Z"): (3, "Y"),
}


def _mul_strings(a: PauliString, b: PauliString) -> tuple[int, PauliString]:
    ops = dict(a)
    phase = 0
    for q, p in b:
        if q not in ops:
            ops[q] = p
        elif ops[q] == p:
            del ops[q]
        else:
            k, letter = _PRODUCT[(ops[q], p)]
            phase += k
            ops[q] = letter
    return phase % 4, tuple(sorted(ops.items()))


@dataclass(frozen=True, slots=True)
class PauliSum:
    """``terms``: Pauli string -> (phase power ``k`` of ``i``, real coefficient)."""

    terms: tuple[tuple[PauliString, int, E.Expr], ...]

    @staticmethod
    def factor(qubit: int, letter: str) -> PauliSum:
        if letter == "I":
            return PauliSum((((), 0, E.ONE),))
        return PauliSum(((((qubit, letter),), 0, E.ONE),))

    @staticmethod
    def constant(value: E.Expr | float) -> PauliSum:
        return PauliSum((((), 0, E.as_expr(value)),))

    def scale(self, c: E.Expr | float) -> PauliSum:
        ce = E.as_expr(c)
        return _combine([(s, k, E.mul(ce, v)) for s, k, v in self.terms])

    def __add__(self, other: PauliSum) -> PauliSum:
        return _combine(list(self.terms) + list(other.terms))

    def __neg__(self) -> PauliSum:
        return self.scale(-1.0)

    def __sub__(self, other: PauliSum) -> PauliSum:
        return self + (-other)

    def __mul__(self, other: PauliSum) -> PauliSum:
        out = []
        for s1, k1, v1 in self.terms:
            for s2, k2, v2 in other.terms:
                k, s = _mul_strings(s1, s2)
                out.append((s, (k1 + k2 + k) % 4, E.mul(v1, v2)))
        return _combine(out)

    def max_qubit(self) -> int:
        return max((q for s, _, _ in self.terms for q, _ in s), default=-1)

    def is_hermitian(self) -> bool:
        return all(k % 2 == 0 for _, k, _ in self.terms)


def _combine(items: list[tuple[PauliString, int, E.Expr]]) -> PauliSum:
    """Merge like terms (phases 0/2 and 1/3 fold into a sign); drop zeros."""
    acc: dict[tuple[PauliString, int], E.Expr] = {}
    order: list[tuple[PauliString, int]] = []
    for s, k, v in items:
        key, val = (s, k % 2), (v if k < 2 else E.neg(v))
        if key in acc:
            acc[key] = E.add(acc[key], val)
        else:
            acc[key] = val
            order.append(key)
    terms = tuple((s, k, acc[(s, k)]) for s, k in order if acc[(s, k)] != E.ZERO)
    return PauliSum(terms)


def to_observable(ps: PauliSum, span: object = None) -> Observable:
    """The IR observable: terms sorted by (weight, Pauli string), like terms combined."""
    if not ps.is_hermitian():
        raise ValueError("observable is not hermitian")
    terms = sorted(ps.terms, key=lambda t: (len(t[0]), t[0]))
    return Observable(tuple(PauliTerm(v, s) for s, _, v in terms), span=span)  # type: ignore[arg-type]
