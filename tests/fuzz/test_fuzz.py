"""The fuzzer in the test suite: 0 escapes, 0 hangs, bounded memory.

A fast subset runs in the default suite; 10,000 inputs run in the slow job
(``pytest -m slow tests/fuzz``). On failure the message lists each failing case with its
seed and index, the commands that escaped, a minimal reproducer of the model and the
command line that replays it. ``QLANG_FUZZ_SEED`` picks another seed.
"""

from __future__ import annotations

import os

import pytest

from tests.fuzz.cases import FAMILIES, make_case
from tests.fuzz.runner import describe, run

SEED = int(os.environ.get("QLANG_FUZZ_SEED", "20"))
RSS_LIMIT = 2 * 2**30


def check(report) -> None:  # type: ignore[no-untyped-def]
    print(report.summary())
    assert not report.failures, describe(report)
    assert report.peak_rss < RSS_LIMIT
    for family in FAMILIES:
        assert report.families.get(family, 0) > 0, f"no `{family}` input was generated"


def test_the_generator_is_seeded_and_covers_every_family():
    cases = [make_case(SEED, i) for i in range(300)]
    assert {c.family for c in cases} == set(FAMILIES)
    again = [make_case(SEED, i) for i in range(300)]
    assert [(c.family, c.files, c.weights) for c in cases] == [
        (c.family, c.files, c.weights) for c in again
    ]


def test_fuzz_fast_subset():
    """A couple of hundred inputs through check, compile, train, predict, eval and the API."""
    check(run(SEED, 200, workers=2, timeout=60, rss_limit=RSS_LIMIT))


@pytest.mark.slow
def test_fuzz_10000_inputs():
    """The slow job: 10,000 inputs on 2 worker processes (well under 30 minutes)."""
    check(run(SEED + 1, 10_000, workers=2, timeout=60, rss_limit=RSS_LIMIT))
