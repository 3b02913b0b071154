"""The small classifier the execution-backend tests build their models from.

    >>> "qubits = 3" in small(qubits=3)
    True
"""

from __future__ import annotations

import pytest

from qlang.diagnostics import QLangError

HEAD = "import encodings.angle\nimport ansatze.real_amplitudes\nimport ansatze.strongly_entangling\n"


def small(readout: str = "expval(Z0) |> sigmoid()", target: str = "", extra: str = "",
          qubits: int = 2, classes: int = 2, data: str = "moons(n = 40, seed = 1)") -> str:  # fmt: skip
    """A ``classify`` model on ``qubits`` qubits with real_amplitudes x1, one epoch of Adam,
    seed 3; ``target`` and ``extra`` (more ``train`` settings) are pasted in as written."""
    tgt = f"  target {{ {target} }}\n" if target else ""
    return HEAD + (
        "model m {\n"
        f"  data = {data}\n  qubits = {qubits}\n  encoding = angle(x)\n"
        "  ansatz = real_amplitudes(reps = 1)\n"
        f"  readout = {readout}\n  task = classify(classes = {classes})\n"
        "  optimizer = adam(lr = 0.1)\n"
        f"  train {{ epochs = 1, batch_size = 64, seed = 3 {extra} }}\n{tgt}}}\n"
    )


def codes(err: pytest.ExceptionInfo[QLangError]) -> list[str]:
    """The diagnostic codes of a raised :class:`QLangError`, in order."""
    return [d.code for d in err.value.diagnostics]
