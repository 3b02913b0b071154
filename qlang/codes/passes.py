"""Codes of the pass manager and the passes (QL0550-QL0579): pure data.

Raised through :func:`qlang.passes.errors.pass_error`.

Example::

    >>> {e.code: e for e in ENTRIES}["QL0551"].title
    'unknown pass name'
"""

from __future__ import annotations

from qlang.codes.info import Area, ErrorInfo

AREA = Area(
    "passes",
    "Pass manager and pass errors",
    "Errors raised while building or running an optimisation pipeline "
    "(`qlang compile --passes ...`, `-O<level>`, `--basis ...`).",
    "QL0550",
    "QL0579",
)

ENTRIES: tuple[ErrorInfo, ...] = (
    ErrorInfo(
        "QL0550",
        "malformed pass pipeline specification",
        'qlang compile model.qml --passes "cancel-inverses{commute=true,merge-rotations"',
        'qlang compile model.qml --passes "cancel-inverses{commute=true},merge-rotations"',
        "The `--passes` text is `name`, `name{key=value,...}` or `fixed-point{...}(a,b)`, "
        "separated by commas. Close every `{` and `(` and write options as `key=value`.",
    ),
    ErrorInfo(
        "QL0551",
        "unknown pass name",
        "qlang compile model.qml --passes cancel-inverse",
        "qlang compile model.qml --passes cancel-inverses",
        "Use a registered pass name; the message suggests the closest name. "
        "`qlang.passes.registry.available_passes()` lists them.",
    ),
    ErrorInfo(
        "QL0552",
        "unknown pass option",
        '--passes "merge-rotations{commutes=true}"',
        '--passes "merge-rotations{commute=true}"',
        "Options are the fields of the pass.",
    ),
    ErrorInfo(
        "QL0553",
        "invalid pass option value",
        '--passes "merge-rotations{commute=maybe}"',
        '--passes "merge-rotations{commute=true}"',
        "Booleans are `true/false`, integers and numbers are plain literals, tuples are "
        "written `a:b:c` (`basis-translation{basis=cx:rz:sx:x}`).",
    ),
    ErrorInfo(
        "QL0554",
        "pass requirement not met by the pipeline",
        '--passes "some-pass-requiring-in-basis"     # nothing before it ensures `in-basis`',
        '--passes "basis-translation{basis=cx:rz:sx:x},some-pass-requiring-in-basis"',
        "Put a pass that ensures the property earlier (`basis-translation` ensures "
        "`in-basis`; layout and routing passes ensure `layout-assigned` and `routed`), and do "
        "not put a pass that invalidates it in between.",
    ),
    ErrorInfo(
        "QL0555",
        "fixed-point iteration limit exceeded",
        '--passes "fixed-point{max_iterations=1,error_on_limit=true}(merge-rotations)"',
        '--passes "fixed-point{max_iterations=10}(merge-rotations)"',
        "The body still changed the circuit after `max_iterations` rounds. Raise the bound "
        "or drop `error_on_limit` (the result is then kept; it is still equivalent).",
    ),
    ErrorInfo(
        "QL0556",
        "`--print-ir-after` names a pass that is not in the pipeline",
        "qlang compile model.qml -O1 --print-ir-after consolidate-blocks",
        "qlang compile model.qml -O1 --print-ir-after merge-rotations",
        "Name a pass that the pipeline runs (the message lists them) or `all`.",
    ),
    ErrorInfo(
        "QL0557",
        "invalid optimisation level",
        "qlang compile model.qml -O7",
        "qlang compile model.qml -O3",
        "Use `-O0`, `-O1`, `-O2` or `-O3`.",
    ),
    ErrorInfo(
        "QL0560",
        "unknown gate in a basis",
        "qlang compile model.qml --basis cx,rz,sqrtx",
        "qlang compile model.qml --basis cx,rz,sx",
        "Use gate names of the IR (`sx`) or a named set: `ibm`, `ibm-ecr`, `ibm-cz`, "
        "`quantinuum`, `quantinuum-u1q`, `ionq`, `rigetti`, `clifford+t`.",
    ),
    ErrorInfo(
        "QL0561",
        "basis is not universal",
        "qlang compile model.qml --basis rz,sx,x          # no entangling gate\n"
        "qlang compile model.qml --basis cx,rz            # 1-qubit gates do not generate SU(2)",
        "qlang compile model.qml --basis cx,rz,sx",
        "Add an entangling 2-qubit gate (`cx`, `cz`, `ecr`, `rzz`, `rxx`, ...) and 1-qubit "
        "gates that generate every rotation: two rotation axes (`rz,ry`), a rotation plus "
        "`sx` or `h` (`rz,sx`), `u`, or `h` with `t` (approximate, Clifford+T).",
    ),
    ErrorInfo(
        "QL0562",
        "symbolic rotation cannot be expressed in a finite gate set",
        "qlang compile model.qml --basis clifford+t      # the model has ry(theta[0])",
        "qlang compile model.qml --basis cx,h,s,t,rz",
        "A finite gate set only approximates *constant* angles. Keep a continuous rotation "
        "in the basis or bind the parameters first.",
    ),
    ErrorInfo(
        "QL0563",
        "invalid synthesis precision",
        '--passes "basis-translation{basis=clifford+t,precision=0}"',
        '--passes "basis-translation{basis=clifford+t,precision=1e-3}"',
        "`precision` (operator-norm error per approximated 1-qubit run) must be in (0, 1); "
        "values below about `1e-4` may not be reachable by the Solovay-Kitaev depth bound "
        "and also raise this error.",
    ),
    ErrorInfo(
        "QL0564",
        "gate cannot be translated to the basis",
        '--passes "basis-translation{basis=cx:h:t}"     # with a conditioned symbolic gate',
        '--passes "basis-translation{basis=cx:h:t:rz}"',
        "Raised when, after all rules, a gate is still outside the basis (e.g. a conditioned "
        "symbolic gate with no carrier). Choose a basis with a continuous rotation.",
    ),
    ErrorInfo(
        "QL0565",
        "the circuit cannot be folded or twirled",
        '--passes "fold-global{scale=0.5}"',
        '--passes "fold-global{scale=3}"',
        "Unitary folding (`fold-global`, `fold-gates`) needs a unitary circuit and a scale "
        "in [1, 100]; Pauli twirling (`pauli-twirl`) applies to two-qubit Clifford gates "
        "(`cx`, `cy`, `cz`, `ecr`, `swap`, `iswap`).",
    ),
)
