"""Run the semantic analysis on a whole file: every model, else the last circuit."""

from __future__ import annotations

from qlang.driver import lower_circuit
from qlang.semantics import Loader
from qlang.semantics.models import lower_model
from qlang.semantics.values import Definition


def analyse(text: str, filename: str) -> None:
    """Raise :class:`QLangError` for a malformed program (circuits get 3 qubits)."""
    loader = Loader()
    module = loader.load_text(text, filename)
    loader.check()
    if module.models:
        for m in module.models:
            lower_model(loader, module, m.name)
        return
    circuits = [d for d in module.definitions.values() if isinstance(d, Definition)]
    lower_circuit(text, circuits[-1].name, qubits=3)
