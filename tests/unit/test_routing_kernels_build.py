"""The compiled routing kernels are used only when the built module has every function the
routing modules call: a stale in-place build (of an older ``_kernels.c``) falls back to
the Python references instead of failing with an AttributeError mid-compile."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from qlang.passes.routing import kernels

ROUTING = Path(kernels.__file__).parent


def test_every_called_kernel_is_listed() -> None:
    called = set()
    for path in ROUTING.glob("*.py"):
        called |= set(re.findall(r"KERNELS\.([a-z_]+)", path.read_text()))
    assert called and called <= set(kernels.FUNCTIONS)


def test_every_listed_kernel_is_in_the_c_source() -> None:
    source = (ROUTING / "_kernels.c").read_text()
    table = set(re.findall(r'\{"([a-z_]+)", *[a-z_]+, *METH_', source))
    assert set(kernels.FUNCTIONS) <= table


def test_a_stale_build_is_not_used() -> None:
    stale = ModuleType("_kernels")
    for name in kernels.FUNCTIONS[:-1]:
        setattr(stale, name, lambda *a: None)
    stale.API_VERSION = kernels.API_VERSION  # type: ignore[attr-defined]
    assert kernels.complete(stale) is None
    setattr(stale, kernels.FUNCTIONS[-1], lambda *a: None)
    assert kernels.complete(stale) is stale


def test_a_build_of_another_interface_version_is_not_used() -> None:
    """Every function present, but built from a ``_kernels.c`` whose functions took other
    arguments (before version 2, ``exchange`` and ``chain_cost`` took ``getrandbits``)."""
    old = ModuleType("_kernels")
    for name in kernels.FUNCTIONS:
        setattr(old, name, lambda *a: None)
    assert kernels.complete(old) is None  # no API_VERSION: built before it existed
    old.API_VERSION = kernels.API_VERSION - 1  # type: ignore[attr-defined]
    assert kernels.complete(old) is None
    old.API_VERSION = kernels.API_VERSION  # type: ignore[attr-defined]
    assert kernels.complete(old) is old


def test_the_c_source_declares_the_interface_version() -> None:
    source = (ROUTING / "_kernels.c").read_text()
    assert f"#define KERNELS_API_VERSION {kernels.API_VERSION}" in source


@pytest.mark.skipif(kernels._compiled is None, reason="the extension is not built")
def test_the_built_module_is_complete() -> None:
    assert kernels.complete(kernels._compiled) is kernels._compiled
