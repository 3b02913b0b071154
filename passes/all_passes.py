"""Import every built-in pass module so the registry knows them."""

from qlang.passes.optimization import cancel  # noqa: F401
