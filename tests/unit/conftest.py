"""Fixtures shared by the unit tests.

``ray_session``: a local two-CPU Ray cluster for one test module (skipped without Ray);
an already running session (a notebook's ``ray.init``) is reused and left running.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def ray_session() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    started = not ray.is_initialized()
    if started:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    if started:
        ray.shutdown()
