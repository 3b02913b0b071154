"""``blas_threads`` limits every loaded BLAS library inside the block and restores it."""

from __future__ import annotations

import pytest

from qlang.sim import threads as T


def test_blas_threads_limits_and_restores() -> None:
    pytest.importorskip("threadpoolctl")
    import numpy as np  # noqa: F401 - loads numpy's BLAS before the controller scans

    libs = T._blas_libraries()
    if not libs:
        pytest.skip("no BLAS library found by threadpoolctl")
    before = [lib.get_num_threads() for lib in libs]
    for lib in libs:
        lib.set_num_threads(2)
    outside = [lib.get_num_threads() for lib in libs]  # 2 where the library allows it
    try:
        with T.blas_threads(1):
            assert [lib.get_num_threads() for lib in libs] == [1] * len(libs)
            with T.blas_threads(1):  # nested: nothing to change, nothing to restore early
                pass
            assert [lib.get_num_threads() for lib in libs] == [1] * len(libs)
        assert [lib.get_num_threads() for lib in libs] == outside
        with pytest.raises(RuntimeError), T.blas_threads(1):
            raise RuntimeError("restored on errors too")
        assert [lib.get_num_threads() for lib in libs] == outside
    finally:
        for lib, n in zip(libs, before, strict=True):
            lib.set_num_threads(n)
