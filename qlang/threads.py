"""The one thread setting of the package: ``QLANG_THREADS``.

Every part of qlang that runs work in threads asks :func:`threads` how many it may use:
the routing passes (independent layout trials) and the simulator (samples of a batch,
in the compiled executor). ``QLANG_THREADS=N`` (a positive integer) sets it; without it
(or with a value that is not a positive integer) it is the number of CPUs this process
may run on, at most :data:`MAX_DEFAULT`. Read on every call, so a test or a benchmark
may change it at run time.

Example::

    >>> import os
    >>> os.environ["QLANG_THREADS"] = "3"
    >>> threads()
    3
    >>> del os.environ["QLANG_THREADS"]
    >>> 1 <= threads() <= MAX_DEFAULT
    True
"""

from __future__ import annotations

import os

#: the environment variable (the only thread setting qlang reads)
VARIABLE = "QLANG_THREADS"
#: the default is the CPU count, capped here
MAX_DEFAULT = 8


def cpu_count() -> int:
    """CPUs this process may run on (its affinity mask where the OS reports one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def threads() -> int:
    """Worker threads: ``QLANG_THREADS`` if it is a positive integer, else the CPU count
    (at most :data:`MAX_DEFAULT`)."""
    env = os.environ.get(VARIABLE, "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return min(MAX_DEFAULT, cpu_count())
