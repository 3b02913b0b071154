"""A BLAS library loaded after ``blas_threads`` first ran (scipy's own OpenBLAS, imported
lazily by the kernel path) is limited too: the libraries are scanned again after imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

CHILD = """
import json
import numpy
from qlang.sim import threads as T
with T.blas_threads(1):
    pass
from threadpoolctl import threadpool_info
blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
import scipy.linalg  # noqa: F401 - brings scipy's own BLAS library
after = [i for i in threadpool_info() if i["user_api"] == "blas"]
with T.blas_threads(1):
    inside = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
outside = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
print(json.dumps({"before": len(blas), "after": len(after), "inside": inside,
                  "outside": outside}))
"""


def test_a_blas_library_loaded_after_the_first_call_is_limited_too() -> None:
    pytest.importorskip("threadpoolctl")
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    env["OPENBLAS_NUM_THREADS"] = "2"  # a count above the limit, whatever the machine
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         env=env, check=True, timeout=120)  # fmt: skip
    r = json.loads(out.stdout.strip().splitlines()[-1])
    if r["after"] == r["before"]:
        pytest.skip("scipy uses numpy's BLAS library here: nothing is loaded later")
    assert r["inside"] == [1] * len(r["inside"])
    assert max(r["outside"]) > 1  # restored after the block
