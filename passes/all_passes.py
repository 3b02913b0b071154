"""Import every built-in pass module so the registry knows them."""

from qlang.passes.basis import translate  # noqa: F401
from qlang.passes.optimization import cancel, fuse_swaps, reorder, resynth, swaps  # noqa: F401
