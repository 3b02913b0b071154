"""The public Python API of the front end.

Example::

    >>> import qlang
    >>> m = qlang.parse("circuit bell() on q[2] { h q[0]; cx q[0], q[1]; }")
    >>> m.items[0].name
    'bell'
"""

from __future__ import annotations

from pathlib import Path

from qlang import ast
from qlang.fileio import read_source
from qlang.parser import parse as _parse


def parse(text: str, filename: str = "<string>") -> ast.Module:
    """Parse source text into an AST; raises :class:`qlang.QLangError` on bad input."""
    return _parse(text, filename)


def check(path: str | Path) -> ast.Module:
    """Parse and check a file; raises :class:`qlang.QLangError` with every diagnostic found."""
    text = read_source(path)
    module = _parse(text, str(path))
    try:
        from qlang import driver
    except ImportError:
        return module
    driver.check_module(module, Path(path))
    return module
