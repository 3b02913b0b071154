"""The Ray cluster of one run: started (or joined) for the run, stopped after it.

:func:`open_cluster` starts a local cluster with ``workers`` CPUs, joins the cluster at
``address``, or uses the Ray session the caller already has (a notebook, a benchmark;
left running afterwards). :func:`import_ray` is the one place Ray is imported: without
it, ``QL0907`` with the install hint, before any work.

Example::

    >>> c = Counts()
    >>> c.add("kernel_tiles", 3); c.add("kernel_tiles", 1); c.as_dict()
    {'kernel_tiles': 4}
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from qlang.distribute.settings import Distribution


def import_ray(what: str = "`distribute = ray(...)` runs batch work on Ray") -> Any:
    """The ``ray`` module, or ``QL0907`` with the install hint."""
    try:
        import ray
    except ImportError:
        from qlang.train.errors import fail

        fail(
            "QL0907",
            f"{what}, which is not installed",
            help="pip install 'qlang[ray]' (or remove `distribute`: the run computes in "
            "this process)",
        )
    return ray


@dataclass
class Counts:
    """How much work went to Ray (recorded with the run)."""

    values: dict[str, int] = field(default_factory=dict)

    def add(self, key: str, n: int) -> None:
        self.values[key] = self.values.get(key, 0) + int(n)

    def as_dict(self) -> dict[str, int]:
        return dict(self.values)


@dataclass(eq=False)
class Cluster:
    """A connected Ray session: the run splits its work for ``workers`` tasks at once (one
    CPU each; ``cpus`` is what the cluster has)."""

    ray: Any
    dist: Distribution
    workers: int
    started: bool
    cpus: int = 1
    counts: Counts = field(default_factory=Counts)
    _puts: dict[int, tuple[Any, Any]] = field(default_factory=dict)
    _remote: dict[Any, Any] = field(default_factory=dict)

    def remote(self, fn: Any) -> Any:
        """``fn`` as a Ray task of one CPU (wrapped, and shipped to the workers, once)."""
        got = self._remote.get(fn)
        if got is None:
            got = self._remote[fn] = self.ray.remote(num_cpus=1, max_retries=0)(fn)
        return got

    def put(self, obj: Any) -> Any:
        """``ray.put(obj)`` once per object for the cluster's lifetime (kept alive here)."""
        key = id(obj)
        got = self._puts.get(key)
        if got is None or got[0] is not obj:
            got = (obj, self.ray.put(obj))
            self._puts[key] = got
        return got[1]

    def record(self) -> dict[str, Any]:
        """What ``provenance.json`` says about the distribution."""
        return {
            "kind": "ray",
            "setting": self.dist.text(),
            "address": self.dist.address or "local",
            "workers": self.workers,
            "cluster_cpus": self.cpus,
            "block": self.dist.block if self.dist.block is not None else "auto",
            "ray_version": str(getattr(self.ray, "__version__", "unknown")),
            **self.counts.as_dict(),
        }


def reachable(address: str, timeout: float = 5.0) -> str | None:
    """Why nothing answers at ``host:port`` (``ray://host:port``), or ``None`` when
    something does (``auto`` is left to Ray): Ray itself retries an unreachable address
    for minutes."""
    import socket

    if address == "auto":
        return None
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return None
    except (OSError, ValueError) as err:
        return str(err) or type(err).__name__


@contextlib.contextmanager
def open_cluster(dist: Distribution) -> Iterator[Cluster]:
    """A Ray session for one run (see the module docstring); ``QL0909`` when the cluster
    at ``address`` cannot be reached."""
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        from qlang.threads import cpu_count
        from qlang.train.errors import fail

        why = reachable(dist.address) if dist.address is not None else None
        if why is not None:
            fail("QL0909", f"cannot reach the Ray cluster at `{dist.address}`: {why}",
                 help="start it with `ray start --head` (or drop the address for a local "
                 "cluster)")  # fmt: skip
        try:
            if dist.address is None:
                ray.init(num_cpus=dist.workers or cpu_count(), include_dashboard=False,
                         log_to_driver=False, configure_logging=False)  # fmt: skip
            else:
                ray.init(address=dist.address, log_to_driver=False, configure_logging=False)
        except Exception as err:  # noqa: BLE001 - Ray reports an unreachable cluster many ways
            fail(
                "QL0909",
                f"cannot start or reach the Ray cluster"
                f"{f' at `{dist.address}`' if dist.address else ''}: {err}",
                help="start it with `ray start --head` (or drop `address` for a local cluster)",
            )
        started = True
    try:
        cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
        yield Cluster(ray, dist, dist.workers or cpus, started, cpus)
    finally:
        if started:
            ray.shutdown()
