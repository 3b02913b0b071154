"""Builtins implemented in Python that the stdlib builds on.

* ``evolve(H, t, steps = 1) q;``: ``exp(-i t H)`` for a Pauli sum ``H`` whose
  qubit indices are positions in the register ``q`` (first-order Trotter
  with ``steps`` slices; exact when the terms commute). Coefficients and
  ``t`` may be symbolic.
* ``mottonen_angles(x, signed)``, ``uniform_angles(alpha)``,
  ``gray_control(k, i)``: the pieces of Mottonen state preparation.

Example::

    >>> [round(a, 6) for a in uniform_angles_values([1.0, 0.0])]
    [0.5, 0.5]
"""

from __future__ import annotations

from typing import Any

from qlang.ir import expr as E
from qlang.ir.circuit import Operation
from qlang.limits import MAX_STEPS
from qlang.semantics import codes as C
from qlang.semantics.builtins import Args, Kwargs, _params, register
from qlang.semantics.circuits import NATIVE_CIRCUITS, Builder
from qlang.semantics.codes import fail
from qlang.semantics.observables import PauliSum
from qlang.semantics.values import Qubits, flatten, is_scalar, type_name
from qlang.source import Span

_TINY = E.Const(1e-300)


def _fold(e: Any) -> Any:
    e = E.as_expr(e)
    return E.const_value(e) if E.is_constant(e) else e


def evolve(
    lw: Any, args: Args, kwargs: Kwargs, qargs: list[Qubits], b: Builder, span: Span | None
) -> None:
    """``evolve(H, t, steps = 1) q;``"""
    (h, hs), (t, ts), (steps, ss) = _params("evolve", args, kwargs, span, ["H", "t", "steps"], 2)
    if is_scalar(h):
        return  # a multiple of the identity: a global phase
    if not isinstance(h, PauliSum):
        raise fail(C.TYPE_MISMATCH, f"`evolve` needs an observable, found `{type_name(h)}`", hs)
    if not h.is_hermitian():
        raise fail(C.BAD_VALUE, "`evolve` needs a hermitian observable", hs)
    if not is_scalar(t):
        raise fail(C.TYPE_MISMATCH, f"`evolve` time must be a number, found `{type_name(t)}`", ts)
    r = 1 if steps is None else lw.ev.to_int(steps, ss, "steps")
    if r < 1:
        raise fail(C.BAD_VALUE, "`steps` must be at least 1", ss)
    reg = tuple(q for qv in qargs for q in qv.qubits)
    if h.max_qubit() >= len(reg):
        raise fail(
            C.OBSERVABLE_WIDTH,
            f"observable acts on qubit {h.max_qubit()} but `evolve` got {len(reg)} qubits",
            hs,
        )
    per_step = sum(4 * len(paulis) + 1 for paulis, _, _ in h.terms if paulis)
    if r * per_step + len(b.ops) > MAX_STEPS:
        raise fail(
            "QL0824",
            f"`evolve` with {r:,} steps unrolls to about {r * per_step:,} gates, more than "
            f"{MAX_STEPS:,}",
            ss or span,
        )
    dt = E.div(E.as_expr(t), E.Const(float(r)))
    for _ in range(r):
        for paulis, k, coeff in h.terms:
            if not paulis:
                continue
            c = coeff if k == 0 else E.neg(coeff)
            b.ops.extend(pauli_rotation(paulis, E.mul(E.Const(2.0), E.mul(c, dt)), reg, span))


def pauli_rotation(
    paulis: tuple[tuple[int, str], ...], angle: E.Expr, reg: tuple[int, ...], span: Span | None
) -> list[Operation]:
    """``exp(-i angle/2 P)`` for a Pauli string: basis change, parity ladder, ``rz``."""
    qs = [reg[q] for q, _ in paulis]
    pre: list[Operation] = []
    post: list[Operation] = []
    for (_, p), q in zip(paulis, qs, strict=True):
        if p == "X":
            pre.append(Operation("h", (q,), span=span))
            post.append(Operation("h", (q,), span=span))
        elif p == "Y":
            pre.append(Operation("rx", (q,), (E.Const(1.5707963267948966),), span=span))
            post.append(Operation("rx", (q,), (E.Const(-1.5707963267948966),), span=span))
    ladder = [Operation("cx", (qs[i], qs[i + 1]), span=span) for i in range(len(qs) - 1)]
    core = [Operation("rz", (qs[-1],), (angle,), span=span)]
    return pre + ladder + core + ladder[::-1] + post


NATIVE_CIRCUITS["evolve"] = evolve


def _gray(i: int) -> int:
    return i ^ (i >> 1)


@register("gray_control")
def _gray_control(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> int:
    """The control (0-based) of CNOT ``i`` in a uniformly controlled rotation on ``k`` controls."""
    (k, ks), (i, is_) = _params("gray_control", args, kwargs, span, ["k", "i"], 2)
    kk, ii = ev.to_int(k, ks), ev.to_int(i, is_)
    if kk < 1:
        raise fail(C.BAD_VALUE, "`gray_control` needs k >= 1", ks)
    nxt = (ii + 1) % (2**kk)
    return (_gray(ii) ^ _gray(nxt)).bit_length() - 1


def uniform_angles_values(alpha: list[Any]) -> list[Any]:
    k = (len(alpha) - 1).bit_length()
    out = []
    for i in range(len(alpha)):
        acc: E.Expr = E.ZERO
        for j, a in enumerate(alpha):
            sign = -1.0 if bin(_gray(i) & j).count("1") % 2 else 1.0
            acc = E.add(acc, E.mul(E.Const(sign), E.as_expr(a)))
        out.append(_fold(E.mul(E.Const(1.0 / 2**k), acc)))
    return out


@register("uniform_angles")
def _uniform_angles(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> tuple:
    """Gray-code angles ``theta = M^T alpha / 2^k`` of a uniformly controlled rotation."""
    ((alpha, als),) = _params("uniform_angles", args, kwargs, span, ["alpha"], 1)
    if not isinstance(alpha, tuple) or len(alpha) & (len(alpha) - 1) or not alpha:
        raise fail(C.SHAPE_MISMATCH, "`uniform_angles` needs 2^k angles", als)
    return tuple(uniform_angles_values(list(alpha)))


def _atan2_pos(u: E.Expr, l: E.Expr) -> E.Expr:
    """``atan2(u, l)`` for ``u, l >= 0`` as ``2 arctan(u / (r + l))`` (smooth, no branch cut)."""
    r = E.func("sqrt", E.add(E.power(u, E.Const(2.0)), E.power(l, E.Const(2.0))))
    return E.mul(E.Const(2.0), E.func("arctan", E.div(u, E.add(E.add(r, l), _TINY))))


def _atan2_signed(b: E.Expr, a: E.Expr) -> E.Expr:
    """``atan2(b, a)`` for signed ``a, b``: ``sign(b) * arccos(a / r)`` with ``sign(0) = 1``."""
    r = E.func("sqrt", E.add(E.power(a, E.Const(2.0)), E.power(b, E.Const(2.0))))
    ab = E.func("abs", b)
    sign = E.sub(
        E.ONE, E.div(E.mul(E.Const(2.0), E.sub(ab, b)), E.add(E.mul(E.Const(2.0), ab), _TINY))
    )
    return E.mul(sign, E.func("arccos", E.div(a, E.add(r, _TINY))))


@register("mottonen_angles")
def _mottonen_angles(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> tuple:
    """RY angles per level: ``alpha[k]`` has ``2^k`` angles for target qubit ``n-1-k``.

    The amplitudes are ``x`` (length ``2^n``, little-endian, assumed normalised).
    With ``signed = false`` they must be non-negative; ``signed = true`` allows
    any real values (signs are set at the last level).
    """
    (x, xs), (signed, ss) = _params("mottonen_angles", args, kwargs, span, ["x", "signed"], 1)
    vals = flatten(x) if isinstance(x, tuple) else []
    size = len(vals)
    if size < 2 or size & (size - 1) or not all(is_scalar(v) for v in vals):
        raise fail(C.SHAPE_MISMATCH, f"`mottonen_angles` needs 2^n numbers, got {type_name(x)}", xs)
    n = size.bit_length() - 1
    amps = [E.as_expr(v) for v in vals]
    sq = [E.power(a, E.Const(2.0)) for a in amps]
    levels = []
    for k in range(n):
        t = n - 1 - k
        block = 2 ** (t + 1)
        half = 2**t
        row = []
        for j in range(2**k):
            base = j * block
            if t == 0 and signed:
                row.append(_fold(E.mul(E.Const(2.0), _atan2_signed(amps[base + 1], amps[base]))))
                continue
            lo = _sum(sq[base : base + half])
            hi = _sum(sq[base + half : base + block])
            row.append(
                _fold(E.mul(E.Const(2.0), _atan2_pos(E.func("sqrt", hi), E.func("sqrt", lo))))
            )
        levels.append(tuple(row))
    return tuple(levels)


def _sum(items: list[E.Expr]) -> E.Expr:
    acc: E.Expr = E.ZERO
    for it in items:
        acc = E.add(acc, it)
    return acc


@register("blocks")
def _blocks(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> tuple:
    """``blocks(n, k, kind, layer)``: qubit blocks of size ``k`` (Qiskit entangler maps)."""
    from qlang.semantics.pairs import blocks

    (n, ns), (k, ks), (kind, kis), (layer, ls) = _params(
        "blocks", args, kwargs, span, ["n", "k", "kind", "layer"], 2
    )
    try:
        return blocks(
            ev.to_int(n, ns),
            ev.to_int(k, ks),
            kind or "full",
            0 if layer is None else ev.to_int(layer, ls),
        )
    except ValueError as e:
        raise fail(
            C.BAD_VALUE, f"unknown or unsupported entanglement `{kind}` ({e})", kis
        ) from None


@register("num_params")
def _num_params(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> int:
    """``num_params("ry")``: the number of angles a builtin gate takes."""
    from qlang.ir.gates import ALIASES, GATES

    ((g, gs),) = _params("num_params", args, kwargs, span, ["gate"], 1)
    name = ALIASES.get(g, g) if isinstance(g, str) else None
    if name not in GATES:
        raise fail(C.UNKNOWN_GATE, f"unknown gate `{g}`", gs)
    return GATES[name].num_params


@register("index_pairs")
def _index_pairs(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> tuple:
    """``index_pairs(n)``: every ``(i, j)`` with ``i, j`` in ``0..n``."""
    ((n, ns),) = _params("index_pairs", args, kwargs, span, ["n"], 1)
    k = ev.to_int(n, ns)
    return tuple((i, j) for i in range(k) for j in range(k))


def apply_gate(
    lw: Any, args: Args, kwargs: Kwargs, qargs: list[Qubits], b: Builder, span: Span | None
) -> None:
    """``apply_gate("ry", [theta]) q[0];``: a builtin gate chosen by a string value."""
    from qlang.ir.gates import ALIASES, GATES

    (g, gs), (ps, pss) = _params("apply_gate", args, kwargs, span, ["gate", "params"], 1)
    name = ALIASES.get(g, g) if isinstance(g, str) else None
    if name not in GATES:
        from qlang.diagnostics import did_you_mean

        raise fail(C.UNKNOWN_GATE, f"unknown gate `{g}`", gs, did_you_mean(str(g), GATES))
    params = [] if ps is None else [(p, pss) for p in (ps if isinstance(ps, tuple) else (ps,))]
    lw.builtin_gate(name, params, {}, qargs, b, span)


NATIVE_CIRCUITS["apply_gate"] = apply_gate


@register("error")
def _error(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    """``error("message")``: stop with a `QL0208` diagnostic (for checks in the stdlib)."""
    ((msg, _),) = _params("error", args, kwargs, span, ["message"], 1)
    raise fail(C.BAD_VALUE, str(msg), span)


@register("reversed")
def _reversed(ev: Any, args: Args, kwargs: Kwargs, span: Span | None) -> Any:
    """``reversed("XZ")`` / ``reversed([0, 1])``: the sequence back to front."""
    ((v, vs),) = _params("reversed", args, kwargs, span, ["value"], 1)
    if isinstance(v, (str, tuple)):
        return v[::-1]
    raise fail(C.TYPE_MISMATCH, f"`reversed` needs a string or list, found `{type_name(v)}`", vs)
