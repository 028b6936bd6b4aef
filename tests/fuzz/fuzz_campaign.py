"""One property, two tests: a quick default-budget run in `make test` and a `fuzz` campaign.

`make fuzz` sets NUMERBAY_FUZZ=1 and selects the `fuzz` marker; the campaign tests skip
without it. Every executed case is counted per family (amounts, addresses, envelopes, ur,
graphql) so the session can print and store what the campaign really ran
(tests/artifacts/fuzz_counts.json, written by tests/fuzz/conftest.py).

Properties come in two shapes: hypothesis strategies (`hypothesis_pair`) for structured
inputs it shrinks well, and plain seeded random generators (`random_pair`) for volume.
A random campaign's seed is printed on failure; NUMERBAY_FUZZ_SEED replays one.
"""

from __future__ import annotations

import functools
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

FULL = os.environ.get("NUMERBAY_FUZZ") == "1"
COUNTS: Counter[str] = Counter()
SECONDS: Counter[str] = Counter()
_COMMON: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": list(HealthCheck),
}
_campaign = pytest.mark.skipif(not FULL, reason="long campaign: make fuzz (NUMERBAY_FUZZ=1)")


def hypothesis_pair(
    family: str, quick: int, full: int, strategies: dict[str, Any], prop: Callable[..., None]
) -> tuple[Callable[..., None], Callable[..., None]]:
    """(quick test, fuzz-marked campaign test) of `prop` over `strategies`."""

    @functools.wraps(prop)
    def counted(**kwargs: Any) -> None:
        COUNTS[family] += 1
        prop(**kwargs)

    def build(examples: int, derandomize: bool) -> Callable[..., None]:
        chosen = settings(max_examples=examples, derandomize=derandomize, **_COMMON)
        inner = chosen(given(**strategies)(counted))

        def test() -> None:
            started = time.perf_counter()
            try:
                inner()
            finally:
                SECONDS[family] += time.perf_counter() - started

        test.__doc__ = prop.__doc__
        return test

    # The quick run is the same every time (CI stays deterministic); the campaign explores.
    return build(quick, True), pytest.mark.fuzz(_campaign(build(full, False)))


def random_pair(
    family: str, quick: int, full: int, case: Callable[[random.Random], None]
) -> tuple[Callable[[], None], Callable[[], None]]:
    """(quick test, fuzz-marked campaign test) running `case(rng)` many times."""

    def build(count: int, seed: int) -> Callable[[], None]:
        def test() -> None:
            chosen = int(os.environ.get("NUMERBAY_FUZZ_SEED", seed))
            rng = random.Random(chosen)
            started = time.perf_counter()
            index = 0
            try:
                for index in range(count):  # noqa: B007 (reported on failure)
                    case(rng)
                    COUNTS[family] += 1
            except BaseException as error:
                error.add_note(f"fuzz case {index} of seed {chosen} (NUMERBAY_FUZZ_SEED={chosen})")
                raise
            finally:
                SECONDS[family] += time.perf_counter() - started

        test.__doc__ = case.__doc__
        return test

    # The quick run is reproducible in CI; each campaign explores new ground.
    return build(quick, 20261125), pytest.mark.fuzz(_campaign(build(full, time.time_ns())))
